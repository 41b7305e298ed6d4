"""Re-check the store: every artifact against its manifest, SHA256SUMS and the index.

Each capture gets `pass` or `fail` with the problems named; something that could not be
checked says so (`not checked`) rather than passing quietly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collector.hashing import sha256_file
from collector.index import Index, artifact_rows, capture_row
from collector.store import CONTROL_FILES, MANIFEST, SUMS, EvidenceStore, load_manifest

PASS, FAIL, NOT_CHECKED = "pass", "fail", "not checked"


@dataclass(frozen=True)
class CaptureCheck:
    capture_id: str
    folder: str
    status: str
    problems: tuple[str, ...] = ()
    checked_files: int = 0


@dataclass(frozen=True)
class StoreReport:
    captures: tuple[CaptureCheck, ...]
    store_problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.store_problems and all(c.status == PASS for c in self.captures)


def verify_store(store: EvidenceStore, index: Index, refs: Iterable[str] = ()) -> StoreReport:
    refs = list(refs)
    indexed = {r["id"]: r for r in index.captures()}
    on_disk = {p.name: p for p in store.capture_folders()}
    store_problems: list[str] = []
    if refs:
        wanted = [index.resolve(ref)["id"] for ref in refs]
    else:
        wanted = sorted(set(indexed) | set(on_disk))
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
        checks.append(verify_capture(store, cid, folder, row, index))
    warnings = [
        f"{store.relative(p)}: unfinished capture (interrupted before it was complete; "
        "not evidence)"
        for p in store.incomplete_folders()
    ]
    return StoreReport(tuple(checks), tuple(store_problems), tuple(warnings))


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
    return CaptureCheck(capture_id, rel, FAIL if problems else PASS, tuple(problems), checked)


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
