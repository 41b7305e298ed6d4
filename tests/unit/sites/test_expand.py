"""collector.sites.expand: which labels each rule opens, and the social denylist."""

from __future__ import annotations

import re

import pytest

from collector.sites.expand import (
    CONTROLS,
    EXPAND_RULES,
    LIST_LABELS,
    LIST_OPENERS,
    SOCIAL_WORDS,
    ExpandRule,
    count_label,
    list_opener,
    rules_for,
    social_pattern,
)
from collector.sites.platforms import PLATFORMS

SOCIAL = re.compile(social_pattern(), re.IGNORECASE)


def first_rule(platform: str, label: str) -> str | None:
    """The rule a control with this label (and the default selector) is clicked for,
    the way expand.js picks it: rules in order, the label's leading punctuation removed;
    None when no rule matches or the label is social (the denylist wins)."""
    text = " ".join(label.split()).lower()
    text = re.sub(r"[^\w)]+$", "", re.sub(r"^[^\w(]+", "", text)).replace("_", " ")
    if SOCIAL.search(text):
        return None
    for rule in rules_for(platform):
        if rule.selector != CONTROLS or not rule.labels:
            continue
        if any(re.search(p, text, re.IGNORECASE) for p in rule.labels):
            return rule.id
    return None


@pytest.mark.parametrize(
    ("platform", "label", "rule"),
    [
        ("instagram", "View all 48 comments", "instagram.view_all_comments"),
        ("instagram", "Lihat semua 1.234 komentar", "instagram.view_all_comments"),
        ("instagram", "Load more comments", "instagram.load_more_comments"),
        ("instagram", "Muat komentar lainnya", "instagram.load_more_comments"),
        ("instagram", "—— View replies (3)", "instagram.view_replies"),
        ("instagram", "—— Lihat balasan (12)", "instagram.view_replies"),
        ("instagram", "… more", "instagram.caption_more"),
        ("instagram", "… lainnya", "instagram.caption_more"),
        ("instagram", "320 likes", "instagram.likes"),
        ("instagram", "1 like", "instagram.likes"),
        ("instagram", "320 suka", "instagram.likes"),
        ("instagram", "Liked by andi.pratama and 319 others", "instagram.likes"),
        ("instagram", "Disukai oleh andi.pratama dan 319 lainnya", "instagram.likes"),
        ("facebook", "View more comments", "facebook.more_comments"),
        ("facebook", "View 1 more comment", "facebook.more_comments"),
        ("facebook", "Lihat komentar lainnya", "facebook.more_comments"),
        ("facebook", "View previous comments", "facebook.previous_comments"),
        ("facebook", "Lihat komentar sebelumnya", "facebook.previous_comments"),
        ("facebook", "View 2 replies", "facebook.replies"),
        ("facebook", "View 1 reply", "facebook.replies"),
        ("facebook", "Lihat 2 balasan", "facebook.replies"),
        ("facebook", "See more", "facebook.see_more"),
        ("facebook", "Lihat selengkapnya", "facebook.see_more"),
        ("facebook", "All reactions: 120", "facebook.reactions"),
        ("facebook", "Semua reaksi: 1,2 rb", "facebook.reactions"),
        ("x", "Show more replies", "x.show_more_replies"),
        ("x", "Tampilkan balasan lainnya", "x.show_more_replies"),
        ("x", "Show more", "x.show_more"),
        ("x", "Tampilkan lebih banyak", "x.show_more"),
        ("tiktok", "View 3 replies", "tiktok.view_replies"),
        ("tiktok", "Lihat 3 balasan", "tiktok.view_replies"),
        ("tiktok", "more", "tiktok.caption_more"),
        ("tiktok", "lainnya", "tiktok.caption_more"),
        # every other site: the generic rules
        ("web", "See more", "web.more"),
        ("web", "Tampilkan lebih banyak", "web.more"),
        ("web", "Lihat selengkapnya", "web.more"),
        ("web", "Load more comments", "web.comments"),
        ("web", "View previous comments", "web.comments"),
        ("web", "Lihat komentar sebelumnya", "web.comments"),
        ("web", "Lihat semua 5 komentar", "web.comments"),
        ("web", "View replies (4)", "web.replies"),
        ("web", "Show more replies", "web.replies"),
        ("web", "Tampilkan balasan lainnya", "web.replies"),
        # other sites' wording: a verb, a count or a qualifier, in either language
        ("web", "View 1 more reply", "web.replies"),
        ("web", "1 more reply", "web.replies"),
        ("web", "Load more replies", "web.replies"),
        ("web", "More replies", "web.replies"),
        ("web", "View previous replies", "web.replies"),
        (
            "web",
            "Show additional replies, including those that may contain offensive content",
            "web.replies",
        ),
        ("web", "Muat balasan lainnya", "web.replies"),
        ("web", "Lihat 3 balasan lagi", "web.replies"),
        ("web", "2 balasan lagi", "web.replies"),
        ("web", "Balasan lainnya", "web.replies"),
        ("web", "Tampilkan lebih banyak balasan", "web.replies"),
        ("web", "Tampilkan balasan tambahan", "web.replies"),
        ("web", "Lihat balasan sebelumnya", "web.replies"),
        ("web", "View all comments", "web.comments"),
        ("web", "See all 1,204 comments", "web.comments"),
        ("web", "View 5 previous comments", "web.comments"),
        ("web", "Load earlier comments", "web.comments"),
        ("web", "More comments", "web.comments"),
        ("web", "12 comments", "web.comments"),
        ("web", "Lihat semua komentar", "web.comments"),
        ("web", "Tampilkan 2 komentar lagi", "web.comments"),
        ("web", "Lihat 5 komentar sebelumnya", "web.comments"),
        ("web", "Lihat komentar sebelumnya (12)", "web.comments"),
        ("web", "Komentar lainnya", "web.comments"),
        ("web", "Lihat 4 tanggapan lainnya", "web.comments"),
        ("web", "Muat lainnya", "web.more"),
        ("web", "Baca lebih lanjut", "web.more"),
        ("facebook", "Lihat 5 komentar lagi", "web.comments"),
        # decoration around the words, a noun and its count
        ("web", "Lihat selengkapnya \u203a", "web.more"),
        ("web", "Show more ▾", "web.more"),
        ("web", "See more...", "web.more"),
        ("web", "Read more →", "web.more"),
        ("web", "View 3 replies ▼", "web.replies"),
        ("web", "Lihat komentar sebelumnya...", "web.comments"),
        ("web", "Balasan (3)", "web.replies"),
        ("web", "Replies (3)", "web.replies"),
        ("web", "Komentar (12)", "web.comments"),
        ("web", "… more", "web.more"),
        ("web", "... lainnya", "web.more"),
        ("web", "Lihat semua", "web.more"),
        ("web", "Expand", "web.more"),
        ("web", "Budi Santoso replied · 2 replies", "web.replies"),
        # any site's likers dialog
        ("web", "320 likes", "web.likes"),
        ("web", "1.204 suka", "web.likes"),
        ("web", "Liked by andi.pratama and 319 others", "web.likes"),
        ("web", "Disukai oleh andi.pratama dan 319 lainnya", "web.likes"),
        ("web", "Semua reaksi: 1,2 rb", "web.likes"),
        ("web", "View all reactions", "web.likes"),
        ("web", "Lihat 20 pengikut lainnya", "web.list_more"),
        ("web", "See 20 more followers", "web.list_more"),
        ("web", "Tampilkan semua anggota", "web.list_more"),
        ("web", "Show more members", "web.list_more"),
        ("youtube", "Show more", "web.more"),
        ("threads", "View 2 replies", "web.replies"),
    ],
)
def test_each_label_opens_with_its_rule(platform: str, label: str, rule: str) -> None:
    assert first_rule(platform, label) == rule


