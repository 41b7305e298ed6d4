"""Which platforms collector knows and how it names their accounts: hosts, aliases, handle
rules and canonical profile URLs.

Platforms: ``instagram``, ``facebook``, ``x`` (alias ``twitter``), ``tiktok``,
``youtube``, ``threads`` and the generic ``web``. For each: the hosts it is served from
(any subdomain counts) and how a handle becomes a canonical profile URL. Its post links
are in ``collector.sites.posts``, its page markers in ``collector.sites.markers``.

``profile_url`` lower-cases handles (every platform here resolves them
case-insensitively, and one spelling keeps duplicate detection honest), except
YouTube channel ids (``UC`` + 22 characters), which are case-sensitive::

    instagram  https://www.instagram.com/budi.s/
    facebook   https://www.facebook.com/budi   (numeric id: /profile.php?id=N)
    x          https://x.com/budi
    tiktok     https://www.tiktok.com/@budi
    youtube    https://www.youtube.com/@budi   (channel id: /channel/UC...)
    threads    https://www.threads.net/@budi
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qs, quote, urlsplit

__all__ = [
    "PLATFORMS",
    "HandleError",
    "Platform",
    "PlatformError",
    "UnknownPlatformError",
    "detect_platform",
    "normalize_handle",
    "parse_profile_url",
    "profile_url",
    "resolve_platform",
    "suggest",
]


class PlatformError(ValueError):
    """Base class for every error about platforms, handles and markers (a ValueError)."""


class UnknownPlatformError(PlatformError):
    """A platform name that is neither a platform nor an alias."""


class HandleError(PlatformError):
    """A handle that cannot be an account on the given platform."""


# -- the registry -----------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    """What the collector knows about one site."""

    name: str
    #: Registrable hosts; any subdomain (www., m., mobile., id-id., vt., ...) counts.
    hosts: tuple[str, ...]
    #: ``{handle}`` is replaced by the normalised handle; None for ``web``.
    profile_url_template: str | None
    label: str
    #: Full-match regular expression (case-insensitive) for a valid handle.
    handle_pattern: str | None = None
    #: Human description of ``handle_pattern``, used in error messages.
    handle_rule: str = ""
    aliases: tuple[str, ...] = ()
    #: First path segments that are site pages, never accounts.
    reserved: frozenset[str] = frozenset()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_IG_HANDLE = r"(?!.*\.\.)(?!.*\.$)[a-z0-9._]{1,30}"
_IG_RULE = '1-30 letters, digits, "." or "_", no "..", not ending in "."'

_PLATFORM_LIST = (
    Platform(
        name="instagram",
        label="Instagram",
        hosts=("instagram.com", "instagr.am"),
        profile_url_template="https://www.instagram.com/{handle}/",
        handle_pattern=_IG_HANDLE,
        handle_rule=_IG_RULE,
        aliases=("ig", "insta"),
        reserved=_words(
            "accounts explore p reel reels tv stories direct about legal developer "
            "challenge web emails"
        ),
    ),
    Platform(
        name="facebook",
        label="Facebook",
        hosts=("facebook.com", "fb.com", "fb.me", "fb.watch"),
        profile_url_template="https://www.facebook.com/{handle}",
        handle_pattern=r"[a-z0-9.\-]{1,80}",
        handle_rule='a username (letters, digits, "." or "-") or a numeric profile id',
        aliases=("fb",),
        reserved=_words(
            "login login.php profile.php permalink.php photo.php story.php watch groups "
            "pages events marketplace gaming help privacy policies settings reel reels "
            "photo photos share sharer sharer.php people public search hashtag checkpoint "
            "recover home.php business ads stories"
        ),
    ),
    Platform(
        name="x",
        label="X (Twitter)",
        hosts=("x.com", "twitter.com"),
        profile_url_template="https://x.com/{handle}",
        handle_pattern=r"[a-z0-9_]{1,15}",
        handle_rule='1-15 letters, digits or "_"',
        aliases=("twitter",),
        reserved=_words(
            "i home explore search settings login logout signup messages notifications tos "
            "privacy intent share hashtag compose"
        ),
    ),
    Platform(
        name="tiktok",
        label="TikTok",
        hosts=("tiktok.com",),
        profile_url_template="https://www.tiktok.com/@{handle}",
        handle_pattern=r"(?!.*\.$)[a-z0-9._]{2,24}",
        handle_rule='2-24 letters, digits, "." or "_", not ending in "."',
    ),
    Platform(
        name="youtube",
        label="YouTube",
        hosts=("youtube.com", "youtu.be", "youtube-nocookie.com"),
        profile_url_template="https://www.youtube.com/@{handle}",
        handle_pattern=r"[\w.\-]{3,30}",
        handle_rule='3-30 letters, digits, ".", "_" or "-", or a channel id "UC…"',
        aliases=("yt",),
    ),
    Platform(
        name="threads",
        label="Threads",
        hosts=("threads.net", "threads.com"),
        profile_url_template="https://www.threads.net/@{handle}",
        handle_pattern=_IG_HANDLE,
        handle_rule=_IG_RULE,
    ),
    Platform(
        name="web",
        label="Web page",
        hosts=(),
        profile_url_template=None,
    ),
)

#: name -> Platform, in a fixed order (the six social platforms, then "web").
PLATFORMS: Final[Mapping[str, Platform]] = MappingProxyType({p.name: p for p in _PLATFORM_LIST})

_ALIASES: Final = MappingProxyType({a: p.name for p in _PLATFORM_LIST for a in p.aliases})

_YT_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")


def resolve_platform(name: str) -> str:
    """Canonical platform name for a name or alias ("Twitter" -> "x")."""
    key = name.strip().lower()
    if key in PLATFORMS:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    hint = suggest(name)
    if hint is not None:
        raise UnknownPlatformError(f'unknown platform "{name}" (did you mean "{hint}"?)')
    raise UnknownPlatformError(f'unknown platform "{name}" (known: {", ".join(PLATFORMS)})')


def suggest(name: str) -> str | None:
    """Closest platform name for a misspelling ("instgram" -> "instagram")."""
    key = name.strip().lower()
    choices = [*PLATFORMS, *_ALIASES]
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    if not close:
        return None
    return _ALIASES.get(close[0], close[0])


def _host(url: str) -> str:
    try:
        host = urlsplit(url if "://" in url else "https://" + url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def _platform_of_host(host: str) -> str:
    for platform in _PLATFORM_LIST:
        for known in platform.hosts:
            if host == known or host.endswith("." + known):
                return platform.name
    return "web"


def detect_platform(url: str) -> str:
    """Platform a URL belongs to, by host (any subdomain); "web" otherwise."""
    return _platform_of_host(_host(url))


# -- handles and profile URLs -----------------------------------------------


def normalize_handle(platform: str, handle: str) -> str:
    """Validated handle without its leading "@", lower-cased (see module doc)."""
    p = PLATFORMS[resolve_platform(platform)]
    if p.handle_pattern is None:
        raise HandleError(f'platform "{p.name}" has no handles; give a URL instead')
    raw = handle.strip()
    value = raw[1:] if raw.startswith("@") else raw
    if not value:
        raise HandleError(f"empty {p.name} handle")
    if "/" in value or value.lower().startswith(("http:", "https:", "www.")):
        raise HandleError(f'invalid {p.name} handle "{raw}": that looks like a URL, not a handle')
    if p.name == "youtube" and _YT_CHANNEL_ID.fullmatch(value):
        return value  # channel ids are case-sensitive
    if not re.fullmatch(p.handle_pattern, value, re.IGNORECASE):
        raise HandleError(f'invalid {p.name} handle "{raw}": expected {p.handle_rule}')
    value = value.lower()
    if value in p.reserved:
        raise HandleError(f'invalid {p.name} handle "{raw}": "{value}" is a site page')
    return value


def profile_url(platform: str, handle: str) -> str:
    """Canonical profile URL for a handle ("@budi.s" -> https://www.instagram.com/budi.s/)."""
    name = resolve_platform(platform)
    value = normalize_handle(name, handle)
    if name == "youtube" and _YT_CHANNEL_ID.fullmatch(value):
        return f"https://www.youtube.com/channel/{value}"
    if name == "facebook" and value.isdigit():
        return f"https://www.facebook.com/profile.php?id={value}"
    template = PLATFORMS[name].profile_url_template
    assert template is not None  # normalize_handle refused handle-less platforms
    return template.format(handle=quote(value, safe="._-"))


def parse_profile_url(url: str) -> tuple[str, str] | None:
    """(platform, handle) if ``url`` is a profile URL of a known platform."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    platform = _platform_of_host((parts.hostname or "").rstrip(".").lower())
    segments = [s for s in parts.path.split("/") if s]
    handle: str | None = None
    if platform in ("instagram", "x") and len(segments) == 1:
        handle = segments[0]
    elif platform == "facebook":
        if segments == ["profile.php"]:
            handle = parse_qs(parts.query).get("id", [""])[0]
        elif len(segments) == 3 and segments[0] == "people" and segments[2].isdigit():
            handle = segments[2]
        elif len(segments) == 1:
            handle = segments[0]
    elif (
        platform in ("tiktok", "youtube", "threads")
        and len(segments) == 1
        and segments[0].startswith("@")
    ):
        handle = segments[0]
    if platform == "youtube" and len(segments) == 2 and segments[0] == "channel":
        handle = segments[1]
    if not handle:
        return None
    try:
        return platform, normalize_handle(platform, handle)
    except PlatformError:
        return None
