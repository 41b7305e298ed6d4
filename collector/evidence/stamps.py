"""Trusted time for captures: RFC 3161 tokens over `manifest.json`, and the clocks compared.

The protocol itself (request, parse, `openssl ts -verify`) is `collector.evidence.rfc3161`; this
module decides where tokens live and what is recorded about them.

At capture time (`stamp_capture`, run by `file_capture` between writing the manifest and
sealing the folder), for each TSA URL in order:

    request a token over SHA-256(manifest.json)   -> manifest.tsq (sent), manifest.tsr (reply)
    a second token goes to manifest.2.tsq/.tsr, a third to manifest.3.*, ...
    every attempt, good or failed, is described in timestamps.json

All three kinds of file are written after the manifest, so the manifest cannot list them;
`SHA256SUMS` does, and the manifest announces them in advance (`timestamping.tsa_urls`,
`timestamping.record`), so that deleting them is detected. A failing TSA never fails the
capture: the failure is in `timestamps.json`, and `collector timestamp` can try again later.

Later (`stamp_later`): a capture folder is sealed and never edited, so a token obtained
afterwards goes to its own read-only folder `<store>/timestamps/<capture-id>/<NNN>/`
(`manifest.tsq`, `manifest.tsr`, `timestamp.json`, `SHA256SUMS`), written under a temporary
name and renamed into place, like a capture.

Time sources: the system clock (`started_at`/`finished_at`), the web server's `Date` header,
and each TSA's `genTime`. Each non-system time is recorded with the window of system-clock
time in which it was read; `skew_ms` is how far it lies outside that window (0 inside).
`pair_skews` compares every pair of sources the same way, which `collector verify` uses to
warn when two of them disagree by more than a bound.

Checking a stored token against its record (`check_token`) is one function for captures
(`collector verify`) and evidence packages (`collector verify-package`), with one status
vocabulary: `pass`, `fail`, `not_checked`.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collector.errors import CollectorError, UsageError
from collector.evidence.hashing import HashingWriter, sha256_bytes, sha256_file
from collector.evidence.rfc3161 import (
    SHA256_OID,
    TimestampError,
    TimestampFormatError,
    TimestampMismatch,
    TimestampRejected,
    TimestampToken,
    TimestampTransportError,
    VerifyStatus,
    check_matches,
    parse_request,
    parse_response,
    request_token,
    verify_token,
)
from collector.evidence.store import (
    MANIFEST,
    SUMS,
    TIMESTAMPS,
    CaptureWriter,
    EvidenceStore,
    make_read_only,
    pretty_json,
)
from collector.evidence.sums import format_sums
from collector.manifest import Manifest
from collector.models import MainResponse, TimestampRecord
from collector.sites.urls import redact_url_credentials
from collector.timeutil import parse_rfc3339, rfc3339, utc_now

TIMESTAMPS_VERSION = 1
DEFAULT_TSA_TIMEOUT = 10.0
DEFAULT_MAX_CLOCK_SKEW_S = 300.0
QUERY_MEDIA = "application/timestamp-query"
REPLY_MEDIA = "application/timestamp-reply"
LATE_RECORD = "timestamp.json"
# One-second slack below a window: HTTP dates have whole seconds, many TSAs too.
_RESOLUTION = timedelta(seconds=1)
_LATE_NAME = re.compile(r"[0-9]{3,}")


@dataclass(frozen=True)
class TsaSettings:
    """Which TSAs to ask, in order, and how long to wait for each."""

    urls: tuple[str, ...]
    timeout: float = DEFAULT_TSA_TIMEOUT

    def __post_init__(self) -> None:
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise UsageError(f"--tsa must be an http:// or https:// URL, not {url!r}")
        if self.timeout <= 0:
            raise UsageError(f"TSA timeout must be positive, not {self.timeout}")


def token_file_names(n: int, stem: str = "manifest") -> tuple[str, str]:
    """The n-th (1-based) token of a capture: manifest.tsq/.tsr, then manifest.2.*, ...
    (of an evidence package, stem "package": package.tsq/.tsr, package.2.*, ...)."""
    name = stem if n == 1 else f"{stem}.{n}"
    return f"{name}.tsq", f"{name}.tsr"


# --------------------------------------------------------------------------- time sources


@dataclass(frozen=True)
class TimeSource:
    """A time read from somewhere, and the system-clock window in which it was read."""

    name: str
    time: datetime
    low: datetime
    high: datetime


def skew_ms(moment: datetime, low: datetime, high: datetime) -> int:
    """Signed milliseconds by which `moment` lies outside [low, high]; 0 inside."""
    if moment < low:
        return -round((low - moment) / timedelta(milliseconds=1))
    if moment > high:
        return round((moment - high) / timedelta(milliseconds=1))
    return 0


def pair_skews(sources: Sequence[TimeSource]) -> list[tuple[TimeSource, TimeSource, int]]:
    """For every pair (a, b): how far b - a lies outside what the windows allow, in ms."""
    out = []
    for i, a in enumerate(sources):
        for b in sources[i + 1 :]:
            difference = b.time - a.time
            low, high = b.low - a.high, b.high - a.low
            ms = 0
            if difference < low:
                ms = -round((low - difference) / timedelta(milliseconds=1))
            elif difference > high:
                ms = round((difference - high) / timedelta(milliseconds=1))
            out.append((a, b, ms))
    return out


def server_date(response: MainResponse | None) -> tuple[str, datetime] | None:
    """The main response's `Date` header (RFC 7231 IMF-fixdate, or the obsolete forms)."""
    if response is None:
        return None
    header = response.header("date")
    if not header:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # "-0000" is "no zone information"; HTTP dates are GMT
        moment = moment.replace(tzinfo=UTC)
    return header, moment.astimezone(UTC)


