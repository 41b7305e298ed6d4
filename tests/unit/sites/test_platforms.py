"""collector.sites.platforms: URLs, detection, page classification, post links."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import pytest

from collector.sites import platforms as P
from collector.sites.platforms import (
    OUTCOMES,
    PLATFORMS,
    HandleError,
    PageEvidence,
    UnknownPlatformError,
    UrlError,
    Verdict,
    canonical_url,
    check_http_url,
    classify,
    detect_platform,
    extract_post_links,
    marker_selectors,
    normalize_handle,
    parse_profile_url,
    profile_url,
    resolve_platform,
    suggest,
)

SOCIAL = ("instagram", "facebook", "x", "tiktok", "youtube", "threads")

# A realistic amount of profile text, so "short page" guards do not fire.
FEED = " ".join(
    f"Kegiatan hari ke-{i}: rapat koordinasi, kunjungan sekolah, dan senam pagi bersama warga."
    for i in range(80)
)


def page(
    url: str,
    text: str = "",
    *,
    status: int | None = 200,
    title: str = "",
    selectors: Iterable[str] = (),
    body: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> PageEvidence:
    return PageEvidence(
        status=status,
        final_url=url,
        title=title,
        text=text,
        present_selectors=frozenset(selectors),
        body_html_length=body if body is not None else 5000 + 3 * len(text),
        headers=dict(headers or {}),
    )


def ids(verdict: Verdict) -> list[str]:
    return [m.split(":", 1)[0] for m in verdict.markers]


# -- registry, names --------------------------------------------------------


def test_registry_has_every_platform_in_order() -> None:
    assert tuple(PLATFORMS) == (*SOCIAL, "web")
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
    assert issubclass(HandleError, P.PlatformError)
    assert issubclass(UrlError, P.PlatformError)
    assert issubclass(UnknownPlatformError, P.PlatformError)


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


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", 'must be http or https, not "file:"'),
        ("javascript:alert(1)", 'not "javascript:"'),
        ("data:text/html,<h1>hi</h1>", 'not "data:"'),
        ("chrome://settings", 'not "chrome:"'),
        ("about:blank", 'not "about:"'),
        ("ftp://example.org/x", 'not "ftp:"'),
        ("view-source:https://example.org", 'not "view-source:"'),
        (
            "www.instagram.com/budi",
            'no scheme \\(did you mean "https://www.instagram.com/budi"\\?\\)',
        ),
        ("https://", "has no host"),
        ("https://user:secret@example.org/", "must not contain credentials"),
        ("https://example.org/a b", "whitespace"),
        ("", "empty URL"),
        ("https://example.org:99999/", "malformed URL"),
    ],
)
def test_check_http_url_refuses(url: str, message: str) -> None:
    with pytest.raises(UrlError, match=message):
        check_http_url(url)


# -- classification: per platform ---------------------------------------------

IG = "https://www.instagram.com/budi.s/"
FB = "https://www.facebook.com/budi"
XP = "https://x.com/budi"
TT = "https://www.tiktok.com/@budi"
YT = "https://www.youtube.com/@budi"
YTV = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
TH = "https://www.threads.net/@budi"

IG_FOOTER = (
    "Meta About Blog Jobs Help API Privacy Terms Locations Instagram Lite Threads "
    "Contact Uploading & Non-Users Meta Verified © 2024 Instagram from Meta"
)

CASES: list[tuple[str, str, PageEvidence, str, str]] = [
    # (id, platform, evidence, outcome, marker id)
    # --- instagram
    (
        "ig-login-redirect-en",
        "instagram",
        page(
            "https://www.instagram.com/accounts/login/?next=%2Fbudi.s%2F",
            "Phone number, username, or email\nPassword\nLog in\nForgot password?\n"
            "Don't have an account? Sign up\n" + IG_FOOTER,
            title="Login • Instagram",
            selectors=['input[name="password"]'],
        ),
        "login_wall",
        "instagram.login_url",
    ),
    (
        "ig-login-form-id",
        "instagram",
        page(
            IG,
            "Nomor telepon, nama pengguna, atau email\nKata sandi\nMasuk\nLupa kata sandi?\n"
            "Belum punya akun? Daftar\n" + IG_FOOTER,
            selectors=["form#loginForm", 'input[name="password"]'],
        ),
        "login_wall",
        "instagram.login_form",
    ),
    (
        "ig-gone-en-curly-apostrophe",
        "instagram",
        page(
            IG,
            "Sorry, this page isn\u2019t available.\nThe link you followed may be broken, "
            "or the page may have been removed. Go back to Instagram.\n" + IG_FOOTER,
            title="Page not found • Instagram",
        ),
        "not_found",
        "instagram.unavailable",
    ),
    (
        "ig-gone-id",
        "instagram",
        page(
            IG,
            "Maaf, halaman ini tidak tersedia.\nTautan yang Anda ikuti mungkin rusak, atau "
            "halaman mungkin telah dihapus. Kembali ke Instagram.\n" + IG_FOOTER,
        ),
        "not_found",
        "instagram.unavailable",
    ),
    (
        "ig-gone-short-id",
        "instagram",
        page(IG, "Halaman ini tidak tersedia\n" + IG_FOOTER),
        "not_found",
        "instagram.unavailable",
    ),
    (
        "ig-private-en",
        "instagram",
        page(
            IG,
            "budi.s\nFollow\nMessage\n120 posts\n1,024 followers\n300 following\nBudi S.\n"
            "Guru SD Negeri 12\nThis account is private\nFollow to see their photos and videos.",
        ),
        "private",
        "instagram.private",
    ),
    (
        "ig-private-id",
        "instagram",
        page(
            IG,
            "budi.s\nIkuti\n120 postingan\n1.024 pengikut\n300 mengikuti\nBudi S.\n"
            "Akun ini bersifat pribadi\nIkuti untuk melihat foto dan video mereka.",
        ),
        "private",
        "instagram.private",
    ),
    (
        "ig-wait",
        "instagram",
        page(IG, "Please wait a few minutes before you try again.\n" + IG_FOOTER),
        "rate_limited",
        "instagram.wait",
    ),
    (
        "ig-wait-id",
        "instagram",
        page(IG, "Harap tunggu beberapa menit sebelum mencoba lagi.\n" + IG_FOOTER),
        "rate_limited",
        "instagram.wait",
    ),
    (
        "ig-challenge",
        "instagram",
        page("https://www.instagram.com/challenge/?next=/budi.s/", "Help us confirm it's you"),
        "rate_limited",
        "instagram.challenge_url",
    ),
    (
        "ig-429",
        "instagram",
        page(IG, "", status=429, body=100),
        "rate_limited",
        "web.http_429",
    ),
    # --- facebook
    (
        "fb-login-redirect",
        "facebook",
        page(
            "https://www.facebook.com/login/?next=https%3A%2F%2Fwww.facebook.com%2Fbudi",
            "Log in to Facebook\nEmail address or phone number\nPassword\nLog in\n"
            "Forgotten account?",
            selectors=["form#login_form", 'input[name="pass"]'],
        ),
        "login_wall",
        "facebook.login_url",
    ),
    (
        "fb-login-php",
        "facebook",
        page("https://m.facebook.com/login.php?next=x", "Masuk ke Facebook"),
        "login_wall",
        "facebook.login_url",
    ),
    (
        "fb-login-form-id",
        "facebook",
        page(
            FB,
            "Anda harus masuk untuk melanjutkan.\nEmail atau nomor telepon\nKata sandi\nMasuk\n"
            "Lupa akun?\n" + FEED,
            selectors=['input[name="pass"]'],
        ),
        "login_wall",
        "facebook.login_form",
    ),
    (
        "fb-unavailable-en",
        "facebook",
        page(
            FB,
            "This content isn't available right now\nWhen this happens, it's usually because "
            "the owner only shared it with a small group of people, changed who can see it or "
            "it's been deleted.\nGo to News Feed\nGo back\nVisit Help Centre",
        ),
        "not_found",
        "facebook.unavailable",
    ),
    (
        "fb-unavailable-id",
        "facebook",
        page(
            FB,
            "Konten ini tidak tersedia saat ini\nHal ini biasanya terjadi karena pemilik hanya "
            "membagikannya kepada sekelompok kecil orang, mengubah siapa yang dapat melihatnya, "
            "atau konten telah dihapus.\nBuka Kabar Beranda\nKembali",
        ),
        "not_found",
        "facebook.unavailable",
    ),
    (
        "fb-page-unavailable-id",
        "facebook",
        page(FB, "Halaman ini tidak tersedia\nTautan yang Anda ikuti mungkin rusak"),
        "not_found",
        "facebook.unavailable",
    ),
    (
        "fb-locked-en",
        "facebook",
        page(FB, "Budi Santoso\nBudi locked his profile\nOnly his friends can see what he shares."),
        "private",
        "facebook.locked",
    ),
    (
        "fb-locked-id",
        "facebook",
        page(FB, "Budi Santoso\nBudi mengunci profilnya\nHanya teman yang dapat melihat."),
        "private",
        "facebook.locked",
    ),
    (
        "fb-blocked",
        "facebook",
        page(
            FB,
            "You\u2019re Temporarily Blocked\nIt looks like you were misusing this feature by "
            "going too fast. You\u2019ve been temporarily blocked from using it.",
        ),
        "rate_limited",
        "facebook.blocked",
    ),
    (
        "fb-blocked-id",
        "facebook",
        page(FB, "Anda Diblokir Sementara\nSepertinya Anda menyalahgunakan fitur ini."),
        "rate_limited",
        "facebook.blocked",
    ),
    (
        "fb-checkpoint",
        "facebook",
        page("https://www.facebook.com/checkpoint/1501092823525282/?next=x", "Security check"),
        "rate_limited",
        "facebook.checkpoint_url",
    ),
    (
        "fb-cookies-en",
        "facebook",
        page(
            FB,
            "Allow the use of cookies from Facebook on this browser?\nWe use cookies to help "
            "personalise content...\nDecline optional cookies\nAllow all cookies",
            selectors=['[data-cookiebanner="accept_button"]'],
        ),
        "consent_wall",
        "facebook.cookie_dialog",
    ),
    (
        "fb-cookies-id",
        "facebook",
        page(
            FB,
            "Izinkan penggunaan cookie dari Facebook di browser ini?\nTolak cookie opsional\n"
            "Izinkan semua cookie",
            selectors=['[data-testid="cookie-policy-manage-dialog"]'],
        ),
        "consent_wall",
        "facebook.cookie_dialog",
    ),
    # --- x
    (
        "x-login-flow",
        "x",
        page(
            "https://x.com/i/flow/login?redirect_after_login=%2Fbudi",
            "Sign in to X\nSign in with Google\nor\nPhone, email, or username\nNext",
            selectors=['input[autocomplete="username"]'],
        ),
        "login_wall",
        "x.login_url",
    ),
    (
        "x-login-modal-id",
        "x",
        page(
            XP,
            "Masuk ke X\nMasuk dengan Google\natau\nTelepon, email, atau nama pengguna\nBerikutnya",
            selectors=['input[autocomplete="username"]'],
        ),
        "login_wall",
        "x.login_modal",
    ),
    (
        "x-twitter-login",
        "x",
        page("https://twitter.com/login?lang=id", "Masuk ke Twitter"),
        "login_wall",
        "x.login_url",
    ),
    (
        "x-no-account-en",
        "x",
        page(XP, "@budi\nThis account doesn\u2019t exist\nTry searching for another."),
        "not_found",
        "x.no_account",
    ),
    (
        "x-no-account-id",
        "x",
        page(XP, "@budi\nAkun ini tidak ada\nCoba cari akun lain."),
        "not_found",
        "x.no_account",
    ),
    (
        "x-deleted-post",
        "x",
        page(
            "https://x.com/budi/status/1790000000000000000",
            "Hmm...this page doesn\u2019t exist. Try searching for something else.\nSearch",
        ),
        "not_found",
        "x.no_account",
    ),
    (
        "x-suspended",
        "x",
        page(XP, "Account suspended\nX suspends accounts which violate the X Rules. Learn more"),
        "not_found",
        "x.suspended",
    ),
    (
        "x-suspended-id",
        "x",
        page(XP, "Akun ditangguhkan\nX menangguhkan akun yang melanggar Peraturan X."),
        "not_found",
        "x.suspended",
    ),
    (
        "x-protected-en",
        "x",
        page(
            XP,
            "Budi S.\n@budi\n120 Following 300 Followers\nThese posts are protected\n"
            "Only approved followers can see @budi\u2019s posts. To request access, click Follow.",
        ),
        "private",
        "x.protected",
    ),
    (
        "x-protected-id",
        "x",
        page(XP, "Budi S.\n@budi\nPostingan ini dilindungi\nHanya pengikut yang disetujui."),
        "private",
        "x.protected",
    ),
    (
        "x-try-reloading",
        "x",
        page(XP, "Something went wrong. Try reloading.\nRetry"),
        "rate_limited",
        "x.try_reloading",
    ),
    (
        "x-try-reloading-id",
        "x",
        page(XP, "Ada yang salah. Coba muat ulang.\nCoba lagi"),
        "rate_limited",
        "x.try_reloading",
    ),
    (
        "x-rate-limit",
        "x",
        page(XP, "Rate limit exceeded"),
        "rate_limited",
        "x.rate_limit",
    ),
    # --- tiktok
    (
        "tt-login-redirect",
        "tiktok",
        page("https://www.tiktok.com/login?redirect_url=x", "Log in to TikTok\nUse QR code"),
        "login_wall",
        "tiktok.login_url",
    ),
    (
        "tt-login-modal-id",
        "tiktok",
        page(
            TT,
            "Masuk ke TikTok\nGunakan kode QR\nGunakan telepon/email/nama pengguna\n" + FEED,
            selectors=['[data-e2e="login-modal"]'],
        ),
        "login_wall",
        "tiktok.login_modal",
    ),
    (
        "tt-not-found-en",
        "tiktok",
        page(
            TT,
            "Couldn't find this account\nLooking for videos? Try browsing our trending "
            "creators, hashtags, and sounds.",
        ),
        "not_found",
        "tiktok.not_found",
    ),
    (
        "tt-not-found-id",
        "tiktok",
        page(TT, "Tidak dapat menemukan akun ini\nMencari video? Coba jelajahi kreator populer."),
        "not_found",
        "tiktok.not_found",
    ),
    (
        "tt-video-gone-id",
        "tiktok",
        page(
            "https://www.tiktok.com/@budi/video/7300000000000000000",
            "Video saat ini tidak tersedia",
        ),
        "not_found",
        "tiktok.not_found",
    ),
    (
        "tt-private-en",
        "tiktok",
        page(
            TT,
            "budi\nBudi S.\nFollow\nThis account is private\n"
            "Follow this account to see their contents and likes",
        ),
        "private",
        "tiktok.private",
    ),
    (
        "tt-private-id",
        "tiktok",
        page(
            TT,
            "budi\nBudi S.\nIkuti\nAkun ini privat\n"
            "Ikuti akun ini untuk melihat konten dan suka mereka",
        ),
        "private",
        "tiktok.private",
    ),
    (
        "tt-captcha",
        "tiktok",
        page(TT, FEED + "\nDrag the slider to fit the puzzle", selectors=["#captcha-verify-image"]),
        "captcha",
        "tiktok.captcha",
    ),
    (
        "tt-captcha-text-id",
        "tiktok",
        page(TT, "Verifikasi untuk melanjutkan\nGeser slider untuk menyesuaikan puzzle"),
        "captcha",
        "tiktok.captcha_text",
    ),
    (
        "tt-too-fast",
        "tiktok",
        page(TT, "You are visiting our service too frequently. Please try again later."),
        "rate_limited",
        "tiktok.too_fast",
    ),
    # --- youtube
    (
        "yt-consent-url",
        "youtube",
        page(
            "https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com%2F%40budi&gl=NL",
            "Before you continue to YouTube\nWe use cookies and data to deliver and maintain "
            "Google services\nReject all\nAccept all",
        ),
        "consent_wall",
        "youtube.consent_url",
    ),
    (
        "yt-consent-dialog-id",
        "youtube",
        page(
            YT,
            "Sebelum Anda melanjutkan ke YouTube\nKami menggunakan cookie dan data\nTolak semua",
            selectors=["ytd-consent-bump-v2-lightbox"],
        ),
        "consent_wall",
        "youtube.consent_dialog",
    ),
    (
        "yt-consent-text",
        "youtube",
        page(
            YT,
            "Before you continue to YouTube\nGoogle uses cookies and data to deliver and "
            "maintain services\nReject all\nAccept all",
        ),
        "consent_wall",
        "youtube.consent_text",
    ),
    (
        "google-consent",
        "youtube",
        page("https://consent.google.com/ml?continue=x", "Before you continue to Google"),
        "consent_wall",
        "web.google_consent",
    ),
    (
        "yt-channel-404",
        "youtube",
        page(
            "https://www.youtube.com/@budi-tidak-ada",
            "This page isn't available. Sorry about that.\nTry searching for something else.",
            status=404,
        ),
        "not_found",
        "youtube.unavailable",
    ),
    (
        "yt-channel-gone-id-200",
        "youtube",
        page(YT, "Halaman ini tidak tersedia. Mohon maaf.\nCoba telusuri yang lain."),
        "not_found",
        "youtube.unavailable",
    ),
    (
        "yt-terminated",
        "youtube",
        page(YT, "This account has been terminated for a violation of YouTube's Terms of Service."),
        "not_found",
        "youtube.unavailable",
    ),
    (
        "yt-video-removed",
        "youtube",
        page(YTV, "Video unavailable\nThis video has been removed by the uploader"),
        "not_found",
        "youtube.video_unavailable",
    ),
    (
        "yt-video-removed-id",
        "youtube",
        page(YTV, "Video tidak tersedia\nVideo ini telah dihapus oleh pengupload"),
        "not_found",
        "youtube.video_unavailable",
    ),
    (
        "yt-private-video",
        "youtube",
        page(YTV, "Private video\nSign in if you've been granted access to this video"),
        "private",
        "youtube.private_video",
    ),
    (
        "yt-private-video-id",
        "youtube",
        page(YTV, "Video pribadi\nLogin jika Anda telah diberi akses ke video ini"),
        "private",
        "youtube.private_video",
    ),
    (
        "yt-age-gate",
        "youtube",
        page(
            YTV,
            "Sign in to confirm your age\nThis video may be inappropriate for some users.\nSign in",
        ),
        "login_wall",
        "youtube.age_gate",
    ),
    (
        "yt-age-gate-id",
        "youtube",
        page(YTV, "Login untuk mengonfirmasi usia Anda\nVideo ini mungkin tidak pantas."),
        "login_wall",
        "youtube.age_gate",
    ),
    (
        "yt-google-signin",
        "youtube",
        page(
            "https://accounts.google.com/ServiceLogin?service=youtube",
            "Sign in\nto continue to YouTube",
        ),
        "login_wall",
        "youtube.login_url",
    ),
    (
        "yt-bot-check",
        "youtube",
        page(YTV, "Sign in to confirm you\u2019re not a bot\nThis helps protect our community."),
        "rate_limited",
        "youtube.bot_check",
    ),
    (
        "yt-bot-check-id",
        "youtube",
        page(
            YTV,
            "Login untuk mengonfirmasi bahwa Anda bukan bot\nIni membantu melindungi komunitas.",
        ),
        "rate_limited",
        "youtube.bot_check",
    ),
    (
        "google-sorry",
        "youtube",
        page(
            "https://www.google.com/sorry/index?continue=https://www.youtube.com/%40budi",
            "Our systems have detected unusual traffic from your computer network.",
            selectors=[".g-recaptcha"],
        ),
        "rate_limited",
        "web.google_sorry",
    ),
    # --- threads
    (
        "th-login-redirect",
        "threads",
        page("https://www.threads.net/login?next=%2F%40budi", "Log in with your Instagram account"),
        "login_wall",
        "threads.login_url",
    ),
    (
        "th-login-form-id",
        "threads",
        page(
            TH,
            "Masuk dengan akun Instagram Anda\nNama pengguna, nomor telepon, atau email\n"
            "Kata sandi",
            selectors=['input[autocomplete="current-password"]'],
        ),
        "login_wall",
        "threads.login_form",
    ),
    (
        "th-gone-en",
        "threads",
        page(
            TH,
            "Sorry, this page isn't available\nThe link you followed may be broken, "
            "or the page may have been removed.",
        ),
        "not_found",
        "threads.unavailable",
    ),
    (
        "th-gone-id",
        "threads",
        page(TH, "Maaf, halaman ini tidak tersedia\nTautan yang Anda ikuti mungkin rusak."),
        "not_found",
        "threads.unavailable",
    ),
    (
        "th-private-en",
        "threads",
        page(
            TH,
            "budi\nBudi S.\n120 followers\nThis profile is private\nFollow to see their threads.",
        ),
        "private",
        "threads.private",
    ),
    (
        "th-private-id",
        "threads",
        page(TH, "budi\nBudi S.\n120 pengikut\nProfil ini privat"),
        "private",
        "threads.private",
    ),
    (
        "th-wait-id",
        "threads",
        page(TH, "Harap tunggu beberapa menit sebelum mencoba lagi."),
        "rate_limited",
        "threads.wait",
    ),
    # --- generic web
    (
        "web-unusual-traffic-id",
        "web",
        page(
            "https://www.google.com/search?q=budi",
            "Sistem kami telah mendeteksi traffic yang tidak biasa dari jaringan komputer Anda.",
            status=429,
        ),
        "rate_limited",
        "web.unusual_traffic",
    ),
    (
        "web-429",
        "web",
        page("https://example.org/", "Too Many Requests", status=429),
        "rate_limited",
        "web.http_429",
    ),
    (
        "web-cf-503",
        "web",
        page(
            "https://example.org/",
            "Checking your browser before accessing example.org.\nThis process is automatic.",
            status=503,
            title="Just a moment...",
        ),
        "rate_limited",
        "web.challenge_page",
    ),
    (
        "web-cf-header",
        "web",
        page(
            "https://example.org/",
            "example.org\nVerify you are human by completing the action below.",
            status=403,
            headers={"CF-Mitigated": "challenge"},
        ),
        "rate_limited",
        "web.cf_mitigated",
    ),
    (
        "web-captcha",
        "web",
        page(
            "https://example.org/",
            "Please complete the security check to access example.org",
            selectors=['iframe[src*="captcha"]', ".g-recaptcha"],
        ),
        "captcha",
        "web.captcha_widget",
    ),
    (
        "web-captcha-id",
        "web",
        page("https://example.org/", "Saya bukan robot"),
        "captcha",
        "web.captcha_text",
    ),
    (
        "web-password",
        "web",
        page(
            "https://portal.example.org/",
            "Portal Pegawai\nNIP\nKata sandi\nMasuk",
            selectors=['input[type="password"]'],
        ),
        "login_wall",
        "web.password_form",
    ),
    (
        "web-401",
        "web",
        page("https://example.org/", "Unauthorized", status=401),
        "login_wall",
        "web.http_401",
    ),
    (
        "web-404",
        "web",
        page("https://example.org/x", "404 Not Found\nnginx", status=404),
        "not_found",
        "web.http_gone",
    ),
    (
        "web-410",
        "web",
        page("https://example.org/x", "Gone", status=410),
        "not_found",
        "web.http_gone",
    ),
    (
        "web-soft-404-id",
        "web",
        page(
            "http://127.0.0.1:8765/hilang.html",
            "SosmedDemo\nMaaf, halaman ini tidak tersedia.\nTautan yang Anda ikuti mungkin rusak.",
            title="Halaman tidak ditemukan • SosmedDemo",
        ),
        "not_found",
        "web.gone_page",
    ),
]


@pytest.mark.parametrize(
    ("platform", "evidence", "outcome", "marker"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_classify(platform: str, evidence: PageEvidence, outcome: str, marker: str) -> None:
    verdict = classify(platform, evidence)
    assert verdict.outcome == outcome, verdict
    assert marker in ids(verdict), verdict
    assert verdict.reason
    assert not verdict.ok


def test_cases_cover_every_marker_outcome_on_every_platform_that_has_it() -> None:
    covered = {(platform, outcome) for _, platform, _, outcome, _ in CASES}
    for name in SOCIAL:
        for outcome in ("login_wall", "not_found", "private", "rate_limited"):
            assert (name, outcome) in covered, (name, outcome)
    for outcome in ("rate_limited", "captcha", "login_wall", "not_found"):
        assert ("web", outcome) in covered
    assert ("facebook", "consent_wall") in covered
    assert ("youtube", "consent_wall") in covered


def test_every_marker_is_exercised_by_a_case() -> None:
    used = {marker for *_, marker in CASES}
    for platform in PLATFORMS.values():
        for marker in platform.markers:
            assert marker.id in used, marker.id


@pytest.mark.parametrize("platform", SOCIAL)
def test_generic_markers_apply_on_every_platform(platform: str) -> None:
    url = profile_url(platform, "budi")
    assert classify(platform, page(url, "", status=429, body=50)).outcome == "rate_limited"
    captcha = page(url, "Security check", selectors=['iframe[src*="captcha"]'])
    assert classify(platform, captcha).outcome == "captcha"
    assert classify(platform, page(url, "Not Found", status=404)).outcome == "not_found"


@pytest.mark.parametrize("platform", (*SOCIAL, "web"))
def test_plain_outcomes_on_every_platform(platform: str) -> None:
    url = "https://example.org/" if platform == "web" else profile_url(platform, "budi")
    ok = classify(platform, page(url, FEED))
    assert ok == Verdict("ok", "no blocking markers", ())
    assert ok.ok
    error = classify(platform, page(url, "Internal Server Error", status=500))
    assert (error.outcome, error.markers) == ("http_error", ("http.status: 500",))
    forbidden = classify(platform, page(url, "Forbidden", status=403))
    assert forbidden.outcome == "http_error"
    blank = classify(platform, page(url, "  \n ", body=120))
    assert blank.outcome == "empty"
    assert blank.markers == ("page.empty: 0 chars of text, body 120 bytes",)
    assert classify(platform, page(url, "Memuat…", body=300)).outcome == "empty"


# -- classification: false positives ------------------------------------------


def test_post_that_mentions_login_is_ok() -> None:
    caption = (
        "Bapak/Ibu guru, jangan lupa login ke aplikasi SIASN sebelum 30 November! "
        "Kalau lupa password, log in lewat menu 'Lupa kata sandi'. Cara login: buka "
        "siasn.bkn.go.id lalu klik Login. #asn #login"
    )
    post = page("https://www.instagram.com/p/Cx1abc/", FEED + "\n" + caption)
    assert classify("instagram", post).outcome == "ok"
    # Even quoting a platform's login sentence, without a login form, is a post.
    quoting = page(XP, FEED + "\nTips: kalau muncul tulisan 'Sign in to X', berarti sesi habis.")
    assert classify("x", quoting).outcome == "ok"


def test_logged_out_x_profile_with_login_bar_is_ok() -> None:
    evidence = page(
        XP,
        FEED
        + "\nDon\u2019t miss what\u2019s happening\nPeople on X are the first to know."
        + "\nLog in\nSign up",
        selectors=['[data-testid="login"]'],
    )
    assert classify("x", evidence).outcome == "ok"


def test_header_login_form_on_a_long_page_is_ok() -> None:
    evidence = page(FB, FEED, selectors=['input[name="pass"]', 'input[type="password"]'])
    assert classify("facebook", evidence).outcome == "ok"


def test_invisible_recaptcha_on_a_long_page_is_ok() -> None:
    evidence = page("https://example.org/", FEED, selectors=['iframe[src*="captcha"]'])
    assert classify("web", evidence).outcome == "ok"


def test_gone_phrase_inside_a_long_feed_is_not_not_found() -> None:
    text = FEED + "\nKemarin saya lihat tulisan 'Halaman ini tidak tersedia' di situs dinas."
    assert classify("instagram", page(IG, text)).outcome == "ok"
    channel = page(YT, FEED + "\nVideo unavailable\n" + FEED)
    assert classify("youtube", channel).outcome == "ok"


# -- precedence ---------------------------------------------------------------


def test_rate_limited_beats_login_wall() -> None:
    evidence = page(
        "https://www.instagram.com/accounts/login/",
        "Log in",
        status=429,
        selectors=['input[name="password"]'],
    )
    verdict = classify("instagram", evidence)
    assert verdict.outcome == "rate_limited"
    assert ids(verdict) == ["web.http_429"]


def test_rate_limited_beats_captcha() -> None:
    evidence = page(
        "https://example.org/",
        "Just a moment...",
        status=503,
        selectors=['iframe[src*="captcha"]'],
    )
    assert classify("web", evidence).outcome == "rate_limited"


def test_captcha_beats_login_wall() -> None:
    evidence = page(
        "https://www.tiktok.com/login",
        "Log in to TikTok",
        selectors=["#captcha-verify-image", 'input[type="password"]'],
    )
    assert classify("tiktok", evidence).outcome == "captcha"


def test_login_wall_beats_not_found() -> None:
    evidence = page(
        "https://www.instagram.com/accounts/login/",
        "Sorry, this page isn't available.",
        status=404,
    )
    assert classify("instagram", evidence).outcome == "login_wall"


def test_not_found_beats_private() -> None:
    evidence = page(TT, "Couldn't find this account\nThis account is private")
    assert classify("tiktok", evidence).outcome == "not_found"


def test_private_beats_consent_wall() -> None:
    evidence = page(YTV, "Private video", selectors=["ytd-consent-bump-v2-lightbox"])
    assert classify("youtube", evidence).outcome == "private"


def test_consent_wall_beats_http_error() -> None:
    evidence = page("https://consent.youtube.com/m?continue=x", "Before you continue", status=500)
    assert classify("youtube", evidence).outcome == "consent_wall"


def test_explained_4xx_is_not_http_error() -> None:
    evidence = page(
        "https://example.org/", "Checking your browser", status=403, title="Just a moment..."
    )
    assert classify("web", evidence).outcome == "rate_limited"


def test_http_error_beats_empty_and_empty_beats_expectations() -> None:
    assert (
        classify("web", page("https://example.org/", "", status=502, body=0)).outcome
        == "http_error"
    )
    verdict = classify(
        "web", page("https://example.org/", "", body=10), expect_text="Budi", wait_for_found=False
    )
    assert verdict.outcome == "empty"


def test_outcomes_constant_is_the_documented_precedence() -> None:
    assert OUTCOMES == (
        "rate_limited",
        "captcha",
        "login_wall",
        "not_found",
        "private",
        "consent_wall",
        "http_error",
        "empty",
        "expectation_failed",
        "ok",
    )
    for outcome in OUTCOMES[:6]:
        assert f"``{outcome}``" in (P.__doc__ or "")


def test_all_matching_markers_of_the_winner_are_listed_in_table_order() -> None:
    evidence = page(
        "https://www.instagram.com/accounts/login/?next=/budi.s/",
        "Don't have an account? Sign up",
        selectors=["form#loginForm", 'input[name="password"]'],
    )
    verdict = classify("instagram", evidence)
    assert ids(verdict) == ["instagram.login_url", "instagram.login_form", "web.password_form"]
    assert verdict.markers[1] == (
        'instagram.login_form: selector form#loginForm, input[name="password"] '
        '+ text "Don\'t have an account? Sign up"'
    )
    assert classify("instagram", evidence) == verdict  # deterministic


def test_redirect_to_another_platform_uses_that_platforms_markers() -> None:
    evidence = page("https://www.instagram.com/accounts/login/?next=x", "Log in")
    verdict = classify("web", evidence)
    assert verdict.outcome == "login_wall"
    assert ids(verdict) == ["instagram.login_url"]


def test_markers_do_not_fire_on_lookalike_hosts() -> None:
    evidence = page("https://notinstagram.com/accounts/login/", FEED)
    assert classify("instagram", evidence).outcome == "ok"


def test_classify_rejects_unknown_platform() -> None:
    with pytest.raises(UnknownPlatformError):
        classify("myspace", page("https://example.org/", FEED))


def test_classify_accepts_alias() -> None:
    assert classify("twitter", page("https://x.com/i/flow/login", "")).outcome == "login_wall"


# -- expectations ---------------------------------------------------------------


def test_expect_text_present_is_ok_and_recorded() -> None:
    verdict = classify("instagram", page(IG, FEED + "\nBudi  S.\nGuru"), expect_text="budi s.")
    assert verdict.outcome == "ok"
    assert verdict.markers == ('expect_text: "budi s." present',)


def test_expect_text_absent() -> None:
    verdict = classify("instagram", page(IG, FEED), expect_text="Budi Santoso")
    assert verdict.outcome == "expectation_failed"
    assert verdict.reason == 'expect_text: "Budi Santoso" absent'


def test_wait_for_not_found() -> None:
    verdict = classify("instagram", page(IG, FEED), wait_for_found=False)
    assert verdict.outcome == "expectation_failed"
    assert "wait_for" in verdict.reason
    assert "expect_text" not in verdict.reason


def test_wait_for_found_is_recorded() -> None:
    verdict = classify("instagram", page(IG, FEED), wait_for_found=True)
    assert verdict == Verdict("ok", "no blocking markers", ("wait_for: selector appeared",))


def test_both_expectations_failing_are_both_named() -> None:
    verdict = classify("x", page(XP, FEED), expect_text="Budi", wait_for_found=False)
    assert verdict.outcome == "expectation_failed"
    assert verdict.markers == ('expect_text: "Budi" absent', "wait_for: selector never appeared")


def test_expectations_do_not_override_a_wall() -> None:
    evidence = page("https://x.com/i/flow/login", "Sign in to X")
    assert classify("x", evidence, expect_text="Budi", wait_for_found=False).outcome == "login_wall"


# -- selectors ----------------------------------------------------------------


def test_marker_selectors_lists_every_selector() -> None:
    selectors = marker_selectors()
    for platform in PLATFORMS.values():
        for marker in platform.markers:
            assert set(marker.selectors) <= selectors
    for expected in (
        'input[name="password"]',
        "form#login_form",
        'iframe[src*="captcha"]',
        "#captcha",
        ".g-recaptcha",
        '[data-testid="login"]',
    ):
        assert expected in selectors


def test_marker_ids_are_unique_and_outcomes_known() -> None:
    seen: set[str] = set()
    for platform in PLATFORMS.values():
        for marker in platform.markers:
            assert marker.id not in seen
            seen.add(marker.id)
            assert marker.outcome in OUTCOMES[:6]
            assert marker.id.split(".")[0] == platform.name
            # Text-only login walls would misfire on posts about logging in.
            if marker.outcome == "login_wall" and marker.phrases:
                assert marker.url or marker.selectors or marker.id == "youtube.age_gate"


def test_marker_with_bad_outcome_is_refused() -> None:
    with pytest.raises(P.PlatformError):
        P.Marker(id="x.bad", outcome="ok", why="no")


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


def test_soft_404_phrase_on_a_long_page_is_content() -> None:
    text = FEED + "\nDulu situs dinas menampilkan 'Page not found' untuk arsip lama."
    assert classify("web", page("https://example.org/berita", text)).outcome == "ok"


def test_photo_only_page_is_not_empty() -> None:
    photo = dataclasses.replace(page("https://example.org/foto", "", body=300), visible_media=1)
    assert classify("web", photo).outcome == "ok"
    assert classify("web", page("https://example.org/foto", "", body=300)).outcome == "empty"


def test_session_probes_are_logged_in_only_pages_of_their_platform() -> None:
    for name, probe in P.SESSION_PROBES.items():
        assert detect_platform(probe.url) == name, name
        assert probe.cookies and probe.cookie_domain in probe.url


def test_consent_knowledge_is_nonempty_and_unique() -> None:
    assert len(set(P.CONSENT_LABELS)) == len(P.CONSENT_LABELS)
    assert {"Terima semua", "Setuju", "Accept all", "Allow all cookies"} <= set(P.CONSENT_LABELS)
    assert '[data-cookiebanner="accept_button"]' in P.CONSENT_SELECTORS
