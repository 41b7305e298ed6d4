"""The custody log: every event hash-linked in index.db and custody.jsonl; `verify` names
the first broken entry for every kind of tampering; notes, hand-overs, retirement.

One real store is captured per module; each test works on its own copy, tampering as an
attacker with write access would (chmod first: artifacts and custody.jsonl are read-only).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import capture_folders, run_cli, store_copy, verify, writable
from tests.support.site import SiteServer

OPERATOR = "Dwi A."


@pytest.fixture(scope="module")
def pristine(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("custody") / "evidence"
    result = run_cli(
        "capture",
        site.url("/page/indonesian"),
        site.url("/final"),
        "--case",
        "KASUS-1",
        "--operator",
        OPERATOR,
        store=store,
    )
    assert result.exit_code == 0, result.output
    result = run_cli(
        "capture", site.url("/missing"), "--case", "KASUS-2", "--operator", "Sari", store=store
    )
    assert result.exit_code == 4, result.output  # a 404: preserved, but not `ok` (not_ok)
    first = capture_folders(store)[0].name
    assert (
        run_cli(
            "note", first, "dilaporkan warga, WA 27/9", "--operator", OPERATOR, store=store
        ).exit_code
        == 0
    )
    assert (
        run_cli(
            "handover",
            "--case",
            "KASUS-1",
            "--from",
            OPERATOR,
            "--to",
            "Bawaslu Kota",
            "--reason",
            "surat 12/2024",
            store=store,
        ).exit_code
        == 0
    )
    return store


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Iterator[Path]:
    with store_copy(pristine, tmp_path / "evidence") as copy:
        yield copy


def jsonl(store: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (store / "custody.jsonl").read_text("utf-8").splitlines()]


def db_rows(store: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(store / "index.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM custody_events ORDER BY seq")]


def untriggered(store: Path) -> sqlite3.Connection:
    """An attacker's connection: the append-only triggers dropped first."""
    db = sqlite3.connect(store / "index.db")
    db.execute("DROP TRIGGER custody_events_no_update")
    db.execute("DROP TRIGGER custody_events_no_delete")
    return db


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


# --- the log as written --------------------------------------------------------------------


def test_every_event_is_chained_the_same_in_both_copies(store: Path) -> None:
    entries = jsonl(store)
    assert [e["action"] for e in entries] == [
        "captured",
        "captured",
        "captured",
        "note",
        "handover",
    ]
    # checked here with nothing but hashlib and json, as any outside reviewer could
    prev = "0" * 64
    for n, e in enumerate(entries, 1):
        assert e["seq"] == n and e["prev_hash"] == prev
        body = {k: v for k, v in e.items() if k != "entry_hash"}
        assert e["entry_hash"] == hashlib.sha256(canonical(body)).hexdigest()
        assert e["at"].endswith("Z") and len(e["at"]) == len("2026-11-25T01:15:30.123Z")
        prev = e["entry_hash"]
    rows = db_rows(store)
    assert [
        {**r, "capture_ids": json.loads(r["capture_ids"]), "details": json.loads(r["details"])}
        for r in rows
    ] == entries
    # one canonical JSON object a line
    for line in (store / "custody.jsonl").read_bytes().splitlines():
        assert line == canonical(json.loads(line))
    assert not (store / "custody.jsonl").stat().st_mode & stat.S_IWUSR


def test_each_captured_event_holds_its_manifest_hash(store: Path) -> None:
    captured = {e["capture_ids"][0]: e for e in jsonl(store) if e["action"] == "captured"}
    for folder in capture_folders(store):
        event = captured[folder.name]
        digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
        assert event["details"]["manifest_sha256"] == digest
        assert event["details"]["folder"] == str(folder.relative_to(store))
    by_case = {e["details"]["case"]: e["actor"] for e in captured.values()}
    assert by_case == {"KASUS-1": OPERATOR, "KASUS-2": "Sari"}


def test_sqlite_refuses_update_and_delete(store: Path) -> None:
    with sqlite3.connect(store / "index.db") as db:
        for sql in (
            "UPDATE custody_events SET actor = 'x' WHERE seq = 1",
            "DELETE FROM custody_events WHERE seq = 2",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="custody log is append-only"):
                db.execute(sql)
    assert len(db_rows(store)) == 5


