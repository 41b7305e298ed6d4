"""Change detection, search, diff and read-only SQL over real captures (real Chromium)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector.capture.runner import CaptureRunner
from collector.cli.changes import finish_monitor, start_monitor
from collector.evidence.store import EvidenceStore
from collector.models import CaptureJob, CaptureOptions
from tests.support.helpers import capture_folders, run_cli
from tests.support.monitor_site import Account, Article, ChangingSite, Post

FAST = CaptureOptions(timeout_s=20, max_scrolls=3, network_quiet_ms=100)
ENTRY_NAME = "Budi Santoso (contoh)"


@pytest.fixture(scope="module")
def changing() -> Iterator[ChangingSite]:
    server = ChangingSite()
    yield server
    server.stop()


def changes_json(store: Path, *args: str) -> list[dict[str, Any]]:
    result = run_cli("changes", "--json", *args, store=store)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def manifest_of(store: Path, capture_id: str) -> dict[str, Any]:
    folder = next(f for f in capture_folders(store) if f.name == capture_id)
    return json.loads((folder / "manifest.json").read_text("utf-8"))


def capture_ids(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line[:8].isdigit()]


# -- a watch-list entry over three runs ------------------------------------------------


def test_entry_changes_over_three_runs(changing: ChangingSite, store: Path) -> None:
    """What `collector run` will do: the same entry captured three times, the page
    changing in between, through the after-filing hook."""
    changing.accounts["budi"] = Account(
        "budi",
        "Guru SD Negeri 3 Laweyan. Akun pribadi.",
        [
            Post("CzAAAAAAAA1", "Upacara bendera hari Senin"),
            Post("CzAAAAAAAA2", "Ayo dukung pasangan nomor 2, tim pemenangan kita!"),
            Post("CzAAAAAAAA3", "Rapat guru bersama kepala sekolah"),
        ],
    )
    url = changing.profile_url("budi")
    entry = {"name": ENTRY_NAME, "platform": "instagram", "url": url, "unit": "Disdik"}

    def run(number: int) -> tuple[list[Any], Any]:
        monitor = start_monitor(None, 30)
        runner = CaptureRunner(EvidenceStore(store), after_filing=[monitor.after_filing])
        job = CaptureJob(url, FAST, "BAWASLU-2024-009", "Dwi A.", None, f"run-{number}", entry)
        filed = runner.run([job])
        assert finish_monitor(monitor)
        return filed, monitor

    filed1, monitor1 = run(1)
    m1 = filed1[0].manifest
    assert m1["outcome"] == "ok" and m1["run"]["entry"]["name"] == ENTRY_NAME
    assert m1["page"]["post_links_platform"] == "instagram"
    assert m1["page"]["post_links"] == [
        "https://www.instagram.com/p/CzAAAAAAAA1/",
        "https://www.instagram.com/p/CzAAAAAAAA2/",
        "https://www.instagram.com/p/CzAAAAAAAA3/",
    ]
    assert len(m1["screenshot"]["dhash"]) == 16
    assert m1["screenshot"]["dhash_source"]["png_width"] == 64
    assert monitor1.records == []  # the first capture has nothing to compare with

    # run 2: the campaign post is deleted, a new post appears, the bio is edited
    account = changing.accounts["budi"]
    account.posts = [p for p in account.posts if p.code != "CzAAAAAAAA2"]
    account.posts.insert(0, Post("CzAAAAAAAA4", "Lomba tujuh belasan di sekolah"))
    account.bio = "Guru SD Negeri 3 Laweyan."
    filed2, monitor2 = run(2)
    (record,) = monitor2.changed
    kinds = record.row["kinds"].split(",")
    assert kinds == ["text_changed", "posts_added", "posts_removed"]
    details = json.loads(record.row["details"])
    by_kind = {c["kind"]: c["details"] for c in details["changes"]}
    assert by_kind["posts_added"]["links"] == ["https://www.instagram.com/p/CzAAAAAAAA4/"]
    assert by_kind["posts_removed"]["links"] == ["https://www.instagram.com/p/CzAAAAAAAA2/"]
    assert "Ayo dukung pasangan nomor 2, tim pemenangan kita!" in by_kind["text_changed"]["removed"]
    assert "Guru SD Negeri 3 Laweyan." in by_kind["text_changed"]["added"]
    assert record.row["previous_id"] == filed1[0].capture_id
    assert record.row["entry_name"] == ENTRY_NAME and record.row["run_id"] == "run-2"

    # run 3: the account is gone (the platform's own "isn't available" page)
    account.gone = True
    filed3, monitor3 = run(3)
    (gone,) = monitor3.changed
    assert gone.row["kinds"] == "disappeared"
    assert gone.row["outcome"] == "not_found" and gone.row["previous_outcome"] == "ok"
    assert gone.row["previous_id"] == filed2[0].capture_id

    rows = changes_json(store, "--entry", ENTRY_NAME)
    assert [r["kinds"] for r in rows] == [
        ["text_changed", "posts_added", "posts_removed"],
        ["disappeared"],
    ]
    assert [r["capture_id"] for r in rows] == [filed2[0].capture_id, filed3[0].capture_id]
    assert rows[1]["details"]["changes"][0]["details"]["current_outcome"] == "not_found"
    assert changes_json(store, "--kind", "disappeared")[0]["capture_id"] == filed3[0].capture_id
    assert changes_json(store, "--kind", "posts_removed", "--case", "BAWASLU-2024-009")
    assert changes_json(store, "--case", "OTHER") == []
    assert changes_json(store, "--entry", "Someone else") == []
    assert changes_json(store, "--since", "2999-01-01") == []

    table = run_cli("changes", store=store)
    assert table.exit_code == 0
    assert "disappeared" in table.output and ENTRY_NAME in table.output
    assert "WIB" in table.output

    # reindex recomputes the same rows from the manifests (and keeps search working)
    before = {(r["capture_id"], r["previous_id"], tuple(r["kinds"])) for r in rows}
    assert run_cli("reindex", store=store).exit_code == 0
    after = changes_json(store, "--entry", ENTRY_NAME)
    assert {(r["capture_id"], r["previous_id"], tuple(r["kinds"])) for r in after} == before
    hits = json.loads(run_cli("search", "pemenangan", "--json", store=store).output)
    assert [h["id"] for h in hits] == [filed1[0].capture_id]
    assert run_cli("verify", store=store).exit_code == 0


# -- ad-hoc captures through the CLI ----------------------------------------------------


def test_capture_compares_with_previous_capture_of_same_url(
    changing: ChangingSite, store: Path, tmp_path: Path
) -> None:
    changing.accounts["sari"] = Account(
        "sari",
        "Staf Bappeda. Netral dan profesional.",
        [Post("CzBBBBBBBB1", "Sosialisasi netralitas ASN"), Post("CzBBBBBBBB2", "Apel pagi")],
    )
    url = changing.profile_url("sari")
    other = changing.article_url("pengumuman")
    changing.articles["pengumuman"] = Article("Pengumuman", ["Libur nasional."])
    received = tmp_path / "notified.jsonl"
    notify = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"ab\").write(sys.stdin.buffer.read())' {received}"

    first = run_cli("capture", url, other, "--case", "BKPSDM-2024-017", store=store)
    assert first.exit_code == 0, first.output
    assert "changes since" not in first.output and "compared" not in first.output

    # same text, same layout: compared, unchanged (and recorded as such)
    second = run_cli("capture", url, store=store)
    assert second.exit_code == 0, second.output
    assert "no changes since the previous capture (1 compared)" in second.output
    (unchanged,) = changes_json(store, "--all")
    assert unchanged["changed"] is False and unchanged["kinds"] == []
    assert unchanged["screenshot_distance"] == 0
    assert changes_json(store) == []

    # a different layout (list -> grid) and an edited bio: text, screenshot
    changing.accounts["sari"].layout = "grid"
    changing.accounts["sari"].bio = "Staf Bappeda."
    third = run_cli("capture", url, "--notify-command", notify, store=store)
    assert third.exit_code == 0, third.output
    assert "changes since the previous capture (1):" in third.output
    rows = changes_json(store)
    assert len(rows) == 1
    kinds = rows[0]["kinds"]
    assert "text_changed" in kinds and "screenshot_changed" in kinds, rows[0]
    assert rows[0]["screenshot_distance"] > 10
    assert rows[0]["url"] == url and rows[0]["entry_name"] is None
    assert rows[0]["case_id"] is None  # the case of the later capture

    # the notify command got the change as JSON on stdin
    payload = json.loads(received.read_text("utf-8"))
    assert payload["event"] == "collector.change"
    assert payload["capture_id"] == rows[0]["capture_id"] and payload["kinds"] == kinds
    assert payload["previous_capture_id"] == rows[0]["previous_id"]
    assert Path(payload["folder"], "screenshot.png").is_file()

    # the account disappears (404): disappeared, and the exit status says findings
    changing.accounts["sari"].gone = True
    fourth = run_cli("capture", url, store=store)
    assert fourth.exit_code == 4
    assert "disappeared" in fourth.output
    # the unrelated article was never compared with the profile
    assert all(r["url"] == url for r in changes_json(store, "--all"))


def test_failed_capture_is_not_the_previous_capture(changing: ChangingSite, store: Path) -> None:
    """A timeout between two good captures says nothing about the page: the next good
    capture is compared with the last good one, so a deletion is not hidden."""
    changing.articles["berita"] = Article("Berita", ["Paragraf satu.", "Paragraf dua."])
    url = changing.article_url("berita")
    assert run_cli("capture", url, store=store).exit_code == 0
    changing.articles["berita"].hang = True
    timed_out = run_cli("capture", url, "--timeout", "3", store=store)
    assert timed_out.exit_code == 1 and " timeout " in timed_out.output
    assert changes_json(store, "--all") == []  # a timeout is never compared
    changing.articles["berita"] = Article("Berita", ["Paragraf satu."])
    assert run_cli("capture", url, store=store).exit_code == 0
    (row,) = changes_json(store)
    first = capture_folders(store)[0].name
    assert row["previous_id"] == first and row["kinds"] == ["text_changed"]
    assert row["details"]["changes"][0]["details"]["removed"] == ["Paragraf dua."]


# -- search -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def searchable(changing: ChangingSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("search") / "evidence"
    changing.articles["kampanye"] = Article(
        "Dugaan kampanye ASN",
        [
            "Oknum ASN ikut tim pemenangan salah satu calon bupati 🗳️🇮🇩",
            "Foto bersama relawan di posko, terima kasih🙏 katanya.",
            "Anak-anak sekolah diajak ke acara.",
        ],
    )
    changing.articles["netral"] = Article(
        "Himbauan netralitas",
        ["ASN wajib netral dalam Pilkada 2024.", "Sanksi disiplin bagi yang melanggar."],
    )
    changing.articles["lain"] = Article("Jadwal posyandu", ["Posyandu balita hari Kamis."])
    result = run_cli(
        "capture",
        changing.article_url("kampanye"),
        changing.article_url("netral"),
        "--case",
        "BAWASLU-2024-009",
        store=store,
    )
    assert result.exit_code == 0, result.output
    result = run_cli("capture", changing.article_url("lain"), store=store)
    assert result.exit_code == 0, result.output
    return store


def search_json(store: Path, *args: str) -> list[dict[str, Any]]:
    result = run_cli("search", *args, "--json", store=store)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def titles(hits: list[dict[str, Any]]) -> list[str]:
    return [h["title"] for h in hits]


def test_search_finds_indonesian_phrases(searchable: Path) -> None:
    assert set(titles(search_json(searchable, "netral OR pemenangan"))) == {
        "Himbauan netralitas",
        "Dugaan kampanye ASN",
    }
    assert titles(search_json(searchable, '"tim pemenangan"')) == ["Dugaan kampanye ASN"]
    assert titles(search_json(searchable, '"pemenangan tim"')) == []  # a phrase keeps order
    assert titles(search_json(searchable, "netral*")) == ["Himbauan netralitas"]
    assert titles(search_json(searchable, "anak-anak")) == ["Dugaan kampanye ASN"]
    assert titles(search_json(searchable, "posyandu NOT balita")) == []
    assert titles(search_json(searchable, "title:posyandu")) == ["Jadwal posyandu"]
    # case and outcome filters
    assert titles(search_json(searchable, "posyandu", "--case", "BAWASLU-2024-009")) == []
    assert titles(search_json(searchable, "posyandu", "--outcome", "ok")) == ["Jadwal posyandu"]
    assert search_json(searchable, "posyandu", "--since", "2999-01-01") == []
    # snippet markers in JSON
    (hit,) = search_json(searchable, "pemenangan")
    assert "[[pemenangan]]" in hit["snippet"]
    assert hit["id"] and hit["case_id"] == "BAWASLU-2024-009"


def test_search_terminal_output_highlights(searchable: Path) -> None:
    result = run_cli("search", "sanksi", store=searchable)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("  1. ") and "Himbauan netralitas" in lines[1]
    assert "Sanksi" in lines[2]
    assert "1 match(es), best first" in result.output


def test_search_emoji(searchable: Path) -> None:
    assert titles(search_json(searchable, "🙏")) == ["Dugaan kampanye ASN"]  # glued to a word
    assert titles(search_json(searchable, "🇮🇩")) == ["Dugaan kampanye ASN"]
    assert titles(search_json(searchable, "🗳️🇮🇩")) == ["Dugaan kampanye ASN"]
    assert titles(search_json(searchable, "kasih")) == ["Dugaan kampanye ASN"]
    assert search_json(searchable, "🎉") == []
    (hit,) = search_json(searchable, "🙏")
    assert "[[🙏]]" in hit["snippet"] and "\u200b" not in hit["snippet"]


@pytest.mark.parametrize("query", ['"tim pemenangan', "netral AND", "(netral", "NEAR(", "   "])
def test_search_syntax_error_is_a_clear_message(searchable: Path, query: str) -> None:
    result = run_cli("search", query, store=searchable)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Error:" in result.output and ("not valid" in result.output or "empty" in result.output)


# -- sql --------------------------------------------------------------------------------


def test_sql_reads(searchable: Path) -> None:
    result = run_cli(
        "sql", "SELECT title FROM captures WHERE title LIKE 'Jadwal%'", "--json", store=searchable
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"title": "Jadwal posyandu"}]
    table = run_cli("sql", "SELECT count(*) AS n FROM capture_text", store=searchable)
    assert table.exit_code == 0 and "3" in table.output
    pragma = run_cli("sql", "PRAGMA table_info(changes)", store=searchable)
    assert pragma.exit_code == 0 and "previous_id" in pragma.output
    fts = run_cli(
        "sql",
        "SELECT count(*) FROM capture_text_fts WHERE capture_text_fts MATCH 'posyandu'",
        store=searchable,
    )
    assert fts.exit_code == 0, fts.output


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO captures (id) VALUES ('x')",
        "DELETE FROM captures",
        "UPDATE captures SET note = 'x'",
        "DROP TABLE changes",
        "CREATE TABLE t (x)",
        "CREATE TEMP TABLE t (x)",
        "ATTACH DATABASE '/tmp/collector-attack.db' AS x",
        "PRAGMA user_version = 7",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA writable_schema = 1",
        "UPDATE sqlite_master SET sql = 'x'",
        "INSERT INTO capture_text_fts(capture_text_fts) VALUES ('delete-all')",
        "VACUUM",
        "SELECT 1; DELETE FROM captures",
    ],
)
def test_sql_refuses_writes(searchable: Path, statement: str) -> None:
    db = searchable / "index.db"
    before = db.read_bytes()
    result = run_cli("sql", statement, store=searchable)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Error:" in result.output
    assert db.read_bytes() == before
    assert not Path("/tmp/collector-attack.db").exists()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 3
    conn.close()


# -- diff -------------------------------------------------------------------------------


def test_diff_text_and_html(changing: ChangingSite, store: Path, tmp_path: Path) -> None:
    hostile = "<script>alert('x')</script> Laporan\u202e"
    changing.articles["laporan"] = Article(hostile, ["Baris satu.", "Baris dua.", "Baris tiga."])
    url = changing.article_url("laporan")
    a = capture_ids(run_cli("capture", url, store=store).output)[0]
    changing.articles["laporan"].paragraphs = ["Baris satu.", "Baris tiga.", "Baris empat <b>."]
    b = capture_ids(run_cli("capture", url, store=store).output)[0]

    result = run_cli("diff", a, b, store=store)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"A  {a}" in out and f"B  {b}" in out
    assert "-Baris dua." in out and "+Baris empat <b>." in out
    assert "text_changed" in out
    assert "\u202e" not in out and "\\u202e" in out  # bidi override made visible

    page = tmp_path / "diff.html"
    result = run_cli("diff", a, b, "--html", str(page), store=store)
    assert result.exit_code == 0, result.output
    text = page.read_text("utf-8")
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert text.count("data:image/png;base64,") == 2
    assert "Baris empat &lt;b&gt;." in text
    assert "\u202e" not in text and "\\u202e" in text
    # never overwritten
    again = run_cli("diff", a, b, "--html", str(page), store=store)
    assert again.exit_code == 2 and "already exists" in again.output
    assert run_cli("diff", a, "nonexistent", store=store).exit_code == 2


# -- two processes on one store --------------------------------------------------------


def test_two_capture_processes_on_one_store(changing: ChangingSite, store: Path) -> None:
    for i in range(8):
        changing.articles[f"p{i}"] = Article(f"Halaman {i}", [f"Isi halaman nomor {i}."])
    env = {**os.environ, "COLLECTOR_STORE": str(store)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "collector",
                "capture",
                *[changing.article_url(f"p{i}") for i in range(start, 8, 2)],
                "--concurrency",
                "2",
                "--timeout",
                "30",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for start in (0, 1)
    ]
    started = time.monotonic()
    outputs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, out + err
    assert time.monotonic() - started < 180
    conn = sqlite3.connect(store / "index.db")
    assert conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 8
    assert conn.execute("SELECT count(*) FROM capture_text").fetchone()[0] == 8
    listed = sum(
        len(json.loads((f / "manifest.json").read_text("utf-8"))["artifacts"])
        for f in capture_folders(store)
    )
    assert listed >= 8 * 7  # png, body, DOM, MHTML, text, HAR, WARC at least
    assert conn.execute("SELECT count(*) FROM artifacts").fetchone()[0] == listed
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert len(capture_folders(store)) == 8
    verify = run_cli("verify", store=store)
    assert verify.exit_code == 0, verify.output
    assert "8 of 8 captures pass" in verify.output
