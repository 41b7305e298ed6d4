"""collector.sites.platforms: the registry, names, handles, profile URLs, detection."""

from __future__ import annotations

import dataclasses

import pytest

from collector.sites.markers import MARKERS
from collector.sites.platforms import (
    PLATFORMS,
    HandleError,
    PlatformError,
    UnknownPlatformError,
    detect_platform,
    normalize_handle,
    parse_profile_url,
    profile_url,
    resolve_platform,
    suggest,
)

SOCIAL = ("instagram", "facebook", "x", "tiktok", "youtube", "threads")


# -- registry, names --------------------------------------------------------


def test_registry_has_every_platform_in_order() -> None:
    assert tuple(PLATFORMS) == (*SOCIAL, "web")
    assert tuple(MARKERS) == tuple(PLATFORMS)  # every platform has its marker table
    for name, platform in PLATFORMS.items():
        assert platform.name == name
        assert dataclasses.is_dataclass(platform)
        with pytest.raises(dataclasses.FrozenInstanceError):
            platform.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("instagram", "instagram"),
        ("Twitter", "x"),
        (" X ", "x"),
        ("fb", "facebook"),
        ("web", "web"),
    ],
)
def test_resolve_platform(given: str, expected: str) -> None:
    assert resolve_platform(given) == expected


def test_resolve_platform_unknown_with_and_without_suggestion() -> None:
    with pytest.raises(
        UnknownPlatformError, match=r'unknown platform "instgram" \(did you mean "instagram"\?\)'
    ):
        resolve_platform("instgram")
    with pytest.raises(
        UnknownPlatformError, match=r'unknown platform "myspace" \(known: instagram, '
    ):
        resolve_platform("myspace")


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("instgram", "instagram"),
        ("Instagarm", "instagram"),
        ("facebok", "facebook"),
        ("twiter", "x"),
        ("tiktk", "tiktok"),
        ("youtub", "youtube"),
        ("thread", "threads"),
        ("linkedin", None),
        ("", None),
    ],
)
def test_suggest(typo: str, expected: str | None) -> None:
    assert suggest(typo) == expected


# -- profile URLs -----------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "handle", "url"),
    [
        ("instagram", "@budi.s", "https://www.instagram.com/budi.s/"),
        ("instagram", "Budi.S", "https://www.instagram.com/budi.s/"),
        ("facebook", "budi", "https://www.facebook.com/budi"),
        ("facebook", "budi.santoso.123", "https://www.facebook.com/budi.santoso.123"),
        ("facebook", "100012345678901", "https://www.facebook.com/profile.php?id=100012345678901"),
        ("x", "budi", "https://x.com/budi"),
        ("twitter", "@Budi_S", "https://x.com/budi_s"),
        ("tiktok", "budi", "https://www.tiktok.com/@budi"),
        ("tiktok", "@budi.s_", "https://www.tiktok.com/@budi.s_"),
        ("youtube", "budi", "https://www.youtube.com/@budi"),
        ("youtube", "@Budi-S.tv", "https://www.youtube.com/@budi-s.tv"),
        (
            "youtube",
            "UCabcdefghijklmnopqrstuV",
            "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuV",
        ),
        ("threads", "budi", "https://www.threads.net/@budi"),
        ("threads", "@budi.s", "https://www.threads.net/@budi.s"),
    ],
)
def test_profile_url(platform: str, handle: str, url: str) -> None:
    assert profile_url(platform, handle) == url


