"""Reading back a WARC that collector.evidence.warc wrote, and copying it for an export.

Stdlib only: a file written by `write_capture_warc` has one gzip member per record, so it is
read member by member (`_gzip_members`), and `copy_warc` rebuilds the `WarcSummary` an index
needs (offsets, digests, status, method, media type) from what it reads.

With `redact`, the copy has the values of secret HTTP headers (collector.evidence.redact: one
list, one marker) replaced in request and response records, and in the provenance of the
metadata record. A changed record gets a new `WARC-Block-Digest` and `Content-Length`; its
payload, and so its `WARC-Payload-Digest`, is unchanged. Unchanged records are copied byte
for byte, so without redaction, or with nothing to redact, the copy is identical to the
source. The stored WARC keeps what the page sent; exported copies do not.

With `resolve` (an `EarlierPayloads` over the WARCs a capture's revisit records point into,
linked in its folder as `refers-<sha256>.warc.gz`), each identical-payload-digest revisit
is written back as the full record it stands for: a response (its own HTTP head, the
earlier payload) or a resource; the payload's digest is checked against the revisit's
`WARC-Payload-Digest`, so a copy never holds a payload the capture did not record.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from collector.evidence.hashing import HashingWriter, Sink
from collector.evidence.redact import redact_http_message, redact_provenance
from collector.evidence.warc import (
    MIN_REVISIT_BYTES,
    REVISIT_PROFILE,
    WARC_VERSION,
    ArchiveError,
    WarcRecordInfo,
    WarcSummary,
    bare_mime,
    encode_record,
    metadata_json,
    warc_digest,
)
from collector.models import StoredPayload
from collector.timeutil import parse_rfc3339

__all__ = [
    "EarlierPayloads",
    "WarcCopy",
    "copy_warc",
    "read_records",
    "response_payloads_in",
    "stored_payloads",
]

_CRLF = b"\r\n"


@dataclass(frozen=True)
class WarcCopy:
    """What `copy_warc` wrote: the copy's summary and what it changed."""

    summary: WarcSummary  # of the copy (offsets, digests and hash of the bytes written)
    source_sha256: str  # hex digest of the file that was read
    source_size: int
    redacted: tuple[str, ...]  # one line per redacted value: "<record uri>: <header>"


