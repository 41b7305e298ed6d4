"""collector.sites.posts: which links are posts, and canonical watch-list URLs."""

from __future__ import annotations

import pytest

from collector.errors import TargetRefused
from collector.sites.posts import canonical_post_url, canonical_url, extract_post_links

IG = "https://www.instagram.com/budi.s/"
FB = "https://www.facebook.com/budi"
XP = "https://x.com/budi"
TT = "https://www.tiktok.com/@budi"
YT = "https://www.youtube.com/@budi"
TH = "https://www.threads.net/@budi"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://instagram.com/budi.s?igsh=abc", "https://www.instagram.com/budi.s/"),
        ("https://mobile.twitter.com/Budi", "https://x.com/budi"),
        ("https://x.com/budi/status/123/photo/1", "https://x.com/budi/status/123"),
        (
            "https://www.instagram.com/p/CxYz_1-a/?img_index=2",
            "https://www.instagram.com/p/CxYz_1-a/",
        ),
        ("https://youtu.be/dQw4w9WgXcQ?t=10", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("HTTPS://Example.ORG:443/Berita?id=1#top", "https://example.org/Berita?id=1"),
        ("http://example.org:8080", "http://example.org:8080/"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_canonical_url_takes_a_bare_host_as_https() -> None:
    # the one URL policy: a URL without a scheme is https, as for `collector capture`
    assert canonical_url("www.instagram.com/budi") == "https://www.instagram.com/budi/"
    assert canonical_url("example.org/berita") == "https://example.org/berita"
    assert canonical_url("http://[::1]:8080/x#y") == "http://[::1]:8080/x"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://user:rahasia@example.org/", "must not contain credentials"),
        ("https://user:rahasia@ss/w0rd@example.org/", "must not contain credentials"),
        ("file:///etc/passwd", 'not "file:"'),
        ("\uff46\uff49\uff4c\uff45:///etc/passwd", 'not "file:"'),
        ("notaurl", "not a plausible host"),
        ("http://[::1", "malformed URL"),
    ],
)
def test_canonical_url_follows_the_one_url_policy(url: str, message: str) -> None:
    with pytest.raises(TargetRefused, match=message) as caught:
        canonical_url(url)
    assert "rahasia" not in str(caught.value) and "w0rd" not in str(caught.value)


def test_canonical_post_url() -> None:
    assert (
        canonical_post_url("https://x.com/budi/status/5/photo/1") == "https://x.com/budi/status/5"
    )
    assert canonical_post_url("https://youtu.be/dQw4w9WgXcQ") == (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    )
    assert canonical_post_url("https://x.com/budi") is None
    assert canonical_post_url("javascript:x") is None
    assert canonical_post_url("http://[::1") is None


# -- post links ---------------------------------------------------------------


def test_instagram_post_links() -> None:
    hrefs = [
        "/",
        "/budi.s/",
        "/p/CxAAA111/",
        "/reel/CxBBB222/",
        "/p/CxAAA111/liked_by/",
        "/budi.s/p/CxCCC333/",
        "/reels/CxDDD444/",
        "https://www.instagram.com/p/CxEEE_-5/?img_index=1",
        "/explore/tags/asn/",
        "https://l.instagram.com/?u=https%3A%2F%2Fexample.org",
        "https://www.facebook.com/budi/posts/123",
        "javascript:void(0)",
        "#",
    ]
    assert extract_post_links("instagram", IG, hrefs) == [
        "https://www.instagram.com/p/CxAAA111/",
        "https://www.instagram.com/reel/CxBBB222/",
        "https://www.instagram.com/p/CxCCC333/",
        "https://www.instagram.com/reel/CxDDD444/",
        "https://www.instagram.com/p/CxEEE_-5/",
    ]


