"""collector.sites.classify: the browser's observations -> an outcome with its evidence;
per-platform cases, false positives, precedence, expectations."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from collector.models import CaptureJob, CaptureOptions, MainResponse, Outcome, PageCapture
from collector.sites import classify as C
from collector.sites.classify import (
    PRECEDENCE,
    PageEvidence,
    Verdict,
    classify,
    classify_page,
    job_platform,
    marker_selectors,
)
from collector.sites.markers import MARKERS
from collector.sites.platforms import UnknownPlatformError, profile_url


def page(
    url: str,
    text: str,
    *,
    status: int = 200,
    ctype: str = "text/html; charset=utf-8",
    outcome: Outcome = Outcome.OK,
    facts: dict[str, Any] | None = None,
    settle: dict[str, Any] | None = None,
    final_url: str | None = None,
) -> PageCapture:
    response = MainResponse(
        url=url,
        status=status,
        status_text="",
        headers=(("Content-Type", ctype),),
        server_ip=None,
        server_port=None,
        tls=None,
        body=b"",
        body_error=None,
    )
    return PageCapture(
        requested_url=url,
        started_at="2026-11-25T01:00:00.000Z",
        finished_at="2026-11-25T01:00:01.000Z",
        outcome=outcome,
        reason="" if outcome is Outcome.OK else "HTTP error",
        final_url=final_url or url,
        redirects=(),
        response=response,
        title="",
        user_agent=None,
        screenshot=None,
        screenshot_info={},
        dom=None,
        mhtml=None,
        text=text,
        settle=settle or {},
        dialogs=(),
        errors=(),
        page_facts={"present_selectors": [], "body_html_length": 300, **(facts or {})},
    )


LONG = "Kegiatan dinas hari ini berjalan lancar bersama warga. " * 30


def test_login_redirect_is_a_login_wall_with_its_marker() -> None:
    job = CaptureJob("https://www.instagram.com/budi/")
    judged = classify_page(
        job, page(job.url, "Log in", final_url="https://www.instagram.com/accounts/login/")
    )
    assert judged.outcome is Outcome.LOGIN_WALL
    assert judged.classification is not None
    assert judged.classification["platform"] == "instagram"
    assert judged.classification["markers"][0].startswith("instagram.login_url")
    assert judged.reason.endswith(
        "[instagram.login_url: url https://www.instagram.com/accounts/login]"
    )


def test_the_entry_platform_comes_first() -> None:
    job = CaptureJob("https://example.org/x", entry={"platform": "tiktok"})
    assert job_platform(job) == "tiktok"
    assert job_platform(CaptureJob("https://x.com/budi")) == "x"
    assert job_platform(CaptureJob("https://x.com/budi", platform="twitter")) == "x"


def test_http_errors_keep_the_browsers_reason_and_404_is_not_found() -> None:
    job = CaptureJob("https://example.org/x")
    error = classify_page(job, page(job.url, LONG, status=503, outcome=Outcome.HTTP_ERROR))
    assert error.outcome is Outcome.HTTP_ERROR and error.reason == "HTTP error"
    gone = classify_page(job, page(job.url, LONG, status=404, outcome=Outcome.HTTP_ERROR))
    assert gone.outcome is Outcome.NOT_FOUND


def test_pages_that_did_not_load_are_left_alone() -> None:
    job = CaptureJob("https://example.org/x")
    timeout = page(job.url, "", outcome=Outcome.TIMEOUT)
    assert classify_page(job, timeout) is timeout


def test_a_page_of_pictures_is_not_empty_but_a_bare_page_is() -> None:
    job = CaptureJob("https://example.org/galeri")
    pictures = classify_page(job, page(job.url, "Galeri", facts={"visible_media": 3}))
    assert pictures.outcome is Outcome.OK and pictures.reason == ""
    bare = classify_page(job, page(job.url, "Memuat…"))
    assert bare.outcome is Outcome.EMPTY
    assert bare.reason == "page is empty (7 chars of text, body 300 bytes)"


def test_expectations_make_success_explicit() -> None:
    options = CaptureOptions(expect_text="Budi Santoso", wait_for="article")
    job = CaptureJob("https://example.org/x", options)
    settled = {"wait_for": {"selector": "article", "found": False}}
    judged = classify_page(job, page(job.url, LONG, settle=settled))
    assert judged.outcome is Outcome.EXPECTATION_FAILED
    assert judged.reason == 'expect_text: "Budi Santoso" absent; wait_for: selector never appeared'
    ok = classify_page(
        job,
        page(
            job.url,
            LONG + " Budi Santoso",
            settle={"wait_for": {"selector": "article", "found": True}},
        ),
    )
    assert ok.outcome is Outcome.OK
    assert ok.classification is not None and len(ok.classification["markers"]) == 2


# -- classify(): one page's evidence -> a verdict ------------------------------

SOCIAL = ("instagram", "facebook", "x", "tiktok", "youtube", "threads")

# A realistic amount of profile text, so "short page" guards do not fire.
FEED = " ".join(
    f"Kegiatan hari ke-{i}: rapat koordinasi, kunjungan sekolah, dan senam pagi bersama warga."
    for i in range(80)
)


def evidence_of(
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
        evidence_of(
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
        evidence_of(
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
        evidence_of(
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
        evidence_of(
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
        evidence_of(IG, "Halaman ini tidak tersedia\n" + IG_FOOTER),
        "not_found",
        "instagram.unavailable",
    ),
    (
        "ig-private-en",
        "instagram",
        evidence_of(
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
        evidence_of(
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
        evidence_of(IG, "Please wait a few minutes before you try again.\n" + IG_FOOTER),
        "rate_limited",
        "instagram.wait",
    ),
    (
        "ig-wait-id",
        "instagram",
        evidence_of(IG, "Harap tunggu beberapa menit sebelum mencoba lagi.\n" + IG_FOOTER),
        "rate_limited",
        "instagram.wait",
    ),
    (
        "ig-challenge",
        "instagram",
        evidence_of(
            "https://www.instagram.com/challenge/?next=/budi.s/", "Help us confirm it's you"
        ),
        "rate_limited",
        "instagram.challenge_url",
    ),
    (
        "ig-429",
        "instagram",
        evidence_of(IG, "", status=429, body=100),
        "rate_limited",
        "web.http_429",
    ),
    # --- facebook
    (
        "fb-login-redirect",
        "facebook",
        evidence_of(
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
        evidence_of("https://m.facebook.com/login.php?next=x", "Masuk ke Facebook"),
        "login_wall",
        "facebook.login_url",
    ),
    (
        "fb-login-form-id",
        "facebook",
        evidence_of(
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
        evidence_of(
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
        evidence_of(
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
        evidence_of(FB, "Halaman ini tidak tersedia\nTautan yang Anda ikuti mungkin rusak"),
        "not_found",
        "facebook.unavailable",
    ),
    (
        "fb-locked-en",
        "facebook",
        evidence_of(
            FB, "Budi Santoso\nBudi locked his profile\nOnly his friends can see what he shares."
        ),
        "private",
        "facebook.locked",
    ),
    (
        "fb-locked-id",
        "facebook",
        evidence_of(FB, "Budi Santoso\nBudi mengunci profilnya\nHanya teman yang dapat melihat."),
        "private",
        "facebook.locked",
    ),
    (
        "fb-blocked",
        "facebook",
        evidence_of(
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
        evidence_of(FB, "Anda Diblokir Sementara\nSepertinya Anda menyalahgunakan fitur ini."),
        "rate_limited",
        "facebook.blocked",
    ),
    (
        "fb-checkpoint",
        "facebook",
        evidence_of(
            "https://www.facebook.com/checkpoint/1501092823525282/?next=x", "Security check"
        ),
        "rate_limited",
        "facebook.checkpoint_url",
    ),
    (
        "fb-cookies-en",
        "facebook",
        evidence_of(
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
        evidence_of(
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
        evidence_of(
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
        evidence_of(
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
        evidence_of("https://twitter.com/login?lang=id", "Masuk ke Twitter"),
        "login_wall",
        "x.login_url",
    ),
    (
        "x-no-account-en",
        "x",
        evidence_of(XP, "@budi\nThis account doesn\u2019t exist\nTry searching for another."),
        "not_found",
        "x.no_account",
    ),
    (
        "x-no-account-id",
        "x",
        evidence_of(XP, "@budi\nAkun ini tidak ada\nCoba cari akun lain."),
        "not_found",
        "x.no_account",
    ),
    (
        "x-deleted-post",
        "x",
        evidence_of(
            "https://x.com/budi/status/1790000000000000000",
            "Hmm...this page doesn\u2019t exist. Try searching for something else.\nSearch",
        ),
        "not_found",
        "x.no_account",
    ),
    (
        "x-suspended",
        "x",
        evidence_of(
            XP, "Account suspended\nX suspends accounts which violate the X Rules. Learn more"
        ),
        "not_found",
        "x.suspended",
    ),
    (
        "x-suspended-id",
        "x",
        evidence_of(XP, "Akun ditangguhkan\nX menangguhkan akun yang melanggar Peraturan X."),
        "not_found",
        "x.suspended",
    ),
    (
        "x-protected-en",
        "x",
        evidence_of(
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
        evidence_of(XP, "Budi S.\n@budi\nPostingan ini dilindungi\nHanya pengikut yang disetujui."),
        "private",
        "x.protected",
    ),
    (
        "x-try-reloading",
        "x",
        evidence_of(XP, "Something went wrong. Try reloading.\nRetry"),
        "rate_limited",
        "x.try_reloading",
    ),
    (
        "x-try-reloading-id",
        "x",
        evidence_of(XP, "Ada yang salah. Coba muat ulang.\nCoba lagi"),
        "rate_limited",
        "x.try_reloading",
    ),
    (
        "x-rate-limit",
        "x",
        evidence_of(XP, "Rate limit exceeded"),
        "rate_limited",
        "x.rate_limit",
    ),
    # --- tiktok
    (
        "tt-login-redirect",
        "tiktok",
        evidence_of("https://www.tiktok.com/login?redirect_url=x", "Log in to TikTok\nUse QR code"),
        "login_wall",
        "tiktok.login_url",
    ),
    (
        "tt-login-modal-id",
        "tiktok",
        evidence_of(
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
        evidence_of(
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
        evidence_of(
            TT, "Tidak dapat menemukan akun ini\nMencari video? Coba jelajahi kreator populer."
        ),
        "not_found",
        "tiktok.not_found",
    ),
    (
        "tt-video-gone-id",
        "tiktok",
        evidence_of(
            "https://www.tiktok.com/@budi/video/7300000000000000000",
            "Video saat ini tidak tersedia",
        ),
        "not_found",
        "tiktok.not_found",
    ),
    (
        "tt-private-en",
        "tiktok",
        evidence_of(
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
        evidence_of(
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
        evidence_of(
            TT, FEED + "\nDrag the slider to fit the puzzle", selectors=["#captcha-verify-image"]
        ),
        "captcha",
        "tiktok.captcha",
    ),
    (
        "tt-captcha-text-id",
        "tiktok",
        evidence_of(TT, "Verifikasi untuk melanjutkan\nGeser slider untuk menyesuaikan puzzle"),
        "captcha",
        "tiktok.captcha_text",
    ),
    (
        "tt-too-fast",
        "tiktok",
        evidence_of(TT, "You are visiting our service too frequently. Please try again later."),
        "rate_limited",
        "tiktok.too_fast",
    ),
    # --- youtube
    (
        "yt-consent-url",
        "youtube",
        evidence_of(
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
        evidence_of(
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
        evidence_of(
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
        evidence_of("https://consent.google.com/ml?continue=x", "Before you continue to Google"),
        "consent_wall",
        "web.google_consent",
    ),
    (
        "yt-channel-404",
        "youtube",
        evidence_of(
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
        evidence_of(YT, "Halaman ini tidak tersedia. Mohon maaf.\nCoba telusuri yang lain."),
        "not_found",
        "youtube.unavailable",
    ),
    (
        "yt-terminated",
        "youtube",
        evidence_of(
            YT, "This account has been terminated for a violation of YouTube's Terms of Service."
        ),
        "not_found",
        "youtube.unavailable",
    ),
    (
        "yt-video-removed",
        "youtube",
        evidence_of(YTV, "Video unavailable\nThis video has been removed by the uploader"),
        "not_found",
        "youtube.video_unavailable",
    ),
    (
        "yt-video-removed-id",
        "youtube",
        evidence_of(YTV, "Video tidak tersedia\nVideo ini telah dihapus oleh pengupload"),
        "not_found",
        "youtube.video_unavailable",
    ),
    (
        "yt-private-video",
        "youtube",
        evidence_of(YTV, "Private video\nSign in if you've been granted access to this video"),
        "private",
        "youtube.private_video",
    ),
    (
        "yt-private-video-id",
        "youtube",
        evidence_of(YTV, "Video pribadi\nLogin jika Anda telah diberi akses ke video ini"),
        "private",
        "youtube.private_video",
    ),
    (
        "yt-age-gate",
        "youtube",
        evidence_of(
            YTV,
            "Sign in to confirm your age\nThis video may be inappropriate for some users.\nSign in",
        ),
        "login_wall",
        "youtube.age_gate",
    ),
    (
        "yt-age-gate-id",
        "youtube",
        evidence_of(YTV, "Login untuk mengonfirmasi usia Anda\nVideo ini mungkin tidak pantas."),
        "login_wall",
        "youtube.age_gate",
    ),
    (
        "yt-google-signin",
        "youtube",
        evidence_of(
            "https://accounts.google.com/ServiceLogin?service=youtube",
            "Sign in\nto continue to YouTube",
        ),
        "login_wall",
        "youtube.login_url",
    ),
    (
        "yt-bot-check",
        "youtube",
        evidence_of(
            YTV, "Sign in to confirm you\u2019re not a bot\nThis helps protect our community."
        ),
        "rate_limited",
        "youtube.bot_check",
    ),
    (
        "yt-bot-check-id",
        "youtube",
        evidence_of(
            YTV,
            "Login untuk mengonfirmasi bahwa Anda bukan bot\nIni membantu melindungi komunitas.",
        ),
        "rate_limited",
        "youtube.bot_check",
    ),
    (
        "google-sorry",
        "youtube",
        evidence_of(
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
        evidence_of(
            "https://www.threads.net/login?next=%2F%40budi", "Log in with your Instagram account"
        ),
        "login_wall",
        "threads.login_url",
    ),
    (
        "th-login-form-id",
        "threads",
        evidence_of(
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
        evidence_of(
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
        evidence_of(TH, "Maaf, halaman ini tidak tersedia\nTautan yang Anda ikuti mungkin rusak."),
        "not_found",
        "threads.unavailable",
    ),
    (
        "th-private-en",
        "threads",
        evidence_of(
            TH,
            "budi\nBudi S.\n120 followers\nThis profile is private\nFollow to see their threads.",
        ),
        "private",
        "threads.private",
    ),
    (
        "th-private-id",
        "threads",
        evidence_of(TH, "budi\nBudi S.\n120 pengikut\nProfil ini privat"),
        "private",
        "threads.private",
    ),
    (
        "th-wait-id",
        "threads",
        evidence_of(TH, "Harap tunggu beberapa menit sebelum mencoba lagi."),
        "rate_limited",
        "threads.wait",
    ),
    # --- generic web
    (
        "web-unusual-traffic-id",
        "web",
        evidence_of(
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
        evidence_of("https://example.org/", "Too Many Requests", status=429),
        "rate_limited",
        "web.http_429",
    ),
    (
        "web-cf-503",
        "web",
        evidence_of(
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
        evidence_of(
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
        evidence_of(
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
        evidence_of("https://example.org/", "Saya bukan robot"),
        "captcha",
        "web.captcha_text",
    ),
    (
        "web-password",
        "web",
        evidence_of(
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
        evidence_of("https://example.org/", "Unauthorized", status=401),
        "login_wall",
        "web.http_401",
    ),
    (
        "web-404",
        "web",
        evidence_of("https://example.org/x", "404 Not Found\nnginx", status=404),
        "not_found",
        "web.http_gone",
    ),
    (
        "web-410",
        "web",
        evidence_of("https://example.org/x", "Gone", status=410),
        "not_found",
        "web.http_gone",
    ),
    (
        "web-soft-404-id",
        "web",
        evidence_of(
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
    for markers in MARKERS.values():
        for marker in markers:
            assert marker.id in used, marker.id


@pytest.mark.parametrize("platform", SOCIAL)
def test_generic_markers_apply_on_every_platform(platform: str) -> None:
    url = profile_url(platform, "budi")
    assert classify(platform, evidence_of(url, "", status=429, body=50)).outcome == "rate_limited"
    captcha = evidence_of(url, "Security check", selectors=['iframe[src*="captcha"]'])
    assert classify(platform, captcha).outcome == "captcha"
    assert classify(platform, evidence_of(url, "Not Found", status=404)).outcome == "not_found"


@pytest.mark.parametrize("platform", (*SOCIAL, "web"))
def test_plain_outcomes_on_every_platform(platform: str) -> None:
    url = "https://example.org/" if platform == "web" else profile_url(platform, "budi")
    ok = classify(platform, evidence_of(url, FEED))
    assert ok == Verdict("ok", "no blocking markers", ())
    assert ok.ok
    error = classify(platform, evidence_of(url, "Internal Server Error", status=500))
    assert (error.outcome, error.markers) == ("http_error", ("http.status: 500",))
    forbidden = classify(platform, evidence_of(url, "Forbidden", status=403))
    assert forbidden.outcome == "http_error"
    blank = classify(platform, evidence_of(url, "  \n ", body=120))
    assert blank.outcome == "empty"
    assert blank.markers == ("page.empty: 0 chars of text, body 120 bytes",)
    assert classify(platform, evidence_of(url, "Memuat…", body=300)).outcome == "empty"


# -- classification: false positives ------------------------------------------


def test_post_that_mentions_login_is_ok() -> None:
    caption = (
        "Bapak/Ibu guru, jangan lupa login ke aplikasi SIASN sebelum 30 November! "
        "Kalau lupa password, log in lewat menu 'Lupa kata sandi'. Cara login: buka "
        "siasn.bkn.go.id lalu klik Login. #asn #login"
    )
    post = evidence_of("https://www.instagram.com/p/Cx1abc/", FEED + "\n" + caption)
    assert classify("instagram", post).outcome == "ok"
    # Even quoting a platform's login sentence, without a login form, is a post.
    quoting = evidence_of(
        XP, FEED + "\nTips: kalau muncul tulisan 'Sign in to X', berarti sesi habis."
    )
    assert classify("x", quoting).outcome == "ok"


def test_logged_out_x_profile_with_login_bar_is_ok() -> None:
    evidence = evidence_of(
        XP,
        FEED
        + "\nDon\u2019t miss what\u2019s happening\nPeople on X are the first to know."
        + "\nLog in\nSign up",
        selectors=['[data-testid="login"]'],
    )
    assert classify("x", evidence).outcome == "ok"


def test_header_login_form_on_a_long_page_is_ok() -> None:
    evidence = evidence_of(FB, FEED, selectors=['input[name="pass"]', 'input[type="password"]'])
    assert classify("facebook", evidence).outcome == "ok"


def test_invisible_recaptcha_on_a_long_page_is_ok() -> None:
    evidence = evidence_of("https://example.org/", FEED, selectors=['iframe[src*="captcha"]'])
    assert classify("web", evidence).outcome == "ok"


def test_gone_phrase_inside_a_long_feed_is_not_not_found() -> None:
    text = FEED + "\nKemarin saya lihat tulisan 'Halaman ini tidak tersedia' di situs dinas."
    assert classify("instagram", evidence_of(IG, text)).outcome == "ok"
    channel = evidence_of(YT, FEED + "\nVideo unavailable\n" + FEED)
    assert classify("youtube", channel).outcome == "ok"


# -- precedence ---------------------------------------------------------------


def test_rate_limited_beats_login_wall() -> None:
    evidence = evidence_of(
        "https://www.instagram.com/accounts/login/",
        "Log in",
        status=429,
        selectors=['input[name="password"]'],
    )
    verdict = classify("instagram", evidence)
    assert verdict.outcome == "rate_limited"
    assert ids(verdict) == ["web.http_429"]


def test_rate_limited_beats_captcha() -> None:
    evidence = evidence_of(
        "https://example.org/",
        "Just a moment...",
        status=503,
        selectors=['iframe[src*="captcha"]'],
    )
    assert classify("web", evidence).outcome == "rate_limited"


def test_captcha_beats_login_wall() -> None:
    evidence = evidence_of(
        "https://www.tiktok.com/login",
        "Log in to TikTok",
        selectors=["#captcha-verify-image", 'input[type="password"]'],
    )
    assert classify("tiktok", evidence).outcome == "captcha"


def test_login_wall_beats_not_found() -> None:
    evidence = evidence_of(
        "https://www.instagram.com/accounts/login/",
        "Sorry, this page isn't available.",
        status=404,
    )
    assert classify("instagram", evidence).outcome == "login_wall"


def test_not_found_beats_private() -> None:
    evidence = evidence_of(TT, "Couldn't find this account\nThis account is private")
    assert classify("tiktok", evidence).outcome == "not_found"


def test_private_beats_consent_wall() -> None:
    evidence = evidence_of(YTV, "Private video", selectors=["ytd-consent-bump-v2-lightbox"])
    assert classify("youtube", evidence).outcome == "private"


def test_consent_wall_beats_http_error() -> None:
    evidence = evidence_of(
        "https://consent.youtube.com/m?continue=x", "Before you continue", status=500
    )
    assert classify("youtube", evidence).outcome == "consent_wall"


def test_explained_4xx_is_not_http_error() -> None:
    evidence = evidence_of(
        "https://example.org/", "Checking your browser", status=403, title="Just a moment..."
    )
    assert classify("web", evidence).outcome == "rate_limited"


def test_http_error_beats_empty_and_empty_beats_expectations() -> None:
    assert (
        classify("web", evidence_of("https://example.org/", "", status=502, body=0)).outcome
        == "http_error"
    )
    verdict = classify(
        "web",
        evidence_of("https://example.org/", "", body=10),
        expect_text="Budi",
        wait_for_found=False,
    )
    assert verdict.outcome == "empty"


def test_precedence_is_the_documented_one() -> None:
    assert PRECEDENCE == (
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
    assert all(isinstance(outcome, Outcome) for outcome in PRECEDENCE)
    for outcome in PRECEDENCE:
        assert f"``{outcome}``" in (C.__doc__ or "")


def test_all_matching_markers_of_the_winner_are_listed_in_table_order() -> None:
    evidence = evidence_of(
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
    evidence = evidence_of("https://www.instagram.com/accounts/login/?next=x", "Log in")
    verdict = classify("web", evidence)
    assert verdict.outcome == "login_wall"
    assert ids(verdict) == ["instagram.login_url"]


def test_markers_do_not_fire_on_lookalike_hosts() -> None:
    evidence = evidence_of("https://notinstagram.com/accounts/login/", FEED)
    assert classify("instagram", evidence).outcome == "ok"


def test_classify_rejects_unknown_platform() -> None:
    with pytest.raises(UnknownPlatformError):
        classify("myspace", evidence_of("https://example.org/", FEED))


def test_classify_accepts_alias() -> None:
    assert (
        classify("twitter", evidence_of("https://x.com/i/flow/login", "")).outcome == "login_wall"
    )


# -- expectations ---------------------------------------------------------------


def test_expect_text_present_is_ok_and_recorded() -> None:
    verdict = classify(
        "instagram", evidence_of(IG, FEED + "\nBudi  S.\nGuru"), expect_text="budi s."
    )
    assert verdict.outcome == "ok"
    assert verdict.markers == ('expect_text: "budi s." present',)


def test_expect_text_absent() -> None:
    verdict = classify("instagram", evidence_of(IG, FEED), expect_text="Budi Santoso")
    assert verdict.outcome == "expectation_failed"
    assert verdict.reason == 'expect_text: "Budi Santoso" absent'


def test_wait_for_not_found() -> None:
    verdict = classify("instagram", evidence_of(IG, FEED), wait_for_found=False)
    assert verdict.outcome == "expectation_failed"
    assert "wait_for" in verdict.reason
    assert "expect_text" not in verdict.reason


def test_wait_for_found_is_recorded() -> None:
    verdict = classify("instagram", evidence_of(IG, FEED), wait_for_found=True)
    assert verdict == Verdict("ok", "no blocking markers", ("wait_for: selector appeared",))


def test_both_expectations_failing_are_both_named() -> None:
    verdict = classify("x", evidence_of(XP, FEED), expect_text="Budi", wait_for_found=False)
    assert verdict.outcome == "expectation_failed"
    assert verdict.markers == ('expect_text: "Budi" absent', "wait_for: selector never appeared")


def test_expectations_do_not_override_a_wall() -> None:
    evidence = evidence_of("https://x.com/i/flow/login", "Sign in to X")
    assert classify("x", evidence, expect_text="Budi", wait_for_found=False).outcome == "login_wall"


# -- selectors ----------------------------------------------------------------


def test_marker_selectors_lists_every_selector() -> None:
    selectors = marker_selectors()
    for markers in MARKERS.values():
        for marker in markers:
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


def test_soft_404_phrase_on_a_long_page_is_content() -> None:
    text = FEED + "\nDulu situs dinas menampilkan 'Page not found' untuk arsip lama."
    assert classify("web", evidence_of("https://example.org/berita", text)).outcome == "ok"


def test_photo_only_page_is_not_empty() -> None:
    photo = dataclasses.replace(
        evidence_of("https://example.org/foto", "", body=300), visible_media=1
    )
    assert classify("web", photo).outcome == "ok"
    assert classify("web", evidence_of("https://example.org/foto", "", body=300)).outcome == "empty"
