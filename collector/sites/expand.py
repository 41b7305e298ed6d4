"""What reveals hidden content on a page, and what must never be clicked: rules as data.

Platforms hide most of what a hearing needs behind controls: "View all 48 comments",
"View replies (3)", "See more", a likers count that opens a dialog. collector.capture.expand
clicks the controls these rules name (after the window is scrolled to its bottom, before
the shot) and records which rule matched each click. When a platform's UI text changes,
the edit belongs here, not in the browser code.

An `ExpandRule` matches a control when

* the control matches `selector` (CSS; default: buttons, `role=button` elements and links;
  with the default, also an element not marked as a control whose whole text is the label,
  the innermost one around it: TikTok's "View 3 replies" is a `<p>` with a script's click
  handler; when such an element holds exactly one control that may be pressed, that one is
  pressed: in "Disukai oleh andi dan 212 lainnya" only "212 lainnya" listens),
* and, when `labels` is not empty, one of its regular expressions is found in the control's
  label (its text, else its aria-label, title or value; its aria-label too when its text
  does not match: "💬 3" named "Lihat 3 balasan"), normalised: whitespace collapsed,
  trimmed, lower-cased, leading and trailing punctuation, arrows and dashes removed ("——
  View replies (3)", "Show more ▾", "See more...").
  Write `^...$` for a whole-label match. The expressions are run by the browser's
  JavaScript engine and checked by Python's `re` in the tests, so they keep to what both
  read alike: literals, classes, `\\d`, `\\s`, `\\b`, groups, `?:`, `|`, quantifiers.

Rules of the page's platform come first, then the generic `web` rules, which apply to every
site (closed `<details>`, `aria-expanded="false"` controls that say more/replies/...).

Never a social action (evidence rule 6). A control is refused, whatever rule matched, when

* any word of `SOCIAL_WORDS` is in its label, its aria-label, title, `data-testid`,
  `data-action` or `name`, or in those of an element inside it (an icon's aria-label
  "Like", an SVG's `<title>`), or of an interactive element around it (a click bubbles
  up to it), read without zero-width characters and soft hyphens: a denylist match
  ALWAYS wins over an expansion match;
* it sits inside a clickable element whose class or id names an action
  (`ACTION_CLASS_WORDS`: `like-btn`), or inside a close wrapper named like a control
  ("Suka"): the click would bubble to them;
* it is, or sits inside, a toggle (`aria-pressed`: like, follow, save) or a `<label>` (a
  click there toggles its checkbox);
* it is, or sits inside, a submit control (`type=submit`, a `<button>` of a form without
  a type, `input type=image`): a capture never submits a form;
* it is, or sits inside, a link to another document (an `href` other than the page itself
  with a `#fragment`), or a link with a `target` (a new window); a `javascript:` link is
  read by its code too ("javascript:follow(12)" is social);
* it opens a menu (`aria-haspopup` menu/listbox/true): menus hold actions, not content.

Refusals are counted and logged in the manifest's `expand`. A click that navigates anyway
is undone (the browser goes back) and logged, and that control is not clicked again.

Lists in a dialog (`ListOpener`, `LIST_OPENERS`). TikTok and Threads give a profile's
following/followers list no address: it opens in a dialog when the profile's count is
clicked ("123 Following", "4,5 rb Pengikut"). The opener clicks only an element whose
whole label is a count and the list's word (`count_label`: a number must be there),
never the bare word: "Following" / "Mengikuti" alone is a follow button in its
followed state, and the denylist above still refuses it. In the dialog it picks the
list's tab (Threads: Followers / Following) only when that is a tab (`role=tab`, or a
strip of the lists' words that cannot be a list row) or a count and the word. The
list's words and counts are the only social-looking words an opener may carry; any
other (an aria-label "Follow budi", an "Unfollow" around it) still refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "ACTION_CLASS_WORDS",
    "CONTROLS",
    "COUNT",
    "EXPAND_RULES",
    "LIST_LABELS",
    "LIST_OPENERS",
    "SOCIAL_WORDS",
    "ExpandRule",
    "ListOpener",
    "action_class_pattern",
    "count_label",
    "list_opener",
    "rules_for",
    "social_pattern",
    "tab_label",
]

#: What counts as a control when a rule gives no selector.
CONTROLS: Final = 'button, [role="button"], a, summary, input[type="button"]'

# A count as platforms print it: 48, 1,234, 1.234, 12K, 1,2 rb, 3 jt
_N = r"[\d.,]+\s*(?:k|m|rb|ribu|jt|juta)?"


@dataclass(frozen=True)
class ExpandRule:
    """One kind of control that reveals hidden content."""

    id: str  # "<platform>.<what>", recorded with every click it causes
    platform: str  # a platform name, or "web" for every site
    reveals: str  # comments | replies | text | list | section
    labels: tuple[str, ...] = ()  # regular expressions, any one found in the label
    selector: str = CONTROLS
    # opens a dialog (a likers list): clicked once per capture, after everything in the
    # page itself is open, since the dialog then covers the page
    dialog: bool = False

    def as_js(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "labels": list(self.labels),
            "selector": self.selector,
            "dialog": self.dialog,
            # the default selector also reaches unmarked elements by their text
            "loose": self.selector == CONTROLS and bool(self.labels),
        }


def _rule(
    id: str, reveals: str, *labels: str, selector: str = CONTROLS, dialog: bool = False
) -> ExpandRule:
    platform = id.split(".", 1)[0]
    return ExpandRule(id, platform, reveals, tuple(labels), selector, dialog)


# -- per platform (English and the id-ID UI, as best known; correct them from captures) --

INSTAGRAM: Final = (
    _rule(
        "instagram.view_all_comments",
        "comments",
        rf"^view all {_N} comments$",
        rf"^lihat semua {_N} komentar$",
    ),
    _rule(
        "instagram.load_more_comments",
        "comments",
        r"^load more comments$",
        r"^muat (?:lebih banyak )?komentar(?: lainnya)?$",
    ),
    _rule(
        "instagram.view_replies",
        "replies",
        rf"^view (?:all )?(?:{_N} )?(?:more )?repl(?:y|ies)(?: \({_N}\))?$",
        rf"^lihat (?:semua )?(?:{_N} )?balasan(?: lainnya)?(?: \({_N}\))?$",
    ),
    _rule(
        "instagram.caption_more", "text", r"^(?:\.\.\.|…)?\s*more$", r"^(?:\.\.\.|…)?\s*lainnya$"
    ),
    _rule(
        "instagram.likes",
        "list",
        rf"^{_N} likes?$",
        rf"^{_N} suka$",
        rf"^liked by \S+ and {_N} others?$",
        rf"^disukai oleh \S+ dan {_N} (?:orang )?lainnya$",
        dialog=True,
    ),
)

FACEBOOK: Final = (
    _rule(
        "facebook.more_comments",
        "comments",
        rf"^view (?:{_N} )?more comments?$",
        rf"^lihat (?:{_N} )?komentar lainnya$",
        r"^lihat komentar lain$",
    ),
    _rule(
        "facebook.previous_comments",
        "comments",
        r"^view previous comments$",
        r"^lihat komentar sebelumnya$",
    ),
    _rule(
        "facebook.replies",
        "replies",
        rf"^view (?:all )?{_N} repl(?:y|ies)$",
        rf"^(?:\S+ )?repl(?:ied|ies) · {_N} repl(?:y|ies)$",
        rf"^lihat (?:semua )?{_N} balasan$",
        rf"^view {_N} more repl(?:y|ies)$",
        rf"^lihat {_N} balasan lainnya$",
    ),
    _rule("facebook.see_more", "text", r"^see more$", r"^lihat selengkapnya$"),
    _rule(
        "facebook.reactions",
        "list",
        rf"^all reactions:?\s*{_N}$",
        rf"^semua reaksi:?\s*{_N}$",
        dialog=True,
    ),
)

X: Final = (
    _rule(
        "x.show_more_replies",
        "replies",
        r"^show more replies$",
        r"^tampilkan balasan lainnya$",
        r"^show replies$",
        r"^tampilkan balasan$",
        r"^show probable spam$",
        r"^tampilkan kemungkinan spam$",
    ),
    _rule("x.show_more", "text", r"^show more$", r"^tampilkan lebih banyak$"),
)

TIKTOK: Final = (
    _rule(
        "tiktok.view_replies",
        "replies",
        rf"^view {_N} (?:more )?repl(?:y|ies)$",
        rf"^lihat {_N} balasan(?: lainnya)?$",
        r"^view more$",
        r"^lihat lainnya$",
    ),
    _rule("tiktok.caption_more", "text", r"^more$", r"^lainnya$", r"^selengkapnya$"),
)

# -- every site ---------------------------------------------------------------------------

# the words of the generic comment and reply rules
_VERB = r"(?:view|show|see|load|display|read|open|expand)"
_QUAL = r"(?:more|previous|earlier|older|newer|additional|remaining|other|hidden)"
_VERB_ID = r"(?:lihat|tampilkan|perlihatkan|muat|baca|buka)"
_QUAL_ID = r"(?:lainnya|lain|lagi|sebelumnya|terdahulu|lama|tambahan|tersembunyi)"
# a count in brackets, or a clause after a comma or colon ("Show additional replies,
# including those that may contain offensive content")
_TAIL = rf"(?: ?\({_N}\))?(?:[,:;.] .*)?$"
# a count alone says nothing more: "3 replies. Reply" is a reply button's name
_COUNT = rf"(?: ?\({_N}\))?$"

WEB: Final = (
    _rule("web.details", "section", selector="details:not([open]) > summary"),
    _rule(
        "web.aria_expanded",
        "section",
        r"\b(?:more|lainnya|selengkapnya|balasan|replies|comments|komentar|expand|perluas)\b",
        selector='[aria-expanded="false"]',
    ),
    # comments and replies, however a site words it: a verb, a count or a qualifier
    # ("View 5 more replies", "3 replies", "More comments", "Lihat 3 balasan lagi",
    # "Komentar sebelumnya"), never the bare noun (a "Comments" heading or tab)
    _rule(
        "web.comments",
        "comments",
        rf"^{_VERB} (?:all |the )?(?:{_N} )?(?:{_QUAL} )?(?:{_N} )?comments?{_TAIL}",
        rf"^(?:all )?{_N} (?:{_QUAL} )?comments?{_COUNT}",
        rf"^{_QUAL} comments{_TAIL}",
        rf"^{_VERB_ID} (?:semua )?(?:{_N} )?(?:lebih banyak )?(?:komentar|tanggapan)"
        rf"(?: {_QUAL_ID})?{_TAIL}",
        rf"^{_N} (?:komentar|tanggapan)(?: {_QUAL_ID})?{_COUNT}",
        rf"^(?:komentar|tanggapan) {_QUAL_ID}{_TAIL}",
        rf"^(?:comments|komentar|tanggapan) \({_N}\)$",
    ),
    _rule(
        "web.replies",
        "replies",
        rf"^{_VERB} (?:all |the )?(?:{_N} )?(?:{_QUAL} )?(?:{_N} )?repl(?:y|ies){_TAIL}",
        rf"^(?:all )?{_N} (?:{_QUAL} )?repl(?:y|ies){_COUNT}",
        rf"^{_QUAL} replies{_TAIL}",
        rf"^{_VERB_ID} (?:semua )?(?:{_N} )?(?:lebih banyak )?balasan(?: {_QUAL_ID})?{_TAIL}",
        rf"^{_N} balasan(?: {_QUAL_ID})?{_COUNT}",
        rf"^balasan {_QUAL_ID}{_TAIL}",
        rf"^(?:replies|balasan) \({_N}\)$",
        rf"^(?:[^·]{{1,80}} )?replied · {_N} repl(?:y|ies)$",
    ),
    # more rows of a people list already on the page ("See 20 more followers", "Lihat 20
    # pengikut lainnya", "Tampilkan semua anggota"): never the bare noun, never
    # "following" (a followed button's word, refused by the denylist anyway)
    _rule(
        "web.list_more",
        "section",  # rows in the page itself ("list" is a list opened in a dialog)
        rf"^{_VERB} (?:all |the )?(?:{_N} )?(?:{_QUAL} )?(?:{_N} )?"
        rf"(?:followers|members|people|accounts|likers|reposters){_COUNT}",
        rf"^{_VERB_ID} (?:semua )?(?:{_N} )?(?:lebih banyak )?(?:pengikut|anggota|akun|orang)"
        rf"(?: {_QUAL_ID})?{_COUNT}",
    ),
    # who liked or reacted: a count that opens the list in a dialog (any site's likers,
    # when the platform's own rules do not know the page)
    _rule(
        "web.likes",
        "list",
        rf"^{_N} (?:likes?|suka|reactions?|reaksi)$",
        rf"^liked by \S+ and {_N} others?$",
        rf"^disukai oleh \S+ dan {_N} (?:orang )?lainnya$",
        rf"^(?:all reactions|semua reaksi):?\s*{_N}$",
        r"^(?:view|see|show|lihat|tampilkan) (?:all |semua )?(?:likes|reactions|reaksi)$",
        dialog=True,
    ),
    _rule(
        "web.more",
        "text",
        r"^(?:see|show|read|view|load) more$",
        r"^(?:lihat|tampilkan|baca) (?:selengkapnya|lebih banyak)$",
        r"^(?:muat|lihat) lebih banyak$",
        r"^(?:muat|lihat|tampilkan) lainnya$",
        r"^baca lebih lanjut$",
        r"^selengkapnya$",
        # a caption cut short ("… more" once its dots are trimmed), a bare expand
        r"^(?:more|lainnya|expand|perluas)$",
        r"^(?:view|show|see|lihat|tampilkan) (?:all|semua)$",
    ),
)

EXPAND_RULES: Final = {
    "instagram": INSTAGRAM,
    "facebook": FACEBOOK,
    "x": X,
    "tiktok": TIKTOK,
    "web": WEB,
}


def rules_for(platform: str | None) -> tuple[ExpandRule, ...]:
    """The page's platform rules, then the generic ones."""
    own = EXPAND_RULES.get(platform, ()) if platform and platform != "web" else ()
    return (*own, *WEB)


