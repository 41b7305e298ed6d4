"""Escaping in the desk's pages: captured and personal values never become markup."""

from __future__ import annotations

import re
from pathlib import Path

from collector.desk import pages
from collector.desk.app import Desk
from collector.desk.auth import Identity
from collector.records.fts import HIGHLIGHT_END, HIGHLIGHT_START
from tests.unit.desk.conftest import HOSTILE, file_capture, request

CTX = pages.Context(Identity("<b>me</b>", "admin", 'tok"en'), 'tok"en', True, "/s<x>")
TAGS = re.compile(r"<(script|img|svg|iframe)\b", re.IGNORECASE)


def markup_from(html_text: str) -> set[str]:
    return {m.group(1).lower() for m in TAGS.finditer(html_text)}


def assert_only_desk_markup(text: str, where: str = "") -> None:
    """The only script is the desk's own; images only the desk's thumbnails and files."""
    assert re.findall(r"<script\b[^>]*>", text) == ['<script src="/static/desk.js" defer>'], where
    for img in re.findall(r"<img\b[^>]*>", text):
        assert 'src="/captures/' in img and "onerror" not in img, (where, img)
    assert not re.search(r"<(svg|iframe|object|embed)\b", text, re.IGNORECASE), where


def test_e_cleans_then_escapes() -> None:
    assert pages.e('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert pages.e("a\u202eb\x1b[31m") == "a\\u202eb\\x1b[31m"
    assert pages.e("x" * 20, 5) == "xxxx…"
    assert pages.e(None) == ""


def test_highlight_escapes_each_piece() -> None:
    snippet = f"<b>{HIGHLIGHT_START}<img src=x onerror=alert(1)>{HIGHLIGHT_END}</b>"
    out = pages.highlighted(snippet)
    assert out == "&lt;b&gt;<mark>&lt;img src=x onerror=alert(1)&gt;</mark>&lt;/b&gt;"
    assert pages.highlighted(f"a{HIGHLIGHT_END}b") == "ab"  # a stray marker goes


def test_capture_rows_escape_titles_urls_cases() -> None:
    row = {
        "id": "20261125T011530123Z-3fa9c2",
        "started_at": "2026-11-25T01:15:30.123Z",
        "outcome": "ok",
        "platform": "<i>x</i>",
        "case_id": '"><script>alert(1)</script>',
        "entry_name": HOSTILE,
        "title": HOSTILE,
        "requested_url": "https://x.test/<svg onload=alert(1)>",
        "final_url": None,
    }
    out = pages.capture_rows([row])
    assert markup_from(out) == {"img"}  # only the thumbnail the desk itself links
    assert 'href="/cases/%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"' in out
    assert "\\u202e" in out and "\u202e" not in out


def test_layout_escapes_the_user_and_store() -> None:
    out = pages.layout(CTX, "<t>", "")
    assert "&lt;b&gt;me&lt;/b&gt;" in out and "<b>me</b>" not in out
    assert 'value="tok&quot;en"' in out
    assert "&lt;t&gt;" in out and "/s&lt;x&gt;" in out


def test_flash_echoes_nothing_but_numbers() -> None:
    assert pages.flash("note", "<script>", None).count("<script") == 0
    assert pages.flash("<script>", "1", None) == ""
    assert "12" in pages.flash("note", "12", None)
    assert "LULUS" in pages.flash("verified", None, "pass")
    assert "GAGAL" not in pages.flash("verified", None, "<x>")


def test_intake_form_keeps_values_inert() -> None:
    values = {"urls": "</textarea><script>alert(1)</script>", "case": '"><img src=x>', "note": ""}
    out = pages.intake_form(CTX, values, [HOSTILE], {})
    assert_only_desk_markup(out)
    assert "</textarea><script>" not in out
    assert '"><img src=x>' not in out
    assert "&lt;/textarea&gt;&lt;script&gt;" in out


def test_pages_of_a_hostile_capture_hold_no_markup_from_it(store_root: Path) -> None:
    filed = file_capture(store_root, title=HOSTILE, case=HOSTILE, text=HOSTILE)
    desk = Desk(store_root)
    cid = filed.capture_id
    for target in (
        "/",
        f"/captures/{cid}",
        "/search?q=pwned",
        "/cases",
        f"/cases/{pages.q(HOSTILE)}",
    ):
        response = desk.handle(request("GET", target))
        assert response.status == 200, target
        assert isinstance(response.body, bytes)
        text = response.body.decode()
        assert_only_desk_markup(text, target)
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text, target
