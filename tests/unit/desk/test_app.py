"""The desk's routing, access rules and response headers, called without sockets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from collector.desk.app import (
    CSP,
    Desk,
    Response,
    is_loopback,
    match_route,
    split_path,
    when,
)
from collector.errors import UsageError
from collector.records.index import Index
from tests.unit.desk.conftest import PASSWORD, cookies_of, file_capture, request


def body(response: Response) -> str:
    assert isinstance(response.body, bytes)
    return response.body.decode()


def only_capture(desk: Desk) -> str:
    with Index(desk.store.index_path, read_only=True) as index:
        (row,) = index.captures()
    return str(row["id"])


def csrf_of(desk: Desk, cookies: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """The CSRF token in the forms of a capture page, and the cookies to send with it."""
    page = desk.handle(request("GET", f"/captures/{only_capture(desk)}", cookies=cookies))
    jar = {**(cookies or {}), **cookies_of(page)}
    match = re.search(r'name="csrf" value="([^"]+)"', body(page))
    assert match
    return match.group(1), jar


def sign_in(desk: Desk, name: str) -> tuple[str, dict[str, str]]:
    page = desk.handle(request("GET", "/signin"))
    jar = cookies_of(page)
    token = re.search(r'name="csrf" value="([^"]+)"', body(page))
    assert token
    done = desk.handle(
        request(
            "POST",
            "/signin",
            {"name": name, "password": PASSWORD, "csrf": token.group(1)},
            cookies=jar,
        )
    )
    assert done.status == 302, body(done)
    jar.update(cookies_of(done))
    return csrf_of(desk, jar)


# --- paths and routes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("/", ()),
        ("/captures/abc", ("captures", "abc")),
        ("/cases/BKPSDM%2F2024", ("cases", "BKPSDM/2024")),  # decoded inside its segment
        ("/cases/Kasus%20A", ("cases", "Kasus A")),
    ],
)
def test_split_path(path: str, segments: tuple[str, ...]) -> None:
    assert split_path(path) == segments


@pytest.mark.parametrize(
    "path",
    [
        "/captures//x",
        "/captures/../index.db",
        "/captures/%2e%2e/x",
        "/captures/x/files/..",
        "/captures/x/files/a%5cb",
        "/captures/x/files/a%00b",
        "captures/x",
    ],
)
def test_paths_that_are_not_plain_are_refused(path: str) -> None:
    assert split_path(path) is None


def test_routes_take_ids_and_names_only_in_their_own_shape() -> None:
    route, _ = match_route("GET", ("captures", "20261125T011530123Z-3fa9c2", "files", "dom.html"))
    assert route is not None and route[1] == "artifact"
    for bad in ("..", "a/b", "../x", ".hidden", "a b", "a\\b", "x" * 200):
        route, _ = match_route("GET", ("captures", "c1", "files", bad))
        assert route is None, bad
    route, other = match_route("DELETE", ("captures", "c1"))
    assert route is None and other
    route, _ = match_route("HEAD", ("captures", "c1"))
    assert route is not None


def test_loopback_names() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.8.9.10") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert not is_loopback("desk.example") and not is_loopback("localhost.evil.test")


def test_filter_dates_are_wib_days() -> None:
    assert when("2026-11-25") == "2026-11-24T17:00:00.000Z"
    assert when("2026-11-25", end=True) == "2026-11-25T17:00:00.000Z"
    assert when("2026-11-25T01:02:03Z") == "2026-11-25T01:02:03.000Z"
    assert when(None) is None
    with pytest.raises(UsageError):
        when("kemarin")


# --- every response ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/", "/nope", "/static/desk.css", "/api/captures", "/search"])
def test_every_response_carries_the_security_headers(local_desk: Desk, target: str) -> None:
    response = local_desk.handle(request("GET", target))
    assert response.header("Content-Security-Policy") == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert response.header("X-Content-Type-Options") == "nosniff"
    assert response.header("X-Frame-Options") == "DENY"
    assert response.header("Cache-Control")


def test_static_files_are_only_the_packaged_ones(local_desk: Desk) -> None:
    css = local_desk.handle(request("GET", "/static/desk.css"))
    assert css.status == 200 and css.content_type.startswith("text/css")
    js = local_desk.handle(request("GET", "/static/desk.js"))
    assert js.status == 200 and js.content_type.startswith("text/javascript")
    for target in ("/static/../app.py", "/static/app.py", "/static/%2e%2e/app.py", "/static/"):
        assert local_desk.handle(request("GET", target)).status == 404, target


# --- artifacts -------------------------------------------------------------------------------


def test_screenshots_inline_everything_else_a_download(local_desk: Desk) -> None:
    cid = only_capture(local_desk)
    shot = local_desk.handle(request("GET", f"/captures/{cid}/files/screenshot.png"))
    assert shot.status == 200 and shot.content_type == "image/png"
    assert shot.header("Content-Disposition") is None
    assert isinstance(shot.body, Path) and shot.body.name == "screenshot.png"
    for name in ("dom.html", "text.txt", "manifest.json", "SHA256SUMS"):
        got = local_desk.handle(request("GET", f"/captures/{cid}/files/{name}"))
        assert got.status == 200, name
        assert got.content_type == "application/octet-stream"
        assert (got.header("Content-Disposition") or "").startswith("attachment;")
        assert got.header("X-Content-Type-Options") == "nosniff"


TRAVERSALS = (
    "files/..%2fmanifest.json",
    "files/..%2F..%2Findex.db",
    "files/%2e%2e",
    "files/..",
    "files/../../index.db",
    "files/index.db",
    "files/custody.jsonl",
    "files/screenshot.PNG",
    "files/%2fetc%2fpasswd",
    "files/screenshot.png%00.html",
    "files/.",
    "files/dom.html/",
    "files",
    "files/a/b",
)


def test_artifact_traversal_is_404(local_desk: Desk) -> None:
    cid = only_capture(local_desk)
    for tail in TRAVERSALS:
        response = local_desk.handle(request("GET", f"/captures/{cid}/{tail}"))
        assert response.status == 404, (tail, response.status)


def test_artifacts_need_the_exact_capture_id(local_desk: Desk) -> None:
    cid = only_capture(local_desk)
    suffix = cid.split("-")[-1]
    assert local_desk.handle(request("GET", f"/captures/{suffix}/files/dom.html")).status == 404
    # the page itself accepts a unique prefix or suffix, and redirects to the full id
    page = local_desk.handle(request("GET", f"/captures/{suffix}"))
    assert page.status == 302 and page.header("Location") == f"/captures/{cid}"


def test_a_modified_artifact_is_not_served(local_desk: Desk) -> None:
    cid = only_capture(local_desk)
    with Index(local_desk.store.index_path, read_only=True) as index:
        folder = local_desk.store.root / index.resolve(cid)["folder"]
    path = folder / "dom.html"
    folder.chmod(0o755)
    path.chmod(0o644)
    path.write_bytes(b"<script>tampered</script>")
    response = local_desk.handle(request("GET", f"/captures/{cid}/files/dom.html"))
    assert response.status == 409
    assert "SHA-256" in body(response)


# --- who may do what -----------------------------------------------------------------------------


def test_local_operator_works_without_signing_in(local_desk: Desk) -> None:
    page = local_desk.handle(request("GET", "/"))
    assert page.status == 200
    assert "operator lokal" in body(page)
    assert "desk_csrf" in cookies_of(page)


def test_local_mode_answers_to_loopback_host_names_only(local_desk: Desk) -> None:
    for host in ("evil.example", "evil.example:8700", "192.168.1.5:8700"):
        response = local_desk.handle(request("GET", "/", headers={"Host": host}))
        assert response.status == 421, host
    for host in ("localhost:8700", "[::1]:8700", "127.0.0.1"):
        assert local_desk.handle(request("GET", "/", headers={"Host": host})).status == 200


def test_posts_need_the_csrf_token(local_desk: Desk) -> None:
    cid = only_capture(local_desk)
    token, jar = csrf_of(local_desk)
    target = f"/captures/{cid}/note"
    missing = local_desk.handle(request("POST", target, {"text": "x"}, cookies=jar))
    assert missing.status == 403
    wrong = local_desk.handle(request("POST", target, {"text": "x", "csrf": "A" * 43}, cookies=jar))
    assert wrong.status == 403
    no_cookie = local_desk.handle(request("POST", target, {"text": "x", "csrf": token}))
    assert no_cookie.status == 403  # a fresh cookie is not the one the form carries
    foreign = local_desk.handle(
        request(
            "POST",
            target,
            {"text": "x", "csrf": token},
            cookies=jar,
            headers={"Origin": "http://evil.example"},
        )
    )
    assert foreign.status == 403
    ok = local_desk.handle(request("POST", target, {"text": "catatan", "csrf": token}, cookies=jar))
    assert ok.status == 303, body(ok)
    with Index(local_desk.store.index_path, read_only=True) as index:
        notes = [r for r in index.custody_rows() if r["action"] == "note"]
    assert len(notes) == 1 and notes[0]["actor"] == local_desk.local_name


def test_with_users_every_page_needs_a_session(users_desk: Desk) -> None:
    page = users_desk.handle(request("GET", "/cases"))
    assert page.status == 302 and page.header("Location") == "/signin?next=%2Fcases"
    assert users_desk.handle(request("GET", "/api/captures")).status == 401
    assert users_desk.handle(request("GET", "/signin")).status == 200
    bogus = {"desk_session": "x" * 43}
    assert users_desk.handle(request("GET", "/", cookies=bogus)).status == 302


def test_roles(users_desk: Desk) -> None:
    cid = only_capture(users_desk)
    token, jar = sign_in(users_desk, "rina")  # reviewer
    assert users_desk.handle(request("GET", "/", cookies=jar)).status == 200
    assert users_desk.handle(request("GET", "/report", cookies=jar)).status == 403
    form = {"csrf": token, "reason": "salah", "confirm": "yes"}
    retire = users_desk.handle(request("POST", f"/captures/{cid}/retire", form, cookies=jar))
    assert retire.status == 403
    export = users_desk.handle(
        request("POST", "/cases/UNIT-1/export", {"csrf": token, "format": "zip"}, cookies=jar)
    )
    assert export.status == 403
    assert users_desk.handle(request("GET", "/users", cookies=jar)).status == 403
    note = users_desk.handle(
        request("POST", f"/captures/{cid}/note", {"csrf": token, "text": "dicek"}, cookies=jar)
    )
    assert note.status == 303
    token, jar = sign_in(users_desk, "dwi")  # investigator
    assert users_desk.handle(request("GET", "/report", cookies=jar)).status == 200
    assert users_desk.handle(request("GET", "/users", cookies=jar)).status == 403
    token, jar = sign_in(users_desk, "boss")  # admin
    assert users_desk.handle(request("GET", "/users", cookies=jar)).status == 200
    with Index(users_desk.store.index_path, read_only=True) as index:
        notes = [r for r in index.custody_rows() if r["action"] == "note"]
    assert [n["actor"] for n in notes] == ["rina"]


def test_sign_in_is_rate_limited(users_desk: Desk) -> None:
    page = users_desk.handle(request("GET", "/signin"))
    jar = cookies_of(page)
    match = re.search(r'name="csrf" value="([^"]+)"', body(page))
    assert match
    form = {"name": "boss", "password": "salah-salah-salah", "csrf": match.group(1)}
    statuses = [
        users_desk.handle(request("POST", "/signin", form, cookies=jar)).status for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    right = users_desk.handle(
        request("POST", "/signin", {**form, "password": PASSWORD}, cookies=jar)
    )
    assert right.status == 429  # even the right password waits
    assert right.header("Retry-After")


def test_sign_out_ends_the_session(users_desk: Desk) -> None:
    token, jar = sign_in(users_desk, "rina")
    out = users_desk.handle(request("POST", "/signout", {"csrf": token}, cookies=jar))
    assert out.status == 302
    assert users_desk.handle(request("GET", "/", cookies=jar)).status == 302


def test_next_after_sign_in_stays_on_the_desk(users_desk: Desk) -> None:
    page = users_desk.handle(request("GET", "/signin?next=//evil.example/x"))
    assert 'name="next" value="/"' in body(page)


# --- the API --------------------------------------------------------------------------------------


def test_api_captures_pages_newest_first(store_root: Path) -> None:
    ids = [file_capture(store_root, title=f"t{n}").capture_id for n in range(5)]
    desk = Desk(store_root)
    got = desk.handle(request("GET", "/api/captures?limit=2"))
    rows = json.loads(body(got))
    assert [r["id"] for r in rows] == ids[::-1][:2]
    link = got.header("Link")
    assert link and 'rel="next"' in link
    nxt = link[1 : link.index(">")]
    rows = json.loads(body(desk.handle(request("GET", nxt))))
    assert [r["id"] for r in rows] == ids[::-1][2:4]


def test_api_findings(store_root: Path) -> None:
    finding = {
        "n": 1,
        "kind": "comment",
        "item_text": "<b>Coblos 02</b>",
        "crop": {"artifact": "find-1.png", "sha256": "0" * 64},
    }
    filed = file_capture(store_root, findings=[finding])
    desk = Desk(store_root)
    got = desk.handle(request("GET", f"/api/captures/{filed.capture_id}/findings"))
    assert json.loads(body(got)) == [finding]
    page = body(desk.handle(request("GET", f"/captures/{filed.capture_id}")))
    assert "&lt;b&gt;Coblos 02&lt;/b&gt;" in page and "<b>Coblos" not in page
    assert f"/captures/{filed.capture_id}/files/find-1.png" in page
    listed = body(desk.handle(request("GET", "/?findings=1")))
    assert filed.capture_id in listed
    assert filed.capture_id not in body(desk.handle(request("GET", "/?findings=0")))


def test_list_filters_and_keyset_paging(store_root: Path) -> None:
    from collector.desk.app import DeskSettings

    for n in range(7):
        file_capture(store_root, title=f"judul-{n}", case="A" if n % 2 else "B")
    file_capture(store_root, url="https://x.com/budi", title="di x", case="B")
    desk = Desk(store_root, DeskSettings(page_size=3))
    first = body(desk.handle(request("GET", "/?case=B")))
    assert "(5)" in first  # 4 of B plus the x.com one
    assert first.count('<tr data-id="') == 3
    older = re.search(r'rel="next" href="([^"]+)"', first)
    assert older
    second = body(desk.handle(request("GET", older.group(1).replace("&amp;", "&"))))
    assert second.count('<tr data-id="') == 2
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert body(desk.handle(request("GET", "/?platform=x"))).count('<tr data-id="') == 1


def test_a_retired_capture_with_its_files_deleted(local_desk: Desk) -> None:
    cid = only_capture(local_desk)
    token, jar = csrf_of(local_desk)
    form = {"csrf": token, "reason": "salah orang", "delete_files": "yes"}
    unconfirmed = local_desk.handle(request("POST", f"/captures/{cid}/retire", form, cookies=jar))
    assert unconfirmed.status == 400 and "confirm" in body(unconfirmed)
    done = local_desk.handle(
        request("POST", f"/captures/{cid}/retire", {**form, "confirm": "yes"}, cookies=jar)
    )
    assert done.status == 303, body(done)
    page = body(local_desk.handle(request("GET", f"/captures/{cid}")))
    assert "DITARIK" in page and "files were deleted" in page
    assert f"/captures/{cid}/verify" not in page  # nothing left to re-hash
    assert local_desk.handle(request("GET", f"/captures/{cid}/files/dom.html")).status == 404
    assert local_desk.handle(request("GET", f"/captures/{cid}/thumb")).status == 404
    assert local_desk.handle(request("GET", f"/api/captures/{cid}")).status == 410
    listed = body(local_desk.handle(request("GET", "/")))
    assert "ditarik / retired" in listed
