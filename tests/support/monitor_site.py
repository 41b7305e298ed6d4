"""A local site whose pages change between captures, for change detection and search.

`ChangingSite.accounts[name]` is an `Account` the test edits between captures; the
server renders it on every request:

  /u/<name>/        a profile imitating an Instagram one: bio, then one block per post
                    (a coloured image and a caption) linking to
                    https://www.instagram.com/p/<code>/ (absolute links, as a real
                    profile's are to its own host)
  a gone account    404 with Instagram's "Sorry, this page isn't available." page, or
                    the same page with HTTP 200 (`gone_status=200`), as the platform
                    really serves it
  /page/<slug>      a plain article whose title and paragraphs the test sets (or that
                    never answers, `hang=True`)
"""

from __future__ import annotations

import html
import http.server
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

NOT_AVAILABLE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Instagram</title></head>"
    "<body><h2>Sorry, this page isn't available.</h2><p>The link you followed may be broken, "
    "or the page may have been removed. Go back to Instagram.</p></body></html>"
)


@dataclass
class Post:
    code: str
    caption: str
    colour: str = "#3a7bd5"


@dataclass
class Account:
    name: str
    bio: str
    posts: list[Post] = field(default_factory=list)
    layout: str = "list"  # "list" (one post per row) or "grid" (three per row)
    gone: bool = False
    gone_status: int = 404


@dataclass
class Article:
    title: str
    paragraphs: list[str]
    hang: bool = False  # accept the request and never answer (until the site stops)


def render_account(a: Account) -> str:
    e = html.escape
    if a.layout == "grid":
        posts = "".join(
            f"<a href='https://www.instagram.com/p/{e(p.code)}/' style='display:block;width:30%;"
            f"height:300px;margin:1%;float:left;background:{e(p.colour)}'>"
            f"<span style='color:#fff'>{e(p.caption)}</span></a>"
            for p in a.posts
        )
    else:
        posts = "".join(
            f"<article><a href='https://www.instagram.com/p/{e(p.code)}/' style='display:block;"
            f"width:60%;height:260px;background:{e(p.colour)}'></a><p>{e(p.caption)}</p></article>"
            for p in a.posts
        )
    return (
        f"<!doctype html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>{e(a.name)} (@{e(a.name)}) • Instagram photos and videos</title>"
        "<style>body{margin:0;font-family:sans-serif} header{height:180px;background:#222;"
        "color:#eee;padding:20px}</style></head>"
        f"<body><header><h1>{e(a.name)}</h1><p>{e(a.bio)}</p></header>"
        f"<main>{posts}</main></body></html>"
    )


class ChangingSite(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.accounts: dict[str, Account] = {}
        self.articles: dict[str, Article] = {}
        self.stopping = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def profile_url(self, name: str) -> str:
        return f"{self.base}/u/{name}/"

    def article_url(self, slug: str) -> str:
        return f"{self.base}/page/{slug}"

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ChangingSite

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if m := re.fullmatch(r"/u/([^/]+)/", path):
            account = self.server.accounts.get(m.group(1))
            if account is None or account.gone:
                status = account.gone_status if account else 404
                self._send(status, NOT_AVAILABLE)
            else:
                self._send(200, render_account(account))
            return
        if m := re.fullmatch(r"/page/([^/]+)", path):
            article = self.server.articles.get(m.group(1))
            if article is not None and article.hang:
                self.server.stopping.wait(60)
                return
            if article is not None:
                # site chrome around the article, as on any real portal (and the same on
                # every capture, so it never shows in a diff)
                body = (
                    "<header><nav>Beranda · Berita · Pengumuman · Kontak</nav></header><main>"
                    + "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
                    + "</main><footer>Portal berita Kota Contoh, situs uji collector</footer>"
                )
                self._send(
                    200,
                    f"<!doctype html><html lang='id'><head><meta charset='utf-8'><title>"
                    f"{html.escape(article.title)}</title></head><body>{body}</body></html>",
                )
                return
        self._send(404, "<!doctype html><title>Tidak ditemukan</title><h1>404</h1>")
