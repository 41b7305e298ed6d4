"""What `verify` sees of tampering done consistently to both custody copies (issue 12 item 3).

Every attack below leaves a store whose hash chain is intact in itself: a chain alone
cannot see its own tail cut, nor tell an older copy from the real one. These tests show,
for each attack, what `verify` catches on its own (recorded `verified` heads catch an
entry edited and the chain re-hashed) and that an anchor kept outside the store (the
anchor file, a package, a report, `collector anchor`) catches the rest.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from collector.evidence.store import EvidenceStore, canonical_json
from collector.records.custody import entry_hash
from collector.records.index import Index
from tests.support.helpers import run_cli, verify, writable
from tests.support.synthetic import file_capture


def unlock(root: Path) -> None:
    """An attacker with write access lifts the read-only bits."""
    for path in [root, *root.rglob("*")]:
        # an index.db-wal listed may be gone when reached: a connection the helpers
        # left to the garbage collector checkpoints it away when collected
        with contextlib.suppress(FileNotFoundError):
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def jsonl(store: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (store / "custody.jsonl").read_text("utf-8").splitlines()]


def write_log(store: Path, log: list[dict[str, object]]) -> None:
    """Replace both copies of the custody log with `log` (triggers dropped first)."""
    writable(store / "custody.jsonl").write_bytes(b"".join(canonical_json(e) + b"\n" for e in log))
    with sqlite3.connect(store / "index.db") as db:
        db.execute("DROP TRIGGER IF EXISTS custody_events_no_delete")
        db.execute("DELETE FROM custody_events")
        for e in log:
            db.execute(
                "INSERT INTO custody_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    e["seq"],
                    e["at"],
                    e["actor"],
                    e["action"],
                    canonical_json(e["capture_ids"]).decode(),
                    canonical_json(e["details"]).decode(),
                    e["prev_hash"],
                    e["entry_hash"],
                ],
            )
        db.execute(  # and puts the trigger back
            "CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events "
            "BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END"
        )


def remove_capture(store: Path, cid: str) -> None:
    unlock(store)
    shutil.rmtree(EvidenceStore(store).folder_for(cid))
    with sqlite3.connect(store / "index.db") as db:
        for table in ("changes", "capture_text", "timestamps", "artifacts"):
            db.execute(f"DELETE FROM {table} WHERE capture_id = ?", [cid])
        db.execute("DELETE FROM captures WHERE id = ?", [cid])


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Two captures, a note and a recorded verification; then an anchor is taken."""
    root = tmp_path / "evidence"
    s = EvidenceStore(root)
    s.ensure_writable()
    with Index(s.index_path) as index:
        file_capture(s, index, text="satu")
        file_capture(s, index, text="dua")
    first = jsonl(root)[0]["capture_ids"][0]  # type: ignore[index]
    assert run_cli("note", str(first), "dilaporkan warga", store=root).exit_code == 0
    assert verify(root)[0] == 0  # seq 4: a `verified` entry recording head seq 3
    return root


@pytest.fixture
def anchor_file(tmp_path: Path) -> Path:
    return tmp_path / "elsewhere" / "anchors.jsonl"


def take_anchor(store: Path, anchor_file: Path) -> None:
    anchor_file.parent.mkdir(exist_ok=True)
    result = run_cli("anchor", "--to", str(anchor_file), store=store)
    assert result.exit_code == 0, result.output


def capture_newest(store: Path) -> str:
    s = EvidenceStore(store)
    with Index(s.index_path) as index:
        return file_capture(s, index, text="tiga").capture_id


def test_removing_the_newest_capture_with_its_rows_and_custody_tail(
    store: Path, anchor_file: Path
) -> None:
    cid = capture_newest(store)
    take_anchor(store, anchor_file)
    log = jsonl(store)
    assert log[-1]["capture_ids"] == [cid]
    write_log(store, log[:-1])
    remove_capture(store, cid)
    code, out = verify(store, "--no-record")
    assert code == 0  # the chain alone cannot see its tail cut: hence anchors
    assert "no --anchor given" in out
    code, out = verify(store, "--no-record", "--anchor", str(anchor_file))
    assert code == 1
    assert "the custody log had entry 5" in out and "now ends at seq 4" in out