def time_sources_record(
    started_at: str, finished_at: str, response: MainResponse | None, hostname: str
) -> dict[str, Any]:
    """The manifest's `time_sources`: system clock and server Date (TSA times come later)."""
    record: dict[str, Any] = {
        "system_clock": {"host": hostname, "started_at": started_at, "finished_at": finished_at},
        "server_date": None,
        "note": (
            "skew_ms: how far a source's time lies outside the system-clock window in which it "
            "was read (0 = inside; the window's start is widened by 1 s for whole-second "
            "clocks). TSA times are in timestamps.json."
        ),
    }
    found = server_date(response)
    if found is not None and response is not None:
        header, moment = found
        low = parse_rfc3339(started_at) - _RESOLUTION
        high = parse_rfc3339(finished_at)
        record["server_date"] = {
            "header": header,
            "time": rfc3339(moment),
            "url": response.url,
            "window": [rfc3339(low), rfc3339(high)],
            "skew_ms": skew_ms(moment, low, high),
        }
    elif response is not None:
        record["server_date"] = {"header": response.header("date"), "time": None}
    return record


def capture_time_sources(
    manifest: Manifest, tokens: Iterable[dict[str, Any]] = ()
) -> list[TimeSource]:
    """Every time source of a capture, from its manifest and token records."""
    started = parse_rfc3339(manifest["started_at"])
    sources = [TimeSource("system clock", started, started, started)]
    server = (manifest.get("time_sources") or {}).get("server_date") or {}
    if server.get("time") and server.get("window"):
        sources.append(
            TimeSource(
                "server Date",
                parse_rfc3339(server["time"]),
                parse_rfc3339(server["window"][0]),
                parse_rfc3339(server["window"][1]),
            )
        )
    for token in tokens:
        low, high = token_window(token)
        sources.append(
            TimeSource(
                f"TSA {token.get('tsa_url')} ({token.get('tsr')})",
                parse_rfc3339(token["gen_time"]),
                low,
                high,
            )
        )
    return sources


def token_window(token: dict[str, Any]) -> tuple[datetime, datetime]:
    accuracy = timedelta(milliseconds=token.get("accuracy_ms") or 0)
    low = parse_rfc3339(token["requested_at"]) - accuracy - _RESOLUTION
    high = parse_rfc3339(token["received_at"]) + accuracy
    return low, high


# --------------------------------------------------------------------------- obtaining


@dataclass(frozen=True)
class Obtained:
    token: TimestampToken
    requested_at: datetime
    received_at: datetime
    accuracy_ms: int | None


@dataclass(frozen=True)
class Failure:
    tsa_url: str
    kind: str  # transport, rejected, mismatch-imprint, mismatch-nonce, malformed, error
    message: str
    requested_at: str
    failed_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "tsa_url": self.tsa_url,
            "kind": self.kind,
            "message": self.message,
            "requested_at": self.requested_at,
            "failed_at": self.failed_at,
        }


