"""Interactions: how a watched person shows up on a page, and what kind of interaction it is.

Platform knowledge as data, like the page-state markers in `collector.sites.platforms`:

* **Matching.** A handle matches as a handle: case-insensitively, with or without its "@",
  never as part of a longer handle (`@budi` does not match `@budi.santoso2`), with the
  handle characters of its platform (`HANDLE_CHARS`). A trailing "." that ends a sentence
  ("... kata @budi.") is not part of the handle; one followed by more handle characters
  is. A text (a name) matches case-insensitively, any run of white space for a space,
  and not inside a longer word ("Budi" does not match "Budiman"). A link matches when its
  path ends in the handle (or "@handle"), or it is `profile.php?id=N`, on any host (a
  page links to the platform, or to its own mirror), except under a parent that is no
  profile (`/explore/tags/budi/`). The regular expressions are built here and run in the
  page by `collector/capture/js/find.js` (JavaScript and Python read them alike: tests
  check them with Python's `re`).
* **Kinds.** `comment`, `reply`, `like`, `follower`, `following`, `share`, `member` (of a
  group: joined it), `mention`, `author`, or `unknown` when the rules cannot tell. find.js
  reports, for each match, the context around it, innermost first: titles of the dialog it
  sits in, `aria-label`s and `aria-labelledby` titles of its ancestors, the headings that
  introduce the lists it is in, and the class/id/`data-testid`/`data-e2e` tokens of its
  ancestors; whether it is at the head of its item (the item's author: a comment's writer, a
  list row's account) or in its body; and how deeply its item is nested. `classify_kind`
  reads those with `KIND_RULES` (every platform) and `PLATFORM_KIND_RULES`, in Indonesian
  and English, plus `URL_RULES` for list pages known by their address (`/following`,
  `/liked_by/`, ...). The rule that decided is named in every finding.
* **Lists.** A watch-list entry's `lists = ["following"]` is captured on the list's own
  page where it has one (`LIST_PAGES`, `list_url`: Instagram, X, Facebook), else on the
  profile, opened in its dialog from the profile's counts (`list_via` says "dialog";
  collector.sites.expand.LIST_OPENERS: TikTok, Threads).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit, urlunsplit

from collector.models import Needle
from collector.sites.expand import LIST_OPENERS

__all__ = [
    "HANDLE_CHARS",
    "KINDS",
    "KIND_RULES",
    "LIST_KINDS",
    "LIST_PAGES",
    "PLATFORM_KIND_RULES",
    "URL_RULES",
    "KindRule",
    "ListPageError",
    "UrlRule",
    "classify_kind",
    "handle_pattern",
    "link_handle",
    "link_matches",
    "list_url",
    "list_via",
    "needle_payload",
    "nesting",
    "text_pattern",
]

COMMENT, REPLY, LIKE = "comment", "reply", "like"
FOLLOWER, FOLLOWING, SHARE = "follower", "following", "share"
MEMBER, MENTION, AUTHOR, UNKNOWN = "member", "mention", "author", "unknown"
KINDS: Final = (
    COMMENT, REPLY, LIKE, FOLLOWER, FOLLOWING, SHARE, MEMBER, MENTION, AUTHOR, UNKNOWN
)  # fmt: skip
# What `lists = [...]` in a watch list may ask for, and the kind its findings get.
LIST_KINDS: Final = MappingProxyType({"following": FOLLOWING, "followers": FOLLOWER})

# Characters a handle is made of, per platform (inside a regex character class). `None`
# (no platform known, or "web"): the union of the common ones.
HANDLE_CHARS: Final[Mapping[str | None, str]] = MappingProxyType(
    {
        "instagram": "A-Za-z0-9._",
        "threads": "A-Za-z0-9._",
        "tiktok": "A-Za-z0-9._",
        "x": "A-Za-z0-9_",
        "facebook": "A-Za-z0-9.",
        "youtube": "A-Za-z0-9._\\-",
        None: "A-Za-z0-9._",
    }
)
# Letters a name is made of, for the "not inside a longer word" rule: ASCII, Latin-1 and
# Latin Extended-A/B (Indonesian names and loans), digits and "_".
WORD_CHARS: Final = "0-9A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
# Link parents that are no profile: /explore/tags/budi/, /hashtag/budi, /search?q=...
NOT_PROFILE_PARENTS: Final = frozenset(
    {"tags", "tag", "hashtag", "explore", "search", "p", "reel", "reels", "tv", "status",
     "video", "photo", "post", "posts", "music", "sound", "topic", "topics", "events"}
)  # fmt: skip
# Regex syntax characters: escaped for both Python and JavaScript's `u` mode (which
# refuses needless escapes such as "\-").
_SYNTAX = frozenset("\\^$.|?*+()[]{}/")


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in _SYNTAX else ch for ch in text)


def handle_chars(platform: str | None) -> str:
    return HANDLE_CHARS.get(platform if platform != "web" else None, HANDLE_CHARS[None])


def handle_pattern(handle: str, platform: str | None) -> str:
    """Regex source (flags: case-insensitive) matching `handle` as a handle."""
    value = handle.strip().lstrip("@")
    chars = handle_chars(platform)
    # "." may end a sentence: only a "." followed by more handle characters continues it
    more = f"[{chars.replace('.', '')}@]" + (f"|\\.[{chars}]" if "." in chars else "")
    # and not the user part of an e-mail address ("budi@example.com")
    return f"(?<![{chars}@])@?{_escape(value)}(?!{more})"


def text_pattern(text: str) -> str:
    """Regex source (flags: case-insensitive) matching `text` as words."""
    words = text.split()
    body = "\\s+".join(_escape(w) for w in words)
    start = f"(?<![{WORD_CHARS}])" if re.match(f"[{WORD_CHARS}]", words[0]) else ""
    end = f"(?![{WORD_CHARS}])" if re.search(f"[{WORD_CHARS}]$", words[-1]) else ""
    return start + body + end


def link_handle(needle: Needle) -> str | None:
    """The handle a profile link must end in for this needle, lower-cased (None: no
    link matching, for a plain text)."""
    if needle.kind == "handle":
        return needle.value.strip().lstrip("@").lower() or None
    if needle.kind == "profile_url":
        from collector.sites.platforms import parse_profile_url

        parsed = parse_profile_url(needle.value)
        return parsed[1].lower() if parsed else None
    return None


def needle_payload(needle: Needle) -> dict[str, Any]:
    """What find.js gets for one needle: the interface fields, plus the regex it runs over
    visible text and the handle a profile link must end in."""
    payload: dict[str, Any] = {
        "id": needle.id,
        "kind": needle.kind,
        "value": needle.value,
        "platform": needle.platform,
    }
    handle = link_handle(needle)
    if needle.kind == "handle" and handle:
        payload["pattern"] = handle_pattern(handle, needle.platform)
    elif needle.kind == "text" and needle.value.split():
        payload["pattern"] = text_pattern(needle.value)
    elif needle.kind == "profile_url" and handle:
        from collector.sites.platforms import parse_profile_url

        parsed = parse_profile_url(needle.value)
        payload["pattern"] = handle_pattern(handle, parsed[0] if parsed else None)
    payload["link_handle"] = handle
    payload["not_profile_parents"] = sorted(NOT_PROFILE_PARENTS)
    return payload


def link_matches(href: str, handle: str) -> bool:
    """The rule find.js applies to a link's address (kept here to test and document it)."""
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    segments = [s for s in parts.path.lower().split("/") if s]
    if segments == ["profile.php"]:
        return parse_qs(parts.query).get("id", [""])[0] == handle
    if not segments or segments[-1].lstrip("@") != handle:
        return False
    return not (len(segments) > 1 and segments[-2] in NOT_PROFILE_PARENTS)


