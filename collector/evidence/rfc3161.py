"""RFC 3161 trusted timestamps: request, parse, and verify (via `openssl ts`).

We build the TimeStampReq and read the TimeStampResp ourselves (collector.evidence.der)
so the runtime needs no crypto library. We do *not* check the CMS signature
here: that is `verify_token`'s job, delegated to the openssl command line,
so that the check a hearing relies on is one anybody can repeat by hand.
"""

from __future__ import annotations

import http.client
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from collector.evidence import der

SHA256_OID = "2.16.840.1.101.3.4.2.1"
SIGNED_DATA_OID = "1.2.840.113549.1.7.2"
TST_INFO_OID = "1.2.840.113549.1.9.16.1.4"

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"

# A reply is a few KB (token + certificate chain); anything far larger is not one.
MAX_REPLY_BYTES = 1 << 20
OPENSSL_TIMEOUT = 30.0

PKI_STATUS = {
    0: "granted",
    1: "grantedWithMods",
    2: "rejection",
    3: "waiting",
    4: "revocationWarning",
    5: "revocationNotification",
}
PKI_FAILURE_INFO = {
    0: "badAlg (unrecognized or unsupported algorithm)",
    2: "badRequest (transaction not permitted or supported)",
    5: "badDataFormat (data submitted has the wrong format)",
    14: "timeNotAvailable (TSA's time source is not available)",
    15: "unacceptedPolicy (requested TSA policy is not supported)",
    16: "unacceptedExtension (requested extension is not supported)",
    17: "addInfoNotAvailable (additional information not available)",
    25: "systemFailure (request cannot be handled due to system failure)",
}


class TimestampError(Exception):
    """Anything that went wrong getting, reading or verifying a timestamp."""


class TimestampTransportError(TimestampError):
    """The TSA could not be reached, timed out, or answered with something not a reply."""


class TimestampFormatError(TimestampError):
    """The bytes are not a well-formed TimeStampResp / TimeStampToken."""


class TimestampRejected(TimestampError):
    """The TSA answered with a PKIStatus other than granted / grantedWithMods."""

    def __init__(self, message: str, status: int, status_text: str, fail_info: tuple[str, ...]):
        super().__init__(message)
        self.status = status
        self.status_text = status_text
        self.fail_info = fail_info


MismatchField = Literal["imprint", "nonce"]


class TimestampMismatch(TimestampError):
    """The token does not answer our request (imprint or nonce differ)."""

    def __init__(self, message: str, field: MismatchField):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TstInfo:
    """The signed content of a token (RFC 3161 section 2.4.2), as far as we use it."""

    version: int
    policy: str
    hash_algorithm: str  # OID, dotted
    hashed_message: bytes
    serial: int
    gen_time: datetime  # UTC
    accuracy: timedelta | None
    ordering: bool
    nonce: int | None
    status: int  # PKIStatus of the enclosing response: 0 or 1


@dataclass(frozen=True)
class TimestampToken:
    """A granted timestamp and the exact bytes exchanged, kept as evidence."""

    tsa_url: str
    request_der: bytes  # the .tsq we sent
    response_der: bytes  # the .tsr we received, byte for byte
    gen_time: datetime  # UTC
    serial: int
    policy: str
    nonce: int


VerifyStatus = Literal["pass", "fail", "not_checked"]


@dataclass(frozen=True)
class VerifyResult:
    status: VerifyStatus
    message: str
    command: tuple[str, ...] = ()  # the openssl invocation, for anyone repeating it


# --------------------------------------------------------------------------- request


def _check_digest(digest: bytes) -> None:
    if not isinstance(digest, bytes) or len(digest) != 32:
        size = len(digest) if isinstance(digest, bytes) else type(digest).__name__
        raise TimestampError(f"digest must be 32 bytes of SHA-256, got {size}")


def _new_nonce() -> int:
    # 64 random bits, never 0: some TSAs treat a zero nonce as absent.
    return secrets.randbelow((1 << 64) - 1) + 1


