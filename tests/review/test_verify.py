"""`collector verify` and `reindex`: every kind of tampering is caught and named.

One real store is captured per module; each test tampers with its own copy, as an
attacker with write access would (chmod first: the artifacts are read-only).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.helpers import capture_folders, run_cli, store_copy, verify, writable
from tests.support.monitor_site import Account, Article, ChangingSite, Post
from tests.support.site import SiteServer


@pytest.fixture(scope="module")
def pristine(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("pristine") / "evidence"
    result = run_cli(
        "capture",
        site.url("/page/indonesian"),
        site.url("/final"),
        "--case",
        "KASUS-1",
        store=store,
    )
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Iterator[Path]:
    with store_copy(pristine, tmp_path / "evidence") as copy:
        yield copy


def test_untouched_store_passes(store: Path) -> None:
    code, out = verify(store)
    assert code == 0, out
    assert "2 of 2 captures pass" in out and "FAIL" not in out


def test_modified_artifact_is_named(store: Path) -> None:
    # the Indonesian page (capture ids started in the same millisecond sort at random)
    (folder,) = [
        f for f in capture_folders(store) if b"netralitas" in (f / "text.txt").read_bytes()
    ]
    target = writable(folder / "text.txt")
    target.write_bytes(target.read_bytes().replace(b"netralitas", b"NETRALITAS"))
    code, out = verify(store)
    assert code == 1
    assert f"FAIL  {folder.name}" in out and "text.txt: SHA-256 mismatch" in out
    assert "VERIFICATION FAILED" in out


def test_single_byte_flip_in_screenshot(store: Path) -> None:
    folder = capture_folders(store)[1]
    target = writable(folder / "screenshot.png")
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    code, out = verify(store)
    assert code == 1 and "screenshot.png: SHA-256 mismatch" in out


def test_deleted_artifact_is_named(store: Path) -> None:
    folder = capture_folders(store)[0]
    writable(folder / "dom.html").unlink()
    code, out = verify(store)
    assert code == 1 and "dom.html: missing" in out


def test_added_file_is_named(store: Path) -> None:
    folder = capture_folders(store)[0]
    writable(folder / "bukti-palsu.png").write_bytes(b"\x89PNG fake")
    code, out = verify(store)
    assert code == 1 and "bukti-palsu.png: unexpected file" in out


def test_edited_manifest_is_caught(store: Path) -> None:
    folder = capture_folders(store)[0]
    manifest = writable(folder / "manifest.json")
    data = json.loads(manifest.read_text("utf-8"))
    data["operator"] = "orang lain"
    manifest.write_text(json.dumps(data, indent=2), "utf-8")
    code, out = verify(store)
    assert code == 1
    assert "manifest.json: SHA-256 differs from the one indexed" in out
    assert "index: captures.operator" in out


def test_manifest_and_sums_rewritten_together_still_caught(store: Path) -> None:
    """A careful forger edits the manifest AND SHA256SUMS: the index still disagrees."""
    folder = capture_folders(store)[0]
    manifest = writable(folder / "manifest.json")
    data = json.loads(manifest.read_text("utf-8"))
    data["requested_url"] = "https://example.org/lain"
    manifest.write_text(json.dumps(data, indent=2), "utf-8")
    import hashlib

    sums = writable(folder / "SHA256SUMS")
    lines = [line for line in sums.read_text().splitlines() if not line.endswith("manifest.json")]
    lines.append(f"{hashlib.sha256(manifest.read_bytes()).hexdigest()}  manifest.json")
    sums.write_text("\n".join(lines) + "\n")
    code, out = verify(store)
    assert code == 1 and "captures.requested_url" in out


def test_edited_sums_file_is_caught(store: Path) -> None:
    folder = capture_folders(store)[1]
    sums = writable(folder / "SHA256SUMS")
    sums.write_text(sums.read_text().replace("text.txt", "teks.txt"))
    code, out = verify(store)
    assert code == 1 and "SHA256SUMS: disagrees" in out


def test_edited_index_row_is_caught(store: Path) -> None:
    with sqlite3.connect(store / "index.db") as db:
        db.execute("UPDATE captures SET outcome = 'http_error' WHERE rowid = 1")
    code, out = verify(store)
    assert code == 1 and 'index: captures.outcome is "http_error", manifest says "ok"' in out


def test_edited_artifact_row_in_index_is_caught(store: Path) -> None:
    with sqlite3.connect(store / "index.db") as db:
        db.execute("UPDATE artifacts SET sha256 = ? WHERE name = 'dom.html'", ["0" * 64])
    code, out = verify(store)
    assert code == 1 and "index: artifacts rows disagree with the manifest for ['dom.html']" in out


def test_capture_missing_from_index_is_caught(store: Path) -> None:
    with sqlite3.connect(store / "index.db") as db:
        cid = db.execute("SELECT id FROM captures LIMIT 1").fetchone()[0]
        db.execute("DELETE FROM artifacts WHERE capture_id = ?", [cid])
        db.execute("DELETE FROM captures WHERE id = ?", [cid])
    code, out = verify(store)
    assert code == 1 and "capture folder is not in the index" in out and cid in out


def test_deleted_capture_folder_is_caught(store: Path) -> None:
    folder = capture_folders(store)[0]
    for p in [folder, *folder.iterdir()]:
        writable(p)
    shutil.rmtree(folder)
    code, out = verify(store)
    assert code == 1 and "is missing" in out and folder.name in out


def test_verify_one_capture_by_prefix(store: Path) -> None:
    folder = capture_folders(store)[0]
    code, out = verify(store, folder.name[-6:])
    assert code == 0 and "1 of 1 captures pass" in out


def test_verify_json(store: Path) -> None:
    writable(capture_folders(store)[0] / "text.txt").write_text("x")
    result = run_cli("verify", "--json", store=store)
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["ok"] is False
    assert sorted(c["status"] for c in report["captures"]) == ["fail", "pass"]


def test_reindex_rebuilds_the_index_exactly(store: Path) -> None:
    def dump() -> list[tuple[object, ...]]:
        with sqlite3.connect(store / "index.db") as db:
            return (
                db.execute("SELECT * FROM captures ORDER BY id").fetchall()
                + db.execute("SELECT * FROM artifacts ORDER BY capture_id, name").fetchall()
            )

    before = dump()
    (store / "index.db").unlink()
    for suffix in ("-wal", "-shm"):
        (store / f"index.db{suffix}").unlink(missing_ok=True)
    result = run_cli("reindex", store=store)
    assert result.exit_code == 0 and "reindexed 2 captures" in result.output
    assert dump() == before
    code, out = verify(store)
    assert code == 0, out


# -- evidence is regular files inside the store ---------------------------------------------


def test_artifact_replaced_by_a_link_to_an_outside_copy_is_refused(
    store: Path, tmp_path: Path
) -> None:
    folder = capture_folders(store)[0]
    outside = tmp_path / "salinan.png"
    shutil.copyfile(folder / "screenshot.png", outside)  # the very same bytes
    writable(folder / "screenshot.png").unlink()
    (folder / "screenshot.png").symlink_to(outside)
    code, out = verify(store)
    assert code == 1, out
    assert f"FAIL  {folder.name}" in out
    assert "screenshot.png: a symbolic link, refused" in out


def test_capture_folder_replaced_by_a_link_to_an_outside_copy_is_refused(
    store: Path, tmp_path: Path
) -> None:
    folder = capture_folders(store)[0]
    outside = tmp_path / "salinan"
    shutil.copytree(folder, outside)
    folder.rename(tmp_path / "asli")
    folder.symlink_to(outside, target_is_directory=True)
    code, out = verify(store)
    assert code == 1, out
    rel = folder.relative_to(store).as_posix()
    assert f"{rel}: a symbolic link, refused" in out
    assert "1 of 2 captures pass" in out


def test_a_fifo_in_a_capture_folder_is_named_not_read(store: Path) -> None:
    folder = capture_folders(store)[0]
    writable(folder / "dom.html").unlink()
    os.mkfifo(folder / "dom.html")  # reading it would block forever
    code, out = verify(store)
    assert code == 1 and "dom.html: not a regular file, refused" in out


# -- derived index tables are recomputed from the manifests --------------------------------


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A page captured three times, unchanged then gone (a `disappeared` change), and an
    article captured once."""
    changing = ChangingSite()
    changing.accounts["budi"] = Account(
        "budi", "ASN Kabupaten.", [Post("CzAAAAAAAA1", "Kampanye calon bupati nomor 2")]
    )
    changing.articles["berita"] = Article("Berita netralitas", ["Paragraf tentang ASN."])
    store = tmp_path_factory.mktemp("monitored") / "evidence"
    url = changing.profile_url("budi")
    try:
        first = run_cli("capture", url, changing.article_url("berita"), store=store)
        assert first.exit_code == 0, first.output
        again = run_cli("capture", url, store=store)
        assert again.exit_code == 0 and "no changes since" in again.output, again.output
        changing.accounts["budi"].gone = True
        second = run_cli("capture", url, store=store)
        assert second.exit_code == 4 and "disappeared" in second.output, second.output  # findings
    finally:
        changing.stop()
    yield store


