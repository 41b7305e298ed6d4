"""WARC 1.1 (ISO 28500) writer for one capture: the HAR traffic plus the capture artefacts.

Stdlib only; readers such as warcio are test-time validators, never runtime dependencies.

Layout of a file written by `write_capture_warc`, each record its own gzip member:

1. `warcinfo` (application/warc-fields): software, operator, hostname, user agent, format.
2. For every representable HAR entry a `response` then a `request` record, linked both ways
   with `WARC-Concurrent-To` and sharing one `WARC-Date` (the entry's `startedDateTime`).
3. One `resource` record per capture artefact (screenshot, DOM, MHTML, manifest...).
4. One `metadata` record (application/json): caller provenance plus the list of
   transformations applied here and the HAR entries that were skipped.

Decisions, also stated in the metadata record so the file explains itself:

* Bodies: Chromium hands Playwright bodies with content- and transfer-codings already removed,
  so `Content-Encoding` and `Transfer-Encoding` are dropped from the stored HTTP headers
  (a replay tool would otherwise try to gunzip plain bytes) and `Content-Length` is set to
  the stored body length. Their original values stay in the block, renamed with the
  `X-Collector-Original-` prefix; replay tools ignore them, examiners can still read them.
* HTTP/2 and HTTP/3: there is no HTTP/2 text form and WARC readers accept only HTTP/1.x
  message lines, so messages are written with an `HTTP/1.1` status/request line; the
  protocol actually used goes in a `WARC-Protocol` header (IIPC warc-specifications
  proposal #42, as browsertrix-crawler writes it). Pseudo-headers (`:path`...) are
  dropped; `Host` is synthesised from `:authority` or the URL when absent.
* A response whose body Chromium did not keep (the HAR has no text and a size other than 0:
  -1 for a `fetch()` the page never read) is never stored as a genuine empty response.
  Replay tools ignore `WARC-Truncated`: pywb served such an empty 200 stylesheet to every
  page that shared its URL. So its response record is left out (the request record stays,
  and the metadata record lists it with its status), and a replay finds the URL's real copy
  in another record or says it is not archived. A redirect keeps its record, since replay
  needs its `Location`; its lost body is marked `WARC-Truncated: unspecified`. Statuses
  that carry no body (1xx, 204, 304) and HEAD requests lack nothing.
* Digests: `sha256:` + RFC 4648 base32 *with* padding, the form warcio writes and checks
  (unpadded base32 is misread by warcio as base64 and fails). `WARC-Block-Digest` on every
  record, `WARC-Payload-Digest` on response and resource records.
* Skipped HAR entries (non-HTTP schemes such as data:/blob:, failed requests with status 0,
  undecodable bodies) are counted in the summary and listed in the metadata record.
* Revisits (docs/storage.md): given `prior` (a payload digest -> the record of an earlier
  capture of the store that holds that payload), a response or resource whose payload is at
  least `MIN_REVISIT_BYTES` long and already stored is written as a `revisit` record with
  the WARC 1.1 identical-payload-digest profile (section 6.7.2): `WARC-Refers-To`,
  `WARC-Refers-To-Target-URI`, `WARC-Refers-To-Date`, `WARC-Payload-Digest`; a response
  keeps its own HTTP headers as the block, a resource has an empty block. The WARC holding
  the original is linked into the capture's folder by the caller; exports put the full
  record back (collector.evidence.warc_copy `copy_warc(resolve=...)`).
* Compression: each record is its own gzip member (what replay tools range-read). Records
  whose content is already compressed (JPEG/GIF/WebP/AVIF images, WOFF2 fonts, audio, video,
  ZIP/gzip) use deflate "stored" blocks (level 0): deflating them again costs CPU for
  nothing. PNG uses level 1: Chromium's fast screenshot encoder leaves ~40% to gain, and
  level 1 gets nearly all of it at a third of level 9's cost (40,000 px page, 2.4 MB PNG:
  level 0 16 ms, level 1 48 ms, level 9 67 ms of CPU; 2.4, 1.44 and 1.40 MB). Everything
  else uses level 6.

A capture's WARC is named after the capture, `<capture id>.warc.gz` (`warc_name`), so WARCs
gathered from several captures never collide; captures filed before were `archive.warc.gz`,
and `capture_warc` finds either among a manifest's artifacts (every reader goes through it).

Reading a file written here back, and copying it with secrets redacted for an export, is
collector.evidence.warc_copy; both encode records with `encode_record`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import ipaddress
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collector.evidence.hashing import HashingWriter, Sink
from collector.timeutil import parse_rfc3339, rfc3339

__all__ = [
    "LEGACY_WARC_NAME",
    "MIN_REVISIT_BYTES",
    "ORIGINAL_HEADER_PREFIX",
    "REVISIT_PROFILE",
    "WARC_VERSION",
    "ArchiveError",
    "LostBody",
    "PriorLookup",
    "PriorPayload",
    "SkippedEntry",
    "WarcInfo",
    "WarcRecordInfo",
    "WarcResource",
    "WarcSummary",
    "bare_mime",
    "capture_warc",
    "encode_record",
    "har_without_bodies",
    "metadata_json",
    "response_bodies",
    "response_payloads",
    "warc_digest",
    "warc_name",
    "write_capture_warc",
]

WARC_VERSION = "WARC/1.1"
WARC_FORMAT = "WARC File Format 1.1"
WARC_CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
ORIGINAL_HEADER_PREFIX = "X-Collector-Original-"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# A revisit record costs a few hundred bytes of headers: smaller payloads are stored again.
MIN_REVISIT_BYTES = 512

_CRLF = b"\r\n"
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HTTP_SCHEMES = ("http", "https")
# Capitalised names for the renamed originals, whatever case the HAR used (h2 is lowercase).
_ENCODING_HEADERS = {
    "content-encoding": "Content-Encoding",
    "transfer-encoding": "Transfer-Encoding",
}
_MAX_SKIPPED_URL = 200
# Media whose bytes are already compressed: their gzip members use stored blocks.
_COMPRESSED_MEDIA = re.compile(
    r"image/(jpeg|gif|webp|avif)|font/woff2|(audio|video)/.*"
    r"|application/(zip|gzip|x-gzip|zstd|x-7z-compressed)"
)


class ArchiveError(Exception):
    """The archive (WARC or WACZ) cannot be written or read as asked."""


LEGACY_WARC_NAME = "archive.warc.gz"  # what captures filed before named their WARC


def warc_name(capture_id: str) -> str:
    """The file name of a capture's WARC, in its folder."""
    return f"{capture_id}.warc.gz"