# -- kinds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KindRule:
    """Context that says what kind of interaction a match is.

    `sources`: which context hints the rule reads: "dialog" (a dialog's title), "title"
    (an `aria-labelledby` title), "label" (an `aria-label`), "heading" (a heading that
    introduces the list the match is in), "sentence" (the words right before the match in
    its own line: "Disukai oleh"), "attr" (class/id/data-testid/data-e2e tokens),
    "item" (the `aria-label` of the match's own item). `phrases`: regular expressions
    (case-insensitive, on text with white space collapsed), any of which may match.
    `author_only`: the kind holds only for the item's author (a comment's writer), and
    a match in the item's body is a `mention`.
    """

    name: str
    kind: str
    sources: tuple[str, ...]
    phrases: tuple[str, ...]
    author_only: bool = False
    why: str = ""


_TITLES = ("dialog", "title", "label", "heading")
_W = r"(?<![\w])"  # a phrase starts a word
_E = r"(?![\w])"  # and ends one


def _words(*phrases: str) -> tuple[str, ...]:
    return tuple(_W + p + _E for p in phrases)


def _lead_in(*phrases: str) -> tuple[str, ...]:
    # the phrase ends the words before the match ("... disukai oleh")
    return tuple(_W + p + r"\s*:?$" for p in phrases)


