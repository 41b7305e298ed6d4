"""Which links are posts, and the canonical form of a URL a watch list captures.

A post's canonical URL is keyed by the item id, so ``/p/X`` and ``/reel/X``, or
``/status/N/photo/1`` and ``/status/N``, count once::

    instagram  https://www.instagram.com/p/CODE/   (/reel/CODE/, /tv/CODE/)
    x          https://x.com/budi/status/N          (/i/web/status/N)
    tiktok     https://www.tiktok.com/@budi/video/N (/photo/N)
    youtube    https://www.youtube.com/watch?v=ID   (/shorts/ID)
    threads    https://www.threads.net/@budi/post/CODE
    facebook   /USER/posts/ID, /permalink.php?story_fbid=ID&id=N, /photo/?fbid=N,
               /USER/photos/[ALBUM/]N/, /USER/videos/N/, /watch/?v=N, /reel/N

``canonical_url`` applies the one URL policy (``collector.sites.urls``) first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import SplitResult, parse_qs, urljoin, urlsplit, urlunsplit

from collector.sites.platforms import (
    detect_platform,
    parse_profile_url,
    profile_url,
    resolve_platform,
)
from collector.sites.urls import ALLOWED_SCHEMES, check_url

__all__ = ["canonical_post_url", "canonical_url", "extract_post_links"]


def canonical_url(url: str) -> str:
    """The URL a watch list captures: the canonical profile or post URL if recognised,
    else the URL with lower-case scheme and host, default port and fragment dropped.

    Raises TargetRefused for a URL the one URL policy refuses (``check_url``)."""
    parts = check_url(url)
    profile = parse_profile_url(urlunsplit(parts))
    if profile is not None:
        return profile_url(*profile)
    post = canonical_post_url(urlunsplit(parts))
    if post is not None:
        return post
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    port = parts.port
    if port is not None and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


_IG_POST = re.compile(r"/(?:[A-Za-z0-9._]+/)?(p|reels?|tv)/([A-Za-z0-9_-]+)(?:/|$)")
_X_POST = re.compile(r"/([A-Za-z0-9_]{1,15})/status(?:es)?/(\d+)(?:/|$)")
_X_WEB_POST = re.compile(r"/i/web/status/(\d+)(?:/|$)")
_TT_POST = re.compile(r"/@([A-Za-z0-9._]+)/(video|photo)/(\d+)(?:/|$)")
_YT_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YT_SHORT = re.compile(r"/(shorts|live)/([A-Za-z0-9_-]{11})(?:/|$)")
_THREADS_POST = re.compile(r"/@([A-Za-z0-9._]+)/post/([A-Za-z0-9_-]+)(?:/|$)")
_FB_ID = r"(?:\d+|pfbid[A-Za-z0-9]+)"
_FB_POSTS = re.compile(rf"/([^/]+)/posts/({_FB_ID})(?:/|$)")
_FB_PHOTOS = re.compile(r"/([^/]+)/photos/(?:([^/]+)/)?(\d+)(?:/|$)")
_FB_VIDEOS = re.compile(r"/([^/]+)/videos/(?:[^/]+/)?(\d+)(?:/|$)")
_FB_REEL = re.compile(r"/reel/(\d+)(?:/|$)")


def _query(parts: SplitResult, key: str) -> str | None:
    values = parse_qs(parts.query).get(key)
    return values[0] if values else None


def _post(platform: str, parts: SplitResult) -> tuple[str, str] | None:
    """(dedup key, canonical URL) of a post link; the key is the item id, so
    /p/X and /reel/X, or /status/N/photo/1 and /status/N, count once."""
    path = parts.path
    if platform == "instagram":
        if hit := _IG_POST.match(path):
            kind = "reel" if hit.group(1).startswith("reel") else hit.group(1)
            code = hit.group(2)
            return code, f"https://www.instagram.com/{kind}/{code}/"
    elif platform == "x":
        if hit := _X_WEB_POST.match(path):
            return hit.group(1), f"https://x.com/i/web/status/{hit.group(1)}"
        if hit := _X_POST.match(path):
            return hit.group(2), f"https://x.com/{hit.group(1)}/status/{hit.group(2)}"
    elif platform == "tiktok":
        if hit := _TT_POST.match(path):
            user, kind, item = hit.groups()
            return item, f"https://www.tiktok.com/@{user}/{kind}/{item}"
    elif platform == "youtube":
        video: str | None = None
        if (parts.hostname or "").endswith("youtu.be"):
            video = path.strip("/")
        elif path.rstrip("/") == "/watch":
            video = _query(parts, "v")
        elif hit := _YT_SHORT.match(path):
            if hit.group(1) == "shorts":
                return hit.group(2), f"https://www.youtube.com/shorts/{hit.group(2)}"
            video = hit.group(2)
        if video and _YT_ID.fullmatch(video):
            return video, f"https://www.youtube.com/watch?v={video}"
    elif platform == "threads":
        if hit := _THREADS_POST.match(path):
            return hit.group(2), f"https://www.threads.net/@{hit.group(1)}/post/{hit.group(2)}"
    elif platform == "facebook":
        return _facebook_post(parts)
    return None


def _facebook_post(parts: SplitResult) -> tuple[str, str] | None:
    path = parts.path
    base = "https://www.facebook.com"
    if path in ("/permalink.php", "/story.php"):
        story, owner = _query(parts, "story_fbid"), _query(parts, "id")
        if story and re.fullmatch(_FB_ID, story):
            tail = f"&id={owner}" if owner and owner.isdigit() else ""
            return story, f"{base}{path}?story_fbid={story}{tail}"
        return None
    if path in ("/photo.php", "/photo", "/photo/"):
        fbid = _query(parts, "fbid")
        if fbid and fbid.isdigit():
            shown = "/photo.php" if path == "/photo.php" else "/photo/"
            return fbid, f"{base}{shown}?fbid={fbid}"
        return None
    if path.rstrip("/") == "/watch":
        vid = _query(parts, "v")
        return (vid, f"{base}/watch/?v={vid}") if vid and vid.isdigit() else None
    if hit := _FB_REEL.match(path):
        return hit.group(1), f"{base}/reel/{hit.group(1)}"
    if hit := _FB_POSTS.match(path):
        return hit.group(2), f"{base}/{hit.group(1)}/posts/{hit.group(2)}"
    if hit := _FB_PHOTOS.match(path):
        user, album, item = hit.groups()
        middle = f"{album}/" if album else ""
        return item, f"{base}/{user}/photos/{middle}{item}/"
    if hit := _FB_VIDEOS.match(path):
        return hit.group(2), f"{base}/{hit.group(1)}/videos/{hit.group(2)}/"
    return None


def canonical_post_url(url: str) -> str | None:
    """Canonical URL if ``url`` is a post/item of a known platform, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return None
    post = _post(detect_platform(url), parts)
    return post[1] if post else None


def extract_post_links(platform: str, base_url: str, hrefs: Iterable[str]) -> list[str]:
    """Canonical post URLs among a rendered profile's links, in page order,
    each item once. Links to other sites are ignored; "web" has no posts."""
    name = resolve_platform(platform)
    seen: set[str] = set()
    posts: list[str] = []
    for href in hrefs:
        try:
            absolute = urljoin(base_url, href.strip())
            parts = urlsplit(absolute)
        except ValueError:
            continue  # a malformed href on the page is not our problem
        if parts.scheme.lower() not in ALLOWED_SCHEMES or detect_platform(absolute) != name:
            continue
        post = _post(name, parts)
        if post is None or post[0] in seen:
            continue
        seen.add(post[0])
        posts.append(post[1])
    return posts
