"""The case report: hostile captured strings stay inert in a real browser; everything a
reviewer needs is there; it prints."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import capture_folders, run_cli
from tests.support.site import XSS_PAYLOADS, SiteServer

CASE = "BAWASLU-XSS-1"
NOTE = '<script>window.__pwned = 3</script><img src=x onerror="window.__pwned = 4"> catatan'


@pytest.fixture(scope="module")
def filled(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("report") / "evidence"
    result = run_cli(
        "capture",
        site.url("/xss"),
        site.url("/page/indonesian"),
        "--case",
        CASE,
        "--operator",
        "<b>Operator</b>",
        "--note",
        "<i>dilaporkan</i>",
        store=store,
    )
    assert result.exit_code == 0, result.output
    xss = next(f for f in capture_folders(store) if "/xss" in (f / "manifest.json").read_text())
    assert run_cli("note", xss.name, NOTE, "--operator", "Rina", store=store).exit_code == 0
    return store


@pytest.fixture
def store(filled: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "evidence"
    shutil.copytree(filled, copy)
    yield copy
    for path in copy.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def open_inert(page: Any, url: str) -> list[str]:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_timeout(300)
    return dialogs


def assert_nothing_ran(page: Any, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert "PWNED" not in page.title()
    assert page.evaluate("document.scripts.length") == 0


def test_standalone_report_runs_no_script(store: Path, tmp_path: Path, page: Any) -> None:
    out = tmp_path / "laporan.html"
    result = run_cli("report", "--case", CASE, "--out", str(out), store=store)
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "<script" not in text.lower() and "onerror=" not in text.replace("onerror=&quot;", "")
    assert "default-src &#x27;none&#x27;" in text or "default-src 'none'" in text
    dialogs = open_inert(page, out.as_uri())
    assert_nothing_ran(page, dialogs)
    body = page.inner_text("body")
    # the payloads are shown, as text, for the reviewer to see
    assert XSS_PAYLOADS[0] in body and "window.__pwned = 3" in body
    assert "<b>Operator</b>" in body and "<i>dilaporkan</i>" in body
    # screenshots are embedded and load with no network
    widths = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
    assert len(widths) == 2 and all(w == 1280 for w in widths)
    assert all(
        src.startswith("data:image/png;base64,")
        for src in page.evaluate("Array.from(document.images).map(i => i.getAttribute('src'))")
    )


def test_report_inside_a_package_runs_no_script_and_links_screenshots(
    store: Path, tmp_path: Path, page: Any
) -> None:
    out = tmp_path / "paket.zip"
    assert run_cli("export", "--case", CASE, "--out", str(out), store=store).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        zf.extractall(tmp_path / "x")
    report = tmp_path / "x" / "paket" / "report.html"
    dialogs = open_inert(page, report.as_uri())
    assert_nothing_ran(page, dialogs)
    links = page.evaluate("Array.from(document.links).map(a => a.getAttribute('href'))")
    shots = [h for h in links if h.endswith("/screenshot.png")]
    assert len(shots) == 2 and all(
        re.fullmatch(r"captures/[0-9A-Za-z-]+/screenshot\.png", h) for h in shots
    )
    assert all((report.parent / h).is_file() for h in shots)
    # relative screenshots load under the CSP when opened from disk
    widths = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
    assert widths == [1280, 1280]
    # captured URLs are text, never links
    assert not [h for h in links if h.startswith("http")]


def test_report_holds_what_a_reviewer_needs(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "laporan.html"
    assert run_cli("report", "--case", CASE, "--out", str(out), store=store).exit_code == 0
    text = out.read_text("utf-8")
    for label in (
        "Ringkasan",
        "Summary",
        "URL yang diminta",
        "Requested URL",
        "URL akhir",
        "Final URL",
        "Hasil",
        "Outcome",
        "Operator",
        "Perkara",
        "Catatan",
        "Notes",
        "Peramban",
        "Browser",
        "Riwayat kustodi",
        "Custody history",
        "WIB",
    ):
        assert label in text, label
    for folder in capture_folders(store):
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        assert folder.name in text and manifest["started_at"] in text
        assert manifest["browser"]["version"] in text
        for artifact in manifest["artifacts"]:
            assert artifact["sha256"] in text
        assert hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest() in text
    assert text.count("captured") >= 2 and "catatan" in text
    again = run_cli("report", "--case", CASE, "--out", str(out), store=store)
    assert again.exit_code == 2 and "already exists" in again.output


def test_report_prints_to_pdf(store: Path, tmp_path: Path, page: Any) -> None:
    out = tmp_path / "laporan.html"
    assert run_cli("report", "--case", CASE, "--out", str(out), store=store).exit_code == 0
    page.goto(out.as_uri())
    pdf = tmp_path / "laporan.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 3  # summary, then each capture starts on its own page


def test_report_of_unknown_case(store: Path, tmp_path: Path) -> None:
    result = run_cli(
        "report", "--case", "TIDAK-ADA", "--out", str(tmp_path / "r.html"), store=store
    )
    assert result.exit_code == 2 and "no captures in case" in result.output