# Every platform. Order matters only between rules that read the same hint.
KIND_RULES: Final[tuple[KindRule, ...]] = (
    KindRule(
        "generic.sentence.likes",
        LIKE,
        ("sentence",),
        _lead_in("disukai oleh", "liked by", "yang menyukai", "direaksi oleh", "reacted by"),
        why="a likes line: 'Disukai oleh budi dan 12 lainnya'",
    ),
    KindRule(
        "generic.sentence.shares",
        SHARE,
        ("sentence",),
        _lead_in(
            "diposting ulang oleh",
            "dibagikan(?: ulang)? oleh",
            "reposted by",
            "shared by",
            "retweeted by",
        ),
        why="a reposts line: 'Diposting ulang oleh budi'",
    ),
    KindRule(
        "generic.likers",
        LIKE,
        _TITLES,
        _words(
            "disukai oleh",
            "yang menyukai",
            "menyukai ini",
            "menyukai",
            "suka",
            "suka-suka",
            "likes?",
            "liked by",
            "likers",
            "reaksi",
            "semua reaksi",
            "reactions?",
            "people who reacted",
        ),
        why="a likes/reactions dialog or list",
    ),
    KindRule(
        "generic.followers",
        FOLLOWER,
        _TITLES,
        _words("pengikut", "followers?", "diikuti oleh"),
        why="a followers dialog or list (Pengikut)",
    ),
    KindRule(
        "generic.following",
        FOLLOWING,
        _TITLES,
        _words("mengikuti", "following", "diikuti"),
        why="a following dialog or list (Mengikuti)",
    ),
    KindRule(
        "generic.shares",
        SHARE,
        _TITLES,
        _words(
            "dibagikan oleh",
            "dibagikan ulang",
            "dibagikan",
            "diposting ulang(?: oleh)?",
            "postingan ulang",
            "membagikan",
            "berbagi",
            "shared by",
            "shares",
            "reposts?",
            "reposted by",
            "retweets?",
            "retweeted by",
            "kutipan",
            "quotes",
        ),
        why="a shares/reposts dialog or list (Dibagikan oleh)",
    ),
    KindRule(
        "generic.members",
        MEMBER,
        _TITLES,
        # a group's members list ("Anggota · 96", "Members", "Semua anggota grup"), not
        # any heading with the word ("Anggota DPR terpilih"): the words are the title,
        # maybe with a count
        (
            r"^(?:semua |all )?(?:anggota|members?|group members)"
            r"(?: (?:grup|group|kelompok|komunitas))?(?:\s*[^\w\s].*|\s*\d.*)?$",
        ),
        why="a group's members list (Anggota): its rows joined the group",
    ),
    KindRule(
        "generic.replies",
        REPLY,
        _TITLES,
        _words("balasan", "replies", "reply", "membalas", "jawaban"),
        author_only=True,
        why="a replies list (Balasan): its rows' authors replied",
    ),
    KindRule(
        "generic.comments",
        COMMENT,
        _TITLES,
        _words("komentar", "comments?", "tanggapan"),
        author_only=True,
        why="a comments list (Komentar): its rows' authors commented",
    ),
    KindRule(
        "generic.attr.replies",
        REPLY,
        ("attr",),
        (
            # not a comment that merely has replies ("has-replies", "with-replies")
            r"(?<!has-)(?<!with-)(?<!no-)repl(y|ies)",
            r"(?<!ada-)balasan",
            r"sub-?comment",
            r"child-?comment",
            r"comment-?level-?[2-9]",
            r"nested-?comment",
        ),
        author_only=True,
        why="markup that names a reply (class, data-testid ...)",
    ),
    KindRule(
        "generic.attr.comments",
        COMMENT,
        ("attr",),
        (r"comments?", r"komentar"),
        author_only=True,
        why="markup that names a comment (class, data-testid ...)",
    ),
    KindRule(
        "generic.attr.likers",
        LIKE,
        ("attr",),
        (r"likers?", r"liked-?by", r"reactions?", r"reactors?"),
        why="markup that names likers/reactions",
    ),
    KindRule(
        "generic.attr.followers",
        FOLLOWER,
        ("attr",),
        (r"followers?", r"pengikut"),
        why="markup that names followers",
    ),
    KindRule(
        "generic.attr.following",
        FOLLOWING,
        ("attr",),
        (r"following", r"followings", r"mengikuti"),
        why="markup that names the following list",
    ),
    KindRule(
        "generic.attr.members",
        MEMBER,
        ("attr",),
        (r"(?:group-?)?members?-?list", r"anggota-?(?:grup|list)"),
        why="markup that names a group's members list",
    ),
    KindRule(
        "generic.attr.shares",
        SHARE,
        ("attr",),
        (r"shares", r"shared-?by", r"reposts?", r"retweets?"),
        why="markup that names shares/reposts",
    ),
)

