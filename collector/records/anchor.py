"""Custody anchors: the custody log's head (its `seq` and `entry_hash`) kept outside the store.

A hash chain proves that no entry was changed *between* two entries one trusts, but not
that its tail was not cut off, nor that the whole store was not swapped for an older copy
or rewritten and re-hashed: whoever can write the store can do all of that consistently.
An anchor is a copy of the head taken at some moment and kept where the store's writer
cannot reach. `collector verify --anchor SOURCE` checks that the chain still holds each
anchored entry at its sequence number: a chain cut below an anchor, rolled back to an
older copy, or rewritten from an entry before it no longer does.

Where anchors are written (every place collector already leaves a trace outside the store):

* every evidence package (`package.json` `custody.head_seq`/`head_hash`), every WACZ export
  (`datapackage.json` `case.custody_anchor`) and every case report (a
  `<meta name="collector-custody-anchor">` tag and the "custody log head" line);
* `collector anchor`, on demand: prints the head, and appends it to the anchor file;
* the anchor file: with `COLLECTOR_ANCHOR_FILE` set (another disk, a write-once share), one
  line is appended after every custody append, by every command;
* RFC 3161 tokens over the head's `entry_hash` (`collector anchor --tsa URL`, and every
  capture made with `--tsa`): the time-stamping authority's own log then holds the head too.

An anchor file is JSON Lines, one object a line:
`{"at":…,"entry_hash":…,"seq":…,"store":…,"type":"collector-custody-anchor"}`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collector.errors import AnchorError, StoreError, UsageError
from collector.evidence.hashing import HashingWriter, sha256_file
from collector.evidence.rfc3161 import TimestampError, check_matches, parse_response
from collector.evidence.stamps import Failure, TsaSettings, obtain, token_entry
from collector.evidence.store import (
    SUMS,
    EvidenceStore,
    canonical_json,
    make_read_only,
    pretty_json,
)
from collector.evidence.sums import format_sums
from collector.timeutil import rfc3339, utc_now

ANCHOR_TYPE = "collector-custody-anchor"
ANCHORS_DIR = "anchors"  # <store>/anchors/<seq>-<random>/: RFC 3161 tokens over heads
TOKEN_RECORD = "anchor.json"
HEAD_TSQ, HEAD_TSR = "head.tsq", "head.tsr"
ANCHOR_FILE_ENV = "COLLECTOR_ANCHOR_FILE"
META_NAME = "collector-custody-anchor"
_META = re.compile(
    r'<meta name="' + META_NAME + r'" content="seq=([0-9]+) sha256=([0-9a-f]{64})"', re.I
)
_HEX64 = re.compile(r"[0-9a-f]{64}")

Entry = dict[str, Any]


@dataclass(frozen=True)
class Anchor:
    seq: int
    entry_hash: str
    at: str = ""  # when it was taken (UTC), when known
    source: str = ""  # where it was read from, for messages

    def record(self, store: Path | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": ANCHOR_TYPE,
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "at": self.at,
        }
        if store is not None:
            out["store"] = str(store)
        return out

    def meta_tag(self) -> str:
        """For an HTML report (values are digits and hex only: nothing to escape)."""
        return f'<meta name="{META_NAME}" content="seq={self.seq} sha256={self.entry_hash}">'


def head_anchor(log: Sequence[Entry]) -> Anchor | None:
    """The anchor for a log's current head (None for an empty log)."""
    if not log:
        return None
    return Anchor(int(log[-1]["seq"]), str(log[-1]["entry_hash"]), rfc3339(utc_now()))


def configured_file() -> Path | None:
    value = os.environ.get(ANCHOR_FILE_ENV, "").strip()
    return Path(value) if value else None


def append_to_file(path: Path, anchor: Anchor, store: Path) -> None:
    """Append one line (opened O_APPEND: the file only ever grows) and fsync it."""
    line = canonical_json(anchor.record(store.absolute())) + b"\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise AnchorError(
            f"custody entry {anchor.seq} is recorded, but its anchor could not be written "
            f"to {path} ({ANCHOR_FILE_ENV}): {exc.strerror or exc}"
        ) from exc


# --- reading anchors back -----------------------------------------------------------------


