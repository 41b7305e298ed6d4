"""collector.lists.run, collector.capture.sessions and the runs schema, without a browser."""

from __future__ import annotations

import asyncio
import itertools
import random
import sqlite3
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from collector.capture.browser import safe_file_name
from collector.capture.loop import run_to_completion
from collector.capture.sessions import check_session_file, login_cookies
from collector.errors import IndexError_, UsageError
from collector.lists.format import WatchEntry, WatchList
from collector.lists.run import (
    EntryResult,
    RunResult,
    RunSettings,
    _Host,
    entry_options,
    retry_after_s,
    retry_plan,
)
from collector.models import CaptureOptions, FiledCapture, Viewport
from collector.records import index as index_module
from collector.records.index import Index


def filed(
    outcome: str, status: int | None = None, headers: list[list[str]] | None = None
) -> FiledCapture:
    response = None if status is None else {"status": status, "headers": headers or []}
    return FiledCapture(
        "c1", "captures/x/c1", {"outcome": outcome, "response": response}, "0" * 64, ()
    )


SETTINGS = RunSettings(retries=2, backoff_s=5, max_retry_after_s=120)


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after_s([["Retry-After", "30"]]) == 30
    assert retry_after_s([["content-type", "text/html"]]) is None
    assert retry_after_s([["retry-after", "soon"]]) is None
    now = time.time()
    when = format_datetime(datetime.fromtimestamp(now + 90, UTC), usegmt=True)
    assert 88 <= (retry_after_s([["Retry-After", when]], now=now) or 0) <= 91


@pytest.mark.parametrize(
    ("page", "tries", "expected"),
    [
        (filed("timeout"), 1, (True, 5.0, "backoff 5 s")),
        (filed("network_error"), 2, (True, 10.0, "backoff 10 s")),
        (filed("timeout"), 3, (False, 0.0, "")),  # 2 retries used up
        (filed("http_error", 503), 1, (True, 5.0, "backoff 5 s")),
        (
            filed("rate_limited", 429, [["Retry-After", "30"]]),
            1,
            (True, 30.0, "backoff 5 s, Retry-After 30 s"),
        ),
        (
            filed("rate_limited", 429, [["Retry-After", "3600"]]),
            1,
            (True, 120.0, "backoff 5 s, Retry-After 3600 s (capped at 120 s)"),
        ),
        (
            filed("rate_limited", 429, [["Retry-After", "1"]]),
            2,
            (True, 10.0, "backoff 10 s, Retry-After 1 s"),
        ),
        (filed("rate_limited", 200), 1, (False, 0.0, "")),  # a throttling page, not a 429
        (filed("not_found", 404), 1, (False, 0.0, "")),
        (filed("login_wall", 200), 1, (False, 0.0, "")),
        (filed("ok", 200), 1, (False, 0.0, "")),
    ],
)
def test_retry_plan(page: FiledCapture, tries: int, expected: tuple[bool, float, str]) -> None:
    assert retry_plan(page, tries, SETTINGS) == expected


def entry(**kw: Any) -> WatchEntry:
    base: dict[str, Any] = dict(
        index=1,
        name="Budi",
        nip=None,
        unit=None,
        platform="instagram",
        handle="budi",
        url="https://www.instagram.com/budi/",
        tags=(),
        max_scrolls=None,
        wait_for=None,
        expect_text=None,
        viewport=None,
        line=3,
    )
    return WatchEntry(**{**base, **kw})


def test_entry_options_entry_settings_win_run_identity_wins(tmp_path: Path) -> None:
    wl = WatchList(
        path=tmp_path / "x.toml",
        sha256="0" * 64,
        entries=(),
        sessions={"instagram": tmp_path / "ig.json"},
        proxies={"*": "socks5://127.0.0.1:9050"},
    )
    run = RunSettings(options=CaptureOptions(max_scrolls=30, wait_for="main"))
    plain = entry_options(entry(), wl, run)
    assert plain.max_scrolls == 30 and plain.wait_for == "main"
    assert plain.storage_state == str(tmp_path / "ig.json")
    assert plain.proxy == "socks5://127.0.0.1:9050"
    own = entry_options(
        entry(max_scrolls=5, wait_for="article", expect_text="Budi", viewport=(412, 915)), wl, run
    )
    assert (own.max_scrolls, own.wait_for, own.expect_text) == (5, "article", "Budi")
    assert own.viewport == Viewport(412, 915)
    other = entry_options(entry(platform="x"), wl, run)
    assert other.storage_state is None and other.proxy == "socks5://127.0.0.1:9050"
    cli = RunSettings(storage_state="/s/mine.json", proxy="http://127.0.0.1:3128")
    forced = entry_options(entry(), wl, cli)
    assert forced.storage_state == "/s/mine.json" and forced.proxy == "http://127.0.0.1:3128"


