"""Leftovers and bad inputs that blocked retries or lied (issue 12 item 14)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from collector.evidence.store import EvidenceStore
from collector.export.partial import claim_part
from collector.records.index import Index
from tests.support.helpers import run_cli
from tests.support.synthetic import file_capture

BIDI_TITLE = "Netral \u202eASN\u202c \u2066x\u2069 zero\u200bwidth \x85 \U000e0041 🗳️"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    s = EvidenceStore(root)
    s.ensure_writable()
    with Index(s.index_path) as index:
        file_capture(s, index, title=BIDI_TITLE)
    return root


def test_a_killed_exports_part_file_does_not_block_the_retry(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "case.zip"
    (tmp_path / ".case.zip.part").write_bytes(b"PK\x03\x04 half a zip from a killed export")
    result = run_cli("export", "--case", "KASUS-1", "--out", str(out), store=store)
    assert result.exit_code == 0, result.output  # was a FileExistsError traceback
    assert not (tmp_path / ".case.zip.part").exists()
    assert run_cli("verify-package", str(out)).exit_code == 0


def test_an_export_in_progress_is_not_shared(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "case.zip"
    tmp, fd = claim_part(out)  # another export writing the same file right now
    try:
        result = run_cli("export", "--case", "KASUS-1", "--out", str(out), store=store)
    finally:
        os.close(fd)
    assert result.exit_code == 2 and "another export is writing" in result.output
    assert tmp.exists() and not out.exists()


def test_sql_stops_a_runaway_recursive_query(store: Path) -> None:
    query = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r"
    start = time.monotonic()
    result = run_cli("sql", query, "--timeout", "1", store=store)
    assert time.monotonic() - start < 20
    assert result.exit_code == 2
    assert "stopped: the query ran longer than 1 s" in result.output


def test_verify_without_index_db_says_how_to_rebuild_it(store: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (store / f"index.db{suffix}").unlink(missing_ok=True)
    result = run_cli("verify", store=store)
    assert result.exit_code == 3
    assert "no evidence store" not in result.output
    assert "holds 1 capture folder(s)" in result.output and "collector reindex" in result.output
    result = run_cli("list", store=store)
    assert "collector reindex" in result.output


def test_utf16_csv_is_refused_with_a_plain_reason(tmp_path: Path) -> None:
    for encoding in ("utf-16", "utf-16-le"):
        csv = tmp_path / f"list-{encoding}.csv"
        csv.write_bytes("name,url\nBudi,https://example.org/budi\n".encode(encoding))
        result = run_cli("profiles", "import", str(csv))
        assert result.exit_code == 2
        assert "not UTF-8" in result.output and "save it as UTF-8" in result.output
        assert "unknown column" not in result.output


@pytest.mark.parametrize("command", [["list", "--json"], ["show", "--json"]])
def test_json_output_escapes_bidi_and_control_characters(store: Path, command: list[str]) -> None:
    if command[0] == "show":
        (folder,) = (store / "captures").glob("*/*")
        command = ["show", folder.name, "--json"]
    result = run_cli(*command, store=store)
    assert result.exit_code == 0, result.output
    for ch in ("\u202e", "\u202c", "\u2066", "\u2069", "\u200b", "\x85", "\U000e0041"):
        assert ch not in result.output, repr(ch)
    assert "\\u202e" in result.output and "\\udb40\\udc41" in result.output
    assert "🗳️" in result.output  # readable text stays readable
    data = json.loads(result.output)
    title = data[0]["title"] if command[0] == "list" else data["page"]["title"]
    assert title == BIDI_TITLE  # the same data, only spelled safely
