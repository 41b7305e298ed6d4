"""Imitation pages written by a reviewer who had not seen the rules (tests/support/unseen_pages.py,
Indonesian UI; `?hl=en` gives English): what each shows a hearing, and that nothing on
them is ever acted on. Each page is served at its platform's path on a local server and
captured with `--platform`, as the platform's own address would be classified.

The pages load rows on scroll (`/api/feed`), and every social control on them calls
`/api/social/<what>` by POST: the server counts those, and none may ever arrive."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support import unseen_pages
from tests.support.helpers import capture_folders, run_cli

# the page's path on its platform -> its file name in unseen_pages.PAGES
ROUTES = {urlsplit(url).path: name for url, name in unseen_pages.ROUTES.items()}
# "p4" -> "/reel/KAMPANYE02/"
ROUTES_PATH = {name.split("_")[0]: path for path, name in ROUTES.items()}


# His own comment: his avatar links to his profile with a query the name's link does not
# have (Facebook adds comment ids): still his, so still his comment.
AVATAR_QUERY = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Kiriman</title></head><body><main><article><p>Ayo dukung nomor 1</p>
<section><h2>Komentar</h2><ul>
<li><a href="/lina.rahma"><img alt="" width="32" height="32"
 src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></a>
 <a href="/lina.rahma">Lina Rahma</a> Mantap</li>
<li><a href="/budi.santoso?comment_id=77"><img alt="" width="32" height="32"
 src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></a>
 <a href="/budi.santoso?ref=comment">Budi Santoso</a> Saya ikut kampanye besok</li>
</ul></section></article></main></body></html>"""


class _Site(http.server.ThreadingHTTPServer):
    social: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Site

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, media: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # every POST on these pages is a social action
        self.server.social.append(f"POST {self.path}")
        self._send(b"{}", "application/json")

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(("/api/social/", "/trap/")):
            self.server.social.append(f"GET {self.path}")
            self._send(b"{}", "application/json")
        elif path.startswith("/api/"):
            self._send(b"{}", "application/json")
        elif path == "/avatar-query":
            self._send(AVATAR_QUERY.encode(), "text/html; charset=utf-8")
        elif path in ROUTES:
            self._send(unseen_pages.PAGES[ROUTES[path]].encode(), "text/html; charset=utf-8")
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def unseen() -> Iterator[_Site]:
    server = _Site(("127.0.0.1", 0), _Handler)
    server.social = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def capture(site: _Site, store: Path, path: str, platform: str, *find: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{site.server_port}{path}"
    needles = [arg for value in find for arg in ("--find", value)]
    result = run_cli(
        "capture", url, "--platform", platform, *needles, "--timeout", "20", store=store
    )
    assert result.exit_code in (0, 4), result.output
    (folder,) = capture_folders(store)
    m: dict[str, Any] = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert m["outcome"] == "ok", m["outcome_reason"]
    assert site.social == [], site.social  # evidence rule 6
    return m


def sans_bold(text: str) -> str:
    """Text in MATHEMATICAL SANS-SERIF BOLD letters, as styled display names are written."""
    return "".join(
        chr(0x1D5D4 + ord(c) - 65) if "A" <= c <= "Z" else
        chr(0x1D5EE + ord(c) - 97) if "a" <= c <= "z" else c
        for c in text
    )  # fmt: skip


def found(m: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["kind"], f["item_text"][:60]) for f in m["findings"])


@pytest.mark.parametrize("lang", ["", "&hl=en"])
def test_a_reply_behind_view_replies_and_a_mention_on_a_video_page(
    unseen: _Site, tmp_path: Path, lang: str
) -> None:
    """Comments load as the window scrolls; his reply sits behind "Lihat 3 balasan"."""
    path = ROUTES_PATH["p1"] + "?v=KAMPANYE7" + lang
    m = capture(unseen, tmp_path / "e", path, "youtube", "@budi.santoso", "Budi Santoso")
    assert [k for k, _ in found(m)] == ["mention", "reply"], found(m)


def test_a_comment_in_a_pane_inside_an_article(unseen: _Site, tmp_path: Path) -> None:
    m = capture(unseen, tmp_path / "e", ROUTES_PATH["p7"], "web", "budi.santoso", "Budi Santoso")
    assert [k for k, _ in found(m)] == ["comment"], found(m)
    assert m["findings"][0]["surface"] == "container-1.png"