@pytest.mark.parametrize(
    "label",
    [
        # social actions, both languages: never clicked, whatever else they say
        "Follow", "Ikuti", "Following", "Mengikuti", "Unfollow", "Like", "Suka", "Sukai",
        "Share", "Bagikan", "Join", "Gabung", "Gabung ke grup", "Subscribe", "Langganan",
        "Report", "Laporkan", "Block", "Blokir", "Send", "Kirim", "Kirim pesan", "Post",
        "Posting", "Vote", "Reply", "Balas", "Comment", "Komentari", "Save", "Simpan",
        "Repost", "Posting ulang", "12 Likes. Like", "Reply to budi", "Add friend",
        "Tambah teman", "Hide replies", "Sembunyikan balasan",
        "See more | follow",  # what a control says about itself and its icon
        # not content: no rule
        "Close", "Tutup", "Home", "Beranda", "Lihat terjemahan",
        "Pengikut", "Followers", "Anggota", "See more following",
        # a heading, a tab or a sort menu item, not a control that loads more
        "Comments", "Komentar", "Replies", "Balasan", "All comments", "Semua komentar",
        "Top comments", "Most relevant", "Paling relevan", "Komentar teratas",
        # writing one is social
        "Add a comment…", "Tambahkan komentar…", "Write a reply", "Tulis balasan",
        "View reply", "3 replies. Reply",
    ],
)  # fmt: skip
def test_social_and_unrelated_controls_are_never_clicked(label: str) -> None:
    for platform in EXPAND_RULES:
        assert first_rule(platform, label) is None, (platform, label)


