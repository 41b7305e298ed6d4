"""Writing evidence packages: a case's captures, their custody segment and a report, in one
ZIP that anyone can check without collector, with `sha256sum -c` and a JSON viewer.

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
HAR; the WARC's request, response and revisit records (a revisit keeps the response's
whole head) and its provenance record; the manifest's
response headers in captures filed before collector redacted them at capture time) is not
copied; a redacted copy (collector.evidence.redact, the same redaction as the WACZ export)
goes in its place under another name (`network.redacted.har.gz`, `<id>.redacted.warc.gz`,
`manifest.redacted.json`), and package.json records the original's SHA-256 (the one the
capture's SHA256SUMS lists) and the copy's. So `sha256sum -c --ignore-missing SHA256SUMS`
still passes inside a capture folder.

Checking a package (`collector verify-package`) is collector.export.package_check, which also
holds the names of the format's files.

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

import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from collector import __version__
from collector.errors import StoreError, UsageError
from collector.evidence import openssl
from collector.evidence.har import is_har, repack_har, unpack_har
from collector.evidence.hashing import sha256_bytes, sha256_file
from collector.evidence.redact import SECRET_HEADERS, redact_har, redact_manifest
from collector.evidence.stamps import (
    TIMESTAMPS_VERSION,
    Failure,
    TsaSettings,
    obtain,
    token_entry,
    token_file_names,
)
from collector.evidence.store import MANIFEST, SUMS, EvidenceStore, pretty_json
from collector.evidence.sums import format_sums
from collector.evidence.warc import ArchiveError, capture_warc
from collector.evidence.warc_copy import copy_warc
from collector.export.package_check import (
    CUSTODY_FILE,
    FORMAT,
    FORMAT_VERSION,
    PACKAGE_JSON,
    PUBLIC_KEY,
    SIGNATURE,
    TIMESTAMPS_FILE,
    TOKEN_STEM,
    run_openssl,
)
from collector.export.partial import claim_part
from collector.records import custody
from collector.records.custody import Action, NewEvent
from collector.records.index import Index
from collector.review.report import CaptureData, ReportData, gather, render
from collector.review.verify import verify_capture
from collector.sites.urls import redact_url_credentials
from collector.timeutil import rfc3339, utc_now

_NAME = re.compile(r"[^0-9A-Za-z._-]+")
# a redacted copy is first written to memory, then to a temporary file beyond this size
_SPOOL_BYTES = 32 << 20

__all__ = ["Exported", "export_package", "redacted_name", "verify_text"]


def redacted_name(name: str) -> str:
    """`network.har.gz` -> `network.redacted.har.gz`, `<id>.warc.gz` -> `<id>.redacted.warc.gz`."""
    stem, dot, ext = name.partition(".")
    return f"{stem}.redacted.{ext}" if dot else f"{name}.redacted"


# --- writing --------------------------------------------------------------------------------


@dataclass
class _Writer:
    zf: zipfile.ZipFile
    root: str
    zip_time: tuple[int, int, int, int, int, int]
    spool_dir: Path  # where a large redacted copy waits before it goes into the ZIP
    hashes: dict[str, str] = field(default_factory=dict)

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=self.zip_time)
        info.compress_type = zipfile.ZIP_STORED if path.endswith(".png") else zipfile.ZIP_DEFLATED
        info.external_attr = 0o444 << 16
        return info

    def add(self, path: str, data: bytes) -> str:
        digest = sha256_bytes(data)
        self.zf.writestr(self._info(path), data)
        self.hashes[path] = digest
        return digest

    def add_file(self, path: str, source: Path, expected: str | None) -> str:
        """Copy a stored file as is, hashing the bytes as they go into the package."""
        with source.open("rb") as src:
            digest = self.add_stream(path, src)
        if expected is not None and digest != expected:
            raise StoreError(f"{source} changed while it was being packaged; nothing exported")
        return digest

    def add_stream(self, path: str, src: IO[bytes]) -> str:
        """Copy an open file from its start, hashing the bytes as they go in."""
        info = self._info(path)
        info.file_size = src.seek(0, os.SEEK_END)
        src.seek(0)
        h = hashlib.sha256()
        with self.zf.open(info, "w") as dst:
            while chunk := src.read(1 << 20):
                h.update(chunk)
                dst.write(chunk)
        self.hashes[path] = digest = h.hexdigest()
        return digest


@dataclass(frozen=True)
class Exported:
    path: Path
    sha256: str
    package_json_sha256: str
    captures: tuple[str, ...]
    redactions: int
    entry: dict[str, Any] | None  # None: not recorded (a read-only store)
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
    record: bool = True,
) -> Exported:
    """Write the package for `case` (all its captures, or `refs`) to `out` (never
    overwritten), then append the `exported` custody event (not with `record` False: a
    read-only store, whose log cannot grow). With `tsa`, each TSA is asked for a time-stamp
    token over SHA-256(package.json); a failing TSA is recorded, never raised."""
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
    tmp, part = claim_part(out)  # a .part left by a killed export is taken over
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            w = _Writer(zf, root, created.timetuple()[:6], out.parent)
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
                head_seq=head["seq"],
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
            w.add(SUMS, format_sums(w.hashes.items()))
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        zip_sha, _ = sha256_file(tmp)
        try:
            os.link(tmp, out)  # fails if `out` appeared meanwhile: never overwrite
        except FileExistsError:
            raise UsageError(f"{out} already exists; refusing to overwrite it") from None
    finally:
        tmp.unlink(missing_ok=True)
        os.close(part)
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
            "custody_head_seq": head["seq"],
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
    entry = None
    try:
        if record:
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
    """Copy a capture folder into the package; a file holding secrets (the HAR, the WARC,
    a manifest filed before capture-time redaction) goes in as a redacted copy instead."""
    base = f"captures/{cap.capture_id}"
    listed = {a["name"]: a["sha256"] for a in cap.artifacts}
    redactions = []
    manifest_file = MANIFEST
    warc = capture_warc({"capture_id": cap.capture_id, "artifacts": cap.artifacts})
    for path in sorted(cap.folder.iterdir()):
        name = path.name
        expected = listed.get(name) if name != MANIFEST else cap.manifest_sha256
        if name == warc or (name.startswith("refers-") and name.endswith(".warc.gz")):
            redacted = _add_redacted_warc(w, base, path, expected)
        elif is_har(name) or name == MANIFEST:
            redacted = _add_redacted_json(w, base, path, expected)
        else:
            redacted = None
        if redacted is None:
            w.add_file(f"{base}/{name}", path, expected)
            continue
        redactions.append({"capture_id": cap.capture_id, **redacted})
        if name == MANIFEST:
            manifest_file = redacted_name(name)
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


def _redaction(
    base: str, name: str, original_sha256: str, redacted_sha256: str, count: int
) -> dict[str, Any]:
    return {
        "file": f"{base}/{name}",
        "original_sha256": original_sha256,
        "redacted_file": f"{base}/{redacted_name(name)}",
        "redacted_sha256": redacted_sha256,
        "values_redacted": count,
        "headers": sorted(SECRET_HEADERS),
    }


def _add_redacted_json(
    w: _Writer, base: str, path: Path, expected: str | None
) -> dict[str, Any] | None:
    """A HAR or manifest with secret values: its redacted copy, and the redaction record;
    None when it holds none (then the file itself goes in)."""
    original = path.read_bytes()
    if expected is not None and sha256_bytes(original) != expected:
        raise StoreError(f"{path} changed while it was being packaged; nothing exported")
    try:
        if path.name == MANIFEST:
            copy, count = redact_manifest(original)
        else:
            copy, count = redact_har(unpack_har(path.name, original))
            copy = repack_har(path.name, copy) if count else copy
    except ValueError as exc:
        raise StoreError(
            f"{path} is not valid JSON, so its secrets cannot be redacted: {exc}"
        ) from exc
    if not count:
        return None
    digest = w.add(f"{base}/{redacted_name(path.name)}", copy)
    return _redaction(base, path.name, sha256_bytes(original), digest, count)


def _add_redacted_warc(
    w: _Writer, base: str, path: Path, expected: str | None
) -> dict[str, Any] | None:
    """The WARC with secret header values redacted (the same redaction as the WACZ export),
    and the redaction record; None when it holds none."""
    with tempfile.SpooledTemporaryFile(_SPOOL_BYTES, dir=str(w.spool_dir)) as spool:
        try:
            copied = copy_warc(path, spool, redact=True)
        except ArchiveError as exc:
            raise StoreError(f"{path}: its secrets cannot be redacted: {exc}") from exc
        if expected is not None and copied.source_sha256 != expected:
            raise StoreError(f"{path} changed while it was being packaged; nothing exported")
        if not copied.redacted:
            return None
        digest = w.add_stream(f"{base}/{redacted_name(path.name)}", spool)
    if digest != copied.summary.sha256:
        raise StoreError(f"the redacted copy of {path} changed while it was being packaged")
    return _redaction(base, path.name, copied.source_sha256, digest, len(copied.redacted))


def _sign(package_bytes: bytes, key: Path) -> tuple[bytes, bytes, str]:
    """Ed25519 signature over the raw SHA-256 digest of package.json; (sig, public PEM,
    SHA-256 of the public key's DER)."""
    pub = run_openssl(["pkey", "-in", str(key), "-pubout", "-passin", "pass:"])
    if pub.returncode != 0 or b"PUBLIC KEY" not in pub.stdout:
        raise UsageError(
            f"cannot read signing key {key} (an unencrypted Ed25519 PEM key: "
            f"openssl genpkey -algorithm ed25519 -out key.pem): {openssl.stderr_of(pub)}"
        )
    der = run_openssl(["pkey", "-pubin", "-outform", "DER"], pub.stdout)
    if der.returncode != 0 or len(der.stdout) != 44:
        raise UsageError(f"{key} is not an Ed25519 key (openssl genpkey -algorithm ed25519)")
    with tempfile.TemporaryDirectory(prefix="collector-sign-") as tmp:
        digest = Path(tmp, "digest.bin")
        digest.write_bytes(hashlib.sha256(package_bytes).digest())
        out = Path(tmp, "sig")
        result = run_openssl(
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