@pytest.mark.parametrize("lang", ["", "?hl=en"])
def test_a_groups_members_list_files_membership(unseen: _Site, tmp_path: Path, lang: str) -> None:
    """Joining a campaign's group is one of the acts the rules forbid."""
    m = capture(
        unseen, tmp_path / "e", ROUTES_PATH["p2"] + lang, "facebook", "budi.santoso", "Budi Santoso"
    )
    assert [k for k, _ in found(m)] == ["member"], found(m)
    assert m["findings"][0]["rule"].startswith(("generic.members", "url.group_members"))


def test_one_row_of_a_reposts_list_is_one_share(unseen: _Site, tmp_path: Path) -> None:
    m = capture(unseen, tmp_path / "e", ROUTES_PATH["p3a"], "x", "budi_santoso", "Budi Santoso")
    assert [k for k, _ in found(m)] == ["share"], found(m)


def test_on_the_quotes_page_a_name_in_a_quote_is_a_mention(unseen: _Site, tmp_path: Path) -> None:
    m = capture(unseen, tmp_path / "e", ROUTES_PATH["p3b"], "x", "budi_santoso", "Budi Santoso")
    kinds = found(m)
    assert [k for k, _ in kinds] == ["mention", "share"], kinds
    share = next(t for k, t in kinds if k == "share")
    mention = next(t for k, t in kinds if k == "mention")
    assert share.startswith("Budi Santoso") and mention.startswith("Lina Rahma")


@pytest.mark.parametrize("lang", ["", "?hl=en"])
def test_likers_open_from_the_control_inside_the_likes_sentence(
    unseen: _Site, tmp_path: Path, lang: str
) -> None:
    """ "Disukai oleh andi.wijaya dan 212 lainnya": only "212 lainnya" opens the dialog."""
    m = capture(unseen, tmp_path / "e", ROUTES_PATH["p4"] + lang, "instagram", "budi.santoso")
    assert [k for k, _ in found(m)] == ["like"], found(m)
    (click,) = m["expand"]["clicks"]
    # pressed: the span inside the sentence (#likes), which the sentence's text matched
    assert (
        click["rule"] == "instagram.likes" and click["selector"] == "#likes > span:nth-of-type(1)"
    )
    assert m["findings"][0]["surface"] == "container-1.png"


@pytest.mark.parametrize("lang", ["", "?hl=en"])
def test_named_only_by_others_is_never_their_comment(
    unseen: _Site, tmp_path: Path, lang: str
) -> None:
    """Budi never writes on this thread; one comment opens with @budi.santoso, by an
    author shown only as an avatar linking to her profile."""
    m = capture(
        unseen, tmp_path / "e", ROUTES_PATH["p5"] + lang, "web", "budi.santoso", "Budi Santoso"
    )
    kinds = [k for k, _ in found(m)]
    assert kinds and set(kinds) == {"mention"}, found(m)


@pytest.mark.parametrize("lang", ["", "?hl=en"])
def test_a_followers_list_behind_load_more_with_follow_buttons(
    unseen: _Site, tmp_path: Path, lang: str
) -> None:
    m = capture(
        unseen, tmp_path / "e", ROUTES_PATH["p8"] + lang, "web", "budi.santoso", "Budi Santoso"
    )
    assert [k for k, _ in found(m)] == ["follower"], found(m)
    assert {c["rule"] for c in m["expand"]["clicks"]} == {"web.list_more"}
    assert {r["reason"] for r in m["expand"]["refused"]} == {"submits a form", "navigates"}


def test_a_name_in_styled_unicode_is_found_as_written(unseen: _Site, tmp_path: Path) -> None:
    """Display names in "mathematical sans-serif bold" letters, capitals, a title after the
    name, a no-break space: the same name. A name-only search, no handle."""
    m = capture(unseen, tmp_path / "e", ROUTES_PATH["p6"], "facebook", "Budi Santoso")
    styled = [f for f in m["findings"] if f["matched_text"] == sans_bold("Budi Santoso")]
    assert [f["kind"] for f in styled] == ["reply"], found(m)
    assert styled[0]["box"]["width"] > 0  # boxed on the page's own characters
    assert sorted(f["kind"] for f in m["findings"]) == ["comment", "comment", "comment", "reply"]


@pytest.mark.parametrize("find", ["Budi Santoso", "budi.santoso"])
def test_their_avatar_by_another_address_keeps_the_comment_theirs(
    unseen: _Site, tmp_path: Path, find: str
) -> None:
    m = capture(unseen, tmp_path / "e", "/avatar-query", "web", find)
    assert [k for k, _ in found(m)] == ["comment"], found(m)
