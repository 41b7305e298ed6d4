"""Issue 5's end-to-end cases through the real `collector run` command: a watch list whose
pages change over three scheduled runs, and two runs on one store at once.

Pages are served by the imitation platforms (tests/support/platform_site.py), reached as a proxy,
so the list holds real canonical URLs and the platform's own markers classify them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import run_cli
from tests.support.platform_site import NOT_FOUND, PlatformSite, html, short_page

FAST = ["--host-delay", "0", "--timeout", "20", "--max-scrolls", "3", "--retries", "0"]
PROFILE = "https://www.instagram.com/sari.contoh/"
ARTICLE = "https://berita.contoh.example/himbauan"


def watch_list(path: Path, proxy: str, entries: list[tuple[str, str]]) -> Path:
    body = "".join(f'[[entry]]\nname = "{name}"\nurl = "{url}"\n\n' for name, url in entries)
    path.write_text(f'[proxy]\n"*" = "{proxy}"\n\n{body}', "utf-8")
    return path


def profile(posts: list[tuple[str, str]], bio: str) -> tuple[int, bytes]:
    items = "".join(
        f"<article><p>{text}</p><a href='/p/{code}/'>Lihat unggahan</a></article>"
        for code, text in posts
    )
    return 200, html(
        "Sari (@sari.contoh) • Instagram photos and videos",
        f"<main><header><h1>Sari</h1><p>{bio}</p><p>12 posts · 300 followers</p></header>"
        f"{items}</main>",
    )


def article(*paragraphs: str) -> tuple[int, bytes]:
    return 200, short_page("Himbauan netralitas ASN", "\n".join(paragraphs))


def test_three_scheduled_runs_record_what_changed(
    platform_site: PlatformSite, store: Path, tmp_path: Path
) -> None:
    site = platform_site.pages
    site[PROFILE] = profile(
        [
            ("CzSARI00001", "Kerja bakti di kelurahan"),
            ("CzSARI00002", "Coblos nomor 2, pasti menang!"),
        ],
        "Staf Kecamatan Banjarsari.",
    )
    site[ARTICLE] = article("ASN wajib netral dalam pilkada.", "Tembusan: Bawaslu Kota Contoh.")
    listing = watch_list(
        tmp_path / "solo.toml",
        platform_site.proxy,
        [("Sari W. (contoh)", PROFILE), ("Himbauan (contoh)", ARTICLE)],
    )

    def run(status: int = 0) -> str:
        result = run_cli(
            "run", str(listing), "--case", "BAWASLU-7", "--ignore-https-errors", *FAST, store=store
        )
        assert result.exit_code == status, result.output
        return result.output

    first = run()
    assert "2 entries, 2 ok" in first, first
    # run 2: the campaign post is deleted and a new one appears; the article is edited
    site[PROFILE] = profile(
        [("CzSARI00003", "Senam pagi bersama"), ("CzSARI00001", "Kerja bakti di kelurahan")],
        "Staf Kecamatan Banjarsari.",
    )
    site[ARTICLE] = article(
        "ASN wajib netral dalam pilkada dan tidak berkampanye.", "Tembusan: Bawaslu Kota Contoh."
    )
    second = run()
    assert "changes since the previous capture (2)" in second, second
    # run 3: the account answers with Instagram's own "isn't available" page (HTTP 200)
    status, title, text = NOT_FOUND["instagram"]
    site[PROFILE] = (status, short_page(title, text))
    third = run(4)  # the run worked and found something: a profile gone
    assert "disappeared" in third, third

    result = run_cli("changes", "--json", store=store)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.output)
    by_entry: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["captured_at"]):
        by_entry.setdefault(row["entry_name"], []).append(row)
    sari = by_entry["Sari W. (contoh)"]
    assert [r["kinds"] for r in sari] == [
        ["text_changed", "posts_added", "posts_removed"],
        ["disappeared"],
    ]
    found = {c["kind"]: c["details"] for c in sari[0]["details"]["changes"]}
    assert found["posts_removed"]["links"] == ["https://www.instagram.com/p/CzSARI00002/"]
    assert found["posts_added"]["links"] == ["https://www.instagram.com/p/CzSARI00003/"]
    assert sari[1]["outcome"] == "not_found" and sari[1]["previous_outcome"] == "ok"
    news = by_entry["Himbauan (contoh)"]
    assert [r["kinds"] for r in news] == [["text_changed"]]  # run 3: unchanged, not listed
    text_change = {c["kind"]: c["details"] for c in news[0]["details"]["changes"]}["text_changed"]
    assert "ASN wajib netral dalam pilkada dan tidak berkampanye." in text_change["added"]
    assert "ASN wajib netral dalam pilkada." in text_change["removed"]
    with sqlite3.connect(store / "index.db") as db:
        finished = db.execute("SELECT COUNT(*) FROM runs WHERE status = 'finished'").fetchone()
        compared = db.execute("SELECT COUNT(*) FROM changes").fetchone()
    assert finished == (3,) and compared == (4,)  # two entries, compared in runs 2 and 3
    assert all(r["run_id"] for r in rows)


@pytest.mark.slow  # two real `collector run` processes
def test_two_runs_on_one_store_at_once(
    platform_site: PlatformSite, store: Path, tmp_path: Path
) -> None:
    lists = [
        watch_list(
            tmp_path / f"list{n}.toml",
            platform_site.proxy,
            [(f"Berita {i}", f"https://berita.contoh.example/berita/{i}") for i in range(n, 6, 2)],
        )
        for n in (0, 1)
    ]
    env = {**os.environ, "COLLECTOR_STORE": str(store)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "collector", "run", str(path), "--ignore-https-errors", *FAST],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in lists
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, out + err
    with sqlite3.connect(store / "index.db") as db:
        assert db.execute("SELECT COUNT(*) FROM captures").fetchone() == (6,)
        assert db.execute("SELECT COUNT(*) FROM runs WHERE status = 'finished'").fetchone() == (2,)
        captured = db.execute("SELECT COUNT(*) FROM custody_events WHERE action = 'captured'")
        assert captured.fetchone() == (6,)
    verify = run_cli("verify", store=store)
    assert verify.exit_code == 0, verify.output