def build_request(
    digest: bytes, nonce: int | None = None, cert_req: bool = True
) -> tuple[bytes, int]:
    """DER TimeStampReq for a SHA-256 digest; returns (request bytes, nonce used)."""
    _check_digest(digest)
    if nonce is None:
        nonce = _new_nonce()
    elif nonce < 0:
        raise TimestampError(f"nonce must not be negative, got {nonce}")
    imprint = der.sequence(
        der.sequence(der.oid(SHA256_OID), der.null()),
        der.octet_string(digest),
    )
    fields = [der.integer(1), imprint, der.integer(nonce)]
    if cert_req:  # DEFAULT FALSE: DER forbids encoding the default
        fields.append(der.boolean(True))
    return der.sequence(*fields), nonce


# --------------------------------------------------------------------------- response


def _status_text(status_info: der.Element) -> tuple[int, str, tuple[str, ...]]:
    parts = status_info.expect(der.SEQUENCE, "PKIStatusInfo").children()
    if not parts:
        raise der.DerError("empty PKIStatusInfo")
    status = parts[0].expect(der.INTEGER, "PKIStatus").as_int()
    texts: list[str] = []
    fail_info: tuple[str, ...] = ()
    for part in parts[1:]:
        if part.is_universal(der.SEQUENCE):  # PKIFreeText: SEQUENCE OF UTF8String
            texts.extend(s.as_text() for s in part.children())
        elif part.is_universal(der.BIT_STRING):
            fail_info = tuple(
                PKI_FAILURE_INFO.get(bit, f"failure bit {bit}") for bit in sorted(part.as_bits())
            )
    return status, "; ".join(texts), fail_info


def _accuracy(element: der.Element) -> timedelta:
    seconds = millis = micros = 0
    for part in element.children():
        if part.is_universal(der.INTEGER):
            seconds = part.as_int()
        elif part.is_context(0):
            millis = part.as_int()
        elif part.is_context(1):
            micros = part.as_int()
    return timedelta(seconds=seconds, milliseconds=millis, microseconds=micros)


def _message_imprint(element: der.Element) -> tuple[str, bytes]:
    """MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET
    STRING }, as both a request and a token carry it: (algorithm OID, digest)."""
    imprint = element.expect(der.SEQUENCE, "messageImprint").children()
    if len(imprint) != 2:
        raise der.DerError("messageImprint must have 2 fields")
    algorithm = imprint[0].expect(der.SEQUENCE, "hashAlgorithm").children()
    if not algorithm:
        raise der.DerError("empty hashAlgorithm")
    oid = algorithm[0].expect(der.OBJECT_IDENTIFIER, "hashAlgorithm").as_oid()
    return oid, imprint[1].expect(der.OCTET_STRING, "hashedMessage").content


def _parse_tst_info(content: bytes, status: int) -> TstInfo:
    fields = der.decode(content).expect(der.SEQUENCE, "TSTInfo").children()
    if len(fields) < 5:
        raise der.DerError(f"TSTInfo has {len(fields)} fields, needs at least 5")
    version = fields[0].expect(der.INTEGER, "TSTInfo.version").as_int()
    policy = fields[1].expect(der.OBJECT_IDENTIFIER, "TSTInfo.policy").as_oid()
    hash_algorithm, hashed_message = _message_imprint(fields[2])
    serial = fields[3].expect(der.INTEGER, "serialNumber").as_int()
    gen_time = fields[4].expect(der.GENERALIZED_TIME, "genTime").as_generalized_time()
    accuracy: timedelta | None = None
    ordering = False
    nonce: int | None = None
    for field in fields[5:]:
        if field.is_universal(der.SEQUENCE):
            accuracy = _accuracy(field)
        elif field.is_universal(der.BOOLEAN):
            ordering = field.as_bool()
        elif field.is_universal(der.INTEGER):
            nonce = field.as_int()
        # [0] tsa name and [1] extensions are not needed for our checks.
    return TstInfo(
        version=version,
        policy=policy,
        hash_algorithm=hash_algorithm,
        hashed_message=hashed_message,
        serial=serial,
        gen_time=gen_time,
        accuracy=accuracy,
        ordering=ordering,
        nonce=nonce,
        status=status,
    )