PLATFORM_KIND_RULES: Final[Mapping[str, tuple[KindRule, ...]]] = MappingProxyType(
    {
        # Facebook labels every comment and reply article: "Comment by Budi Santoso 2
        # hours ago", "Reply by ...", "Komentar dari ...", "Balasan dari ..."
        "facebook": (
            KindRule(
                "facebook.reply_label",
                REPLY,
                ("item",),
                (r"^reply by ", r"^balasan dari ", r"^balasan oleh "),
                author_only=True,
                why='Facebook labels a reply "Reply by NAME" / "Balasan dari NAME"',
            ),
            KindRule(
                "facebook.comment_label",
                COMMENT,
                ("item",),
                (r"^comment by ", r"^komentar dari ", r"^komentar oleh "),
                author_only=True,
                why='Facebook labels a comment "Comment by NAME" / "Komentar dari NAME"',
            ),
            KindRule(
                "facebook.reactions",
                LIKE,
                _TITLES,
                (r"^semua reaksi", r"^all reactions", r"^orang yang memberikan reaksi"),
                why="Facebook's reactions dialog",
            ),
        ),
        # TikTok marks comments with data-e2e: comment-level-1 (a comment) and
        # comment-level-2 (a reply)
        "tiktok": (
            KindRule(
                "tiktok.reply",
                REPLY,
                ("attr",),
                (r"comment-level-2",),
                author_only=True,
                why='TikTok marks a reply data-e2e="comment-level-2"',
            ),
            KindRule(
                "tiktok.comment",
                COMMENT,
                ("attr",),
                (r"comment-level-1", r"comment-list"),
                author_only=True,
                why='TikTok marks a comment data-e2e="comment-level-1"',
            ),
        ),
        # X: the tweet a reply thread hangs under is its own article; rows of follower
        # lists are data-testid="UserCell" under a page known by its URL (URL_RULES)
        "x": (
            KindRule(
                "x.reply_thread",
                REPLY,
                ("label",),
                (r"^timeline: conversation", r"^linimasa: percakapan"),
                author_only=True,
                why="X's conversation timeline under a post: its tweets are replies",
            ),
        ),
    }
)


