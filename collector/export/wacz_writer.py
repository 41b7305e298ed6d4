"""WACZ 1.1.1 package writer (stdlib zipfile), with optional anonymous signing via openssl.

Package layout (https://specs.webrecorder.net/wacz/1.1.1/):

    archive/<name>.warc.gz     ZIP_STORED so replay tools can range-read records
    indexes/index.cdx          sorted CDXJ built from the writer's summaries (no re-reading).
                               The name is what both replay tools look for: pywb's `wb-manager
                               add --unpack-wacz` imports `*.cdx`/`*.cdx.gz` only (not .cdxj),
                               and ReplayWeb.page (wabac.js) loads a plain `*.cdx`/`*.cdxj`, or
                               a `.cdx.gz` only through a ZipNum `.idx` beside it
    pages/pages.jsonl          header line, then one page per line
    datapackage.json           Frictionless data package: every file's sha256 and size
    datapackage-digest.json    sha256 of datapackage.json, optionally signed

Signing follows the "anonymous" form of https://specs.webrecorder.net/wacz-auth/0.1.0/ as
ArchiveWeb.page writes and py-wacz's verifiers read it: ECDSA over SHA-256 of the UTF-8 string
`sha256:<hex of datapackage.json>`, with an EC P-384 key; `signature` is base64 of raw r||s
(48+48 bytes, the WebCrypto form), `publicKey` base64 of the DER SubjectPublicKeyInfo, and
`created` equal to datapackage.json's `created`. The crypto is done by the `openssl` CLI so the
project needs no crypto library.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from collector.evidence import der, openssl
from collector.evidence.hashing import digest_label, sha256_bytes, sha256_file
from collector.evidence.warc import ArchiveError, WarcSummary
from collector.timeutil import rfc3339

__all__ = [
    "INDEX_PATH",
    "WACZ_VERSION",
    "Page",
    "WaczSummary",
    "WaczWarc",
    "cdxj_index",
    "public_key_b64",
    "surt",
    "verify_wacz_fixity",
    "verify_wacz_signature",
    "write_wacz",
]

WACZ_VERSION = "1.1.1"
INDEX_PATH = "indexes/index.cdx"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}

_INDEXED_TYPES = ("response", "resource", "metadata")  # what cdxj-indexer indexes by default
_WARC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.warc\.gz")
_WWW = re.compile(r"^(https?://)www\d*\.", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# DER SubjectPublicKeyInfo prefix of an uncompressed EC P-384 key:
# SEQUENCE { SEQUENCE { id-ecPublicKey, secp384r1 }, BIT STRING (97 bytes) }.
_P384_SPKI_PREFIX = bytes.fromhex("3076301006072a8648ce3d020106052b81040022036200")
_P384_SIZE = 48
_OPENSSL_TIMEOUT = 60

_ZipTime = tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class Page:
    url: str
    ts: datetime
    title: str | None = None
    id: str | None = None  # derived from url and ts when not given


class WaczWarc(NamedTuple):
    """One WARC to package; a plain `(name, path, summary)` tuple works too."""

    name: str  # file name inside archive/, must end in .warc.gz
    path: Path
    summary: WarcSummary


@dataclass(frozen=True)
class WaczSummary:
    path: Path
    size: int
    sha256: str  # hex digest of the whole .wacz
    datapackage_hash: str  # "sha256:<hex>", as in datapackage-digest.json
    public_key: str | None  # base64 DER SPKI when signed


def surt(url: str) -> str:
    """Sort-friendly URI key as wabac.js computes it, so its lookups find our index lines.

    Lowercased; scheme and a leading `www`/`wwwN` dropped; host labels reversed and joined by
    commas; non-default port kept; `)` before the path; query arguments sorted; fragment dropped.
    Non-HTTP URIs (our `urn:` resources) are returned unchanged.
    """
    if not url.lower().startswith(("http:", "https:")):
        return url
    lower = _WWW.sub(r"\1", url).lower()
    try:
        parts = urlsplit(lower)
        port = parts.port
    except ValueError:
        return lower
    host = (parts.hostname or "").rstrip(".")
    key = ",".join(reversed(host.split(".")))
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        key += f":{port}"
    key += ")" + (parts.path or "/")
    if parts.query:
        key += "?" + "&".join(sorted(parts.query.split("&")))
    return key


def cdxj_index(warcs: Sequence[tuple[str, Path, WarcSummary]]) -> list[str]:
    """Sorted CDXJ lines (without newlines) for the response, resource and metadata records."""
    lines: list[str] = []
    for name, _path, summary in warcs:
        for rec in summary.records:
            if rec.record_type not in _INDEXED_TYPES or rec.uri is None:
                continue
            key = surt(rec.uri)
            fields: dict[str, str] = {"url": rec.uri}
            if rec.mime:
                fields["mime"] = rec.mime
            if rec.status is not None:
                fields["status"] = str(rec.status)
            fields["digest"] = rec.payload_digest or rec.block_digest
            # Strings, as pywb's cdxj-indexer writes them.
            fields["length"] = str(rec.length)
            fields["offset"] = str(rec.offset)
            fields["filename"] = name
            if rec.method is not None and rec.method != "GET":
                # Keep a POST's response from answering a GET lookup of the same URL.
                fields["method"] = rec.method
                key += ("&" if "?" in key else "?") + f"__wb_method={rec.method.lower()}"
            timestamp = rec.date.astimezone(UTC).strftime("%Y%m%d%H%M%S")
            lines.append(f"{key} {timestamp} {json.dumps(fields)}")
    return sorted(lines)


def write_wacz(
    out_path: Path,
    *,
    warcs: Sequence[tuple[str, Path, WarcSummary]],
    pages: Sequence[Page],
    title: str,
    description: str,
    software: str,
    created: datetime,
    main_page: Page | None = None,
    extra: Mapping[str, object] | None = None,
    sign_key: Path | None = None,
) -> WaczSummary:
    """Package WARCs into a WACZ at `out_path` (written to a `.part` file, then renamed).

    `description` is Markdown (plain text is fine). `main_page` defaults to the first page.
    `extra` adds custom top-level datapackage properties (e.g. case details). `sign_key` is a
    PEM EC P-384 private key without passphrase; when given, datapackage-digest.json is signed.
    """
    if created.tzinfo is None:
        raise ArchiveError("created: naive datetime, refusing to guess its time zone")
    if not warcs:
        raise ArchiveError("a WACZ needs at least one WARC")
    names = [name for name, _, _ in warcs]
    for name in names:
        if not _WARC_NAME.fullmatch(name):
            raise ArchiveError(f"WARC name {name!r} must be a plain file name ending in .warc.gz")
    if len({name.lower() for name in names}) != len(names):
        raise ArchiveError(
            "WARC names must be unique (ignoring case: resource names are lowercase)"
        )
    main = main_page or (pages[0] if pages else None)
    stamp = rfc3339(created)
    utc = created.astimezone(UTC)
    zip_time: _ZipTime = (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)

    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            resources = [
                _add_warc(zf, name, path, summary, zip_time) for name, path, summary in warcs
            ]
            index = "".join(line + "\n" for line in cdxj_index(warcs)).encode("utf-8")
            resources.append(_add_bytes(zf, INDEX_PATH, index, zip_time))
            resources.append(_add_bytes(zf, "pages/pages.jsonl", _pages_jsonl(pages), zip_time))

            package: dict[str, object] = {
                "profile": "data-package",
                "wacz_version": WACZ_VERSION,
                "title": title,
                "description": description,
                "created": stamp,
                "software": software,
            }
            if main is not None:
                package["mainPageUrl"] = main.url
                package["mainPageDate"] = rfc3339(_aware(main.ts, main.url))
            for key, value in (extra or {}).items():
                if key in package or key == "resources":
                    raise ArchiveError(f"extra datapackage property {key!r} is reserved")
                package[key] = value
            package["resources"] = resources
            datapackage = _json_bytes(package)
            _add_bytes(zf, "datapackage.json", datapackage, zip_time)

            dp_hash = digest_label(sha256_bytes(datapackage))
            digest: dict[str, object] = {"path": "datapackage.json", "hash": dp_hash}
            public_key = None
            if sign_key is not None:
                signed = _sign(dp_hash, sign_key, created=stamp, software=software)
                public_key = signed["publicKey"]
                digest["signedData"] = signed
            _add_bytes(zf, "datapackage-digest.json", _json_bytes(digest), zip_time)
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

    sha, size = sha256_file(out_path)
    return WaczSummary(out_path, size, sha, dp_hash, public_key)


def public_key_b64(sign_key: Path) -> str:
    """The `publicKey` value a WACZ signed with `sign_key` carries (base64 DER SPKI)."""
    return base64.b64encode(_p384_public_der(sign_key)).decode("ascii")


def verify_wacz_signature(path: Path, *, public_key: str | None = None) -> bool:
    """True only if datapackage-digest.json holds a valid anonymous signature of the package.

    Checks the digest against datapackage.json, `created` against the datapackage, and the
    ECDSA signature with openssl. An anonymous signature only proves possession of *some* key:
    pass `public_key` (base64 DER SPKI) to also require that it is the expected one. Does not
    re-hash the packaged files; `verify_wacz_fixity` does that. Raises ArchiveError when the
    file is not a WACZ at all or openssl is unavailable.
    """
    datapackage, digest_bytes = _read_members(path, "datapackage.json", "datapackage-digest.json")
    expected = digest_label(sha256_bytes(datapackage))
    digest = _json_object(digest_bytes)
    package = _json_object(datapackage)
    signed = digest.get("signedData") if digest is not None else None
    if digest is None or package is None or not isinstance(signed, dict):
        return False
    if digest.get("path") != "datapackage.json" or digest.get("hash") != expected:
        return False
    if signed.get("hash") != expected or signed.get("created") != package.get("created"):
        return False
    key_b64, sig_b64 = signed.get("publicKey"), signed.get("signature")
    if not isinstance(key_b64, str) or not isinstance(sig_b64, str):
        return False
    if public_key is not None and key_b64 != public_key:
        return False
    try:
        key_der = base64.b64decode(key_b64, validate=True)
        raw_sig = base64.b64decode(sig_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    if not raw_sig or len(raw_sig) % 2:
        return False

    with tempfile.TemporaryDirectory(prefix="wacz-verify-") as tmp:
        key_file = Path(tmp, "public.pem")
        sig_file = Path(tmp, "signature.der")
        key_file.write_text(_pem("PUBLIC KEY", key_der), encoding="ascii")
        sig_file.write_bytes(_raw_to_der(raw_sig))
        result = _run_openssl(
            ["dgst", "-sha256", "-verify", str(key_file), "-signature", str(sig_file)],
            data=expected.encode("utf-8"),
        )
    return result.returncode == 0


def verify_wacz_fixity(path: Path) -> list[str]:
    """Problems found re-hashing every packaged file against datapackage.json; [] if none."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"{path}: not a readable ZIP: {exc}") from exc
    problems: list[str] = []
    with zf:
        members = set(zf.namelist())
        if "datapackage.json" not in members:
            return ["datapackage.json is missing"]
        datapackage = zf.read("datapackage.json")
        package = _json_object(datapackage)
        resources = package.get("resources") if package is not None else None
        if not isinstance(resources, list):
            return ["datapackage.json has no resources list"]
        listed: set[str] = set()
        for res in resources:
            if not isinstance(res, dict) or not isinstance(res.get("path"), str):
                problems.append(f"malformed resource entry {res!r}")
                continue
            name = res["path"]
            listed.add(name)
            if name not in members:
                problems.append(f"{name}: listed but missing")
                continue
            h = hashlib.sha256()
            size = 0
            with zf.open(name) as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
            if res.get("hash") != digest_label(h.hexdigest()):
                problems.append(f"{name}: sha256 does not match datapackage.json")
            if res.get("bytes") != size:
                problems.append(f"{name}: size does not match datapackage.json")
        for name in sorted(members - listed - {"datapackage.json", "datapackage-digest.json"}):
            problems.append(f"{name}: present but not listed in datapackage.json")
        if "datapackage-digest.json" in members:
            digest = _json_object(zf.read("datapackage-digest.json"))
            expected = digest_label(sha256_bytes(datapackage))
            if digest is None or digest.get("hash") != expected:
                problems.append("datapackage-digest.json does not match datapackage.json")
    return problems