# -- never a social action ----------------------------------------------------------------

#: Words that mark a social action, per language; whole words, case-insensitive.
SOCIAL_WORDS: Final = {
    "en": (
        "follow", "following", "unfollow", "like", "unlike", "react", "love", "care",
        "haha", "wow", "sad", "angry", "share", "reshare", "repost", "retweet", "quote",
        "send", "post", "publish", "reply", "comment", "join", "leave", "subscribe",
        "unsubscribe", "report", "block", "unblock", "mute", "restrict", "hide", "delete",
        "remove", "save", "bookmark", "vote", "pin", "tag", "invite", "add friend",
        "message", "accept", "confirm", "approve", "donate", "buy", "pay", "sign up",
        "signup", "log in", "login", "sign in", "log out", "logout", "submit", "upload",
        "edit", "download", "install", "notify", "notifications", "remind", "request",
    ),
    "id": (
        "ikuti", "mengikuti", "diikuti", "berhenti", "suka", "sukai", "menyukai",
        "batal suka", "tanggapi", "bagikan", "membagikan", "kirim", "kirimkan", "posting",
        "unggah", "terbitkan", "balas", "membalas", "komentari", "gabung", "bergabung",
        "keluar", "tinggalkan", "langganan", "berlangganan", "laporkan", "blokir",
        "bisukan", "batasi", "sembunyikan", "hapus", "simpan", "tandai", "sematkan",
        "pilih", "beri suara", "undang", "tambah teman", "tambahkan teman", "terima",
        "konfirmasi", "setujui", "setuju", "donasi", "beli", "bayar", "daftar", "masuk",
        "unduh", "pasang", "ubah", "ingatkan", "aktifkan", "notifikasi",
    ),
}  # fmt: skip