def read_anchors(source: Path) -> list[Anchor]:
    """Every anchor a file holds: an anchor file (JSON Lines), `collector anchor --json`
    output, an evidence package (ZIP or folder), a WACZ, or a case report (HTML)."""
    if source.is_dir():
        found = sorted(source.glob("package.json")) + sorted(source.glob("*/package.json"))
        if not found:
            raise UsageError(f"{source}: a folder without package.json is not a package")
        return [_from_package(json.loads(p.read_bytes()), str(p)) for p in found[:1]]
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read anchor source {source}: {exc.strerror or exc}") from None
    if data[:4] == b"PK\x03\x04":
        return _from_zip(source)
    if _META.search(data.decode("utf-8", "replace")):
        match = _META.search(data.decode("utf-8", "replace"))
        assert match is not None
        return [Anchor(int(match[1]), match[2], source=f"report {source.name}")]
    return _from_lines(data, source)


def _from_zip(source: Path) -> list[Anchor]:
    try:
        with zipfile.ZipFile(source) as zf:
            names = zf.namelist()
            packages = [n for n in names if n.count("/") == 1 and n.endswith("/package.json")]
            if packages:
                return [_from_package(json.loads(zf.read(packages[0])), f"package {source.name}")]
            if "datapackage.json" in names:
                case = json.loads(zf.read("datapackage.json")).get("case") or {}
                anchor = case.get("custody_anchor") if isinstance(case, dict) else None
                if isinstance(anchor, dict):
                    return [_checked(anchor, f"WACZ {source.name}")]
                raise UsageError(f"{source}: this WACZ has no custody anchor (older collector)")
    except (zipfile.BadZipFile, ValueError, KeyError) as exc:
        raise UsageError(f"{source}: not a readable package: {exc}") from None
    raise UsageError(f"{source}: a ZIP without package.json or datapackage.json")


def _from_package(package: Any, where: str) -> Anchor:
    custody = package.get("custody") if isinstance(package, dict) else None
    if not isinstance(custody, dict):
        raise UsageError(f"{where}: no custody section")
    return _checked(
        {
            "seq": custody.get("head_seq"),
            "entry_hash": custody.get("head_hash"),
            "at": package.get("created", ""),
        },
        where,
    )


def _from_lines(data: bytes, source: Path) -> list[Anchor]:
    text = data.decode("utf-8", "replace").strip()
    values: list[Any] = []
    try:
        values = [json.loads(text)] if text.startswith("{") and "\n" not in text else []
    except ValueError:
        values = []
    if not values:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                values.append(json.loads(line))
            except ValueError:
                raise UsageError(f"{source} line {n}: not a custody anchor (not JSON)") from None
    anchors = [
        _checked(v, f"{source.name} line {n}") for n, v in enumerate(values, 1) if _is_anchor(v)
    ]
    if not anchors:
        raise UsageError(
            f"{source}: no custody anchor in it (give an anchor file, a package, a WACZ or "
            "a report)"
        )
    return anchors


def _is_anchor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == ANCHOR_TYPE


def _checked(value: dict[str, Any], where: str) -> Anchor:
    seq, digest = value.get("seq"), value.get("entry_hash")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise UsageError(f"{where}: custody anchor without a valid seq")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise UsageError(f"{where}: custody anchor without a valid entry_hash")
    return Anchor(seq, digest, str(value.get("at") or ""), where)


# --- checking -------------------------------------------------------------------------------


def check_anchors(log: Sequence[Entry], anchors: Iterable[Anchor]) -> list[str]:
    """Problems: each anchored entry must still be in the chain, at its sequence number."""
    by_seq = {e.get("seq"): e for e in log}
    last = log[-1]["seq"] if log else 0
    problems = []
    for a in anchors:
        taken = f" (taken {a.at})" if a.at else ""
        entry = by_seq.get(a.seq)
        if entry is None:
            problems.append(
                f"anchor {a.source}{taken}: the custody log had entry {a.seq} "
                f"(sha256:{a.entry_hash[:16]}…) but now ends at seq {last}: its newest "
                "entries were removed, or the store was replaced by an older copy"
            )
        elif entry.get("entry_hash") != a.entry_hash:
            problems.append(
                f"anchor {a.source}{taken}: custody entry {a.seq} is now "
                f"sha256:{str(entry.get('entry_hash'))[:16]}…, the anchor says "
                f"sha256:{a.entry_hash[:16]}…: the log was rewritten (entries edited, "
                "removed or replaced and the chain re-hashed)"
            )
    return problems