@dataclass(frozen=True)
class UrlRule:
    """A list page known by its address (path, case-insensitive regex)."""

    name: str
    kind: str
    platforms: tuple[str, ...]
    path: str


URL_RULES: Final[tuple[UrlRule, ...]] = (
    UrlRule(
        "url.following", FOLLOWING, ("instagram", "x", "facebook", "threads"), r"/following/?$"
    ),
    UrlRule(
        "url.followers",
        FOLLOWER,
        ("instagram", "x", "facebook", "threads"),
        r"/(verified_)?followers(_you_follow)?/?$",
    ),
    UrlRule("url.liked_by", LIKE, ("instagram",), r"/(p|reel)/[^/]+/liked_by/?$"),
    UrlRule("url.x_likes", LIKE, ("x",), r"/status/\d+/likes/?$"),
    UrlRule("url.x_reposts", SHARE, ("x",), r"/status/\d+/(retweets|reposts|quotes)/?$"),
    UrlRule("url.group_members", MEMBER, ("facebook",), r"/groups/[^/]+/members/?$"),
)

# A match in the page's header (the profile's own name) or at the head of the page's
# main article: the page is theirs.
_AUTHOR_SOURCES = ("header",)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _rules_for(platform: str | None) -> tuple[KindRule, ...]:
    own = PLATFORM_KIND_RULES.get(platform or "", ())
    return (*own, *KIND_RULES)


def _rule_matches(rule: KindRule, source: str, text: str) -> bool:
    if source not in rule.sources:
        return False
    value = _norm(text)
    return any(re.search(p, value) for p in rule.phrases)


def classify_kind(
    match: Mapping[str, Any],
    *,
    platform: str | None,
    page_url: str | None = None,
    list_kind: str | None = None,
) -> tuple[str, str]:
    """(kind, rule) for one match from find.js (see the module docstring).

    `platform`: whose rules come first. `list_kind`: the capture is of a profile's list
    (`LIST_KINDS`), so every account in it is of that kind. Keys read from `match`:
    `context` ([{level, source, text}], innermost first), `items` (levels of the item-like
    ancestors), `lead` (the match heads its item), `in_header`, `matched`.
    """
    context: Sequence[Mapping[str, Any]] = match.get("context") or ()
    items: Sequence[int] = match.get("items") or ()
    lists: Sequence[int] = match.get("lists") or ()
    lead = bool(match.get("lead"))
    if match.get("in_header") and not list_kind:
        return AUTHOR, "page.header: the page header names them (their own page)"
    if list_kind:
        return list_kind, f"list_capture.{list_kind}: a capture of the profile's {list_kind} list"
    rules = _rules_for(platform)
    for hint in context:
        source = str(hint.get("source") or "")
        text = str(hint.get("text") or "")
        for rule in rules:
            if not _rule_matches(rule, source, text):
                continue
            if rule.author_only and not lead:
                return MENTION, f"{rule.name}+body: named in the body of a {rule.kind}"
            if rule.kind == COMMENT and nesting(items, lists, _boundary(rule, context)) >= 2:
                # a comment inside a comment, under the comments list: a reply
                return REPLY, f"{rule.name}+nested: an item in a list inside a comment"
            return rule.kind, f"{rule.name}: {source} {_clip(text)!r}"
    if page_url and platform:
        path = urlsplit(page_url).path
        for url_rule in URL_RULES:
            if platform in url_rule.platforms and re.search(url_rule.path, path, re.IGNORECASE):
                if not lead and match.get("item_tag") == "article":
                    # a post on the list page (X's quotes are posts): its author is
                    # the one who shared; a name in its text only mentions them
                    return MENTION, f"{url_rule.name}+body: named in the text of a post"
                return url_rule.kind, f"{url_rule.name}: the page's address is a list"
    if lead and match.get("item_tag") == "article" and len(items) == 1:
        return AUTHOR, "page.article_head: heads the page's main article"
    if str(match.get("matched") or "").startswith("@"):
        return MENTION, "text.at_sign: written as @handle outside any known list"
    return UNKNOWN, "none: no rule knows this context"


