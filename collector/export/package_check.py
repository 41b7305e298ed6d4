"""Checking an evidence package offline (`collector verify-package`), without any store or
database, and the names the package format uses (shared with the writer,
collector.export.package, which documents the layout).

What is checked, in order: the top-level SHA256SUMS against every file; package.json and
every file it pins; each capture folder (its manifest, or the redacted copy with the
original's hash recorded; its own SHA256SUMS, read by collector.evidence.sums like the store
verifier reads it); the custody segment; the signature; the RFC 3161 tokens over
package.json (collector.evidence.stamps `check_token`, the same check as the store's).

A package holds regular files only: a symbolic link (in an unzipped folder, or a ZIP member
marked as one) is refused and named, never followed.

Token statuses are the one vocabulary of collector.evidence.rfc3161: `pass`, `fail`,
`not_checked` (imprint and nonce fine, no CA file to check the signature with).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from collector.errors import CollectorError, UsageError
from collector.evidence import openssl
from collector.evidence.hashing import sha256_bytes
from collector.evidence.rfc3161 import VerifyStatus
from collector.evidence.stamps import check_token
from collector.evidence.store import MANIFEST, SUMS, TIMESTAMPS, json_object
from collector.evidence.sums import differing, parse_sums
from collector.records import custody
from collector.records.custody import Located
from collector.timeutil import parse_rfc3339

__all__ = [
    "CUSTODY_FILE",
    "FORMAT",
    "FORMAT_VERSION",
    "PACKAGE_JSON",
    "PUBLIC_KEY",
    "SIGNATURE",
    "TIMESTAMPS_FILE",
    "TOKEN_STEM",
    "UNHASHED",
    "PackageError",
    "PackageReport",
    "PackageToken",
    "run_openssl",
    "verify_package",
]

FORMAT = "collector-evidence-package"
FORMAT_VERSION = 1
PACKAGE_JSON = "package.json"
SIGNATURE = "package.json.sig"
PUBLIC_KEY = "signing-key.pem"
CUSTODY_FILE = "custody/custody.jsonl"
TOKEN_STEM = "package"  # package.tsq/.tsr, package.2.tsq/.tsr, ...
TIMESTAMPS_FILE = "package-timestamps.json"
UNHASHED = frozenset({SUMS, PACKAGE_JSON, SIGNATURE, PUBLIC_KEY, TIMESTAMPS_FILE})
_TOKEN_FILE = re.compile(r"package(?:\.[1-9][0-9]*)?\.ts[qr]")
_CAPTURE_TOKEN_FILE = re.compile(r"manifest(?:\.[1-9][0-9]*)?\.ts[qr]")
_OPENSSL_TIMEOUT = 30


class PackageError(CollectorError):
    """A package cannot be written or read at all (not: a package that fails its checks)."""


# openssl as the package code runs it: its time limit, its error
run_openssl = functools.partial(openssl.run, timeout=_OPENSSL_TIMEOUT, error=PackageError)


class _Source:
    """A package as a ZIP or as an unzipped folder: relative path -> bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.files: dict[str, bytes] = {}
        self.damaged: set[str] = set()
        if path.is_dir():
            self._read_folder(path)
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
                if stat.S_ISLNK(zf.getinfo(name).external_attr >> 16):
                    self.problems.append(f"{rel}: {_LINK}")
                    continue
                try:
                    self.files[rel] = zf.read(name)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                    # a damaged member (CRC mismatch, bad compressed data): name it
                    self.problems.append(f"{rel}: damaged in the ZIP ({exc})")
                    self.files[rel] = b""
                    self.damaged.add(rel)

    def _read_folder(self, top: Path) -> None:
        """Every regular file below `top`; links are named and never followed."""
        for folder, dirs, names in os.walk(top):
            here = Path(folder)
            for name in sorted(dirs + names):
                p = here / name
                rel = p.relative_to(top).as_posix()
                mode = p.lstat().st_mode
                if stat.S_ISLNK(mode):
                    self.problems.append(f"{rel}: {_LINK}")
                elif stat.S_ISREG(mode):
                    self.files[rel] = p.read_bytes()
                elif not stat.S_ISDIR(mode):
                    self.problems.append(f"{rel}: not a regular file (a package holds files only)")
            # os.walk does not descend into links to folders (followlinks=False)


_LINK = "a symbolic link, refused (a package holds regular files only; it is not followed)"


@dataclass(frozen=True)
class PackageToken:
    """One time-stamp token in a package, as checked."""

    tsr: str
    tsa_url: str
    gen_time: str
    status: VerifyStatus  # "pass", "fail", "not_checked" (imprint and nonce fine, no CA)
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
    sums = parse_sums(data)
    problems.extend(f"{label}: {p}" for p in sums.problems)
    return sums.entries


def _json(data: bytes | None, label: str, problems: list[str]) -> dict[str, Any] | None:
    if data is None:
        problems.append(f"{label}: missing")
        return None
    return json_object(data, label, problems)


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
        problems.append(
            f"{base}/{SUMS}: disagrees with the manifest for {differing(sums, expected)}"
        )
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
        token = _check_token(attempt, files, tsa_ca)
        tokens.append(token)
        if token.status == "fail":
            problems.append(token.detail)
    for p in sorted(token_files - named):
        problems.append(f"{p}: token file not described in {TIMESTAMPS_FILE} (file added)")
    return tokens, failures


def _check_token(
    entry: Mapping[str, Any],
    files: Mapping[str, bytes],
    tsa_ca: Path | None,
) -> PackageToken:
    """The token a package-timestamps.json attempt describes, over package.json: the same
    check as a capture's token (collector.evidence.stamps `check_token`)."""
    tsq, tsr = str(entry.get("tsq")), str(entry.get("tsr"))
    url, gen_time = str(entry.get("tsa_url")), str(entry.get("gen_time"))
    for name in (tsq, tsr):
        if not _TOKEN_FILE.fullmatch(name):
            return PackageToken(
                tsr, url, gen_time, "fail", f"not a token file name (in {TIMESTAMPS_FILE})", name
            )
    if PACKAGE_JSON not in files:
        return PackageToken(tsr, url, gen_time, "fail", "missing", PACKAGE_JSON)
    verdict = check_token(
        entry,
        {n: files[n] for n in (tsq, tsr) if n in files},
        hashlib.sha256(files[PACKAGE_JSON]).digest(),
        subject=PACKAGE_JSON,
        record=TIMESTAMPS_FILE,
        tsa_ca=tsa_ca,
    )
    return PackageToken(tsr, url, gen_time, verdict.status, verdict.message, verdict.about)


def _verify_signature(
    package_json: bytes, signature: bytes, public_pem: bytes
) -> tuple[bool, str | None]:
    with tempfile.TemporaryDirectory(prefix="collector-verify-") as tmp:
        digest, sig, key = Path(tmp, "digest"), Path(tmp, "sig"), Path(tmp, "key.pem")
        digest.write_bytes(hashlib.sha256(package_json).digest())
        sig.write_bytes(signature)
        key.write_bytes(public_pem)
        der = run_openssl(["pkey", "-pubin", "-in", str(key), "-outform", "DER"])
        fp = sha256_bytes(der.stdout) if der.returncode == 0 else None
        result = run_openssl(
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