def capture_warc(manifest: Mapping[str, Any]) -> str | None:
    """The file name of a capture's WARC among its manifest's artifacts, whichever
    collector filed it (`<capture id>.warc.gz`, or `archive.warc.gz` from before); None
    when it has none."""
    names = {a.get("name") for a in manifest.get("artifacts") or () if isinstance(a, Mapping)}
    for name in (warc_name(str(manifest.get("capture_id"))), LEGACY_WARC_NAME):
        if name in names:
            return name
    return None


@dataclass(frozen=True)
class WarcInfo:
    """Fields of the leading `warcinfo` record."""

    software: str  # name and version, e.g. "collector/0.1.0"
    operator: str
    hostname: str
    user_agent: str
    created: datetime
    filename: str | None = None
    description: str | None = None
    is_part_of: str | None = None  # e.g. the case or capture identifier


@dataclass(frozen=True)
class WarcResource:
    """A capture artefact stored as a `resource` record; give exactly one of `path`, `data`."""

    uri: str  # e.g. "urn:collector:<capture-id>/screenshot.png"
    media_type: str
    date: datetime
    path: Path | None = None
    data: bytes | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.data is None):
            raise ArchiveError(f"resource {self.uri}: give exactly one of path and data")

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None  # __post_init__ guarantees one of the two
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"resource {self.uri}: cannot read {self.path}: {exc}") from exc


@dataclass(frozen=True)
class PriorPayload:
    """An earlier record of the store that holds a payload in full (the revisit's target)."""

    record_id: str
    uri: str
    date: str  # its WARC-Date, as written
    warc_sha256: str  # hex SHA-256 of the WARC file that holds it
    folder: str = ""  # the capture folder holding that WARC, relative to the store


PriorLookup = Callable[[str, int], PriorPayload | None]  # (payload digest, size) -> record


