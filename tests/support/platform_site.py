"""A local imitation of Instagram, Facebook, X, TikTok, YouTube, Threads and the plain web.

Reached as a proxy: tests pass `--proxy http://127.0.0.1:PORT --ignore-https-errors` (or a
watch list's `[proxy] "*"`), so watch lists use real handles and canonical URLs
(`https://www.instagram.com/budi/`) and the URL markers (a redirect to /accounts/login,
to accounts.google.com, ...) work as on the real sites. Plain http requests arrive with an
absolute URI; https ones as CONNECT tunnels, terminated here with a self-signed
certificate.

An account's handle says what its page is, by its ending (handles of every platform
allow letters and digits, so the ending is a plain word):

  ...login      login wall: instagram/facebook/x/youtube redirect to the login page
                (YouTube to accounts.google.com), tiktok/threads show a login form
  ...gone       the platform's own "page isn't available" page (YouTube: 404)
  ...private    private/protected account (YouTube: /watch?v=privatevid1)
  ...ratelimit  HTTP 429 with Retry-After: 1, every time
  ...flaky      HTTP 429 with Retry-After: 1 the first time, the profile afterwards
  ...down       HTTP 503 every time
  ...oops       HTTP 503 the first time, the profile afterwards
  ...throttled  the platform's own "wait a few minutes"/"try reloading" page, HTTP 200
  ...captcha    a captcha instead of (TikTok: over) the profile
  ...consent    the profile behind a cookie/consent dialog with an accept button
  ...empty      an empty application shell
  anything else the profile: name, bio, five posts with links, pictures

Logged-in-only pages (`platforms.SESSION_PROBES`) answer 200 when the request carries
one of the platform's login cookies with a value starting "valid", else they behave as
that platform does for a logged-out visitor (a redirect to its login page).

Any other host is "the web": /berita/... an article; a path containing "hilang" the
site's own "Maaf, halaman ini tidak tersedia" page (200); /unduh a page that downloads
/laporan.csv; /unduh-besar one that downloads /besar.bin (2 MiB); /popup a page that
opens a window; /cookie an article behind a "Setuju" cookie banner; /polling an article
with a poll whose "Setuju" button must never be clicked.

`PlatformSite.pages` (URL -> (status, body)) overrides any of these for a test.
"""

from __future__ import annotations

import http.server
import socketserver
import ssl
import threading
from collections import Counter
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from collector.sites.markers import SESSION_PROBES
from collector.sites.platforms import detect_platform, parse_profile_url
from tests.support.site import self_signed_context

SOCIAL = ("instagram", "facebook", "x", "tiktok", "youtube", "threads")
STATES = (
    "ratelimit",
    "throttled",
    "private",
    "captcha",
    "consent",
    "login",
    "flaky",
    "empty",
    "gone",
    "oops",
    "down",
)
BIG_DOWNLOAD = 2 * 1024 * 1024
CSV_BYTES = b"nama;nip;unit\nBudi;198703122010011003;Dinas Pendidikan\n"

_STYLE = (
    "<style>body{margin:0;font-family:sans-serif;background:#fafafa}"
    "main{max-width:720px;margin:0 auto;padding:16px}"
    "article{background:#fff;border:1px solid #ddd;margin:12px 0;padding:12px}"
    ".overlay{position:fixed;inset:0;background:rgba(0,0,0,.6);display:flex;"
    "align-items:center;justify-content:center;z-index:9}"
    ".box{background:#fff;padding:24px;max-width:480px}"
    "button{font-size:16px;padding:8px 16px;margin:4px}</style>"
)


def html(title: str, body: str, *, head: str = "") -> bytes:
    return (
        f"<!doctype html><html lang='id'><head><meta charset='utf-8'><title>{title}</title>"
        f"{_STYLE}{head}</head><body>{body}</body></html>"
    ).encode()


def picture(colour: str) -> str:
    return (
        f"<svg width='320' height='200' xmlns='http://www.w3.org/2000/svg'>"
        f"<rect width='320' height='200' fill='{colour}'/></svg>"
    )


