"""Secrets never leave the machine: every byte of every export (the case zip with its inner
gzip members decompressed, the WACZ with its WARCs, the report), and every stored byte of a
logged-in capture, is searched for planted secret values.

Planted: the test site's session cookie (`Set-Cookie`, then sent back as `Cookie`), the
bearer token its script sends in an `Authorization` header, and an investigator session's
cookie loaded with `--storage-state`.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.helpers import capture_folders, read_har, run_cli
from tests.support.site import SECRET_COOKIE, SECRET_TOKEN, SiteServer

CASE = "RAHASIA-1"
SESSION_VALUE = "RAHASIA-SESI-77e1"
SECRETS = (
    SECRET_COOKIE.split("=", 1)[1].encode(),  # the site's session cookie value
    SECRET_TOKEN.split(" ", 1)[1].encode(),  # the bearer token
    SESSION_VALUE.encode(),  # the investigator's login cookie
)


def session_file(path: Path, host: str) -> Path:
    state = {
        "cookies": [
            {
                "name": "sesi_peneliti",
                "value": SESSION_VALUE,
                "domain": host,
                "path": "/",
                "expires": 1893456000,
                "httpOnly": True,
                "secure": False,
                "sameSite": "Lax",
            }
        ],
        "origins": [],
    }
    path.write_text(json.dumps(state), encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def store(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("secrets")
    store = work / "evidence"
    anonymous = run_cli("capture", site.url("/cookie"), "--case", CASE, store=store)
    assert anonymous.exit_code == 0, anonymous.output
    host = site.url("/").split("//", 1)[1].split(":", 1)[0]
    state = session_file(work / "sesi.json", host)
    logged_in = run_cli(
        "capture",
        site.url("/cookie?sesi=1"),
        "--case",
        CASE,
        "--storage-state",
        str(state),
        store=store,
    )
    assert logged_in.exit_code == 0, logged_in.output
    return store


def every_byte(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """The bytes of a file, and of everything inside it: ZIP members (a zip package, a
    WACZ) and gzip members (a WARC), recursively."""
    yield name, data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                yield from every_byte(f"{name}!{member}", zf.read(member))
    elif data[:2] == b"\x1f\x8b":
        yield from every_byte(f"{name}!gunzip", gzip.decompress(data))


def leaks(path: Path) -> list[str]:
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    return [
        f"{name}: {secret.decode()}"
        for f in files
        for name, data in every_byte(str(f), f.read_bytes())
        for secret in SECRETS
        if secret in data
    ]


def test_the_secrets_were_really_sent(store: Path) -> None:
    """Without this, the searches below could pass for want of anything to find."""
    anonymous, logged_in = sorted(
        capture_folders(store),
        key=lambda f: "sesi=1" in (f / "manifest.json").read_text("utf-8"),
    )
    raw = b"".join(
        d for _, d in every_byte("", (anonymous / f"{anonymous.name}.warc.gz").read_bytes())
    )
    assert SECRETS[0] in raw and SECRETS[1] in raw  # the store keeps what the page sent
    manifest = json.loads((logged_in / "manifest.json").read_text("utf-8"))
    assert manifest["session"]["file"] == "sesi.json"
    assert manifest["session"]["har_cookies_redacted"] >= 2  # its Cookie and the Set-Cookie
    har = read_har(logged_in)
    sent = [
        h
        for e in har["log"]["entries"]
        for h in e["request"]["headers"]
        if h["name"].lower() in ("cookie", "authorization")
    ]
    assert sent and all(h["value"] == "[redacted by collector]" for h in sent)


def test_a_logged_in_capture_stores_no_secret(store: Path) -> None:
    (logged_in,) = [
        f for f in capture_folders(store) if "sesi=1" in (f / "manifest.json").read_text("utf-8")
    ]
    assert leaks(logged_in) == []


def test_no_manifest_holds_a_secret(store: Path) -> None:
    for folder in capture_folders(store):
        assert leaks(folder / "manifest.json") == []
        headers = json.loads((folder / "manifest.json").read_text("utf-8"))["response"]["headers"]
        (set_cookie,) = [v for n, v in headers if n.lower() == "set-cookie"]
        assert set_cookie.startswith("[redacted by collector] sha256:")


def test_no_export_holds_a_secret(store: Path, tmp_path: Path) -> None:
    package = tmp_path / "kasus.zip"
    wacz = tmp_path / "kasus.wacz"
    report = tmp_path / "laporan.html"
    for args in (
        ("export", "--case", CASE, "--out", str(package)),
        ("export", "--format", "wacz", "--case", CASE, "--out", str(wacz)),
        ("report", "--case", CASE, "--out", str(report)),
    ):
        result = run_cli(*args, store=store)
        assert result.exit_code == 0, result.output
    for made in (package, wacz, report):
        assert leaks(made) == [], made
    checked = run_cli("verify-package", str(package))
    assert checked.exit_code == 0, checked.output
    # the zip's WARC went in as a redacted copy, recorded against the stored original
    with zipfile.ZipFile(package) as zf:
        redactions = json.loads(zf.read("kasus/package.json"))["redactions"]
    assert sum(r["file"].endswith(".warc.gz") for r in redactions) == 1
    assert run_cli("verify", "--no-record", store=store).exit_code == 0