# --- RFC 3161 tokens over the head ----------------------------------------------------------


def stamp_head(store: EvidenceStore, head: Anchor, settings: TsaSettings) -> list[str]:
    """Ask each TSA for a token over the head's entry_hash (the SHA-256 of the entry, so
    anyone can recompute it); the TSA's own records then hold the head. Each token is
    kept in `<store>/anchors/<seq>-<random>/` (head.tsq, head.tsr, anchor.json,
    SHA256SUMS, read-only). Returns one line per TSA; a failing TSA is told, not raised."""
    lines = []
    for url in settings.urls:
        got = obtain(bytes.fromhex(head.entry_hash), url, settings.timeout)
        if isinstance(got, Failure):
            lines.append(f"custody anchor seq {head.seq}: TSA {got.tsa_url} failed: {got.message}")
            continue
        base = store.root / ANCHORS_DIR
        folder = base / f"{head.seq:08d}-{secrets.token_hex(3)}"
        try:
            base.mkdir(exist_ok=True)
            folder.mkdir()
            tsq_sha = _write(folder / HEAD_TSQ, got.token.request_der)
            tsr_sha = _write(folder / HEAD_TSR, got.token.response_der)
            entry = {
                **anchor_record(head),
                **token_entry(
                    got,
                    HEAD_TSQ,
                    HEAD_TSR,
                    tsq_sha,
                    tsr_sha,
                    head.entry_hash,
                    digest_key="entry_hash",
                ),
                "note": (
                    "An RFC 3161 token over the entry_hash of custody entry seq (itself the "
                    "SHA-256 of the entry's canonical JSON): the custody log held this entry "
                    "by gen_time. Check: openssl ts -verify -in head.tsr -digest ENTRY_HASH "
                    "-CAfile <the TSA's CA certificate>."
                ),
            }
            record_sha = _write(folder / TOKEN_RECORD, pretty_json(entry))
            sums = format_sums(
                [(HEAD_TSQ, tsq_sha), (HEAD_TSR, tsr_sha), (TOKEN_RECORD, record_sha)]
            )
            _write(folder / SUMS, sums)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise StoreError(f"cannot write {folder}: {exc.strerror or exc}") from exc
        make_read_only(folder)
        lines.append(
            f"custody anchor seq {head.seq}: RFC 3161 token from {entry['tsa_url']}, "
            f"genTime {entry['gen_time']} ({store.relative(folder)})"
        )
    return lines


def anchor_record(head: Anchor) -> dict[str, Any]:
    return {"type": ANCHOR_TYPE, "seq": head.seq, "entry_hash": head.entry_hash}


def _write(path: Path, data: bytes) -> str:
    with path.open("xb") as fh:
        writer = HashingWriter(fh)
        writer.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return writer.hexdigest()


def stored_anchors(store: EvidenceStore) -> tuple[list[Anchor], list[str]]:
    """The heads stamped by TSAs and kept in the store, each token checked (its files
    against SHA256SUMS, its imprint and nonce against its record); with the problems."""
    base = store.root / ANCHORS_DIR
    anchors: list[Anchor] = []
    problems: list[str] = []
    if not base.is_dir():
        return anchors, problems
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        rel = store.relative(folder)
        try:
            record = json.loads((folder / TOKEN_RECORD).read_bytes())
            listed = {}
            for line in (folder / SUMS).read_text("utf-8").splitlines():
                digest, _, name = line.partition("  ")
                listed[name] = digest
            actual = {p.name: sha256_file(p)[0] for p in folder.iterdir() if p.name != SUMS}
            if listed != actual:
                problems.append(f"{rel}: {SUMS} disagrees with the files (modified)")
                continue
            anchor = _checked(record, f"RFC 3161 token {rel}")
            info = parse_response((folder / HEAD_TSR).read_bytes())
            check_matches(info, bytes.fromhex(anchor.entry_hash), int(str(record["nonce"]), 16))
        except (OSError, ValueError, KeyError, TypeError, UsageError, TimestampError) as exc:
            problems.append(f"{rel}: not a valid custody anchor token: {exc}")
            continue
        anchors.append(Anchor(anchor.seq, anchor.entry_hash, rfc3339(info.gen_time), anchor.source))
    return anchors, problems