def _encapsulated_tst_info(token: der.Element) -> bytes:
    """From a CMS ContentInfo holding SignedData, the TSTInfo DER inside eContent."""
    content_info = token.expect(der.SEQUENCE, "TimeStampToken").children()
    if len(content_info) != 2:
        raise der.DerError("ContentInfo must have 2 fields")
    content_type = content_info[0].expect(der.OBJECT_IDENTIFIER, "contentType").as_oid()
    if content_type != SIGNED_DATA_OID:
        raise der.DerError(f"token content type is {content_type}, not SignedData")
    wrapper = content_info[1]
    if not wrapper.is_context(0):
        raise der.DerError("ContentInfo content is not [0] EXPLICIT")
    signed = der.decode(wrapper.content).expect(der.SEQUENCE, "SignedData").children()
    if len(signed) < 4:
        raise der.DerError("SignedData is too short")
    encap = signed[2].expect(der.SEQUENCE, "encapContentInfo").children()
    if len(encap) != 2:
        raise der.DerError("encapContentInfo has no eContent")
    e_type = encap[0].expect(der.OBJECT_IDENTIFIER, "eContentType").as_oid()
    if e_type != TST_INFO_OID:
        raise der.DerError(f"eContentType is {e_type}, not id-ct-TSTInfo")
    if not encap[1].is_context(0):
        raise der.DerError("eContent is not [0] EXPLICIT")
    return der.decode(encap[1].content).expect(der.OCTET_STRING, "eContent").content


def parse_response(tsr: bytes) -> TstInfo:
    """Read a TimeStampResp (.tsr). Raises TimestampRejected if not granted.

    Does not check the signature: see `verify_token`.
    """
    try:
        parts = der.decode(tsr).expect(der.SEQUENCE, "TimeStampResp").children()
        if not parts:
            raise der.DerError("empty TimeStampResp")
        status, text, fail_info = _status_text(parts[0])
    except der.DerError as exc:
        raise TimestampFormatError(f"not a timestamp reply: {exc}") from exc
    if status not in (0, 1):
        name = PKI_STATUS.get(status, "unknown status")
        detail = "; ".join(x for x in (text, ", ".join(fail_info)) if x) or "no reason given"
        raise TimestampRejected(
            f"TSA refused the timestamp: status {status} ({name}): {detail}",
            status,
            text,
            fail_info,
        )
    try:
        if len(parts) < 2:
            raise der.DerError("status granted but no timeStampToken")
        return _parse_tst_info(_encapsulated_tst_info(parts[1]), status)
    except der.DerError as exc:
        raise TimestampFormatError(f"malformed timestamp token: {exc}") from exc


@dataclass(frozen=True)
class TsqInfo:
    """What a stored request (.tsq) asked for: enough to check a stored reply against it."""

    hash_algorithm: str  # OID, dotted
    hashed_message: bytes
    nonce: int | None
    cert_req: bool


def parse_request(tsq: bytes) -> TsqInfo:
    """Read a TimeStampReq (.tsq) as `build_request` (or `openssl ts -query`) writes it."""
    try:
        fields = der.decode(tsq).expect(der.SEQUENCE, "TimeStampReq").children()
        if len(fields) < 2:
            raise der.DerError(f"TimeStampReq has {len(fields)} fields, needs at least 2")
        fields[0].expect(der.INTEGER, "TimeStampReq.version")
        hash_algorithm, hashed_message = _message_imprint(fields[1])
        nonce: int | None = None
        cert_req = False
        for field in fields[2:]:  # reqPolicy OID, nonce INTEGER, certReq BOOLEAN, [0] extensions
            if field.is_universal(der.INTEGER):
                nonce = field.as_int()
            elif field.is_universal(der.BOOLEAN):
                cert_req = field.as_bool()
    except der.DerError as exc:
        raise TimestampFormatError(f"not a timestamp request: {exc}") from exc
    return TsqInfo(hash_algorithm, hashed_message, nonce, cert_req)


