"""A small store filed the real way (writer, seal, custody) without a browser, and a desk
over it called directly (no sockets)."""

from __future__ import annotations

import email.message
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector.desk import auth
from collector.desk.app import Desk, Request, Response
from collector.evidence.store import EvidenceStore, new_capture_id
from collector.models import FiledCapture
from collector.records.custody import record_capture
from collector.records.index import Index
from collector.timeutil import rfc3339, utc_now
from tests.support.site import solid_png

HOSTILE = "<script>window.__pwned=1</script><img src=x onerror=alert(1)>\u202eevil"
PASSWORD = "kata-sandi-rahasia"


def file_capture(
    root: Path,
    *,
    url: str = "https://www.instagram.com/budi/",
    title: str = "Budi",
    case: str | None = "UNIT-1",
    text: str = "netralitas ASN",
    outcome: str = "ok",
    findings: list[dict[str, Any]] | None = None,
) -> FiledCapture:
    store = EvidenceStore(root)
    store.ensure_writable()
    writer = store.begin(new_capture_id())
    writer.write_bytes("screenshot.png", solid_png((200, 30, 30), 320, 900), "image/png")
    writer.write_bytes("dom.html", f"<title>{title}</title>".encode(), "text/html")
    writer.write_bytes("text.txt", text.encode(), "text/plain; charset=utf-8")
    if findings:
        writer.write_bytes("find-1.png", solid_png((0, 0, 200), 50, 50), "image/png")
    now = rfc3339(utc_now())
    manifest: dict[str, Any] = {
        "capture_id": writer.capture_id,
        "requested_url": url,
        "final_url": url,
        "outcome": outcome,
        "outcome_reason": "",
        "started_at": now,
        "finished_at": now,
        "case": case,
        "operator": "tester",
        "note": None,
        "page": {"title": title},
        "screenshot": {"png_width": 320, "png_height": 900},
    }
    if findings is not None:
        manifest["findings"] = findings
    writer.write_manifest(manifest)
    filed = writer.seal()
    with Index(store.index_path) as index:
        record_capture(store, index, filed)
    return filed


def request(
    method: str,
    target: str,
    form: dict[str, str] | None = None,
    *,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Request:
    from urllib.parse import urlencode

    message = email.message.Message()
    message["Host"] = "127.0.0.1:8700"
    for key, value in (headers or {}).items():
        del message[key]
        message[key] = value
    if cookies:
        message["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = b""
    if form is not None:
        message["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(form).encode()
    return Request(method, target, message, body)


def cookies_of(response: Response) -> dict[str, str]:
    out = {}
    for name, value in response.headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            out[key] = rest.split(";", 1)[0]
    return out


@pytest.fixture
def store_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "evidence"
    yield root
    for path in root.rglob("*"):  # let pytest remove the read-only capture folders
        if path.is_dir():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def local_desk(store_root: Path) -> Iterator[Desk]:
    """A desk on loopback, without users, over a store with one capture."""
    file_capture(store_root, title=HOSTILE)
    desk = Desk(store_root)
    with Index(desk.store.index_path):
        pass
    yield desk


@pytest.fixture
def users_desk(store_root: Path) -> Iterator[Desk]:
    """A desk with an admin, an investigator and a reviewer."""
    file_capture(store_root)
    with Index(EvidenceStore(store_root).index_path) as index:
        auth.add_user(index, "boss", "admin", PASSWORD)
        auth.add_user(index, "dwi", "investigator", PASSWORD)
        auth.add_user(index, "rina", "reviewer", PASSWORD)
    yield Desk(store_root)
