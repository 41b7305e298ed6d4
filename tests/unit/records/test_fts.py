"""Search text forms: emoji as tokens, friendly queries; checked against real FTS5."""

from __future__ import annotations

import sqlite3

import pytest

from collector.records.fts import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    SEPARATOR,
    TOKENIZE,
    fts_query,
    plain,
    search_form,
)

TEXTS = [
    "Jaga netralitas di Pilkada 🗳️🇮🇩 — terima kasih🙏",
    "pesta🥳 meriah 👍🏽 keluarga",
    "Anak-anak sekolah; akun budi.s di https://x.com/budi",
    "Kepala dinas ikut tim pemenangan",
    "café kopi",
]


@pytest.fixture
def db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(f'CREATE VIRTUAL TABLE t USING fts5(text, tokenize="{TOKENIZE}")')
    conn.executemany("INSERT INTO t VALUES (?)", [(search_form(t),) for t in TEXTS])
    return conn


def hits(db: sqlite3.Connection, query: str) -> list[int]:
    rows = db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", (fts_query(query),))
    return [r[0] for r in rows]


def test_search_form_is_reversible_and_leaves_ascii_alone() -> None:
    assert search_form("plain ascii text") == "plain ascii text"
    for text in TEXTS:
        assert plain(search_form(text)) == text
    assert search_form("a🙏b") == f"a{SEPARATOR}🙏{SEPARATOR}b"


def test_search_form_cannot_forge_highlights() -> None:
    assert HIGHLIGHT_START not in search_form(f"x{HIGHLIGHT_START}y{HIGHLIGHT_END}")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("🙏", [1]),  # glued to the word before it
        ("kasih", [1]),
        ("🇮🇩", [1]),
        ("🗳️🇮🇩", [1]),  # a run of emoji: a phrase
        ("🥳", [2]),
        ("👍", [2]),  # skin tone modifiers are separators
        ("👍🏽", [2]),
        ("🎉", []),
        ("anak-anak", [3]),  # quoted for the person
        ("budi.s", [3]),
        ("https://x.com/budi", [3]),
        ("netral*", [1]),
        ("netral OR pemenangan", [4]),  # whole words: "netralitas" needs netral*
        ("netral* OR pemenangan", [1, 4]),
        ('"tim pemenangan"', [4]),
        ("text:pemenangan", [4]),  # a real column filter stays one
        ("cafe", [5]),  # diacritics removed
        ("KEPALA", [4]),
        ("NEAR(kepala pemenangan, 5)", [4]),
        ("dinas NOT kepala", []),
    ],
)
def test_queries(db: sqlite3.Connection, query: str, expected: list[int]) -> None:
    assert hits(db, query) == expected


def test_fts_query_rewrites() -> None:
    assert fts_query("netral OR pemenangan") == "netral OR pemenangan"
    assert fts_query("anak-anak") == '"anak-anak"'
    assert fts_query("anak-anak*") == '"anak-anak"*'
    assert fts_query('"tim pemenangan" budi.s') == '"tim pemenangan" "budi.s"'
    assert fts_query("title:netral") == "title:netral"
    assert fts_query("{title text}: netral") == "{title text}: netral"
    assert fts_query("foo:bar") == '"foo:bar"'  # not a column: a phrase


@pytest.mark.parametrize("query", ['"unterminated', "netral AND", "(netral", "NEAR("])
def test_syntax_errors_stay_errors(db: sqlite3.Connection, query: str) -> None:
    with pytest.raises(sqlite3.OperationalError):
        hits(db, query)