class EarlierPayloads:
    """The payloads of the full records in some WARCs, by record id (read when asked)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._where: dict[str, tuple[Path, int, int]] = {}
        for path in paths:
            for fields, _block, offset, length in read_records(path):
                kind = _field(fields, "WARC-Type")
                rid = _field(fields, "WARC-Record-ID")
                if kind in ("response", "resource") and rid:
                    self._where.setdefault(rid, (path, offset, length))

    def payload(self, record_id: str) -> bytes | None:
        where = self._where.get(record_id)
        if where is None:
            return None
        path, offset, length = where
        with path.open("rb") as fh:
            fh.seek(offset)
            raw = fh.read(length)
        try:
            member = zlib.decompress(raw, wbits=31)
        except zlib.error as exc:
            raise ArchiveError(f"{path}: corrupt gzip member at {offset}: {exc}") from exc
        fields, block = _parse_record(member, path, offset)
        if _field(fields, "WARC-Type") == "response":
            return _http_head(block)[2]
        return block


def stored_payloads(path: Path) -> tuple[StoredPayload, ...]:
    """The payloads a WARC stores in full (responses not truncated, resources), as filing
    registers them for later revisits (`reindex` rebuilds the lookup from these)."""
    found = []
    for fields, block, _offset, _length in read_records(path):
        kind = _field(fields, "WARC-Type")
        if kind not in ("response", "resource") or _field(fields, "WARC-Truncated"):
            continue
        payload = _http_head(block)[2] if kind == "response" else block
        digest = _field(fields, "WARC-Payload-Digest")
        uri = _field(fields, "WARC-Target-URI")
        if digest and uri and len(payload) >= MIN_REVISIT_BYTES:
            found.append(
                StoredPayload(
                    digest,
                    len(payload),
                    _field(fields, "WARC-Record-ID") or "",
                    uri,
                    _field(fields, "WARC-Date") or "",
                )
            )
    return tuple(found)


def response_payloads_in(path: Path, sha256: str) -> frozenset[tuple[str, str]] | None:
    """(target URI, WARC-Payload-Digest) of every HTTP response a WARC holds, in full or
    as a revisit (collector.evidence.warc `response_payloads` gives the same pairs for a
    HAR about to be written); None unless the file hashes to `sha256`, as recorded."""
    found = set()
    hasher = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            reader = _HashingReader(fh, hasher)  # one pass: hashed as it is parsed
            for _raw, member in _gzip_members(reader, path):
                fields, _block = _parse_record(member, path, 0)
                kind = _field(fields, "WARC-Type")
                http = (_field(fields, "Content-Type") or "").startswith("application/http")
                uri = _field(fields, "WARC-Target-URI")
                digest = _field(fields, "WARC-Payload-Digest")
                if kind in ("response", "revisit") and http and uri and digest:
                    found.add((uri, digest))
            while reader.read(_READ_CHUNK):  # whatever follows the last member
                pass
    except (ArchiveError, OSError):
        return None
    return frozenset(found) if hasher.hexdigest() == sha256 else None


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _HashingReader:
    """A file read through, hashing every byte handed out."""

    def __init__(self, fh: _Readable, hasher: Any) -> None:
        self.fh, self.hasher = fh, hasher

    def read(self, size: int = -1, /) -> bytes:
        data = self.fh.read(size)
        self.hasher.update(data)
        return data


def read_records(path: Path) -> Iterator[tuple[list[tuple[str, str]], bytes, int, int]]:
    """(header fields, block, offset, length of the gzip member) of every record."""
    offset = 0
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ArchiveError(f"cannot read {path}: {exc}") from exc
    with fh:
        for raw, member in _gzip_members(fh, path):
            fields, block = _parse_record(member, path, offset)
            yield fields, block, offset, len(raw)
            offset += len(raw)


def _resolved(
    fields: list[tuple[str, str]], block: bytes, earlier: EarlierPayloads, src: Path
) -> tuple[list[tuple[str, str]], bytes]:
    """A revisit record as the full record it stands for (see the module docstring)."""
    if _field(fields, "WARC-Profile") != REVISIT_PROFILE:
        return fields, block  # another profile: not ours, copied as it is
    target = _field(fields, "WARC-Refers-To") or ""
    payload = earlier.payload(target)
    uri = _field(fields, "WARC-Target-URI") or "?"
    if payload is None:
        raise ArchiveError(f"{src}: revisit of {uri}: earlier record {target} not found")
    if warc_digest(payload) != _field(fields, "WARC-Payload-Digest"):
        raise ArchiveError(f"{src}: revisit of {uri}: the earlier payload's digest differs")
    is_response = (_field(fields, "Content-Type") or "").startswith("application/http")
    full = block + payload if is_response else payload
    dropped = {"warc-profile", "warc-refers-to", "warc-refers-to-target-uri", "warc-refers-to-date"}
    kind = "response" if is_response else "resource"
    kept = [
        ("WARC-Type", kind) if n.lower() == "warc-type" else (n, v)
        for n, v in fields
        if n.lower() not in dropped
    ]
    return _with_block(kept, full), full


def copy_warc(
    src: Path, out: Sink, *, redact: bool = False, resolve: EarlierPayloads | None = None
) -> WarcCopy:
    """Copy a `.warc.gz` written by `write_capture_warc` to `out`, record by record.

    Returns the summary an index needs. With `redact`, secret header values are replaced
    (see the module docstring); otherwise the copy is identical to the source.
    """
    writer = HashingWriter(out)
    source = hashlib.sha256()
    source_size = 0
    records: list[WarcRecordInfo] = []
    links: dict[str, list[str]] = {}  # response record id -> its WARC-Concurrent-To ids
    redacted: list[str] = []
    try:
        fh = src.open("rb")
    except OSError as exc:
        raise ArchiveError(f"cannot read {src}: {exc}") from exc
    with fh:
        for raw, member in _gzip_members(fh, src):
            source.update(raw)
            source_size += len(raw)
            fields, block = _parse_record(member, src, source_size - len(raw))
            resolved = False
            if resolve is not None and _field(fields, "WARC-Type") == "revisit":
                fields, block = _resolved(fields, block, resolve, src)
                resolved = True
            changes: list[str] = []
            if redact:
                block, changes = _redact_block(fields, block)
            if changes:
                fields = _with_block(fields, block)
                uri = _field(fields, "WARC-Target-URI") or "?"
                redacted.extend(f"{uri}: {name}" for name in changes)
                raw = encode_record(fields, block, _record_mime(fields, block))
            elif resolved:
                raw = encode_record(fields, block, _record_mime(fields, block))
            info = _record_info(fields, block, writer.size, len(raw))
            writer.write(raw)
            if info.record_type == "response":
                links[info.record_id] = [v for n, v in fields if n.lower() == "warc-concurrent-to"]
            records.append(info)
    # A response's method is its request's (its WARC-Concurrent-To), as the writer records it.
    methods = {r.record_id: r.method for r in records if r.record_type == "request"}
    fixed = []
    for rec in records:
        if rec.record_type == "response":
            method = next((methods[i] for i in links[rec.record_id] if methods.get(i)), None)
            rec = replace(rec, method=method or "GET")
        fixed.append(rec)
    summary = WarcSummary(
        records=tuple(fixed),
        skipped=(),
        har_entries=sum(1 for r in fixed if r.record_type == "response"),
        missing_bodies=0,
        size=writer.size,
        sha256=writer.hexdigest(),
    )
    return WarcCopy(summary, source.hexdigest(), source_size, tuple(redacted))


_READ_CHUNK = 1 << 16


def _gzip_members(fh: _Readable, src: Path) -> Iterator[tuple[bytes, bytes]]:
    """(compressed bytes, decompressed bytes) of each gzip member, in order."""
    pending = b""
    while True:
        if not pending:
            pending = fh.read(_READ_CHUNK)
            if not pending:
                return
        inflater = zlib.decompressobj(wbits=31)  # gzip framing
        raw: list[bytes] = []
        out: list[bytes] = []
        while True:
            try:
                out.append(inflater.decompress(pending))
            except zlib.error as exc:
                raise ArchiveError(f"{src}: corrupt gzip member: {exc}") from exc
            if inflater.eof:
                used = len(pending) - len(inflater.unused_data)
                raw.append(pending[:used])
                pending = inflater.unused_data
                break
            raw.append(pending)
            pending = fh.read(_READ_CHUNK)
            if not pending:
                raise ArchiveError(f"{src}: truncated gzip member at the end of the file")
        yield b"".join(raw), b"".join(out)


def _parse_record(member: bytes, src: Path, offset: int) -> tuple[list[tuple[str, str]], bytes]:
    head, sep, rest = member.partition(_CRLF + _CRLF)
    lines = head.decode("utf-8", "replace").split("\r\n")
    if not sep or lines[0] != WARC_VERSION:
        raise ArchiveError(f"{src}: no WARC/1.1 record at offset {offset}")
    fields: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise ArchiveError(f"{src}: malformed WARC header line at offset {offset}")
        fields.append((name.strip(), value.strip()))
    try:
        length = int(_field(fields, "Content-Length") or "")
    except ValueError:
        raise ArchiveError(f"{src}: record at offset {offset} has no Content-Length") from None
    if rest[length:] != _CRLF + _CRLF:
        raise ArchiveError(f"{src}: record at offset {offset} does not end where it says")
    return fields, rest[:length]


def _field(fields: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((v for n, v in fields if n.lower() == wanted), None)


def _with_block(fields: list[tuple[str, str]], block: bytes) -> list[tuple[str, str]]:
    updated = {"warc-block-digest": warc_digest(block), "content-length": str(len(block))}
    return [(n, updated.get(n.lower(), v)) for n, v in fields]


def _http_head(block: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    head, _, body = block.partition(_CRLF + _CRLF)
    lines = head.decode("utf-8", "surrogateescape").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    return lines[0], headers, body


def _record_mime(fields: Sequence[tuple[str, str]], block: bytes) -> str | None:
    content_type = _field(fields, "Content-Type") or ""
    if content_type.startswith("application/http"):
        if "msgtype=response" not in content_type:
            return None
        _, headers, _ = _http_head(block)
        value = next((v for n, v in headers if n.lower() == "content-type"), None)
        return bare_mime(value) if value else None
    return bare_mime(content_type)


def _record_info(
    fields: Sequence[tuple[str, str]], block: bytes, offset: int, length: int
) -> WarcRecordInfo:
    record_type = _field(fields, "WARC-Type") or ""
    status = method = None
    if record_type in ("request", "response"):
        start, _, _ = _http_head(block)
        words = start.split()
        if record_type == "response" and len(words) >= 2 and words[1].isdigit():
            status = int(words[1])
        if record_type == "request" and words:
            method = words[0]
    return WarcRecordInfo(
        record_type=record_type,
        record_id=_field(fields, "WARC-Record-ID") or "",
        uri=_field(fields, "WARC-Target-URI"),
        date=parse_rfc3339(_field(fields, "WARC-Date") or "1970-01-01T00:00:00Z"),
        offset=offset,
        length=length,
        block_digest=_field(fields, "WARC-Block-Digest") or warc_digest(block),
        payload_digest=_field(fields, "WARC-Payload-Digest"),
        status=status,
        mime=None if record_type == "warcinfo" else _record_mime(fields, block),
        method=method,
        payload_size=_payload_size(record_type, fields, block),
    )


def _payload_size(record_type: str, fields: Sequence[tuple[str, str]], block: bytes) -> int | None:
    """As the writer records it: the payload's length, for records that store one."""
    if not _field(fields, "WARC-Payload-Digest"):
        return None
    if record_type == "response":
        return len(_http_head(block)[2])
    return len(block) if record_type == "resource" else None


def _redact_block(fields: Sequence[tuple[str, str]], block: bytes) -> tuple[bytes, list[str]]:
    record_type = _field(fields, "WARC-Type")
    if record_type in ("request", "response") or (
        # a revisit of an HTTP response keeps the response's whole head (Set-Cookie too)
        record_type == "revisit"
        and (_field(fields, "Content-Type") or "").startswith("application/http")
    ):
        return redact_http_message(block)
    if record_type == "metadata" and (_field(fields, "Content-Type") or "").startswith(
        "application/json"
    ):
        try:
            document = json.loads(block)
        except ValueError:
            return block, []
        changed = redact_provenance(document)
        if not changed:
            return block, []
        return metadata_json(document), changed
    return block, []