PROFILE_TITLES = {
    "instagram": "{name} (@{handle}) • Instagram photos and videos",
    "facebook": "{name} | Facebook",
    "x": "{name} (@{handle}) / X",
    "tiktok": "{name} (@{handle}) | TikTok",
    "youtube": "{name} - YouTube",
    "threads": "{name} (@{handle}) • Threads, Say more",
}


def post_link(platform: str, handle: str, i: int) -> str:
    return {
        "instagram": f"/p/Cx{handle[:6]}{i}/",
        "facebook": f"/{handle}/posts/10000{i}",
        "x": f"/{handle}/status/17000000000{i}",
        "tiktok": f"/@{handle}/video/73000000000{i}",
        "youtube": f"/watch?v=vid{i:08d}",
        "threads": f"/@{handle}/post/C{handle[:4]}{i}",
    }[platform]


def profile_body(platform: str, handle: str) -> str:
    name = handle.capitalize()
    posts = "".join(
        f"<article><p>Unggahan {i} dari @{handle}: kegiatan dinas hari ke-{i}, rapat "
        f"koordinasi dan kunjungan ke sekolah bersama warga 🙏</p>{picture('#4a90d9')}"
        f"<a href='{post_link(platform, handle, i)}'>Lihat unggahan {i}</a></article>"
        for i in range(1, 6)
    )
    return (
        f"<main><header><h1>{name}</h1><p>@{handle} · ASN · Pemerintah Kota Contoh</p>"
        f"<p>128 posts · 2.304 followers · 311 following</p></header>{posts}</main>"
    )


def profile_page(platform: str, handle: str, extra: str = "") -> bytes:
    title = PROFILE_TITLES[platform].format(name=handle.capitalize(), handle=handle)
    return html(title, profile_body(platform, handle) + extra)


def short_page(title: str, text: str, extra: str = "") -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n"))
    return html(title, f"<main>{paragraphs}{extra}</main>")


LOGIN_PATHS = {
    "instagram": "/accounts/login/",
    "facebook": "/login/",
    "x": "/i/flow/login",
    "tiktok": "/login",
    "threads": "/login",
}

NOT_FOUND = {
    "instagram": (
        200,
        "Instagram",
        "Sorry, this page isn't available.\nThe link you followed may be broken, or the "
        "page may have been removed. Go back to Instagram.",
    ),
    "facebook": (
        200,
        "Facebook",
        "This content isn't available right now\nWhen this happens, it's usually because "
        "the owner only shared it with a small group of people.",
    ),
    "x": (200, "Profile / X", "This account doesn\u2019t exist\nTry searching for another."),
    "tiktok": (
        200,
        "TikTok - Make Your Day",
        "Couldn't find this account\nLooking for videos? Try browsing our trending creators.",
    ),
    "youtube": (
        404,
        "404 Not Found",
        "This page isn't available. Sorry about that.\nTry searching for something else.",
    ),
    "threads": (
        200,
        "Threads",
        "Maaf, halaman ini tidak tersedia\nTautan yang Anda ikuti mungkin rusak, atau "
        "halaman mungkin telah dihapus.",
    ),
}

PRIVATE = {
    "instagram": "This account is private\nFollow to see their photos and videos.",
    "facebook": "{name} locked their profile\nOnly their friends can see what they share "
    "on their profile.",
    "x": "These posts are protected\nOnly approved followers can see @{handle}\u2019s posts.",
    "tiktok": "This account is private\nFollow this account to see their contents and likes",
    "threads": "Profil ini privat\nIkuti untuk melihat thread mereka.",
}

THROTTLED = {
    "instagram": "Please wait a few minutes before you try again.",
    "facebook": "You\u2019re Temporarily Blocked\nIt looks like you were misusing this "
    "feature by going too fast.",
    "x": "Something went wrong. Try reloading.\nRetry",
    "tiktok": "You are visiting our service too frequently.",
    "youtube": "Sign in to confirm you\u2019re not a bot\nThis helps protect our community.",
    "threads": "Harap tunggu beberapa menit sebelum mencoba lagi.",
}

