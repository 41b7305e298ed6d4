"""Re-check the store: every artifact against its manifest, SHA256SUMS and the index, and
the custody chain (collector.records.custody): every entry_hash recomputed, links and
sequence, index.db against custody.jsonl, and every capture's `captured` event against its
manifest.

Each capture gets `pass` or `fail` with the problems named (`retired` when it was retired
with its files deleted: its hashes live on in the custody log); something that could not
be checked says so (`not checked`) rather than passing quietly.

RFC 3161 tokens (collector.evidence.stamps) are checked per token: their files against
`SHA256SUMS` and the record that lists them, their imprint against the manifest's SHA-256
(read by our own DER parser), and their signature with `openssl ts -verify` when a CA file
is given (`not checked` otherwise; a token's `not checked` does not fail its capture, a
`fail` does). Time sources that disagree by more than `max_clock_skew_s` give a warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from collector.evidence.hashing import sha256_file
from collector.evidence.rfc3161 import TimestampError, check_matches, parse_response, verify_token
from collector.evidence.stamps import (
    DEFAULT_MAX_CLOCK_SKEW_S,
    LATE_RECORD,
    capture_time_sources,
    late_folders,
    pair_skews,
    record_from_entry,
)
from collector.evidence.store import (
    CONTROL_FILES,
    MANIFEST,
    SEALED_FILE,
    SUMS,
    TIMESTAMPS,
    EvidenceStore,
    load_manifest,
)
from collector.manifest import Manifest
from collector.records import custody
from collector.records.custody import Action, ChainReport, NewEvent
from collector.records.index import (
    TIMESTAMP_COLUMNS,
    Index,
    artifact_rows,
    capture_row,
    timestamp_row,
)
from collector.timeutil import rfc3339

PASS, FAIL, NOT_CHECKED, RETIRED = "pass", "fail", "not checked", "retired"
GOOD = frozenset({PASS, RETIRED})


@dataclass(frozen=True)
class TokenCheck:
    """One RFC 3161 token: `pass`, `fail` or `not checked`, and why."""

    path: str  # relative to the store
    tsa_url: str
    gen_time: str
    status: str
    message: str
    late: bool = False


@dataclass(frozen=True)
class CaptureCheck:
    capture_id: str
    folder: str
    status: str
    problems: tuple[str, ...] = ()
    checked_files: int = 0
    manifest_sha256: str | None = None  # of the manifest on disk, when it could be read
    retired: bool = False
    tokens: tuple[TokenCheck, ...] = ()
    warnings: tuple[str, ...] = ()


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


@dataclass(frozen=True)
class TimeCheck:
    """How tokens and clocks are checked."""

    tsa_ca: Path | None = None  # trust anchor for `openssl ts -verify`; None: not checked
    max_clock_skew_s: float = DEFAULT_MAX_CLOCK_SKEW_S


def verify_store(
    store: EvidenceStore,
    index: Index,
    refs: Iterable[str] = (),
    time_check: TimeCheck | None = None,
) -> StoreReport:
    time_check = time_check or TimeCheck()
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
        check = verify_capture(store, cid, folder, row, index, time_check)
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
    if not refs and store.timestamps_dir.is_dir():
        for stray in sorted(p.name for p in store.timestamps_dir.iterdir() if p.is_dir()):
            if stray not in on_disk and stray not in indexed and stray not in filed:
                store_problems.append(
                    f"timestamps/{stray}: tokens for a capture that does not exist"
                )
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
    if store.timestamps_dir.is_dir():
        warnings += [
            f"{store.relative(p)}: unfinished timestamp (interrupted; not evidence)"
            for p in sorted(store.timestamps_dir.glob("*/.incoming-*"))
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
    time_check: TimeCheck | None = None,
) -> CaptureCheck:
    time_check = time_check or TimeCheck()
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
    sealed: dict[str, str] = {}  # written after the manifest: listed in SHA256SUMS only
    for path in sorted(folder.iterdir()):
        if path.name in listed or path.name in CONTROL_FILES:
            continue
        if SEALED_FILE.fullmatch(path.name):
            sealed[path.name] = sha256_file(path)[0]
            checked += 1
        else:
            problems.append(f"{path.name}: unexpected file, not in the manifest")
    problems.extend(_check_sums(folder, listed, manifest_sha, sealed))
    if manifest.get("capture_id") != capture_id:
        problems.append(
            f"{MANIFEST}: capture_id {manifest.get('capture_id')!r} does not match "
            f"the folder {capture_id!r}"
        )
    if row is not None:
        problems.extend(_compare_index(manifest, manifest_sha, row, index, store.relative(folder)))
    tokens, token_entries, token_problems = _check_tokens(
        store, capture_id, folder, manifest, manifest_sha, sealed, time_check
    )
    problems.extend(token_problems)
    if row is not None:
        problems.extend(_compare_timestamps(store, capture_id, folder, token_entries, index))
    warnings = _clock_warnings(manifest, token_entries, time_check.max_clock_skew_s)
    status = FAIL if problems or any(t.status == FAIL for t in tokens) else PASS
    return CaptureCheck(
        capture_id,
        rel,
        status,
        tuple(problems),
        checked,
        manifest_sha,
        tokens=tuple(tokens),
        warnings=tuple(warnings),
    )


def _check_tokens(
    store: EvidenceStore,
    capture_id: str,
    folder: Path,
    manifest: Manifest,
    manifest_sha: str,
    sealed: dict[str, str],
    time_check: TimeCheck,
) -> tuple[list[TokenCheck], list[dict[str, Any]], list[str]]:
    """Tokens sealed with the capture, then later ones: files, imprint, signature."""
    checks: list[TokenCheck] = []
    entries: list[dict[str, Any]] = []  # token records as stored (with "folder", "late")
    problems: list[str] = []
    timestamping = manifest.get("timestamping")
    announced = timestamping["record"] if timestamping else None
    if announced and TIMESTAMPS not in sealed:
        problems.append(f"{TIMESTAMPS}: missing (the manifest says timestamps were requested)")
    if TIMESTAMPS in sealed:
        document = _json_file(folder / TIMESTAMPS, problems)
        if document is not None:
            rel = store.relative(folder)
            named = set()
            for entry in document.get("tokens") or []:
                named.update({entry.get("tsq"), entry.get("tsr")})
                entries.append({**entry, "folder": rel, "late": False})
                checks.append(
                    _check_token(store, folder, entry, manifest_sha, sealed, time_check, False)
                )
            for name in sorted(set(sealed) - named - {TIMESTAMPS}):
                problems.append(f"{name}: token file not described in {TIMESTAMPS}")
    else:
        for name in sorted(set(sealed) - {TIMESTAMPS}):
            problems.append(f"{name}: token file without {TIMESTAMPS}")
    for late in late_folders(store, capture_id):
        rel = store.relative(late)
        files = {p.name: sha256_file(p)[0] for p in late.iterdir() if p.is_file()}
        problems.extend(_check_late_sums(late, rel, files))
        document = _json_file(late / LATE_RECORD, problems, rel)
        if document is None:
            continue
        if document.get("capture_id") != capture_id:
            problems.append(f"{rel}/{LATE_RECORD}: for capture {document.get('capture_id')!r}")
        entries.append({**document, "folder": rel, "late": True})
        checks.append(_check_token(store, late, document, manifest_sha, files, time_check, True))
    return checks, entries, problems


def _check_token(
    store: EvidenceStore,
    folder: Path,
    entry: dict[str, Any],
    manifest_sha: str,
    hashes: dict[str, str],
    time_check: TimeCheck,
    late: bool,
) -> TokenCheck:
    rel = store.relative(folder)
    tsr, tsq = str(entry.get("tsr")), str(entry.get("tsq"))
    path = f"{rel}/{tsr}"
    url, gen_time = str(entry.get("tsa_url")), str(entry.get("gen_time"))

    def result(status: str, message: str) -> TokenCheck:
        return TokenCheck(path, url, gen_time, status, message, late)

    for name, key in ((tsq, "tsq_sha256"), (tsr, "tsr_sha256")):
        if name not in hashes:
            return result(FAIL, f"{name} is missing")
        if hashes[name] != entry.get(key):
            return result(FAIL, f"{name}: SHA-256 differs from its record: modified")
    if entry.get("manifest_sha256") != manifest_sha:
        return result(FAIL, "the token's record is for another manifest.json")
    reply = (folder / tsr).read_bytes()
    try:
        info = parse_response(reply)
        check_matches(info, bytes.fromhex(manifest_sha), int(str(entry.get("nonce")), 16))
    except (TimestampError, ValueError) as exc:
        return result(FAIL, f"not a token over this manifest.json: {exc}")
    if str(info.serial) != str(entry.get("serial")) or rfc3339(info.gen_time) != gen_time:
        return result(FAIL, "serial or genTime differ from the token's record")
    if time_check.tsa_ca is None:
        return result(
            NOT_CHECKED,
            "imprint and nonce match; signature not checked (give --tsa-ca, the TSA's CA file)",
        )
    try:
        # At genTime: a token stays valid after its TSA certificate expires.
        checked = verify_token(
            folder / tsr, _manifest_of(store, folder), time_check.tsa_ca, at_time=info.gen_time
        )
    except TimestampError as exc:
        return result(FAIL, str(exc))
    status = {"pass": PASS, "fail": FAIL}.get(checked.status, NOT_CHECKED)
    return result(status, f"openssl ts -verify: {checked.message}")


def _manifest_of(store: EvidenceStore, folder: Path) -> Path:
    """manifest.json a token folder refers to: its own capture folder, or a late token's."""
    if folder.parent.parent == store.timestamps_dir:
        return store.folder_for(folder.parent.name) / MANIFEST
    return folder / MANIFEST