def test_dropping_the_last_notes(store: Path, anchor_file: Path) -> None:
    first = str(jsonl(store)[0]["capture_ids"][0])  # type: ignore[index]
    for text in ("catatan 1", "catatan 2"):
        assert run_cli("note", first, text, store=store).exit_code == 0
    take_anchor(store, anchor_file)
    write_log(store, jsonl(store)[:-2])
    assert verify(store, "--no-record")[0] == 0
    code, out = verify(store, "--no-record", "--anchor", str(anchor_file))
    assert code == 1 and "newest entries were removed" in out


def test_deleting_index_truncating_jsonl_and_reindexing(store: Path, tmp_path: Path) -> None:
    cid = capture_newest(store)
    package = tmp_path / "case.zip"  # an export: the package carries the anchor
    assert run_cli("export", "--case", "KASUS-1", "--out", str(package), store=store).exit_code == 0
    log = jsonl(store)
    keep = [e for e in log if e["seq"] <= 4]
    writable(store / "custody.jsonl").write_bytes(b"".join(canonical_json(e) + b"\n" for e in keep))
    for suffix in ("", "-wal", "-shm"):
        (store / f"index.db{suffix}").unlink(missing_ok=True)
    remove_capture_folder = EvidenceStore(store).folder_for(cid)
    unlock(store)
    shutil.rmtree(remove_capture_folder)
    assert run_cli("reindex", store=store).exit_code == 0
    assert verify(store, "--no-record")[0] == 0
    code, out = verify(store, "--no-record", "--anchor", str(package))
    assert code == 1 and "now ends at seq 4" in out and "package case.zip" in out


def test_restoring_an_older_copy_of_the_whole_store(
    store: Path, tmp_path: Path, anchor_file: Path
) -> None:
    unlock(store)
    old = tmp_path / "backup"
    shutil.copytree(store, old)
    capture_newest(store)
    report = tmp_path / "report.html"  # a report handed out carries the anchor
    assert run_cli("report", "--case", "KASUS-1", "--out", str(report), store=store).exit_code == 0
    unlock(store)
    shutil.rmtree(store)
    shutil.copytree(old, store)
    assert verify(store, "--no-record")[0] == 0
    code, out = verify(store, "--no-record", "--anchor", str(report))
    assert code == 1 and "report report.html" in out and "older copy" in out


def test_an_entry_edited_in_both_copies_and_the_chain_rehashed(
    store: Path, anchor_file: Path
) -> None:
    take_anchor(store, anchor_file)
    log = jsonl(store)
    note = next(e for e in log if e["action"] == "note")
    note["details"] = {**note["details"], "text": "tidak ada laporan"}  # type: ignore[dict-item]
    prev = None
    for e in log:  # re-hash from the edit on: the chain is intact in itself again
        if prev is not None:
            e["prev_hash"] = prev
        e["entry_hash"] = prev = entry_hash(e)
    write_log(store, log)
    code, out = verify(store, "--no-record")
    assert code == 1  # caught without any anchor: the recorded `verified` head
    assert "recorded the log's head as sha256:" in out and "(seq 3)" in out
    code, out = verify(store, "--no-record", "--anchor", str(anchor_file))
    assert code == 1 and "the log was rewritten" in out


def test_every_command_appends_to_the_anchor_file(store: Path, anchor_file: Path) -> None:
    anchor_file.parent.mkdir()
    env = {"COLLECTOR_ANCHOR_FILE": str(anchor_file)}
    first = str(jsonl(store)[0]["capture_ids"][0])  # type: ignore[index]
    assert run_cli("note", first, "a", store=store, env=env).exit_code == 0
    assert run_cli("verify", store=store, env=env).exit_code == 0
    lines = [json.loads(x) for x in anchor_file.read_text().splitlines()]
    assert [a["seq"] for a in lines] == [5, 6]
    assert all(a["type"] == "collector-custody-anchor" for a in lines)
    assert lines[-1]["entry_hash"] == jsonl(store)[-1]["entry_hash"]
    assert verify(store, "--no-record", "--anchor", str(anchor_file))[0] == 0


def test_anchor_of_a_broken_log_is_refused(store: Path) -> None:
    path = writable(store / "custody.jsonl")
    path.write_bytes(path.read_bytes().replace(b"dilaporkan", b"dibantah"))
    result = run_cli("anchor", store=store)
    assert result.exit_code == 3 and "would prove nothing" in result.output
