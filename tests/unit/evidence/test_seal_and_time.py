"""Closing a capture in steps, migrations with gaps, and the time-source arithmetic."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector.errors import IndexError_, StoreError, UsageError
from collector.evidence.stamps import (
    TimeSource,
    TsaSettings,
    pair_skews,
    server_date,
    skew_ms,
    time_sources_record,
    token_file_names,
)
from collector.evidence.store import EvidenceStore
from collector.models import MainResponse
from collector.records import index as index_module
from collector.records.index import Index

T0 = datetime(2026, 11, 25, 1, 0, 0, tzinfo=UTC)


def test_capture_writer_closes_in_steps(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    store.ensure_writable()
    writer = store.begin("20261125T010000000Z-abcdef")
    writer.write_bytes("a.txt", b"a", "text/plain")
    with pytest.raises(StoreError):
        writer.write_sealed("timestamps.json", b"{}", "application/json")  # before the manifest
    with pytest.raises(StoreError):
        writer.write_bytes("manifest.tsr", b"x", "application/timestamp-reply")
    with (
        pytest.raises(RuntimeError),
        writer.open_stream("b.bin", "application/octet-stream") as out,
    ):
        out.write(b"partial")
        raise RuntimeError("boom")
    assert not (writer.folder / "b.bin").exists()  # a failed stream leaves nothing behind
    with writer.open_stream("b.bin", "application/octet-stream") as out:
        out.write(b"bb")
    writer.write_manifest({"capture_id": writer.capture_id})
    with pytest.raises(StoreError):
        writer.write_sealed("notes.txt", b"", "text/plain")
    writer.write_sealed("manifest.tsr", b"token", "application/timestamp-reply")
    writer.write_sealed("timestamps.json", b"{}", "application/json")
    filed = writer.seal()
    folder = store.root / filed.folder
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    assert [line.split("  ")[1] for line in sums] == sorted(
        ["a.txt", "b.bin", "manifest.json", "manifest.tsr", "timestamps.json"]
    )
    assert [a["name"] for a in filed.manifest["artifacts"]] == ["a.txt", "b.bin"]
    assert [a.name for a in filed.sealed] == ["manifest.tsr", "timestamps.json"]


def test_token_file_names() -> None:
    assert token_file_names(1) == ("manifest.tsq", "manifest.tsr")
    assert token_file_names(3) == ("manifest.3.tsq", "manifest.3.tsr")


def test_migrations_apply_every_unrecorded_version_and_refuse_unknown_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.db"
    every = {version for version, _, _ in index_module.MIGRATIONS}
    middle = sorted(every)[1]
    # a store made before a feature branch's migration, numbered below newer ones, merged
    monkeypatch.setattr(
        index_module, "MIGRATIONS", [m for m in index_module.MIGRATIONS if m[0] != middle]
    )
    Index(path).close()
    monkeypatch.undo()
    with Index(path) as index:
        assert index.applied_versions() == every
        assert "timestamps" in index.db.table_names()
    # an index written by a newer collector (a version this one does not know) is refused
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO migrations VALUES (999, 'from the future', '2030-01-01')")
    with pytest.raises(IndexError_, match=r"\[999\], newer than this collector"):
        Index(path)


def test_skew_is_the_distance_outside_the_window() -> None:
    low, high = T0, T0 + timedelta(seconds=2)
    assert skew_ms(T0 + timedelta(seconds=1), low, high) == 0
    assert skew_ms(T0 - timedelta(milliseconds=1500), low, high) == -1500
    assert skew_ms(T0 + timedelta(seconds=5), low, high) == 3000


def test_pair_skews_compare_every_pair_within_their_windows() -> None:
    system = TimeSource("system clock", T0, T0, T0)
    # the server is an hour behind; the TSA agrees with the system clock
    server = TimeSource(
        "server Date", T0 - timedelta(hours=1), T0 - timedelta(seconds=1), T0 + timedelta(seconds=3)
    )
    tsa = TimeSource(
        "TSA", T0 + timedelta(seconds=4), T0 + timedelta(seconds=3), T0 + timedelta(seconds=5)
    )
    skews = {(a.name, b.name): ms for a, b, ms in pair_skews([system, server, tsa])}
    assert skews[("system clock", "TSA")] == 0
    assert skews[("system clock", "server Date")] == -3_599_000
    # TSA - server = 3604 s, while the windows allow 0..6 s
    assert skews[("server Date", "TSA")] == 3_598_000


def response(date: str | None) -> MainResponse:
    headers = (("Date", date),) if date else ()
    return MainResponse("http://x/", 200, "OK", headers, None, None, None, b"", None)


def test_server_date_parses_http_dates() -> None:
    assert server_date(response("Wed, 25 Nov 2026 01:00:00 GMT")) == (
        "Wed, 25 Nov 2026 01:00:00 GMT",
        T0,
    )
    assert server_date(response("Wednesday, 25-Nov-26 01:00:00 GMT"))[1] == T0  # type: ignore[index]
    assert server_date(response("not a date")) is None
    assert server_date(response(None)) is None
    record = time_sources_record(
        "2026-11-25T01:00:00.500Z", "2026-11-25T01:00:02.000Z", response("garbage"), "host"
    )
    assert record["server_date"] == {"header": "garbage", "time": None}
    record = time_sources_record(
        "2026-11-25T01:00:00.500Z",
        "2026-11-25T01:00:02.000Z",
        response("Wed, 25 Nov 2026 01:00:00 GMT"),
        "host",
    )
    assert record["server_date"]["skew_ms"] == 0  # whole seconds: 1 s of slack before the start


def test_tsa_settings_refuse_non_http_urls() -> None:
    with pytest.raises(UsageError):
        TsaSettings(("ftp://tsa.example/",))
    with pytest.raises(UsageError):
        TsaSettings(("http://tsa.example/",), timeout=0)