def test_untouched_store_passes_and_the_verification_is_recorded(store: Path) -> None:
    code, out = verify(store)
    assert code == 0, out
    assert "3 of 3 captures pass" in out and "FAIL" not in out
    assert "PASS  custody log: 5 entries, head sha256:" in out
    assert "recorded as custody entry 6" in out
    last = jsonl(store)[-1]
    assert last["action"] == "verified" and last["details"]["result"] == "pass"
    assert last["capture_ids"] == [] and last["details"]["scope"] == "store"
    code, out = verify(store, "--no-record")
    assert code == 0 and len(jsonl(store)) == 6


# --- tampering: each kind caught and named --------------------------------------------------


def test_modified_artifact(store: Path) -> None:
    folder = capture_folders(store)[0]
    target = writable(folder / "text.txt")
    target.write_bytes(target.read_bytes() + b" ")
    code, out = verify(store)
    assert code == 1 and f"FAIL  {folder.name}" in out and "text.txt: SHA-256 mismatch" in out
    assert jsonl(store)[-1]["details"]["failed"] == [folder.name]  # recorded as failed


def test_deleted_artifact(store: Path) -> None:
    folder = capture_folders(store)[1]
    writable(folder / "screenshot.png").unlink()
    code, out = verify(store)
    assert code == 1 and "screenshot.png: missing" in out and folder.name in out


def test_added_file(store: Path) -> None:
    folder = capture_folders(store)[0]
    writable(folder / "tambahan.txt").write_text("bukti palsu")
    code, out = verify(store)
    assert code == 1 and "tambahan.txt: unexpected file" in out


def test_edited_manifest_is_caught_by_its_captured_event(store: Path) -> None:
    folder = capture_folders(store)[0]
    manifest = writable(folder / "manifest.json")
    manifest.write_bytes(manifest.read_bytes().replace(b'"Dwi A."', b'"Orang Lain"'))
    # the forger also fixes the index row and SHA256SUMS: only the custody log still knows
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    sums = writable(folder / "SHA256SUMS")
    sums.write_text(
        "".join(
            f"{digest}  manifest.json\n" if line.endswith("manifest.json") else line + "\n"
            for line in sums.read_text().splitlines()
        )
    )
    with sqlite3.connect(store / "index.db") as db:
        db.execute(
            "UPDATE captures SET manifest_sha256 = ?, operator = 'Orang Lain' WHERE id = ?",
            [digest, folder.name],
        )
    code, out = verify(store)
    assert code == 1
    assert "custody: manifest.json SHA-256" in out and "recorded" in out and folder.name in out


def test_edited_index_row(store: Path) -> None:
    with sqlite3.connect(store / "index.db") as db:
        db.execute("UPDATE captures SET requested_url = 'https://example.org/lain' WHERE rowid = 1")
    code, out = verify(store)
    assert code == 1 and "index: captures.requested_url" in out


def test_edited_custody_row_triggers_dropped(store: Path) -> None:
    with untriggered(store) as db:
        db.execute(
            "UPDATE custody_events SET details = json_set(details, '$.text', "
            "'catatan diubah') WHERE seq = 4"
        )
    code, out = verify(store)
    assert code == 1
    assert "FAIL  custody log: first broken entry is seq 4" in out
    assert "entry_hash does not match the entry's contents (entry edited)" in out
    assert "not recorded in the custody log: the chain is broken" in out
    assert "append-only triggers are missing (dropped?)" in out
    assert len(db_rows(store)) == 5  # nothing appended onto a broken chain


