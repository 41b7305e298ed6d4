"""Two `run --resume` of one run at once (issue 12 item 6): the second is refused with a
clear message before anything is launched, instead of crashing on an IntegrityError."""

from __future__ import annotations

import json
from pathlib import Path

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
