"""Two `run --resume` of one run at once (issue 12 item 6): the second is refused with a
clear message before anything is launched, instead of crashing on an IntegrityError."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest

from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.lists.format import load_watchlist
from collector.lists.run import run_lock
from collector.records.index import Index
from tests.support.helpers import run_cli


def test_a_run_being_captured_cannot_be_resumed_twice(tmp_path: Path) -> None:
    watchlist = tmp_path / "list.toml"
    watchlist.write_text('[[entry]]\nname = "A"\nurl = "https://example.org/a"\n')
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    run_id = "run-20261207T000000000Z-abcdef"
    with Index(store.index_path) as index:
        index.create_run(
            {
                "id": run_id,
                "list_file": str(watchlist),
                "list_sha256": load_watchlist(watchlist).sha256,
                "started_at": "2026-12-07T00:00:00.000Z",
                "status": "running",
                "only_tags": json.dumps([]),
                "entries": 1,
                "resumed_at": json.dumps([]),
            },
            [{"run_id": run_id, "entry_index": 1, "name": "A", "status": "pending"}],
        )
    with run_lock(store, run_id):  # as a first `collector run --resume` would hold it
        result = run_cli("run", "--resume", run_id, store=store.root)
    assert result.exit_code == 2
    assert "is being captured by another collector process right now" in result.output
    with Index(store.index_path) as index:
        assert index.run_attempts(run_id) == []
        assert index.resolve_run(run_id)["resumed_at"] == "[]"  # not touched


def test_the_lock_file_goes_when_the_run_ends(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    lock = store.root / ".runs" / "run-1.lock"
    with run_lock(store, "run-1"):
        assert lock.is_file()
        with pytest.raises(UsageError, match="another collector process"), run_lock(store, "run-1"):
            pass
        assert lock.is_file()  # the refused second one leaves the holder's lock alone
    assert not lock.exists()
    with run_lock(store, "run-1"):  # and the run can be taken again
        assert lock.is_file()
    assert not lock.exists()


def test_a_lock_taken_on_a_file_its_holder_removed_is_taken_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the re-check is for: we open the lock file, its holder ends (removes it and
    unlocks), we lock the removed file. That lock would exclude nobody: taken again on a
    new file at the path."""
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    lock = store.root / ".runs" / "run-2.lock"
    lock.parent.mkdir()
    real_flock = fcntl.flock
    calls = []

    def holder_ends_in_between(fd: int, op: int) -> None:
        if not calls:  # the first lock attempt: the holder removes the file just before
            lock.unlink()
        calls.append(fd)
        real_flock(fd, op)

    lock.write_bytes(b"")
    monkeypatch.setattr(fcntl, "flock", holder_ends_in_between)
    with run_lock(store, "run-2"):
        assert len(calls) == 2  # the first lock was on the removed file: retried
        assert lock.is_file()
    assert not lock.exists()