def test_x_post_links() -> None:
    hrefs = [
        "/budi",
        "/budi/status/1790000000000000001",
        "/budi/status/1790000000000000001/photo/1",
        "/budi/status/1790000000000000001/analytics",
        "/other/status/1790000000000000002",
        "https://twitter.com/budi/status/1790000000000000003?s=20",
        "/i/web/status/1790000000000000004",
        "/budi/followers",
        "https://t.co/abc",
    ]
    assert extract_post_links("x", XP, hrefs) == [
        "https://x.com/budi/status/1790000000000000001",
        "https://x.com/other/status/1790000000000000002",
        "https://x.com/budi/status/1790000000000000003",
        "https://x.com/i/web/status/1790000000000000004",
    ]


def test_facebook_post_links() -> None:
    hrefs = [
        "/budi/posts/pfbid02abcDEF123?__cft__[0]=AZX&__tn__=%2CO%2CP-R",
        "/budi/posts/1234567890",
        "/permalink.php?story_fbid=111222333&id=100012345&__tn__=-R",
        "/story.php?story_fbid=pfbid0xyz&id=100012345",
        "/photo.php?fbid=444555666&set=a.1&type=3",
        "/photo/?fbid=777888999&set=a.2",
        "/budi/photos/a.123456/987654321/",
        "/budi/videos/555666777/",
        "/watch/?v=888999000",
        "/reel/1112223334",
        "/budi/posts/1234567890?comment_id=9",
        "/budi/about",
        "/groups/123/",
        "https://www.instagram.com/p/Cx1/",
    ]
    assert extract_post_links("facebook", FB, hrefs) == [
        "https://www.facebook.com/budi/posts/pfbid02abcDEF123",
        "https://www.facebook.com/budi/posts/1234567890",
        "https://www.facebook.com/permalink.php?story_fbid=111222333&id=100012345",
        "https://www.facebook.com/story.php?story_fbid=pfbid0xyz&id=100012345",
        "https://www.facebook.com/photo.php?fbid=444555666",
        "https://www.facebook.com/photo/?fbid=777888999",
        "https://www.facebook.com/budi/photos/a.123456/987654321/",
        "https://www.facebook.com/budi/videos/555666777/",
        "https://www.facebook.com/watch/?v=888999000",
        "https://www.facebook.com/reel/1112223334",
    ]


def test_tiktok_post_links() -> None:
    hrefs = [
        "https://www.tiktok.com/@budi/video/7300000000000000001",
        "/@budi/video/7300000000000000001?is_from_webapp=1",
        "/@budi/photo/7300000000000000002",
        "/@budi",
        "/tag/asn",
    ]
    assert extract_post_links("tiktok", TT, hrefs) == [
        "https://www.tiktok.com/@budi/video/7300000000000000001",
        "https://www.tiktok.com/@budi/photo/7300000000000000002",
    ]


def test_youtube_post_links() -> None:
    hrefs = [
        "/watch?v=dQw4w9WgXcQ&list=PL123&index=2",
        "/shorts/abcdefghijk",
        "https://youtu.be/dQw4w9WgXcQ",
        "/watch?v=short",
        "/live/zyxwvutsrqp",
        "/@budi/videos",
        "/playlist?list=PL123",
    ]
    assert extract_post_links("youtube", YT, hrefs) == [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/shorts/abcdefghijk",
        "https://www.youtube.com/watch?v=zyxwvutsrqp",
    ]


def test_threads_post_links() -> None:
    hrefs = [
        "/@budi/post/C1a2B3c4D5e",
        "https://www.threads.com/@budi/post/C1a2B3c4D5e/media",
        "/@budi/post/C9z8Y7x6W5v",
        "/@budi",
    ]
    assert extract_post_links("threads", TH, hrefs) == [
        "https://www.threads.net/@budi/post/C1a2B3c4D5e",
        "https://www.threads.net/@budi/post/C9z8Y7x6W5v",
    ]


def test_web_has_no_post_links_and_bad_hrefs_are_skipped() -> None:
    assert extract_post_links("web", "https://example.org/", ["/a", "/b"]) == []
    assert extract_post_links("x", XP, ["http://[::1", "  /budi/status/5  "]) == [
        "https://x.com/budi/status/5"
    ]