def check_matches(info: TstInfo, digest: bytes, nonce: int) -> None:
    """Raise TimestampMismatch unless `info` answers a request for (digest, nonce)."""
    if info.hash_algorithm != SHA256_OID:
        raise TimestampMismatch(
            f"message imprint algorithm is {info.hash_algorithm}, not sha256 ({SHA256_OID})",
            "imprint",
        )
    if info.hashed_message != digest:
        raise TimestampMismatch(
            f"message imprint differs: token has {info.hashed_message.hex()}, "
            f"we sent {digest.hex()}",
            "imprint",
        )
    if info.nonce is None:
        raise TimestampMismatch(f"nonce missing from token; we sent {nonce:#x}", "nonce")
    if info.nonce != nonce:
        raise TimestampMismatch(
            f"nonce differs: token has {info.nonce:#x}, we sent {nonce:#x}", "nonce"
        )


# --------------------------------------------------------------------------- network


def _post(url: str, body: bytes, timeout: float) -> bytes:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": QUERY_TYPE,
            "Accept": REPLY_TYPE,
            "User-Agent": "collector (RFC 3161 client)",
        },
    )
    # urllib's timeout is per socket operation; a TSA that drips its body could
    # stretch it forever, so reading the body also has an overall deadline.
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            if content_type != REPLY_TYPE:
                raise TimestampTransportError(
                    f"TSA {url} answered with Content-Type {content_type!r}, "
                    f"expected {REPLY_TYPE!r}"
                )
            chunks: list[bytes] = []
            size = 0
            # read1: at most one recv per call, so the deadline is checked often.
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise TimestampTransportError(
                        f"TSA {url} sent more than {MAX_REPLY_BYTES} bytes: not a timestamp reply"
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        raise TimestampTransportError(f"TSA {url} answered HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise TimestampTransportError(f"TSA {url} timed out after {timeout:g} s") from exc
        raise TimestampTransportError(f"cannot reach TSA {url}: {exc.reason}") from exc
    except TimeoutError as exc:
        raise TimestampTransportError(f"TSA {url} timed out after {timeout:g} s") from exc
    except http.client.HTTPException as exc:
        raise TimestampTransportError(
            f"TSA {url} sent a broken HTTP response: {type(exc).__name__}: {exc}"
        ) from exc
    except (OSError, ValueError) as exc:
        # OSError: connection reset and friends; ValueError: a malformed URL.
        raise TimestampTransportError(f"TSA {url}: {type(exc).__name__}: {exc}") from exc


def request_token(data_digest: bytes, url: str, timeout: float = 10) -> TimestampToken:
    """Ask the TSA at `url` to timestamp a SHA-256 digest; check the answer fits.

    The token's signature is not verified here (see `verify_token`), but it
    must be a granted reply over our digest carrying our nonce.
    """
    _check_digest(data_digest)
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise TimestampError(f"TSA URL must be http or https, got {url!r}")
    if timeout <= 0:
        raise TimestampError(f"timeout must be positive, got {timeout}")
    tsq, nonce = build_request(data_digest)
    tsr = _post(url, tsq, timeout)
    # Re-raise with the URL in the message: a run may use several TSAs.
    try:
        info = parse_response(tsr)
        check_matches(info, data_digest, nonce)
    except TimestampRejected as exc:
        raise TimestampRejected(
            f"TSA {url}: {exc}", exc.status, exc.status_text, exc.fail_info
        ) from exc
    except TimestampMismatch as exc:
        raise TimestampMismatch(f"TSA {url}: {exc}", exc.field) from exc
    except TimestampFormatError as exc:
        raise TimestampFormatError(f"TSA {url}: {exc}") from exc
    return TimestampToken(
        tsa_url=url,
        request_der=tsq,
        response_der=tsr,
        gen_time=info.gen_time,
        serial=info.serial,
        policy=info.policy,
        nonce=nonce,
    )


# --------------------------------------------------------------------------- verify


def _openssl_message(output: str) -> str:
    """The useful part of openssl's chatter: drop config noise, shorten error lines."""
    lines: list[str] = []
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith("Using configuration from"):
            continue
        # OpenSSL 3 error lines are `id:error:code:library:function:reason:file:line:data`;
        # only the reason and the data mean anything to a reader.
        fields = line.split(":")
        if len(fields) >= 6 and fields[1] == "error":
            line = fields[5] or fields[4]
            extra = ":".join(fields[8:]).strip(": ")
            if extra:
                line += f" ({extra})"
        if line not in lines:
            lines.append(line)
    return "; ".join(lines) or "no output"


def verify_token(
    tsr_path: Path,
    data: Path | bytes,
    ca_file: Path | None,
    untrusted: Path | None = None,
    *,
    at_time: datetime | None = None,
    timeout: float = OPENSSL_TIMEOUT,
) -> VerifyResult:
    """Check a stored .tsr with `openssl ts -verify`.

    `data` is the timestamped file (Path) or its SHA-256 digest (bytes).
    `untrusted` holds TSA/intermediate certificates if the token lacks them.
    `at_time` checks certificates as of that moment (e.g. the token's genTime)
    instead of now, for tokens whose TSA certificate has since expired.
    Missing input files raise TimestampError; no openssl or no CA file gives
    "not_checked", never "pass".
    """
    if at_time is not None and at_time.tzinfo is None:
        raise TimestampError("at_time is a naive datetime: refusing to guess its time zone")
    # Absolute paths: a relative name starting with "-" would read as an option,
    # and the recorded command should work from any directory.
    paths: dict[str, Path] = {}
    for label, path in (("token", tsr_path), ("CA file", ca_file), ("untrusted", untrusted)):
        if path is None:
            continue
        if not Path(path).is_file():
            raise TimestampError(f"{label} {path} does not exist")
        paths[label] = Path(path).resolve()
    if isinstance(data, bytes):
        _check_digest(data)
        data_args = ["-digest", data.hex()]
    else:
        if not Path(data).is_file():
            raise TimestampError(f"data file {data} does not exist")
        data_args = ["-data", str(Path(data).resolve())]

    openssl = shutil.which("openssl")
    if openssl is None:
        return VerifyResult("not_checked", "openssl command not found on PATH")
    if "CA file" not in paths:
        return VerifyResult(
            "not_checked", "no CA file given, so the TSA's signature chain cannot be checked"
        )
    command = ["openssl", "ts", "-verify", "-in", str(paths["token"]), *data_args]
    command += ["-CAfile", str(paths["CA file"])]
    if "untrusted" in paths:
        command += ["-untrusted", str(paths["untrusted"])]
    if at_time is not None:
        command += ["-attime", str(int(at_time.timestamp()))]
    try:
        completed = subprocess.run(
            [openssl, *command[1:]],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return VerifyResult(
            "not_checked", f"openssl ts -verify did not finish in {timeout:g} s", tuple(command)
        )
    except OSError as exc:
        return VerifyResult("not_checked", f"cannot run openssl: {exc}", tuple(command))
    message = _openssl_message(completed.stdout + "\n" + completed.stderr)
    # Belt and braces: require both the exit status and the OK line.
    if completed.returncode == 0 and "Verification: OK" in completed.stdout:
        return VerifyResult("pass", message, tuple(command))
    return VerifyResult("fail", message, tuple(command))