def test_host_keeps_a_jittered_delay_between_captures() -> None:
    host = _Host(0.2, 0.5, random.Random(1))
    times: list[tuple[float, float]] = []

    async def capture() -> None:
        async with host.slot(lambda: False) as go:
            assert go
            start = time.monotonic()
            await asyncio.sleep(0.05)
            times.append((start, time.monotonic()))

    async def main() -> None:
        await asyncio.gather(capture(), capture(), capture())

    run_to_completion(main())
    for (_, end), (start, _) in itertools.pairwise(times):
        assert 0.2 <= start - end <= 0.35  # one at a time, 0.2 s plus up to 50%


def test_host_without_delay_allows_concurrent_captures_and_stops() -> None:
    host = _Host(0, 0.5, random.Random(1))
    host.not_before = time.monotonic() + 30  # e.g. a 429's Retry-After

    async def main() -> bool:
        async with host.slot(lambda: True) as go:
            return go

    assert run_to_completion(main()) is False  # a stopping run does not wait out the pause


def test_run_result_counts() -> None:
    e = entry()
    done = EntryResult(e, status="done", outcome="ok")
    wall = EntryResult(e, status="done", outcome="login_wall")
    skipped = EntryResult(e, status="skipped")
    pending = EntryResult(e)
    result = RunResult(
        "r", "x.toml", "0", "t", None, "finished", [done, wall, skipped, pending], {}
    )
    assert result.counts() == {"ok": 1, "login_wall": 1, "skipped": 1, "not finished": 1}
    assert not result.ok and len(result.missing()) == 2
    assert RunResult("r", "x", "0", "t", None, "finished", [done], {}).ok
    assert not RunResult("r", "x", "0", "t", None, "interrupted", [done], {}).ok


# -- sessions -----------------------------------------------------------------------------


def test_session_file_checks(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        check_session_file(tmp_path / "tidak-ada.json")
    with pytest.raises(UsageError, match="not a regular file"):
        check_session_file(tmp_path)
    state = tmp_path / "ig.json"
    state.write_text('{"cookies": []}')
    state.chmod(0o644)
    with pytest.raises(UsageError, match=r"mode 0644.*chmod 600 .*ig\.json"):
        check_session_file(state)
    state.chmod(0o600)
    assert check_session_file(state) == {"cookies": []}
    state.write_text("{bukan json")
    with pytest.raises(UsageError, match="not a Playwright storage-state JSON"):
        check_session_file(state)
    state.write_text('{"cookies": {}}')
    with pytest.raises(UsageError, match='no "cookies" list'):
        check_session_file(state)


def test_login_cookies_reports_expiry() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    state = {
        "cookies": [
            {"name": "sessionid", "domain": ".instagram.com", "expires": 1700000000},
            {"name": "sessionid", "domain": ".tiktok.com", "expires": 1900000000},
            {"name": "csrftoken", "domain": ".instagram.com", "expires": 1900000000},
        ]
    }
    [cookie] = login_cookies(state, "instagram", now)
    assert cookie.expired and cookie.expires == "2023-11-14T22:13:20.000Z"
    assert login_cookies(state, "web", now) == ()


def test_safe_file_name() -> None:
    assert safe_file_name("laporan ../../rekap 2024.csv") == "laporan_rekap_2024.csv"
    assert safe_file_name("..") == "file"
    assert safe_file_name("x\u202egnp.exe") == "x_gnp.exe"
    long = safe_file_name("a" * 200 + ".pdf")
    assert len(long) <= 80 and long.endswith(".pdf")


# -- the runs schema ------------------------------------------------------------------------


def test_migration_3_is_applied_to_an_older_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.db"
    monkeypatch.setattr(index_module, "MIGRATIONS", index_module.MIGRATIONS[:1])
    Index(path).close()
    monkeypatch.undo()
    with Index(path) as index:
        assert {"runs", "run_entries", "run_attempts"} <= set(index.db.table_names())
        assert 3 in index.applied_versions()


def test_an_index_from_a_newer_collector_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    Index(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO migrations VALUES (99, 'future', '2030-01-01T00:00:00.000Z')")
    conn.commit()
    conn.close()
    with pytest.raises(IndexError_, match="newer than this collector"):
        Index(path)


def test_entry_options_expand_off_per_entry_never_back_on(tmp_path: Path) -> None:
    wl = WatchList(path=tmp_path / "x.toml", sha256="0" * 64, entries=())
    run = RunSettings(options=CaptureOptions(max_expand=20))
    assert entry_options(entry(), wl, run).expand is True
    assert entry_options(entry(expand=True), wl, run).expand is True
    off = entry_options(entry(expand=False), wl, run)
    assert off.expand is False and off.max_expand == 20
    no_expand = RunSettings(options=CaptureOptions(expand=False))  # `run --no-expand`
    assert entry_options(entry(expand=True), wl, no_expand).expand is False
