"""Evidence packages: a case's captures, their custody segment and a report, in one ZIP that
anyone can check without collector, with `sha256sum -c` and a JSON viewer.

Layout (everything under one folder named after the ZIP):

    <name>/SHA256SUMS             sha256sum format, every other file in the package
    <name>/package.json           case, created (UTC), collector version, operator, captures
                                  with manifest hashes, custody head, redactions, every
                                  file's SHA-256 (all but SHA256SUMS, the signature and the tokens)
    <name>/package.json.sig       optional: Ed25519 signature of SHA-256(package.json) (raw
    <name>/signing-key.pem          32-byte digest), and the public key that checks it
    <name>/package.tsq            optional (--tsa): RFC 3161 request and time-stamp token
    <name>/package.tsr              over SHA-256(package.json); package.2.tsq/.tsr, ... for
                                    the second TSA that answered, and so on
    <name>/package-timestamps.json  with --tsa: every TSA asked, in order, and what came of it
    <name>/VERIFY.txt             how to check it, Bahasa Indonesia and English
    <name>/report.html            the case report, screenshots linked relatively
    <name>/custody/custody.jsonl  the custody chain segment (see below)
    <name>/captures/<id>/...      each capture folder exactly as stored, except:

Secrets never leave: a file holding cookies, `Authorization` or `Set-Cookie` values (the
HAR; the manifest's response headers) is not copied; a redacted copy goes in its place
under another name (`network.redacted.har`, `manifest.redacted.json`), and package.json
records the original's SHA-256 (the one the capture's SHA256SUMS lists) and the copy's.
So `sha256sum -c --ignore-missing SHA256SUMS` still passes inside a capture folder.

Time-stamp tokens (`--tsa URL`, repeatable) are requested after package.json is written,
over its SHA-256, so package.json cannot list them; the top-level SHA256SUMS does, and
package.json announces them in advance (`timestamping.tsa_urls`, `timestamping.record`),
so that deleting them is detected. A failing TSA never fails the export: the failure is
recorded in package-timestamps.json (and in the `exported` custody event).

The custody segment runs from the first entry concerning these captures to the head of
the log at export time. Entries that concern other captures are withheld (other cases'
notes are not shared): only their seq, prev_hash and entry_hash remain, so the links can
still be checked. The export itself is then appended to the store's log, with the SHA-256
of the ZIP and of package.json.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from collector import __version__
from collector.errors import CollectorError, StoreError, UsageError
from collector.evidence import openssl
from collector.evidence.hashing import sha256_bytes, sha256_file
from collector.evidence.rfc3161 import (
    SHA256_OID,
    TimestampError,
    check_matches,
    parse_request,
    parse_response,
    verify_token,
)
from collector.evidence.stamps import (
    TIMESTAMPS_VERSION,
    Failure,
    TsaSettings,
    obtain,
    token_entry,
    token_file_names,
)
from collector.evidence.store import MANIFEST, SUMS, TIMESTAMPS, EvidenceStore, pretty_json
from collector.records import custody
from collector.records.custody import Action, Located, NewEvent
from collector.records.index import Index
from collector.review.report import CaptureData, ReportData, gather, render
from collector.review.verify import verify_capture
from collector.sites.urls import redact_url_credentials
from collector.timeutil import parse_rfc3339, rfc3339, utc_now

FORMAT = "collector-evidence-package"
FORMAT_VERSION = 1
PACKAGE_JSON = "package.json"
SIGNATURE = "package.json.sig"
PUBLIC_KEY = "signing-key.pem"
CUSTODY_FILE = "custody/custody.jsonl"
SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})
REDACTED = "[REDACTED by collector]"
TOKEN_STEM = "package"  # package.tsq/.tsr, package.2.tsq/.tsr, ...
TIMESTAMPS_FILE = "package-timestamps.json"
UNHASHED = frozenset({SUMS, PACKAGE_JSON, SIGNATURE, PUBLIC_KEY, TIMESTAMPS_FILE})
_TOKEN_FILE = re.compile(r"package(?:\.[1-9][0-9]*)?\.ts[qr]")
_CAPTURE_TOKEN_FILE = re.compile(r"manifest(?:\.[1-9][0-9]*)?\.ts[qr]")
_OPENSSL_TIMEOUT = 30
_NAME = re.compile(r"[^0-9A-Za-z._-]+")


class PackageError(CollectorError):
    """A package cannot be written or read at all (not: a package that fails its checks)."""


# --- redaction ------------------------------------------------------------------------------


def _redact_pairs(headers: Any) -> int:
    """HAR headers/cookies: [{name, value}, ...]; manifest headers: [[name, value], ...]."""
    count = 0
    if not isinstance(headers, list):
        return 0
    for h in headers:
        if isinstance(h, dict) and str(h.get("name", "")).lower() in SECRET_HEADERS:
            if h.get("value") != REDACTED:
                h["value"] = REDACTED
                count += 1
        elif (
            isinstance(h, list)
            and len(h) == 2
            and str(h[0]).lower() in SECRET_HEADERS
            and h[1] != REDACTED
        ):
            h[1] = REDACTED
            count += 1
    return count


def _redact_cookies(cookies: Any) -> int:
    count = 0
    if isinstance(cookies, list):
        for c in cookies:
            if isinstance(c, dict) and c.get("value") not in (None, REDACTED):
                c["value"] = REDACTED
                count += 1
    return count


def redact_har(data: bytes) -> tuple[bytes, int]:
    """Redact cookie and authorization values in a HAR; (new bytes, values redacted)."""
    har = json.loads(data)
    count = 0
    entries = ((har.get("log") or {}).get("entries")) if isinstance(har, dict) else None
    for entry in entries or []:
        for part in ("request", "response"):
            msg = entry.get(part) if isinstance(entry, dict) else None
            if isinstance(msg, dict):
                count += _redact_pairs(msg.get("headers"))
                count += _redact_cookies(msg.get("cookies"))
    if not count:
        return data, 0
    return (json.dumps(har, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), count


def redact_manifest(data: bytes) -> tuple[bytes, int]:
    manifest = json.loads(data)
    count = _redact_pairs((manifest.get("response") or {}).get("headers"))
    if not count:
        return data, 0
    return pretty_json(manifest), count


def redacted_name(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.redacted.{ext}" if dot else f"{name}.redacted"


# --- writing --------------------------------------------------------------------------------


@dataclass
class _Writer:
    zf: zipfile.ZipFile
    root: str
    zip_time: tuple[int, int, int, int, int, int]
    hashes: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, data: bytes) -> str:
        digest = sha256_bytes(data)
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=self.zip_time)
        info.compress_type = zipfile.ZIP_STORED if path.endswith(".png") else zipfile.ZIP_DEFLATED
        info.external_attr = 0o444 << 16
        self.zf.writestr(info, data)
        self.hashes[path] = digest
        return digest

    def add_file(self, path: str, source: Path, expected: str | None) -> str:
        """Copy a stored file as is, hashing the bytes as they go into the package."""
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=self.zip_time)
        info.compress_type = zipfile.ZIP_STORED if path.endswith(".png") else zipfile.ZIP_DEFLATED
        info.external_attr = 0o444 << 16
        info.file_size = source.stat().st_size
        h = hashlib.sha256()
        with source.open("rb") as src, self.zf.open(info, "w") as dst:
            while chunk := src.read(1 << 20):
                h.update(chunk)
                dst.write(chunk)
        digest = h.hexdigest()
        if expected is not None and digest != expected:
            raise StoreError(f"{source} changed while it was being packaged; nothing exported")
        self.hashes[path] = digest
        return digest


@dataclass(frozen=True)
class Exported:
    path: Path
    sha256: str
    package_json_sha256: str
    captures: tuple[str, ...]
    redactions: int
    entry: dict[str, Any]
    signing_key_sha256: str | None
    # with --tsa: every TSA asked, in order, as in package-timestamps.json "attempts"
    timestamps: tuple[dict[str, Any], ...] = ()


def export_package(
    store: EvidenceStore,
    index: Index,
    *,
    case: str,
    refs: Sequence[str] = (),
    out: Path,
    operator: str,
    sign_key: Path | None = None,
    tsa: TsaSettings | None = None,
) -> Exported:
    """Write the package for `case` (all its captures, or `refs`) to `out` (never
    overwritten), then append the `exported` custody event. With `tsa`, each TSA is asked
    for a time-stamp token over SHA-256(package.json); a failing TSA is recorded, never
    raised."""
    if out.exists():
        raise UsageError(f"{out} already exists; refusing to overwrite it")
    if out.suffix.lower() != ".zip":
        raise UsageError(f"the package must be a .zip file, not {out.name!r}")
    if not out.parent.is_dir():
        raise UsageError(f"folder {out.parent} does not exist")
    if sign_key is not None and not sign_key.is_file():
        raise UsageError(f"signing key {sign_key} does not exist")
    data = gather(store, index, case=case, refs=refs, operator=operator)
    retired = [c for c in data.captures if c.row.get("retired_at")]
    if refs and retired:
        raise UsageError(f"capture {retired[0].capture_id} is retired; it cannot be exported")
    caps = [c for c in data.captures if not c.row.get("retired_at")]
    if not caps:
        raise UsageError(f"every capture of case {case!r} is retired: nothing to export")
    _check_exportable(store, index, caps)

    log = custody.entries(index)
    ids = {c.capture_id for c in caps}
    relevant = ids | {c.capture_id for c in retired}
    segment = _segment(log, relevant, case)
    head = log[-1]
    created = utc_now()
    root = _NAME.sub("-", out.stem).strip("-.") or "package"
    tmp = out.with_name(f".{out.name}.part")
    try:
        with zipfile.ZipFile(tmp, "x") as zf:
            w = _Writer(zf, root, created.timetuple()[:6])
            captures_meta, redactions = [], []
            for cap in caps:
                meta, redone = _add_capture(w, cap)
                captures_meta.append(meta)
                redactions.extend(redone)
            w.add(CUSTODY_FILE, b"".join(custody.jsonl_line(e) for e in segment))
            report_data = ReportData(
                case,
                caps + retired,
                head["entry_hash"],
                operator,
                rfc3339(created),
                {"name": out.name},
            )
            w.add("report.html", render(report_data, screenshots="relative").encode("utf-8"))
            tsa_urls = [redact_url_credentials(u) for u in tsa.urls] if tsa is not None else []
            text = verify_text(root, signed=sign_key is not None, tokens=len(tsa_urls))
            w.add("VERIFY.txt", text.encode("utf-8"))
            package = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "case": case,
                "created": rfc3339(created),
                "collector_version": __version__,
                "operator": operator,
                "captures": captures_meta,
                "retired": [
                    {
                        "id": c.capture_id,
                        "manifest_sha256": c.manifest_sha256,
                        "retired_seq": c.retired["seq"] if c.retired else None,
                    }
                    for c in retired
                ],
                "custody": {
                    "file": CUSTODY_FILE,
                    "first_seq": segment[0]["seq"],
                    "first_prev_hash": segment[0]["prev_hash"],
                    "head_seq": head["seq"],
                    "head_hash": head["entry_hash"],
                    "withheld": sum(1 for e in segment if e.get("withheld")),
                },
                "redactions": redactions,
                # announced here so that removing the tokens is detected (see the docstring)
                "timestamping": (
                    {"tsa_urls": tsa_urls, "record": TIMESTAMPS_FILE} if tsa_urls else None
                ),
                "files": dict(sorted(w.hashes.items())),
            }
            package_bytes = pretty_json(package)
            pj_sha = w.add(PACKAGE_JSON, package_bytes)
            key_fp = None
            if sign_key is not None:
                signature, public_pem, key_fp = _sign(package_bytes, sign_key)
                w.add(SIGNATURE, signature)
                w.add(PUBLIC_KEY, public_pem)
            attempts = _stamp(w, package_bytes, tsa) if tsa is not None and tsa.urls else []
            sums = "".join(f"{h}  {p}\n" for p, h in sorted(w.hashes.items()))
            w.add(SUMS, sums.encode("utf-8"))
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        zip_sha, _ = sha256_file(tmp)
        try:
            os.link(tmp, out)  # fails if `out` appeared meanwhile: never overwrite
        except FileExistsError:
            raise UsageError(f"{out} already exists; refusing to overwrite it") from None
    finally:
        tmp.unlink(missing_ok=True)
    event = NewEvent(
        Action.EXPORTED,
        operator,
        tuple(c.capture_id for c in caps),
        {
            "case": case,
            "file": out.name,
            "package_sha256": zip_sha,
            "package_json_sha256": pj_sha,
            "custody_head": head["entry_hash"],
            "redactions": len(redactions),
            "signed": sign_key is not None,
            "signing_key_sha256": key_fp,
            "retired_not_exported": [c.capture_id for c in retired],
            "timestamps": [
                {
                    "tsa_url": a["tsa_url"],
                    "gen_time": a["gen_time"],
                    "serial": a["serial"],
                    "token": a["tsr"],
                    "token_sha256": a["tsr_sha256"],
                }
                for a in attempts
                if a["status"] == "ok"
            ],
            "timestamp_failures": [
                {"tsa_url": a["tsa_url"], "kind": a["kind"]}
                for a in attempts
                if a["status"] != "ok"
            ],
        },
    )
    try:
        entry = custody.CustodyLog(store, index).append([event])[0]
    except BaseException:
        out.unlink(missing_ok=True)  # no package leaves without its custody event
        raise
    return Exported(
        out,
        zip_sha,
        pj_sha,
        tuple(sorted(ids)),
        len(redactions),
        entry,
        key_fp,
        tuple(attempts),
    )


def _stamp(w: _Writer, package_bytes: bytes, settings: TsaSettings) -> list[dict[str, Any]]:
    """Ask each TSA, in order, for a token over SHA-256(package.json); add the tokens and
    package-timestamps.json. Returns every attempt: token entries with status "ok",
    failures with status = their kind (transport, rejected, mismatch-nonce, ...)."""
    digest_hex = sha256_bytes(package_bytes)
    attempts: list[dict[str, Any]] = []
    obtained = 0
    for url in settings.urls:
        got = obtain(bytes.fromhex(digest_hex), url, settings.timeout)
        if isinstance(got, Failure):
            attempts.append({"status": got.kind, **got.as_dict()})
            continue
        obtained += 1
        tsq, tsr = token_file_names(obtained, TOKEN_STEM)
        tsq_sha = w.add(tsq, got.token.request_der)
        tsr_sha = w.add(tsr, got.token.response_der)
        entry = token_entry(
            got, tsq, tsr, tsq_sha, tsr_sha, digest_hex, digest_key="package_json_sha256"
        )
        attempts.append({"status": "ok", **entry})
    document = {
        "timestamps_version": TIMESTAMPS_VERSION,
        "package_json": {"file": PACKAGE_JSON, "sha256": digest_hex},
        "requested": [redact_url_credentials(u) for u in settings.urls],
        "attempts": attempts,
        "note": (
            "RFC 3161 time-stamp tokens over the SHA-256 of package.json, requested after it "
            "was written: one attempt per TSA, in the order asked; status is ok, or why it "
            "failed. These files are not listed in package.json (they did not exist yet); "
            "SHA256SUMS lists them. Check a token: openssl ts -verify -in package.tsr -data "
            "package.json -CAfile <the TSA's CA certificate>."
        ),
    }
    w.add(TIMESTAMPS_FILE, pretty_json(document))
    return attempts


def _check_exportable(store: EvidenceStore, index: Index, caps: Sequence[CaptureData]) -> None:
    chain = custody.verify_chain(store, index)
    if not chain.ok:
        raise StoreError(
            f"the custody log is broken (first broken entry seq {chain.first_broken}: "
            f"{chain.problems[0]}); run `collector verify`. Nothing exported"
        )
    log = custody.entries(index)
    filing = custody.filing_problems(log, {c.capture_id: c.manifest_sha256 for c in caps})
    for cap in caps:
        check = verify_capture(store, cap.capture_id, cap.folder, cap.row, index)
        problems = list(check.problems)
        if cap.capture_id in filing:
            problems.append(filing[cap.capture_id])
        if problems:
            raise StoreError(
                f"capture {cap.capture_id} does not verify ({problems[0]}); refusing to "
                "package evidence that does not verify. Nothing exported"
            )


def _segment(log: Sequence[dict[str, Any]], ids: set[str], case: str) -> list[dict[str, Any]]:
    relevant = {e["seq"] for e in custody.history_of(log, ids, case)}
    first = min(relevant)
    out: list[dict[str, Any]] = []
    for e in log:
        if e["seq"] < first:
            continue
        if e["seq"] in relevant:
            out.append(e)
        else:
            out.append(
                {
                    "seq": e["seq"],
                    "prev_hash": e["prev_hash"],
                    "entry_hash": e["entry_hash"],
                    "withheld": True,
                }
            )
    return out


def _add_capture(w: _Writer, cap: CaptureData) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    base = f"captures/{cap.capture_id}"
    listed = {a["name"]: a["sha256"] for a in cap.artifacts}
    redactions = []
    manifest_file = MANIFEST
    for path in sorted(cap.folder.iterdir()):
        name = path.name
        expected = listed.get(name) if name != MANIFEST else cap.manifest_sha256
        redactor = (
            redact_har if name.endswith(".har") else redact_manifest if name == MANIFEST else None
        )
        if redactor is not None:
            original = path.read_bytes()
            if expected is not None and sha256_bytes(original) != expected:
                raise StoreError(f"{path} changed while it was being packaged; nothing exported")
            try:
                copy, count = redactor(original)
            except ValueError as exc:
                raise StoreError(
                    f"{path} is not valid JSON, so its secrets cannot be redacted: {exc}"
                ) from exc
            if count:
                new_name = redacted_name(name)
                digest = w.add(f"{base}/{new_name}", copy)
                redactions.append(
                    {
                        "capture_id": cap.capture_id,
                        "file": f"{base}/{name}",
                        "original_sha256": sha256_bytes(original),
                        "redacted_file": f"{base}/{new_name}",
                        "redacted_sha256": digest,
                        "values_redacted": count,
                        "headers": sorted(SECRET_HEADERS),
                    }
                )
                if name == MANIFEST:
                    manifest_file = new_name
                continue
        w.add_file(f"{base}/{name}", path, expected)
    r = cap.row
    meta = {
        "id": cap.capture_id,
        "folder": base,
        "manifest_sha256": cap.manifest_sha256,
        "manifest_file": f"{base}/{manifest_file}",
        "requested_url": r.get("requested_url"),
        "final_url": r.get("final_url"),
        "outcome": r.get("outcome"),
        "started_at": r.get("started_at"),
        "operator": r.get("operator"),
    }
    return meta, redactions


def _sign(package_bytes: bytes, key: Path) -> tuple[bytes, bytes, str]:
    """Ed25519 signature over the raw SHA-256 digest of package.json; (sig, public PEM,
    SHA-256 of the public key's DER)."""
    pub = _run_openssl(["pkey", "-in", str(key), "-pubout", "-passin", "pass:"])
    if pub.returncode != 0 or b"PUBLIC KEY" not in pub.stdout:
        raise UsageError(
            f"cannot read signing key {key} (an unencrypted Ed25519 PEM key: "
            f"openssl genpkey -algorithm ed25519 -out key.pem): {openssl.stderr_of(pub)}"
        )
    der = _run_openssl(["pkey", "-pubin", "-outform", "DER"], pub.stdout)
    if der.returncode != 0 or len(der.stdout) != 44:
        raise UsageError(f"{key} is not an Ed25519 key (openssl genpkey -algorithm ed25519)")
    with tempfile.TemporaryDirectory(prefix="collector-sign-") as tmp:
        digest = Path(tmp, "digest.bin")
        digest.write_bytes(hashlib.sha256(package_bytes).digest())
        out = Path(tmp, "sig")
        result = _run_openssl(
            [
                "pkeyutl",
                "-sign",
                "-inkey",
                str(key),
                "-passin",
                "pass:",
                "-rawin",
                "-in",
                str(digest),
                "-out",
                str(out),
            ]
        )
        if result.returncode != 0 or not out.is_file():
            raise UsageError(f"openssl could not sign with {key}: {openssl.stderr_of(result)}")
        signature = out.read_bytes()
    return signature, pub.stdout, sha256_bytes(der.stdout)


def verify_text(root: str, *, signed: bool, tokens: int = 0) -> str:
    """VERIFY.txt: how a clerk checks the package on Linux, macOS or Windows with what the
    system brings. `tokens`: how many TSAs were asked (written before they answer, so the
    text says how to check whichever tokens are present)."""
    openssl_id = (
        "   Perlu OpenSSL 3 (periksa dengan: openssl version). macOS membawa LibreSSL,\n"
        "   yang tidak punya -rawin: pasang OpenSSL 3 (mis. brew install openssl@3).\n"
        "   Windows tidak membawa openssl: lakukan langkah ini di komputer lain, atau\n"
        "   dengan collector verify-package (di bawah)."
    )
    openssl_en = (
        "   Needs OpenSSL 3 (check with: openssl version). macOS comes with LibreSSL,\n"
        "   which has no -rawin: install OpenSSL 3 (e.g. brew install openssl@3).\n"
        "   Windows comes without openssl: do this step on another computer, or with\n"
        "   collector verify-package (below)."
    )
    sign_id = sign_en = ""
    if signed:
        sign_id = f"""
5. Tanda tangan (Ed25519) atas SHA-256 dari package.json:
     openssl dgst -sha256 -binary package.json > /tmp/package.digest
     openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY} -rawin \\
       -in /tmp/package.digest -sigfile {SIGNATURE}
   harus mencetak "Signature Verified Successfully". Pastikan kunci publik
   {PUBLIC_KEY} memang milik pengirim (bandingkan sidiknya lewat jalur lain).
{openssl_id}
"""
        sign_en = f"""
5. The Ed25519 signature over package.json's SHA-256:
     openssl dgst -sha256 -binary package.json > /tmp/package.digest
     openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY} -rawin \\
       -in /tmp/package.digest -sigfile {SIGNATURE}
   must print "Signature Verified Successfully". Make sure the public key
   {PUBLIC_KEY} really is the sender's (compare its fingerprint another way).
{openssl_en}
"""
    tsa_id = tsa_en = ca_id = ca_en = ""
    if tokens:
        ca_id, ca_en = " --tsa-ca <CA TSA>", " --tsa-ca <TSA CA>"
        step = 6 if signed else 5
        more_id = more_en = ""
        if tokens > 1:
            rest_id = rest_en = "package.2.tsr"
            if tokens > 2:
                rest_id += f" sampai package.{tokens}.tsr"
                rest_en += f" up to package.{tokens}.tsr"
            more_id = f"""
   Lakukan hal yang sama untuk {rest_id}, bila ada."""
            more_en = f"""
   Do the same for {rest_en}, where present."""
        tsa_id = f"""
{step}. Stempel waktu tepercaya (RFC 3161) atas SHA-256 dari package.json, bila
   ada package.tsr ({TIMESTAMPS_FILE} mencatat setiap TSA yang diminta
   dan hasilnya, termasuk yang gagal):
     openssl ts -verify -in package.tsr -data package.json -CAfile <CA TSA>
   harus mencetak "Verification: OK". <CA TSA> adalah sertifikat CA milik
   otoritas stempel waktu (TSA), diperoleh dari TSA itu, bukan dari paket ini.
   Waktu dari TSA ("Time stamp"): openssl ts -reply -in package.tsr -text{more_id}
   Berkas-berkas ini dibuat sesudah package.json, jadi tidak tercantum di
   dalamnya; SHA256SUMS mencantumkannya. (Windows: lihat catatan langkah 5.)
"""
        tsa_en = f"""
{step}. Trusted timestamps (RFC 3161) over the SHA-256 of package.json, where
   package.tsr is present ({TIMESTAMPS_FILE} records every TSA asked
   and what came of it, failures included):
     openssl ts -verify -in package.tsr -data package.json -CAfile <TSA CA>
   must print "Verification: OK". <TSA CA> is the certificate of the
   time-stamping authority's CA, obtained from that TSA, not from this package.
   The TSA's time ("Time stamp"): openssl ts -reply -in package.tsr -text{more_en}
   These files were made after package.json, so it does not list them;
   SHA256SUMS does. (Windows: see the note to step 5.)
"""
    return f"""PAKET BUKTI / EVIDENCE PACKAGE — {root}
=====================================================================

BAHASA INDONESIA
----------------
Paket ini dapat diperiksa hanya dengan alat bawaan Linux, macOS atau Windows.

1. Berkas ZIP itu sendiri, sebelum diekstrak. Bandingkan SHA-256-nya dengan
   yang tertulis di berita acara atau surat pengantar (collector mencetaknya
   saat ekspor: "package sha256:"):
     Linux:            sha256sum {root}.zip
     macOS:            shasum -a 256 {root}.zip
     Windows (cmd):    certutil -hashfile {root}.zip SHA256
     Windows (PowerShell):  Get-FileHash -Algorithm SHA256 {root}.zip
   Pakai nama berkas ZIP yang diterima bila berbeda. Lalu ekstrak ZIP dan
   masuk ke folder {root}.

2. Semua berkas dalam paket:
     Linux:   sha256sum -c SHA256SUMS
     macOS:   shasum -a 256 -c SHA256SUMS
   Setiap baris harus "OK". Satu bita yang berubah membuat berkasnya "FAILED".
   Windows tidak punya pemeriksa daftar seperti ini; periksa satu per satu:
     certutil -hashfile package.json SHA256
     Get-FileHash -Algorithm SHA256 package.json
   Keduanya mencetak SHA-256 berkas itu: 64 karakter 0-9 dan a-f (certutil
   pada baris kedua; Get-FileHash di kolom Hash, dengan huruf besar). Cocokkan
   dengan baris berkas itu di SHA256SUMS (buka dengan Notepad); huruf besar
   atau kecil tidak berpengaruh, dan spasi yang dicetak certutil lama di antara
   pasangan karakter diabaikan saja. Mulailah dengan package.json: ia memuat
   SHA-256 hampir semua berkas lain ("files"). Berkas di subfolder ditulis dengan
   garis miring terbalik, mis. captures\\<id>\\screenshot.png.

3. Setiap tangkapan, di foldernya sendiri (captures/<id>/):
     Linux:   cd captures/<id> && sha256sum -c --ignore-missing SHA256SUMS
     macOS:   cd captures/<id> && shasum -a 256 -c --ignore-missing SHA256SUMS
     Windows: seperti langkah 2, dengan SHA256SUMS di folder tangkapan itu
   SHA256SUMS di sini adalah yang dibuat saat perekaman. Berkas yang memuat
   rahasia (cookie, Authorization, Set-Cookie) tidak disertakan; salinan yang
   disensor ada dengan nama *.redacted.* dan package.json ("redactions")
   mencatat SHA-256 asli (sama dengan di SHA256SUMS) dan SHA-256 salinannya.

4. Data paket dan log kustodi dapat dibaca dengan alat JSON apa pun (atau
   penyunting teks):
     python3 -m json.tool package.json
     python3 -m json.tool --json-lines custody/custody.jsonl
   Setiap entri log memuat entry_hash = SHA-256 dari JSON kanonik entri itu
   (kunci diurutkan, tanpa spasi, UTF-8, tanpa entry_hash) dan prev_hash =
   entry_hash entri sebelumnya. Entri tentang tangkapan lain disembunyikan
   ("withheld"), hanya hash-nya yang tersisa agar rantai tetap dapat diperiksa.
   SHA-256 manifes setiap tangkapan ada di entri "captured"-nya.
{sign_id}{tsa_id}
Dengan collector terpasang, semua pemeriksaan di atas sekaligus:
     collector verify-package {root}.zip{ca_id}

ENGLISH
-------
This package can be checked with what Linux, macOS or Windows bring.

1. The ZIP file itself, before unzipping it. Compare its SHA-256 with the one
   written in the official record or covering letter (collector prints it
   when exporting: "package sha256:"):
     Linux:            sha256sum {root}.zip
     macOS:            shasum -a 256 {root}.zip
     Windows (cmd):    certutil -hashfile {root}.zip SHA256
     Windows (PowerShell):  Get-FileHash -Algorithm SHA256 {root}.zip
   Use the name of the ZIP file you received if it differs. Then unzip it and
   go into the folder {root}.

2. Every file in the package:
     Linux:   sha256sum -c SHA256SUMS
     macOS:   shasum -a 256 -c SHA256SUMS
   Every line must say "OK". A single changed byte makes its file "FAILED".
   Windows has no list checker like these; check file by file:
     certutil -hashfile package.json SHA256
     Get-FileHash -Algorithm SHA256 package.json
   Both print the file's SHA-256: 64 characters 0-9 and a-f (certutil on its
   second line; Get-FileHash in the Hash column, in capitals). Compare it with
   that file's line in SHA256SUMS (open it in Notepad); upper or lower case
   does not matter, and the spaces older certutil prints between character
   pairs are simply ignored. Start with package.json: it holds the SHA-256 of
   almost every other file ("files"). Files in subfolders are written with
   backslashes, e.g. captures\\<id>\\screenshot.png.

3. Each capture, in its own folder (captures/<id>/):
     Linux:   cd captures/<id> && sha256sum -c --ignore-missing SHA256SUMS
     macOS:   cd captures/<id> && shasum -a 256 -c --ignore-missing SHA256SUMS
     Windows: as in step 2, with the SHA256SUMS in that capture's folder
   This SHA256SUMS is the one written when the page was captured. Files that
   hold secrets (cookies, Authorization, Set-Cookie) are left out; a redacted
   copy is there named *.redacted.*, and package.json ("redactions") records
   the original SHA-256 (the one in SHA256SUMS) and the copy's SHA-256.

4. The package data and the custody log read with any JSON tool (or a text
   editor):
     python3 -m json.tool package.json
     python3 -m json.tool --json-lines custody/custody.jsonl
   Each log entry holds entry_hash = SHA-256 of the entry's canonical JSON
   (sorted keys, no spaces, UTF-8, without entry_hash) and prev_hash = the
   entry_hash of the entry before. Entries about other captures are withheld:
   only their hashes remain, so the chain can still be checked. Each capture's
   manifest SHA-256 is in its "captured" entry.
{sign_en}{tsa_en}
With collector installed, all of the above at once:
     collector verify-package {root}.zip{ca_en}
"""


# --- checking -------------------------------------------------------------------------------


class _Source:
    """A package as a ZIP or as an unzipped folder: relative path -> bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.files: dict[str, bytes] = {}
        self.damaged: set[str] = set()
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file():
                    self.files[p.relative_to(path).as_posix()] = p.read_bytes()
            return
        if not path.is_file():
            raise UsageError(f"no package at {path}")
        try:
            zf = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise PackageError(f"{path} is not a readable ZIP file: {exc}") from exc
        with zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            roots = {n.split("/", 1)[0] for n in names}
            if len(roots) != 1 or any("/" not in n for n in names):
                raise PackageError(f"{path}: not a collector package (no single top folder)")
            root = roots.pop() + "/"
            for name in names:
                rel = name[len(root) :]
                if PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
                    self.problems.append(f"{name}: unsafe path in the ZIP")
                    continue
                try:
                    self.files[rel] = zf.read(name)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                    # a damaged member (CRC mismatch, bad compressed data): name it
                    self.problems.append(f"{rel}: damaged in the ZIP ({exc})")
                    self.files[rel] = b""
                    self.damaged.add(rel)


@dataclass(frozen=True)
class PackageToken:
    """One time-stamp token in a package, as checked."""

    tsr: str
    tsa_url: str
    gen_time: str
    status: str  # "pass", "fail", "not_checked" (imprint and nonce fine, no CA to check with)
    message: str
    about: str = ""  # the file a failure is about: the .tsr, its .tsq, or package.json

    @property
    def detail(self) -> str:
        """The message, naming the file it is about."""
        return f"{self.about or self.tsr}: {self.message}"


@dataclass(frozen=True)
class PackageReport:
    path: Path
    problems: tuple[str, ...]
    files: int
    case: str | None
    captures: int
    custody_entries: int
    signature: str  # "valid", "none", "INVALID"
    signing_key_sha256: str | None
    timestamps: tuple[PackageToken, ...] = ()
    tsa_failures: tuple[str, ...] = ()  # TSAs that failed at export time (not a problem)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_package(path: Path, tsa_ca: Path | None = None) -> PackageReport:
    """Check a package offline. `tsa_ca`: the TSAs' CA certificate(s), to check the
    time-stamp tokens' signatures with `openssl ts -verify`; without it they are
    "not checked" (which is not a failure)."""
    src = _Source(path)
    problems = list(src.problems)
    files = src.files
    hashes = {p: sha256_bytes(d) for p, d in files.items()}

    # 1. the top-level SHA256SUMS covers every file
    sums = _parse_sums(files.get(SUMS), SUMS, problems)
    if sums is not None:
        for p, digest in sums.items():
            if p not in files:
                problems.append(f"{p}: listed in SHA256SUMS but missing from the package")
            elif hashes[p] != digest and p not in src.damaged:
                problems.append(f"{p}: SHA-256 does not match SHA256SUMS (file changed)")
        for p in sorted(set(files) - set(sums) - {SUMS}):
            problems.append(f"{p}: in the package but not listed in SHA256SUMS (file added)")

    # 2. package.json and every file it pins
    package = _json(files.get(PACKAGE_JSON), PACKAGE_JSON, problems)
    captures: list[dict[str, Any]] = []
    entries_n = 0
    if package is not None:
        if package.get("format") != FORMAT:
            problems.append(f"{PACKAGE_JSON}: not a {FORMAT} (format {package.get('format')!r})")
        raw_files = package.get("files")
        pinned: dict[str, Any] = raw_files if isinstance(raw_files, dict) else {}
        if not pinned:
            problems.append(f"{PACKAGE_JSON}: no files list")
        for p, digest in sorted(pinned.items()):
            if p not in files:
                problems.append(f"{p}: listed in package.json but missing")
            elif hashes[p] != digest and p not in src.damaged:
                problems.append(f"{p}: SHA-256 does not match package.json (file changed)")
        for p in sorted(set(files) - set(pinned) - UNHASHED):
            if not _TOKEN_FILE.fullmatch(p):  # tokens: checked against package-timestamps.json
                problems.append(f"{p}: not listed in package.json (file added)")
        if "created" in package:
            try:
                parse_rfc3339(str(package["created"]))
            except ValueError:
                problems.append(f"{PACKAGE_JSON}: created is not an RFC 3339 time")
        captures = [c for c in package.get("captures") or [] if isinstance(c, dict)]
        redactions: dict[str, dict[str, Any]] = {
            str(r.get("file")): r for r in package.get("redactions") or [] if isinstance(r, dict)
        }
        for r in redactions.values():
            rf = r.get("redacted_file")
            if rf not in files:
                problems.append(f"{rf}: redacted copy listed in package.json but missing")
            elif hashes[rf] != r.get("redacted_sha256") and rf not in src.damaged:
                problems.append(f"{rf}: SHA-256 does not match its redaction record")
            if r.get("file") in files:
                problems.append(
                    f"{r.get('file')}: should have been withheld (redacted) but is present"
                )
        for cap in captures:
            problems.extend(_check_capture(cap, files, hashes, redactions))
        entries_n = _check_custody(package, captures, files, problems)

    # 3. the signature
    signature, key_fp = "none", None
    if SIGNATURE in files or PUBLIC_KEY in files:
        if PACKAGE_JSON not in files or SIGNATURE not in files or PUBLIC_KEY not in files:
            problems.append(f"signature incomplete: needs {SIGNATURE} and {PUBLIC_KEY}")
            signature = "INVALID"
        else:
            valid, key_fp = _verify_signature(
                files[PACKAGE_JSON], files[SIGNATURE], files[PUBLIC_KEY]
            )
            signature = "valid" if valid else "INVALID"
            if not valid:
                problems.append(
                    f"{SIGNATURE}: the Ed25519 signature does not match package.json "
                    f"and {PUBLIC_KEY}"
                )

    # 4. time-stamp tokens over package.json
    tokens, tsa_failures = _check_timestamps(package, files, hashes, tsa_ca, problems)
    return PackageReport(
        path,
        tuple(problems),
        len(files),
        (package or {}).get("case"),
        len(captures),
        entries_n,
        signature,
        key_fp,
        tuple(tokens),
        tuple(tsa_failures),
    )


def _parse_sums(data: bytes | None, label: str, problems: list[str]) -> dict[str, str] | None:
    if data is None:
        problems.append(f"{label}: missing")
        return None
    out: dict[str, str] = {}
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest) or not name:
            problems.append(f"{label}: line {n} is malformed")
            continue
        out[name] = digest
    return out


def _json(data: bytes | None, label: str, problems: list[str]) -> dict[str, Any] | None:
    if data is None:
        problems.append(f"{label}: missing")
        return None
    try:
        value = json.loads(data)
    except ValueError as exc:
        problems.append(f"{label}: not valid JSON ({exc})")
        return None
    if not isinstance(value, dict):
        problems.append(f"{label}: not a JSON object")
        return None
    return value


def _check_capture(
    cap: Mapping[str, Any],
    files: Mapping[str, bytes],
    hashes: Mapping[str, str],
    redactions: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    problems: list[str] = []
    cid, base = str(cap.get("id")), str(cap.get("folder"))
    manifest_path = f"{base}/{MANIFEST}"
    # the manifest: as stored, or its redacted copy with the original's hash recorded
    if manifest_path in files:
        if hashes[manifest_path] != cap.get("manifest_sha256"):
            problems.append(
                f"{manifest_path}: SHA-256 differs from the manifest hash in package.json"
            )
        manifest_bytes = files[manifest_path]
    elif manifest_path in redactions:
        red = redactions[manifest_path]
        if red.get("original_sha256") != cap.get("manifest_sha256"):
            problems.append(
                f"{manifest_path}: its redaction record names another original "
                "than the manifest hash in package.json"
            )
        manifest_bytes = files.get(str(red.get("redacted_file")), b"")
    else:
        return [f"{manifest_path}: missing (capture {cid})"]
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        return [*problems, f"{manifest_path}: not valid JSON"]
    listed = {a.get("name"): a.get("sha256") for a in manifest.get("artifacts") or []}
    sums = _parse_sums(files.get(f"{base}/{SUMS}"), f"{base}/{SUMS}", problems)
    if sums is None:
        return problems
    expected = {**listed, MANIFEST: cap.get("manifest_sha256")}
    if isinstance(manifest.get("timestamping"), dict):
        # tokens sealed with the capture: written after its manifest, so only SHA256SUMS
        # lists them (collector.evidence.stamps); their hashes are checked below
        if TIMESTAMPS not in sums:
            problems.append(
                f"{base}/{TIMESTAMPS}: missing (the manifest says timestamps were requested)"
            )
        for name in sums:
            if name == TIMESTAMPS or _CAPTURE_TOKEN_FILE.fullmatch(name):
                expected.setdefault(name, sums[name])
    if sums != expected:
        diff = sorted({n for n in set(sums) | set(expected) if sums.get(n) != expected.get(n)})
        problems.append(f"{base}/{SUMS}: disagrees with the manifest for {diff}")
    for name, digest in sums.items():
        p = f"{base}/{name}"
        if p in files:
            if name != MANIFEST and hashes[p] != digest:
                problems.append(f"{p}: SHA-256 does not match the capture's SHA256SUMS")
        elif p in redactions:
            if redactions[p].get("original_sha256") != digest:
                problems.append(f"{p}: redaction record's original SHA-256 is not the captured one")
        else:
            problems.append(f"{p}: missing from the package")
    allowed = (
        {f"{base}/{n}" for n in sums}
        | {f"{base}/{SUMS}"}
        | {str(r.get("redacted_file")) for r in redactions.values()}
    )
    for p in sorted(f for f in files if f.startswith(base + "/") and f not in allowed):
        problems.append(f"{p}: not part of the capture as filed (file added)")
    return problems


def _check_custody(
    package: Mapping[str, Any],
    captures: Sequence[Mapping[str, Any]],
    files: Mapping[str, bytes],
    problems: list[str],
) -> int:
    info = package.get("custody") if isinstance(package.get("custody"), dict) else None
    if info is None:
        problems.append(f"{PACKAGE_JSON}: no custody section")
        return 0
    name = str(info.get("file") or CUSTODY_FILE)
    if name not in files:
        problems.append(f"{name}: missing")
        return 0
    items: list[Located] = custody.parse_jsonl(files[name], name)
    if not items:
        problems.append(f"{name}: empty")
        return 0
    first_seq = info.get("first_seq")
    first_prev = info.get("first_prev_hash")
    if not isinstance(first_seq, int) or not isinstance(first_prev, str):
        problems.append(f"{PACKAGE_JSON}: custody.first_seq/first_prev_hash missing")
        return len(items)
    for p in custody.check_chain(
        items, first_seq=first_seq, first_prev=first_prev, allow_withheld=True
    ):
        problems.append(f"custody: {p}")
    last = items[-1].entry or {}
    if last.get("entry_hash") != info.get("head_hash") or last.get("seq") != info.get("head_seq"):
        problems.append(
            f"{name}: ends at seq {last.get('seq')}, not at the head package.json names "
            f"(seq {info.get('head_seq')}): entries missing or added"
        )
    full = [i.entry for i in items if i.entry is not None and not i.entry.get("withheld")]
    filing = custody.filing_problems(
        full, {str(c.get("id")): c.get("manifest_sha256") for c in captures}
    )
    for cid, problem in sorted(filing.items()):
        problems.append(f"capture {cid}: {problem}")
    return len(items)


def _check_timestamps(
    package: Mapping[str, Any] | None,
    files: Mapping[str, bytes],
    hashes: Mapping[str, str],
    tsa_ca: Path | None,
    problems: list[str],
) -> tuple[list[PackageToken], list[str]]:
    """package-timestamps.json against package.json's announcement, and each token."""
    announced = (package or {}).get("timestamping")
    requested = announced.get("tsa_urls") if isinstance(announced, dict) else None
    token_files = {p for p in files if _TOKEN_FILE.fullmatch(p)}
    if TIMESTAMPS_FILE not in files:
        if requested:
            problems.append(
                f"{TIMESTAMPS_FILE}: missing (package.json says timestamps were requested)"
            )
        problems.extend(f"{p}: token file without {TIMESTAMPS_FILE}" for p in sorted(token_files))
        return [], []
    document = _json(files[TIMESTAMPS_FILE], TIMESTAMPS_FILE, problems)
    if document is None:
        return [], []
    attempts = [a for a in document.get("attempts") or [] if isinstance(a, dict)]
    if package is not None and requested is None:
        problems.append(f"{TIMESTAMPS_FILE}: package.json announces no timestamps (file added)")
    elif package is not None and (
        document.get("requested") != requested or len(attempts) != len(requested or ())
    ):
        problems.append(
            f"{TIMESTAMPS_FILE}: does not record one attempt per TSA that package.json names"
        )
    recorded = (document.get("package_json") or {}).get("sha256")
    if PACKAGE_JSON in hashes and recorded != hashes[PACKAGE_JSON]:
        problems.append(
            f"{TIMESTAMPS_FILE}: is for package.json sha256:{recorded}, but package.json "
            f"hashes to {hashes[PACKAGE_JSON]} (package.json changed)"
        )
    tokens: list[PackageToken] = []
    failures: list[str] = []
    named: set[str] = set()
    for attempt in attempts:
        if attempt.get("status") != "ok":
            failures.append(
                f"{attempt.get('tsa_url')}: {attempt.get('status')}: {attempt.get('message')}"
            )
            continue
        named.update({str(attempt.get("tsq")), str(attempt.get("tsr"))})
        token = _check_token(attempt, files, hashes, tsa_ca)
        tokens.append(token)
        if token.status == "fail":
            problems.append(token.detail)
    for p in sorted(token_files - named):
        problems.append(f"{p}: token file not described in {TIMESTAMPS_FILE} (file added)")
    return tokens, failures


def _check_token(
    entry: Mapping[str, Any],
    files: Mapping[str, bytes],
    hashes: Mapping[str, str],
    tsa_ca: Path | None,
) -> PackageToken:
    """Offline: files, hashes, imprint = SHA-256(package.json), the reply's nonce = the
    request's. With a CA file: `openssl ts -verify` as of the token's genTime."""
    tsq, tsr = str(entry.get("tsq")), str(entry.get("tsr"))
    url, gen_time = str(entry.get("tsa_url")), str(entry.get("gen_time"))

    def result(status: str, message: str, about: str = tsr) -> PackageToken:
        return PackageToken(tsr, url, gen_time, status, message, about)

    for name, key in ((tsq, "tsq_sha256"), (tsr, "tsr_sha256")):
        if not _TOKEN_FILE.fullmatch(name):
            return result("fail", f"not a token file name (in {TIMESTAMPS_FILE})", name)
        if name not in files:
            return result("fail", f"missing (listed in {TIMESTAMPS_FILE})", name)
        if hashes[name] != entry.get(key):
            return result("fail", f"SHA-256 differs from {TIMESTAMPS_FILE} (file changed)", name)
    if PACKAGE_JSON not in files:
        return result("fail", "missing", PACKAGE_JSON)
    digest = hashlib.sha256(files[PACKAGE_JSON]).digest()
    try:
        request = parse_request(files[tsq])
    except TimestampError as exc:
        return result("fail", str(exc), tsq)
    try:
        info = parse_response(files[tsr])
    except TimestampError as exc:
        return result("fail", str(exc))
    if info.hash_algorithm != SHA256_OID or info.hashed_message != digest:
        return result(
            "fail",
            f"not a token over this {PACKAGE_JSON} (its imprint is {info.hashed_message.hex()}, "
            f"SHA-256 of {PACKAGE_JSON} is {digest.hex()})",
        )
    if request.hash_algorithm != SHA256_OID or request.hashed_message != digest:
        return result("fail", f"not a request over this {PACKAGE_JSON}", tsq)
    if request.nonce is None or f"{request.nonce:x}" != entry.get("nonce"):
        return result("fail", f"its nonce is not the one {TIMESTAMPS_FILE} records", tsq)
    try:
        check_matches(info, digest, request.nonce)
    except TimestampError as exc:
        return result("fail", f"does not answer {tsq}: {exc}")
    if str(info.serial) != str(entry.get("serial")) or rfc3339(info.gen_time) != gen_time:
        return result("fail", f"serial or genTime differ from {TIMESTAMPS_FILE}")
    if tsa_ca is None:
        return result(
            "not_checked",
            f"imprint and nonce match {PACKAGE_JSON} and {tsq}; signature not checked "
            "(give --tsa-ca, the TSA's CA file)",
        )
    with tempfile.TemporaryDirectory(prefix="collector-verify-") as tmp:
        token_path, data_path = Path(tmp, "package.tsr"), Path(tmp, PACKAGE_JSON)
        token_path.write_bytes(files[tsr])
        data_path.write_bytes(files[PACKAGE_JSON])
        try:
            # at genTime: a token stays valid after its TSA certificate expires
            checked = verify_token(token_path, data_path, tsa_ca, at_time=info.gen_time)
        except TimestampError as exc:
            return result("fail", str(exc))
    return result(checked.status, f"openssl ts -verify: {checked.message}")


def _verify_signature(
    package_json: bytes, signature: bytes, public_pem: bytes
) -> tuple[bool, str | None]:
    with tempfile.TemporaryDirectory(prefix="collector-verify-") as tmp:
        digest, sig, key = Path(tmp, "digest"), Path(tmp, "sig"), Path(tmp, "key.pem")
        digest.write_bytes(hashlib.sha256(package_json).digest())
        sig.write_bytes(signature)
        key.write_bytes(public_pem)
        der = _run_openssl(["pkey", "-pubin", "-in", str(key), "-outform", "DER"])
        fp = sha256_bytes(der.stdout) if der.returncode == 0 else None
        result = _run_openssl(
            [
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                str(key),
                "-rawin",
                "-in",
                str(digest),
                "-sigfile",
                str(sig),
            ]
        )
    return result.returncode == 0, fp


__all__ = [
    "Exported",
    "PackageError",
    "PackageReport",
    "PackageToken",
    "export_package",
    "redact_har",
    "redact_manifest",
    "verify_package",
    "verify_text",
]


# openssl as this module runs it: its time limit, its error
_run_openssl = functools.partial(openssl.run, timeout=_OPENSSL_TIMEOUT, error=PackageError)
