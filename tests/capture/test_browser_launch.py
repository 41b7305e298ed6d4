"""How collector starts Chromium: which binary, which switches, and what that saves."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from collector.capture import browser
from collector.capture.browser import BrowserSession, browser_mode, find_browser
from tests.support.helpers import only_capture, run_async, run_cli
from tests.support.site import SiteServer

FULL_CHROMIUM = "/usr/lib/chromium/chromium"


def _descendants() -> dict[int, list[str]]:
    """Command lines of every process below this one, split into arguments (Chromium's
    child processes rewrite theirs into one space-separated string)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat_line = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat_line.rsplit(")", 1)[1].split()[1])
    found: dict[int, list[str]] = {}
    for pid in parents:
        up = pid
        while up in parents and up != os.getpid():
            up = parents[up]
        if up == os.getpid() and pid != os.getpid():
            try:
                raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            found[pid] = raw.replace(b"\0", b" ").decode(errors="replace").split()
    return found


def _browser_command_line(executable: str) -> list[str]:
    before = set(_descendants())  # pytest-playwright's own browser may be running

    async def launched() -> list[str]:
        async with BrowserSession(executable, "test"):
            for pid, args in _descendants().items():
                if pid in before:
                    continue
                if "--remote-debugging-pipe" in args and not any(
                    a.startswith("--type=") for a in args
                ):
                    return args
        raise AssertionError("no browser process found below the test")

    return run_async(launched())


def _features(args: list[str]) -> list[set[str]]:
    prefix = "--disable-features="
    return [set(a[len(prefix) :].split(",")) for a in args if a.startswith(prefix)]


def test_our_disabled_features_keep_playwrights_own(browser_executable: str) -> None:
    """Chromium honours only the last --disable-features; Playwright passes its own list
    first, so ours must repeat all of it (a Playwright upgrade that adds one fails here)."""
    lists = _features(_browser_command_line(browser_executable))
    assert len(lists) == 2, lists
    playwrights, ours = lists
    assert playwrights <= ours, f"Playwright's own, missing from ours: {playwrights - ours}"
    assert set(browser.COLLECTOR_DISABLED_FEATURES) <= ours


@pytest.mark.skipif(not os.access(FULL_CHROMIUM, os.X_OK), reason="Debian chromium not installed")
def test_full_chromium_captures_without_its_omnibox_renderer(site: SiteServer, store: Path) -> None:
    """The desktop build still works (the fallback when the headless shell is absent), and
    no per-context omnibox-popup WebUI renderer (~1 core while it lives) is started."""
    seen: list[list[str]] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.extend(a for a in _descendants().values() if "--top-chrome-webui" in a)
            stop.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = run_cli(
            "capture", site.url("/page/indonesian"), "--browser-path", FULL_CHROMIUM, store=store
        )
    finally:
        stop.set()
        watcher.join()
    assert result.exit_code == 0, result.output
    _, manifest = only_capture(store)
    assert manifest["browser"]["mode"] == "headless"
    assert manifest["browser"]["executable_path"] == FULL_CHROMIUM
    assert seen == []


def test_browser_mode_from_the_binary_name() -> None:
    assert browser_mode("/usr/lib/chromium/chromium-headless-shell") == "headless shell"
    assert browser_mode("/ms-playwright/x/chrome-headless-shell") == "headless shell"
    assert browser_mode("/usr/lib/chromium/chromium") == "headless"
    assert browser_mode("/usr/bin/google-chrome") == "headless"


def _fake_executable(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_system_search_prefers_the_headless_shell(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("COLLECTOR_BROWSER", raising=False)
    shell = _fake_executable(tmp_path / "lib" / "chromium-headless-shell")
    full = _fake_executable(tmp_path / "lib" / "chromium")
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", (shell, full))
    assert find_browser() == (shell, "system")
    os.remove(shell)
    assert find_browser() == (full, "system")


def test_manifest_records_the_browser_and_its_switches(site: SiteServer, store: Path) -> None:
    result = run_cli("capture", site.url("/final"), store=store)
    assert result.exit_code == 0, result.output
    _, manifest = only_capture(store)
    recorded = manifest["browser"]
    assert recorded["mode"] == browser_mode(recorded["executable_path"])
    assert recorded["launch_args"] == list(browser.LAUNCH_ARGS)


def test_doctor_names_the_mode_and_suggests_the_shell(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, browser_executable: str
) -> None:
    result = run_cli("doctor", store=tmp_path / "evidence")
    assert f"; {browser_mode(browser_executable)})" in result.output
    if os.access(FULL_CHROMIUM, os.X_OK):
        monkeypatch.delenv("COLLECTOR_BROWSER", raising=False)
        monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", (FULL_CHROMIUM,))
        result = run_cli("doctor", store=tmp_path / "evidence")
        assert "apt-get install -y chromium-headless-shell" in result.output