@pytest.fixture
def watched(monitored: Path, tmp_path: Path) -> Iterator[Path]:
    with store_copy(monitored, tmp_path / "evidence") as copy:
        yield copy


def changes_rows(store: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(store / "index.db") as db:
        return db.execute("SELECT capture_id, kinds FROM changes ORDER BY captured_at").fetchall()


def test_verify_says_which_index_tables_it_recomputed(watched: Path) -> None:
    assert [kinds for _, kinds in changes_rows(watched)] == ["", "disappeared"]
    code, out = verify(watched)
    assert code == 0, out
    assert (
        "index tables recomputed from the manifests and compared: "
        "captures, artifacts, capture_text, timestamps, changes"
    ) in out
    report = json.loads(run_cli("verify", "--json", "--no-record", store=watched).output)
    assert report["index_tables_checked"] == [
        "captures",
        "artifacts",
        "capture_text",
        "timestamps",
        "changes",
    ]


def test_deleted_changes_row_hiding_a_disappearance_is_caught(watched: Path) -> None:
    cid = changes_rows(watched)[-1][0]
    assert run_cli("changes", "--kind", "disappeared", store=watched).output.count(cid) == 1
    with sqlite3.connect(watched / "index.db") as db:
        db.execute("DELETE FROM changes WHERE kinds = 'disappeared'")
    assert run_cli("changes", "--kind", "disappeared", store=watched).output.count(cid) == 0
    code, out = verify(watched)
    assert code == 1, out
    assert f"FAIL  {cid}" in out
    assert "index: changes row missing; the manifests compare it with" in out
    assert "(disappeared): deleted, or lost in a crash?" in out
    # reindex recomputes it, and then the store verifies again
    assert run_cli("reindex", store=watched).exit_code == 0
    assert [kinds for _, kinds in changes_rows(watched)] == ["", "disappeared"]
    assert verify(watched)[0] == 0


def test_edited_changes_row_is_caught(watched: Path) -> None:
    with sqlite3.connect(watched / "index.db") as db:
        db.execute("UPDATE changes SET kinds = '', changed = 0, summary = '' WHERE changed = 1")
    code, out = verify(watched)
    assert code == 1, out
    assert "index: changes row differs from the comparison recomputed from the manifests" in out
    assert "'changed'" in out and "'kinds'" in out


def test_added_changes_row_is_caught(watched: Path) -> None:
    with sqlite3.connect(watched / "index.db") as db:
        db.row_factory = sqlite3.Row
        row = dict(db.execute("SELECT * FROM changes WHERE changed = 1").fetchone())
        article = db.execute(
            "SELECT id FROM captures WHERE requested_url LIKE '%/page/berita'"
        ).fetchone()[0]
        row.update(capture_id=article, previous_id=row["capture_id"])
        db.execute(
            f"INSERT INTO changes ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
    code, out = verify(watched)
    assert code == 1, out
    assert f"FAIL  {article}" in out and "the manifests give no such comparison" in out


def test_edited_search_text_is_caught(watched: Path) -> None:
    assert "Kampanye" in run_cli("search", "kampanye", store=watched).output
    with sqlite3.connect(watched / "index.db") as db:
        db.execute(
            "UPDATE capture_text SET text = 'tidak ada apa-apa' WHERE text LIKE '%kampanye%'"
        )
    assert "Kampanye" not in run_cli("search", "kampanye", store=watched).output
    code, out = verify(watched)
    assert code == 1, out
    assert "index: capture_text row differs from the manifest and text.txt in ['text']" in out


def test_full_text_index_edited_behind_capture_text_is_caught(watched: Path) -> None:
    with sqlite3.connect(watched / "index.db") as db:
        rows = db.execute(
            "SELECT id, title, url, text FROM capture_text WHERE text LIKE '%kampanye%'"
        ).fetchall()
        # FTS5's 'delete' command drops the words from the index, not from capture_text
        db.executemany(
            "INSERT INTO capture_text_fts(capture_text_fts, rowid, title, url, text)"
            " VALUES ('delete', ?, ?, ?, ?)",
            rows,
        )
    assert "Kampanye" not in run_cli("search", "kampanye", store=watched).output
    code, out = verify(watched)
    assert code == 1, out
    assert "FAIL  store: index.db: the full-text index does not match capture_text" in out


def test_retired_and_deleted_capture_leaves_a_warning_not_a_failure(watched: Path) -> None:
    """Retiring (and deleting) the capture a comparison was made with removes the rows that
    name it; the next capture is compared again by `reindex`: not tampering."""
    (middle, _), (last, _) = changes_rows(watched)
    result = run_cli("retire", middle, "--reason", "salah alamat", "--delete-files", store=watched)
    assert result.exit_code == 0, result.output
    assert changes_rows(watched) == []
    code, out = verify(watched)
    assert code == 0, out
    assert f"WARN  {last}: no changes row (the capture it was compared with was retired" in out
    assert run_cli("reindex", store=watched).exit_code == 0
    assert [kinds for _, kinds in changes_rows(watched)] == ["disappeared"]
    code, out = verify(watched)
    assert code == 0 and "no changes row" not in out, out
