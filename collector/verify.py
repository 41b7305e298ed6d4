"""Re-check the store: every artifact against its manifest, SHA256SUMS and the index, and
the custody chain (custody.py): every entry_hash recomputed, links and sequence, index.db
against custody.jsonl, and every capture's `captured` event against its manifest.

Each capture gets `pass` or `fail` with the problems named (`retired` when it was retired
with its files deleted: its hashes live on in the custody log); something that could not
be checked says so (`not checked`) rather than passing quietly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from collector import custody
from collector.custody import Action, ChainReport, NewEvent
from collector.hashing import sha256_file
from collector.index import Index, artifact_rows, capture_row
from collector.store import CONTROL_FILES, MANIFEST, SUMS, EvidenceStore, load_manifest

PASS, FAIL, NOT_CHECKED, RETIRED = "pass", "fail", "not checked", "retired"
GOOD = frozenset({PASS, RETIRED})


@dataclass(frozen=True)
class CaptureCheck:
    capture_id: str
    folder: str
    status: str
    problems: tuple[str, ...] = ()
    checked_files: int = 0
    manifest_sha256: str | None = None  # of the manifest on disk, when it could be read
    retired: bool = False


@dataclass(frozen=True)
class StoreReport:
    captures: tuple[CaptureCheck, ...]
    store_problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    custody: ChainReport | None = None

    @property
    def ok(self) -> bool:
        return (
            not self.store_problems
            and all(c.status in GOOD for c in self.captures)
            and (self.custody is None or self.custody.ok)
        )


def verify_store(store: EvidenceStore, index: Index, refs: Iterable[str] = ()) -> StoreReport:
    refs = list(refs)
    indexed = {r["id"]: r for r in index.captures()}
    on_disk = {p.name: p for p in store.capture_folders()}
    chain = custody.verify_chain(store, index)
    log = custody.entries(index)
    retired = custody.retired_entries(log)
    filed = {
        cid: e for e in log if e["action"] in custody.FILING_ACTIONS for cid in e["capture_ids"]
    }
    store_problems: list[str] = []
    if not index.custody_guarded():
        store_problems.append(
            "index.db: the custody log's append-only triggers are missing (dropped?)"
        )
    if refs:
        wanted = [index.resolve(ref)["id"] for ref in refs]
    else:
        wanted = sorted(set(indexed) | set(on_disk) | set(filed))
        for cid in sorted(set(on_disk) - set(indexed)):
            store_problems.append(
                f"{store.relative(on_disk[cid])}: capture folder is not in the index "
                "(run `collector reindex` if the index was lost)"
            )
    checks = []
    for cid in wanted:
        row = indexed.get(cid)
        folder = on_disk.get(cid)
        if folder is None and row is not None:
            folder = store.root / row["folder"]
        elif folder is None and cid in filed:
            folder = store.root / str(filed[cid]["details"].get("folder") or cid)
        gone = folder is None or not folder.exists()
        if cid in retired and retired[cid]["details"].get("delete_files") and gone:
            checks.append(_retired_check(cid, retired[cid], row))
            continue
        check = verify_capture(store, cid, folder, row, index)
        if cid not in indexed and cid not in on_disk and cid in filed:
            check = replace(
                check,
                problems=(
                    f"custody: filed at {filed[cid]['at']} (custody seq {filed[cid]['seq']}) "
                    "but neither in the store nor retired: removed without `collector retire`",
                    *check.problems,
                ),
            )
        checks.append(replace(check, retired=cid in retired))
    filing = custody.filing_problems(
        log,
        {
            c.capture_id: c.manifest_sha256
            or (indexed.get(c.capture_id) or {}).get("manifest_sha256")
            for c in checks
        },
    )
    checks = [
        replace(c, status=FAIL, problems=(*c.problems, filing[c.capture_id]))
        if c.capture_id in filing
        else c
        for c in checks
    ]
    warnings = [
        f"{store.relative(p)}: unfinished capture (interrupted before it was complete; "
        "not evidence)"
        for p in store.incomplete_folders()
    ]
    warnings += chain.warnings
    return StoreReport(tuple(checks), tuple(store_problems), tuple(warnings), chain)


def _retired_check(cid: str, event: dict[str, Any], row: dict[str, Any] | None) -> CaptureCheck:
    """A capture retired with its files deleted: nothing to hash; the index must still
    agree with the hashes its `retired` event kept."""
    d = event["details"]
    problems = []
    if row is None:
        problems.append("retired, but its index row is gone (run `collector reindex`)")
    elif row["manifest_sha256"] != d.get("manifest_sha256"):
        problems.append(
            "index: manifest_sha256 differs from the one its `retired` event kept "
            f"(custody seq {event['seq']})"
        )
    return CaptureCheck(
        cid,
        str(d.get("folder") or "?"),
        FAIL if problems else RETIRED,
        tuple(problems),
        0,
        str(d.get("manifest_sha256")),
        True,
    )


def record_verification(
    store: EvidenceStore, index: Index, report: StoreReport, refs: Iterable[str], actor: str
) -> dict[str, Any]:
    """Append the verification to the custody log (the CLI does not on a broken chain)."""
    scoped = bool(list(refs))
    checked = [c.capture_id for c in report.captures]
    details = {
        "scope": "captures" if scoped else "store",
        "result": "pass" if report.ok else "fail",
        "checked": len(checked),
        "passed": sum(c.status == PASS for c in report.captures),
        "retired": sum(c.status == RETIRED for c in report.captures),
        "failed": [c.capture_id for c in report.captures if c.status not in GOOD],
        "store_problems": len(report.store_problems),
        "custody_ok": report.custody.ok if report.custody else None,
        "custody_head": report.custody.head if report.custody else None,
    }
    event = NewEvent(Action.VERIFIED, actor, tuple(checked) if scoped else (), details)
    return custody.CustodyLog(store, index).append([event])[0]


def verify_capture(
    store: EvidenceStore,
    capture_id: str,
    folder: Path | None,
    row: dict[str, Any] | None,
    index: Index,
) -> CaptureCheck:
    problems: list[str] = []
    rel = store.relative(folder) if folder is not None else "?"
    if row is None:
        problems.append("not in the index")
    if folder is None or not folder.is_dir():
        return CaptureCheck(capture_id, rel, FAIL, (*problems, f"folder {rel} is missing"))
    if not (folder / MANIFEST).is_file():
        return CaptureCheck(capture_id, rel, FAIL, (*problems, f"{MANIFEST} is missing"))
    try:
        manifest, manifest_sha = load_manifest(folder)
    except Exception as exc:
        return CaptureCheck(capture_id, rel, FAIL, (*problems, str(exc)))
    listed = {a["name"]: a for a in manifest.get("artifacts", [])}
    checked = 0
    for name, artifact in listed.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        digest, size = sha256_file(path)
        checked += 1
        if digest != artifact["sha256"]:
            problems.append(
                f"{name}: SHA-256 mismatch (manifest {artifact['sha256'][:16]}…, "
                f"file {digest[:16]}…): modified"
            )
        elif size != artifact["size"]:
            problems.append(f"{name}: size {size} differs from manifest {artifact['size']}")
    for path in sorted(folder.iterdir()):
        if path.name not in listed and path.name not in CONTROL_FILES:
            problems.append(f"{path.name}: unexpected file, not in the manifest")
    problems.extend(_check_sums(folder, listed, manifest_sha))
    if manifest.get("capture_id") != capture_id:
        problems.append(
            f"{MANIFEST}: capture_id {manifest.get('capture_id')!r} does not match "
            f"the folder {capture_id!r}"
        )
    if row is not None:
        problems.extend(_compare_index(manifest, manifest_sha, row, index, store.relative(folder)))
    return CaptureCheck(
        capture_id, rel, FAIL if problems else PASS, tuple(problems), checked, manifest_sha
    )


def _check_sums(folder: Path, listed: dict[str, Any], manifest_sha: str) -> list[str]:
    path = folder / SUMS
    if not path.is_file():
        return [f"{SUMS}: missing"]
    expected = {name: a["sha256"] for name, a in listed.items()}
    expected[MANIFEST] = manifest_sha
    found: dict[str, str] = {}
    problems = []
    for n, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            problems.append(f"{SUMS}: line {n} is malformed")
            continue
        found[name] = digest
    if found != expected:
        diff = sorted(set(found.items()) ^ set(expected.items()))
        problems.append(f"{SUMS}: disagrees with the files for {sorted({n for n, _ in diff})}")
    return problems


def _compare_index(
    manifest: dict[str, Any], manifest_sha: str, row: dict[str, Any], index: Index, folder: str
) -> list[str]:
    problems = []
    if row["manifest_sha256"] != manifest_sha:
        problems.append(
            f"{MANIFEST}: SHA-256 differs from the one indexed when it was filed "
            "(manifest edited, or index edited)"
        )
    expected_row = capture_row(manifest, folder, row["manifest_sha256"])
    for key, value in expected_row.items():
        if row.get(key) != value:
            problems.append(
                f"index: captures.{key} is {json.dumps(row.get(key))}, "
                f"manifest says {json.dumps(value)}"
            )
    indexed_artifacts = {a["name"]: a for a in index.artifacts(manifest["capture_id"])}
    manifest_artifacts = {
        a["name"]: {k: a[k] for k in ("name", "media_type", "size", "sha256")}
        for a in artifact_rows(manifest)
    }
    if indexed_artifacts != manifest_artifacts:
        names = sorted(
            {
                n
                for n in set(indexed_artifacts) | set(manifest_artifacts)
                if indexed_artifacts.get(n) != manifest_artifacts.get(n)
            }
        )
        problems.append(f"index: artifacts rows disagree with the manifest for {names}")
    return problems
