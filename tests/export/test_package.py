"""Evidence packages: self-contained, checkable with standard tools, secrets redacted in the
copies only, any one-byte change named by `verify-package`, optional Ed25519 signature."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import capture_folders, run_cli, store_copy
from tests.support.site import SECRET_COOKIE, SECRET_TOKEN, SiteServer

CASE = "BKPSDM-2024-017"


@pytest.fixture(scope="module")
def pristine(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("package") / "evidence"
    result = run_cli(
        "capture",
        site.url("/page/indonesian"),
        site.url("/cookie"),
        "--case",
        CASE,
        "--operator",
        "Dwi A.",
        store=store,
    )
    assert result.exit_code == 0, result.output
    result = run_cli(
        "capture",
        site.url("/final?kasus=lain"),
        "--case",
        "KASUS-LAIN",
        "--operator",
        "Sari",
        store=store,
    )
    assert result.exit_code == 0, result.output
    other = [f for f in capture_folders(store) if "kasus=lain" in (f / "manifest.json").read_text()]
    assert run_cli("note", other[0].name, "catatan rahasia kasus lain", store=store).exit_code == 0
    return store


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Iterator[Path]:
    with store_copy(pristine, tmp_path / "evidence") as copy:
        yield copy


@pytest.fixture(scope="module")
def package(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export per module (from a copy, so the pristine store stays as captured)."""
    work = tmp_path_factory.mktemp("pkg")
    store = work / "evidence"
    shutil.copytree(pristine, store)
    out = work / "kasus.zip"
    result = run_cli(
        "export", "--case", CASE, "--out", str(out), "--operator", "Dwi A.", store=store
    )
    assert result.exit_code == 0, result.output
    return out


def unzip(package: Path, into: Path) -> Path:
    with zipfile.ZipFile(package) as zf:
        zf.extractall(into)
    (root,) = list(into.iterdir())
    for p in root.rglob("*"):
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    return root


def rezip(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder.parent).as_posix())
    return out


def verify_package(path: Path) -> tuple[int, str]:
    result = run_cli("verify-package", str(path))
    return result.exit_code, result.output


def package_json(root: Path) -> dict[str, Any]:
    return json.loads((root / "package.json").read_text("utf-8"))


def cookie_folder(store: Path) -> Path:
    return next(
        f
        for f in capture_folders(store)
        if "/cookie" in json.loads((f / "manifest.json").read_text())["requested_url"]
    )


# --- a good package -------------------------------------------------------------------------