@dataclass(frozen=True)
class WarcRecordInfo:
    """Where one record sits in the file and what an index needs to know about it."""

    record_type: str
    record_id: str
    uri: str | None  # None only for warcinfo
    date: datetime
    offset: int  # of the gzip member, from the first byte written by this call
    length: int  # of the gzip member
    block_digest: str
    payload_digest: str | None = None
    status: int | None = None  # HTTP status, response records only
    mime: str | None = None  # HTTP Content-Type (response) or media type (resource/metadata)
    method: str | None = None  # HTTP request method, request/response records only
    payload_size: int | None = None  # of the payload, when it is stored in full here
    refers_to: PriorPayload | None = None  # revisit records: what they point at


@dataclass(frozen=True)
class SkippedEntry:
    index: int  # position in har["log"]["entries"]
    url: str  # shortened; data: URLs can be megabytes long
    reason: str


@dataclass(frozen=True)
class LostBody:
    """A response whose body the browser did not keep."""

    index: int  # position in har["log"]["entries"]
    url: str  # shortened, as SkippedEntry's
    status: int
    written: bool  # a redirect: written, marked WARC-Truncated; otherwise left out


@dataclass(frozen=True)
class WarcSummary:
    records: tuple[WarcRecordInfo, ...]
    skipped: tuple[SkippedEntry, ...]
    har_entries: int
    missing_bodies: int  # responses whose body the browser did not keep (len(lost_bodies))
    size: int  # bytes written
    sha256: str  # hex digest of the bytes written
    lost_bodies: tuple[LostBody, ...] = ()

    @property
    def responses_left_out(self) -> int:
        return sum(1 for lost in self.lost_bodies if not lost.written)

    @property
    def refers_to(self) -> tuple[str, ...]:
        """SHA-256 of each earlier WARC this one's revisit records point into."""
        return tuple(sorted({r.refers_to.warc_sha256 for r in self.records if r.refers_to}))

    @property
    def response_count(self) -> int:
        """HTTP responses archived: in full, or as revisits of an earlier identical one."""
        return sum(
            1
            for r in self.records
            if r.record_type == "response" or (r.record_type == "revisit" and r.status)
        )


def warc_digest(data: bytes) -> str:
    """Labelled digest as stored in WARC headers: `sha256:` + padded RFC 4648 base32."""
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


def write_capture_warc(
    out: Sink,
    *,
    har: Mapping[str, Any],
    resources: Sequence[WarcResource],
    metadata: Mapping[str, object],
    metadata_uri: str,
    info: WarcInfo,
    prior: PriorLookup | None = None,
) -> WarcSummary:
    """Write a complete `.warc.gz` for one capture to `out` and describe what was written.

    Offsets in the summary count from the first byte this call writes, so give it a fresh file.
    """
    entries = _har_entries(har)
    writer = _RecordWriter(out, prior)
    warcinfo_id = writer.warcinfo(info)

    skipped: list[SkippedEntry] = []
    lost: list[LostBody] = []
    for index, entry in enumerate(entries):
        try:
            exchange = _exchange(entry)
        except _Skip as skip:
            skipped.append(SkippedEntry(index, _entry_url(entry), skip.reason))
            continue
        written = writer.exchange(exchange, warcinfo_id)
        if exchange.body_missing:
            lost.append(LostBody(index, _entry_url(entry), exchange.status, written))

    for resource in resources:
        writer.resource(resource, warcinfo_id)

    block = _metadata_block(metadata, len(entries), skipped, lost)
    writer.metadata(metadata_uri, info.created, block, warcinfo_id)

    return WarcSummary(
        records=tuple(writer.records),
        skipped=tuple(skipped),
        har_entries=len(entries),
        missing_bodies=len(lost),
        size=writer.out.size,
        sha256=writer.out.hexdigest(),
        lost_bodies=tuple(lost),
    )


# --- records -----------------------------------------------------------------------------