def test_rehashed_custody_rows_still_disagree_with_the_jsonl(store: Path) -> None:
    """A careful forger rewrites a row and re-chains every hash after it in the index."""
    with untriggered(store) as db:
        rows = db.execute(
            "SELECT seq, at, actor, action, capture_ids, details, prev_hash "
            "FROM custody_events ORDER BY seq"
        ).fetchall()
        prev = "0" * 64
        for seq, at, actor, action, ids, details, _ in rows:
            d = json.loads(details)
            if seq == 4:
                d["text"] = "catatan diubah"
            entry = {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "capture_ids": json.loads(ids),
                "details": d,
                "prev_hash": prev,
            }
            digest = hashlib.sha256(canonical(entry)).hexdigest()
            db.execute(
                "UPDATE custody_events SET details = ?, prev_hash = ?, entry_hash = ? "
                "WHERE seq = ?",
                [canonical(d).decode(), prev, digest, seq],
            )
            prev = digest
    code, out = verify(store)
    assert code == 1
    assert "first broken entry is seq 4" in out
    assert "entry 4 differs between index.db and custody.jsonl" in out


def test_deleted_custody_row(store: Path) -> None:
    with untriggered(store) as db:
        db.execute("DELETE FROM custody_events WHERE seq = 2")
    code, out = verify(store)
    assert code == 1
    assert "first broken entry is seq 2" in out
    assert "seq 3 where 2 was expected (entry missing)" in out
    # the capture whose `captured` event went is named too
    gone = jsonl(store)[1]["capture_ids"][0]
    assert f"FAIL  {gone}" in out and "custody: no `captured` event for this capture" in out


def test_two_swapped_events_in_the_index(store: Path) -> None:
    with untriggered(store) as db:
        db.execute("UPDATE custody_events SET seq = -1 WHERE seq = 2")
        db.execute("UPDATE custody_events SET seq = 2 WHERE seq = 3")
        db.execute("UPDATE custody_events SET seq = 3 WHERE seq = -1")
    code, out = verify(store)
    assert code == 1 and "first broken entry is seq 2" in out
    assert "entry_hash does not match" in out or "prev_hash does not link" in out


def test_two_swapped_lines_in_the_jsonl(store: Path) -> None:
    path = writable(store / "custody.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    lines[3], lines[4] = lines[4], lines[3]
    path.write_bytes(b"".join(lines))
    code, out = verify(store)
    assert code == 1
    assert "first broken entry is seq 4: custody.jsonl line 4: seq 5 where 4 was expected" in out


def test_truncated_jsonl(store: Path) -> None:
    path = writable(store / "custody.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]))
    code, out = verify(store)
    assert code == 1
    assert "first broken entry is seq 4" in out
    assert "custody.jsonl ends after 3 entries but index.db has 5" in out


def test_jsonl_cut_mid_line(store: Path) -> None:
    path = writable(store / "custody.jsonl")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    code, out = verify(store)
    assert code == 1
    assert "first broken entry is seq 5: custody.jsonl line 5: not valid JSON" in out
    assert "truncated?" in out


def test_capture_removed_without_retire(store: Path) -> None:
    """Folder and index rows both gone: the custody log still remembers the capture."""
    folder = capture_folders(store)[2]
    for p in [folder, *folder.iterdir()]:
        writable(p)
    shutil.rmtree(folder)
    with sqlite3.connect(store / "index.db") as db:
        db.execute("DELETE FROM artifacts WHERE capture_id = ?", [folder.name])
        db.execute("DELETE FROM captures WHERE id = ?", [folder.name])
    code, out = verify(store)
    assert code == 1 and f"FAIL  {folder.name}" in out
    assert "removed without `collector retire`" in out


def test_appends_refused_while_the_copies_disagree(store: Path, site: SiteServer) -> None:
    path = writable(store / "custody.jsonl")
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:4]))
    first = capture_folders(store)[0].name
    result = run_cli("note", first, "lagi", "--operator", OPERATOR, store=store)
    assert result.exit_code == 3
    assert "custody.jsonl ends at seq 4 but index.db's custody log ends at seq 5" in result.output
    before = capture_folders(store)
    result = run_cli("capture", site.url("/final"), store=store)
    assert result.exit_code == 3 and "the two copies disagree" in result.output
    assert capture_folders(store) == before  # refused before any browser work


# --- notes, hand-overs, history ------------------------------------------------------------


