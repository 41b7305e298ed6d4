"""A process killed mid-way never locks the store: issue 12 items 1 and 6.

Each test kills a real process (SIGKILL, through the test-only COLLECTOR_TEST_FAULT hook,
collector/faults.py) at one exact point of filing or of a custody append, then checks that
the next command completes the work, records that it did, and that `verify` passes; and
that a real disagreement between the two custody copies is still refused and named.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from collector.evidence.store import EvidenceStore
from collector.records.custody import CustodyLog
from collector.records.index import Index
from tests.support.helpers import run_cli, verify, writable
from tests.support.synthetic import file_capture, index_capture

pytestmark = pytest.mark.slow  # real processes, killed at a fault point

ROOT = Path(__file__).resolve().parents[3]


def killed_at(store: Path, point: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run `argv` (default: file one synthetic capture) with a SIGKILL at `point`."""
    env = {**os.environ, "COLLECTOR_TEST_FAULT": f"{point}:kill"}
    cmd = list(argv) or [sys.executable, "-m", "tests.support.synthetic", str(store)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr)
    return done


def jsonl(store: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (store / "custody.jsonl").read_text("utf-8").splitlines()]


def db_count(store: Path, table: str) -> int:
    with sqlite3.connect(store / "index.db") as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    s = EvidenceStore(root)
    s.ensure_writable()
    with Index(s.index_path) as index:
        file_capture(s, index)
    return root


def test_kill_between_jsonl_and_index_commit_is_recovered_and_recorded(store: Path) -> None:
    """Item 1: killed after custody.jsonl was synced, before index.db committed."""
    killed_at(store, "custody.after-jsonl-sync")
    assert len(jsonl(store)) == 2 and db_count(store, "custody_events") == 1
    assert db_count(store, "captures") == 1  # the capture's rows rolled back with the event
    # the next command that writes recovers it: a note, here
    first = jsonl(store)[0]["capture_ids"][0]  # type: ignore[index]
    result = run_cli("note", str(first), "diperiksa", "--operator", "Dwi", store=store)
    assert result.exit_code == 0, result.output
    assert "recovered custody entries 2" in result.output
    entries = jsonl(store)
    assert [e["action"] for e in entries] == ["captured", "captured", "note", "note"]
    recovered = entries[2]
    assert "recovered" in recovered["details"]  # type: ignore[operator]
    assert recovered["details"]["recovered"]["seqs"] == [2]  # type: ignore[index]
    assert db_count(store, "custody_events") == 4
    assert db_count(store, "captures") == 2  # the capture's rows were re-derived from disk
    code, out = verify(store)
    assert code == 0, out


def test_kill_mid_append_then_capture_side_commands_work(store: Path) -> None:
    """Item 1: before the fix every later append exited 3 ("the two copies disagree")."""
    killed_at(store, "custody.after-jsonl-sync")
    s = EvidenceStore(store)
    with Index(s.index_path) as index:
        file_capture(s, index)  # would raise StoreError before the fix
    assert [e["action"] for e in jsonl(store)] == ["captured", "captured", "note", "captured"]
    assert verify(store)[0] == 0


def test_verify_no_record_names_the_interrupted_append_then_verify_recovers(
    store: Path,
) -> None:
    killed_at(store, "custody.after-jsonl-sync")
    code, out = verify(store, "--no-record")
    assert code == 1 and "missing from the index" in out
    code, out = verify(store)
    assert code == 0, out
    assert "recovered custody entries 2" in out


def test_real_disagreement_is_still_refused_and_named(store: Path) -> None:
    """Two appends' worth missing from the index is not a crash: refused as before."""
    s = EvidenceStore(store)
    with Index(s.index_path) as index:
        file_capture(s, index)
        file_capture(s, index)
    with sqlite3.connect(store / "index.db") as db:  # as an attacker: triggers off
        db.execute("DROP TRIGGER custody_events_no_delete")
        db.execute("DELETE FROM custody_events WHERE seq >= 2")
    result = run_cli("note", jsonl(store)[0]["capture_ids"][0], "x", store=store)  # type: ignore[index]
    assert result.exit_code == 3
    assert "the two copies disagree" in result.output
    assert len(jsonl(store)) == 3  # nothing appended


def test_tail_that_does_not_link_is_not_replayed(store: Path) -> None:
    killed_at(store, "custody.after-jsonl-sync")
    path = writable(store / "custody.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    forged = json.loads(lines[1])
    forged["details"]["outcome"] = "not_found"  # edited: its entry_hash no longer matches
    path.write_bytes(lines[0] + json.dumps(forged).encode() + b"\n")
    s = EvidenceStore(store)
    with Index(s.index_path) as index:
        recovery = CustodyLog(s, index).recover()
    assert not recovery.replayed and db_count(store, "custody_events") == 1


def test_kill_after_rename_before_indexing_is_filed_by_the_next_command(store: Path) -> None:
    """Item 6: a sealed folder renamed into captures/, no index row, no custody event."""
    killed_at(store, "filing.after-rename")
    folders = sorted((store / "captures").glob("*/*"))
    assert len(folders) == 2 and db_count(store, "captures") == 1
    assert list((store / ".filing").glob("*.json"))
    code, out = verify(store, "--no-record")
    assert code == 1  # until completed, the folder is not indexed
    code, out = verify(store)
    assert code == 0, out
    assert "completed the interrupted filing of capture" in out
    captured = [e for e in jsonl(store) if e["action"] == "captured"]
    assert len(captured) == 2
    assert "filing completed by a later command" in captured[1]["details"]["recovered"]  # type: ignore[index]
    assert not list((store / ".filing").glob("*.json"))


def test_kill_after_journal_before_rename_is_filed_by_the_next_command(store: Path) -> None:
    killed_at(store, "filing.after-journal")
    assert len(list((store / ".incoming").iterdir())) == 1
    s = EvidenceStore(store)
    with Index(s.index_path) as index:
        recovery = CustodyLog(s, index).recover()
    assert len(recovery.filed) == 1
    assert not list((store / ".incoming").iterdir())
    assert db_count(store, "captures") == 2
    assert verify(store)[0] == 0


def test_a_filing_under_way_is_not_taken_over(store: Path) -> None:
    """The journal entry is locked by the process filing it: others leave it alone."""
    s = EvidenceStore(store)
    with Index(s.index_path) as index:
        filed = file_capture(s, index, record=False)  # sealed + journaled, lock held here
        probe = (
            "import sys; from pathlib import Path;"
            "from collector.evidence.store import EvidenceStore;"
            "print(len(list(EvidenceStore(Path(sys.argv[1])).pending_filings())))"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe, str(store)], capture_output=True, text=True, cwd=ROOT
        )
        assert done.stdout.strip() == "0", done.stderr
        index_capture(s, index, filed)
    assert not list((store / ".filing").glob("*.json"))
    assert verify(store)[0] == 0
