"""Imitation pages for finding watched people: Instagram-, Facebook-, X- and TikTok-like
posts with comments, replies and a likers dialog, and an Instagram-like following list.

Served through the imitation platforms (tests/support/platform_site.py, `pages`), at the
platforms' real addresses, so platform rules apply as on the real sites. Everything is
rendered from the start (nothing to expand): these pages test finding, not expansion.

The watched civil servant is `budi.asn` ("Budi Asn" by name); `budi.asn2` is someone
else whose handle merely starts the same. Each of Budi's own items has a background
colour of its own (`COLOURS`), so a test can tell from a crop's pixels that the crop
shows that item. One of Budi's comments carries hostile text: markup, a bidi override
and a terminal escape, which every output must show inert.
"""

from __future__ import annotations

import html as _html

from tests.support.platform_site import html

WATCHED = "budi.asn"
WATCHED_NAME = "Budi Asn"
CAMPAIGN = "tim.pemenangan"
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> \u202egnp.exe \x1b[31mMERAH"

IG_POST = "https://www.instagram.com/p/CxKAMPANYE1/"
FB_POST = "https://www.facebook.com/timpemenangan/posts/100001"
X_POST = "https://x.com/timpemenangan/status/1700000000001"
TT_POST = "https://www.tiktok.com/@timpemenangan/video/7300000000001"
IG_FOLLOWING = "https://www.instagram.com/budi.asn/following/"
IG_PROFILE = "https://www.instagram.com/budi.asn/"
EMPTY_POST = "https://www.instagram.com/p/CxKOSONG01/"

# background colours of Budi's items: (r, g, b)
COLOURS = {
    "ig-comment": (255, 224, 138),
    "ig-reply": (170, 230, 170),
    "fb-comment": (250, 200, 230),
    "x-reply": (190, 210, 255),
    "tt-reply": (255, 190, 150),
}

_CSS = (
    "<style>ul{list-style:none;padding-left:24px;margin:0}li{padding:6px 0}"
    ".likers{position:fixed;top:60px;right:20px;width:280px;height:220px;overflow-y:auto;"
    "background:#fff;border:2px solid #333}.likers li{height:34px}</style>"
)


def _bg(key: str) -> str:
    r, g, b = COLOURS[key]
    return f"background:rgb({r},{g},{b})"


def _e(text: str) -> str:
    return _html.escape(text, quote=True)


def instagram_post(*, budi_comment: bool = True, likers: int = 40) -> bytes:
    comment = (
        f"<li style='{_bg('ig-comment')}'><a href='/{WATCHED}/'>{WATCHED}</a> "
        f"<span>Mantap, saya dukung 01! {_e(HOSTILE)}</span> <time>2 j</time>"
        "<ul class='replies'>"
        "<li><a href='/citra.w/'>citra.w</a> <span>setuju pak</span></li>"
        f"<li style='{_bg('ig-reply')}'><a href='/{WATCHED}/'>{WATCHED}</a> "
        "<span>terima kasih dukungannya</span></li>"
        "</ul></li>"
        if budi_comment
        else ""
    )
    rows = "".join(
        f"<li><a href='/warga{i}/'>warga{i}</a> Warga {i}</li>" for i in range(likers - 5)
    )
    rows += f"<li><a href='/{WATCHED}/'>{WATCHED}</a> {WATCHED_NAME}</li>"
    rows += "".join(f"<li><a href='/warga{i}/'>warga{i}</a> Warga {i}</li>" for i in range(90, 94))
    return html(
        "Tim Pemenangan on Instagram: \u201cAyo dukung paslon 01\u201d",
        "<main><article>"
        f"<header><a href='/{CAMPAIGN}/'>{CAMPAIGN}</a> · Ikuti</header>"
        "<p>Ayo dukung paslon 01 di Pilkada! #menang</p>"
        "<section><h2>Komentar</h2><ul class='comments'>"
        f"<li><a href='/andi.w/'>andi.w</a> <span>Hadir! cc @{WATCHED} dan @{WATCHED}2</span></li>"
        f"{comment}"
        f"<li><a href='/{WATCHED}2/'>{WATCHED}2</a> <span>saya bukan ASN</span></li>"
        # someone else's profile shown under the watched handle (an impersonator), and a
        # hashtag: neither is the person
        f"<li><a href='/{WATCHED}.asli/'>{WATCHED}</a> <span>akun tiruan, bukan dia</span></li>"
        f"<li><a href='/siti.r/'>siti.r</a> <span>#{WATCHED} trending hari ini</span></li>"
        "</ul></section></article>"
        "<div class='likers' role='dialog' aria-labelledby='likers-title'>"
        f"<h3 id='likers-title'>Disukai oleh</h3><ul>{rows}</ul></div></main>",
        head=_CSS,
    )


def facebook_post() -> bytes:
    return html(
        "Tim Pemenangan - Ayo dukung paslon 01 | Facebook",
        "<main><div role='article'><h2>Tim Pemenangan</h2><p>Ayo dukung paslon 01!</p>"
        "<div role='list'>"
        "<div role='article' aria-label='Komentar dari Sari W. 3 jam'>"
        "<a href='/sari.w'>Sari W.</a> <span>Semangat!</span></div>"
        f"<div role='article' aria-label='Komentar dari {WATCHED_NAME} 2 jam' "
        f"style='{_bg('fb-comment')}'>"
        f"<a href='/{WATCHED}'>{WATCHED_NAME}</a> <span>Siap menangkan 01</span>"
        "<div role='list'><div role='article' aria-label='Balasan dari Sari W. 1 jam'>"
        f"<a href='/sari.w'>Sari W.</a> <span>Mantap {WATCHED_NAME}</span></div></div>"
        "</div></div></div></main>",
        head=_CSS,
    )


def x_post() -> bytes:
    return html(
        "Tim Pemenangan on X: \u201cAyo dukung paslon 01\u201d / X",
        "<main><article><a href='/timpemenangan'>Tim Pemenangan</a> "
        "<a href='/timpemenangan'>@timpemenangan</a><p>Ayo dukung paslon 01</p></article>"
        "<section aria-label='Timeline: Conversation'><div>"
        f"<article style='{_bg('x-reply')}'><a href='/{WATCHED.replace('.', '_')}'>"
        f"{WATCHED_NAME}</a> <a href='/{WATCHED.replace('.', '_')}'>"
        f"@{WATCHED.replace('.', '_')}</a> <span>Setuju, 01 pasti menang</span></article>"
        "<article><a href='/rina_k'>Rina</a> <a href='/rina_k'>@rina_k</a> "
        "<span>Ayo!</span></article>"
        "</div></section></main>",
        head=_CSS,
    )


def tiktok_post() -> bytes:
    return html(
        "Ayo dukung 01 | TikTok",
        "<main><div data-e2e='browse-video-desc'>Ayo dukung paslon 01</div>"
        "<div data-e2e='comment-list'>"
        "<div data-e2e='comment-level-1'><a href='/@warga7'>warga7</a> "
        "<p>Keren</p>"
        f"<div data-e2e='comment-level-2' style='{_bg('tt-reply')}'>"
        f"<a href='/@{WATCHED}'>{WATCHED}</a> <p>Dukung!</p></div>"
        "</div></div></main>",
        head=_CSS,
    )


def instagram_following(follows: list[str]) -> bytes:
    rows = "".join(
        f"<li><a href='/{h}/'>{h}</a> {h.replace('.', ' ').title()}</li>" for h in follows
    )
    return html(
        f"Orang yang diikuti oleh {WATCHED_NAME} (@{WATCHED}) • Instagram",
        f"<main><header><h1>{WATCHED}</h1><p>{len(follows)} mengikuti</p></header>"
        "<div role='dialog' aria-label='Mengikuti'><h2>Mengikuti</h2>"
        f"<ul>{rows}</ul></div></main>",
        head=_CSS,
    )


def empty_post() -> bytes:
    return html(
        "Tim Pemenangan on Instagram: \u201cSenam pagi\u201d",
        "<main><article><header><a href='/tim.pemenangan/'>tim.pemenangan</a></header>"
        "<p>Senam pagi bersama warga</p><section><h2>Komentar</h2><ul>"
        "<li><a href='/warga1/'>warga1</a> Sehat selalu</li></ul></section></article></main>",
        head=_CSS,
    )


def serve(pages: dict[str, tuple[int, bytes]]) -> None:
    """Put every page in place (the following list follows the campaign account)."""
    pages[IG_POST] = (200, instagram_post())
    pages[FB_POST] = (200, facebook_post())
    pages[X_POST] = (200, x_post())
    pages[TT_POST] = (200, tiktok_post())
    pages[IG_FOLLOWING] = (200, instagram_following(["warga1", CAMPAIGN, "dinas.pendidikan"]))
    pages[EMPTY_POST] = (200, empty_post())