class _RecordWriter:
    def __init__(self, out: Sink, prior: PriorLookup | None = None) -> None:
        self.out = HashingWriter(out)
        self.records: list[WarcRecordInfo] = []
        self.prior = prior

    def _earlier(self, payload: bytes) -> tuple[str, PriorPayload | None]:
        digest = warc_digest(payload)
        if self.prior is None or len(payload) < MIN_REVISIT_BYTES:
            return digest, None
        return digest, self.prior(digest, len(payload))

    def _revisit(
        self,
        date: datetime,
        block: bytes,
        *,
        uri: str,
        record_id: str,
        extra: Sequence[tuple[str, str]],
        content_type: str,
        payload_digest: str,
        earlier: PriorPayload,
        status: int | None = None,
        mime: str | None = None,
        method: str | None = None,
    ) -> None:
        """A revisit record, identical-payload-digest profile: `block` is the response's
        HTTP head only (empty for a resource)."""
        block_digest = warc_digest(block)
        fields: list[tuple[str, str]] = [
            ("WARC-Type", "revisit"),
            ("WARC-Record-ID", record_id),
            ("WARC-Date", rfc3339(date)),
            ("WARC-Target-URI", uri),
            *extra,
            ("WARC-Profile", REVISIT_PROFILE),
            ("WARC-Refers-To", earlier.record_id),
            ("WARC-Refers-To-Target-URI", earlier.uri),
            ("WARC-Refers-To-Date", earlier.date),
            ("WARC-Block-Digest", block_digest),
            ("WARC-Payload-Digest", payload_digest),
            ("Content-Type", content_type),
            ("Content-Length", str(len(block))),
        ]
        # no payload in the block: nothing for `mime` to pick a compression level for
        self._emit(
            fields,
            block,
            None,
            record_type="revisit",
            record_id=record_id,
            uri=uri,
            date=date,
            block_digest=block_digest,
            payload_digest=payload_digest,
            status=status,
            mime=mime,
            method=method,
            refers_to=earlier,
        )

    def _emit(
        self, fields: Sequence[tuple[str, str]], block: bytes, compress_as: str | None, **info: Any
    ) -> None:
        """Write one record and note where it went (`info`: the rest of its WarcRecordInfo)."""
        member = encode_record(fields, block, compress_as)
        offset = self.out.size
        self.out.write(member)
        self.records.append(WarcRecordInfo(offset=offset, length=len(member), **info))

    def _write(
        self,
        record_type: str,
        date: datetime,
        block: bytes,
        *,
        uri: str | None = None,
        record_id: str | None = None,
        extra: Sequence[tuple[str, str]] = (),
        content_type: str,
        payload: bytes | None = None,
        status: int | None = None,
        mime: str | None = None,
        method: str | None = None,
    ) -> str:
        record_id = record_id or _new_record_id()
        block_digest = warc_digest(block)
        payload_digest = warc_digest(payload) if payload is not None else None
        fields: list[tuple[str, str]] = [
            ("WARC-Type", record_type),
            ("WARC-Record-ID", record_id),
            ("WARC-Date", rfc3339(date)),
        ]
        if uri is not None:
            fields.append(("WARC-Target-URI", uri))
        fields.extend(extra)
        fields.append(("WARC-Block-Digest", block_digest))
        if payload_digest is not None:
            fields.append(("WARC-Payload-Digest", payload_digest))
        fields.append(("Content-Type", content_type))
        fields.append(("Content-Length", str(len(block))))

        self._emit(
            fields,
            block,
            mime,
            record_type=record_type,
            record_id=record_id,
            uri=uri,
            date=date,
            block_digest=block_digest,
            payload_digest=payload_digest,
            status=status,
            mime=mime,
            method=method,
            payload_size=len(payload) if payload is not None else None,
        )
        return record_id

    def warcinfo(self, info: WarcInfo) -> str:
        values = [
            ("software", info.software),
            ("format", WARC_FORMAT),
            ("conformsTo", WARC_CONFORMS_TO),
            ("operator", info.operator),
            ("hostname", info.hostname),
            ("http-header-user-agent", info.user_agent),
        ]
        if info.description is not None:
            values.append(("description", info.description))
        if info.is_part_of is not None:
            values.append(("isPartOf", info.is_part_of))
        _aware(info.created, "warcinfo")
        for name, value in values:
            if _CONTROL.search(value):
                raise ArchiveError(f"warcinfo field {name!r} contains a control character")
        block = b"".join(_field_line(n, v) + _CRLF for n, v in values)
        extra = []
        if info.filename is not None:
            _check_field("WARC-Filename", info.filename)
            extra.append(("WARC-Filename", info.filename))
        return self._write(
            "warcinfo",
            info.created,
            block,
            extra=extra,
            content_type="application/warc-fields",
        )

    def exchange(self, ex: _Exchange, warcinfo_id: str) -> bool:
        """The response and request records; False when the response was left out (its
        body was not kept and it is no redirect: see the module docstring)."""
        request_id = _new_record_id()
        common: list[tuple[str, str]] = [("WARC-Warcinfo-ID", warcinfo_id)]
        if ex.ip is not None:
            common.append(("WARC-IP-Address", ex.ip))
        if ex.protocol is not None:
            common.append(("WARC-Protocol", ex.protocol))
        if ex.body_missing and not _is_redirect(ex.status):
            self._write(
                "request",
                ex.date,
                ex.request_block,
                uri=ex.url,
                record_id=request_id,
                extra=common,
                content_type="application/http; msgtype=request",
                method=ex.method,
            )
            return False
        response_id = _new_record_id()
        response_extra = [*common, ("WARC-Concurrent-To", request_id)]
        if ex.body_missing:
            response_extra.append(("WARC-Truncated", "unspecified"))
        digest, earlier = self._earlier(ex.response_body) if not ex.body_missing else ("", None)
        if earlier is not None:
            self._revisit(
                ex.date,
                ex.response_head,
                uri=ex.url,
                record_id=response_id,
                extra=response_extra,
                content_type="application/http; msgtype=response",
                payload_digest=digest,
                earlier=earlier,
                status=ex.status,
                mime=ex.mime,
                method=ex.method,
            )
        else:
            self._write(
                "response",
                ex.date,
                ex.response_head + ex.response_body,
                uri=ex.url,
                record_id=response_id,
                extra=response_extra,
                content_type="application/http; msgtype=response",
                payload=ex.response_body,
                status=ex.status,
                mime=ex.mime,
                method=ex.method,
            )
        self._write(
            "request",
            ex.date,
            ex.request_block,
            uri=ex.url,
            record_id=request_id,
            extra=[*common, ("WARC-Concurrent-To", response_id)],
            content_type="application/http; msgtype=request",
            method=ex.method,
        )
        return True

    def resource(self, resource: WarcResource, warcinfo_id: str) -> None:
        _check_uri(resource.uri)
        _check_field("Content-Type", resource.media_type)
        data = resource.read()
        digest, earlier = self._earlier(data)
        if earlier is not None:
            self._revisit(
                _aware(resource.date, resource.uri),
                b"",
                uri=resource.uri,
                record_id=_new_record_id(),
                extra=[("WARC-Warcinfo-ID", warcinfo_id)],
                content_type=resource.media_type,
                payload_digest=digest,
                earlier=earlier,
                mime=bare_mime(resource.media_type),
            )
            return
        self._write(
            "resource",
            _aware(resource.date, resource.uri),
            data,
            uri=resource.uri,
            extra=[("WARC-Warcinfo-ID", warcinfo_id)],
            content_type=resource.media_type,
            payload=data,
            mime=bare_mime(resource.media_type),
        )

    def metadata(self, uri: str, date: datetime, block: bytes, warcinfo_id: str) -> None:
        _check_uri(uri)
        self._write(
            "metadata",
            date,
            block,
            uri=uri,
            extra=[("WARC-Warcinfo-ID", warcinfo_id)],
            content_type="application/json",
            mime="application/json",
        )