def test_note_and_history_in_utc_and_wib(store: Path) -> None:
    first = capture_folders(store)[0].name
    result = run_cli(
        "note", first[-6:], "dicek ulang oleh Bawaslu 🙏", "--operator", "Rina", store=store
    )
    assert result.exit_code == 0 and "recorded custody entry 6 (note)" in result.output
    out = run_cli("custody", first, store=store).output
    lines = out.splitlines()
    assert lines[0].split() == ["SEQ", "UTC", "WIB", "ACTOR", "ACTION", "CAPTURES", "DETAILS"]
    assert "captured" in out and "note: dicek ulang oleh Bawaslu 🙏" in out and "WIB" in out
    assert "handover" in out and "case KASUS-1: from Dwi A. to Bawaslu Kota" in out
    assert "log head: sha256:" in out
    # the manifest is never touched by a note
    assert b"dicek ulang" not in (capture_folders(store)[0] / "manifest.json").read_bytes()
    as_json = json.loads(run_cli("custody", first, "--json", store=store).output)
    filed = next(e["seq"] for e in jsonl(store) if e["capture_ids"] == [first])
    assert [e["seq"] for e in as_json] == [filed, 4, 5, 6]
    assert as_json == [e for e in jsonl(store) if e["seq"] in (filed, 4, 5, 6)]


def test_custody_by_case(store: Path) -> None:
    out = run_cli("custody", "--case", "KASUS-2", store=store).output
    assert "not_found" in out and "handover" not in out and "note" not in out
    missing = run_cli("custody", "--case", "TIDAK-ADA", store=store)
    assert missing.exit_code == 2 and "no captures or custody events" in missing.output


def test_handover_lists_the_case_and_its_manifests(store: Path) -> None:
    event = jsonl(store)[4]
    assert event["action"] == "handover" and event["actor"] == OPERATOR
    folders = capture_folders(store)[:2]
    assert sorted(event["capture_ids"]) == sorted(f.name for f in folders)
    assert (
        event["details"]["to"] == "Bawaslu Kota" and event["details"]["reason"] == "surat 12/2024"
    )
    for f in folders:
        digest = hashlib.sha256((f / "manifest.json").read_bytes()).hexdigest()
        assert event["details"]["manifests"][f.name] == digest
    empty = run_cli(
        "handover", "--case", "TIDAK-ADA", "--from", "a", "--to", "b", "--reason", "c", store=store
    )
    assert empty.exit_code == 2 and "no captures in case" in empty.output


def test_note_on_unknown_capture_is_a_usage_error(store: Path) -> None:
    result = run_cli("note", "tidak-ada", "teks", store=store)
    assert result.exit_code == 2 and "no capture matches" in result.output
    assert len(jsonl(store)) == 5


# --- retire ----------------------------------------------------------------------------------


def test_retire_keeps_files_by_default(store: Path) -> None:
    folder = capture_folders(store)[2]
    result = run_cli(
        "retire", folder.name, "--reason", "salah alamat", "--operator", "Sari", store=store
    )
    assert result.exit_code == 0 and "files kept" in result.output
    assert folder.is_dir()
    assert "not_found (retired)" in run_cli("list", store=store).output
    code, out = verify(store)
    assert code == 0 and f"PASS  {folder.name}" in out and "(retired)" in out
    again = run_cli("retire", folder.name, "--reason", "lagi", store=store)
    assert again.exit_code == 2 and "already retired" in again.output


def test_retire_with_delete_files_keeps_the_hashes(store: Path) -> None:
    folder = capture_folders(store)[2]
    digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    shot = hashlib.sha256((folder / "screenshot.png").read_bytes()).hexdigest()
    result = run_cli(
        "retire",
        folder.name,
        "--reason",
        "permintaan pemilik data",
        "--delete-files",
        "--operator",
        "Sari",
        store=store,
    )
    assert result.exit_code == 0, result.output
    assert "(its hashes remain in the custody log)" in result.output
    assert not folder.exists()
    event = jsonl(store)[-1]
    assert event["action"] == "retired" and event["capture_ids"] == [folder.name]
    assert event["details"]["manifest_sha256"] == digest
    assert {"name": "screenshot.png", "sha256": shot}.items() <= {
        k: v
        for a in event["details"]["artifacts"]
        if a["name"] == "screenshot.png"
        for k, v in a.items()
    }.items()
    listed = run_cli("list", "--json", store=store).output
    assert folder.name in listed and '"retired_at"' in listed
    code, out = verify(store)
    assert code == 0, out
    assert f"RETIRED {folder.name}" in out and "1 retired (files deleted, hashes kept)" in out
    shown = run_cli("show", folder.name, store=store).output
    assert "its files were deleted, its hashes are kept" in shown and digest in shown
    # reindex keeps the retired capture's rows (from its event) and the log
    assert run_cli("reindex", store=store).exit_code == 0
    assert folder.name in run_cli("list", store=store).output
    assert verify(store)[0] == 0