_REMOVE = "onclick=\"document.cookie='consent=1; path=/'; this.closest('.overlay').remove()\""

CONSENT = {
    "facebook": (
        "<div class='overlay' data-testid='cookie-policy-manage-dialog'><div class='box'>"
        "<h2>Allow the use of cookies from Facebook on this browser?</h2>"
        "<p>We use cookies to help personalise content and provide a safer experience.</p>"
        "<button>Decline optional cookies</button>"
        f"<button data-cookiebanner='accept_button' {_REMOVE}>Allow all cookies</button>"
        "</div></div>"
    ),
    "youtube": (
        "<ytd-consent-bump-v2-lightbox class='overlay'><div class='box'>"
        "<h2>Before you continue to YouTube</h2><p>Google uses cookies and data to deliver "
        "and maintain services.</p><button>Reject all</button>"
        f"<button {_REMOVE}>Accept all</button></div></ytd-consent-bump-v2-lightbox>"
    ),
}
GENERIC_CONSENT = (
    "<div class='overlay'><div class='box'><p>Situs ini memakai cookie untuk statistik "
    "dan personalisasi. Kebijakan privasi kami menjelaskan data apa yang disimpan.</p>"
    f"<button>Atur</button><button {_REMOVE}>Terima semua</button></div></div>"
)


class PlatformHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PlatformSite
    scheme = "http"
    tunnel_host: str | None = None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_CONNECT(self) -> None:
        host = self.path.rsplit(":", 1)[0]
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        try:
            conn = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.connection = conn
        self.rfile = conn.makefile("rb", self.rbufsize)
        self.wfile = socketserver._SocketWriter(conn)  # type: ignore[attr-defined]
        self.scheme, self.tunnel_host = "https", host
        self.close_connection = False

    def send(
        self,
        status: int,
        body: bytes,
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send(302, b"", headers={"Location": location})

    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except CookieError:
            return {}
        return {k: m.value for k, m in jar.items()}

    def do_GET(self) -> None:
        if self.path.startswith(("http://", "https://")):
            url = self.path
        else:
            host = self.tunnel_host or (self.headers.get("Host") or "127.0.0.1").split(":")[0]
            url = f"{self.scheme}://{host}{self.path}"
        with self.server.lock:
            self.server.requests.append(url)
            self.server.hits[url] += 1
            hits = self.server.hits[url]
        with self.server.lock:
            fixed = self.server.pages.get(url)
        if fixed is not None:  # a test decided what this URL answers right now
            self.send(*fixed)
            return
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host == "accounts.google.com":
            self.send(200, google_sign_in())
            return
        platform = detect_platform(url)
        if platform in SOCIAL:
            social(self, platform, url, hits)
        else:
            web(self, parts.path, hits)


def google_sign_in() -> bytes:
    return html(
        "Sign in - Google Accounts",
        "<main><h1>Sign in</h1><p>to continue to YouTube</p><form>"
        "<input type='email' name='identifier' placeholder='Email or phone'>"
        "<button>Next</button></form></main>",
    )


def logged_in(h: PlatformHandler, platform: str) -> bool:
    probe = SESSION_PROBES[platform]
    jar = h.cookies()
    return any(jar.get(name, "").startswith("valid") for name in probe.cookies)


def login_page(platform: str) -> bytes:
    forms = {
        "instagram": (
            "Login • Instagram",
            "<form id='loginForm'><input name='username'><input type='password' "
            "name='password'><button>Log in</button></form><p>Don't have an account? Sign up</p>",
        ),
        "facebook": (
            "Log in to Facebook",
            "<form id='login_form'><input name='email'><input type='password' name='pass'>"
            "<button>Log in</button></form><p>You must log in to continue.</p>",
        ),
        "x": (
            "Log in to X / X",
            "<h1>Sign in to X</h1><input autocomplete='username'><button>Next</button>",
        ),
        "tiktok": (
            "Log in | TikTok",
            "<div id='login-modal' data-e2e='login-modal'><h2>Log in to TikTok</h2>"
            "<input name='username'><input type='password' name='password'></div>",
        ),
        "threads": (
            "Threads",
            "<h2>Log in with your Instagram account</h2><input name='username'>"
            "<input type='password' autocomplete='current-password'><button>Log in</button>",
        ),
    }
    title, body = forms[platform]
    return html(title, f"<main>{body}</main>")


def social(h: PlatformHandler, platform: str, url: str, hits: int) -> None:
    parts = urlsplit(url)
    path = parts.path
    if platform in LOGIN_PATHS and path.rstrip("/") == LOGIN_PATHS[platform].rstrip("/"):
        h.send(200, login_page(platform))
        return
    probe = SESSION_PROBES[platform]
    if url.split("?")[0] == probe.url:
        if logged_in(h, platform):
            h.send(200, settings_page(platform))
        else:
            login_wall(h, platform, path)
        return
    if platform == "youtube" and path == "/watch":
        video = parse_qs(parts.query).get("v", [""])[0]
        youtube_video(h, video)
        return
    profile = parse_profile_url(url)
    if profile is None:
        h.send(200, profile_page(platform, "postingan"))  # a post page: content
        return
    handle = profile[1]
    state = next((s for s in STATES if handle.endswith(s)), "ok")
    account(h, platform, handle, state, path, hits)


def settings_page(platform: str) -> bytes:
    text = " ".join(
        f"Pengaturan akun bagian {i}: privasi, notifikasi, keamanan." for i in range(30)
    )
    return html(f"Edit profile • {platform}", f"<main><h1>Edit profile</h1><p>{text}</p></main>")


def login_wall(h: PlatformHandler, platform: str, path: str) -> None:
    if platform == "youtube":
        h.redirect(
            "https://accounts.google.com/ServiceLogin?service=youtube&continue="
            + quote("https://www.youtube.com" + path, safe="")
        )
    elif platform in ("instagram", "facebook"):
        h.redirect(f"{LOGIN_PATHS[platform]}?next={quote(path, safe='')}")
    elif platform == "x":
        h.redirect(f"/i/flow/login?redirect_after_login={quote(path, safe='')}")
    else:  # tiktok, threads: the login form in place of the page
        h.send(200, login_page(platform))


def account(
    h: PlatformHandler, platform: str, handle: str, state: str, path: str, hits: int
) -> None:
    name = handle.capitalize()
    if state == "login":
        login_wall(h, platform, path)
    elif state == "gone":
        status, title, text = NOT_FOUND[platform]
        h.send(status, short_page(title, text))
    elif state == "private":
        text = PRIVATE.get(platform, "This account is private").format(name=name, handle=handle)
        h.send(200, short_page(PROFILE_TITLES[platform].format(name=name, handle=handle), text))
    elif state == "ratelimit" or (state == "flaky" and hits == 1):
        h.send(
            429,
            short_page("429 Too Many Requests", "Too Many Requests"),
            headers={"Retry-After": "1"},
        )
    elif state == "down" or (state == "oops" and hits == 1):
        h.send(503, short_page("503 Service Unavailable", "Service Unavailable"))
    elif state == "throttled":
        h.send(200, short_page(platform.capitalize(), THROTTLED[platform]))
    elif state == "captcha":
        if platform == "tiktok":
            modal = (
                "<div class='overlay' id='captcha_container'><div class='box'>"
                "<p>Drag the slider to fit the puzzle</p><img id='captcha-verify-image' "
                "width='300' height='180' alt=''></div></div>"
            )
            h.send(200, profile_page(platform, handle, modal))
        else:
            h.send(
                200,
                short_page(
                    "Security check",
                    "Please complete the security check to continue.",
                    "<div class='g-recaptcha' style='width:300px;height:80px'></div>",
                ),
            )
    elif state == "consent":
        overlay = "" if "consent=1" in h.headers.get("Cookie", "") else None
        if overlay is None:
            overlay = CONSENT.get(platform, GENERIC_CONSENT)
        h.send(200, profile_page(platform, handle, overlay))
    elif state == "empty":
        h.send(200, html(platform.capitalize(), "<div id='root'></div>"))
    else:
        h.send(200, profile_page(platform, handle))


def youtube_video(h: PlatformHandler, video: str) -> None:
    if video == "privatevid1":
        h.send(
            200,
            short_page(
                "YouTube", "Private video\nSign in if you've been granted access to this video"
            ),
        )
    elif video == "removedvid1":
        h.send(200, short_page("YouTube", "Video unavailable\nThis video isn't available anymore"))
    else:
        text = " ".join(f"Komentar {i}: mantap, semoga lancar acaranya." for i in range(40))
        h.send(
            200,
            html(
                "Sosialisasi netralitas ASN - YouTube",
                f"<main><h1>Sosialisasi netralitas ASN</h1>{picture('#d00')}<p>{text}</p></main>",
            ),
        )


ARTICLE = " ".join(
    f"Paragraf {i}: pemerintah daerah mengingatkan seluruh ASN untuk menjaga netralitas "
    "selama masa kampanye pemilihan kepala daerah."
    for i in range(12)
)


def web(h: PlatformHandler, path: str, hits: int) -> None:
    if "hilang" in path:
        h.send(
            200,
            short_page(
                "Halaman tidak ditemukan",
                "Maaf, halaman ini tidak tersedia.\nTautan mungkin rusak atau berita telah dihapus.",
            ),
        )
    elif path == "/laporan.csv":
        h.send(
            200,
            CSV_BYTES,
            "text/csv",
            {"Content-Disposition": 'attachment; filename="laporan ../../rekap 2024.csv"'},
        )
    elif path == "/besar.bin":
        h.send(
            200,
            b"\0" * BIG_DOWNLOAD,
            "application/octet-stream",
            {"Content-Disposition": "attachment; filename=besar.bin"},
        )
    elif path in ("/unduh", "/unduh-besar"):
        target = "/laporan.csv" if path == "/unduh" else "/besar.bin"
        script = (
            f"<a id='dl' href='{target}' download>unduh</a>"
            "<script>document.getElementById('dl').click()</script>"
        )
        h.send(200, html("Unduhan", f"<main><h1>Rekap</h1><p>{ARTICLE}</p>{script}</main>"))
    elif path == "/popup":
        h.send(
            200,
            html(
                "Halaman dengan jendela iklan",
                f"<main><h1>Berita</h1><p>{ARTICLE}</p></main>",
                head="<script>window.open('/iklan', '_blank')</script>",
            ),
        )
    elif path == "/cookie":
        h.send(
            200,
            html("Berita dengan banner cookie", f"<main><p>{ARTICLE}</p></main>{GENERIC_CONSENT}"),
        )
    elif path == "/polling":
        poll = (
            "<article><p>Apakah Anda setuju jam kerja ASN dimajukan?</p>"
            "<button onclick=\"document.title='DIKLIK'\">Setuju</button>"
            "<button>Tidak setuju</button></article>"
        )
        h.send(200, html("Jajak pendapat", f"<main><p>{ARTICLE}</p>{poll}</main>"))
    else:
        h.send(
            200,
            html("Berita daerah", f"<main><h1>Berita</h1>{picture('#090')}<p>{ARTICLE}</p></main>"),
        )


class PlatformSite(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, cert_folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), PlatformHandler)
        self.tls: ssl.SSLContext = self_signed_context(cert_folder)
        self.requests: list[str] = []
        self.hits: Counter[str] = Counter()
        # URL -> (status, body): answered instead of the imitation's default, so a test can
        # change a page between runs (change detection)
        self.pages: dict[str, tuple[int, bytes]] = {}
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
