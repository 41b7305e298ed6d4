"""What collector recognises on a rendered page, as data: the *markers* that tell a real
page from a login wall, an error page or a challenge, per platform; the consent buttons it
may click; the logged-in-only page that tells whether a saved session still works.

When a site changes its UI, the edit belongs in these tables, not in the browser code;
``collector.sites.classify`` applies them.

A ``Marker`` is a named rule. Every condition it sets must hold; within one condition any
listed alternative suffices:

* ``statuses``  the HTTP status is one of these;
* ``header``    a response header has this value (case-insensitive);
* ``url``       a regular expression found in the final URL (case-insensitive);
* ``selectors`` at least one of these CSS selectors is present;
* ``phrases``   at least one phrase occurs in the title or visible text;
* ``max_text``  the visible text is at most this many characters.

Phrases are compared after Unicode NFKC, case folding, straight apostrophes and collapsed
whitespace, so a curly apostrophe matches a straight one. They are whole sentences the
platforms print (English and the id-ID UI), never bare words such as "login": a post that
merely talks about logging in must stay ``ok``. Where a phrase could plausibly be quoted
by a user (login prompts), the marker also needs a URL or a selector; "gone" phrases also
need a short page (``max_text``), since real error pages are short and real profiles are
not. The id-ID phrases follow the platforms' Indonesian UIs as best known; they are data,
to be corrected when a capture shows otherwise.

The marker tables (``WEB_MARKERS``, ``INSTAGRAM_MARKERS`` ...; ``MARKERS`` by platform)
are the reference for what is recognised; each marker's ``why`` says what it means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from collector.models import Outcome
from collector.sites.platforms import PlatformError

__all__ = [
    "CONSENT_CONTEXT",
    "CONSENT_LABELS",
    "CONSENT_SELECTORS",
    "FACEBOOK_MARKERS",
    "GONE_PAGE_CHARS",
    "INSTAGRAM_MARKERS",
    "MARKERS",
    "MARKER_OUTCOMES",
    "SESSION_PROBES",
    "SPARSE_TEXT_CHARS",
    "THREADS_MARKERS",
    "TIKTOK_MARKERS",
    "WEB_MARKERS",
    "X_MARKERS",
    "YOUTUBE_MARKERS",
    "Marker",
    "SessionProbe",
]


#: "Short page" limits, in characters of visible text (whitespace collapsed).
SPARSE_TEXT_CHARS: Final = 600  # a bare login/captcha form and its footer
GONE_PAGE_CHARS: Final = 5000  # error pages are short; real profiles are not

#: The outcomes a marker can decide, in precedence order (first match wins); the rest of
#: the order (http_error, empty, expectation_failed, ok) is decided by ``classify``.
MARKER_OUTCOMES: Final = (
    Outcome.RATE_LIMITED,
    Outcome.CAPTCHA,
    Outcome.LOGIN_WALL,
    Outcome.NOT_FOUND,
    Outcome.PRIVATE,
    Outcome.CONSENT_WALL,
)


# -- markers ----------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """One rule: all set conditions must hold (see the module docstring)."""

    id: str
    outcome: Outcome
    why: str
    url: str | None = None
    phrases: tuple[str, ...] = ()
    selectors: tuple[str, ...] = ()
    statuses: frozenset[int] = frozenset()
    header: tuple[str, str] | None = None
    max_text: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in MARKER_OUTCOMES:
            raise PlatformError(f"marker {self.id}: outcome {self.outcome!r} is not a marker one")
        if self.url is not None:
            re.compile(self.url)


def _m(
    id: str,
    outcome: Outcome,
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
    _m("web.http_429", Outcome.RATE_LIMITED, "HTTP 429 Too Many Requests", statuses=[429]),
    _m(
        "web.cf_mitigated",
        Outcome.RATE_LIMITED,
        "Cloudflare served a challenge instead of the page",
        header=("cf-mitigated", "challenge"),
    ),
    _m(
        "web.challenge_page",
        Outcome.RATE_LIMITED,
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
        Outcome.RATE_LIMITED,
        "Google 'unusual traffic' block page",
        url=_on(r"google\.[a-z.]+", "/sorry/"),
    ),
    _m(
        "web.unusual_traffic",
        Outcome.RATE_LIMITED,
        "Google 'unusual traffic' block page",
        phrases=[
            "Our systems have detected unusual traffic from your computer network",
            "Sistem kami telah mendeteksi traffic yang tidak biasa dari jaringan komputer Anda",
        ],
    ),
    _m(
        "web.captcha_widget",
        Outcome.CAPTCHA,
        "captcha widget on an otherwise bare page",
        selectors=_CAPTCHA_SELECTORS,
        max_text=SPARSE_TEXT_CHARS,
    ),
    _m(
        "web.captcha_text",
        Outcome.CAPTCHA,
        "captcha prompt on an otherwise bare page",
        phrases=[
            "I'm not a robot",
            "Saya bukan robot",
            "Please complete the security check",
            "Selesaikan pemeriksaan keamanan",
        ],
        max_text=SPARSE_TEXT_CHARS * 2,
    ),
    _m("web.http_401", Outcome.LOGIN_WALL, "HTTP 401: authentication required", statuses=[401]),
    _m(
        "web.password_form",
        Outcome.LOGIN_WALL,
        "password field on an otherwise bare page",
        selectors=_PASSWORD_FIELDS,
        max_text=SPARSE_TEXT_CHARS,
    ),
    _m("web.http_gone", Outcome.NOT_FOUND, "HTTP 404/410: the page is gone", statuses=[404, 410]),
    _m(
        # A "soft 404": the site's own error page served with 200 (the bundled demo's
        # deleted post, many CMSs). Only on a bare page: a long page quoting it is content.
        "web.gone_page",
        Outcome.NOT_FOUND,
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
        Outcome.CONSENT_WALL,
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
        Outcome.RATE_LIMITED,
        "Instagram checkpoint/challenge page",
        url=_on(r"instagram\.com", "/challenge/"),
    ),
    _m(
        "instagram.wait",
        Outcome.RATE_LIMITED,
        "Instagram asks to wait before trying again",
        phrases=_META_WAIT,
    ),
    _m(
        "instagram.login_url",
        Outcome.LOGIN_WALL,
        "redirected to Instagram's login page",
        url=_on(r"instagram\.com", "/accounts/login"),
    ),
    _m(
        "instagram.login_form",
        Outcome.LOGIN_WALL,
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
        Outcome.NOT_FOUND,
        "Instagram 'page isn't available' page",
        phrases=_INSTAGRAM_GONE,
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "instagram.private",
        Outcome.PRIVATE,
        "Instagram private account",
        phrases=["This account is private", "Akun ini bersifat pribadi", "Akun ini privat"],
    ),
)

FACEBOOK_MARKERS: Final = (
    _m(
        "facebook.checkpoint_url",
        Outcome.RATE_LIMITED,
        "Facebook security checkpoint",
        url=_on(r"facebook\.com", "/checkpoint/"),
    ),
    _m(
        "facebook.blocked",
        Outcome.RATE_LIMITED,
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
        Outcome.LOGIN_WALL,
        "redirected to Facebook's login page",
        url=_on(r"facebook\.com", r"/login(\.php|/|\?|$)"),
    ),
    _m(
        "facebook.login_form",
        Outcome.LOGIN_WALL,
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
        Outcome.NOT_FOUND,
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
        Outcome.PRIVATE,
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
        Outcome.CONSENT_WALL,
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
        Outcome.RATE_LIMITED,
        "X rate limit message",
        phrases=["Rate limit exceeded", "Batas rasio terlampaui"],
    ),
    _m(
        # X's bare error page: for logged-out visitors it almost always means a
        # throttled guest token; a page with real content is longer than this.
        "x.try_reloading",
        Outcome.RATE_LIMITED,
        "X 'Something went wrong' page (throttled guest)",
        phrases=["Something went wrong. Try reloading.", "Ada yang salah. Coba muat ulang."],
        max_text=SPARSE_TEXT_CHARS * 2,
    ),
    _m(
        "x.login_url",
        Outcome.LOGIN_WALL,
        "redirected to X's login flow",
        url=_on(r"(x|twitter)\.com", r"/(i/flow/login|login)(/|\?|$)"),
    ),
    _m(
        "x.login_modal",
        Outcome.LOGIN_WALL,
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
        Outcome.NOT_FOUND,
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
        Outcome.NOT_FOUND,
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
        Outcome.PRIVATE,
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
        Outcome.RATE_LIMITED,
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
        Outcome.CAPTCHA,
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
        Outcome.CAPTCHA,
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
        Outcome.LOGIN_WALL,
        "redirected to TikTok's login page",
        url=_on(r"tiktok\.com", "/login"),
    ),
    _m(
        "tiktok.login_modal",
        Outcome.LOGIN_WALL,
        "TikTok login dialog replaces the page",
        selectors=['[data-e2e="login-modal"]', "#login-modal"],
        phrases=["Log in to TikTok", "Masuk ke TikTok"],
    ),
    _m(
        "tiktok.not_found",
        Outcome.NOT_FOUND,
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
        Outcome.PRIVATE,
        "TikTok private account",
        phrases=["This account is private", "Akun ini privat", "Akun ini bersifat pribadi"],
    ),
)

_YOUTUBE_VIDEO_URL = r"^https?://([^/?#@]*\.)?(youtube\.com/(watch|shorts/)|youtu\.be/)"

YOUTUBE_MARKERS: Final = (
    _m(
        "youtube.bot_check",
        Outcome.RATE_LIMITED,
        "YouTube 'confirm you're not a bot' challenge",
        phrases=[
            "Sign in to confirm you're not a bot",
            "Login untuk mengonfirmasi bahwa Anda bukan bot",
            "Masuk untuk mengonfirmasi bahwa Anda bukan bot",
        ],
    ),
    _m(
        "youtube.login_url",
        Outcome.LOGIN_WALL,
        "redirected to Google sign-in",
        url=_on(r"accounts\.google\.com", "/", subdomains=False),
    ),
    _m(
        "youtube.age_gate",
        Outcome.LOGIN_WALL,
        "YouTube age-restricted: sign-in required",
        phrases=[
            "Sign in to confirm your age",
            "Login untuk mengonfirmasi usia Anda",
            "Masuk untuk mengonfirmasi usia Anda",
        ],
    ),
    _m(
        "youtube.unavailable",
        Outcome.NOT_FOUND,
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
        Outcome.NOT_FOUND,
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
        Outcome.PRIVATE,
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
        Outcome.CONSENT_WALL,
        "redirected to consent.youtube.com",
        url=_on(r"consent\.youtube\.com", "/", subdomains=False),
    ),
    _m(
        "youtube.consent_dialog",
        Outcome.CONSENT_WALL,
        "YouTube 'Before you continue' consent dialog",
        selectors=["ytd-consent-bump-v2-lightbox"],
    ),
    _m(
        "youtube.consent_text",
        Outcome.CONSENT_WALL,
        "YouTube 'Before you continue' consent page",
        phrases=["Before you continue to YouTube", "Sebelum Anda melanjutkan ke YouTube"],
        max_text=GONE_PAGE_CHARS,
    ),
)

THREADS_MARKERS: Final = (
    _m(
        "threads.wait",
        Outcome.RATE_LIMITED,
        "Threads asks to wait before trying again",
        phrases=_META_WAIT,
    ),
    _m(
        "threads.login_url",
        Outcome.LOGIN_WALL,
        "redirected to Threads' login page",
        url=_on(r"threads\.(net|com)", "/login"),
    ),
    _m(
        "threads.login_form",
        Outcome.LOGIN_WALL,
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
        Outcome.NOT_FOUND,
        "Threads 'page isn't available' page",
        phrases=_INSTAGRAM_GONE,
        max_text=GONE_PAGE_CHARS,
    ),
    _m(
        "threads.private",
        Outcome.PRIVATE,
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


#: platform name -> its markers, in the order of ``PLATFORMS``. ``web`` markers apply on
#: every platform (see ``collector.sites.classify``).
MARKERS: Final[Mapping[str, tuple[Marker, ...]]] = MappingProxyType(
    {
        "instagram": INSTAGRAM_MARKERS,
        "facebook": FACEBOOK_MARKERS,
        "x": X_MARKERS,
        "tiktok": TIKTOK_MARKERS,
        "youtube": YOUTUBE_MARKERS,
        "threads": THREADS_MARKERS,
        "web": WEB_MARKERS,
    }
)


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
