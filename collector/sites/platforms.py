"""Everything the collector knows about particular sites, in one place.

Platforms: ``instagram``, ``facebook``, ``x`` (alias ``twitter``), ``tiktok``,
``youtube``, ``threads`` and the generic ``web``. For each: the hosts it is
served from, how a handle becomes a canonical profile URL, which links on a
rendered profile are posts, and the *markers* that tell a real page from a
login wall, an error page or a challenge. When a site changes its UI, the edit
belongs in the tables below, not in the browser code.

Canonical URLs
--------------
``profile_url`` lower-cases handles (every platform here resolves them
case-insensitively, and one spelling keeps duplicate detection honest), except
YouTube channel ids (``UC`` + 22 characters), which are case-sensitive::

    instagram  https://www.instagram.com/budi.s/
    facebook   https://www.facebook.com/budi   (numeric id: /profile.php?id=N)
    x          https://x.com/budi
    tiktok     https://www.tiktok.com/@budi
    youtube    https://www.youtube.com/@budi   (channel id: /channel/UC...)
    threads    https://www.threads.net/@budi

Page-state classification
-------------------------
After a page is rendered the browser collects a ``PageEvidence`` (HTTP status,
final URL, title, visible text, which of ``marker_selectors()`` are present,
body size, response headers) and ``classify`` turns it into a ``Verdict``.

A ``Marker`` is a named rule. Every condition it sets must hold; within one
condition any listed alternative suffices:

* ``statuses``  the HTTP status is one of these;
* ``header``    a response header has this value (case-insensitive);
* ``url``       a regular expression found in the final URL (case-insensitive);
* ``selectors`` at least one of these CSS selectors is present;
* ``phrases``   at least one phrase occurs in the title or visible text;
* ``max_text``  the visible text is at most this many characters.

Phrases are compared after Unicode NFKC, case folding, straight apostrophes and
collapsed whitespace, so a curly apostrophe matches a straight one. They are
whole sentences the platforms print (English and the id-ID UI), never bare
words such as "login":
a post that merely talks about logging in must stay ``ok``. Where a phrase
could plausibly be quoted by a user (login prompts), the marker also needs a
URL or a selector; "gone" phrases also need a short page (``max_text``), since
real error pages are short and real profiles are not. The id-ID phrases follow
the platforms' Indonesian UIs as best known; they are data, to be corrected
when a capture shows otherwise.

Markers applied: those of the requested platform, those of the platform the
final URL belongs to (a redirect to another site's login page still counts),
then the generic ``web`` markers, which apply everywhere.

Outcome precedence (first match wins; ``OUTCOMES`` is in this order):

1. ``rate_limited``  HTTP 429, Cloudflare/Google/platform challenge pages;
2. ``captcha``       a captcha that replaces the content;
3. ``login_wall``    redirected to, or replaced by, a login form; HTTP 401;
4. ``not_found``     account/post gone: HTTP 404/410 or the platform's own
                     "page isn't available" page, even when served with 200;
5. ``private``       a private/protected account or video;
6. ``consent_wall``  a consent/cookie interstitial instead of the content;
7. ``http_error``    any other HTTP status >= 400;
8. ``empty``         (almost) no visible text, a nearly empty body and no
                     visible media;
9. ``expectation_failed``  ``expect_text`` absent or ``wait_for`` never
                     appeared (both are named in the reason);
10. ``ok``.

Walls and challenges come first because they explain everything after them:
a challenge page served with 403 is a challenge, not an HTTP error, and a
login page that happens to say "page isn't available" is still a login page.
``Verdict.markers`` lists every matched marker of the winning outcome as
``"<marker id>: <what matched>"``, for the capture manifest, e.g.
``'instagram.private: text "Akun ini bersifat pribadi"'``; the fallbacks use
``http.status``, ``page.empty``, ``expect_text`` and ``wait_for``. An ``ok``
verdict lists the expectations that held.

The marker tables (``WEB_MARKERS``, ``INSTAGRAM_MARKERS`` ...) are the
reference for what is recognised; each marker's ``why`` says what it means.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final
from urllib.parse import SplitResult, parse_qs, quote, urljoin, urlsplit, urlunsplit

__all__ = [
    "CAPTCHA",
    "CONSENT_CONTEXT",
    "CONSENT_LABELS",
    "CONSENT_SELECTORS",
    "CONSENT_WALL",
    "EMPTY",
    "EXPECTATION_FAILED",
    "HTTP_ERROR",
    "LOGIN_WALL",
    "NOT_FOUND",
    "OK",
    "OUTCOMES",
    "PLATFORMS",
    "PRIVATE",
    "RATE_LIMITED",
    "SESSION_PROBES",
    "HandleError",
    "Marker",
    "PageEvidence",
    "Platform",
    "PlatformError",
    "SessionProbe",
    "UnknownPlatformError",
    "UrlError",
    "Verdict",
    "canonical_post_url",
    "canonical_url",
    "check_http_url",
    "classify",
    "detect_platform",
    "extract_post_links",
    "marker_selectors",
    "normalize_handle",
    "parse_profile_url",
    "profile_url",
    "resolve_platform",
    "suggest",
]


class PlatformError(ValueError):
    """Base class for every error raised by this module."""


class UnknownPlatformError(PlatformError):
    """A platform name that is neither a platform nor an alias."""


class HandleError(PlatformError):
    """A handle that cannot be an account on the given platform."""


class UrlError(PlatformError):
    """A URL the collector refuses to open."""


# -- outcomes ---------------------------------------------------------------

RATE_LIMITED: Final = "rate_limited"
CAPTCHA: Final = "captcha"
LOGIN_WALL: Final = "login_wall"
NOT_FOUND: Final = "not_found"
PRIVATE: Final = "private"
CONSENT_WALL: Final = "consent_wall"
HTTP_ERROR: Final = "http_error"
EMPTY: Final = "empty"
EXPECTATION_FAILED: Final = "expectation_failed"
OK: Final = "ok"

#: Every outcome, in precedence order (first match wins).
OUTCOMES: Final = (
    RATE_LIMITED,
    CAPTCHA,
    LOGIN_WALL,
    NOT_FOUND,
    PRIVATE,
    CONSENT_WALL,
    HTTP_ERROR,
    EMPTY,
    EXPECTATION_FAILED,
    OK,
)

_MARKER_OUTCOMES: Final = OUTCOMES[:6]

#: "Short page" limits, in characters of visible text (whitespace collapsed).
SPARSE_TEXT_CHARS: Final = 600  # a bare login/captcha form and its footer
GONE_PAGE_CHARS: Final = 5000  # error pages are short; real profiles are not
#: ``empty``: at most this much visible text and a body smaller than this.
EMPTY_TEXT_CHARS: Final = 20  # room for a "Loading…" / "Memuat…" leftover
EMPTY_BODY_BYTES: Final = 2048


# -- markers ----------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """One rule: all set conditions must hold (see the module docstring)."""

    id: str
    outcome: str
    why: str
    url: str | None = None
    phrases: tuple[str, ...] = ()
    selectors: tuple[str, ...] = ()
    statuses: frozenset[int] = frozenset()
    header: tuple[str, str] | None = None
    max_text: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in _MARKER_OUTCOMES:
            raise PlatformError(f"marker {self.id}: outcome {self.outcome!r} is not a marker one")
        if self.url is not None:
            re.compile(self.url)

    def match(self, page: _Prepared) -> tuple[str, ...] | None:
        """What matched, one item per condition; None if any condition fails."""
        found: list[str] = []
        if self.statuses:
            if page.status not in self.statuses:
                return None
            found.append(f"HTTP {page.status}")
        if self.header is not None:
            name, value = self.header
            got = page.headers.get(name)
            if got is None or got.strip().lower() != value:
                return None
            found.append(f"header {name}: {value}")
        if self.url is not None:
            hit = re.search(self.url, page.url, re.IGNORECASE)
            if hit is None:
                return None
            found.append(f"url {hit.group(0)}")
        if self.selectors:
            present = [s for s in self.selectors if s in page.selectors]
            if not present:
                return None
            found.append("selector " + ", ".join(present))
        if self.phrases:
            said = [p for p in self.phrases if _norm(p) in page.text]
            if not said:
                return None
            found.append("text " + ", ".join(f'"{p}"' for p in said))
        if self.max_text is not None:
            if page.text_chars > self.max_text:
                return None
            found.append(f"{page.text_chars} chars of text")
        return tuple(found)


def _m(
    id: str,
    outcome: str,
    why: str,
    *,
    url: str | None = None,
    phrases: Iterable[str] = (),
    selectors: Iterable[str] = (),
    statuses: Iterable[int] = (),
    header: tuple[str, str] | None = None,
    max_text: int | None = None,
) -> Marker:
    return Marker(
        id=id,
        outcome=outcome,
        why=why,
        url=url,
        phrases=tuple(phrases),
        selectors=tuple(selectors),
        statuses=frozenset(statuses),
        header=header,
        max_text=max_text,
    )


def _on(host: str, path: str, *, subdomains: bool = True) -> str:
    """URL regex: ``host`` (optionally any subdomain of it), then ``path``."""
    sub = r"([^/?#@]*\.)?" if subdomains else ""
    return rf"^https?://{sub}{host}(:\d+)?{path}"


_PASSWORD_FIELDS = ('input[type="password"]', 'input[name="password"]', 'input[name="pass"]')

_CAPTCHA_SELECTORS = (
    'iframe[src*="captcha"]',
    "#captcha",
    ".g-recaptcha",
    ".h-captcha",
    "#px-captcha",
    'iframe[src*="captcha-delivery.com"]',
)

#: Generic markers, applied on every platform.
WEB_MARKERS: Final = (
    _m("web.http_429", RATE_LIMITED, "HTTP 429 Too Many Requests", statuses=[429]),
    _m(
        "web.cf_mitigated",
        RATE_LIMITED,
        "Cloudflare served a challenge instead of the page",
        header=("cf-mitigated", "challenge"),
    ),
    _m(
        "web.challenge_page",
        RATE_LIMITED,
        "bot-check interstitial (Cloudflare or similar)",
        statuses=[403, 429, 503],
        phrases=[
            "Checking your browser",
            "Just a moment...",
            "Verify you are human",
            "Verifikasi bahwa Anda adalah manusia",
            "Memeriksa browser Anda",
            "Attention Required! | Cloudflare",
            "DDoS protection by",
        ],
    ),
    _m(
        "web.google_sorry",
        RATE_LIMITED,
        "Google 'unusual traffic' block page",
        url=_on(r"google\.[a-z.]+", "/sorry/"),
    ),
    _m(
        "web.unusual_traffic",
        RATE_LIMITED,
        "Google 'unusual traffic' block page",
        phrases=[
            "Our systems have detected unusual traffic from your computer network",
            "Sistem kami telah mendeteksi traffic yang tidak biasa dari jaringan komputer Anda",
        ],
    ),
    _m(
        "web.captcha_widget",
        CAPTCHA,
        "captcha widget on an otherwise bare page",
        selectors=_CAPTCHA_SELECTORS,
        max_text=SPARSE_TEXT_CHARS,
    ),
    _m(
        "web.captcha_text",
        CAPTCHA,
        "captcha prompt on an otherwise bare page",
        phrases=[
            "I'm not a robot",
            "Saya bukan robot",
            "Please complete the security check",
            "Selesaikan pemeriksaan keamanan",
        ],
        max_text=SPARSE_TEXT_CHARS * 2,
    ),
    _m("web.http_401", LOGIN_WALL, "HTTP 401: authentication required", statuses=[401]),
    _m(
        "web.password_form",
        LOGIN_WALL,
        "password field on an otherwise bare page",
        selectors=_PASSWORD_FIELDS,
        max_text=SPARSE_TEXT_CHARS,
    ),
    _m("web.http_gone", NOT_FOUND, "HTTP 404/410: the page is gone", statuses=[404, 410]),
    _m(
        # A "soft 404": the site's own error page served with 200 (the bundled demo's
        # deleted post, many CMSs). Only on a bare page: a long page quoting it is content.
        "web.gone_page",
        NOT_FOUND,
        "the site's own 'page isn't available' page",
        phrases=[
            "Sorry, this page isn't available",
            "Maaf, halaman ini tidak tersedia",
            "This page isn't available",
            "Halaman ini tidak tersedia",
            "Page not found",
            "Halaman tidak ditemukan",
        ],
        max_text=SPARSE_TEXT_CHARS,
    ),
    _m(
        "web.google_consent",
        CONSENT_WALL,
        "redirected to Google's consent page",
        url=_on(r"consent\.(google|youtube)\.[a-z.]+", "/", subdomains=False),
    ),
)

_META_WAIT = (
    "Please wait a few minutes before you try again",
    "Harap tunggu beberapa menit sebelum mencoba lagi",
    "Tunggu beberapa menit sebelum mencoba lagi",
)

_INSTAGRAM_GONE = (
    "Sorry, this page isn't available",
    "Maaf, halaman ini tidak tersedia",
    "This page isn't available",
    "Halaman ini tidak tersedia",
    "The link you followed may be broken, or the page may have been removed",
    "Tautan yang Anda ikuti mungkin rusak, atau halaman mungkin telah dihapus",
    "The link may be broken, or the profile may have been removed",
    "Tautan mungkin rusak, atau profil mungkin telah dihapus",
)

INSTAGRAM_MARKERS: Final = (
    _m(
        "instagram.challenge_url",
        RATE_LIMITED,
        "Instagram checkpoint/challenge page",
        url=_on(r"instagram\.com", "/challenge/"),
    ),
    _m(
        "instagram.wait",
        RATE_LIMITED,
        "Instagram asks to wait before trying again",
        phrases=_META_WAIT,
    ),
    _m(
        "instagram.login_url",
        LOGIN_WALL,
        "redirected to Instagram's login page",
        url=_on(r"instagram\.com", "/accounts/login"),
    ),
    _m(
        "instagram.login_form",
        LOGIN_WALL,
        "Instagram login form replaces the page",
        selectors=["form#loginForm", *_PASSWORD_FIELDS],
        phrases=[
            "Log in to see photos and videos from your friends",
            "Masuk untuk melihat foto dan video dari teman Anda",
            "Don't have an account? Sign up",
            "Belum punya akun? Daftar",
        ],
    ),
    _m(
        "instagram.unavailable",
        NOT_FOUND,
        "Instagram 'page isn't available' page",
        phrases=_INSTAGRAM_GONE,
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "instagram.private",
        PRIVATE,
        "Instagram private account",
        phrases=["This account is private", "Akun ini bersifat pribadi", "Akun ini privat"],
    ),
)

FACEBOOK_MARKERS: Final = (
    _m(
        "facebook.checkpoint_url",
        RATE_LIMITED,
        "Facebook security checkpoint",
        url=_on(r"facebook\.com", "/checkpoint/"),
    ),
    _m(
        "facebook.blocked",
        RATE_LIMITED,
        "Facebook temporary block",
        phrases=[
            "You're Temporarily Blocked",
            "Anda Diblokir Sementara",
            "It looks like you were misusing this feature by going too fast",
            "Sepertinya Anda menyalahgunakan fitur ini dengan menggunakannya terlalu cepat",
        ],
    ),
    _m(
        "facebook.login_url",
        LOGIN_WALL,
        "redirected to Facebook's login page",
        url=_on(r"facebook\.com", r"/login(\.php|/|\?|$)"),
    ),
    _m(
        "facebook.login_form",
        LOGIN_WALL,
        "Facebook login form replaces the page",
        selectors=["form#login_form", '[data-testid="royal_login_form"]', 'input[name="pass"]'],
        phrases=[
            "You must log in to continue",
            "Anda harus masuk untuk melanjutkan",
            "Log in to Facebook",
            "Log into Facebook",
            "Masuk ke Facebook",
        ],
    ),
    _m(
        "facebook.unavailable",
        NOT_FOUND,
        "Facebook 'content isn't available' page",
        phrases=[
            "This content isn't available right now",
            "Konten ini tidak tersedia saat ini",
            "This page isn't available",
            "Halaman ini tidak tersedia",
            "The link you followed may be broken, or the page may have been removed",
            "Tautan yang Anda ikuti mungkin rusak, atau halaman mungkin telah dihapus",
        ],
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "facebook.locked",
        PRIVATE,
        "Facebook locked profile",
        phrases=[
            "locked their profile",
            "locked his profile",
            "locked her profile",
            "mengunci profilnya",
            "Only their friends can see what they share on their profile",
            "Hanya teman mereka yang dapat melihat apa yang mereka bagikan di profil mereka",
        ],
    ),
    _m(
        "facebook.cookie_dialog",
        CONSENT_WALL,
        "Facebook cookie-consent dialog",
        selectors=[
            '[data-testid="cookie-policy-manage-dialog"]',
            '[data-cookiebanner="accept_button"]',
        ],
        phrases=[
            "Allow the use of cookies from Facebook on this browser?",
            "Izinkan penggunaan cookie dari Facebook di browser ini?",
            "Allow all cookies",
            "Izinkan semua cookie",
        ],
    ),
)

X_MARKERS: Final = (
    _m(
        "x.rate_limit",
        RATE_LIMITED,
        "X rate limit message",
        phrases=["Rate limit exceeded", "Batas rasio terlampaui"],
    ),
    _m(
        # X's bare error page: for logged-out visitors it almost always means a
        # throttled guest token; a page with real content is longer than this.
        "x.try_reloading",
        RATE_LIMITED,
        "X 'Something went wrong' page (throttled guest)",
        phrases=["Something went wrong. Try reloading.", "Ada yang salah. Coba muat ulang."],
        max_text=SPARSE_TEXT_CHARS * 2,
    ),
    _m(
        "x.login_url",
        LOGIN_WALL,
        "redirected to X's login flow",
        url=_on(r"(x|twitter)\.com", r"/(i/flow/login|login)(/|\?|$)"),
    ),
    _m(
        "x.login_modal",
        LOGIN_WALL,
        "X sign-in dialog replaces the page",
        selectors=[
            'input[autocomplete="username"]',
            '[data-testid="login"]',
            *_PASSWORD_FIELDS,
        ],
        phrases=["Sign in to X", "Masuk ke X", "Sign in to Twitter", "Masuk ke Twitter"],
    ),
    _m(
        "x.no_account",
        NOT_FOUND,
        "X 'account doesn't exist' / 'page doesn't exist' page",
        phrases=[
            "This account doesn't exist",
            "Akun ini tidak ada",
            "Hmm...this page doesn't exist",
            "Hmm...halaman ini tidak ada",
        ],
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "x.suspended",
        NOT_FOUND,
        "X suspended account",
        phrases=[
            "Account suspended",
            "Akun ditangguhkan",
            "X suspends accounts which violate the X Rules",
            "X menangguhkan akun yang melanggar Peraturan X",
        ],
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "x.protected",
        PRIVATE,
        "X protected account",
        phrases=[
            "These posts are protected",
            "Postingan ini dilindungi",
            "These Tweets are protected",
            "Tweet ini dilindungi",
            "Only approved followers can see",
            "Hanya pengikut yang disetujui yang dapat melihat",
        ],
    ),
)

TIKTOK_MARKERS: Final = (
    _m(
        "tiktok.too_fast",
        RATE_LIMITED,
        "TikTok throttling message",
        phrases=[
            "You are visiting our service too frequently",
            "Anda mengunjungi layanan kami terlalu sering",
            "Too many attempts. Try again later",
            "Terlalu banyak percobaan. Coba lagi nanti",
        ],
    ),
    _m(
        # TikTok's slider captcha is a modal over the page: when it is up, the
        # screenshot shows the puzzle, so it counts even with content behind.
        "tiktok.captcha",
        CAPTCHA,
        "TikTok slider/puzzle captcha",
        selectors=[
            "#captcha-verify-image",
            ".captcha_verify_container",
            ".captcha-verify-container",
            "#captcha_container",
            "#tiktok-verify-ele",
        ],
    ),
    _m(
        "tiktok.captcha_text",
        CAPTCHA,
        "TikTok verification prompt",
        phrases=[
            "Drag the slider to fit the puzzle",
            "Geser slider untuk menyesuaikan puzzle",
            "Verify to continue",
            "Verifikasi untuk melanjutkan",
        ],
        max_text=SPARSE_TEXT_CHARS * 2,
    ),
    _m(
        "tiktok.login_url",
        LOGIN_WALL,
        "redirected to TikTok's login page",
        url=_on(r"tiktok\.com", "/login"),
    ),
    _m(
        "tiktok.login_modal",
        LOGIN_WALL,
        "TikTok login dialog replaces the page",
        selectors=['[data-e2e="login-modal"]', "#login-modal"],
        phrases=["Log in to TikTok", "Masuk ke TikTok"],
    ),
    _m(
        "tiktok.not_found",
        NOT_FOUND,
        "TikTok 'couldn't find this account' / 'video unavailable' page",
        phrases=[
            "Couldn't find this account",
            "Tidak dapat menemukan akun ini",
            "Video currently unavailable",
            "Video saat ini tidak tersedia",
            "Page not available",
            "Halaman tidak tersedia",
        ],
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "tiktok.private",
        PRIVATE,
        "TikTok private account",
        phrases=["This account is private", "Akun ini privat", "Akun ini bersifat pribadi"],
    ),
)

_YOUTUBE_VIDEO_URL = r"^https?://([^/?#@]*\.)?(youtube\.com/(watch|shorts/)|youtu\.be/)"

YOUTUBE_MARKERS: Final = (
    _m(
        "youtube.bot_check",
        RATE_LIMITED,
        "YouTube 'confirm you're not a bot' challenge",
        phrases=[
            "Sign in to confirm you're not a bot",
            "Login untuk mengonfirmasi bahwa Anda bukan bot",
            "Masuk untuk mengonfirmasi bahwa Anda bukan bot",
        ],
    ),
    _m(
        "youtube.login_url",
        LOGIN_WALL,
        "redirected to Google sign-in",
        url=_on(r"accounts\.google\.com", "/", subdomains=False),
    ),
    _m(
        "youtube.age_gate",
        LOGIN_WALL,
        "YouTube age-restricted: sign-in required",
        phrases=[
            "Sign in to confirm your age",
            "Login untuk mengonfirmasi usia Anda",
            "Masuk untuk mengonfirmasi usia Anda",
        ],
    ),
    _m(
        "youtube.unavailable",
        NOT_FOUND,
        "YouTube 'page isn't available' / terminated channel",
        phrases=[
            "This page isn't available. Sorry about that",
            "Halaman ini tidak tersedia. Mohon maaf",
            "This channel doesn't exist",
            "Channel ini tidak ada",
            "This account has been terminated",
            "Akun ini telah dihentikan",
        ],
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        # On a channel page "Video unavailable" also labels single greyed-out
        # items, so this only counts on a watch/shorts URL.
        "youtube.video_unavailable",
        NOT_FOUND,
        "YouTube video unavailable/removed",
        url=_YOUTUBE_VIDEO_URL,
        phrases=[
            "Video unavailable",
            "Video tidak tersedia",
            "This video isn't available anymore",
            "Video ini tidak tersedia lagi",
            "This video has been removed by the uploader",
            "Video ini telah dihapus oleh pengupload",
        ],
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "youtube.private_video",
        PRIVATE,
        "YouTube private video",
        url=_YOUTUBE_VIDEO_URL,
        phrases=[
            "Private video",
            "This video is private",
            "Video pribadi",
            "Video ini bersifat pribadi",
        ],
        max_text=GONE_PAGE_CHARS,  # a playlist beside a video can list "[Private video]"
    ),
    _m(
        "youtube.consent_url",
        CONSENT_WALL,
        "redirected to consent.youtube.com",
        url=_on(r"consent\.youtube\.com", "/", subdomains=False),
    ),
    _m(
        "youtube.consent_dialog",
        CONSENT_WALL,
        "YouTube 'Before you continue' consent dialog",
        selectors=["ytd-consent-bump-v2-lightbox"],
    ),
    _m(
        "youtube.consent_text",
        CONSENT_WALL,
        "YouTube 'Before you continue' consent page",
        phrases=["Before you continue to YouTube", "Sebelum Anda melanjutkan ke YouTube"],
        max_text=GONE_PAGE_CHARS,
    ),
)

THREADS_MARKERS: Final = (
    _m(
        "threads.wait",
        RATE_LIMITED,
        "Threads asks to wait before trying again",
        phrases=_META_WAIT,
    ),
    _m(
        "threads.login_url",
        LOGIN_WALL,
        "redirected to Threads' login page",
        url=_on(r"threads\.(net|com)", "/login"),
    ),
    _m(
        "threads.login_form",
        LOGIN_WALL,
        "Threads login form replaces the page",
        selectors=['input[autocomplete="current-password"]', *_PASSWORD_FIELDS],
        phrases=[
            "Log in with your Instagram account",
            "Masuk dengan akun Instagram Anda",
            "Log in or sign up for Threads",
            "Masuk atau daftar ke Threads",
        ],
    ),
    _m(
        "threads.unavailable",
        NOT_FOUND,
        "Threads 'page isn't available' page",
        phrases=_INSTAGRAM_GONE,
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "threads.private",
        PRIVATE,
        "Threads private profile",
        phrases=[
            "This profile is private",
            "Profil ini privat",
            "This account is private",
            "Akun ini bersifat pribadi",
            "Akun ini privat",
        ],
    ),
)


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
    markers: tuple[Marker, ...] = ()


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
        markers=INSTAGRAM_MARKERS,
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
        markers=FACEBOOK_MARKERS,
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
        markers=X_MARKERS,
    ),
    Platform(
        name="tiktok",
        label="TikTok",
        hosts=("tiktok.com",),
        profile_url_template="https://www.tiktok.com/@{handle}",
        handle_pattern=r"(?!.*\.$)[a-z0-9._]{2,24}",
        handle_rule='2-24 letters, digits, "." or "_", not ending in "."',
        markers=TIKTOK_MARKERS,
    ),
    Platform(
        name="youtube",
        label="YouTube",
        hosts=("youtube.com", "youtu.be", "youtube-nocookie.com"),
        profile_url_template="https://www.youtube.com/@{handle}",
        handle_pattern=r"[\w.\-]{3,30}",
        handle_rule='3-30 letters, digits, ".", "_" or "-", or a channel id "UC…"',
        aliases=("yt",),
        markers=YOUTUBE_MARKERS,
    ),
    Platform(
        name="threads",
        label="Threads",
        hosts=("threads.net", "threads.com"),
        profile_url_template="https://www.threads.net/@{handle}",
        handle_pattern=_IG_HANDLE,
        handle_rule=_IG_RULE,
        markers=THREADS_MARKERS,
    ),
    Platform(
        name="web",
        label="Web page",
        hosts=(),
        profile_url_template=None,
        markers=WEB_MARKERS,
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


# -- URLs -------------------------------------------------------------------

_SAFE_SCHEMES = frozenset({"http", "https"})


def check_http_url(url: str) -> SplitResult:
    """Parse a URL the collector may open: http(s) with a host, nothing else."""
    text = url.strip()
    if not text:
        raise UrlError("empty URL")
    if any(c.isspace() or ord(c) < 0x20 for c in text):
        raise UrlError(f'URL "{text}" contains whitespace or control characters')
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise UrlError(f'malformed URL "{text}": {exc}') from None
    scheme = parts.scheme.lower()
    if not scheme or (scheme not in _SAFE_SCHEMES and not parts.netloc and "." in scheme):
        raise UrlError(f'URL "{text}" has no scheme (did you mean "https://{text}"?)')
    if scheme not in _SAFE_SCHEMES:
        raise UrlError(f'URL "{text}" must be http or https, not "{scheme}:"')
    if not parts.hostname:
        raise UrlError(f'URL "{text}" has no host')
    if parts.username is not None or parts.password is not None:
        raise UrlError(f'URL "{text}" must not contain credentials')
    return parts


def canonical_url(url: str) -> str:
    """The URL to capture: canonical profile or post URL if recognised, else
    the URL with lower-case scheme/host, default port and fragment dropped."""
    parts = check_http_url(url)
    profile = parse_profile_url(urlunsplit(parts))
    if profile is not None:
        return profile_url(*profile)
    post = canonical_post_url(urlunsplit(parts))
    if post is not None:
        return post
    host = (parts.hostname or "").rstrip(".")
    port = parts.port
    if port is not None and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


# -- post links -------------------------------------------------------------

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
    if parts.scheme.lower() not in _SAFE_SCHEMES:
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
        if parts.scheme.lower() not in _SAFE_SCHEMES or detect_platform(absolute) != name:
            continue
        post = _post(name, parts)
        if post is None or post[0] in seen:
            continue
        seen.add(post[0])
        posts.append(post[1])
    return posts


# -- classification ---------------------------------------------------------


@dataclass(frozen=True)
class PageEvidence:
    """What the browser saw once the page settled."""

    status: int | None  # main-document HTTP status; None if unknown
    final_url: str  # after redirects
    title: str
    text: str  # visible text (document.body.innerText)
    present_selectors: frozenset[str]  # the subset of marker_selectors() present
    body_html_length: int  # len(document.body.innerHTML)
    headers: Mapping[str, str] = field(default_factory=dict)  # main-document response
    visible_media: int = 0  # images/videos/canvases shown: a photo-only page is not empty


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str
    markers: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.outcome == OK


@dataclass(frozen=True)
class _Prepared:
    status: int | None
    url: str
    text: str  # normalised title + text, for phrase search
    text_chars: int  # visible text length, whitespace collapsed
    selectors: frozenset[str]
    headers: Mapping[str, str]  # lower-case names


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})


@functools.cache
def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(folded.split())


def _prepare(evidence: PageEvidence) -> _Prepared:
    visible = " ".join(evidence.text.split())
    return _Prepared(
        status=evidence.status,
        url=evidence.final_url,
        text=_norm(evidence.title + "\n" + evidence.text),
        text_chars=len(visible),
        selectors=evidence.present_selectors,
        headers={k.lower(): v for k, v in evidence.headers.items()},
    )


def _markers_for(platform: str, final_url: str) -> list[Marker]:
    names = [platform, detect_platform(final_url), "web"]
    markers: list[Marker] = []
    for name in dict.fromkeys(names):  # ordered, without repeats
        markers.extend(PLATFORMS[name].markers)
    return markers


def marker_selectors() -> frozenset[str]:
    """Every CSS selector any marker uses: test them all in one evaluate()."""
    return frozenset(s for p in _PLATFORM_LIST for m in p.markers for s in m.selectors)


def classify(
    platform: str,
    evidence: PageEvidence,
    expect_text: str | None = None,
    wait_for_found: bool | None = None,
) -> Verdict:
    """Decide what a rendered page is; precedence in the module docstring.

    ``wait_for_found`` is None when no wait_for selector was requested.
    """
    page = _prepare(evidence)
    hits: dict[str, list[tuple[Marker, tuple[str, ...]]]] = {}
    for marker in _markers_for(resolve_platform(platform), evidence.final_url):
        found = marker.match(page)
        if found is not None:
            hits.setdefault(marker.outcome, []).append((marker, found))
    for outcome in _MARKER_OUTCOMES:
        if outcome in hits:
            matched = hits[outcome]
            reason = "; ".join(dict.fromkeys(m.why for m, _ in matched))
            names = tuple(f"{m.id}: {' + '.join(found)}" for m, found in matched)
            return Verdict(outcome, reason, names)

    if evidence.status is not None and evidence.status >= 400:
        return Verdict(HTTP_ERROR, f"HTTP {evidence.status}", (f"http.status: {evidence.status}",))
    if (
        page.text_chars <= EMPTY_TEXT_CHARS
        and evidence.body_html_length < EMPTY_BODY_BYTES
        and not evidence.visible_media
    ):
        detail = f"{page.text_chars} chars of text, body {evidence.body_html_length} bytes"
        return Verdict(EMPTY, f"page is empty ({detail})", (f"page.empty: {detail}",))

    failed: list[str] = []
    passed: list[str] = []
    if expect_text:
        if _norm(expect_text) in page.text:
            passed.append(f'expect_text: "{expect_text}" present')
        else:
            failed.append(f'expect_text: "{expect_text}" absent')
    if wait_for_found is True:
        passed.append("wait_for: selector appeared")
    elif wait_for_found is False:
        failed.append("wait_for: selector never appeared")
    if failed:
        return Verdict(EXPECTATION_FAILED, "; ".join(failed), tuple(failed))
    return Verdict(OK, "no blocking markers", tuple(passed))


# -- investigator sessions ----------------------------------------------------


@dataclass(frozen=True)
class SessionProbe:
    """How ``collector session check`` tells a logged-in session from a stale one.

    ``url`` is a page only a logged-in visitor sees: logged out, the platform
    redirects it to its login page or shows its login form, which ``classify``
    calls ``login_wall``. ``cookies`` are the cookies a logged-in browser holds
    for the platform; their presence (and expiry) is reported, but only the
    visit decides. Best known values, data to be corrected like the markers.
    """

    url: str
    cookie_domain: str
    cookies: tuple[str, ...]


SESSION_PROBES: Final[Mapping[str, SessionProbe]] = MappingProxyType(
    {
        "instagram": SessionProbe(
            "https://www.instagram.com/accounts/edit/", "instagram.com", ("sessionid",)
        ),
        "facebook": SessionProbe(
            "https://www.facebook.com/settings", "facebook.com", ("c_user", "xs")
        ),
        "x": SessionProbe("https://x.com/home", "x.com", ("auth_token",)),
        "tiktok": SessionProbe("https://www.tiktok.com/setting", "tiktok.com", ("sessionid",)),
        "youtube": SessionProbe(
            "https://www.youtube.com/account", "youtube.com", ("LOGIN_INFO", "SAPISID")
        ),
        "threads": SessionProbe("https://www.threads.net/settings", "threads.net", ("sessionid",)),
    }
)


# -- consent overlays -----------------------------------------------------------

#: Buttons of known consent managers: clicked when visible, wherever they are.
CONSENT_SELECTORS: Final = (
    '[data-cookiebanner="accept_button"]',  # Facebook/Instagram cookie dialog
    '[data-testid="cookie-policy-manage-dialog-accept-button"]',
    "#onetrust-accept-btn-handler",  # OneTrust (TikTok, many news sites)
    "#didomi-notice-agree-button",  # Didomi
    ".fc-cta-consent",  # Google Funding Choices
    "#L2AGLb",  # Google's own "Accept all"
    "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll",  # Cookiebot
)
#: Whole button labels (case-insensitive) of a consent "accept". A bare label is only
#: clicked inside a small box whose text mentions one of ``CONSENT_CONTEXT``: a
#: "Setuju" button elsewhere could be a poll, and clicking it would act on the page.
CONSENT_LABELS: Final = (
    "Accept all",
    "Accept all cookies",
    "Allow all cookies",
    "Allow all",
    "Accept cookies",
    "Accept",
    "I agree",
    "I accept",
    "Agree",
    "Terima semua",
    "Terima semua cookie",
    "Terima cookie",
    "Terima",
    "Izinkan semua cookie",
    "Izinkan semua",
    "Izinkan cookie",
    "Setuju",
    "Saya setuju",
)
CONSENT_CONTEXT: Final = (
    "cookie",
    "kuki",
    "consent",
    "persetujuan",
    "privacy",
    "privasi",
    "data pribadi",
    "personal data",
)