# --- zip members -------------------------------------------------------------------------


def _zip_info(name: str, zip_time: _ZipTime, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=zip_time)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def _add_warc(
    zf: zipfile.ZipFile, name: str, path: Path, summary: WarcSummary, zip_time: _ZipTime
) -> dict[str, object]:
    arcname = f"archive/{name}"
    info = _zip_info(arcname, zip_time, zipfile.ZIP_STORED)
    try:
        info.file_size = path.stat().st_size  # lets zipfile pick ZIP64 up front when needed
        h = hashlib.sha256()
        with path.open("rb") as src, zf.open(info, "w") as dst:
            while chunk := src.read(1 << 20):
                h.update(chunk)
                dst.write(chunk)
    except OSError as exc:
        raise ArchiveError(f"cannot package {path}: {exc}") from exc
    # The index offsets come from the summary: refuse a WARC that is not the one described.
    if h.hexdigest() != summary.sha256 or info.file_size != summary.size:
        raise ArchiveError(f"{path} does not match its WarcSummary (sha256 or size differ)")
    return _resource(arcname, h.hexdigest(), info.file_size)


def _add_bytes(
    zf: zipfile.ZipFile, name: str, data: bytes, zip_time: _ZipTime
) -> dict[str, object]:
    zf.writestr(_zip_info(name, zip_time, zipfile.ZIP_DEFLATED), data)
    return _resource(name, sha256_bytes(data), len(data))