#: Class and id words of a clickable element that name a social action (`like-btn`,
#: `followButton`): fewer than SOCIAL_WORDS, since class names also say "comment" or
#: "reply" for the parts of a thread that hold what a capture must open.
ACTION_CLASS_WORDS: Final = (
    "like", "unlike", "follow", "unfollow", "share", "subscribe", "join", "vote", "report",
    "block", "repost", "retweet", "bookmark", "suka", "ikuti", "bagikan", "gabung",
    "langganan", "laporkan", "blokir",
)  # fmt: skip


def action_class_pattern() -> str:
    """One regular expression (JavaScript and Python alike) for ACTION_CLASS_WORDS in
    class and id names split into words."""
    return r"\b(?:" + "|".join(ACTION_CLASS_WORDS) + r")\b"


def social_pattern() -> str:
    """One regular expression (JavaScript and Python alike) for every social word.

    A word right after a count is a count, not an action: "1 reply", "1 more comment" and
    "1 like" (a likers count that opens the list) are not refused; "Like", "Reply to
    budi" and "12 Likes. Like" are."""
    words = sorted({w for ws in SOCIAL_WORDS.values() for w in ws}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return r"(?<!\d\s)(?<!more\s)\b(?:" + alternatives + r")\b"


# -- lists that open in a dialog ----------------------------------------------------------

#: A count as a profile prints it, a digit first: 123, 1.234, 1,234, 4,5 rb, 4.5K, 12 jt,
#: 1.2M, 10 rb+ (JavaScript and Python read it alike).
COUNT: Final = r"\d[\d.,]*(?:\s*(?:k|m|b|rb|ribu|jt|juta))?\+?"
#: The words that name each list, English and Indonesian (whole label, lower-cased).
LIST_LABELS: Final = {"following": r"following|mengikuti", "followers": r"followers?|pengikut"}


def count_label(label: str) -> str:
    """A whole label that is a count and `label`, in either order: "123 Following",
    "4,5 rb Pengikut", "Followers 4.5K", "Mengikuti: 12". A number must be there: the
    bare word is a follow button's followed state ("Following", "Mengikuti"), and
    clicking it unfollows."""
    return rf"^(?:{COUNT}\s*(?:{label})|(?:{label})\s*:?\s*{COUNT})$"


def tab_label(label: str) -> str:
    """A dialog tab's whole label: the list's word, with or without its count."""
    return rf"^(?:(?:{label})(?:\s*:?\s*{COUNT})?|{COUNT}\s*(?:{label}))$"


@dataclass(frozen=True)
class ListOpener:
    """How a profile's following/followers list is opened where it has no address of
    its own (TikTok, Threads): a click on the profile's count opens it in a dialog.

    `opens`: the labels of the counts that open it, in order of preference, each a
    regular expression for `count_label` (a count of this list first; on Threads only
    the followers count opens the dialog, whose tabs hold both lists). `hints`: CSS
    selectors of the count's element, or of an element inside it, tried before any
    other element (TikTok's `data-e2e="following-count"`). `tab`: the whole label of
    the dialog's tab that shows this list (`tab_label`), clicked only when it is a tab
    (`role=tab`, or inside a `role=tablist`; on a page that marks no tab, one of a strip
    of such labels of one kind of element, without links, outside the list's rows) or
    itself a count and the label; `title`: what a dialog that shows this list is called.
    """

    id: str  # "<platform>.<list>", recorded with the click it causes
    platform: str
    list: str  # following | followers
    opens: tuple[str, ...]
    hints: tuple[str, ...] = ()
    tab: str = ""
    title: str = ""

    def as_js(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "list": self.list,
            "opens": [count_label(p) for p in self.opens],
            "hints": list(self.hints),
            "tab": tab_label(self.tab),
            "title": rf"(?:^|\W)(?:{self.title})(?:\W|$)",
            "words": rf"\b(?:{LIST_LABELS['following']}|{LIST_LABELS['followers']})\b",
            "count": COUNT,
        }


def _opener(platform: str, which: str, *hints: str) -> ListOpener:
    other = "followers" if which == "following" else "following"
    own = LIST_LABELS[which]
    return ListOpener(
        f"{platform}.{which}",
        platform,
        which,
        (own, LIST_LABELS[other]),
        hints,
        tab=own,
        title=own,
    )


#: platform -> list -> how it opens. The `web` rules serve every other site (an
#: imitation of these platforms on another host). Correct them from real captures.
LIST_OPENERS: Final = {
    "tiktok": {
        "following": _opener(
            "tiktok", "following", '[data-e2e="following-count"]', '[data-e2e="following"]'
        ),
        "followers": _opener(
            "tiktok", "followers", '[data-e2e="followers-count"]', '[data-e2e="followers"]'
        ),
    },
    "threads": {
        # Threads prints only "N followers"; its dialog has Followers / Following tabs
        "following": _opener("threads", "following"),
        "followers": _opener("threads", "followers"),
    },
    "web": {
        "following": _opener("web", "following"),
        "followers": _opener("web", "followers"),
    },
}


def list_opener(platform: str | None, which: str) -> ListOpener:
    """The opener of `which` list on the platform's pages (else the `web` one)."""
    return LIST_OPENERS.get(platform or "web", LIST_OPENERS["web"]).get(
        which, LIST_OPENERS["web"][which]
    )