def obtain(digest: bytes, url: str, timeout: float) -> Obtained | Failure:
    """One token from one TSA; a failure is described, never raised."""
    requested = utc_now()
    try:
        token = request_token(digest, url, timeout)
    except Exception as exc:  # a TSA problem, or a bug here, must never fail the capture
        kind = _failure_kind(exc) if isinstance(exc, TimestampError) else "error"
        message = str(exc) if isinstance(exc, TimestampError) else f"{type(exc).__name__}: {exc}"
        message = message.replace(url, redact_url_credentials(url))
        return Failure(
            redact_url_credentials(url), kind, message, rfc3339(requested), rfc3339(utc_now())
        )
    received = utc_now()
    info = parse_response(token.response_der)  # parsed once already: cannot fail now
    accuracy = None
    if info.accuracy is not None:
        accuracy = round(info.accuracy / timedelta(milliseconds=1))
    return Obtained(token, requested, received, accuracy)


def _failure_kind(exc: TimestampError) -> str:
    if isinstance(exc, TimestampMismatch):
        return f"mismatch-{exc.field}"
    if isinstance(exc, TimestampRejected):
        return "rejected"
    if isinstance(exc, TimestampTransportError):
        return "transport"
    if isinstance(exc, TimestampFormatError):
        return "malformed"
    return "error"


def token_entry(
    got: Obtained,
    tsq: str,
    tsr: str,
    tsq_sha: str,
    tsr_sha: str,
    digest_hex: str,
    *,
    digest_key: str = "manifest_sha256",
) -> dict[str, Any]:
    """How an obtained token is described: in timestamps.json and timestamp.json, and (with
    `digest_key` "package_json_sha256") in an evidence package's package-timestamps.json."""
    gen_time = got.token.gen_time
    entry: dict[str, Any] = {
        "tsa_url": redact_url_credentials(got.token.tsa_url),
        "tsq": tsq,
        "tsq_sha256": tsq_sha,
        "tsr": tsr,
        "tsr_sha256": tsr_sha,
        "gen_time": rfc3339(gen_time),
        "serial": str(got.token.serial),
        "policy": got.token.policy,
        "nonce": f"{got.token.nonce:x}",
        "accuracy_ms": got.accuracy_ms,
        digest_key: digest_hex,
        "requested_at": rfc3339(got.requested_at),
        "received_at": rfc3339(got.received_at),
    }
    low, high = token_window(entry)
    entry["skew_ms"] = skew_ms(gen_time, low, high)
    return entry


def stamp_capture(writer: CaptureWriter, settings: TsaSettings) -> list[dict[str, Any]]:
    """Between writing the manifest and sealing: tokens over it, and `timestamps.json`.

    Returns the token entries as written in timestamps.json (see `records_from_document`).
    """
    digest_hex, _ = sha256_file(writer.manifest_path)
    digest = bytes.fromhex(digest_hex)
    tokens: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for url in settings.urls:
        got = obtain(digest, url, settings.timeout)
        if isinstance(got, Failure):
            failures.append(got.as_dict())
            continue
        tsq, tsr = token_file_names(len(tokens) + 1)
        q = writer.write_sealed(tsq, got.token.request_der, QUERY_MEDIA)
        r = writer.write_sealed(tsr, got.token.response_der, REPLY_MEDIA)
        tokens.append(token_entry(got, tsq, tsr, q.sha256, r.sha256, digest_hex))
    document = {
        "timestamps_version": TIMESTAMPS_VERSION,
        "capture_id": writer.capture_id,
        "manifest": {"file": MANIFEST, "sha256": digest_hex},
        "requested": [redact_url_credentials(u) for u in settings.urls],
        "tokens": tokens,
        "failures": failures,
        "note": (
            "RFC 3161 time-stamp tokens over the SHA-256 of manifest.json, requested after it "
            "was written. These files are not listed in manifest.json (they did not exist "
            "yet); SHA256SUMS lists them. Check a token: openssl ts -verify -in manifest.tsr "
            "-data manifest.json -CAfile <the TSA's CA certificate>."
        ),
    }
    writer.write_sealed(TIMESTAMPS, pretty_json(document), "application/json")
    return tokens


def records_from_document(
    document: dict[str, Any], capture_id: str, folder: str
) -> list[TimestampRecord]:
    """TimestampRecords from a capture's timestamps.json."""
    return [record_from_entry(e, capture_id, folder) for e in document.get("tokens") or []]