def test_counts_are_not_actions_but_actions_after_counts_are() -> None:
    for label in ("1 reply", "view 1 more comment", "1 like", "320 suka", "1 share"):
        assert not SOCIAL.search(label), label
    for label in ("12 likes. like", "3 replies. reply", "like 1", "ikuti budi"):
        assert SOCIAL.search(label), label


def test_every_social_word_is_refused_on_its_own() -> None:
    for words in SOCIAL_WORDS.values():
        for word in words:
            assert SOCIAL.fullmatch(word.upper()), word
            assert not SOCIAL.search(word + "xyz"), word  # whole words only


def test_rules_are_data_for_the_browser_and_python_alike() -> None:
    ids = [r.id for rules in EXPAND_RULES.values() for r in rules]
    assert len(ids) == len(set(ids))
    for platform, rules in EXPAND_RULES.items():
        assert platform in PLATFORMS
        for rule in rules:
            assert isinstance(rule, ExpandRule) and rule.platform == platform
            assert rule.id.startswith(platform + ".")
            assert rule.reveals in {"comments", "replies", "text", "list", "section"}
            for pattern in rule.labels:
                re.compile(pattern)
                # JavaScript reads these too: no Python-only syntax
                assert "(?P" not in pattern and "(?<" not in pattern and "\\Z" not in pattern
            assert rule.as_js()["labels"] == list(rule.labels)
    # rules that name their own selector never reach beyond it; label rules do
    loose = {r.id for rules in EXPAND_RULES.values() for r in rules if r.as_js()["loose"]}
    assert "web.comments" in loose and "tiktok.view_replies" in loose
    assert not loose & {"web.details", "web.aria_expanded"}
    # only "list" rules open dialogs
    assert all(r.dialog == (r.reveals == "list") for rules in EXPAND_RULES.values() for r in rules)


def test_rules_for_a_platform_then_the_generic_ones() -> None:
    ids = [r.id for r in rules_for("instagram")]
    assert ids[: len(EXPAND_RULES["instagram"])] == [r.id for r in EXPAND_RULES["instagram"]]
    assert ids[len(EXPAND_RULES["instagram"]) :] == [r.id for r in EXPAND_RULES["web"]]
    assert [r.id for r in rules_for("web")] == [r.id for r in EXPAND_RULES["web"]]
    assert [r.id for r in rules_for(None)] == [r.id for r in EXPAND_RULES["web"]]
    assert [r.id for r in rules_for("youtube")] == [r.id for r in EXPAND_RULES["web"]]


# -- lists opened in a dialog from the profile's counts ------------------------------------


def stripped(opener: dict[str, str], label: str) -> str:
    """What open_list.js lets the denylist read of an opener: its label without the
    list's words and counts."""
    text = re.sub(opener["words"], " ", " ".join(label.split()).lower(), flags=re.IGNORECASE)
    return re.sub(rf"(?:^|\s){opener['count']}(?=\s|$)", " ", text, flags=re.IGNORECASE)


def whole(pattern: str, label: str) -> bool:
    """The way open_list.js reads a label: white space collapsed, lower-cased."""
    return re.search(pattern, " ".join(label.split()).lower(), re.IGNORECASE) is not None


