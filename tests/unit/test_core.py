"""Units of the capture core that need no browser: time, store writer, index schema.

(Targets: tests/unit/sites/test_urls.py.)"""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from collector.errors import CaptureNotFound, IndexError_, StoreError
from collector.evidence.hashing import HashingWriter, sha256_bytes
from collector.evidence.store import EvidenceStore, new_capture_id
from collector.records.index import Index
from collector.records.migrations import MIGRATIONS
from collector.timeutil import parse_rfc3339, rfc3339, wib


def test_times_are_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 25, 8, 15, 30, 123456, tzinfo=timezone(timedelta(hours=7)))
    assert rfc3339(moment) == "2026-11-25T01:15:30.123Z"
    assert parse_rfc3339("2026-11-25T01:15:30.123Z") == moment.replace(microsecond=123000)
    assert parse_rfc3339("2026-11-25") == datetime(2026, 11, 25, tzinfo=UTC)
    assert wib("2026-11-25T01:15:30.123Z") == "2026-11-25 08:15:30 WIB"
    with pytest.raises(ValueError):
        rfc3339(datetime(2026, 1, 1))


def test_hashing_writer_hashes_what_it_writes(tmp_path: Path) -> None:
    with (tmp_path / "f").open("wb") as fh:
        w = HashingWriter(fh)
        w.write(b"abc")
        w.write(b"def")
    assert w.hexdigest() == sha256_bytes(b"abcdef") == sha256_bytes((tmp_path / "f").read_bytes())
    assert w.size == 6


def test_capture_ids_sort_by_time_and_are_unique() -> None:
    ids = [new_capture_id() for _ in range(200)]
    assert len(set(ids)) == 200
    assert ids[0][:8] == datetime.now(UTC).strftime("%Y%m%d")


def test_writer_files_atomically_and_read_only(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    store.ensure_writable()
    writer = store.begin(new_capture_id())
    writer.write_bytes("a.txt", b"halo", "text/plain")
    with pytest.raises(StoreError):
        writer.write_bytes("a.txt", b"lagi", "text/plain")  # never twice
    for bad in ("../x", ".hidden", "manifest.json", "SHA256SUMS"):
        with pytest.raises(StoreError):
            writer.write_bytes(bad, b"", "text/plain")
    assert list(store.capture_folders()) == []  # nothing final before finish
    filed = writer.finish({"capture_id": writer.capture_id})
    folder = store.root / filed.folder
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "a.txt", "manifest.json"]
    assert not folder.stat().st_mode & stat.S_IWUSR
    assert not (folder / "a.txt").stat().st_mode & stat.S_IWUSR
    assert store.incomplete_folders() == []
    assert filed.manifest["artifacts"] == [
        {"name": "a.txt", "media_type": "text/plain", "size": 4, "sha256": sha256_bytes(b"halo")}
    ]


def test_writer_refuses_stray_files(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    store.ensure_writable()
    writer = store.begin(new_capture_id())
    (writer.folder / "stray.bin").write_bytes(b"?")
    with pytest.raises(StoreError, match="unexpected files"):
        writer.finish({"capture_id": writer.capture_id})


def test_index_schema_is_versioned_and_refuses_the_future(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with Index(path) as index:
        assert index.schema_version() == MIGRATIONS[-1][0]
        assert index.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Index(path) as index:  # reopening applies nothing twice
        count = index.db.execute("SELECT COUNT(*) FROM migrations").fetchone()[0]
        assert count == len(MIGRATIONS)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO migrations VALUES (999, 'from the future', '2030-01-01')")
    with pytest.raises(IndexError_, match="newer than this collector"):
        Index(path)


def test_resolve_needs_a_unique_match(tmp_path: Path) -> None:
    with Index(tmp_path / "index.db") as index:
        with pytest.raises(CaptureNotFound):
            index.resolve("")
        with pytest.raises(CaptureNotFound, match="no capture matches"):
            index.resolve("20261125")