def test_retire_needs_a_reason(store: Path) -> None:
    folder = capture_folders(store)[0]
    assert run_cli("retire", folder.name, store=store).exit_code == 2
    assert run_cli("retire", folder.name, "--reason", " ", store=store).exit_code == 2
    assert folder.is_dir() and len(jsonl(store)) == 5


# --- reindex ---------------------------------------------------------------------------------


def test_reindex_keeps_the_log_and_restores_it_from_jsonl(store: Path) -> None:
    before = db_rows(store)
    assert run_cli("reindex", store=store).exit_code == 0
    assert db_rows(store) == before  # custody_events is not a derived table
    for suffix in ("", "-wal", "-shm"):
        (store / f"index.db{suffix}").unlink(missing_ok=True)
    result = run_cli("reindex", store=store)
    assert result.exit_code == 0
    assert "reindexed 3 captures" in result.output
    assert "restored 5 custody entries from custody.jsonl" in result.output
    assert db_rows(store) == before
    assert verify(store)[0] == 0


def test_reindex_refuses_a_broken_jsonl_when_restoring(store: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (store / f"index.db{suffix}").unlink(missing_ok=True)
    path = writable(store / "custody.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[2] + lines[3])
    result = run_cli("reindex", store=store)
    assert result.exit_code == 3
    assert "cannot restore the custody log from custody.jsonl" in result.output
    assert "seq 3 where 2 was expected" in result.output


def test_old_store_without_custody_log_is_adopted_by_reindex(store: Path) -> None:
    """A store filed before the custody log existed: verify says so, reindex adopts."""
    with untriggered(store) as db:
        db.execute("DROP TABLE custody_events")
        db.execute("DELETE FROM migrations WHERE version = 2")
    writable(store / "custody.jsonl").unlink()
    code, out = verify(store, "--no-record")
    assert code == 1 and out.count("custody: no `captured` event for this capture") == 3
    # never adopted quietly (issue 12 item 4): listed, exit 1, nothing appended
    result = run_cli("reindex", "--operator", "admin", store=store)
    assert result.exit_code == 1 and result.output.count("NOT ADOPTED ") == 3
    assert not (store / "custody.jsonl").exists()
    ids = [p.name for p in capture_folders(store)]
    args = [a for cid in ids for a in ("--adopt", cid)]
    result = run_cli(
        "reindex", *args, "--reason", "filed before 0.3", "--operator", "admin", store=store
    )
    assert result.exit_code == 0 and result.output.count("adopted ") == 3
    entries = jsonl(store)
    assert [e["action"] for e in entries] == ["adopted"] * 3
    assert all(e["actor"] == "admin" for e in entries)
    assert all(e["details"]["reason"] == "filed before 0.3" for e in entries)
    assert verify(store)[0] == 0


# --- concurrency -----------------------------------------------------------------------------


def _append_notes(args: tuple[str, str, int]) -> None:
    from collector.evidence.store import EvidenceStore
    from collector.records.custody import add_note
    from collector.records.index import Index

    root, capture_id, n = args
    store = EvidenceStore(Path(root))
    with Index(store.index_path) as index:
        for i in range(n):
            add_note(store, index, capture_id, f"catatan {i}", "proses")


def test_two_processes_appending_never_interleave(store: Path) -> None:
    cid = capture_folders(store)[0].name
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.map(_append_notes, [(str(store), cid, 15), (str(store), cid, 15)])
    entries = jsonl(store)
    assert len(entries) == 35 and [e["seq"] for e in entries] == list(range(1, 36))
    code, out = verify(store)
    assert code == 0, out
