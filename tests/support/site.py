"""A local test site: every page shape a capture meets, served over HTTP and HTTPS.

Routes (GET):
  /page/indonesian          Indonesian text with emoji
  /redirect/N               N hops (301, 302, 307, ...) ending at /final
  /final                    the end of a redirect chain
  /tall?h=40000             a tall page with a red bar at the very bottom
  /lazy                     loading=lazy and IntersectionObserver images far below the fold
  /feed?pages=6             an infinite feed that fetches more posts near the bottom
  /endless                  a feed that never ends
  /gzip                     a gzip-encoded HTML response
  /missing                  404 with a body
  /slow?ms=1500             answers after a delay
  /hang                     accepts the connection and never answers
  /alert                    alert(), confirm() and prompt() on load
  /empty                    an empty body
  /download                 Content-Disposition: attachment
  /to-file                  redirects to file:///etc/passwd
  /to?u=URL                 redirects to URL as given (javascript:, view-source:, ...)
  /wide?w=30000             a page wider than Chromium can shoot in one piece
  /img/RRGGBB.png           a solid 300x200 PNG of that colour
  /cookie                   sets a session cookie, then sends it (and an Authorization
                            header) on sub-requests: secrets a package must redact
  /xss                      title and text full of <script> and <img onerror> payloads
  /date?offset=-3600        a page whose Date header is off by that many seconds
  /legacy                   an HTML 4.01 doctype with public and system identifiers
  /xhtml                    an application/xhtml+xml document
  /spoof                    scripts that redefine document.title, innerText, the user
                            agent and Array.from, to fool whatever reads the page
Requests with an absolute URI (a proxy request) are recorded in `proxied`.
"""

from __future__ import annotations

import gzip
import http.server
import re
import ssl
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

GZIP_HTML = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Berkas terkompresi</title></head>"
    "<body><h1>Isi terkompresi gzip</h1><p>"
    + "Netralitas ASN dijaga. " * 200
    + "</p></body></html>"
).encode()
INDONESIAN_TEXT = "Selamat pagi, Bapak/Ibu ASN! Jaga netralitas di Pilkada 🗳️🇮🇩 — terima kasih 🙏"


def solid_png(rgb: tuple[int, int, int], width: int = 300, height: int = 200) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _html(title: str, body: str, head: str = "") -> bytes:
    return (
        f"<!doctype html><html lang='id'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>body{{margin:0;font-family:sans-serif}} h1{{margin:0}}</style>{head}</head><body>{body}</body></html>"
    ).encode()


class SiteHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def log_message(self, format: str, *args: object) -> None:
        pass

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
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("http://") or self.path.startswith("https://"):
            self.server.proxied.append(self.path)
            parts = urlsplit(self.path)
            self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        for pattern, handler in ROUTES:
            match = re.fullmatch(pattern, parts.path)
            if match:
                handler(self, match, query)
                return
        self.send(404, _html("Tidak ditemukan", "<h1>404 — halaman tidak ada</h1>"))