def record_from_entry(
    entry: dict[str, Any], capture_id: str, folder: str, *, late: bool = False
) -> TimestampRecord:
    """One token's entry (in timestamps.json, or a late timestamp.json) as a record."""
    return TimestampRecord(
        capture_id=capture_id,
        folder=folder,
        tsq=entry["tsq"],
        tsr=entry["tsr"],
        tsq_sha256=entry["tsq_sha256"],
        tsr_sha256=entry["tsr_sha256"],
        tsa_url=entry["tsa_url"],
        gen_time=entry["gen_time"],
        serial=str(entry["serial"]),
        policy=entry["policy"],
        nonce=entry["nonce"],
        accuracy_ms=entry.get("accuracy_ms"),
        manifest_sha256=entry["manifest_sha256"],
        requested_at=entry["requested_at"],
        received_at=entry["received_at"],
        late=late,
    )


def read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CollectorError(f"{path}: not readable JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise CollectorError(f"{path}: not a JSON object")
    return value


# --------------------------------------------------------------------------- checking


NOT_CHECKED: VerifyStatus = "not_checked"


@dataclass(frozen=True)
class TokenVerdict:
    """One stored token, as checked: `pass`, `fail` or `not_checked` (the one vocabulary of
    collector.evidence.rfc3161 `VerifyStatus`), why, and the file the verdict is about."""

    status: VerifyStatus
    message: str
    about: str  # the .tsr, its .tsq, or the stamped file


def check_token(
    entry: Mapping[str, Any],
    files: Mapping[str, bytes],
    digest: bytes,
    *,
    subject: str,
    record: str,
    tsa_ca: Path | None,
) -> TokenVerdict:
    """Check a stored token against its record (`token_entry`'s shape), offline first.

    `files`: the token files by the names the record gives; `digest`: SHA-256 of the stamped
    file (`subject`, e.g. manifest.json); `record`: the file the entry comes from, for
    messages. Checks the files' hashes against the record, the request's imprint and nonce,
    the reply's imprint and nonce against them, serial and genTime; with `tsa_ca`, the TSA's
    signature with `openssl ts -verify` as of genTime (a token stays valid after its TSA
    certificate expires). Without `tsa_ca` the result is `not_checked`, never `pass`.
    Shared by `collector verify` (captures) and `collector verify-package` (packages).
    """
    tsq, tsr = str(entry.get("tsq")), str(entry.get("tsr"))

    def verdict(status: VerifyStatus, message: str, about: str = tsr) -> TokenVerdict:
        return TokenVerdict(status, message, about)

    for name, key in ((tsq, "tsq_sha256"), (tsr, "tsr_sha256")):
        if name not in files:
            return verdict("fail", f"missing (listed in {record})", name)
        if sha256_bytes(files[name]) != entry.get(key):
            return verdict("fail", f"SHA-256 differs from {record} (file changed)", name)
    try:
        request = parse_request(files[tsq])
    except TimestampError as exc:
        return verdict("fail", str(exc), tsq)
    try:
        info = parse_response(files[tsr])
    except TimestampError as exc:
        return verdict("fail", str(exc))
    if info.hash_algorithm != SHA256_OID or info.hashed_message != digest:
        return verdict(
            "fail",
            f"not a token over this {subject} (its imprint is {info.hashed_message.hex()}, "
            f"SHA-256 of {subject} is {digest.hex()})",
        )
    if request.hash_algorithm != SHA256_OID or request.hashed_message != digest:
        return verdict("fail", f"not a request over this {subject}", tsq)
    if request.nonce is None or f"{request.nonce:x}" != entry.get("nonce"):
        return verdict("fail", f"its nonce is not the one {record} records", tsq)
    try:
        check_matches(info, digest, request.nonce)
    except TimestampError as exc:
        return verdict("fail", f"does not answer {tsq}: {exc}")
    if str(info.serial) != str(entry.get("serial")) or rfc3339(info.gen_time) != entry.get(
        "gen_time"
    ):
        return verdict("fail", f"serial or genTime differ from {record}")
    if tsa_ca is None:
        return verdict(
            NOT_CHECKED,
            f"imprint and nonce match {subject} and {tsq}; signature not checked "
            "(give --tsa-ca, the TSA's CA file)",
        )
    with tempfile.TemporaryDirectory(prefix="collector-verify-") as tmp:
        token_path = Path(tmp, "token.tsr")
        token_path.write_bytes(files[tsr])
        try:
            checked = verify_token(token_path, digest, tsa_ca, at_time=info.gen_time)
        except TimestampError as exc:
            return verdict("fail", str(exc))
    return verdict(checked.status, f"openssl ts -verify: {checked.message}")


# --------------------------------------------------------------------------- later


def late_folders(store: EvidenceStore, capture_id: str) -> list[Path]:
    """`<store>/timestamps/<capture-id>/<NNN>` folders, in order (temporary ones skipped)."""
    base = store.timestamps_dir / capture_id
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and _LATE_NAME.fullmatch(p.name))