@pytest.mark.parametrize(
    ("platform", "handle", "message"),
    [
        ("instagram", "budi s", "expected 1-30 letters"),
        ("instagram", "budi..s", "expected"),
        ("instagram", "budi.", "expected"),
        ("instagram", "a" * 31, "expected"),
        ("instagram", "@", "empty instagram handle"),
        ("instagram", "   ", "empty"),
        ("instagram", "explore", "is a site page"),
        ("instagram", "https://www.instagram.com/budi", "looks like a URL"),
        ("instagram", "instagram.com/budi", "looks like a URL"),
        ("x", "budi-s", 'expected 1-15 letters, digits or "_"'),
        ("x", "a" * 16, "expected"),
        ("x", "home", "site page"),
        ("tiktok", "b", "expected 2-24"),
        ("tiktok", "budi.", "expected"),
        ("youtube", "ab", "expected 3-30"),
        ("threads", "budi s", "expected"),
        ("facebook", "budi s", "expected a username"),
        ("facebook", "profile.php", "site page"),
        ("web", "budi", 'platform "web" has no handles'),
    ],
)
def test_profile_url_rejects_bad_handles(platform: str, handle: str, message: str) -> None:
    with pytest.raises(HandleError, match=message.replace(".", r"\.").replace("(", r"\(")):
        profile_url(platform, handle)


def test_handle_error_is_a_value_error_and_platform_error() -> None:
    with pytest.raises(ValueError):
        normalize_handle("x", "no spaces allowed")
    assert issubclass(HandleError, PlatformError)
    assert issubclass(UnknownPlatformError, PlatformError)


# -- detection --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.instagram.com/budi.s/", "instagram"),
        ("https://instagram.com/p/Cx1/", "instagram"),
        ("https://m.instagram.com/budi.s", "instagram"),
        ("https://instagr.am/p/Cx1/", "instagram"),
        ("https://www.facebook.com/budi", "facebook"),
        ("https://m.facebook.com/budi", "facebook"),
        ("https://mobile.facebook.com/budi", "facebook"),
        ("https://web.facebook.com/budi", "facebook"),
        ("https://id-id.facebook.com/budi", "facebook"),
        ("https://fb.com/budi", "facebook"),
        ("https://fb.watch/abc123/", "facebook"),
        ("https://x.com/budi", "x"),
        ("https://twitter.com/budi", "x"),
        ("https://mobile.twitter.com/budi", "x"),
        ("https://www.tiktok.com/@budi", "tiktok"),
        ("https://vt.tiktok.com/ZSabc/", "tiktok"),
        ("https://m.tiktok.com/@budi", "tiktok"),
        ("https://www.youtube.com/@budi", "youtube"),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
        ("https://consent.youtube.com/m?continue=x", "youtube"),
        ("https://www.threads.net/@budi", "threads"),
        ("https://www.threads.com/@budi", "threads"),
        ("HTTPS://WWW.INSTAGRAM.COM./budi", "instagram"),
        ("https://www.instagram.com:443/budi", "instagram"),
        ("instagram.com/budi", "instagram"),
        ("https://example.org/berita", "web"),
        ("https://notinstagram.com/budi", "web"),
        ("https://instagram.com.evil.example/budi", "web"),
        ("https://xx.com/budi", "web"),
        ("https://t.co/abc", "web"),
        ("", "web"),
        ("not a url at all", "web"),
    ],
)
def test_detect_platform(url: str, platform: str) -> None:
    assert detect_platform(url) == platform


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://instagram.com/Budi.S?igsh=abc", ("instagram", "budi.s")),
        ("https://m.facebook.com/budi/", ("facebook", "budi")),
        ("https://www.facebook.com/profile.php?id=1000123", ("facebook", "1000123")),
        ("https://www.facebook.com/people/Budi-S/1000123/", ("facebook", "1000123")),
        ("https://twitter.com/Budi", ("x", "budi")),
        ("https://www.tiktok.com/@budi?lang=id-ID", ("tiktok", "budi")),
        ("https://www.youtube.com/@budi", ("youtube", "budi")),
        (
            "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuV",
            ("youtube", "UCabcdefghijklmnopqrstuV"),
        ),
        ("https://www.threads.net/@budi", ("threads", "budi")),
        ("https://www.instagram.com/p/Cx1/", None),
        ("https://www.instagram.com/explore/", None),
        ("https://x.com/home", None),
        ("https://www.tiktok.com/budi", None),
        ("https://example.org/budi", None),
    ],
)
def test_parse_profile_url(url: str, expected: tuple[str, str] | None) -> None:
    assert parse_profile_url(url) == expected