def _boundary(rule: KindRule, context: Sequence[Mapping[str, Any]]) -> int:
    """The outermost level the rule's context reaches: items below it are in the list
    the rule names. A heading, title or dialog sits on a container above the list; markup
    ("attr", "item") on the element itself, which counts."""
    levels = [
        int(h.get("level") or 0) + (1 if h.get("source") in ("attr", "item") else 0)
        for h in context
        if _rule_matches(rule, str(h.get("source") or ""), str(h.get("text") or ""))
    ]
    return max(levels, default=0)


def nesting(items: Sequence[int], lists: Sequence[int], below: int) -> int:
    """How many items sit one inside another, each in a list inside the one above (a
    reply: an item in the replies list inside a comment), among the ancestors below
    level `below` (levels count up from the match: 0 is its own element)."""
    marks = sorted(
        [(i, "item") for i in items if i < below] + [(i, "list") for i in lists if i < below]
    )
    depth, state = 0, "start"
    for _, what in marks:
        if what == "item" and state in ("start", "list"):
            depth, state = depth + 1, "item"
        elif what == "list" and state == "item":
            state = "list"
    return depth


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- list pages -------------------------------------------------------------------------


class ListPageError(ValueError):
    """A list page this platform has no address for."""


# platform -> list -> how the list page's address follows from the profile's:
# "{path}" is the profile URL's path without its trailing "/". TikTok and Threads show
# these lists only in a dialog opened from the profile's counts (list_via: "dialog").
_SLASHED = MappingProxyType({"following": "{path}/following/", "followers": "{path}/followers/"})
_PLAIN = MappingProxyType({"following": "{path}/following", "followers": "{path}/followers"})
LIST_PAGES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {"instagram": _SLASHED, "x": _PLAIN, "facebook": _PLAIN}
)


def list_via(platform: str, which: str) -> str:
    """How `which` list of a `platform` profile is captured: "page" (its own address,
    `list_url`) or "dialog" (the profile, with the list opened from its counts:
    collector.sites.expand.LIST_OPENERS). ListPageError: neither is known."""
    if which not in LIST_KINDS:
        raise ListPageError(f'unknown list "{which}" (known: {", ".join(LIST_KINDS)})')
    if which in LIST_PAGES.get(platform, {}):
        return "page"
    if which in LIST_OPENERS.get(platform, {}):
        return "dialog"
    pages = ", ".join(LIST_PAGES)
    dialogs = ", ".join(p for p in LIST_OPENERS if p != "web")
    raise ListPageError(
        f"{platform} has no {which} list collector knows (lists work on {pages} as "
        f"pages, on {dialogs} in the dialog the profile's counts open)"
    )


def list_url(platform: str, profile: str, which: str) -> str:
    """The address of `profile`'s `which` list ("following" or "followers").

    From the profile's own address, so a mirror or test host keeps its host. Facebook's
    numeric profiles (`profile.php?id=N`) take `&sk=following`.
    """
    if which not in LIST_KINDS:
        raise ListPageError(f'unknown list "{which}" (known: {", ".join(LIST_KINDS)})')
    pages = LIST_PAGES.get(platform)
    if not pages or which not in pages:
        known = ", ".join(LIST_PAGES)
        raise ListPageError(
            f"{platform} has no {which} list page collector knows (lists work on {known})"
        )
    parts = urlsplit(profile)
    if platform == "facebook" and parts.path.rstrip("/") == "/profile.php":
        query = f"{parts.query}&sk={which}" if parts.query else f"sk={which}"
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    path = pages[which].format(path=parts.path.rstrip("/"))
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