def stored_records(store: EvidenceStore, capture_id: str, folder: Path) -> list[TimestampRecord]:
    """Every token on disk for a capture: in its folder, then the later ones."""
    records: list[TimestampRecord] = []
    if (folder / TIMESTAMPS).is_file():
        document = read_json(folder / TIMESTAMPS)
        records += records_from_document(document, capture_id, store.relative(folder))
    for late in late_folders(store, capture_id):
        if (late / LATE_RECORD).is_file():
            document = read_json(late / LATE_RECORD)
            records.append(record_from_entry(document, capture_id, store.relative(late), late=True))
    return records


@dataclass(frozen=True)
class LateResult:
    """What `collector timestamp` did for one capture."""

    capture_id: str
    records: tuple[TimestampRecord, ...] = ()  # tokens obtained now: the custody seam
    failures: tuple[Failure, ...] = ()
    skipped: str | None = None  # why nothing was asked


def stamp_later(
    store: EvidenceStore,
    capture_id: str,
    folder: Path,
    indexed_manifest_sha256: str,
    settings: TsaSettings,
) -> LateResult:
    """Ask each TSA for a token over a sealed capture's manifest; store the ones obtained."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise CollectorError(f"{store.relative(folder)}/{MANIFEST} is missing")
    digest_hex, _ = sha256_file(manifest)
    if digest_hex != indexed_manifest_sha256:
        raise CollectorError(
            f"{store.relative(folder)}/{MANIFEST} does not match the SHA-256 indexed when it "
            "was filed; run `collector verify` — refusing to timestamp it"
        )
    digest = bytes.fromhex(digest_hex)
    records: list[TimestampRecord] = []
    failures: list[Failure] = []
    for url in settings.urls:
        got = obtain(digest, url, settings.timeout)
        if isinstance(got, Failure):
            failures.append(got)
            continue
        records.append(_write_late(store, capture_id, got, digest_hex))
    return LateResult(capture_id, tuple(records), tuple(failures))


def _write_late(
    store: EvidenceStore, capture_id: str, got: Obtained, digest_hex: str
) -> TimestampRecord:
    base = store.timestamps_dir / capture_id
    try:
        base.mkdir(parents=True, exist_ok=True)
        tmp = base / f".incoming-{secrets.token_hex(4)}"
        tmp.mkdir()
    except OSError as exc:
        raise CollectorError(f"cannot write under {base}: {exc.strerror or exc}") from exc
    try:
        tsq, tsr = token_file_names(1)
        tsq_sha = _write_file(tmp / tsq, got.token.request_der)
        tsr_sha = _write_file(tmp / tsr, got.token.response_der)
        entry = {
            "timestamps_version": TIMESTAMPS_VERSION,
            "capture_id": capture_id,
            **token_entry(got, tsq, tsr, tsq_sha, tsr_sha, digest_hex),
            "note": (
                "An RFC 3161 token over the capture's manifest.json, obtained after the capture "
                "folder was sealed (collector timestamp). It proves the manifest existed by "
                "gen_time. Check: openssl ts -verify -in manifest.tsr -data "
                "<capture folder>/manifest.json -CAfile <the TSA's CA certificate>."
            ),
        }
        record_sha = _write_file(tmp / LATE_RECORD, pretty_json(entry))
        sums = format_sums([(tsq, tsq_sha), (tsr, tsr_sha), (LATE_RECORD, record_sha)])
        _write_file(tmp / SUMS, sums)
        final = _rename_numbered(tmp, base)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    make_read_only(final)
    return record_from_entry(entry, capture_id, store.relative(final), late=True)


def _write_file(path: Path, data: bytes) -> str:
    with path.open("xb") as fh:
        writer = HashingWriter(fh)
        writer.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return writer.hexdigest()


def _rename_numbered(tmp: Path, base: Path) -> Path:
    """Rename `tmp` to the next free NNN under `base`; never onto an existing folder."""
    numbers = [int(p.name) for p in base.iterdir() if _LATE_NAME.fullmatch(p.name)]
    n = max(numbers, default=0) + 1
    for _ in range(100):
        final = base / f"{n:03d}"
        if not final.exists():
            try:
                os.rename(tmp, final)  # fails on an existing non-empty folder
                return final
            except OSError:
                pass
        n += 1
    raise CollectorError(f"cannot find a free folder name under {base}")
