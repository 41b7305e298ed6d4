"""The chain of custody: an append-only, hash-linked log of everything done to the evidence.

Every capture, note, verification, export, hand-over and retirement is one entry:

    seq          1, 2, 3, ... without gaps
    at           UTC, RFC 3339 with milliseconds
    actor        who did it (the operator)
    action       captured | adopted | timestamped | note | verified | exported | handover |
                 retired
    capture_ids  the captures concerned ([] for a whole-store verification)
    details      what happened (JSON object; a `captured` entry holds the manifest's SHA-256)
    prev_hash    entry_hash of the entry before (64 zeros for the first)
    entry_hash   SHA-256 of canonical_json(the entry without entry_hash)

canonical_json is `collector.evidence.store.canonical_json`: sorted keys, no spaces, UTF-8.

The log is kept twice: `custody_events` in index.db (SQLite triggers refuse UPDATE and
DELETE) and `<store>/custody.jsonl`, one canonical JSON object a line with the same
hashes, so the chain survives the loss of the database and can be checked with any JSON
tool. An append takes an exclusive fcntl lock on `<store>/.custody.lock`, then a
`BEGIN IMMEDIATE` transaction; it checks that the two copies end at the same entry,
inserts the rows, writes and fsyncs the JSONL lines, and commits. If the commit fails
the JSONL is cut back to its old length, so the copies only ever differ by tampering or
loss, which `collector verify` reports, naming the first broken entry.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import json
import os
import shutil
import socket
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from collector.errors import CaptureNotFound, CollectorError, IndexError_, StoreError, UsageError
from collector.evidence.hashing import sha256_bytes
from collector.evidence.pool import release
from collector.evidence.stamps import stored_records
from collector.evidence.store import (
    SUMS,
    EvidenceStore,
    canonical_json,
    load_manifest,
    store_access,
)
from collector.evidence.sums import parse_sums
from collector.faults import fault
from collector.models import FiledCapture, TimestampRecord
from collector.records import anchor
from collector.records.index import Index
from collector.timeutil import rfc3339, utc_now

GENESIS = "0" * 64
JSONL_NAME = "custody.jsonl"
LOCK_NAME = ".custody.lock"
FIELDS = ("seq", "at", "actor", "action", "capture_ids", "details", "prev_hash", "entry_hash")
WITHHELD_FIELDS = ("seq", "prev_hash", "entry_hash", "withheld")
_TAIL_BYTES = 1 << 16

Entry = dict[str, Any]


class Action(StrEnum):
    CAPTURED = "captured"  # filed by collector; details.manifest_sha256
    ADOPTED = "adopted"  # filed before the log existed (or outside it), taken in by reindex
    TIMESTAMPED = "timestamped"  # an RFC 3161 token over the manifest (collector.evidence.stamps)
    NOTE = "note"
    VERIFIED = "verified"
    EXPORTED = "exported"
    HANDOVER = "handover"
    RETIRED = "retired"


FILING_ACTIONS = frozenset({Action.CAPTURED.value, Action.ADOPTED.value})


@dataclass(frozen=True)
class NewEvent:
    action: str
    actor: str
    capture_ids: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


def default_actor() -> str:
    """`COLLECTOR_OPERATOR`, else `user@host` of whoever runs collector."""
    env = os.environ.get("COLLECTOR_OPERATOR", "").strip()
    if env:
        return env
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


def entry_hash(entry: Mapping[str, Any]) -> str:
    return sha256_bytes(canonical_json({k: v for k, v in entry.items() if k != "entry_hash"}))


def jsonl_line(entry: Mapping[str, Any]) -> bytes:
    return canonical_json(dict(entry)) + b"\n"


def jsonl_path(store: EvidenceStore) -> Path:
    return store.root / JSONL_NAME


# --- reading the two copies ----------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """One entry as read from a copy, with where it came from (for messages)."""

    where: str  # "index.db custody_events row 3" / "custody.jsonl line 3"
    entry: Entry | None
    error: str | None = None


def db_entries(index: Index) -> list[Located]:
    out = []
    for n, row in enumerate(index.custody_rows(), 1):
        where = f"index.db custody_events row {n}"
        try:
            entry = {
                **row,
                "capture_ids": json.loads(row["capture_ids"]),
                "details": json.loads(row["details"]),
            }
        except (TypeError, ValueError) as exc:
            out.append(Located(where, None, f"capture_ids/details are not valid JSON: {exc}"))
            continue
        out.append(Located(where, entry))
    return out


def read_jsonl(path: Path, label: str = JSONL_NAME) -> list[Located]:
    """Every line of a custody.jsonl; a line that is not a JSON object is kept as an error."""
    if not path.exists():
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_jsonl(data, label)


def parse_jsonl(data: bytes, label: str = JSONL_NAME) -> list[Located]:
    out: list[Located] = []
    lines = data.split(b"\n")
    unterminated = lines[-1] != b""
    if not unterminated:
        lines.pop()
    for n, raw in enumerate(lines, 1):
        where = f"{label} line {n}"
        try:
            value = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            cut = " (file cut off mid-line: truncated?)" if n == len(lines) and unterminated else ""
            out.append(Located(where, None, f"not valid JSON{cut}"))
            continue
        if not isinstance(value, dict):
            out.append(Located(where, None, "not a JSON object"))
            continue
        if n == len(lines) and unterminated:
            out.append(Located(where, value, "last line has no newline (file cut off?)"))
            continue
        out.append(Located(where, value))
    return out


# --- checking a chain -----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    seq: int  # the first entry this problem makes untrustworthy
    message: str

    def __str__(self) -> str:
        return self.message


def _shape_error(entry: Entry, *, allow_withheld: bool) -> str | None:
    if allow_withheld and entry.get("withheld") is True:
        keys, expected = set(entry), set(WITHHELD_FIELDS)
    else:
        keys, expected = set(entry), set(FIELDS)
    if keys != expected:
        extra, missing = sorted(keys - expected), sorted(expected - keys)
        return f"fields wrong (unexpected {extra}, missing {missing})"
    if not isinstance(entry["seq"], int) or isinstance(entry["seq"], bool):
        return "seq is not an integer"
    for key in ("prev_hash", "entry_hash"):
        if not isinstance(entry[key], str) or len(entry[key]) != 64:
            return f"{key} is not a SHA-256 hex digest"
    if "withheld" in entry:
        return None
    if not isinstance(entry["capture_ids"], list) or not all(
        isinstance(c, str) for c in entry["capture_ids"]
    ):
        return "capture_ids is not a list of strings"
    if not isinstance(entry["details"], dict):
        return "details is not a JSON object"
    for key in ("at", "actor", "action"):
        if not isinstance(entry[key], str):
            return f"{key} is not a string"
    return None


def check_chain(
    items: Sequence[Located],
    *,
    first_seq: int = 1,
    first_prev: str = GENESIS,
    allow_withheld: bool = False,
) -> list[Problem]:
    """Recompute every entry_hash, check seq runs on without gaps and every prev_hash
    links to the entry before. `allow_withheld` accepts stubs (seq, prev_hash, entry_hash)
    for entries left out of an evidence package: their links are checked, not contents."""
    problems: list[Problem] = []
    expected_seq = first_seq
    prev: str | None = first_prev
    for item in items:
        if item.entry is None:
            problems.append(Problem(expected_seq, f"{item.where}: {item.error}"))
            expected_seq, prev = expected_seq + 1, None
            continue
        entry = item.entry
        shape = _shape_error(entry, allow_withheld=allow_withheld)
        if shape:
            problems.append(Problem(expected_seq, f"{item.where}: {shape}"))
            expected_seq, prev = expected_seq + 1, None
            continue
        seq = entry["seq"]
        if item.error:
            problems.append(Problem(seq, f"{item.where} (seq {seq}): {item.error}"))
        if seq != expected_seq:
            what = "missing" if seq > expected_seq else "out of order or duplicated"
            problems.append(
                Problem(
                    min(seq, expected_seq),
                    f"{item.where}: seq {seq} where {expected_seq} was expected (entry {what})",
                )
            )
        if not entry.get("withheld") and entry_hash(entry) != entry["entry_hash"]:
            problems.append(
                Problem(
                    seq,
                    f"{item.where} (seq {seq}): entry_hash does not match the entry's contents "
                    "(entry edited)",
                )
            )
        if prev is not None and entry["prev_hash"] != prev:
            problems.append(
                Problem(
                    seq,
                    f"{item.where} (seq {seq}): prev_hash does not link to the entry before it "
                    "(an entry was removed, reordered or edited)",
                )
            )
        expected_seq, prev = seq + 1, entry["entry_hash"]
    return problems


def compare_copies(db: Sequence[Located], jsonl: Sequence[Located]) -> list[Problem]:
    """The index and custody.jsonl must hold the same entries; name the first difference."""
    for n in range(max(len(db), len(jsonl))):
        a = db[n].entry if n < len(db) else None
        b = jsonl[n].entry if n < len(jsonl) else None
        seq = n + 1
        if n >= len(jsonl):
            return [
                Problem(
                    seq,
                    f"{JSONL_NAME} ends after {len(jsonl)} entries but index.db has "
                    f"{len(db)}: entries from seq {seq} on are missing from {JSONL_NAME} "
                    "(truncated?)",
                )
            ]
        if n >= len(db):
            return [
                Problem(
                    seq,
                    f"index.db custody_events ends after {len(db)} entries but {JSONL_NAME} "
                    f"has {len(jsonl)}: entries from seq {seq} on are missing from the index "
                    "(rows deleted?)",
                )
            ]
        if a != b:
            return [
                Problem(
                    seq,
                    f"entry {seq} differs between index.db and {JSONL_NAME} "
                    f"({db[n].where} vs {jsonl[n].where})",
                )
            ]
    return []


def one_append_ahead(db: Sequence[Located], jsonl: Sequence[Located]) -> list[Entry] | None:
    """The entries custody.jsonl holds beyond index.db, when they are what a crash between
    the two writes of one append leaves: the copies agree up to the index's end, and the
    rest is one append (one `at`) whose chain links on from there. None otherwise."""
    n = len(db)
    if len(jsonl) <= n or any(item.entry is None or item.error for item in jsonl):
        return None
    if any(item.entry is None for item in db) or compare_copies(db, jsonl[:n]):
        return None
    extra = jsonl[n:]
    prev = db[-1].entry["entry_hash"] if db and db[-1].entry else GENESIS
    if check_chain(extra, first_seq=n + 1, first_prev=prev):
        return None
    found = [item.entry for item in extra if item.entry is not None]
    if len({e["at"] for e in found}) != 1:
        return None
    return found


@dataclass(frozen=True)
class Recovery:
    """What a command completed that a process which stopped mid-way had left."""

    replayed: tuple[Entry, ...] = ()  # custody entries copied from custody.jsonl to index.db
    filed: tuple[str, ...] = ()  # captures whose interrupted filing was completed
    notes: tuple[Entry, ...] = ()  # the `note` entries recording a replay
    problems: tuple[str, ...] = ()  # journal entries that could not be completed

    def lines(self) -> list[str]:
        """One line each, for a command to print."""
        out = []
        if self.replayed:
            seqs = ", ".join(str(e["seq"]) for e in self.replayed)
            out.append(
                f"recovered custody entries {seqs} from {JSONL_NAME} (a process stopped "
                "between writing the two copies); recorded as entry "
                + ", ".join(str(e["seq"]) for e in self.notes)
            )
        for cid in self.filed:
            out.append(f"completed the interrupted filing of capture {cid} (recorded)")
        out.extend(self.problems)
        return out


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str | None
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...] = ()
    head_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> int | None:
        return self.problems[0].seq if self.problems else None


def recorded_heads(items: Sequence[Located]) -> list[Problem]:
    """Every `verified` and `exported` entry recorded the log's head as it saw it: that
    entry must still be in the chain, at the same place. An entry edited in both copies
    with the chain re-hashed from there on changes every later hash, so an older record
    of the head no longer matches."""
    problems = []
    seen: dict[str, int] = {}  # entry_hash -> seq, of the entries before
    by_seq: dict[int, str] = {}
    for item in items:
        e = item.entry
        if e is None or not isinstance(e.get("seq"), int):
            continue
        details: dict[str, Any] = e["details"] if isinstance(e.get("details"), dict) else {}
        head = details.get("custody_head")
        if e.get("action") in (Action.VERIFIED, Action.EXPORTED) and isinstance(head, str):
            head_seq = details.get("custody_head_seq")
            ok = by_seq.get(head_seq) == head if isinstance(head_seq, int) else head in seen
            if not ok:
                at = f"seq {head_seq}" if isinstance(head_seq, int) else "an earlier entry"
                problems.append(
                    Problem(
                        head_seq if isinstance(head_seq, int) else e["seq"],
                        f"custody entry {e['seq']} ({e.get('action')}, {e.get('at')}) "
                        f"recorded the log's head as sha256:{head[:16]}… ({at}), which the "
                        "chain no longer holds: entries before it were edited or replaced "
                        "and the chain re-hashed",
                    )
                )
        if isinstance(e.get("entry_hash"), str):
            seen[e["entry_hash"]] = e["seq"]
            by_seq[e["seq"]] = e["entry_hash"]
    return problems


def verify_chain(store: EvidenceStore, index: Index) -> ChainReport:
    db = db_entries(index)
    jsonl = read_jsonl(jsonl_path(store))
    problems = check_chain(db) + check_chain(jsonl) + compare_copies(db, jsonl)
    problems += recorded_heads(db)
    problems.sort(key=lambda p: p.seq)  # stable: within an entry, the index's first
    warnings = []
    last_at = ""
    for item in db:
        at = (item.entry or {}).get("at")
        if isinstance(at, str):
            if at < last_at:
                warnings.append(
                    f"custody entry seq {item.entry['seq'] if item.entry else '?'} is dated "
                    f"{at}, before the entry preceding it ({last_at}): was the clock changed?"
                )
            last_at = max(last_at, at)
    head = db[-1].entry["entry_hash"] if db and db[-1].entry else None
    head_seq = db[-1].entry["seq"] if db and db[-1].entry else None
    return ChainReport(len(db), head, tuple(problems), tuple(warnings), head_seq)


def entries(index: Index) -> list[Entry]:
    """The log as recorded in the index (no checks: see verify_chain)."""
    return [item.entry for item in db_entries(index) if item.entry is not None]


def filing_problems(log: Iterable[Entry], manifests: Mapping[str, str | None]) -> dict[str, str]:
    """For each capture id -> its manifest's SHA-256 (None when unknown): a problem if the
    log has no `captured`/`adopted` entry for it, or that entry names another manifest."""
    filed: dict[str, list[Entry]] = {}
    for entry in log:
        if entry.get("action") in FILING_ACTIONS:
            for cid in entry.get("capture_ids", []):
                filed.setdefault(cid, []).append(entry)
    problems = {}
    for cid, digest in manifests.items():
        found = filed.get(cid, [])
        if not found:
            problems[cid] = (
                "custody: no `captured` event for this capture in the custody log: collector "
                "did not file it here (copied or planted?), its event was removed, or it was "
                "filed before the log existed. Only if you know where it came from: "
                f"`collector reindex --adopt {cid} --reason WHY` adopts it (recorded)"
            )
        elif len(found) > 1:
            problems[cid] = f"custody: {len(found)} `captured` events for one capture"
        elif digest is not None and found[0]["details"].get("manifest_sha256") != digest:
            problems[cid] = (
                f"custody: manifest.json SHA-256 {digest[:16]}… differs from the one its "
                f"`{found[0]['action']}` event (seq {found[0]['seq']}) recorded "
                f"({str(found[0]['details'].get('manifest_sha256'))[:16]}…): manifest edited"
            )
    return problems


def retired_entries(log: Iterable[Entry]) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for entry in log:
        if entry.get("action") == Action.RETIRED:
            for cid in entry.get("capture_ids", []):
                out.setdefault(cid, entry)
    return out


def concerns(entry: Mapping[str, Any], capture_ids: set[str], case: str | None = None) -> bool:
    """Whether an entry belongs in the history of these captures (or this case). A
    whole-store verification (no capture ids) concerns every capture."""
    ids = entry.get("capture_ids") or []
    if set(ids) & capture_ids:
        return True
    if case is not None and (entry.get("details") or {}).get("case") == case:
        return True
    return not ids and entry.get("action") == Action.VERIFIED


def history_of(log: Sequence[Entry], capture_ids: set[str], case: str | None = None) -> list[Entry]:
    """The entries concerning these captures (or this case): whole-store verifications
    only from the first filing of one of them on."""
    first = min(
        (
            e["seq"]
            for e in log
            if e.get("action") in FILING_ACTIONS and set(e.get("capture_ids") or []) & capture_ids
        ),
        default=0,
    )
    return [
        e
        for e in log
        if concerns(e, capture_ids, case) and (e.get("capture_ids") or e["seq"] > first)
    ]


# --- appending ------------------------------------------------------------------------------


class CustodyLog:
    """Appends to both copies of one store's custody log."""

    def __init__(self, store: EvidenceStore, index: Index) -> None:
        self.store = store
        self.index = index

    @property
    def path(self) -> Path:
        return jsonl_path(self.store)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            fd = os.open(self.store.root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(
                f"cannot lock the custody log in {self.store.root}: {exc.strerror or exc}"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def check_appendable(self) -> Recovery:
        """Refuse early (before any browser work) when the copies disagree at their ends,
        after completing what a process that stopped mid-way left (see `recover`)."""
        with self._locked():
            recovery = self._recover()
            self._check_tail(self.index.custody_head())
            return recovery

    def recover(self) -> Recovery:
        """Complete what a process that stopped mid-way left behind, and record it:

        * custody.jsonl one append ahead of index.db (the process died after syncing the
          JSONL, before the commit): when the extra entries are exactly one append (one
          time stamp) whose chain links on from the index's last entry, and the copies
          agree up to there, they are replayed into the index with the rows their append
          carried (a capture's rows, its tokens' rows) and a `note` records the recovery.
          Anything else is a real disagreement, still refused and named.
        * filing journal entries (collector.evidence.store): a capture renamed into place
          (or sealed, not yet renamed) but never indexed is indexed with its `captured`
          event, whose details say it was completed by a later command.
        """
        with self._locked():
            return self._recover()

    def _recover(self) -> Recovery:
        replayed, notes = self._replay_tail()
        filed, problems = self._complete_filings()
        return Recovery(tuple(replayed), tuple(filed), tuple(notes), tuple(problems))

    def _replay_tail(self) -> tuple[list[Entry], list[Entry]]:
        head = self.index.custody_head()
        tail = _last_entry(self.path)
        if not isinstance(tail, dict) or not isinstance(tail.get("seq"), int):
            return [], []
        if tail["seq"] <= (head[0] if head else 0):
            return [], []
        ahead = one_append_ahead(db_entries(self.index), read_jsonl(self.path))
        if not ahead:
            return [], []  # a real disagreement: _check_tail refuses, verify names it
        try:
            with self.index.transaction():
                for entry in ahead:
                    self.index.insert_custody_row(_row(entry))
                self._rederive(ahead)
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"index {self.index.path}: {exc}") from exc
        first, last = ahead[0]["seq"], ahead[-1]["seq"]
        seqs = f"seq {first}" if first == last else f"seqs {first}-{last}"
        ids = sorted({cid for e in ahead for cid in e["capture_ids"]})
        cases = [c for e in ahead if (c := (e.get("details") or {}).get("case"))]
        note = NewEvent(
            Action.NOTE,
            default_actor(),
            tuple(ids),
            {
                "text": (
                    f"recovered: custody {seqs} ({', '.join(e['action'] for e in ahead)}, "
                    f"recorded at {ahead[0]['at']}) reached {JSONL_NAME} but not index.db: "
                    "the process stopped between writing the two copies; replayed into "
                    "index.db from the intact chain"
                ),
                "recovered": {
                    "kind": "custody-tail",
                    "seqs": [e["seq"] for e in ahead],
                    "entry_hashes": [e["entry_hash"] for e in ahead],
                },
                "case": cases[0] if cases else None,
            },
        )
        return ahead, self._append_locked([note])

    def _rederive(self, replayed: Sequence[Entry]) -> None:
        """The index rows the replayed append carried, re-read from disk (transaction held)."""
        for entry in replayed:
            details = entry.get("details") or {}
            for cid in entry["capture_ids"]:
                if entry["action"] in FILING_ACTIONS and cid not in self.index.all_ids():
                    filed = self._filed_from_disk(
                        cid, str(details.get("folder")), details.get("manifest_sha256")
                    )
                    if filed is not None:
                        self.index.insert_capture(filed)
                elif entry["action"] == Action.TIMESTAMPED and cid in self.index.all_ids():
                    row = self.index.resolve(cid)
                    with suppress(OSError, ValueError, KeyError, TypeError, CollectorError):
                        self.index.replace_timestamps(
                            cid, stored_records(self.store, cid, self.store.root / row["folder"])
                        )

    def _filed_from_disk(self, cid: str, folder: str, digest: Any) -> FiledCapture | None:
        """A capture as filed, read back from its folder, if it is the one recorded."""
        path = self.store.root / folder
        try:
            manifest, actual = load_manifest(path)
            if actual != digest or manifest.get("capture_id") != cid:
                return None
            records = stored_records(self.store, cid, path)
        except (OSError, ValueError, KeyError, TypeError, CollectorError):
            return None
        return FiledCapture(cid, folder, manifest, actual, (), timestamps=tuple(records))

    def _complete_filings(self) -> tuple[list[str], list[str]]:
        done: list[str] = []
        problems: list[str] = []
        try:
            self._check_tail(self.index.custody_head())
        except StoreError:
            return done, problems  # nothing can be appended; the caller says why
        for pending in self.store.pending_filings():
            cid = pending.capture_id
            try:
                have = {
                    c
                    for e in entries(self.index)
                    for c in e["capture_ids"]
                    if e["action"] in FILING_ACTIONS
                }
                if cid in have:
                    self.store.filing_recorded(cid)  # indexed; only the entry was left
                    continue
                folder = self.store.finish_rename(pending)
                if folder is None:
                    self.store.filing_recorded(cid)  # nothing sealed: nothing to file
                    continue
                filed = self._filed_from_disk(cid, pending.folder, pending.manifest_sha256)
                if filed is None:
                    problems.append(
                        f"capture {cid}: its filing was interrupted and its manifest.json no "
                        "longer matches the journal; not filed (see `collector verify`)"
                    )
                    self.store.release_filing(cid)
                    continue
                actor = filed.manifest.get("operator") or default_actor()
                event = capture_event(filed, actor)
                recovered = NewEvent(
                    event.action,
                    event.actor,
                    event.capture_ids,
                    {
                        **event.details,
                        "recovered": (
                            f"filing completed by a later command: the process filing it "
                            f"stopped after {pending.journaled_at}, before indexing it"
                        ),
                    },
                )
                case = filed.manifest.get("case")
                events = [recovered, *(timestamp_event(r, actor, case) for r in filed.timestamps)]
                index_rows = _inserter(self.index, filed)
                self._append_locked(
                    events, before=None if cid in self.index.all_ids() else index_rows
                )
                self.store.filing_recorded(cid)
                done.append(cid)
            except BaseException:
                self.store.release_filing(cid)
                raise
        return done, problems

    def _check_tail(self, head: tuple[int, str] | None) -> None:
        tail = _last_entry(self.path)
        hint = "run `collector verify`; nothing was recorded"
        if head is None and tail is None:
            return
        if head is None:
            raise StoreError(
                f"index.db has no custody log but {JSONL_NAME} has entries (index.db lost or "
                "replaced?): run `collector reindex` to restore it from custody.jsonl"
            )
        if tail is None:
            raise StoreError(
                f"{JSONL_NAME} is missing or empty but index.db's custody log has {head[0]} "
                f"entries: {hint}"
            )
        if isinstance(tail, str):
            raise StoreError(f"{JSONL_NAME}: {tail}: {hint}")
        if tail.get("seq") != head[0] or tail.get("entry_hash") != head[1]:
            raise StoreError(
                f"{JSONL_NAME} ends at seq {tail.get('seq')} but index.db's custody log ends "
                f"at seq {head[0]} (the two copies disagree): {hint}"
            )

    def append(
        self, events: Sequence[NewEvent], *, before: Callable[[], None] | None = None
    ) -> list[Entry]:
        """Append events to both copies atomically; `before` runs first in the same
        transaction (e.g. the capture's index rows, so a capture and its `captured` event
        are committed together)."""
        for event in events:
            if not event.actor.strip():
                raise UsageError("the custody log needs an actor (--operator)")
            if event.action not in Action.__members__.values():
                raise ValueError(f"unknown custody action {event.action!r}")
        with self._locked():
            self._recover()
            written = self._append_locked(events, before)
            path = anchor.configured_file()
            if path is not None:
                head = anchor.Anchor(
                    written[-1]["seq"], written[-1]["entry_hash"], written[-1]["at"]
                )
                anchor.append_to_file(path, head, self.store.root)
            return written

    def _append_locked(
        self, events: Sequence[NewEvent], before: Callable[[], None] | None = None
    ) -> list[Entry]:
        written: list[Entry] = []
        fd, old_size = self._open_jsonl()
        wrote = False
        try:
            with self.index.transaction():
                if before is not None:
                    before()
                head = self.index.custody_head()
                self._check_tail(head)
                seq, prev = head or (0, GENESIS)
                at = rfc3339(utc_now())
                for event in events:
                    seq += 1
                    entry: Entry = {
                        "seq": seq,
                        "at": at,
                        "actor": event.actor,
                        "action": event.action,
                        "capture_ids": list(event.capture_ids),
                        "details": dict(event.details),
                        "prev_hash": prev,
                    }
                    entry["entry_hash"] = prev = entry_hash(entry)
                    self.index.insert_custody_row(_row(entry))
                    written.append(entry)
                data = b"".join(jsonl_line(e) for e in written)
                wrote = True
                _write_all(fd, data)
                os.fsync(fd)
                fault("custody.after-jsonl-sync")
        except BaseException as exc:
            if wrote:  # the COMMIT (or the write) failed: take the lines back
                os.ftruncate(fd, old_size)
                os.fsync(fd)
            if isinstance(exc, sqlite3.DatabaseError):
                raise IndexError_(f"index {self.index.path}: {exc}") from exc
            raise
        finally:
            os.close(fd)
            _make_read_only(self.path)
        return written

    def _open_jsonl(self) -> tuple[int, int]:
        path = self.path
        try:
            if path.exists():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return fd, os.fstat(fd).st_size

    def restore_from_jsonl(self) -> int:
        """After index.db was lost: fill an empty custody_events from custody.jsonl, after
        checking the JSONL chain is intact. Returns the number of entries restored."""
        with self._locked():
            if self.index.custody_count():
                return 0
            items = read_jsonl(self.path)
            if not items:
                return 0
            problems = check_chain(items)
            if problems:
                raise StoreError(
                    f"cannot restore the custody log from {JSONL_NAME}: {problems[0]} "
                    f"({len(problems)} problem(s))"
                )
            with self.index.transaction():
                for item in items:
                    assert item.entry is not None
                    self.index.insert_custody_row(_row(item.entry))
            return len(items)


def _inserter(index: Index, filed: FiledCapture) -> Callable[[], None]:
    return lambda: index.insert_capture(filed)


def _row(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **entry,
        "capture_ids": canonical_json(entry["capture_ids"]).decode(),
        "details": canonical_json(entry["details"]).decode(),
    }


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _make_read_only(path: Path) -> None:
    with suppress(FileNotFoundError):
        path.chmod(store_access().read_only_file)


def _last_entry(path: Path) -> Entry | str | None:
    """The last line of custody.jsonl, parsed; a string says what is wrong with it."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size == 0:
                return None
            fh.seek(max(0, size - _TAIL_BYTES))
            tail = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.EACCES:
            raise StoreError(f"cannot read {path}: permission denied") from exc
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not tail.endswith(b"\n"):
        return "the last line is cut off (truncated?)"
    line = tail[:-1].rsplit(b"\n", 1)[-1]
    try:
        value = json.loads(line)
    except ValueError:
        return "the last line is not valid JSON"
    return value if isinstance(value, dict) else "the last line is not a JSON object"


# --- what the commands record ----------------------------------------------------------


def capture_event(filed: FiledCapture, actor: str, action: str = Action.CAPTURED) -> NewEvent:
    m = filed.manifest
    return NewEvent(
        action,
        actor,
        (filed.capture_id,),
        {
            "manifest_sha256": filed.manifest_sha256,
            "folder": filed.folder,
            "case": m.get("case"),
            "operator": m.get("operator"),
            "requested_url": m.get("requested_url"),
            "final_url": m.get("final_url"),
            "outcome": m.get("outcome"),
            "started_at": m.get("started_at"),
            "finished_at": m.get("finished_at"),
        },
    )


def timestamp_event(record: TimestampRecord, actor: str, case: str | None) -> NewEvent:
    return NewEvent(
        Action.TIMESTAMPED,
        actor,
        (record.capture_id,),
        {
            "manifest_sha256": record.manifest_sha256,
            "tsa_url": record.tsa_url,
            "gen_time": record.gen_time,
            "serial": record.serial,
            "token": f"{record.folder}/{record.tsr}",
            "token_sha256": record.tsr_sha256,
            "late": record.late,
            "case": case,
        },
    )


def record_capture(store: EvidenceStore, index: Index, filed: FiledCapture) -> Entry:
    """Index a filed capture (with its tokens) and append its `captured` event, then one
    `timestamped` event per token obtained while capturing, in one transaction."""
    actor = filed.manifest.get("operator") or default_actor()
    case = filed.manifest.get("case")
    events = [capture_event(filed, actor)]
    events += [timestamp_event(r, actor, case) for r in filed.timestamps]
    log = CustodyLog(store, index)
    try:
        entry = log.append(events, before=lambda: index.insert_capture(filed))[0]
    except BaseException:
        store.release_filing(filed.capture_id)  # the journal entry stays for the next command
        raise
    store.filing_recorded(filed.capture_id)
    return entry


def record_timestamps(
    store: EvidenceStore, index: Index, records: Sequence[TimestampRecord], actor: str
) -> list[Entry]:
    """Index tokens obtained later (`collector timestamp`) with their `timestamped` events."""
    if not records:
        return []
    cases = {r["id"]: r["case_id"] for r in index.captures(ids={r.capture_id for r in records})}
    events = [timestamp_event(r, actor, cases.get(r.capture_id)) for r in records]
    return CustodyLog(store, index).append(events, before=lambda: index.insert_timestamps(records))


def add_note(store: EvidenceStore, index: Index, ref: str, text: str, actor: str) -> Entry:
    if not text.strip():
        raise UsageError("the note is empty")
    row = index.resolve(ref)
    event = NewEvent(Action.NOTE, actor, (row["id"],), {"text": text, "case": row["case_id"]})
    return CustodyLog(store, index).append([event])[0]


def handover(
    store: EvidenceStore,
    index: Index,
    *,
    case: str,
    from_: str,
    to: str,
    reason: str,
    actor: str,
) -> Entry:
    for name, value in (("--from", from_), ("--to", to), ("--reason", reason), ("--case", case)):
        if not value.strip():
            raise UsageError(f"{name} must not be empty")
    rows = index.captures(case=case)
    if not rows:
        raise UsageError(f"no captures in case {case!r}: nothing to hand over")
    details = {
        "case": case,
        "from": from_,
        "to": to,
        "reason": reason,
        "manifests": {r["id"]: r["manifest_sha256"] for r in rows},
        "retired": sorted(r["id"] for r in rows if r.get("retired_at")),
    }
    event = NewEvent(Action.HANDOVER, actor, tuple(r["id"] for r in rows), details)
    return CustodyLog(store, index).append([event])[0]


@dataclass(frozen=True)
class Retirement:
    entry: Entry | None  # None when only a pending deletion was finished
    folder: str
    deleted: bool


def retire(
    store: EvidenceStore,
    index: Index,
    ref: str,
    *,
    reason: str,
    actor: str,
    delete_files: bool = False,
) -> Retirement:
    """Retire a capture: an event keeps its index rows and every hash. With
    `delete_files`, the folder is removed afterwards (the hashes stay in the log)."""
    if not reason.strip():
        raise UsageError("--reason must not be empty: say why the capture is retired")
    row = index.resolve(ref)
    cid = row["id"]
    folder = store.root / row["folder"]
    previous = retired_entries(entries(index)).get(cid)
    if previous is not None:
        if delete_files and previous["details"].get("delete_files") and folder.exists():
            _delete_folder(store, folder)  # finish a deletion that was interrupted
            index.forget_derived_text(cid)
            return Retirement(None, row["folder"], True)
        raise UsageError(
            f"capture {cid} was already retired at {previous['at']} (custody seq {previous['seq']})"
        )
    kept = {k: v for k, v in row.items() if k != "retired_at"}
    details = {
        "reason": reason,
        "delete_files": delete_files,
        "folder": row["folder"],
        "case": row["case_id"],
        "manifest_sha256": row["manifest_sha256"],
        "capture": kept,
        "artifacts": [{"capture_id": cid, **a} for a in index.artifacts(cid)],
    }
    entry = CustodyLog(store, index).append([NewEvent(Action.RETIRED, actor, (cid,), details)])[0]
    if delete_files and folder.exists():
        try:
            _delete_folder(store, folder)
        except OSError as exc:
            raise StoreError(
                f"capture {cid} is retired (custody seq {entry['seq']}) but its folder could "
                f"not be deleted: {exc.strerror or exc}; run the same command again to finish"
            ) from exc
        index.forget_derived_text(cid)  # its text must not stay searchable
    return Retirement(entry, row["folder"], delete_files)


def _delete_folder(store: EvidenceStore, folder: Path) -> None:
    """Remove a retired capture's folder; its shared files stay for the captures that
    link them, and pooled files nothing links any more go (collector.evidence.pool)."""
    try:
        hashes = list(parse_sums((folder / SUMS).read_bytes()).entries.values())
    except OSError:
        hashes = []
    folder.chmod(folder.stat().st_mode | stat.S_IWUSR)
    shutil.rmtree(folder)
    release(store.root, hashes)


def kept_rows(
    log: Iterable[Entry], on_disk: set[str]
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Index rows of retired captures whose folders were deleted, as their event kept them."""
    out = []
    for cid, entry in retired_entries(log).items():
        details = entry["details"]
        if cid not in on_disk and details.get("delete_files") and details.get("capture"):
            out.append((dict(details["capture"]), list(details.get("artifacts") or [])))
    return out


def unfiled_ids(index: Index) -> list[str]:
    """Indexed captures the log has no `captured`/`adopted` event for."""
    have = {
        cid for e in entries(index) if e["action"] in FILING_ACTIONS for cid in e["capture_ids"]
    }
    return [r["id"] for r in index.captures() if r["id"] not in have]


def adopt_unfiled(
    store: EvidenceStore,
    index: Index,
    actor: str,
    adopt: Sequence[str] = (),
    reason: str | None = None,
) -> tuple[list[Entry], list[str]]:
    """Adopt the captures named in `adopt` (ids or unique prefixes) that the log has no
    filing event for, recording who adopted them and why; the others are only returned,
    never adopted quietly: a folder without a `captured` event may have been planted.
    Returns (the `adopted` entries, the ids still without a filing event). Refused on a
    broken chain."""
    missing = unfiled_ids(index)
    chosen: list[str] = []
    for ref in adopt:
        matches = [cid for cid in missing if cid == ref or cid.startswith(ref) or cid.endswith(ref)]
        if len(matches) != 1:
            what = "matches none" if not matches else f"matches {len(matches)}"
            raise UsageError(
                f"--adopt {ref!r} {what} of the captures without a `captured` event "
                f"({', '.join(missing) or 'there are none'})"
            )
        if matches[0] not in chosen:
            chosen.append(matches[0])
    if not chosen:
        return [], missing
    if not (reason or "").strip():
        raise UsageError("--adopt needs --reason: say where the adopted folders came from")
    report = verify_chain(store, index)
    if not report.ok:
        raise StoreError(
            f"{len(chosen)} capture(s) to adopt, but the custody log is broken "
            f"({report.problems[0]}); not adopting them onto a broken chain"
        )
    rows = {r["id"]: r for r in index.captures(ids=chosen)}
    events = []
    for cid in chosen:
        manifest, digest = load_manifest(store.root / rows[cid]["folder"])
        filed = FiledCapture(cid, rows[cid]["folder"], manifest, digest, ())
        event = capture_event(filed, actor, Action.ADOPTED)
        events.append(
            NewEvent(
                event.action,
                event.actor,
                event.capture_ids,
                {**event.details, "adopted_by": "reindex --adopt", "reason": reason},
            )
        )
    return CustodyLog(store, index).append(events), [c for c in missing if c not in chosen]


# --- reading for people ----------------------------------------------------------------


def history(
    index: Index, *, ref: str | None = None, case: str | None = None
) -> tuple[list[Entry], str | None]:
    """The entries concerning one capture, one case, or (neither) the whole log, with the
    log's head hash."""
    log = entries(index)
    head = log[-1]["entry_hash"] if log else None
    if ref is not None and case is not None:
        raise UsageError("give a capture id or --case, not both")
    if ref is not None:
        ids = {index.resolve(ref)["id"]}
        return history_of(log, ids), head
    if case is not None:
        ids = {r["id"] for r in index.captures(case=case)}
        if not ids and not any((e.get("details") or {}).get("case") == case for e in log):
            raise CaptureNotFound(f"no captures or custody events in case {case!r}")
        return history_of(log, ids, case), head
    return log, head


def summary(entry: Mapping[str, Any]) -> str:
    """One line describing what an entry records (captured text is not cleaned here)."""
    d = entry.get("details") or {}
    action = entry.get("action")
    if action in FILING_ACTIONS:
        return (
            f"{d.get('outcome')} {d.get('requested_url')} "
            f"manifest sha256:{d.get('manifest_sha256')}"
        )
    if action == Action.TIMESTAMPED:
        return (
            f"RFC 3161 token from {d.get('tsa_url')}, TSA time {d.get('gen_time')}"
            + (" (obtained later)" if d.get("late") else "")
            + f", over manifest sha256:{d.get('manifest_sha256')}"
        )
    if action == Action.NOTE:
        return f"note: {d.get('text')}"
    if action == Action.HANDOVER:
        return (
            f"case {d.get('case')}: from {d.get('from')} to {d.get('to')}, "
            f"reason: {d.get('reason')}"
        )
    if action == Action.RETIRED:
        deleted = "files deleted, hashes kept" if d.get("delete_files") else "files kept"
        return f"reason: {d.get('reason')} ({deleted})"
    if action == Action.EXPORTED:
        return (
            f"case {d.get('case')} -> {d.get('file')} (package sha256:{d.get('package_sha256')}, "
            f"{len(entry.get('capture_ids') or [])} captures"
            + (
                f", {len(d['timestamps'])} RFC 3161 token(s) over package.json"
                if d.get("timestamps")
                else ""
            )
            + ")"
        )
    if action == Action.VERIFIED:
        failed = d.get("failed") or []
        retired = int(d.get("retired") or 0)
        checked = int(d.get("checked") or 0) - retired
        return (
            f"{d.get('result')}: {d.get('passed')} of {checked} captures pass"
            + (f", {retired} retired" if retired else "")
            + (f", failed: {', '.join(failed)}" if failed else "")
            + ("" if d.get("custody_ok", True) else ", custody log broken")
            + (f" ({d.get('scope')})" if d.get("scope") else "")
        )
    return canonical_json(dict(d)).decode()
