"""Re-check the store: every artifact against its manifest, SHA256SUMS and the index, the
index's derived tables against what the manifests give, and the custody chain
(collector.records.custody): every entry_hash recomputed, links and sequence, index.db
against custody.jsonl, and every capture's `captured` event against its manifest.

Each capture gets `pass` or `fail` with the problems named (`retired` when it was retired
with its files deleted: its hashes live on in the custody log); something that could not
be checked says so (`not_checked`) rather than passing quietly.

Evidence is regular files inside the store: a capture folder, a day folder or a token folder
that is a symbolic link, and an artifact that is a link (or a fifo, a device...), is refused
and named, and never read through (a link could point at a copy outside the store).

Derived tables (`INDEX_TABLES`) are recomputed from the manifests with the same code that
fills them (collector.records.rows; `changes` with collector.monitor.detect, in capture order)
and compared row by row, so a deleted `changes` row (a hidden `disappeared`) or an edited
`capture_text` (other search hits) fails verification. The full-text index is checked
against `capture_text` with FTS5's own integrity check.

RFC 3161 tokens (collector.evidence.stamps) are checked per token with `check_token`, the
same check `verify-package` runs: their files against `SHA256SUMS` and the record that lists
them, request and reply imprint and nonce against the manifest's SHA-256 (read by our own
DER parser), and their signature with `openssl ts -verify` when a CA file is given
(`not_checked` otherwise; a token's `not_checked` does not fail its capture, a `fail` does).
Time sources that disagree by more than `max_clock_skew_s` give a warning.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from collector.evidence.hashing import sha256_bytes, sha256_file
from collector.evidence.rfc3161 import VerifyStatus
from collector.evidence.stamps import (
    DEFAULT_MAX_CLOCK_SKEW_S,
    LATE_RECORD,
    NOT_CHECKED,
    capture_time_sources,
    check_token,
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
    json_object,
    load_manifest,
)
from collector.evidence.sums import differing, parse_sums
from collector.manifest import Manifest
from collector.monitor.detect import change_row, compare_manifests, derive_changes
from collector.records import custody
from collector.records.anchor import Anchor, check_anchors, stored_anchors
from collector.records.custody import Action, ChainReport, NewEvent
from collector.records.index import Index
from collector.records.rows import (
    TIMESTAMP_COLUMNS,
    artifact_rows,
    capture_row,
    capture_text_row,
    entry_key,
    timestamp_row,
)
from collector.timeutil import rfc3339

# One vocabulary with verify-package (collector.evidence.rfc3161 VerifyStatus): pass, fail,
# not_checked; a capture can also be retired.
PASS: Final = "pass"
FAIL: Final = "fail"
RETIRED: Final = "retired"
GOOD = frozenset({PASS, RETIRED})
# the index tables `verify_store` recomputes from the manifests and compares
INDEX_TABLES = ("captures", "artifacts", "capture_text", "timestamps", "changes")
_LINK = "a symbolic link, refused (evidence is regular files inside the store; not followed)"
_NOT_REGULAR = "not a regular file, refused (evidence is regular files inside the store)"


@dataclass(frozen=True)
class TokenCheck:
    """One RFC 3161 token: `pass`, `fail` or `not_checked`, and why."""

    path: str  # relative to the store
    tsa_url: str
    gen_time: str
    status: VerifyStatus
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
    # as read from a folder inside the store (None when it could not be): for the index
    manifest: Manifest | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class StoreReport:
    captures: tuple[CaptureCheck, ...]
    store_problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    custody: ChainReport | None = None
    index_tables: tuple[str, ...] = ()  # derived tables recomputed and compared (INDEX_TABLES)
    anchors_checked: int = 0  # custody anchors given (their problems are store problems)

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
    anchors: Sequence[Anchor] = (),
) -> StoreReport:
    """`anchors` (collector.records.anchor): heads of the custody log kept outside the
    store, each of which the chain must still hold at its sequence number."""
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
    # heads stamped by TSAs and kept in the store count as anchors too
    stamped, stamp_problems = stored_anchors(store)
    anchors = [*anchors, *stamped]
    store_problems: list[str] = [f"custody: {p}" for p in check_anchors(log, anchors)]
    store_problems += [f"custody anchor token {p}" for p in stamp_problems]
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
    loaded: dict[str, _Loaded] = {}  # captures whose manifest could be read, for the index
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
        if check.manifest is not None and folder is not None:
            loaded[cid] = _Loaded(check.manifest, check.folder, str(check.manifest_sha256))
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
    # captures whose rows a later command re-derived after a crash (records.custody recover):
    # nothing compared them with the page's previous capture then
    recovered = {
        cid for e in log if "recovered" in (e.get("details") or {}) for cid in e["capture_ids"]
    }
    derived = _Derived(
        store, index, loaded, on_disk, retired, set(indexed), bool(refs), recovered
    ).check()
    store_problems.extend(derived.store_problems)
    filing = custody.filing_problems(
        log,
        {
            c.capture_id: c.manifest_sha256
            or (indexed.get(c.capture_id) or {}).get("manifest_sha256")
            for c in checks
        },
    )
    more: dict[str, list[str]] = {cid: list(ps) for cid, ps in derived.problems.items()}
    for cid, problem in filing.items():
        more.setdefault(cid, []).append(problem)
    checks = [
        replace(c, status=FAIL, problems=(*c.problems, *more[c.capture_id]))
        if more.get(c.capture_id)
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
    warnings += derived.warnings
    return StoreReport(
        tuple(checks), tuple(store_problems), tuple(warnings), chain, INDEX_TABLES, len(anchors)
    )


@dataclass(frozen=True)
class _Loaded:
    """A capture whose manifest was read from a folder inside the store."""

    manifest: Manifest
    folder: str  # relative to the store
    sha256: str


@dataclass
class _Derived:
    """The derived index tables against what the manifests give: `capture_text` (and its
    full-text index) and `changes`, recomputed and compared row by row (`captures`,
    `artifacts` and `timestamps` are compared per capture: `_compare_index`,
    `_compare_timestamps`). Collects the problems per capture, for the store, and warnings."""

    store: EvidenceStore
    index: Index
    loaded: Mapping[str, _Loaded]
    on_disk: Mapping[str, Path]
    retired: Mapping[str, dict[str, Any]]
    indexed: set[str]
    scoped: bool  # only the captures asked for (and, for `changes`, the others of their pages)
    recovered: set[str]  # captures recovered after a crash (never compared when filed)
    problems: dict[str, list[str]] = field(default_factory=dict)
    store_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, capture_id: str, problem: str) -> None:
        if capture_id in self.loaded:
            self.problems.setdefault(capture_id, []).append(problem)
        else:
            self.store_problems.append(f"capture {capture_id}: {problem}")

    def check(self) -> _Derived:
        self.check_text()
        self.check_changes()
        return self

    def check_text(self) -> None:
        for cid, item in sorted(self.loaded.items()):
            if cid not in self.indexed or not _comparable(item.manifest, cid):
                continue  # named already: not in the index, or not this capture's manifest
            want = capture_text_row(item.manifest, item.folder, self.store.root)
            have = self.index.capture_text(cid)
            if have is None:
                self.add(cid, "index: capture_text row missing (deleted?)")
            elif have != want:
                columns = [k for k in want if have.get(k) != want[k]]
                self.add(
                    cid,
                    "index: capture_text row differs from the manifest and text.txt in "
                    f"{columns} (edited? search would find other text)",
                )
        if self.scoped:
            return
        for cid in sorted(self.index.capture_text_ids() - set(self.loaded)):
            self.store_problems.append(
                f"index: capture_text row for {cid}, which has no readable manifest in the store"
            )
        status, why = self.index.fts_check()
        if status == FAIL:
            self.store_problems.append(f"index.db: {why}")
        elif status == NOT_CHECKED:
            self.warnings.append(f"not checked: {why}")

    def check_changes(self) -> None:
        """Every `changes` row against the comparison recomputed in capture order
        (collector.monitor.detect `derive_changes`, what `reindex` stores). Two differences
        are not tampering and are allowed: captures of one page that overlapped in time (the
        comparison made when a capture was filed used the previous capture filed by then),
        and a row removed because the capture it compared with was retired with its files
        deleted (a warning: `reindex` recomputes it)."""
        every = self._same_pages()
        root = self.store.root
        found = [(item.manifest, item.folder, item.sha256) for item in every.values()]
        expected = {r["capture_id"]: r for r in derive_changes(root, found, self.warnings.append)}
        stored = {r["capture_id"]: r for r in self.index.changes(include_unchanged=True)}
        gone = [
            str((e["details"].get("capture") or {}).get("started_at"))
            for cid, e in self.retired.items()
            if e["details"].get("delete_files") and cid not in self.on_disk
        ]
        for cid in sorted(set(expected) | set(stored)):
            if self.scoped and cid not in self.loaded:
                continue
            want, have = expected.get(cid), stored.get(cid)
            if want is None:
                assert have is not None
                self.add(
                    cid,
                    f"index: a changes row compares it with {have['previous_id']}, but the "
                    "manifests give no such comparison (row added?)",
                )
                continue
            previous, current = every[want["previous_id"]].manifest, every[cid].manifest
            overlapped = previous["finished_at"] > current["started_at"]
            if have is None:
                if overlapped:
                    continue  # filed before the capture it would compare with: never compared
                if cid in self.recovered:
                    self.warnings.append(
                        f"{cid}: not compared with {want['previous_id']} (recovered after a "
                        "crash, recorded in the custody log); `collector reindex` compares it"
                    )
                    continue
                if any(previous["started_at"] < at < current["started_at"] for at in gone):
                    self.warnings.append(
                        f"{cid}: no changes row (the capture it was compared with was retired "
                        f"and deleted); `collector reindex` compares it with "
                        f"{want['previous_id']}"
                    )
                    continue
                self.add(
                    cid,
                    f"index: changes row missing; the manifests compare it with "
                    f"{want['previous_id']} ({want['kinds'] or 'unchanged'}): deleted, or "
                    "lost in a crash? (`collector reindex` recomputes it)",
                )
                continue
            other = every.get(str(have["previous_id"]))
            if (
                have["previous_id"] != want["previous_id"]
                and overlapped
                and other is not None
                and entry_key(other.manifest) == want["entry_key"]
                and other.manifest["started_at"] < current["started_at"]
            ):
                # compared when filed with the capture filed before it: recompute that pair
                here = every[cid]
                changes = compare_manifests(
                    other.manifest, root / other.folder, current, root / here.folder
                )
                want = change_row(other.manifest, current, changes)
            columns = [k for k in want if k != "created_at" and have.get(k) != want[k]]
            if columns:
                self.add(
                    cid,
                    "index: changes row differs from the comparison recomputed from the "
                    f"manifests in {columns} (edited?)",
                )

    def _same_pages(self) -> dict[str, _Loaded]:
        """The captures to compare: all of them, or (scoped) the ones asked for and the
        other captures of their pages, read from their folders."""
        every = {cid: item for cid, item in self.loaded.items() if _comparable(item.manifest, cid)}
        if not self.scoped:
            return every
        keys = {entry_key(item.manifest) for item in every.values()}
        for cid, folder in self.on_disk.items():
            if cid in every or _link_on_the_way(self.store, folder) is not None:
                continue
            try:
                manifest, digest = load_manifest(folder)
            except Exception:  # unreadable: its own verification says so
                continue
            if _comparable(manifest, cid) and entry_key(manifest) in keys:
                every[cid] = _Loaded(manifest, self.store.relative(folder), digest)
        return every


def _comparable(manifest: object, capture_id: str) -> bool:
    """A manifest with what comparing and indexing need (others fail their capture)."""
    return (
        isinstance(manifest, dict)
        and manifest.get("capture_id") == capture_id
        and all(
            isinstance(manifest.get(k), str)
            for k in ("requested_url", "started_at", "finished_at", "outcome")
        )
    )


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
        "custody_head_seq": report.custody.head_seq if report.custody else None,
        "anchors_checked": report.anchors_checked,
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
    """One capture: its files, its SHA256SUMS, its index rows and its tokens."""
    time_check = time_check or TimeCheck()
    problems: list[str] = []
    rel = store.relative(folder) if folder is not None else "?"
    if row is None:
        problems.append("not in the index")

    def failed(problem: str) -> CaptureCheck:
        return CaptureCheck(capture_id, rel, FAIL, (*problems, problem))

    if folder is None or not (folder.is_dir() or folder.is_symlink()):
        return failed(f"folder {rel} is missing")
    link = _link_on_the_way(store, folder)
    if link is not None:
        return failed(f"{link}: {_LINK}")
    refused = _irregular_files(folder)
    problems.extend(f"{name}: {why}" for name, why in sorted(refused.items()))
    if MANIFEST in refused:
        return failed(f"{MANIFEST} cannot be read")
    if not (folder / MANIFEST).is_file():
        return failed(f"{MANIFEST} is missing")
    try:
        manifest, manifest_sha = load_manifest(folder)
    except Exception as exc:
        return failed(str(exc))
    listed = {a["name"]: a for a in manifest.get("artifacts", [])}
    checked = 0
    for name, artifact in listed.items():
        path = folder / name
        if name in refused:
            continue  # named above; a link is never read through
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
    sealed: dict[str, bytes] = {}  # written after the manifest: listed in SHA256SUMS only
    for path in sorted(folder.iterdir()):
        if path.name in listed or path.name in CONTROL_FILES or path.name in refused:
            continue
        if SEALED_FILE.fullmatch(path.name):
            sealed[path.name] = path.read_bytes()  # a few KB: tokens and their record
            checked += 1
        else:
            problems.append(f"{path.name}: unexpected file, not in the manifest")
    if SUMS not in refused:
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
        manifest=manifest,
    )


def _link_on_the_way(store: EvidenceStore, folder: Path) -> str | None:
    """The first folder from the store's root down to `folder` that is a symbolic link
    (relative to the store), if any. The root itself may be one: that is where the user
    keeps the store."""
    try:
        parts = folder.relative_to(store.root).parts
    except ValueError:
        return store.relative(folder)
    here = store.root
    for part in parts:
        here = here / part
        if here.is_symlink():
            return store.relative(here)
    return None


def _irregular_files(folder: Path) -> dict[str, str]:
    """Entries of a folder that are not regular files, and why they are refused."""
    refused = {}
    for path in folder.iterdir():
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            refused[path.name] = _LINK
        elif not stat.S_ISREG(mode):
            refused[path.name] = _NOT_REGULAR
    return refused


def _check_tokens(
    store: EvidenceStore,
    capture_id: str,
    folder: Path,
    manifest: Manifest,
    manifest_sha: str,
    sealed: dict[str, bytes],
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
        document = json_object(sealed[TIMESTAMPS], TIMESTAMPS, problems)
        if document is not None:
            rel = store.relative(folder)
            named = set()
            for entry in document.get("tokens") or []:
                named.update({entry.get("tsq"), entry.get("tsr")})
                entries.append({**entry, "folder": rel, "late": False})
                checks.append(
                    _check_token(rel, entry, TIMESTAMPS, manifest_sha, sealed, time_check, False)
                )
            for name in sorted(set(sealed) - named - {TIMESTAMPS}):
                problems.append(f"{name}: token file not described in {TIMESTAMPS}")
    else:
        for name in sorted(set(sealed) - {TIMESTAMPS}):
            problems.append(f"{name}: token file without {TIMESTAMPS}")
    for late in late_folders(store, capture_id):
        rel = store.relative(late)
        link = _link_on_the_way(store, late)
        if link is not None:
            problems.append(f"{link}: {_LINK}")
            continue
        refused = _irregular_files(late)
        problems.extend(f"{rel}/{name}: {why}" for name, why in sorted(refused.items()))
        files = {p.name: p.read_bytes() for p in late.iterdir() if p.name not in refused}
        problems.extend(_check_late_sums(rel, files))
        if LATE_RECORD not in files:
            problems.append(f"{rel}/{LATE_RECORD}: missing")
            continue
        document = json_object(files[LATE_RECORD], f"{rel}/{LATE_RECORD}", problems)
        if document is None:
            continue
        if document.get("capture_id") != capture_id:
            problems.append(f"{rel}/{LATE_RECORD}: for capture {document.get('capture_id')!r}")
        entries.append({**document, "folder": rel, "late": True})
        checks.append(
            _check_token(rel, document, LATE_RECORD, manifest_sha, files, time_check, True)
        )
    return checks, entries, problems


def _check_token(
    rel: str,
    entry: dict[str, Any],
    record: str,
    manifest_sha: str,
    files: Mapping[str, bytes],
    time_check: TimeCheck,
    late: bool,
) -> TokenCheck:
    """A token over the capture's manifest.json: collector.evidence.stamps `check_token`
    (the check verify-package runs too), plus: its record names this manifest."""
    tsr = str(entry.get("tsr"))
    url, gen_time = str(entry.get("tsa_url")), str(entry.get("gen_time"))

    def result(status: VerifyStatus, message: str) -> TokenCheck:
        return TokenCheck(f"{rel}/{tsr}", url, gen_time, status, message, late)

    if entry.get("manifest_sha256") != manifest_sha:
        return result(FAIL, f"the token's record ({record}) is for another {MANIFEST}")
    verdict = check_token(
        entry,
        {n: files[n] for n in (str(entry.get("tsq")), tsr) if n in files},
        bytes.fromhex(manifest_sha),
        subject=MANIFEST,
        record=record,
        tsa_ca=time_check.tsa_ca,
    )
    message = verdict.message if verdict.about == tsr else f"{verdict.about}: {verdict.message}"
    return result(verdict.status, message)


def _check_late_sums(rel: str, files: dict[str, bytes]) -> list[str]:
    if SUMS not in files:
        return [f"{rel}/{SUMS}: missing"]
    sums = parse_sums(files[SUMS])
    problems = [f"{rel}/{SUMS}: {p}" for p in sums.problems]
    actual = {n: sha256_bytes(d) for n, d in files.items() if n != SUMS}
    if sums.entries != actual:
        problems.append(
            f"{rel}/{SUMS}: disagrees with the files for {differing(sums.entries, actual)}"
        )
    return problems


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
    folder: Path, listed: dict[str, Any], manifest_sha: str, sealed: dict[str, bytes]
) -> list[str]:
    path = folder / SUMS
    if not path.is_file():
        return [f"{SUMS}: missing"]
    expected = {name: a["sha256"] for name, a in listed.items()}
    expected[MANIFEST] = manifest_sha
    expected.update({name: sha256_bytes(data) for name, data in sealed.items()})
    sums = parse_sums(path.read_bytes())
    problems = [f"{SUMS}: {p}" for p in sums.problems]
    if sums.entries != expected:
        problems.append(f"{SUMS}: disagrees with the files for {differing(sums.entries, expected)}")
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
