"""The desk's server: requests in, routing, who is asking, what they may do, responses out.

`Desk.handle(Request) -> Response` is the whole application, socket-free (unit tests call
it directly); `DeskServer` puts it behind the standard library's ThreadingHTTPServer.

Every response carries a strict Content-Security-Policy (scripts, styles and images from
the desk itself only; no inline script, no frames, forms post only to the desk),
`X-Content-Type-Options: nosniff` and `X-Frame-Options: DENY`. Captured files are never
rendered by the desk: screenshots (PNG files collector itself wrote, checked to be PNG)
are served as `image/png`; every other artifact only as a download
(`Content-Disposition: attachment`, `application/octet-stream`). Artifacts are addressed
by capture id and the artifact's name as the index lists it; the file served is the one
the index names, never a path taken from the request, and its bytes must still match their
recorded SHA-256. Path segments are decoded one by one, so an encoded slash stays inside
its segment and matches nothing.

Access: with no users and a loopback address, the single local operator works without
signing in (as `user@host`), and requests must name a loopback host (no DNS rebinding);
with users, every page but the sign-in page needs a session. State-changing requests are
POSTs with the session's CSRF token (before signing in, a double-submit cookie), and a
cross-origin `Origin` is refused.
"""

from __future__ import annotations

import contextlib
import email.message
import http.server
import ipaddress
import json
import random
import re
import shutil
import socket
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from collector.desk import api, auth, pages
from collector.desk.auth import ADMIN, INVESTIGATOR, REVIEWER, Identity
from collector.desk.intake import QUEUED, IntakeJob, IntakeSettings, IntakeWorker
from collector.desk.thumbs import cache_root, thumbnail
from collector.errors import CaptureNotFound, CollectorError, UsageError
from collector.evidence.hashing import sha256_file
from collector.evidence.store import MANIFEST, SUMS, EvidenceStore, load_manifest
from collector.manifest import Manifest
from collector.models import CaptureJob, Outcome
from collector.records import custody
from collector.records.index import Index
from collector.sites.urls import normalise_target
from collector.timeutil import WIB, parse_rfc3339, rfc3339, utc_now

DEFAULT_PORT = 8700
MAX_BODY = 1 << 20
MAX_INTAKE_URLS = 50
STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"desk.css": "text/css; charset=utf-8", "desk.js": "text/javascript; charset=utf-8"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
SESSION_COOKIE, CSRF_COOKIE = "desk_session", "desk_csrf"
# artifacts collector writes as PNG itself: the only files shown inline
INLINE_PNG = re.compile(r"screenshot(-after-consent)?\.png|find-[0-9]+\.png|container-[0-9]+\.png")
CONTROL_NAMES = (MANIFEST, SUMS)  # downloadable too, though the index does not list them
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,127}")
CHANNELS = ("whatsapp", "email", "form", "phone", "in_person", "other")


# --- requests and responses ----------------------------------------------------------------


@dataclass
class Request:
    method: str
    target: str  # as sent: path and query
    headers: email.message.Message = field(default_factory=email.message.Message)
    body: bytes = b""
    client: str = "127.0.0.1"

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self.path = parts.path or "/"
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.segments = split_path(self.path)
        self.cookies = _cookies(self.headers.get("Cookie"))
        self.pre_csrf = ""  # the double-submit token before signing in (Desk._identity)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        self.form: dict[str, list[str]] = {}
        if self.method == "POST" and ctype == "application/x-www-form-urlencoded":
            self.form = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def arg(self, name: str) -> str | None:
        """A query parameter, stripped; None when absent or empty."""
        value = (self.query.get(name) or [""])[0].strip()
        return value or None

    def field(self, name: str) -> str:
        """A form field, with the CRLF line breaks browsers send made plain newlines."""
        return (self.form.get(name) or [""])[0].replace("\r\n", "\n")


@dataclass
class Response:
    status: int = 200
    body: bytes | Path = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    delete_after: bool = False  # a temporary file (an export) to remove once sent

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def split_path(path: str) -> tuple[str, ...] | None:
    """Path segments, each percent-decoded on its own; None for a path that is not plain
    (empty segments, dot segments, NUL or a backslash)."""
    from urllib.parse import unquote

    if not path.startswith("/"):
        return None
    raw = path[1:].split("/")
    if raw == [""]:
        return ()
    out = []
    for part in raw:
        value = unquote(part, errors="strict") if "%" in part else part
        if not value or value in (".", "..") or "\x00" in value or "\\" in value:
            return None
        out.append(value)
    return tuple(out)


def _cookies(header: str | None) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except CookieError:
        return {}
    return {k: v.value for k, v in jar.items()}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- the application -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskSettings:
    intake: IntakeSettings = field(default_factory=IntakeSettings)
    recent_minutes: int = 60  # a reported URL captured this recently is pointed out
    secure_cookies: bool = False  # behind an https proxy: cookies only over https
    page_size: int = 50