def _resource(path: str, hexdigest: str, size: int) -> dict[str, object]:
    # Frictionless resource names: lowercase, [-a-z0-9._/].
    name = re.sub(r"[^-a-z0-9._/]", "-", path.rsplit("/", 1)[-1].lower())
    return {"name": name, "path": path, "hash": digest_label(hexdigest), "bytes": size}


def _pages_jsonl(pages: Sequence[Page]) -> bytes:
    lines = [json.dumps(PAGES_HEADER, ensure_ascii=False)]
    for page in pages:
        ts = rfc3339(_aware(page.ts, page.url))
        page_id = page.id or hashlib.sha256(f"{ts} {page.url}".encode()).hexdigest()[:16]
        entry: dict[str, str] = {"id": page_id, "url": page.url, "ts": ts}
        if page.title is not None:
            entry["title"] = page.title
        lines.append(json.dumps(entry, ensure_ascii=False))
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _json_bytes(value: object) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ArchiveError(f"not JSON-serialisable: {exc}") from exc


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _read_members(path: Path, *names: str) -> list[bytes]:
    try:
        with zipfile.ZipFile(path) as zf:
            return [zf.read(name) for name in names]
    except KeyError as exc:
        raise ArchiveError(f"{path}: not a WACZ, missing {exc}") from exc
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"{path}: not a readable ZIP: {exc}") from exc


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ArchiveError(f"{what}: naive datetime, refusing to guess its time zone")
    return moment


