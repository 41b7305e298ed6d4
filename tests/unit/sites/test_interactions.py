"""Matching rules, kind rules and list pages (collector.sites.interactions).

The regular expressions run in the page (find.js, JavaScript); here they run in Python's
`re`, which reads the same syntax for everything they use (checked by the browser tests).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from collector.models import Needle
from collector.sites.interactions import (
    KINDS,
    ListPageError,
    classify_kind,
    handle_pattern,
    link_matches,
    list_url,
    list_via,
    needle_payload,
    nesting,
    text_pattern,
)


def found(pattern: str, text: str) -> list[str]:
    return [m.group(0) for m in re.finditer(pattern, text, re.IGNORECASE)]


# -- handles -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, hits",
    [
        ("@budi", ["@budi"]),
        ("budi", ["budi"]),
        ("Mantap @BUDI!", ["@BUDI"]),
        ("cc @budi.", ["@budi"]),  # the sentence's full stop is not part of the handle
        ("(@budi), @budi; @budi?", ["@budi", "@budi", "@budi"]),
        ("@budi.santoso2", []),  # a longer handle
        ("@budi_s", []),
        ("@budi2", []),
        ("xbudi", []),
        ("a.budi", []),
        ("email budi@example.com", []),  # an e-mail address is no handle
        ("pak.budi ikut", []),
        ("budi.\nkemarin", ["budi"]),
    ],
)
def test_instagram_handle_matches_as_a_handle(text: str, hits: list[str]) -> None:
    pattern = handle_pattern("budi", "instagram")
    assert found(pattern, text) == hits


def test_handle_characters_are_the_platforms() -> None:
    # on X a "." is no handle character: "@budi.santoso2" mentions @budi
    assert found(handle_pattern("budi", "x"), "@budi.santoso2") == ["@budi"]
    assert found(handle_pattern("budi", "x"), "@budi_santoso2") == []
    # on Instagram it is one
    assert found(handle_pattern("budi", "instagram"), "@budi.santoso2") == []
    # a handle with a dot matches whole, and only whole
    pattern = handle_pattern("budi.santoso", "instagram")
    assert found(pattern, "@budi.santoso dan @budi.santoso2 dan budi.santoso.") == [
        "@budi.santoso",
        "budi.santoso",
    ]
    assert found(pattern, "budiXsantoso") == []  # "." is escaped, not "any character"


def test_handle_pattern_escapes_for_javascript_u_mode() -> None:
    # JavaScript's `u` flag refuses needless escapes such as "\-" outside a class
    source = handle_pattern("budi-s", "youtube")
    assert "\\-" not in source.split("]")[-1]
    assert found(source, "@budi-s") == ["@budi-s"]


# -- texts -------------------------------------------------------------------------------


def test_text_matches_whole_words_any_white_space_any_case() -> None:
    pattern = text_pattern("Budi Santoso")
    assert found(pattern, "oleh BUDI   santoso, S.Pd.") == ["BUDI   santoso"]
    assert found(pattern, "Budi\nSantoso") == ["Budi\nSantoso"]
    assert found(pattern, "Budiman Santoso") == []
    assert found(pattern, "Budi Santosoputra") == []
    assert found(text_pattern("Dinas Pendidikan (Disdik)"), "x Dinas Pendidikan (Disdik) y") == [
        "Dinas Pendidikan (Disdik)"
    ]
    # letters beyond ASCII count as word letters: "Budi" is not in "Budié"
    assert found(text_pattern("Budi"), "Budié") == []


def test_needle_payloads() -> None:
    handle = needle_payload(Needle("s1.1", "handle", "Budi", "instagram"))
    assert handle["link_handle"] == "budi"
    assert found(handle["pattern"], "@budi") == ["@budi"]
    text = needle_payload(Needle("s1.2", "text", "Budi Santoso", None))
    assert text["link_handle"] is None
    url = needle_payload(Needle("s1.3", "profile_url", "https://www.instagram.com/Budi.S/", None))
    assert url["link_handle"] == "budi.s"
    assert found(url["pattern"], "kata @budi.s.") == ["@budi.s"]
    assert set(handle) >= {"id", "kind", "value", "platform", "pattern", "not_profile_parents"}


@pytest.mark.parametrize(
    "href, hit",
    [
        ("https://www.instagram.com/budi/", True),
        ("https://www.instagram.com/BUDI", True),
        ("https://www.tiktok.com/@budi", True),
        ("http://127.0.0.1:8080/ig/budi/", True),  # a mirror keeps its host
        ("https://www.facebook.com/profile.php?id=budi", True),
        ("https://www.instagram.com/explore/tags/budi/", False),
        ("https://x.com/hashtag/budi", False),
        ("https://www.instagram.com/budi.santoso2/", False),
        ("https://x.com/budi/status/1", False),
        ("https://www.instagram.com/p/budi/", False),
    ],
)
def test_profile_links(href: str, hit: bool) -> None:
    assert link_matches(href, "budi") is hit


# -- kinds -------------------------------------------------------------------------------


def hint(level: int, source: str, text: str) -> dict[str, Any]:
    return {"level": level, "source": source, "text": text}


def match(context: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {"context": context, "items": [1], "lists": [], "lead": True, **kw}


@pytest.mark.parametrize(
    "title, kind",
    [
        ("Pengikut", "follower"),
        ("Followers", "follower"),
        ("320 pengikut", "follower"),
        ("Mengikuti", "following"),
        ("Following", "following"),
        ("Disukai oleh", "like"),
        ("Menyukai", "like"),
        ("Likes", "like"),
        ("Liked by", "like"),
        ("Semua reaksi", "like"),
        ("Dibagikan oleh", "share"),
        ("Shared by", "share"),
        ("Reposts", "share"),
    ],
)
def test_list_dialogs(title: str, kind: str) -> None:
    got, rule = classify_kind(match([hint(4, "dialog", title)]), platform="instagram")
    assert got == kind
    assert title.lower() in rule.lower()
    # the row's account is the person whatever comes first in the row
    assert classify_kind(match([hint(4, "dialog", title)], lead=False), platform=None)[0] == kind


def test_comment_author_reply_and_mention() -> None:
    comments = [hint(3, "heading", "Komentar")]
    assert classify_kind(match(comments, items=[1]), platform="instagram")[0] == "comment"
    # in the body of someone else's comment: a mention
    kind, rule = classify_kind(match(comments, items=[1], lead=False), platform="instagram")
    assert (kind, rule.split(":")[0]) == ("mention", "generic.comments+body")
    # an item in a list inside a comment, under "Comments": a reply
    nested = match([hint(6, "heading", "Comments")], items=[1, 4], lists=[2, 5])
    assert classify_kind(nested, platform=None)[0] == "reply"
    # a replies list says so itself
    assert classify_kind(match([hint(2, "heading", "Balasan")]), platform=None)[0] == "reply"
    assert classify_kind(match([hint(0, "attr", "replies")]), platform=None)[0] == "reply"


def test_shared_comment_class_on_comments_and_replies() -> None:
    # both are <li class="comment"> in <ul class="comments">: the outermost list decides
    top = match([hint(1, "attr", "comment"), hint(2, "attr", "comments")], items=[1], lists=[2])
    reply = match(
        [hint(1, "attr", "comment"), hint(2, "attr", "comments"), hint(3, "attr", "comment"),
         hint(4, "attr", "comments")],
        items=[1, 3],
        lists=[2, 4],
    )  # fmt: skip
    assert classify_kind(top, platform=None)[0] == "comment"
    assert classify_kind(reply, platform=None)[0] == "reply"


def test_the_words_before_the_match_in_its_line() -> None:
    def kind(before: str, **kw: Any) -> str:
        return classify_kind(match([hint(1, "sentence", before)], **kw), platform=None)[0]

    assert kind("Disukai oleh", lead=False) == "like"
    assert kind("Liked by") == "like"
    assert kind("Diposting ulang oleh") == "share"
    assert kind("Reposted by", lead=False) == "share"
    # the phrase must end right before the match: anywhere else it is only words
    assert kind("disukai oleh banyak orang, termasuk") == "unknown"
    assert kind("Saya setuju dengan") == "unknown"


def test_a_comment_that_has_replies_is_not_a_reply() -> None:
    top = match([hint(1, "attr", "comment has-replies"), hint(2, "attr", "comments")])
    assert classify_kind(top, platform=None)[0] == "comment"
    assert classify_kind(match([hint(1, "attr", "comment-reply")]), platform=None)[0] == "reply"


def test_innermost_context_wins() -> None:
    # a likers dialog opened over a post's comments: the dialog is nearer
    m = match([hint(3, "dialog", "Disukai oleh"), hint(9, "heading", "Komentar")])
    assert classify_kind(m, platform="instagram")[0] == "like"


def test_platform_rules() -> None:
    fb = match([hint(1, "item", "Comment by Budi Santoso 2 hours ago")])
    assert classify_kind(fb, platform="facebook")[:1] == ("comment",)
    fb_reply = match([hint(1, "item", "Balasan dari Budi Santoso")])
    assert classify_kind(fb_reply, platform="facebook")[0] == "reply"
    # the same label means nothing to the generic rules
    assert classify_kind(fb_reply, platform="web")[0] == "unknown"
    tt = match([hint(2, "attr", "DivCommentItem comment-level-2")])
    assert classify_kind(tt, platform="tiktok")[0] == "reply"
    x = match([hint(7, "label", "Timeline: Conversation")])
    assert classify_kind(x, platform="x")[0] == "reply"


def test_page_address_rules_header_and_fallbacks() -> None:
    bare = match([], items=[2])
    assert classify_kind(bare, platform="x", page_url="https://x.com/budi/following")[0] == (
        "following"
    )
    assert classify_kind(bare, platform="x", page_url="https://x.com/budi/followers")[0] == (
        "follower"
    )
    assert (
        classify_kind(bare, platform="instagram", page_url="https://www.instagram.com/p/Cx1/liked_by/")[0]
        == "like"
    )  # fmt: skip
    assert classify_kind(match([], in_header=True), platform="x")[0] == "author"
    assert classify_kind(match([], item_tag="article", items=[1]), platform=None)[0] == "author"
    assert classify_kind(match([], lead=False, matched="@budi"), platform=None)[0] == "mention"
    kind, rule = classify_kind(match([], lead=False, matched="budi"), platform=None)
    assert (kind, rule.split(":")[0]) == ("unknown", "none")


def test_list_capture_decides_the_kind() -> None:
    m = match([hint(3, "dialog", "Disukai oleh")], lead=False)
    kind, rule = classify_kind(m, platform="instagram", list_kind="following")
    assert (kind, rule.split(":")[0]) == ("following", "list_capture.following")


def test_every_rule_kind_is_known() -> None:
    from collector.sites.interactions import KIND_RULES, PLATFORM_KIND_RULES, URL_RULES

    rules = [*KIND_RULES, *(r for rs in PLATFORM_KIND_RULES.values() for r in rs)]
    assert {r.kind for r in rules} | {r.kind for r in URL_RULES} <= set(KINDS)
    for r in rules:
        for phrase in r.phrases:
            re.compile(phrase)


def test_nesting_needs_a_list_between_items() -> None:
    assert nesting([1, 3], [2, 4], 10) == 2  # li > ul > li > ul
    assert nesting([1, 2], [3], 10) == 1  # div.comment inside li: one item
    assert nesting([1, 3], [2], 3) == 1  # the outer item is above the boundary


# -- list pages -------------------------------------------------------------------------


def test_list_urls() -> None:
    assert list_url("instagram", "https://www.instagram.com/budi/", "following") == (
        "https://www.instagram.com/budi/following/"
    )
    assert list_url("x", "https://x.com/budi", "followers") == "https://x.com/budi/followers"
    assert list_url("facebook", "https://www.facebook.com/profile.php?id=42", "following") == (
        "https://www.facebook.com/profile.php?id=42&sk=following"
    )
    assert list_url("instagram", "http://127.0.0.1:9/ig/budi/", "following") == (
        "http://127.0.0.1:9/ig/budi/following/"
    )
    with pytest.raises(ListPageError, match="tiktok has no following list page"):
        list_url("tiktok", "https://www.tiktok.com/@budi", "following")
    with pytest.raises(ListPageError, match="unknown list"):
        list_url("x", "https://x.com/budi", "likes")


def test_how_each_list_is_captured() -> None:
    assert list_via("instagram", "following") == "page"
    assert list_via("x", "followers") == "page"
    assert list_via("tiktok", "following") == "dialog"
    assert list_via("threads", "followers") == "dialog"
    assert list_via("web", "following") == "dialog"  # any other site: the generic opener
    with pytest.raises(ListPageError, match="youtube has no following list"):
        list_via("youtube", "following")
    with pytest.raises(ListPageError, match="unknown list"):
        list_via("tiktok", "likes")


def test_on_a_list_page_a_post_naming_them_in_its_text_is_a_mention() -> None:
    """X's quotes page: the quoting post's author shared; a name in its text is a mention."""
    url = "https://x.com/paslon01/status/1790000000000000002/quotes"
    quote = {"context": [], "items": [3], "lists": [], "lead": False, "item_tag": "article"}
    assert classify_kind(quote, platform="x", page_url=url)[0] == "mention"
    assert classify_kind({**quote, "lead": True}, platform="x", page_url=url)[0] == "share"
    # a list row that is no post (X's UserCell) keeps the list's kind
    row = {"context": [], "items": [2], "lists": [], "lead": False, "item_tag": "div"}
    assert classify_kind(row, platform="x", page_url=url)[0] == "share"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Anggota · 96", "member"),
        ("Members · 96", "member"),
        ("Semua anggota grup", "member"),
        ("Group members (12)", "member"),
        ("Anggota DPR terpilih", "unknown"),  # a heading that merely holds the word
        ("Members online now", "unknown"),
        ("Linimasa: Diposting ulang oleh", "share"),
        ("Postingan ulang", "share"),
    ],
)
def test_group_members_and_reposts_titles(title: str, kind: str) -> None:
    match = {"context": [hint(4, "heading", title)], "items": [1], "lists": [], "lead": True}
    assert classify_kind(match, platform="facebook")[0] == kind


def test_a_facebook_groups_members_page_is_known_by_its_address() -> None:
    match = {"context": [], "items": [1], "lists": [], "lead": True}
    url = "https://www.facebook.com/groups/relawanpaslon1/members/"
    assert classify_kind(match, platform="facebook", page_url=url) == (
        "member",
        "url.group_members: the page's address is a list",
    )
