"""Change-detection rules, notifications and the index's monitoring tables, without a
browser: captures are written as manifests and text files by hand."""

from __future__ import annotations

import json
import sqlite3
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from collector.errors import IndexError_, UsageError
from collector.evidence.hashing import sha256_bytes
from collector.evidence.store import EvidenceStore
from collector.models import FiledCapture
from collector.monitor.detect import (
    ChangeMonitor,
    Notifier,
    compare_manifests,
    derive_changes,
    effective_outcome,
)
from collector.records.custody import record_capture
from collector.records.index import Index
from collector.records.migrations import MIGRATIONS
from collector.records.rows import entry_key


def make_capture(
    root: Path,
    capture_id: str,
    *,
    started: str,
    text: str | None = "Halo",
    outcome: str = "ok",
    status: int = 200,
    url: str = "https://example.org/a",
    entry: dict[str, Any] | None = None,
    posts: list[str] | None = None,
    dhash: str | None = None,
    title: str = "Judul",
) -> tuple[dict[str, Any], str]:
    folder = f"captures/{started[:10]}/{capture_id}"
    (root / folder).mkdir(parents=True, exist_ok=True)
    artifacts = []
    if text is not None:
        data = text.encode()
        (root / folder / "text.txt").write_bytes(data)
        artifacts.append(
            {
                "name": "text.txt",
                "media_type": "text/plain",
                "size": len(data),
                "sha256": sha256_bytes(data),
            }
        )
    page: dict[str, Any] = {"title": title}
    if posts is not None:
        page["post_links"] = posts
    screenshot: dict[str, Any] = {}
    if dhash is not None:
        screenshot = {
            "dhash": dhash,
            "dhash_source": {
                "method": "cdp_clip_scaled",
                "png_width": 64,
                "css_clip": [0, 0, 1280, 2400],
            },
        }
    manifest = {
        "capture_id": capture_id,
        "requested_url": url,
        "final_url": url,
        "outcome": outcome,
        "outcome_reason": "",
        "started_at": started,
        "finished_at": started,
        "case": "C-1",
        "operator": None,
        "note": None,
        "response": {"status": status},
        "page": page,
        "screenshot": screenshot,
        "run": {"run_id": "r1", "entry": entry} if entry else None,
        "artifacts": artifacts,
    }
    (root / folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return manifest, folder


def file_into(index: Index, manifest: dict[str, Any], folder: str) -> FiledCapture:
    filed = FiledCapture(manifest["capture_id"], folder, manifest, "0" * 64, ())
    record_capture(EvidenceStore(index.root), index, filed)  # as the runner files it
    return filed


def test_effective_outcome() -> None:
    assert effective_outcome({"outcome": "http_error", "response": {"status": 404}}) == "not_found"
    assert effective_outcome({"outcome": "http_error", "response": {"status": 410}}) == "not_found"
    assert effective_outcome({"outcome": "http_error", "response": {"status": 500}}) == "http_error"
    assert effective_outcome({"outcome": "not_found", "response": None}) == "not_found"
    assert effective_outcome({"outcome": "ok", "response": {"status": 200}}) == "ok"


def test_entry_key() -> None:
    entry = {"name": "Budi", "platform": "instagram", "url": "https://www.instagram.com/budi/"}
    m = {"requested_url": "https://x/", "run": {"run_id": "r", "entry": entry}}
    assert entry_key(m) == 'entry:["Budi", "instagram", "https://www.instagram.com/budi/"]'
    assert entry_key({"requested_url": "https://x/", "run": None}) == "url:https://x/"
    # a list with a page of its own: that page's URL tells it apart (as before)
    page_list = {**entry, "url": "https://www.instagram.com/budi/following/", "list": "following"}
    m = {"requested_url": "https://x/", "run": {"run_id": "r", "entry": page_list}}
    assert entry_key(m) == (
        'entry:["Budi", "instagram", "https://www.instagram.com/budi/following/"]'
    )
    # a list opened in a dialog of the profile shares its URL: the list's name keys it
    tiktok = {"name": "Budi", "platform": "tiktok", "url": "https://www.tiktok.com/@budi"}
    profile = {"requested_url": tiktok["url"], "run": {"run_id": "r", "entry": tiktok}}
    dialog = {**tiktok, "profile_url": tiktok["url"], "list": "following", "list_in": "dialog"}
    listed = {"requested_url": tiktok["url"], "run": {"run_id": "r", "entry": dialog}}
    followers = {**dialog, "list": "followers"}
    other = {"requested_url": tiktok["url"], "run": {"run_id": "r", "entry": followers}}
    assert (
        entry_key(listed) == 'entry:["Budi", "tiktok", "https://www.tiktok.com/@budi", "following"]'
    )
    assert len({entry_key(profile), entry_key(listed), entry_key(other)}) == 3


def test_modified_text_is_not_compared(tmp_path: Path) -> None:
    a, fa = make_capture(tmp_path, "A", started="2024-01-01T00:00:00.000Z", text="satu")
    b, fb = make_capture(tmp_path, "B", started="2024-01-02T00:00:00.000Z", text="dua")
    changes = compare_manifests(a, tmp_path / fa, b, tmp_path / fb)
    assert [str(k) for k in changes.kinds] == ["text_changed"]
    (tmp_path / fb / "text.txt").write_text("tampered")
    assert compare_manifests(a, tmp_path / fa, b, tmp_path / fb).is_empty


def test_dhash_compared_only_when_made_the_same_way(tmp_path: Path) -> None:
    a, fa = make_capture(tmp_path, "A", started="2024-01-01T00:00:00.000Z", dhash="0" * 16)
    b, fb = make_capture(tmp_path, "B", started="2024-01-02T00:00:00.000Z", dhash="f" * 16)
    assert compare_manifests(a, tmp_path / fa, b, tmp_path / fb).screenshot_distance == 64
    b["screenshot"]["dhash_source"]["png_width"] = 128
    assert compare_manifests(a, tmp_path / fa, b, tmp_path / fb).screenshot_distance is None


def test_index_hook_and_reindex_agree(tmp_path: Path) -> None:
    entry = {"name": "Budi", "platform": "instagram", "url": "https://www.instagram.com/budi/"}
    captures = [
        make_capture(
            tmp_path, "1", started="2024-01-01T00:00:00.000Z", entry=entry, posts=["p1", "p2"]
        ),
        make_capture(
            tmp_path, "2", started="2024-01-02T00:00:00.000Z", outcome="timeout", entry=entry
        ),
        make_capture(tmp_path, "3", started="2024-01-03T00:00:00.000Z", entry=entry, posts=["p1"]),
        make_capture(tmp_path, "4", started="2024-01-03T06:00:00.000Z", url="https://other/"),
        make_capture(
            tmp_path,
            "5",
            started="2024-01-04T00:00:00.000Z",
            entry=entry,
            outcome="http_error",
            status=404,
            text=None,
        ),
        make_capture(tmp_path, "6", started="2024-01-05T00:00:00.000Z", entry=entry, posts=["p1"]),
    ]
    monitor = ChangeMonitor()
    with Index(tmp_path / "index.db") as index:
        for manifest, folder in captures:
            filed = file_into(index, manifest, folder)
            monitor.after_filing(index, None, filed)
        monitor.close()
        live = index.changes(include_unchanged=True)
    assert monitor.problems == []
    assert [(r["capture_id"], r["previous_id"], r["kinds"]) for r in live] == [
        ("3", "1", "posts_removed"),  # the timeout in between is skipped
        ("5", "3", "disappeared"),
        ("6", "5", "reappeared"),
    ]
    entries = [(m, f, "0" * 64) for m, f in reversed(captures)]  # any order in
    derived = list(derive_changes(tmp_path, entries))
    assert [(r["capture_id"], r["previous_id"], r["kinds"]) for r in derived] == [
        (r["capture_id"], r["previous_id"], r["kinds"]) for r in live
    ]
    with Index(tmp_path / "index.db") as index:
        assert index.reindex(entries, changes=lambda: derive_changes(tmp_path, entries)) == 6
        again = index.changes(include_unchanged=True)
        assert [r["details"] for r in again] == [r["details"] for r in live]
        assert [r["capture_id"] for r in index.changes(kinds=["disappeared", "reappeared"])] == [
            "5",
            "6",
        ]
        assert index.changes(entry="Budi", since="2024-01-04") and not index.changes(case="X")
        assert [h["id"] for h in index.search("halo", outcome="timeout")] == ["2"]


def test_hook_failure_is_reported_not_raised(tmp_path: Path) -> None:
    for background in (True, False):
        root = tmp_path / f"store-{background}"  # one store each: custody is per store
        root.mkdir()
        a, fa = make_capture(root, "1", started="2024-01-01T00:00:00.000Z")
        b, fb = make_capture(root, "2", started="2024-01-02T00:00:00.000Z")
        monitor = ChangeMonitor(background=background)
        with Index(root / "index.db") as index:
            file_into(index, a, fa)
            (root / fa / "manifest.json").write_text("{not json")
            monitor.after_filing(index, None, file_into(index, b, fb))
            monitor.close()
        assert len(monitor.problems) == 1 and "change detection failed" in monitor.problems[0]


def test_migration_backfills_an_older_store(tmp_path: Path) -> None:
    manifest, folder = make_capture(
        tmp_path, "old", started="2024-01-01T00:00:00.000Z", text="Arsip lama netralitas"
    )
    with Index(tmp_path / "index.db") as index:
        file_into(index, manifest, folder)
    # turn it into a store made before version 4
    conn = sqlite3.connect(tmp_path / "index.db")
    for table in ("changes", "capture_text_fts", "capture_text"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM migrations WHERE version = 4")
    conn.commit()
    conn.close()
    with Index(tmp_path / "index.db") as index:
        assert [h["id"] for h in index.search("netralitas")] == ["old"]
        assert {r["version"] for r in index.db.query("SELECT version FROM migrations")} == {
            v for v, _, _ in MIGRATIONS
        }


def test_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    Index(tmp_path / "index.db").close()
    conn = sqlite3.connect(tmp_path / "index.db")
    conn.execute(
        "INSERT INTO migrations VALUES (99, 'from the future', '2030-01-01T00:00:00.000Z')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(IndexError_, match=r"\[99\]"):
        Index(tmp_path / "index.db")


def test_read_only_index_refuses_writes(tmp_path: Path) -> None:
    Index(tmp_path / "index.db").close()
    with Index(tmp_path / "index.db", read_only=True) as index:
        assert index.read_only_query("SELECT 1 AS one") == (["one"], [(1,)])
        with pytest.raises(UsageError, match="read-only"):
            index.read_only_query("DELETE FROM captures")
        with pytest.raises(UsageError, match="read-only"):
            index.read_only_query("ATTACH DATABASE ':memory:' AS other")
        with pytest.raises(UsageError, match="SQL error"):
            index.read_only_query("SELECT * FROM no_such_table")


# -- notifications ----------------------------------------------------------------------


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "notify.py"
    path.write_text(textwrap.dedent(body))
    return f"{sys.executable} {path}"


def test_notifier_sends_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    command = script(
        tmp_path,
        f"""
        import sys
        open({str(out)!r}, "wb").write(sys.stdin.buffer.read())
        """,
    )
    logged: list[str] = []
    notifier = Notifier(command, log=logged.append)
    notifier.submit({"capture_id": "X", "summary": "akun hilang 🙏", "kinds": ["disappeared"]})
    notifier.close()
    assert notifier.sent == 1 and logged == []
    assert json.loads(out.read_text("utf-8"))["summary"] == "akun hilang 🙏"


def test_notifier_failures_are_logged_not_raised(tmp_path: Path) -> None:
    failing = script(tmp_path, "import sys; sys.stderr.write('smtp down\\n'); sys.exit(3)")
    logged: list[str] = []
    notifier = Notifier(failing, log=logged.append)
    notifier.submit({"capture_id": "X"})
    notifier.close()
    assert notifier.sent == 0 and len(notifier.failures) == 1
    assert "exited with status 3: smtp down" in logged[0] and "capture X" in logged[0]


def test_notifier_timeout(tmp_path: Path) -> None:
    slow = script(tmp_path, "import time; time.sleep(30)")
    logged: list[str] = []
    notifier = Notifier(slow, timeout_s=0.5, log=logged.append)
    started = time.monotonic()
    notifier.submit({"capture_id": "X"})
    notifier.close()
    assert time.monotonic() - started < 10
    assert "timed out after 0.5 s" in logged[0]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("", "empty"),
        ("'unclosed", "No closing quotation"),
        ("no-such-program-xyz", "not an executable"),
    ],
)
def test_notify_command_checked_up_front(command: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Notifier(command, log=print)


def test_no_shell_is_involved(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    out = tmp_path / "argv.json"
    command = script(
        tmp_path, f"import json, sys; open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:]))"
    )
    notifier = Notifier(f"{command} 'a; touch {marker}' $HOME", log=print)
    notifier.submit({"capture_id": "X"})
    notifier.close()
    assert json.loads(out.read_text()) == [f"a; touch {marker}", "$HOME"]
    assert not marker.exists()


def test_retired_and_deleted_capture_leaves_no_searchable_text(tmp_path: Path) -> None:
    from collector.evidence.store import EvidenceStore
    from collector.records.custody import retire

    a, fa = make_capture(tmp_path, "1", started="2024-01-01T00:00:00.000Z", text="rahasia pribadi")
    b, fb = make_capture(tmp_path, "2", started="2024-01-02T00:00:00.000Z", text="rahasia umum")
    (tmp_path / "captures").mkdir(exist_ok=True)
    monitor = ChangeMonitor(background=False)
    with Index(tmp_path / "index.db") as index:
        for manifest, folder in ((a, fa), (b, fb)):
            monitor.after_filing(index, None, file_into(index, manifest, folder))
        assert {h["id"] for h in index.search("rahasia")} == {"1", "2"}
        assert len(index.changes()) == 1
        retire(
            EvidenceStore(tmp_path),
            index,
            "1",
            reason="salah tangkap",
            actor="t",
            delete_files=True,
        )
        assert not (tmp_path / fa).exists()
        assert [h["id"] for h in index.search("rahasia")] == ["2"]
        assert index.search("pribadi") == [] and index.changes(include_unchanged=True) == []


def test_a_word_in_more_captures_than_the_rank_window_ranks_the_newest(tmp_path: Path) -> None:
    with Index(tmp_path / "index.db") as index:
        for n in range(1, 9):
            day = f"2024-01-{n:02d}T00:00:00.000Z"
            # the oldest say it most often: they would rank first if every match were scored
            words = "netralitas " * (9 - n)
            file_into(index, *make_capture(tmp_path, str(n), started=day, text=words))
        everything = [h["id"] for h in index.search("netralitas")]
        assert everything[0] == "1" and sorted(everything) == [str(n) for n in range(1, 9)]
        newest = [h["id"] for h in index.search("netralitas", rank_window=3)]
        assert sorted(newest) == ["6", "7", "8"] and newest[0] == "6"  # best of the newest
        # the window is taken after the filters, not before them
        assert [h["id"] for h in index.search("netralitas", until="2024-01-03", rank_window=1)] == [
            "2"
        ]
        assert (
            index.search("netralitas", rank_window=100) and index.search("x", rank_window=1) == []
        )
