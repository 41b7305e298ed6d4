"""`collector verify` and `reindex`: every kind of tampering is caught and named.

One real store is captured per module; each test tampers with its own copy, as an
attacker with write access would (chmod first: the artifacts are read-only).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.helpers import capture_folders, run_cli, store_copy, verify, writable
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