def encode_record(fields: Sequence[tuple[str, str]], block: bytes, mime: str | None) -> bytes:
    """One record as its own gzip member: version line, header fields, block. `mime` (of the
    payload) picks the compression level."""
    head = _CRLF.join([WARC_VERSION.encode("ascii")] + [_field_line(n, v) for n, v in fields])
    # mtime=0 keeps the gzip member a pure function of the record.
    return gzip.compress(
        head + _CRLF + _CRLF + block + _CRLF + _CRLF,
        compresslevel=_compress_level(mime),
        mtime=0,
    )


def _compress_level(mime: str | None) -> int:
    if mime == "image/png":
        return 1
    return 0 if mime is not None and _COMPRESSED_MEDIA.fullmatch(mime) else 6


def _new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _field_line(name: str, value: str) -> bytes:
    return f"{name}: {value}".encode()  # WARC 1.1 headers are UTF-8


def _check_field(name: str, value: str) -> None:
    if not value or _CONTROL.search(value):
        raise ArchiveError(f"{name} {value!r} is empty or contains a control character")


def _check_uri(uri: str) -> None:
    _check_field("WARC-Target-URI", uri)
    if " " in uri or ":" not in uri:
        raise ArchiveError(f"not an absolute URI: {uri!r}")


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ArchiveError(f"{what}: naive datetime, refusing to guess its time zone")
    return moment