@pytest.mark.parametrize(
    "label",
    [
        "123 Following",
        "123 Mengikuti",
        "1.234 Mengikuti",
        "1,234 Following",
        "4,5 rb Mengikuti",
        "4.5K Following",
        "12 jt mengikuti",
        "1.2M Following",
        "10 rb+ Mengikuti",
        "Following 123",
        "Mengikuti: 4,5 rb",
        "240\nMengikuti",
        "240Following",  # <strong>240</strong><span>Following</span>
    ],
)
def test_a_following_count_opens_the_following_list(label: str) -> None:
    (opener,) = [list_opener("tiktok", "following").as_js()]
    assert whole(opener["opens"][0], label), label
    # the denylist refuses the word ("1.2M Following": not right after a digit); the
    # opener lets only the list's words and the count through, as open_list.js strips
    # them before the denylist reads what is left
    assert not SOCIAL.search(stripped(opener, label)), label
    assert SOCIAL.search(stripped(opener, label + " Follow budi"))


@pytest.mark.parametrize(
    "label",
    ["4,5 rb Pengikut", "4.5K Followers", "1.234 pengikut", "1 follower", "Pengikut 300"],
)
def test_a_followers_count_opens_the_followers_list(label: str) -> None:
    opens = list_opener("threads", "followers").as_js()["opens"]
    assert whole(opens[0], label), label
    assert not whole(opens[0], "123 Following")


@pytest.mark.parametrize(
    "label",
    [
        "Following",  # the followed state of a follow button: clicking it unfollows
        "Mengikuti",
        "Follow",
        "Ikuti",
        "Followers",
        "Pengikut",
        "Follow back",
        "Ikuti balik",
        "user123 Following",  # a row: a handle with digits, then its button
        "Following 123abc",
        "Following budi123",
        "12 Likes",
        "4,5 rb Suka",
    ],
)
def test_a_bare_follow_control_never_opens_a_list(label: str) -> None:
    for platform in ("tiktok", "threads", "web", "instagram"):
        for which in ("following", "followers"):
            for pattern in list_opener(platform, which).as_js()["opens"]:
                assert not whole(pattern, label), (platform, which, label)
    # and the denylist still refuses the bare controls, as before
    if label in ("Following", "Mengikuti", "Follow", "Ikuti", "Follow back", "Ikuti balik"):
        assert SOCIAL.search(label.lower()), label


def test_the_other_count_then_the_tab() -> None:
    # Threads prints only "N followers": its dialog's tabs hold both lists
    following = list_opener("threads", "following").as_js()
    assert whole(following["opens"][0], "240 following")
    assert whole(following["opens"][1], "4.5K followers")
    tab = following["tab"]
    for label in ("Following", "Mengikuti", "Following 240", "Mengikuti\n240", "240 Following"):
        assert whole(tab, label), label
    for label in ("Followers", "Pengikut 4,5 rb", "Following budi", "Friends"):
        assert not whole(tab, label), label
    assert whole(following["title"], "Following") and not whole(following["title"], "Followers")
    followers = list_opener("threads", "followers").as_js()
    assert whole(followers["title"], "Pengikut") and not whole(followers["title"], "Mengikuti")


def test_openers_per_platform_and_the_generic_one() -> None:
    assert set(LIST_OPENERS) == {"tiktok", "threads", "web"}
    for platform, lists in LIST_OPENERS.items():
        assert set(lists) == set(LIST_LABELS)
        for which, opener in lists.items():
            assert opener.id == f"{platform}.{which}" and opener.list == which
            for pattern in (*opener.as_js()["opens"], opener.as_js()["tab"]):
                re.compile(pattern)
    assert list_opener("tiktok", "following").hints[0] == '[data-e2e="following-count"]'
    # a site without rules of its own (an imitation on another host) gets the generic one
    assert list_opener("youtube", "followers") is LIST_OPENERS["web"]["followers"]
    assert list_opener(None, "following") is LIST_OPENERS["web"]["following"]
    # the JavaScript engine reads these patterns as Python does (no lookbehind needed)
    assert "(?<" not in count_label(LIST_LABELS["following"])