def test_package_verifies_with_collector_and_with_standard_tools(
    package: Path, tmp_path: Path
) -> None:
    code, out = verify_package(package)
    assert code == 0, out
    assert out.startswith("PASS") and f"case {CASE}, 2 captures" in out
    root = unzip(package, tmp_path)
    assert root.name == "kasus"
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=root, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    listed = {line.split("  ", 1)[1] for line in (root / "SHA256SUMS").read_text().splitlines()}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert listed == on_disk - {"SHA256SUMS"}
    for folder in (root / "captures").iterdir():
        check = subprocess.run(
            ["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr
    for args in (["package.json"], ["--json-lines", "custody/custody.jsonl"]):
        tool = subprocess.run(
            [sys.executable, "-m", "json.tool", *args], cwd=root, capture_output=True
        )
        assert tool.returncode == 0, tool.stderr
    text = (root / "VERIFY.txt").read_text("utf-8")
    assert "sha256sum -c SHA256SUMS" in text and "python3 -m json.tool" in text
    assert "BAHASA INDONESIA" in text and "ENGLISH" in text
    assert (root / "report.html").is_file()
    # the unzipped folder checks too
    assert verify_package(root)[0] == 0


def verify_steps(text: str, system: str) -> list[str]:
    """The commands VERIFY.txt gives for `system` (Linux:, macOS:), in order, both languages."""
    prefix = f"{system}:"
    return [
        line.strip()[len(prefix) :].strip()
        for line in text.splitlines()
        if line.strip().startswith(prefix) and not line.strip().startswith(f"{prefix} seperti")
    ]


@pytest.mark.skipif(shutil.which("shasum") is None, reason="shasum (Debian's perl) not installed")
def test_verify_txt_macos_steps_run_as_written(package: Path, tmp_path: Path) -> None:
    """The macOS steps are `shasum`, which Debian's perl ships too: run them as written."""
    root = unzip(package, tmp_path)
    text = (root / "VERIFY.txt").read_text("utf-8")
    steps = verify_steps(text, "macOS")
    assert steps[:3] == [
        "shasum -a 256 kasus.zip",
        "shasum -a 256 -c SHA256SUMS",
        "cd captures/<id> && shasum -a 256 -c --ignore-missing SHA256SUMS",
    ]
    assert steps[3:] == steps[:3]  # Bahasa Indonesia, then English
    # 1: the ZIP's SHA-256, as export printed it
    zipped = subprocess.run(
        ["sh", "-c", steps[0]], cwd=package.parent, capture_output=True, text=True, check=True
    )
    assert zipped.stdout.split()[0] == hashlib.sha256(package.read_bytes()).hexdigest()
    # 2: every file
    every = subprocess.run(["sh", "-c", steps[1]], cwd=root, capture_output=True, text=True)
    assert every.returncode == 0, every.stdout + every.stderr
    listed = (root / "SHA256SUMS").read_text().splitlines()
    assert every.stdout.count(": OK") == len(listed)
    # 3: each capture in its folder
    for folder in (root / "captures").iterdir():
        command = steps[2].replace("captures/<id>", f"captures/{folder.name}")
        done = subprocess.run(["sh", "-c", command], cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert ": OK" in done.stdout and "FAILED" not in done.stdout
    # a changed byte fails, and names the file
    shot = next((root / "captures").iterdir()) / "screenshot.png"
    data = bytearray(shot.read_bytes())
    data[-1] ^= 1
    shot.write_bytes(bytes(data))
    tampered = subprocess.run(["sh", "-c", steps[1]], cwd=root, capture_output=True, text=True)
    assert tampered.returncode != 0
    assert f"{shot.relative_to(root).as_posix()}: FAILED" in tampered.stdout


def test_verify_txt_windows_steps_compare_by_eye(package: Path, tmp_path: Path) -> None:
    """No certutil or PowerShell here: what a clerk compares must be there to compare. Both
    print a file's SHA-256 as 64 hex digits (PowerShell in capitals); SHA256SUMS has each
    file's as 64 lowercase hex digits, and the steps name files that exist."""
    root = unzip(package, tmp_path)
    text = (root / "VERIFY.txt").read_text("utf-8")
    for command in ("certutil -hashfile kasus.zip SHA256", "Get-FileHash -Algorithm SHA256 kasus.zip",
                    "certutil -hashfile package.json SHA256", "Get-FileHash -Algorithm SHA256 package.json"):  # fmt: skip
        assert text.count(command) == 2, command  # both languages
    assert text.count("captures\\<id>\\screenshot.png") == 2
    for line in (root / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert len(digest) == 64 and digest == digest.lower() and int(digest, 16) >= 0
        assert (root / name).is_file()
    assert "package.json" in (root / "SHA256SUMS").read_text()


def test_package_json_describes_the_package(package: Path, tmp_path: Path) -> None:
    root = unzip(package, tmp_path)
    meta = package_json(root)
    assert meta["format"] == "collector-evidence-package" and meta["case"] == CASE
    assert meta["created"].endswith("Z") and meta["operator"] == "Dwi A."
    assert meta["collector_version"]
    assert len(meta["captures"]) == 2
    for cap in meta["captures"]:
        folder = root / cap["folder"]
        assert (folder / "screenshot.png").is_file() and (folder / "SHA256SUMS").is_file()
        sums = dict(
            reversed(line.split("  ", 1))
            for line in (folder / "SHA256SUMS").read_text().splitlines()
        )
        assert sums["manifest.json"] == cap["manifest_sha256"]
    entries = [
        json.loads(line)
        for line in (root / "custody/custody.jsonl").read_text("utf-8").splitlines()
    ]
    assert entries[-1]["entry_hash"] == meta["custody"]["head_hash"]
    assert entries[0]["seq"] == meta["custody"]["first_seq"]
    captured = {e["capture_ids"][0]: e for e in entries if e.get("action") == "captured"}
    for cap in meta["captures"]:
        assert captured[cap["id"]]["details"]["manifest_sha256"] == cap["manifest_sha256"]
    for path, digest in meta["files"].items():
        assert hashlib.sha256((root / path).read_bytes()).hexdigest() == digest


def test_other_cases_are_withheld_but_the_chain_still_links(package: Path, tmp_path: Path) -> None:
    root = unzip(package, tmp_path)
    entries = [
        json.loads(line)
        for line in (root / "custody/custody.jsonl").read_text("utf-8").splitlines()
    ]
    withheld = [e for e in entries if e.get("withheld")]
    assert len(withheld) == 2  # the other case's capture and its note
    assert set(withheld[0]) == {"seq", "prev_hash", "entry_hash", "withheld"}
    everything = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert b"kasus=lain" not in everything and b"catatan rahasia" not in everything


def test_export_is_a_custody_event_with_the_package_hash(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "paket.zip"
    result = run_cli(
        "export", "--case", CASE, "--out", str(out), "--operator", "Dwi A.", store=store
    )
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"package  sha256:{digest}" in result.output
    last = json.loads((store / "custody.jsonl").read_text("utf-8").splitlines()[-1])
    assert last["action"] == "exported" and last["actor"] == "Dwi A."
    assert last["details"]["package_sha256"] == digest and last["details"]["file"] == "paket.zip"
    with zipfile.ZipFile(out) as zf:
        pj = zf.read("paket/package.json")
    assert last["details"]["package_json_sha256"] == hashlib.sha256(pj).hexdigest()
    assert last["details"]["custody_head"] == json.loads(pj)["custody"]["head_hash"]
    assert run_cli("verify", store=store).exit_code == 0
    # a second export includes the first one's event in its custody segment
    out2 = tmp_path / "paket2.zip"
    assert run_cli("export", "--case", CASE, "--out", str(out2), store=store).exit_code == 0
    with zipfile.ZipFile(out2) as zf:
        seg = zf.read("paket2/custody/custody.jsonl").decode()
    assert '"action":"exported"' in seg and digest in seg


def test_export_only_some_captures(store: Path, tmp_path: Path) -> None:
    first = capture_folders(store)[0].name
    out = tmp_path / "satu.zip"
    result = run_cli("export", "--case", CASE, "--capture", first, "--out", str(out), store=store)
    assert result.exit_code == 0, result.output
    root = unzip(out, tmp_path / "x")
    assert [c["id"] for c in package_json(root)["captures"]] == [first]
    assert verify_package(out)[0] == 0


# --- secrets ------------------------------------------------------------------------------


def test_secrets_redacted_in_the_copies_originals_untouched(
    package: Path, pristine: Path, tmp_path: Path
) -> None:
    original = cookie_folder(pristine)
    har = (original / "network.har.gz").read_bytes()
    warc_file = f"{original.name}.warc.gz"  # the WARC is named after its capture
    warc = (original / warc_file).read_bytes()
    manifest = (original / "manifest.json").read_bytes()
    secret_value = SECRET_COOKIE.split("=", 1)[1].encode()
    # the store keeps what was received in the HAR and the WARC; the manifest keeps the
    # Set-Cookie header's name and a hash of its value (collector.evidence.redact)
    assert secret_value in gzip.decompress(har) and SECRET_TOKEN.encode() in gzip.decompress(har)
    assert secret_value in gzip.decompress(warc) and SECRET_TOKEN.encode() in gzip.decompress(warc)
    set_cookie = f"{SECRET_COOKIE}; Path=/".encode()
    assert secret_value not in manifest
    assert f"[redacted by collector] sha256:{hashlib.sha256(set_cookie).hexdigest()}" in (
        manifest.decode()
    )
    root = unzip(package, tmp_path)
    copy = root / "captures" / original.name
    assert not (copy / "network.har.gz").exists() and not (copy / warc_file).exists()
    assert (copy / "manifest.json").read_bytes() == manifest  # nothing left to redact in it
    everything = b"".join(expanded(p) for p in root.rglob("*") if p.is_file())
    assert secret_value not in everything and b"RAHASIA-TOKEN" not in everything
    red_har = json.loads(gzip.decompress((copy / "network.redacted.har.gz").read_bytes()))
    headers = [
        h
        for e in red_har["log"]["entries"]
        for part in ("request", "response")
        for h in e[part]["headers"]
    ]
    secret_names = {"cookie", "set-cookie", "authorization"}
    assert {h["name"].lower() for h in headers} & secret_names == secret_names
    # one marker for every format (earlier versions wrote "[REDACTED by collector]" here)
    assert all(
        h["value"] == "[redacted by collector]"
        for h in headers
        if h["name"].lower() in secret_names
    )
    red_warc = gzip.decompress((copy / f"{original.name}.redacted.warc.gz").read_bytes())
    assert b"Set-Cookie: [redacted by collector]" in red_warc
    assert b"Authorization: [redacted by collector]" in red_warc
    records = {r["file"]: r for r in package_json(root)["redactions"]}
    assert set(records) == {
        f"captures/{original.name}/network.har.gz",
        f"captures/{original.name}/{warc_file}",
    }
    for name, data in (("network.har.gz", har), (warc_file, warc)):
        rec = records[f"captures/{original.name}/{name}"]
        assert rec["original_sha256"] == hashlib.sha256(data).hexdigest()
        redacted = (root / rec["redacted_file"]).read_bytes()
        assert rec["redacted_sha256"] == hashlib.sha256(redacted).hexdigest()
    # the originals in the store are untouched and still verify
    assert (original / "network.har.gz").read_bytes() == har
    assert (original / warc_file).read_bytes() == warc
    assert run_cli("verify", "--no-record", store=pristine).exit_code == 0


def expanded(path: Path) -> bytes:
    """A file's bytes, and for a .gz file its decompressed members too (the WARC's records
    are gzip members: a secret inside would not show in the compressed bytes)."""
    data = path.read_bytes()
    return data + gzip.decompress(data) if path.name.endswith(".gz") else data


# --- tampering with a package -------------------------------------------------------------


MEMBERS = [
    "captures/{first}/screenshot.png",
    "captures/{first}/manifest.json",
    "captures/{first}/SHA256SUMS",
    "custody/custody.jsonl",
    "package.json",
    "report.html",
    "VERIFY.txt",
    "SHA256SUMS",
]


@pytest.mark.parametrize("member", MEMBERS)
def test_one_byte_changed_anywhere_is_named(package: Path, tmp_path: Path, member: str) -> None:
    root = unzip(package, tmp_path / "x")
    meta = package_json(root)
    plain = next(
        c["id"] for c in meta["captures"] if not c["manifest_file"].endswith("redacted.json")
    )
    name = member.format(first=plain)
    target = root / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    code, out = verify_package(rezip(root, tmp_path / "kasus.zip"))
    assert code == 1, out
    assert out.splitlines()[-1].startswith("FAIL")
    if name == "SHA256SUMS":
        assert "SHA256SUMS" in out
    else:
        assert f"FAIL  {name}:" in out


def test_raw_byte_flip_inside_the_zip_names_the_member(package: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "rusak.zip"
    shutil.copy(package, damaged)
    with zipfile.ZipFile(damaged) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith("screenshot.png"))
    data = bytearray(damaged.read_bytes())
    data[info.header_offset + 30 + len(info.filename.encode()) + 5000] ^= 0xFF
    damaged.write_bytes(bytes(data))
    code, out = verify_package(damaged)
    rel = info.filename.split("/", 1)[1]
    assert code == 1 and f"FAIL  {rel}: damaged in the ZIP" in out


def test_added_and_removed_files_are_named(package: Path, tmp_path: Path) -> None:
    root = unzip(package, tmp_path / "x")
    (root / "captures" / "bukti-baru.png").write_bytes(b"\x89PNG")
    text = next((root / "captures").glob("*/text.txt"))
    text.unlink()
    code, out = verify_package(root)
    assert code == 1
    assert "captures/bukti-baru.png: in the package but not listed in SHA256SUMS" in out
    rel = text.relative_to(root).as_posix()
    assert f"{rel}: listed in SHA256SUMS but missing" in out


def test_consistent_forgery_without_signature_still_breaks_the_custody_link(
    package: Path, tmp_path: Path
) -> None:
    """Edit a manifest and fix every hash list: the custody segment still disagrees."""
    root = unzip(package, tmp_path / "x")
    meta = package_json(root)
    cap = next(c for c in meta["captures"] if c["manifest_file"].endswith("/manifest.json"))
    manifest = root / cap["manifest_file"]
    manifest.write_bytes(manifest.read_bytes().replace(b"Dwi A.", b"Orang Lain"))
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    sums = root / cap["folder"] / "SHA256SUMS"
    sums.write_text(sums.read_text().replace(cap["manifest_sha256"], digest))
    cap["manifest_sha256"] = digest
    for p in list(meta["files"]):
        meta["files"][p] = hashlib.sha256((root / p).read_bytes()).hexdigest()
    (root / "package.json").write_text(json.dumps(meta, indent=2))
    (root / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(root).as_posix()}\n"
            for p in sorted(root.rglob("*"))
            if p.is_file() and p != root / "SHA256SUMS"
        )
    )
    code, out = verify_package(root)
    assert code == 1
    assert f"capture {cap['id']}: custody: manifest.json SHA-256" in out


def test_links_in_a_package_are_refused_not_followed(package: Path, tmp_path: Path) -> None:
    """An unzipped package whose file is a link to an outside copy (same bytes) fails, and
    so does a ZIP member marked as a link."""
    root = unzip(package, tmp_path / "x")
    cid = package_json(root)["captures"][0]["id"]
    member = f"captures/{cid}/screenshot.png"
    outside = tmp_path / "salinan.png"
    shutil.copyfile(root / member, outside)
    (root / member).unlink()
    (root / member).symlink_to(outside)
    code, out = verify_package(root)
    assert code == 1, out
    assert f"FAIL  {member}: a symbolic link, refused" in out
    linked = tmp_path / "tautan.zip"
    with zipfile.ZipFile(package) as zin, zipfile.ZipFile(linked, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith(member):
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                data = str(outside).encode()
            zout.writestr(info, data)
    code, out = verify_package(linked)
    assert code == 1 and f"FAIL  {member}: a symbolic link, refused" in out, out


def test_not_a_package(tmp_path: Path) -> None:
    missing = run_cli("verify-package", str(tmp_path / "tidak-ada.zip"))
    assert missing.exit_code == 2 and "no package at" in missing.output
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"bukan zip")
    result = run_cli("verify-package", str(junk))
    assert result.exit_code == 3 and "not a readable ZIP" in result.output


# --- signing ----------------------------------------------------------------------------------


def test_signed_package(store: Path, tmp_path: Path) -> None:
    key = tmp_path / "kunci.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True)
    out = tmp_path / "bertanda.zip"
    result = run_cli(
        "export", "--case", CASE, "--out", str(out), "--sign-key", str(key), store=store
    )
    assert result.exit_code == 0, result.output
    assert "signed with Ed25519 key sha256:" in result.output
    code, text = verify_package(out)
    assert code == 0 and "signature valid (Ed25519 key sha256:" in text
    root = unzip(out, tmp_path / "x")
    # the openssl commands in VERIFY.txt work as written
    digest = tmp_path / "package.digest"
    digest.write_bytes(hashlib.sha256((root / "package.json").read_bytes()).digest())
    check = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "signing-key.pem",
            "-rawin",
            "-in",
            str(digest),
            "-sigfile",
            "package.json.sig",
        ],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0 and "Signature Verified Successfully" in check.stdout
    assert "openssl pkeyutl -verify" in (root / "VERIFY.txt").read_text()
    # another key's public half in place of the signer's: invalid
    other = tmp_path / "lain.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(other)], check=True)
    pub = subprocess.run(
        ["openssl", "pkey", "-in", str(other), "-pubout"], check=True, capture_output=True
    ).stdout
    (root / "signing-key.pem").write_bytes(pub)
    sums = root / "SHA256SUMS"
    sums.write_text(
        "".join(
            f"{hashlib.sha256(pub).hexdigest()}  signing-key.pem\n"
            if line.endswith("  signing-key.pem")
            else line + "\n"
            for line in sums.read_text().splitlines()
        )
    )
    code, text = verify_package(root)
    assert code == 1 and "package.json.sig: the Ed25519 signature does not match" in text


def test_bad_signing_key_is_a_usage_error(store: Path, tmp_path: Path) -> None:
    key = tmp_path / "bukan-kunci.pem"
    key.write_text("bukan kunci")
    out = tmp_path / "x.zip"
    result = run_cli(
        "export", "--case", CASE, "--out", str(out), "--sign-key", str(key), store=store
    )
    assert result.exit_code == 2 and "cannot read signing key" in result.output
    assert not out.exists() and not list(tmp_path.glob(".x.zip.part"))


# --- refusals -----------------------------------------------------------------------------------


def test_export_never_overwrites_and_needs_a_case(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "ada.zip"
    out.write_bytes(b"sudah ada")
    result = run_cli("export", "--case", CASE, "--out", str(out), store=store)
    assert result.exit_code == 2 and "already exists" in result.output
    assert out.read_bytes() == b"sudah ada"
    result = run_cli("export", "--case", "TIDAK-ADA", "--out", str(tmp_path / "n.zip"), store=store)
    assert result.exit_code == 2 and "no captures in case" in result.output


def test_export_refuses_evidence_that_does_not_verify(store: Path, tmp_path: Path) -> None:
    folder = capture_folders(store)[0]
    folder.chmod(0o755)
    (folder / "text.txt").chmod(0o644)
    (folder / "text.txt").write_text("diubah")
    out = tmp_path / "x.zip"
    result = run_cli("export", "--case", CASE, "--out", str(out), store=store)
    assert result.exit_code == 3 and "does not verify" in result.output
    assert "text.txt: SHA-256 mismatch" in result.output and not out.exists()


def test_export_refuses_a_broken_custody_chain(store: Path, tmp_path: Path) -> None:
    with sqlite3.connect(store / "index.db") as db:
        db.execute("DROP TRIGGER custody_events_no_delete")
        db.execute("DELETE FROM custody_events WHERE seq = 1")
    out = tmp_path / "x.zip"
    result = run_cli("export", "--case", CASE, "--out", str(out), store=store)
    assert result.exit_code == 3 and "the custody log is broken" in result.output
    assert not out.exists()