Handler = Callable[..., Response]
# (method, path pattern, handler name, least role; None: anyone). Pattern items: literal
# segments, or "{id}" (an id or artifact name), "{text}" (any text: a case).
ROUTES: tuple[tuple[str, tuple[str, ...], str, str | None], ...] = (
    ("GET", (), "list_page", REVIEWER),
    ("GET", ("captures", "{id}"), "capture_page", REVIEWER),
    ("GET", ("captures", "{id}", "files", "{id}"), "artifact", REVIEWER),
    ("GET", ("captures", "{id}", "thumb"), "thumb", REVIEWER),
    ("POST", ("captures", "{id}", "note"), "add_note", REVIEWER),
    ("POST", ("captures", "{id}", "verify"), "verify_capture", REVIEWER),
    ("POST", ("captures", "{id}", "retire"), "retire_capture", ADMIN),
    ("GET", ("search",), "search_page", REVIEWER),
    ("GET", ("changes",), "changes_page", REVIEWER),
    ("GET", ("runs",), "runs_page", REVIEWER),
    ("GET", ("runs", "{id}"), "run_page", REVIEWER),
    ("GET", ("diff",), "diff_pick", REVIEWER),
    ("GET", ("diff", "{id}", "{id}"), "diff_page", REVIEWER),
    ("GET", ("cases",), "cases_page", REVIEWER),
    ("GET", ("cases", "{text}"), "case_page", REVIEWER),
    ("GET", ("cases", "{text}", "report"), "case_report", REVIEWER),
    ("GET", ("cases", "{text}", "reporters.json"), "case_reporters", ADMIN),
    ("POST", ("cases", "{text}", "export"), "case_export", ADMIN),
    ("POST", ("cases", "{text}", "handover"), "case_handover", ADMIN),
    ("GET", ("report",), "intake_form", INVESTIGATOR),
    ("POST", ("report",), "intake_submit", INVESTIGATOR),
    ("GET", ("report", "{id}"), "intake_page", REVIEWER),
    ("GET", ("reports",), "intake_list", REVIEWER),
    ("GET", ("users",), "users_page", ADMIN),
    ("POST", ("users",), "user_add", ADMIN),
    ("POST", ("users", "{id}", "remove"), "user_remove", ADMIN),
    ("POST", ("users", "{id}", "password"), "user_password", ADMIN),
    ("GET", ("signin",), "signin_form", None),
    ("POST", ("signin",), "signin", None),
    ("POST", ("signout",), "signout", None),
    ("GET", ("api", "captures"), "api_captures", REVIEWER),
    ("GET", ("api", "captures", "{id}"), "api_capture", REVIEWER),
    ("GET", ("api", "captures", "{id}", "custody"), "api_custody", REVIEWER),
    ("GET", ("api", "captures", "{id}", "findings"), "api_findings", REVIEWER),
    ("GET", ("api", "search"), "api_search", REVIEWER),
    ("GET", ("api", "changes"), "api_changes", REVIEWER),
    ("GET", ("api", "runs"), "api_runs", REVIEWER),
    ("GET", ("api", "runs", "{id}"), "api_run", REVIEWER),
    ("GET", ("api", "cases"), "api_cases", REVIEWER),
    ("GET", ("api", "reports", "{id}"), "api_report", REVIEWER),
)


def match_route(
    method: str, segments: tuple[str, ...]
) -> tuple[tuple[str, str, str | None, list[str]] | None, bool]:
    """((method, handler, role, arguments) or None, whether the path exists for another
    method)."""
    other_method = False
    for verb, pattern, handler, role in ROUTES:
        if len(pattern) != len(segments):
            continue
        args: list[str] = []
        for want, got in zip(pattern, segments, strict=True):
            if want == "{id}":
                if not _ID.fullmatch(got) or ".." in got:
                    break
                args.append(got)
            elif want == "{text}":
                if len(got) > 200 or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in got):
                    break
                args.append(got)
            elif want != got:
                break
        else:
            if verb == method or (verb == "GET" and method == "HEAD"):
                return (verb, handler, role, args), False
            other_method = True
    return None, other_method