def bare_mime(content_type: str) -> str | None:
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime or None


# --- HAR -> HTTP messages ----------------------------------------------------------------

# Said once, in the HAR's `log.comment`, not in every entry it applies to (a repeat
# capture's HAR is one of the few files it adds: docs/storage.md).
HAR_BODY_NOTE = (
    "Response bodies are omitted where the capture's WARC holds them: such an entry's "
    "content._warcPayloadDigest is the WARC-Payload-Digest of the response (or revisit) "
    "record holding its body."
)


def response_payloads(har: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """(target URI, WARC-Payload-Digest) of every response `write_capture_warc` writes
    for this HAR, in full or as a revisit: what is compared to tell that a page loaded
    exactly the same bytes as before (collector.evidence.warc_copy `response_payloads_in`
    reads the same pairs back from a WARC)."""
    return frozenset((url, warc_digest(body)) for url, body, _ in _responses(har))


def response_bodies(har: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(WARC-Payload-Digest, size) of every response body `write_capture_warc` stores for
    this HAR (a revisit's candidates), before it is written."""
    return [(warc_digest(body), len(body)) for _, body, whole in _responses(har) if whole]


def _responses(har: Mapping[str, Any]) -> Iterator[tuple[str, bytes, bool]]:
    """(URL, body, whether the body is whole) of every response the WARC holds."""
    for entry in _har_entries(har):
        try:
            ex = _exchange(entry)
        except _Skip:
            continue
        if ex.body_missing and not _is_redirect(ex.status):
            continue  # left out of the WARC
        yield ex.url, ex.response_body, not ex.body_missing


def har_without_bodies(har: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """A copy of the HAR whose response bodies the WARC will hold are replaced by their
    `WARC-Payload-Digest` (`content._warcPayloadDigest`, HAR 1.2 custom field): one body
    stored once per capture. Entries the WARC skips, or stores without a body, keep
    theirs. Returns the copy and how many bodies it points to instead of holding."""
    copy = json.loads(json.dumps(har))
    pointed = 0
    try:
        entries = _har_entries(copy)
    except ArchiveError:
        return copy, 0
    for entry in entries:
        try:
            ex = _exchange(entry)
        except _Skip:
            continue
        if ex.body_missing:
            continue
        content = entry["response"].get("content")
        if not isinstance(content, dict) or not isinstance(content.get("text"), str):
            continue
        content.pop("text")
        content.pop("encoding", None)
        content["_warcPayloadDigest"] = warc_digest(ex.response_body)
        pointed += 1
    log = copy.get("log")
    if pointed and isinstance(log, dict):
        said = log.get("comment")
        note = HAR_BODY_NOTE
        log["comment"] = f"{said} {note}" if said and isinstance(said, str) else note
    return copy, pointed


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Exchange:
    url: str
    method: str
    date: datetime
    ip: str | None
    protocol: str | None
    request_block: bytes
    response_head: bytes
    response_body: bytes
    status: int
    mime: str | None
    body_missing: bool


def _har_entries(har: Mapping[str, Any]) -> list[Any]:
    log = har.get("log")
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(entries, list):
        raise ArchiveError("HAR has no log.entries list")
    return entries


def _entry_url(entry: object) -> str:
    url = ""
    if isinstance(entry, Mapping):
        request = entry.get("request")
        if isinstance(request, Mapping) and isinstance(request.get("url"), str):
            url = request["url"]
    return url if len(url) <= _MAX_SKIPPED_URL else url[: _MAX_SKIPPED_URL - 3] + "..."


def _exchange(entry: object) -> _Exchange:
    if not isinstance(entry, Mapping):
        raise _Skip("malformed entry: not an object")
    request = entry.get("request")
    response = entry.get("response")
    if not isinstance(request, Mapping) or not isinstance(response, Mapping):
        raise _Skip("malformed entry: no request or response")

    url = request.get("url")
    if not isinstance(url, str) or not url:
        raise _Skip("malformed entry: no URL")
    scheme = url.split(":", 1)[0].lower()
    if scheme not in _HTTP_SCHEMES:
        raise _Skip(f"not an HTTP(S) URL (scheme {scheme!r})")
    if _CONTROL.search(url) or " " in url:
        raise _Skip("URL contains whitespace or control characters")
    parts = urlsplit(url)
    if not parts.netloc:
        raise _Skip("URL has no host")

    status = response.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 999:
        raise _Skip(f"no HTTP response (status {status!r}); request failed or was blocked")

    method = request.get("method")
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise _Skip(f"malformed request method {method!r}")

    started = entry.get("startedDateTime")
    try:
        date = parse_rfc3339(started) if isinstance(started, str) else None
    except ValueError:
        date = None
    if date is None:
        raise _Skip(f"malformed startedDateTime {started!r}")

    protocol = _protocol(response.get("httpVersion") or request.get("httpVersion"))
    line_version = "HTTP/1.0" if protocol == "http/1.0" else "HTTP/1.1"

    body, body_missing = _response_body(response)
    if body_missing and (method == "HEAD" or status < 200 or status in (204, 304)):
        body_missing = False  # these carry no body: nothing was lost
    resp_headers, _ = _headers(response.get("headers"))
    resp_headers = _entity_headers(resp_headers, len(body), always_length=True)
    reason = _reason(status, response.get("statusText"))
    response_head = _message_head(f"{line_version} {status} {reason}", resp_headers)

    req_body = _request_body(request)
    req_headers, pseudo = _headers(request.get("headers"))
    if not any(name.lower() == "host" for name, _ in req_headers):
        req_headers.insert(0, ("Host", pseudo.get(":authority") or parts.netloc))
    req_headers = _entity_headers(req_headers, len(req_body), always_length=False)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_block = _message_head(f"{method} {target} {line_version}", req_headers) + req_body

    # Only the stored header: the HAR's mimeType is Chromium's guess ("x-unknown" for none).
    mime = next((bare_mime(v) for n, v in resp_headers if n.lower() == "content-type"), None)

    return _Exchange(
        url=url,
        method=method,
        date=date,
        ip=_ip(entry.get("serverIPAddress")),
        protocol=protocol,
        request_block=request_block,
        response_head=response_head,
        response_body=body,
        status=status,
        mime=mime,
        body_missing=body_missing,
    )


def _protocol(value: object) -> str | None:
    """Normalise a HAR httpVersion to a WARC-Protocol value (ALPN-style identifiers)."""
    if not isinstance(value, str):
        return None
    v = value.strip().lower()
    if v in ("h2", "h2c"):
        return v
    if v in ("http/2", "http/2.0"):
        return "h2"
    if v.startswith("h3") or v in ("http/3", "http/3.0", "quic"):
        return "h3"
    if v in ("http/1.1", "http/1.0", "http/0.9"):
        return v
    return None  # "", "unknown", or something we would only be guessing about


def _ip(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip().strip("[]")))  # Chromium brackets IPv6
    except ValueError:
        return None


def _reason(status: int, status_text: object) -> str:
    if isinstance(status_text, str) and status_text.strip() and not _CONTROL.search(status_text):
        return status_text.strip()
    try:
        return HTTPStatus(status).phrase  # HTTP/2 has no reason phrase
    except ValueError:
        return ""


def _headers(raw: object) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """HAR headers as (name, value) lines, plus HTTP/2 pseudo-headers kept aside."""
    headers: list[tuple[str, str]] = []
    pseudo: dict[str, str] = {}
    if not isinstance(raw, list):
        return headers, pseudo
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        name, value = item.get("name"), item.get("value")
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        if name.startswith(":"):
            pseudo[name.lower()] = value
            continue
        if not _TOKEN.fullmatch(name):
            continue  # not representable as an HTTP/1.x header line
        # Chromium joins repeated headers (Set-Cookie) with newlines: one line each.
        for part in value.split("\n"):
            headers.append((name, part.strip("\r").strip()))
    return headers, pseudo


def _entity_headers(
    headers: list[tuple[str, str]], body_length: int, *, always_length: bool
) -> list[tuple[str, str]]:
    """Drop coding headers (body is decoded), fix Content-Length, keep originals renamed."""
    kept: list[tuple[str, str]] = []
    originals: list[tuple[str, str]] = []
    lengths: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower in _ENCODING_HEADERS:
            originals.append((ORIGINAL_HEADER_PREFIX + _ENCODING_HEADERS[lower], value))
        elif lower == "content-length":
            lengths.append(value)
        else:
            kept.append((name, value))
    if always_length or lengths or body_length:
        kept.append(("Content-Length", str(body_length)))
    originals.extend(
        (ORIGINAL_HEADER_PREFIX + "Content-Length", v) for v in lengths if v != str(body_length)
    )
    return kept + originals


def _message_head(start_line: str, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [start_line.encode()] + [f"{n}: {v}".encode() for n, v in headers]
    return _CRLF.join(lines) + _CRLF + _CRLF


def _text_bytes(text: str) -> bytes:
    # surrogatepass: a lone surrogate from a JSON escape must not abort the whole capture.
    return text.encode("utf-8", "surrogatepass")


def _is_redirect(status: int) -> bool:
    return 300 <= status < 400 and status != 304


def _response_body(response: Mapping[str, Any]) -> tuple[bytes, bool]:
    """Decoded body bytes and whether the HAR lacks a body the response may have had: no
    text, and a size other than 0 (Chromium writes -1 when it kept no body at all)."""
    content = response.get("content")
    if not isinstance(content, Mapping):
        return b"", False
    text = content.get("text")
    size = content.get("size")
    if not isinstance(text, str):
        return b"", not (isinstance(size, int) and size == 0)
    encoding = content.get("encoding")
    if encoding == "base64":
        try:
            return base64.b64decode(text, validate=True), False
        except (binascii.Error, ValueError) as exc:
            raise _Skip(f"undecodable base64 body: {exc}") from exc
    if encoding:
        raise _Skip(f"unsupported HAR body encoding {encoding!r}")
    return _text_bytes(text), False


def _request_body(request: Mapping[str, Any]) -> bytes:
    post = request.get("postData")
    if isinstance(post, Mapping) and isinstance(post.get("text"), str):
        return _text_bytes(post["text"])
    return b""


# --- metadata ----------------------------------------------------------------------------


def _metadata_block(
    provenance: Mapping[str, object],
    har_entries: int,
    skipped: Sequence[SkippedEntry],
    lost: Sequence[LostBody],
) -> bytes:
    document = {
        "provenance": dict(provenance),
        "transformations": {
            "bodies": (
                "HTTP bodies are stored as Chromium handed them to Playwright: content-coding "
                "(gzip, br, deflate) and transfer-coding (chunked) already removed."
            ),
            "dropped_headers": ["Content-Encoding", "Transfer-Encoding"],
            "original_headers": (
                f"Dropped headers, and a Content-Length that differed from the stored body, "
                f"are kept in the same message renamed with the prefix {ORIGINAL_HEADER_PREFIX}"
            ),
            "content_length": "Content-Length is set to the length of the stored body.",
            "http_version": (
                "Messages are written with an HTTP/1.1 (or HTTP/1.0) start line; the protocol "
                "actually used (e.g. h2, h3) is in the WARC-Protocol header of the record."
            ),
            "pseudo_headers": (
                "HTTP/2 pseudo-headers (:method, :path, :authority, :scheme, :status) are "
                "dropped; a missing Host header is synthesised from :authority or the URL."
            ),
            "repeated_headers": "Header values joined by newlines are written as separate lines.",
            "missing_bodies": (
                "Responses whose body the browser did not keep (the HAR has no text and a "
                "size other than 0) are never stored as empty responses: their response "
                "record is left out (the request record stays), so a replay tool finds the "
                "URL's real copy elsewhere or reports it missing; a redirect's record is kept "
                "for its Location, with an empty body and WARC-Truncated: unspecified. "
                "Listed under har.lost_bodies."
            ),
            "digests": "sha256, RFC 4648 base32 with padding.",
        },
        "har": {
            "entries": har_entries,
            "written": har_entries - len(skipped),
            "missing_bodies": len(lost),
            "responses_left_out": sum(1 for x in lost if not x.written),
            "lost_bodies": [
                {
                    "index": x.index,
                    "url": x.url,
                    "status": x.status,
                    "record": "response written, WARC-Truncated" if x.written else "left out",
                }
                for x in lost
            ],
            "skipped": [{"index": s.index, "url": s.url, "reason": s.reason} for s in skipped],
        },
    }
    try:
        return metadata_json(document)
    except (TypeError, ValueError) as exc:
        raise ArchiveError(f"metadata is not JSON-serialisable: {exc}") from exc


def metadata_json(document: object) -> bytes:
    """The metadata record's block: compact JSON (every capture files one; manifest.json
    beside it holds the same provenance, a field per line)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return text.encode("utf-8", "surrogatepass")


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)  # stable output for an unordered collection
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")
