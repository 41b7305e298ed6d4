"""What a user sees: list, show, doctor, bad input, missing browser, a crash mid-capture."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collector.capture import browser
from collector.errors import BrowserNotFound
from tests.support.helpers import capture_folders, run_cli
from tests.support.site import SiteServer


@pytest.fixture(scope="module")
def filled(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("filled") / "evidence"
    run_cli("capture", site.url("/page/indonesian"), "--case", "KASUS-A", store=store)
    run_cli("capture", site.url("/missing"), "--case", "KASUS-B", "--operator", "Sari", store=store)
    return store


def test_list_table_and_filters(filled: Path, site: SiteServer) -> None:
    out = run_cli("list", store=filled).output
    assert out.splitlines()[0].split() == ["ID", "CAPTURED", "(WIB)", "OUTCOME", "CASE", "URL"]
    assert "WIB" in out and "KASUS-A" in out and "KASUS-B" in out
    only_b = run_cli("list", "--case", "KASUS-B", store=filled).output
    assert "KASUS-B" in only_b and "KASUS-A" not in only_b
    assert "/missing" in run_cli("list", "--outcome", "not_found", store=filled).output
    assert "/missing" not in run_cli("list", "--url", "indonesian", store=filled).output
    none = run_cli("list", "--since", "2999-01-01", store=filled)
    assert none.exit_code == 0 and "no captures match" in none.output


def test_list_json(filled: Path) -> None:
    rows = json.loads(run_cli("list", "--json", store=filled).output)
    assert sorted(r["case_id"] for r in rows) == ["KASUS-A", "KASUS-B"]
    assert all(r["started_at"].endswith("Z") for r in rows)


def test_list_rejects_bad_dates(filled: Path) -> None:
    result = run_cli("list", "--since", "kemarin", store=filled)
    assert result.exit_code == 2 and "not a date" in result.output


def test_show_by_prefix_lists_hashes(filled: Path) -> None:
    folder = capture_folders(filled)[0]
    out = run_cli("show", folder.name[:22], store=filled).output
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert f"capture   {manifest['capture_id']}" in out
    for artifact in manifest["artifacts"]:
        assert artifact["sha256"] in out
    assert "WIB" in out and "manifest  sha256:" in out
    as_json = json.loads(run_cli("show", folder.name, "--json", store=filled).output)
    assert as_json == manifest


def test_show_unknown_or_ambiguous_id(filled: Path) -> None:
    unknown = run_cli("show", "tidak-ada", store=filled)
    assert unknown.exit_code == 2 and "no capture matches 'tidak-ada'" in unknown.output
    ambiguous = run_cli("show", "2", store=filled)
    assert ambiguous.exit_code == 2 and "matches 2 captures" in ambiguous.output


def test_commands_on_a_missing_store_say_so(tmp_path: Path) -> None:
    for command in ("list", "verify", "show"):
        args = [command] + (["x"] if command == "show" else [])
        result = run_cli(*args, store=tmp_path / "nowhere")
        assert result.exit_code == 2 and "no evidence store" in result.output
        assert not (tmp_path / "nowhere").exists()


def test_unwritable_store_is_refused_before_any_browser_work(
    site: SiteServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    result = run_cli("capture", site.url("/final"), store=blocker / "evidence")
    assert result.exit_code == 3 and "is not writable" in result.output


def test_invalid_options_are_usage_errors(site: SiteServer, store: Path) -> None:
    assert run_cli("capture", site.url("/final"), "--viewport", "lebar", store=store).exit_code == 2
    bad_proxy = run_cli("capture", site.url("/final"), "--proxy", "ftp://x:1", store=store)
    assert bad_proxy.exit_code == 2 and "--proxy" in bad_proxy.output
    assert not store.exists()


def test_missing_browser_says_how_to_install(site: SiteServer, store: Path) -> None:
    result = run_cli(
        "capture", site.url("/final"), "--browser-path", "/tidak/ada/chromium", store=store
    )
    assert result.exit_code == 3 and "not an executable file" in result.output


def test_no_browser_anywhere_gives_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLLECTOR_BROWSER", raising=False)
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", ("/tidak/ada/chromium",))
    monkeypatch.setattr(browser, "_playwright_chromium_path", lambda: None)
    with pytest.raises(BrowserNotFound) as info:
        browser.find_browser()
    assert browser.INSTALL_COMMAND in str(info.value)
    assert "apt-get install -y chromium-headless-shell chromium fonts-noto-color-emoji" in str(
        info.value
    )


def test_browser_search_order(monkeypatch: pytest.MonkeyPatch, browser_executable: str) -> None:
    monkeypatch.setenv("COLLECTOR_BROWSER", browser_executable)
    assert browser.find_browser() == (browser_executable, "env")
    assert browser.find_browser(browser_executable) == (browser_executable, "option")
    monkeypatch.delenv("COLLECTOR_BROWSER")
    assert browser.find_browser()[1] == "system"


def test_doctor(tmp_path: Path) -> None:
    result = run_cli("doctor", store=tmp_path / "evidence")
    assert result.exit_code == 0, result.output
    assert "Chromium" in result.output and "colour emoji present" in result.output
    assert "playwright" in result.output and "will be created" in result.output


@pytest.mark.slow  # a real `python -m collector` process
def test_version_and_module_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "collector", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("collector, version")


def test_hostile_title_cannot_rewrite_the_terminal(site: SiteServer, store: Path) -> None:
    from collector.text import clean

    assert clean("judul\x1b[2J\x1b[31mmerah\u202eabc") == "judul\\x1b[2J\\x1b[31mmerah\\u202eabc"
    assert clean("Selamat 🇮🇩 👨‍👩‍👧") == "Selamat 🇮🇩 👨‍👩‍👧"


def test_crash_mid_capture_leaves_nothing_that_looks_complete(
    site: SiteServer, store: Path
) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "collector",
            "capture",
            site.url("/hang"),
            "--timeout",
            "60",
            "--store",
            str(store),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        incoming = store / ".incoming"
        if incoming.is_dir() and any(incoming.iterdir()):
            break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("capture never started")
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)  # the Python process only: as a power cut would
    proc.wait(10)
    assert capture_folders(store) == []
    listed = run_cli("list", "--json", store=store)
    assert json.loads(listed.output) == []
    verified = run_cli("verify", store=store)
    assert verified.exit_code == 0
    assert "WARN" in verified.output and "unfinished capture" in verified.output
    # the store still works after the crash
    again = run_cli("capture", site.url("/final"), store=store)
    assert again.exit_code == 0 and len(capture_folders(store)) == 1


def test_min_free_memory_from_the_environment_is_checked(
    site: SiteServer, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLLECTOR_MIN_FREE_MB", "banyak")
    result = run_cli("capture", site.url("/final"), store=store)
    assert result.exit_code == 2 and "--min-free-memory" in result.output
    assert not store.exists()
    monkeypatch.setenv("COLLECTOR_MIN_FREE_MB", "0")
    assert run_cli("capture", site.url("/final"), store=store).exit_code == 0