def r_indonesian(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(200, _html("Pengumuman 📢 ASN", f"<h1>Pengumuman</h1><p id='t'>{INDONESIAN_TEXT}</p>"))


def r_redirect(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    n = int(m.group(1))
    codes = {3: 301, 2: 302, 1: 307}
    target = "/final" if n <= 1 else f"/redirect/{n - 1}"
    h.send(codes.get(n, 302), b"", headers={"Location": target})


def r_final(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(200, _html("Tujuan akhir", "<h1>Tujuan akhir</h1><p>Rantai pengalihan selesai.</p>"))


def r_tall(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    height = int(q.get("h", "40000"))
    body = (
        f"<div style='height:{height - 200}px;background:linear-gradient(#ffffff,#dddddd)'>"
        "<h1>Halaman sangat panjang</h1></div>"
        "<div id='bottom' style='height:200px;background:#ff0000;color:#fff'>BAWAH / BOTTOM</div>"
    )
    h.send(200, _html("Halaman panjang", body))


def r_lazy(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    body = (
        "<div style='height:3000px'>Gulir ke bawah</div>"
        "<img id='lazy' loading='lazy' src='/img/00c000.png' width='300' height='200'>"
        "<div style='height:3000px'></div>"
        "<img id='io' data-src='/img/0000ff.png' width='300' height='200' style='background:#fff'>"
        "<div style='height:400px'></div>"
        "<script>new IntersectionObserver((es, o) => es.forEach(e => { if (e.isIntersecting) {"
        " e.target.src = e.target.dataset.src; o.unobserve(e.target); } }))"
        ".observe(document.getElementById('io'));</script>"
    )
    h.send(200, _html("Gambar malas", body))


_FEED_JS = """
let page = 0; const limit = LIMIT;
function more() {
  if (limit && page >= limit) return;
  page += 1;
  for (let i = 1; i <= 4; i++) {
    const d = document.createElement('div');
    d.className = 'post'; d.style.height = '500px'; d.style.borderBottom = '1px solid #999';
    d.textContent = 'Postingan ' + ((page - 1) * 4 + i);
    document.getElementById('feed').appendChild(d);
  }
}
more();
new IntersectionObserver(es => { if (es[0].isIntersecting) fetch('/final').then(r => r.text()).then(more); })
  .observe(document.getElementById('end'));
"""


def r_feed(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    limit = q.get("pages", "6") if m.group(0) == "/feed" else "0"
    js = _FEED_JS.replace("LIMIT", limit)
    h.send(
        200,
        _html(
            "Linimasa",
            f"<div id='feed'></div><div id='end' style='height:2px'></div><script>{js}</script>",
        ),
    )


def r_gzip(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(
        200,
        gzip.compress(GZIP_HTML, mtime=0),
        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
    )


def r_missing(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(404, _html("Maaf, halaman ini tidak tersedia", "<h1>Unggahan telah dihapus</h1>"))


def r_slow(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    time.sleep(int(q.get("ms", "1500")) / 1000)
    h.send(200, _html("Lambat", "<p>Akhirnya dimuat setelah menunggu sebentar.</p>"))


def r_hang(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.server.stopping.wait(120)  # never answers while the server runs


def r_alert(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(
        200,
        _html(
            "Peringatan",
            "<p>Halaman dengan dialog</p>",
            "<script>alert('Halo dari halaman'); confirm('Lanjut?'); prompt('Nama?', 'x');</script>",
        ),
    )


def r_empty(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(200, b"<!doctype html><html><head><title></title></head><body></body></html>")


def r_download(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(200, b"a,b\n1,2\n", "text/csv", {"Content-Disposition": "attachment; filename=data.csv"})


def r_to_file(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(302, b"", headers={"Location": "file:///etc/passwd"})


def r_to(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    h.send(302, b"", headers={"Location": q["u"]})


def r_wide(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    w = int(q.get("w", "30000"))
    h.send(
        200,
        _html(
            "Lebar",
            f"<div style='width:{w}px;height:300px;background:#eee'>halaman yang lebar sekali</div>",
        ),
    )


def r_date(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    import email.utils

    body = _html("Jam server", f"<h1>Jam server</h1><p>{INDONESIAN_TEXT}</p>")
    h.send_response_only(200)  # without the automatic Date header
    h.send_header(
        "Date", email.utils.formatdate(time.time() + float(q.get("offset", "0")), usegmt=True)
    )
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def r_img(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    hexcolor = m.group(1)
    rgb = (int(hexcolor[0:2], 16), int(hexcolor[2:4], 16), int(hexcolor[4:6], 16))
    h.send(200, solid_png(rgb), "image/png")


SECRET_COOKIE = "sesi=RAHASIA-COOKIE-5f2a"
SECRET_TOKEN = "Bearer RAHASIA-TOKEN-9c1d"


def r_cookie(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    body = (
        "<h1>Halaman dengan sesi</h1><p>Masuk sebagai tamu.</p>"
        "<img src='/img/00aa00.png' width='300' height='200'>"
        # the token is assembled at run time: it travels in a header, not in the page body
        "<script>fetch('/final', {headers: {Authorization: 'Bearer ' + "
        "['RAHASIA', 'TOKEN', '9c1d'].join('-')}});</script>"
    )
    h.send(200, _html("Sesi", body), headers={"Set-Cookie": f"{SECRET_COOKIE}; Path=/"})


XSS_PAYLOADS = (
    "<script>window.__pwned = 1; alert('xss')</script>",
    "<img src=x onerror=\"window.__pwned = 2; document.title = 'PWNED'; alert('img')\">",
    '"><svg onload=alert(3)>',
)


def r_xss(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    import html as _h

    text = "".join(f"<p>{_h.escape(p)}</p>" for p in XSS_PAYLOADS)
    title = _h.escape(XSS_PAYLOADS[0] + " " + XSS_PAYLOADS[1])
    h.send(200, _html(title, "<h1>Judul berbahaya</h1>" + text))


LEGACY_DOCTYPE = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
    '"http://www.w3.org/TR/html4/loose.dtd">'
)


def r_legacy(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    page = (
        f"{LEGACY_DOCTYPE}<!-- diunggah 2019 --><HTML><HEAD><TITLE>Lama</TITLE></HEAD><BODY>"
        "<P>Pengumuman lama<BR>tanpa tag penutup &amp; entitas &copy; 2019</BODY></HTML>"
    )
    h.send(200, page.encode("utf-8"))


def r_xhtml(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="id"><head><title>XHTML</title></head>'
        "<body><p>Netralitas ASN &#x1F5F3;<br/>baris kedua</p></body></html>"
    )
    h.send(200, doc.encode("utf-8"), "application/xhtml+xml; charset=utf-8")


SPOOF_TEXT = "Teks asli unggahan: ayo dukung pasangan nomor 2"
SPOOF_SCRIPT = """
Object.defineProperty(document, 'title', {get() { return 'JUDUL PALSU'; }});
Object.defineProperty(HTMLElement.prototype, 'innerText', {get() { return 'TEKS PALSU'; }});
Object.defineProperty(navigator, 'userAgent', {get() { return 'AgenPalsu/1.0'; }});
Array.from = undefined;
"""


def r_spoof(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    body = f"<h1>{SPOOF_TEXT}</h1><script>{SPOOF_SCRIPT}</script>"
    h.send(200, _html("Judul asli", body))


STYLED_BACKGROUND = "rgb(12, 34, 56)"  # what /styled.css sets, to tell a styled replay


def r_styled(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    # The script fetches the stylesheet and never reads the answer: sent with no-store,
    # Chromium keeps no body for it (HAR content.size -1), beside the <link>'s full copy.
    head = "<script>fetch('/styled.css')</script><link rel='stylesheet' href='/styled.css'>"
    h.send(200, _html("Halaman bergaya", "<h1>Bergaya</h1><p>Latar berwarna.</p>", head))


def r_styled_css(h: SiteHandler, m: re.Match[str], q: dict[str, str]) -> None:
    css = f"body{{background-color:{STYLED_BACKGROUND}}} h1{{color:rgb(250, 250, 250)}}"
    h.send(200, css.encode(), "text/css", headers={"Cache-Control": "no-store"})


Route = Callable[[SiteHandler, re.Match[str], dict[str, str]], None]
ROUTES: list[tuple[str, Route]] = [
    (r"/page/indonesian", r_indonesian),
    (r"/redirect/(\d+)", r_redirect),
    (r"/final", r_final),
    (r"/tall", r_tall),
    (r"/lazy", r_lazy),
    (r"/feed|/endless", r_feed),
    (r"/gzip", r_gzip),
    (r"/missing", r_missing),
    (r"/slow", r_slow),
    (r"/hang", r_hang),
    (r"/alert", r_alert),
    (r"/empty", r_empty),
    (r"/download", r_download),
    (r"/to-file", r_to_file),
    (r"/to", r_to),
    (r"/wide", r_wide),
    (r"/img/([0-9a-f]{6})\.png", r_img),
    (r"/cookie", r_cookie),
    (r"/xss", r_xss),
    (r"/date", r_date),
    (r"/legacy", r_legacy),
    (r"/xhtml", r_xhtml),
    (r"/spoof", r_spoof),
    (r"/styled", r_styled),
    (r"/styled\.css", r_styled_css),
]


class SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), SiteHandler)
        self.proxied: list[str] = []
        self.stopping = threading.Event()
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


def self_signed_context(folder: Path) -> ssl.SSLContext:
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