class Desk:
    """The desk over one store. Thread-safe: each request opens its own index connection."""

    def __init__(
        self,
        store_root: Path,
        settings: DeskSettings | None = None,
        *,
        loopback: bool = True,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.store = EvidenceStore(store_root)
        self.settings = settings or DeskSettings()
        self.loopback = loopback
        self.log = log or (lambda message: None)
        self.limiter = auth.SignInLimiter()
        self.worker = IntakeWorker(self.store, self.settings.intake, self.log)
        self.local_name = custody.default_actor()
        self._started = False

    # -- life ---------------------------------------------------------------------------
    def start(self) -> None:
        """Create or migrate the index, mark intake items a stopped desk left behind, and
        start the intake worker."""
        self.store.root.mkdir(parents=True, exist_ok=True)
        with Index(self.store.index_path) as index:
            left = index.interrupt_intake(rfc3339(utc_now()))
        if left:
            self.log(f"intake: {left} item(s) left unfinished by an earlier desk: interrupted")
        self.worker.start()
        self._started = True

    def close(self) -> None:
        if self._started:
            self.worker.stop()
            self._started = False

    # -- one request ----------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        try:
            response = self._handle(req)
        except HttpError as exc:
            response = self._error(req, exc.status, exc.message)
        except CaptureNotFound as exc:
            response = self._error(req, 404, str(exc))
        except UsageError as exc:
            response = self._error(req, 400, str(exc))
        except CollectorError as exc:
            response = self._error(req, 500, str(exc))
        except Exception:  # a bug: say so without details, keep them in the log
            self.log(f"error on {req.method} {req.path}:\n{traceback.format_exc()}")
            response = self._error(req, 500, "Kesalahan internal / internal error (see the log)")
        for name, value in SECURITY_HEADERS:
            if response.header(name) is None:
                response.headers.append((name, value))
        if response.header("Cache-Control") is None:
            response.headers.append(("Cache-Control", "no-store"))
        return response

    def _handle(self, req: Request) -> Response:
        if req.segments is None:
            raise HttpError(404, "Tidak ditemukan / not found")
        if req.segments[:1] == ("static",):
            return self._static(req.segments)
        route, wrong_method = match_route(req.method, req.segments)
        if route is None:
            if wrong_method:
                return Response(405, b"method not allowed\n", "text/plain; charset=utf-8")
            raise HttpError(404, "Tidak ditemukan / not found")
        _, handler_name, role, args = route
        with Index(self.store.index_path, read_only=True) as index:
            users = bool(index.desk_users())
            who, set_cookies = self._identity(req, index, users)
            if who is not None and who.local:
                self._check_local_host(req)
            if role is not None:
                if who is None:
                    if req.segments[:1] == ("api",) or req.method != "GET":
                        raise HttpError(401, "Silakan masuk dulu / sign in first")
                    return _redirect("/signin?" + urlencode({"next": req.target}))
                if not auth.allows(who.role, role):
                    raise HttpError(
                        403, f"Peran {who.role} tidak cukup / the role {who.role} may not do this"
                    )
            if req.method == "POST":
                self._check_post(req, who)
            handler: Handler = getattr(self, handler_name)
            response = handler(req, who, index, *args)
        response.headers.extend(set_cookies)
        if req.method == "HEAD":
            response.body = b""
        return response

    def _identity(
        self, req: Request, index: Index, users: bool
    ) -> tuple[Identity | None, list[tuple[str, str]]]:
        cookies: list[tuple[str, str]] = []
        pre = req.cookies.get(CSRF_COOKIE) or ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", pre):
            pre = auth.new_token()
            cookies.append(("Set-Cookie", self._cookie(CSRF_COOKIE, pre)))
        req.pre_csrf = pre
        if not users:
            if self.loopback:
                return Identity(self.local_name, ADMIN, pre, local=True), cookies
            return None, cookies
        return auth.session_identity(index, req.cookies.get(SESSION_COOKIE)), cookies

    def _cookie(self, name: str, value: str, max_age: int | None = None) -> str:
        parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if self.settings.secure_cookies:
            parts.append("Secure")
        return "; ".join(parts)

    def _check_local_host(self, req: Request) -> None:
        """Without users, only a loopback Host (a web page elsewhere cannot rebind a name
        of its own to 127.0.0.1 and drive the desk)."""
        host = (req.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if not is_loopback(name.strip("[]")):
            raise HttpError(421, "the desk without users answers on localhost only")

    def _check_post(self, req: Request, who: Identity | None) -> None:
        origin = req.headers.get("Origin")
        host = req.headers.get("Host") or ""
        if origin and origin != "null" and urlsplit(origin).netloc != host:
            raise HttpError(403, "cross-origin request refused")
        expected = who.csrf if who is not None else req.pre_csrf
        if not auth.csrf_ok(expected, req.field("csrf") or None):
            raise HttpError(
                403, "Token formulir tidak cocok / the form's CSRF token is missing or wrong"
            )

    def _error(self, req: Request, status: int, message: str) -> Response:
        if req.segments and req.segments[:1] == ("api",):
            return Response(
                status, api.dumps({"error": message}), "application/json; charset=utf-8"
            )
        return Response(status, pages.error_page(status, message).encode("utf-8"))

    def _html(self, body: str, status: int = 200) -> Response:
        return Response(status, body.encode("utf-8"))

    def _ctx(self, req: Request, who: Identity | None, index: Index) -> pages.Context:
        return pages.Context(
            who=who,
            csrf=who.csrf if who is not None else req.pre_csrf,
            users=bool(index.desk_users()),
            store=str(self.store.root),
        )

    # -- static files ---------------------------------------------------------------------
    def _static(self, segments: tuple[str, ...]) -> Response:
        if len(segments) != 2 or segments[1] not in STATIC_FILES:
            raise HttpError(404, "Tidak ditemukan / not found")
        name = segments[1]
        return Response(
            200,
            (STATIC / name).read_bytes(),
            STATIC_FILES[name],
            [("Cache-Control", "max-age=300")],
        )

    # -- sign in and out ------------------------------------------------------------------
    def signin_form(self, req: Request, who: Identity | None, index: Index) -> Response:
        ctx = self._ctx(req, who, index)
        return self._html(pages.signin_page(ctx, _safe_next(req.arg("next")), None))

    def signin(self, req: Request, who: Identity | None, index: Index) -> Response:
        ctx = self._ctx(req, who, index)
        name = req.field("name").strip().lower()
        password = req.field("password")
        keys = (f"addr:{req.client}", f"user:{name}")
        nxt = _safe_next(req.field("next"))
        wait = self.limiter.wait_s(*keys)
        if wait > 0:
            message = (
                f"Terlalu banyak percobaan; coba lagi dalam {int(wait) + 1} detik / too many "
                f"attempts; try again in {int(wait) + 1} s"
            )
            response = self._html(pages.signin_page(ctx, nxt, message), 429)
            response.headers.append(("Retry-After", str(int(wait) + 1)))
            return response
        user = auth.authenticate(index, name, password)
        if user is None:
            self.limiter.failed(*keys)
            self.log(f"sign-in failed for {name!r} from {req.client}")
            message = "Nama atau kata sandi salah / wrong name or password"
            return self._html(pages.signin_page(ctx, nxt, message), 401)
        self.limiter.succeeded(*keys)
        with Index(self.store.index_path) as windex:
            token, _ = auth.start_session(windex, user)
        response = _redirect(nxt or "/")
        response.headers.append(
            ("Set-Cookie", self._cookie(SESSION_COOKIE, token, auth.SESSION_HOURS * 3600))
        )
        self.log(f"signed in: {user['name']} ({user['role']}) from {req.client}")
        return response

    def signout(self, req: Request, who: Identity | None, index: Index) -> Response:
        if who is not None and who.session is not None:
            with Index(self.store.index_path) as windex:
                windex.remove_desk_session(who.session)
        response = _redirect("/signin")
        response.headers.append(("Set-Cookie", self._cookie(SESSION_COOKIE, "", 0)))
        return response

    # -- captures ---------------------------------------------------------------------------
    def _filters(self, req: Request) -> dict[str, Any]:
        filters: dict[str, Any] = {
            "case": req.arg("case"),
            "outcome": req.arg("outcome"),
            "platform": req.arg("platform"),
            "run": req.arg("run"),
            "since": when(req.arg("since")),
            "until": when(req.arg("until"), end=True),
            "url": req.arg("url"),
        }
        findings = req.arg("findings")
        filters["findings"] = {"1": True, "0": False}.get(findings or "")
        return filters

    def _page_rows(
        self, req: Request, index: Index, filters: dict[str, Any], size: int
    ) -> tuple[list[dict[str, Any]], bool, bool]:
        """(rows, newer pages exist, older pages exist) for the keyset cursor in `req`."""
        before, after = cursor(req.arg("before")), cursor(req.arg("after"))
        if after is not None:
            rows = index.capture_page(after=after, limit=size + 1, **filters)
            return rows[-size:], len(rows) > size, True
        rows = index.capture_page(before=before, limit=size + 1, **filters)
        return rows[:size], before is not None, len(rows) > size

    def list_page(self, req: Request, who: Identity | None, index: Index) -> Response:
        filters = self._filters(req)
        size = self.settings.page_size
        rows, newer, older = self._page_rows(req, index, filters, size)
        choices = {
            "case": index.distinct_values("case_id"),
            "platform": index.distinct_values("platform"),
            "outcome": [o.value for o in Outcome],
            "run": [r["id"] for r in index.runs(limit=100)],
        }
        return self._html(
            pages.list_page(
                self._ctx(req, who, index),
                rows,
                total=index.count_captures(**filters),
                query={k: v for k, v in req.query.items() if k not in ("before", "after")},
                choices=choices,
                newer=newer,
                older=older,
            )
        )

    def _exact(self, index: Index, capture_id: str) -> dict[str, Any]:
        row = index.resolve(capture_id)
        if row["id"] != capture_id:
            raise HttpError(404, "Tidak ditemukan / not found")
        return row

    def _capture_file(self, row: dict[str, Any], name: str) -> Path:
        """The file the index names, only if it lies in the store and is a plain file."""
        root = self.store.root.resolve()
        path = (self.store.root / str(row["folder"]) / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise HttpError(404, "Berkas tidak ada / the file is not in the store")
        return path

    def capture_page(self, req: Request, who: Identity | None, index: Index, ref: str) -> Response:
        row = index.resolve(ref)
        if row["id"] != ref:
            return _redirect(f"/captures/{quote(row['id'])}")
        cid = row["id"]
        folder = self.store.root / row["folder"]
        manifest: Manifest | None = None
        digest = None
        if folder.is_dir():
            manifest, digest = load_manifest(folder)
        log = [
            {**r, "capture_ids": json.loads(r["capture_ids"]), "details": json.loads(r["details"])}
            for r in index.custody_rows_of(cid)
        ]
        events = custody.history_of(log, {cid})
        change = next(iter(index.changes(capture_ids=[cid], include_unchanged=True)), None)
        data = pages.CaptureView(
            row=row,
            # the page reads sections other steps own as plain JSON
            manifest=cast("dict[str, Any] | None", manifest),
            manifest_sha256=digest,
            artifacts=index.artifacts(cid),
            timestamps=index.timestamps(cid),
            events=events,
            change=change,
            intake=index.intake_items_of(cid),
        )
        flash = pages.flash(req.arg("done"), req.arg("seq"), req.arg("result"))
        return self._html(pages.capture_page(self._ctx(req, who, index), data, flash))

    def artifact(
        self, req: Request, who: Identity | None, index: Index, cid: str, name: str
    ) -> Response:
        row = self._exact(index, cid)
        expected: str | None
        if name in CONTROL_NAMES:
            expected = row["manifest_sha256"] if name == MANIFEST else None
            media = "application/octet-stream"
        else:
            listed = {a["name"]: a for a in index.artifacts(cid)}
            if name not in listed:
                raise HttpError(404, "Tidak ditemukan / no such artifact")
            expected, media = listed[name]["sha256"], listed[name]["media_type"]
        path = self._capture_file(row, name)
        if expected is not None and sha256_file(path)[0] != expected:
            raise HttpError(
                409,
                f"{name} tidak cocok dengan hash-nya / no longer matches its SHA-256: run "
                "`collector verify`",
            )
        headers = [("Cache-Control", "private, max-age=3600")]
        if INLINE_PNG.fullmatch(name) and media == "image/png" and _is_png(path):
            return Response(200, path, "image/png", headers)
        filename = re.sub(r"[^0-9A-Za-z._-]", "_", f"{cid}-{name}")
        headers.append(("Content-Disposition", f'attachment; filename="{filename}"'))
        return Response(200, path, "application/octet-stream", headers)

    def thumb(self, req: Request, who: Identity | None, index: Index, cid: str) -> Response:
        row = self._exact(index, cid)
        shot = next((a for a in index.artifacts(cid) if a["name"] == "screenshot.png"), None)
        if shot is None:
            raise HttpError(404, "Tidak ada tangkapan layar / no screenshot")
        path = self.store.root / row["folder"] / "screenshot.png"
        made = thumbnail(self.store.root, cid, path, shot["sha256"])
        if made is None:
            raise HttpError(404, "Tidak ada gambar kecil / no thumbnail")
        return Response(200, made, "image/png", [("Cache-Control", "private, max-age=86400")])

    def add_note(self, req: Request, who: Identity | None, index: Index, cid: str) -> Response:
        assert who is not None
        row = self._exact(index, cid)
        with Index(self.store.index_path) as windex:
            entry = custody.add_note(self.store, windex, cid, req.field("text"), who.name)
        return _redirect(
            f"/captures/{quote(row['id'])}?done=note&seq={entry['seq']}#custody", status=303
        )

    def verify_capture(
        self, req: Request, who: Identity | None, index: Index, cid: str
    ) -> Response:
        from collector.review.verify import record_verification, verify_store

        assert who is not None
        self._exact(index, cid)
        seq = ""
        with Index(self.store.index_path) as windex:
            report = verify_store(self.store, windex, [cid])
            if report.custody is not None and report.custody.ok:
                entry = record_verification(self.store, windex, report, [cid], who.name)
                seq = str(entry["seq"])
        result = "pass" if report.ok else "fail"
        return _redirect(
            f"/captures/{quote(cid)}?done=verified&result={result}&seq={seq}#verification",
            status=303,
        )

    def retire_capture(
        self, req: Request, who: Identity | None, index: Index, cid: str
    ) -> Response:
        assert who is not None
        self._exact(index, cid)
        if req.field("confirm") != "yes":
            raise UsageError("tick the box to confirm the retirement")
        with Index(self.store.index_path) as windex:
            done = custody.retire(
                self.store,
                windex,
                cid,
                reason=req.field("reason"),
                actor=who.name,
                delete_files=req.field("delete_files") == "yes",
            )
        seq = done.entry["seq"] if done.entry else ""
        return _redirect(f"/captures/{quote(cid)}?done=retired&seq={seq}#custody", status=303)

    # -- search, changes, runs, diff ----------------------------------------------------
    def search_page(self, req: Request, who: Identity | None, index: Index) -> Response:
        q = req.arg("q")
        rows: list[dict[str, Any]] = []
        problem = None
        if q:
            try:
                rows = index.search(
                    q,
                    case=req.arg("case"),
                    outcome=req.arg("outcome"),
                    since=when(req.arg("since")),
                    until=when(req.arg("until"), end=True),
                    limit=100,
                )
            except UsageError as exc:
                problem = str(exc)
        return self._html(pages.search_page(self._ctx(req, who, index), q, rows, problem))

    def _changes(self, req: Request, index: Index) -> list[dict[str, Any]]:
        days = _int(req.arg("days"), 30, 1, 3660)
        since = when(req.arg("since")) or rfc3339(utc_now() - timedelta(days=days))
        kinds = [k for k in req.query.get("kind", []) if k]
        rows = index.changes(
            since=since,
            until=when(req.arg("until"), end=True),
            case=req.arg("case"),
            kinds=kinds,
            include_unchanged=req.arg("all") == "1",
        )
        # disappearances first, then the newest
        rows.sort(key=lambda r: r["captured_at"], reverse=True)
        rows.sort(key=lambda r: "disappeared" not in (r["kinds"] or "").split(","))
        return rows[:500]

    def changes_page(self, req: Request, who: Identity | None, index: Index) -> Response:
        rows = self._changes(req, index)
        return self._html(pages.changes_page(self._ctx(req, who, index), rows, req.query))

    def runs_page(self, req: Request, who: Identity | None, index: Index) -> Response:
        return self._html(pages.runs_page(self._ctx(req, who, index), index.runs(limit=500)))

    def run_page(self, req: Request, who: Identity | None, index: Index, ref: str) -> Response:
        run = index.resolve_run(ref)
        if run["id"] != ref:
            return _redirect(f"/runs/{quote(run['id'])}")
        return self._html(
            pages.run_page(
                self._ctx(req, who, index),
                run,
                index.run_entries(run["id"]),
                index.run_attempts(run["id"]),
            )
        )

    def diff_pick(self, req: Request, who: Identity | None, index: Index) -> Response:
        """The list's "compare the two picked" form: ?c=A&c=B -> /diff/A/B."""
        picked = [c for c in req.query.get("c", []) if c]
        if len(picked) != 2 or not all(_ID.fullmatch(c) for c in picked):
            raise UsageError("pick exactly two captures to compare")
        return _redirect(f"/diff/{quote(picked[0])}/{quote(picked[1])}")

    def diff_page(
        self, req: Request, who: Identity | None, index: Index, id_a: str, id_b: str
    ) -> Response:
        from collector.monitor.diffview import CaptureSide

        sides = []
        for label, ref in (("A", id_a), ("B", id_b)):
            row = index.resolve(ref)
            folder = self.store.root / row["folder"]
            if not folder.is_dir():
                raise HttpError(410, f"capture {row['id']}: its files were deleted (retired)")
            manifest, _ = load_manifest(folder)
            sides.append(CaptureSide(label, manifest, folder))
        if [s.capture_id for s in sides] != [id_a, id_b]:
            return _redirect(f"/diff/{quote(sides[0].capture_id)}/{quote(sides[1].capture_id)}")
        shots = [
            {a["name"] for a in index.artifacts(s.capture_id)} >= {"screenshot.png"} for s in sides
        ]
        return self._html(pages.diff_page(self._ctx(req, who, index), sides[0], sides[1], shots))

    # -- cases ----------------------------------------------------------------------------
    def cases_page(self, req: Request, who: Identity | None, index: Index) -> Response:
        return self._html(pages.cases_page(self._ctx(req, who, index), index.cases()))

    def case_page(self, req: Request, who: Identity | None, index: Index, case: str) -> Response:
        rows = index.captures(case=case)
        if not rows:
            raise HttpError(404, f"Tidak ada tangkapan dalam perkara ini / no captures in {case!r}")
        rows.reverse()
        chain = custody.verify_chain(self.store, index)
        log, _ = custody.history(index, case=case)
        flash = pages.flash(req.arg("done"), req.arg("seq"), req.arg("result"))
        return self._html(
            pages.case_page(
                self._ctx(req, who, index),
                case,
                rows,
                chain,
                log,
                index.intake_reports(case=case),
                flash,
            )
        )

    def case_report(self, req: Request, who: Identity | None, index: Index, case: str) -> Response:
        from collector.review.report import gather, render

        assert who is not None
        data = gather(self.store, index, case=case, operator=who.name)
        body = render(data, screenshots="embed").encode("utf-8")
        return _download(body, f"report-{case}.html")

    def case_reporters(
        self, req: Request, who: Identity | None, index: Index, case: str
    ) -> Response:
        """Who reported what in this case: personal data, only when an admin asks."""
        reports = index.intake_reports(case=case)
        out = [{**r, "items": index.intake_items(r["id"])} for r in reports]
        self.log(f"reporters of case {case!r} downloaded by {who.name if who else '?'}")
        return _download(api.dumps(out), f"reporters-{case}.json")

    def case_export(self, req: Request, who: Identity | None, index: Index, case: str) -> Response:
        assert who is not None
        kind = req.field("format") or "zip"
        if kind not in ("zip", "wacz"):
            raise UsageError(f"unknown package format {kind!r}")
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        stem = re.sub(r"[^0-9A-Za-z._-]+", "-", case).strip("-.") or "case"
        folder = cache_root(self.store.root) / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="export-", dir=folder))
        out = work / f"{stem}-{stamp}.{kind}"
        try:
            with Index(self.store.index_path) as windex:
                if kind == "zip":
                    from collector.export.package import export_package

                    export_package(self.store, windex, case=case, out=out, operator=who.name)
                else:
                    from collector.export.wacz import export_wacz

                    export_wacz(self.store, windex, case=case, out=out, operator=who.name)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        response = _download(out, out.name)
        response.delete_after = True
        return response

    def case_handover(
        self, req: Request, who: Identity | None, index: Index, case: str
    ) -> Response:
        assert who is not None
        with Index(self.store.index_path) as windex:
            entry = custody.handover(
                self.store,
                windex,
                case=case,
                from_=req.field("from").strip() or who.name,
                to=req.field("to").strip(),
                reason=req.field("reason").strip(),
                actor=who.name,
            )
        return _redirect(
            f"/cases/{quote(case, safe='')}?done=handover&seq={entry['seq']}#custody", status=303
        )

    # -- intake ---------------------------------------------------------------------------
    def intake_form(self, req: Request, who: Identity | None, index: Index) -> Response:
        values = {"case": req.arg("case") or ""}
        return self._html(pages.intake_form(self._ctx(req, who, index), values, [], {}))

    def intake_submit(self, req: Request, who: Identity | None, index: Index) -> Response:
        assert who is not None
        ctx = self._ctx(req, who, index)
        values = {
            k: req.field(k).strip()
            for k in ("urls", "case", "note", "reporter_name", "reporter_contact", "channel")
        }
        lines = [line.strip() for line in values["urls"].splitlines() if line.strip()]
        problems: list[str] = []
        urls: list[str] = []
        for line in lines:
            try:
                url = normalise_target(line)
            except UsageError as exc:
                problems.append(str(exc))
                continue
            if url not in urls:
                urls.append(url)
        if not lines:
            problems.append("Tempelkan minimal satu URL / paste at least one URL")
        if len(urls) > MAX_INTAKE_URLS:
            problems.append(f"at most {MAX_INTAKE_URLS} URLs in one report")
        if values["channel"] and values["channel"] not in CHANNELS:
            problems.append(f"unknown channel {values['channel']!r}")
        if problems:
            return self._html(pages.intake_form(ctx, values, problems, {}), 400)
        since = rfc3339(utc_now() - timedelta(minutes=self.settings.recent_minutes))
        recent = {u: rows for u in urls if (rows := index.recent_captures_of(u, since))}
        if recent and req.field("force") != "1":
            return self._html(pages.intake_form(ctx, values, [], recent))
        now = utc_now()
        report_id = (
            "rep-"
            + now.strftime("%Y%m%dT%H%M%S")
            + f"{now.microsecond // 1000:03d}Z-{random.SystemRandom().randrange(16**6):06x}"
        )
        case = values["case"] or None
        report = {
            "id": report_id,
            "created_at": rfc3339(now),
            "created_by": who.name,
            "case_id": case,
            "note": values["note"] or None,
            "reporter_name": values["reporter_name"] or None,
            "reporter_contact": values["reporter_contact"] or None,
            "channel": values["channel"] or None,
        }
        items = [
            {
                "report_id": report_id,
                "position": n,
                "url": url,
                "status": QUEUED,
                "capture_id": None,
                "outcome": None,
                "reason": None,
                "updated_at": rfc3339(now),
            }
            for n, url in enumerate(urls, 1)
        ]
        with Index(self.store.index_path) as windex:
            windex.add_intake_report(report, items)
        note = f"desk intake {report_id}" + (f": {values['note']}" if values["note"] else "")
        jobs = [
            IntakeJob(
                report_id,
                n,
                CaptureJob(url, self.settings.intake.options, case, who.name, note),
            )
            for n, url in enumerate(urls, 1)
        ]
        self.worker.submit(jobs)
        self.log(f"intake {report_id}: {len(jobs)} URL(s) queued by {who.name}")
        return _redirect(f"/report/{report_id}", status=303)

    def intake_page(
        self, req: Request, who: Identity | None, index: Index, report_id: str
    ) -> Response:
        report = index.intake_report(report_id)
        if report is None:
            raise HttpError(404, "Laporan tidak ditemukan / no such report")
        items = index.intake_items(report_id)
        captured = {
            r["id"]: r
            for r in index.captures(ids=[i["capture_id"] for i in items if i["capture_id"]])
        }
        return self._html(pages.intake_page(self._ctx(req, who, index), report, items, captured))

    def intake_list(self, req: Request, who: Identity | None, index: Index) -> Response:
        reports = index.intake_reports(limit=200)
        items = {r["id"]: index.intake_items(r["id"]) for r in reports}
        return self._html(pages.intake_list(self._ctx(req, who, index), reports, items))

    # -- users ----------------------------------------------------------------------------
    def users_page(self, req: Request, who: Identity | None, index: Index) -> Response:
        flash = pages.flash(req.arg("done"), None, None)
        return self._html(
            pages.users_page(self._ctx(req, who, index), auth.list_users(index), None, flash)
        )

    def _user_action(self, action: Callable[[Index], None], done: str) -> Response:
        with Index(self.store.index_path) as windex:
            action(windex)
        return _redirect(f"/users?done={done}", status=303)

    def user_add(self, req: Request, who: Identity | None, index: Index) -> Response:
        if req.field("password") != req.field("password2"):
            raise UsageError("the two passwords differ")
        name, role = req.field("name").strip().lower(), req.field("role")

        def add(windex: Index) -> None:
            auth.add_user(windex, name, role, req.field("password"))

        return self._user_action(add, "user_added")

    def user_remove(self, req: Request, who: Identity | None, index: Index, name: str) -> Response:
        return self._user_action(lambda i: auth.remove_user(i, name), "user_removed")

    def user_password(
        self, req: Request, who: Identity | None, index: Index, name: str
    ) -> Response:
        if req.field("password") != req.field("password2"):
            raise UsageError("the two passwords differ")
        return self._user_action(
            lambda i: auth.set_password(i, name, req.field("password")), "password_set"
        )

    # -- the JSON API ---------------------------------------------------------------------
    def _json(self, value: Any, headers: list[tuple[str, str]] | None = None) -> Response:
        return Response(200, api.dumps(value), "application/json; charset=utf-8", headers or [])

    def api_captures(self, req: Request, who: Identity | None, index: Index) -> Response:
        size = _int(req.arg("limit"), 100, 1, 1000)
        filters = self._filters(req)
        rows, _, older = self._page_rows(req, index, filters, size)
        headers = []
        if older and rows:
            query = {k: v for k, v in req.query.items() if k not in ("before", "after")}
            query["before"] = [f"{rows[-1]['started_at']}|{rows[-1]['id']}"]
            headers.append(("Link", f'</api/captures?{urlencode(query, doseq=True)}>; rel="next"'))
        return self._json(rows, headers)

    def api_capture(self, req: Request, who: Identity | None, index: Index, ref: str) -> Response:
        row = index.resolve(ref)
        folder = self.store.root / row["folder"]
        if not folder.is_dir():
            raise HttpError(410, f"capture {row['id']}: its files were deleted (retired)")
        manifest, _ = load_manifest(folder)
        return self._json(manifest)

    def api_custody(self, req: Request, who: Identity | None, index: Index, ref: str) -> Response:
        log, _ = custody.history(index, ref=ref)
        return self._json(log)

    def api_findings(self, req: Request, who: Identity | None, index: Index, ref: str) -> Response:
        row = index.resolve(ref)
        folder = self.store.root / row["folder"]
        if not folder.is_dir():
            raise HttpError(410, f"capture {row['id']}: its files were deleted (retired)")
        manifest, _ = load_manifest(folder)
        findings = manifest.get("findings")
        return self._json(findings if isinstance(findings, list) else [])

    def api_search(self, req: Request, who: Identity | None, index: Index) -> Response:
        q = req.arg("q")
        if not q:
            raise UsageError("give a query: /api/search?q=...")
        rows = index.search(
            q,
            case=req.arg("case"),
            outcome=req.arg("outcome"),
            since=when(req.arg("since")),
            until=when(req.arg("until"), end=True),
            limit=_int(req.arg("limit"), 50, 1, 10_000),
        )
        return self._json(api.search_rows(rows))

    def api_changes(self, req: Request, who: Identity | None, index: Index) -> Response:
        rows = index.changes(
            since=when(req.arg("since")),
            until=when(req.arg("until"), end=True),
            case=req.arg("case"),
            entry=req.arg("entry"),
            kinds=[k for k in req.query.get("kind", []) if k],
            include_unchanged=req.arg("all") == "1",
        )
        return self._json(api.change_rows(rows))

    def api_runs(self, req: Request, who: Identity | None, index: Index) -> Response:
        return self._json(index.runs())

    def api_run(self, req: Request, who: Identity | None, index: Index, ref: str) -> Response:
        run = index.resolve_run(ref)
        return self._json(
            {
                "run": run,
                "entries": index.run_entries(run["id"]),
                "attempts": index.run_attempts(run["id"]),
            }
        )

    def api_cases(self, req: Request, who: Identity | None, index: Index) -> Response:
        return self._json(index.cases())

    def api_report(
        self, req: Request, who: Identity | None, index: Index, report_id: str
    ) -> Response:
        report = index.intake_report(report_id)
        if report is None:
            raise HttpError(404, "no such report")
        return self._json(api.report_status(report, index.intake_items(report_id)))


# --- helpers -----------------------------------------------------------------------------------


def _redirect(location: str, status: int = 302) -> Response:
    return Response(status, b"", "text/plain; charset=utf-8", [("Location", location)])


def _download(body: bytes | Path, filename: str) -> Response:
    safe = re.sub(r"[^0-9A-Za-z._-]+", "-", filename).strip("-") or "download"
    return Response(
        200,
        body,
        "application/octet-stream",
        [("Content-Disposition", f'attachment; filename="{safe}"')],
    )


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this desk only."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _is_png(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(8) == b"\x89PNG\r\n\x1a\n"


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value else default
    except ValueError:
        return default


def when(value: str | None, *, end: bool = False) -> str | None:
    """A filter time: a date (a day in WIB; `end`: up to the end of it) or RFC 3339."""
    if not value:
        return None
    from datetime import date, datetime, time

    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value) + (timedelta(days=1) if end else timedelta())
            return rfc3339(datetime.combine(day, time(), WIB))
        return rfc3339(parse_rfc3339(value))
    except ValueError:
        raise UsageError(f"not a date (YYYY-MM-DD) or RFC 3339 time: {value!r}") from None