# --- signing -----------------------------------------------------------------------------


def _sign(dp_hash: str, key: Path, *, created: str, software: str) -> dict[str, str]:
    public_der = _p384_public_der(key)
    # -passin pass: makes an encrypted key fail instead of prompting on the terminal.
    result = _run_openssl(
        ["dgst", "-sha256", "-sign", str(key), "-passin", "pass:"], data=dp_hash.encode("utf-8")
    )
    if result.returncode != 0:
        raise ArchiveError(f"openssl could not sign with {key}: {openssl.stderr_of(result)}")
    raw = _der_to_raw(result.stdout, _P384_SIZE)
    return {
        "hash": dp_hash,
        "signature": base64.b64encode(raw).decode("ascii"),
        "publicKey": base64.b64encode(public_der).decode("ascii"),
        "created": created,
        "software": software,
    }


def _p384_public_der(key: Path) -> bytes:
    result = _run_openssl(
        ["pkey", "-in", str(key), "-pubout", "-outform", "DER", "-passin", "pass:"], data=b""
    )
    if result.returncode != 0:
        raise ArchiveError(
            f"cannot read private key {key} (passphrase-protected keys are not supported): "
            f"{openssl.stderr_of(result)}"
        )
    spki = result.stdout
    if not spki.startswith(_P384_SPKI_PREFIX) or len(spki) != len(_P384_SPKI_PREFIX) + 97:
        raise ArchiveError(f"{key} is not an EC P-384 (secp384r1) key")
    return spki


def _pem(label: str, data: bytes) -> str:
    text = base64.b64encode(data).decode("ascii")
    body = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


# --- DER ECDSA-Sig-Value <-> raw r||s (collector.evidence.der) ------------------------------


def _der_to_raw(signature: bytes, size: int) -> bytes:
    """openssl's DER `SEQUENCE { r INTEGER, s INTEGER }` as WebCrypto's raw r||s."""
    try:
        parts = der.decode(signature).expect(der.SEQUENCE, "ECDSA-Sig-Value").children()
        if len(parts) != 2:
            raise der.DerError(f"{len(parts)} fields, not 2")
        values = [part.expect(der.INTEGER, "ECDSA-Sig-Value").as_int() for part in parts]
    except der.DerError as exc:
        raise ArchiveError(f"malformed DER signature: {exc}") from exc
    if any(v < 0 or v.bit_length() > size * 8 for v in values):
        raise ArchiveError("DER signature integer too large for the curve")
    return b"".join(v.to_bytes(size, "big") for v in values)


def _raw_to_der(raw: bytes) -> bytes:
    half = len(raw) // 2
    r, s = int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    return der.sequence(der.integer(r), der.integer(s))


# openssl as this module runs it: its time limit, its error
_run_openssl = functools.partial(openssl.run, timeout=_OPENSSL_TIMEOUT, error=ArchiveError)