def _check_late_sums(folder: Path, rel: str, files: dict[str, str]) -> list[str]:
    if SUMS not in files:
        return [f"{rel}/{SUMS}: missing"]
    listed: dict[str, str] = {}
    for line in (folder / SUMS).read_text("utf-8", errors="replace").splitlines():
        digest, sep, name = line.partition("  ")
        if sep:
            listed[name] = digest
    actual = {n: d for n, d in files.items() if n != SUMS}
    if listed != actual:
        names = sorted({n for n in set(listed) | set(actual) if listed.get(n) != actual.get(n)})
        return [f"{rel}/{SUMS}: disagrees with the files for {names}"]
    return []


def _json_file(path: Path, problems: list[str], rel: str | None = None) -> dict[str, Any] | None:
    label = f"{rel}/{path.name}" if rel else path.name
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        problems.append(f"{label}: not readable JSON ({exc})")
        return None
    if not isinstance(value, dict):
        problems.append(f"{label}: not a JSON object")
        return None
    return value


def _compare_timestamps(
    store: EvidenceStore,
    capture_id: str,
    folder: Path,
    entries: list[dict[str, Any]],
    index: Index,
) -> list[str]:
    on_disk = {}
    for entry in entries:
        try:
            record = record_from_entry(entry, capture_id, entry["folder"], late=bool(entry["late"]))
        except (KeyError, TypeError, ValueError):
            continue  # the record itself is broken: reported by the token check
        row = timestamp_row(record)
        on_disk[(row["folder"], row["tsr"])] = row
    indexed = {
        (r["folder"], r["tsr"]): {k: r[k] for k in TIMESTAMP_COLUMNS}
        for r in index.timestamps(capture_id)
    }
    if on_disk == indexed:
        return []
    names = sorted(
        f"{f}/{t}"
        for f, t in set(on_disk) | set(indexed)
        if on_disk.get((f, t)) != indexed.get((f, t))
    )
    return [f"index: timestamps rows disagree with the token records for {names}"]


def _clock_warnings(manifest: Manifest, entries: list[dict[str, Any]], bound_s: float) -> list[str]:
    try:
        sources = capture_time_sources(manifest, entries)
    except (KeyError, TypeError, ValueError):
        return ["time sources could not be read"]
    warnings = []
    for a, b, skew in pair_skews(sources):
        if abs(skew) > bound_s * 1000:
            warnings.append(
                f"clock skew: {b.name} is {skew / 1000:+.1f} s off {a.name} "
                f"(beyond the {bound_s:g} s bound; {a.name} {rfc3339(a.time)}, "
                f"{b.name} {rfc3339(b.time)})"
            )
    return warnings


def _check_sums(
    folder: Path, listed: dict[str, Any], manifest_sha: str, sealed: dict[str, str]
) -> list[str]:
    path = folder / SUMS
    if not path.is_file():
        return [f"{SUMS}: missing"]
    expected = {name: a["sha256"] for name, a in listed.items()}
    expected[MANIFEST] = manifest_sha
    expected.update(sealed)
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
    manifest: Manifest, manifest_sha: str, row: dict[str, Any], index: Index, folder: str
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