def cursor(value: str | None) -> tuple[str, str] | None:
    if not value or "|" not in value:
        return None
    at, _, cid = value.partition("|")
    return at, cid


# --- the server ----------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    server: DeskServer
    protocol_version = "HTTP/1.1"
    server_version = "collector-desk"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _refuse(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _serve(self) -> None:
        try:
            self._respond()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the browser went away (a reload, a new page)

    def _respond(self) -> None:
        length = self.headers.get("Content-Length")
        body = b""
        if self.command == "POST":
            if length is None or not length.isdigit():
                return self._refuse(411, "Content-Length required\n")
            if int(length) > MAX_BODY:
                return self._refuse(413, "request too large\n")
            body = self.rfile.read(int(length))
        request = Request(self.command, self.path, self.headers, body, self.client_address[0])
        response = self.server.desk.handle(request)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        try:
            if isinstance(response.body, Path):
                size = response.body.stat().st_size
                self.send_header("Content-Length", str(size))
                self.end_headers()
                if self.command != "HEAD":
                    with response.body.open("rb") as fh:
                        shutil.copyfileobj(fh, self.wfile, 1 << 20)
            else:
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
        finally:
            if response.delete_after and isinstance(response.body, Path):
                shutil.rmtree(response.body.parent, ignore_errors=True)

    def log_message(self, format: str, *args: Any) -> None:
        from collector.text import clean

        self.server.desk.log(clean(f"{self.client_address[0]} {format % args}", 300))


class DeskServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], desk: Desk) -> None:
        self.desk = desk
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = host if ":" not in host else f"[{host}]"
        if shown in ("0.0.0.0", "[::]"):
            shown = socket.gethostname()
        return f"http://{shown}:{port}/"


def check_bind(host: str, index: Index) -> None:
    """Beyond localhost the desk needs users, at least one of them an admin."""
    if is_loopback(host):
        return
    if auth.admin_count(index) == 0:
        raise UsageError(
            f"refusing to serve on {host} without users: anyone who can reach it could read "
            "and act on the evidence. Add an admin first: "
            "`collector users add NAME --role admin` (or serve on 127.0.0.1)"
        )


@contextlib.contextmanager
def running_desk(
    store_root: Path,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    settings: DeskSettings | None = None,
    log: Callable[[str], None] | None = None,
) -> Iterator[DeskServer]:
    """A started desk, served from a background thread until the block ends."""
    EvidenceStore(store_root).root.mkdir(parents=True, exist_ok=True)
    with Index(EvidenceStore(store_root).index_path) as index:
        check_bind(host, index)
    desk = Desk(store_root, settings, loopback=is_loopback(host), log=log)
    server = DeskServer((host, port), desk)
    desk.start()
    thread = threading.Thread(target=server.serve_forever, name="desk-http", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        desk.close()
