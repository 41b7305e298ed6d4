"""The desk's pages: server-rendered HTML, Bahasa Indonesia first with English beside it.

Every value that came from a captured page or a person (titles, URLs, texts, notes, case
names, reporters' details, user names) goes through `e()`: control and bidi characters
made visible (collector.text.clean), then `html.escape`. Captured URLs are shown as text,
never as links. Links are built from ids the index gave, quoted. No inline script and no
inline style (the Content-Security-Policy forbids both): behaviour is in static/desk.js,
looks in static/desk.css. Times are shown in WIB, with UTC in the element's title and
`datetime`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from collector import __version__
from collector.desk.auth import ADMIN, INVESTIGATOR, REVIEWER, ROLES, Identity, allows
from collector.monitor.changes import ChangeKind
from collector.records import custody
from collector.records.fts import HIGHLIGHT_END, HIGHLIGHT_START
from collector.records.index import RANK_WINDOW
from collector.text import clean
from collector.timeutil import wib

# one vocabulary: the kinds collector.monitor.changes reports, most important first
CHANGE_KINDS = tuple(kind.value for kind in ChangeKind)
CHANNEL_NAMES = {
    "whatsapp": "WhatsApp",
    "email": "E-mail",
    "form": "Formulir / form",
    "phone": "Telepon / phone",
    "in_person": "Datang langsung / in person",
    "other": "Lainnya / other",
}
UNTITLED = "(tanpa judul / untitled)"
_EXTRA_SHOT = re.compile(r"(find|container)-([0-9]+)\.png")


@dataclass(frozen=True)
class Context:
    who: Identity | None
    csrf: str
    users: bool  # whether the store has users (sign-in in use)
    store: str

    def may(self, role: str) -> bool:
        return self.who is not None and allows(self.who.role, role)


@dataclass(frozen=True)
class CaptureView:
    row: dict[str, Any]
    manifest: dict[str, Any] | None  # None: retired with its files deleted
    manifest_sha256: str | None
    artifacts: list[dict[str, Any]]
    timestamps: list[dict[str, Any]]
    events: list[dict[str, Any]]
    change: dict[str, Any] | None  # the comparison with the previous capture of the page
    intake: list[dict[str, Any]] = field(default_factory=list)


# --- small pieces ---------------------------------------------------------------------------------


def e(value: Any, limit: int | None = None) -> str:
    """Any value, made inert for HTML text and attributes."""
    return html.escape(clean(value, limit), quote=True)


def e_lines(value: Any, limit: int | None = None) -> str:
    """Like `e`, keeping line breaks (text areas, notes); other controls made visible."""
    text = "" if value is None else str(value).replace("\r\n", "\n")
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return "\n".join(e(line) for line in text.split("\n"))


def lines(value: Any, limit: int | None = None) -> str:
    return f'<span class="lines">{e_lines(value, limit)}</span>'


def bi(id_: str, en: str) -> str:
    """A label in Indonesian with English beside it (both our own, trusted text)."""
    return f'{id_} <span class="en" lang="en">/ {en}</span>'


def h(level: int, id_: str, en: str, extra: str = "") -> str:
    return f"<h{level}>{bi(id_, en)}{extra}</h{level}>"


def empty(id_: str, en: str) -> str:
    return f'<p class="empty">{bi(id_, en)}</p>'


def label(id_: str, en: str, control: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<label{attr}>{bi(id_, en)}{control}</label>"


def button(id_: str, en: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f'<button type="submit"{attr}>{bi(id_, en)}</button>'


def post_form(ctx: Context, action: str, inner: str, cls: str = "inline") -> str:
    return f'<form method="post" action="{action}" class="{cls}">{csrf_field(ctx)}{inner}</form>'


def when(at: Any) -> str:
    if not at:
        return "—"
    try:
        shown = wib(str(at))
    except ValueError:
        return e(at)
    return f'<time datetime="{e(at)}" title="{e(at)} UTC">{e(shown)}</time>'


def q(value: Any) -> str:
    """A value quoted for one path segment of a link."""
    return quote(str(value), safe="")


def cid_link(capture_id: Any, text: str | None = None) -> str:
    return f'<a class="mono" href="/captures/{q(capture_id)}">{text or e(capture_id)}</a>'


def case_link(case: Any) -> str:
    if not case:
        return "—"
    return f'<a href="/cases/{q(case)}">{e(case)}</a>'


def badge(text: str, cls: str) -> str:
    return f'<span class="badge {cls}">{text}</span>'


def outcome_badge(outcome: Any, retired: Any = None) -> str:
    value = str(outcome or "?")
    out = badge(e(value), "ok" if value == "ok" else "bad")
    if retired:
        out += " " + badge("ditarik / retired", "retired")
    return out


def kind_badges(kinds: Any) -> str:
    names = [k for k in str(kinds or "").split(",") if k]
    return " ".join(badge(e(k), f"kind {e(k)}") for k in names)


def url_text(value: Any, limit: int | None = 300) -> str:
    return f'<span class="url">{e(value, limit)}</span>' if value else "—"


def size_text(n: Any) -> str:
    try:
        return f"{int(n):,}"
    except (TypeError, ValueError):
        return "—"


def hash_text(digest: Any) -> str:
    return f'<code class="hash">{e(digest)}</code>' if digest else ""


def csrf_field(ctx: Context) -> str:
    return f'<input type="hidden" name="csrf" value="{e(ctx.csrf)}">'


def highlighted(text: str, limit: int | None = None) -> str:
    """A search snippet with its matches in <mark>: escaped piece by piece (the markers
    are private-use characters a captured page cannot forge, see collector.records.fts)."""
    out: list[str] = []
    rest = clean(" ".join(text.split()), limit)
    while HIGHLIGHT_START in rest:
        before, _, after = rest.partition(HIGHLIGHT_START)
        hit, _, rest = after.partition(HIGHLIGHT_END)
        out.append(html.escape(before.replace(HIGHLIGHT_END, "")))
        out.append(f"<mark>{html.escape(hit)}</mark>")
    out.append(html.escape(rest.replace(HIGHLIGHT_END, "")))
    return "".join(out)


def kv_table(rows: Iterable[tuple[str, str]], cls: str = "kv") -> str:
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "grid") -> str:
    head = "".join(f"<th>{x}</th>" for x in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def select(name: str, options: Iterable[tuple[str, str]], current: str | None) -> str:
    items = "".join(
        f'<option value="{e(v)}"{" selected" if v == (current or "") else ""}>{text}</option>'
        for v, text in options
    )
    return f'<select name="{e(name)}">{items}</select>'


def text_input(name: str, value: Any = "", extra: str = "") -> str:
    return f'<input name="{name}" value="{e(value or "")}"{extra}>'


FLASHES = {
    "note": bi("Catatan dicatat dalam log kustodi", "Note recorded in the custody log"),
    "verified": bi("Diperiksa ulang", "Verified again"),
    "retired": bi("Tangkapan ditarik", "Capture retired"),
    "handover": bi("Serah terima dicatat", "Hand-over recorded"),
    "user_added": bi("Pengguna ditambahkan", "User added"),
    "user_removed": bi("Pengguna dihapus", "User removed"),
    "password_set": bi("Kata sandi diganti", "Password changed"),
}


def flash(done: str | None, seq: str | None, result: str | None) -> str:
    """A fixed message for a finished action (nothing from the request is echoed but a
    number and pass/fail)."""
    if done not in FLASHES:
        return ""
    text = FLASHES[done]
    cls = "flash"
    if done == "verified" and result in ("pass", "fail"):
        passed = result == "pass"
        text += ": " + (bi("LULUS", "PASS") if passed else bi("GAGAL", "FAIL"))
        cls += " ok" if passed else " bad"
    if seq and seq.isdigit():
        text += f" — {bi('entri kustodi', 'custody entry')} {int(seq)}"
    return f'<p class="{cls}" role="status">{text}</p>'


# --- the frame ------------------------------------------------------------------------------------


NAV = (
    ("/", "Tangkapan", "Captures", REVIEWER),
    ("/search", "Cari", "Search", REVIEWER),
    ("/changes", "Perubahan", "Changes", REVIEWER),
    ("/cases", "Perkara", "Cases", REVIEWER),
    ("/runs", "Pemantauan", "Runs", REVIEWER),
    ("/reports", "Laporan masuk", "Reports", REVIEWER),
    ("/report", "Laporkan / Tangkap", "Report", INVESTIGATOR),
    ("/users", "Pengguna", "Users", ADMIN),
)


def layout(ctx: Context, title: str, body: str, active: str = "") -> str:
    links = []
    for href, id_, en, role in NAV:
        if not ctx.may(role) or (href == "/users" and not ctx.users):
            continue
        current = ' aria-current="page"' if href == active else ""
        links.append(f'<a href="{href}"{current}>{bi(id_, en)}</a>')
    who = ""
    if ctx.who is not None:
        role = bi("operator lokal", "local operator") if ctx.who.local else e(ctx.who.role)
        who = f'<span class="who">{e(ctx.who.name)} <span class="en">({role})</span></span>'
        if not ctx.who.local:
            who += post_form(ctx, "/signout", button("Keluar", "Sign out"))
    brand = f'collector <span class="en">{bi("meja tinjau", "review desk")}</span>'
    times = bi("waktu dalam WIB; UTC di keterangan", "times in WIB; UTC on hover")
    return (
        '<!doctype html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="same-origin">'
        f"<title>{e(title)} — collector</title>"
        '<link rel="stylesheet" href="/static/desk.css">'
        '<script src="/static/desk.js" defer></script></head><body>'
        f'<header class="top"><a class="brand" href="/">{brand}</a>'
        f'<nav>{"".join(links)}</nav><div class="me">{who}</div></header>'
        f'<main>{body}</main><footer class="foot">collector {e(__version__)} · '
        f'<span class="mono">{e(ctx.store)}</span> · {times}</footer>'
        "</body></html>\n"
    )


def error_page(status: int, message: str) -> str:
    body = (
        f'<h1>{status}</h1><p class="flash bad">{e(message)}</p>'
        f'<p><a href="/">{bi("Kembali ke daftar", "Back to the list")}</a></p>'
    )
    return layout(Context(None, "", False, ""), str(status), body)


def signin_page(ctx: Context, nxt: str, problem: str | None) -> str:
    title = "Masuk / Sign in"
    if not ctx.users:
        add = "<code>collector users add NAME --role admin</code>"
        note = bi(f"Belum ada pengguna. Tambahkan admin: {add}", f"No users yet. Add one: {add}")
        return layout(ctx, title, f'{h(1, "Masuk", "Sign in")}<p class="flash bad">{note}</p>')
    alert = f'<p class="flash bad" role="alert">{e(problem)}</p>' if problem else ""
    fields = (
        f'<input type="hidden" name="next" value="{e(nxt)}">'
        + label(
            "Nama pengguna",
            "User name",
            '<input name="name" autocomplete="username" required autofocus>',
        )
        + label(
            "Kata sandi",
            "Password",
            '<input name="password" type="password" autocomplete="current-password" required>',
        )
        + button("Masuk", "Sign in")
    )
    body = h(1, "Masuk", "Sign in") + alert + post_form(ctx, "/signin", fields, "stack narrow")
    return layout(ctx, title, body)


# --- the capture list -----------------------------------------------------------------------------


def _filter_form(query: Mapping[str, list[str]], choices: Mapping[str, list[str]]) -> str:
    def current(name: str) -> str:
        return (query.get(name) or [""])[0]

    def pick(name: str, values: Iterable[str]) -> str:
        options = [("", "— semua / all —"), *((v, e(v, 60)) for v in values)]
        return select(name, options, current(name))

    def date(name: str) -> str:
        return f'<input type="date" name="{name}" value="{e(current(name))}">'

    findings = [("", "— semua / all —"), ("1", "ada / with"), ("0", "tidak ada / none")]
    parts = [
        label("Perkara", "Case", pick("case", choices["case"])),
        label("Hasil", "Outcome", pick("outcome", choices["outcome"])),
        label("Platform", "Platform", pick("platform", choices["platform"])),
        label("Pemantauan", "Run", pick("run", choices["run"])),
        label("Sejak", "Since", date("since")),
        label("Sampai", "Until", date("until")),
        label("Temuan", "Findings", select("findings", findings, current("findings"))),
        label("URL", "URL", text_input("url", current("url"), ' placeholder="instagram.com/…"')),
    ]
    return (
        '<form method="get" action="/" class="filters">'
        + "".join(parts)
        + button("Saring", "Filter")
        + f' <a href="/">{bi("Hapus saringan", "Clear")}</a></form>'
    )


def _query_link(query: Mapping[str, list[str]], **extra: str) -> str:
    items = [(k, v) for k, vs in query.items() for v in vs if v]
    items += list(extra.items())
    return "/?" + urlencode(items)


def capture_rows(rows: Sequence[dict[str, Any]], thumbs: bool = True) -> str:
    out = []
    for r in rows:
        cid = str(r["id"])
        link = f"/captures/{q(cid)}"
        title = e(r.get("title") or UNTITLED, 140)
        pick = (
            f'<input type="checkbox" name="c" value="{e(cid)}" form="compare" '
            f'aria-label="pilih / pick {e(cid)}">'
        )
        cells = [f"<td>{pick}</td>"]
        if thumbs:
            image = f'<img src="{link}/thumb" loading="lazy" alt="" width="160" height="100">'
            cells.append(f'<td class="thumb"><a href="{link}">{image}</a></td>')
        what = (
            f'<a href="{link}" class="title">{title}</a>'
            f"<br>{url_text(r.get('final_url') or r.get('requested_url'), 160)}"
            f'<br><span class="mono small">{e(cid)}</span>'
        )
        cells += [
            f"<td>{when(r.get('started_at'))}</td>",
            f"<td>{outcome_badge(r.get('outcome'), r.get('retired_at'))}</td>",
            f"<td>{e(r.get('platform') or '—')}</td>",
            f"<td>{case_link(r.get('case_id'))}</td>",
            f"<td>{e(r.get('entry_name') or '—', 60)}</td>",
            f'<td class="what">{what}</td>',
        ]
        out.append(f'<tr data-id="{e(cid)}">{"".join(cells)}</tr>')
    return "".join(out)


def capture_table(rows: Sequence[dict[str, Any]], thumbs: bool = True) -> str:
    heads = [bi("Banding", "Compare")]
    if thumbs:
        heads.append(bi("Layar", "Screen"))
    heads += [
        bi("Waktu", "Captured"),
        bi("Hasil", "Outcome"),
        "Platform",
        bi("Perkara", "Case"),
        bi("Yang dipantau", "Watched person"),
        bi("Judul dan URL", "Title and URL"),
    ]
    head = "".join(f"<th>{x}</th>" for x in heads)
    return (
        f'<table class="grid captures"><thead><tr>{head}</tr></thead>'
        f"<tbody>{capture_rows(rows, thumbs)}</tbody></table>"
    )


def compare_form() -> str:
    return (
        '<form id="compare" method="get" action="/diff" class="inline">'
        + button("Bandingkan dua yang dipilih", "Compare the two picked")
        + "</form>"
    )


def list_page(
    ctx: Context,
    rows: Sequence[dict[str, Any]],
    *,
    total: int,
    query: Mapping[str, list[str]],
    choices: Mapping[str, list[str]],
    newer: bool,
    older: bool,
) -> str:
    paging = []
    if newer and rows:
        mark = f"{rows[0]['started_at']}|{rows[0]['id']}"
        href = e(_query_link(query, after=mark))
        paging.append(f'<a rel="prev" href="{href}">← {bi("Lebih baru", "Newer")}</a>')
    if older and rows:
        mark = f"{rows[-1]['started_at']}|{rows[-1]['id']}"
        href = e(_query_link(query, before=mark))
        paging.append(f'<a rel="next" href="{href}">{bi("Lebih lama", "Older")} →</a>')
    nav = f'<nav class="paging">{" ".join(paging)}</nav>' if paging else ""
    found = capture_table(rows) if rows else empty("Tidak ada tangkapan yang cocok", "No match")
    body = (
        h(1, "Tangkapan", "Captures", f" <small>({total:,})</small>")
        + _filter_form(query, choices)
        + f'<div class="bar">{compare_form()}{nav}</div>{found}{nav}'
    )
    return layout(ctx, "Tangkapan / Captures", body, "/")


# --- one capture ----------------------------------------------------------------------------------


def viewer(cid: str, name: str, caption: str, width: Any = None, height: Any = None) -> str:
    """A screenshot in a scrolling frame, with zoom buttons that desk.js brings alive."""
    src = f"/captures/{q(cid)}/files/{q(name)}"
    size = ""
    if isinstance(width, int) and isinstance(height, int):
        size = f' width="{width}" height="{height}"'
    zoom = (
        '<span class="zoombar" hidden>'
        '<button type="button" data-zoom="out" title="perkecil / zoom out">&minus;</button>'
        '<button type="button" data-zoom="in" title="perbesar / zoom in">+</button>'
        f'<button type="button" data-zoom="fit">{bi("Muat lebar", "Fit")}</button>'
        '<button type="button" data-zoom="actual">100%</button>'
        '<output class="zoomlevel">muat / fit</output></span>'
    )
    return (
        f'<figure class="viewer" data-viewer><figcaption>{e(caption)} {zoom} '
        f'<a href="{src}" target="_blank" rel="noopener">{bi("buka", "open")}</a></figcaption>'
        f'<div class="frame"><img class="shot fit" src="{src}" alt="{e(caption)}"{size}></div>'
        "</figure>"
    )


def _provenance(v: CaptureView) -> str:
    r, m = v.row, v.manifest or {}
    resp = m.get("response") or {}
    b = m.get("browser") or {}
    sw = m.get("software") or {}
    opts = m.get("options") or {}
    page = m.get("page") or {}
    shot = m.get("screenshot") or {}
    rows: list[tuple[str, str]] = [
        (bi("URL yang diminta", "Requested URL"), url_text(r.get("requested_url"), None)),
        (bi("URL akhir", "Final URL"), url_text(r.get("final_url"), None)),
    ]
    hops = "".join(
        f"<li>{e(x.get('status'))} {url_text(x.get('url'))} → {url_text(x.get('location'))}</li>"
        for x in m.get("redirects") or []
    )
    if hops:
        rows.append((bi("Pengalihan", "Redirects"), f"<ol class='hops'>{hops}</ol>"))
    status = resp.get("status", r.get("http_status"))
    shown = "—" if status is None else status
    rows.append(("HTTP", e(f"{shown} {resp.get('status_text') or ''}")))
    if resp:
        server = f"{resp.get('server_ip') or '—'}:{resp.get('server_port') or '—'}"
        rows.append((bi("Server", "Server"), e(server)))
    tls = resp.get("tls") if isinstance(resp.get("tls"), dict) else None
    if tls:
        tls_text = e(
            f"{tls.get('protocol')} · issuer {tls.get('issuer')} · subject "
            f"{tls.get('subjectName')} · valid {tls.get('validFrom')} to {tls.get('validTo')}"
        )
    else:
        tls_text = bi("tidak ada (http)", "none (http)")
    if opts.get("ignore_https_errors"):
        off = bi("pemeriksaan sertifikat DIMATIKAN", "certificate checks were OFF")
        tls_text += " " + badge(off, "bad")
    rows.append(("TLS", tls_text))
    rows.append((bi("Judul halaman", "Page title"), e(r.get("title") or "—", 500)))
    for key, id_, en in (("started_at", "Mulai", "Started"), ("finished_at", "Selesai", "Done")):
        utc = f" <span class='mono small'>{e(r.get(key))}</span>"
        rows.append((bi(id_, en), when(r.get(key)) + utc))
    server_date = (m.get("time_sources") or {}).get("server_date") or {}
    if server_date.get("time"):
        skew = f" · skew {e(server_date.get('skew_ms'))} ms"
        rows.append((bi("Jam server", "Server clock"), when(server_date["time"]) + skew))
    for t in v.timestamps:
        later = f" ({bi('kemudian', 'later')})" if t.get("late") else ""
        token = f"{when(t.get('gen_time'))} · TSA {e(t.get('tsa_url'))}{later}"
        rows.append((bi("Stempel waktu RFC 3161", "RFC 3161 timestamp"), token))
    browser = f"{b.get('name', '')} {b.get('version') or r.get('browser_version') or ''}"
    versions = (
        f"playwright {sw.get('playwright') or b.get('playwright_version')}"
        f" · collector {sw.get('collector') or r.get('collector_version')}"
    )
    rows.append(
        (
            bi("Peramban", "Browser"),
            e(f"{browser} {b.get('mode') or ''}")
            + f"<br>{e(versions)}<br>{bi('layar', 'viewport')} {e(opts.get('viewport'))}"
            + f" · UA {e(page.get('user_agent'), 200)}",
        )
    )
    rows += [
        (bi("Mesin", "Host"), e(r.get("hostname") or "—")),
        (bi("Operator", "Operator"), e(r.get("operator") or "—")),
        (bi("Perkara", "Case"), case_link(r.get("case_id"))),
        (bi("Keterangan", "Note"), lines(r.get("note") or "—", 2000)),
        (bi("Klasifikasi", "Classification"), _classification(r, m)),
    ]
    run = m.get("run") or {}
    if run.get("run_id"):
        entry = run.get("entry") if isinstance(run.get("entry"), dict) else {}
        text = f'<a class="mono" href="/runs/{q(run["run_id"])}">{e(run["run_id"])}</a>'
        if entry and entry.get("name"):
            text += f" · {e(entry.get('name'))}"
        if run.get("attempt"):
            text += f" · {bi('percobaan', 'attempt')} {e(run.get('attempt'))}"
        rows.append((bi("Pemantauan", "Run"), text))
    if shot:
        text = e(f"{shot.get('png_width', '-')} x {shot.get('png_height', '-')} px, ")
        text += e(shot.get("mode"))
        if shot.get("truncated"):
            text += " " + badge(bi("DIPOTONG", "TRUNCATED"), "bad")
        rows.append((bi("Tangkapan layar", "Screenshot"), text))
    for d in m.get("dialogs") or []:
        dialog = f"{d.get('type')}: {d.get('message')} ({d.get('action')})"
        rows.append((bi("Dialog", "Dialog"), e(dialog, 300)))
    for problem in m.get("errors") or []:
        rows.append((bi("Masalah", "Problem"), e(problem, 500)))
    digest = v.manifest_sha256 or r.get("manifest_sha256")
    rows.append((bi("Manifes", "Manifest"), hash_text(f"sha256:{digest}")))
    return kv_table(rows)


def _classification(r: dict[str, Any], m: dict[str, Any]) -> str:
    text = outcome_badge(r.get("outcome"), r.get("retired_at"))
    if r.get("reason"):
        text += f"<br>{e(r.get('reason'), 500)}"
    verdict = m.get("classification")
    if isinstance(verdict, dict):
        text += f"<br>platform {e(verdict.get('platform'))}"
        markers = verdict.get("markers") or []
        if markers:
            deciding = bi("penanda yang memutuskan", "deciding marker")
            text += f"<br>{deciding}: <span class='mono'>{e(markers[0], 300)}</span>"
    return text


def _artifacts(v: CaptureView) -> str:
    base = f"/captures/{q(v.row['id'])}/files"
    rows = [
        (
            f'<a class="mono" href="{base}/{q(a["name"])}">{e(a["name"])}</a>',
            e(a["media_type"], 60),
            size_text(a["size"]),
            hash_text(a["sha256"]),
        )
        for a in v.artifacts
    ]
    if v.manifest is not None:
        rows.append(
            (
                f'<a class="mono" href="{base}/manifest.json">manifest.json</a>',
                "application/json",
                "",
                hash_text(v.manifest_sha256),
            )
        )
        rows.append((f'<a class="mono" href="{base}/SHA256SUMS">SHA256SUMS</a>', "text", "", ""))
    heads = [bi("Berkas", "File"), bi("Jenis", "Type"), bi("Bita", "Bytes"), "SHA-256"]
    return table(heads, rows)


def _verification(ctx: Context, v: CaptureView) -> str:
    cid = str(v.row["id"])
    verified = [x for x in v.events if x.get("action") == custody.Action.VERIFIED]
    if not verified:
        status = bi("Belum pernah diperiksa ulang", "Not verified since it was filed")
    else:
        last = verified[-1]
        failed = cid in ((last.get("details") or {}).get("failed") or [])
        result = badge(bi("GAGAL", "FAIL"), "bad") if failed else badge(bi("LULUS", "PASS"), "ok")
        status = (
            f"{result} {when(last.get('at'))} {bi('oleh', 'by')} {e(last.get('actor'))}"
            f" ({bi('entri', 'entry')} {e(last.get('seq'))})"
        )
    form = ""
    if ctx.may(REVIEWER) and v.manifest is not None:
        again = button("Hitung ulang hash sekarang", "Re-hash it now")
        form = post_form(ctx, f"/captures/{q(cid)}/verify", again)
    return f'<p class="verification">{status}</p>{form}'


def custody_table(events: Sequence[dict[str, Any]]) -> str:
    rows = [
        (
            str(int(x["seq"])),
            when(x.get("at")),
            e(x.get("actor"), 60),
            f'<span class="action">{e(x.get("action"))}</span>',
            lines(custody.summary(x), 2000),
        )
        for x in events
    ]
    if not rows:
        return empty("Tidak ada entri", "No entries")
    heads = ["No", bi("Waktu", "Time"), bi("Pelaku", "Actor"), bi("Tindakan", "Action")]
    return table([*heads, bi("Rincian", "Details")], rows, "grid custody")


def _findings(v: CaptureView) -> str:
    findings = (v.manifest or {}).get("findings")
    if not isinstance(findings, list) or not findings:
        return empty("Tidak ada temuan", "No findings")
    names = {str(a["name"]) for a in v.artifacts}
    out = []
    for n, finding in enumerate(findings, 1):
        if not isinstance(finding, dict):
            out.append(f"<li>{e(finding, 500)}</li>")
            continue
        fields = "".join(
            f"<tr><th>{e(k)}</th><td>{e(_scalar(val), 500)}</td></tr>" for k, val in finding.items()
        )
        crop = f"find-{n}.png"
        src = f"/captures/{q(v.row['id'])}/files/{crop}"
        image = (
            f'<img class="crop" src="{src}" alt="{crop}" loading="lazy">' if crop in names else ""
        )
        out.append(f'<li class="finding">{image}<table class="kv">{fields}</table></li>')
    return f'<ol class="findings">{"".join(out)}</ol>'


def _scalar(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def _change(v: CaptureView) -> str:
    c = v.change
    if c is None:
        return empty(
            "Belum dibandingkan: tidak ada tangkapan sebelumnya dari halaman ini",
            "Not compared: no earlier capture of this page",
        )
    prev = str(c["previous_id"])
    badges = kind_badges(c.get("kinds")) or bi("tidak berubah", "unchanged")
    against = bi("Dibanding tangkapan sebelumnya", "Against the previous capture")
    diff = f"/diff/{q(prev)}/{q(v.row['id'])}"
    return (
        f"<p>{against} {cid_link(prev)} ({when(c.get('previous_at'))}): {badges}</p>"
        f"<p>{e(c.get('summary') or '', 1000)}</p>"
        f'<p><a href="{diff}">{bi("Bandingkan berdampingan", "Compare side by side")}</a></p>'
    )


def _intake(v: CaptureView) -> str:
    if not v.intake:
        return ""
    rows = [
        (
            f'<a class="mono" href="/report/{q(x["report_id"])}">{e(x["report_id"])}</a>',
            when(x.get("reported_at")),
            e(x.get("created_by")),
            e(x.get("reporter_name") or "—"),
            e(x.get("reporter_contact") or "—"),
            _channel(x.get("channel")),
        )
        for x in v.intake
    ]
    heads = [*REPORT_HEADS[:3], *REPORT_HEADS[4:]]  # no case column: it is this capture's
    return (
        f'<section id="intake">{h(2, "Laporan masuk", "Reported by")}'
        f'<p class="small">{PERSONAL}</p>{table(heads, rows)}'
        "</section>"
    )


PERSONAL = bi(
    "Data pribadi pelapor: hanya untuk petugas; tidak ikut diekspor.",
    "Reporters’ details are personal data: for staff only; never exported.",  # noqa: RUF001
)
REPORT_HEADS = [
    bi("Laporan", "Report"),
    bi("Waktu", "Time"),
    bi("Petugas", "Officer"),
    bi("Perkara", "Case"),
    bi("Pelapor", "Reporter"),
    bi("Kontak", "Contact"),
    bi("Saluran", "Channel"),
]


def _channel(value: Any) -> str:
    return CHANNEL_NAMES.get(str(value or ""), e(value or "—"))


def capture_page(ctx: Context, v: CaptureView, flash_html: str) -> str:
    r = v.row
    cid = str(r["id"])
    names = {str(a["name"]) for a in v.artifacts}
    shot = (v.manifest or {}).get("screenshot") or {}
    if v.manifest is None:
        gone = bi(
            "Berkas tangkapan ini sudah dihapus (ditarik); hash-nya tetap tercatat.",
            "This capture's files were deleted (retired); its hashes are kept.",
        )
        shots = f'<p class="flash bad">{gone}</p>'
    elif "screenshot.png" in names:
        shots = viewer(
            cid,
            "screenshot.png",
            "Tangkapan layar / Screenshot",
            shot.get("png_width"),
            shot.get("png_height"),
        )
    else:
        shots = empty("Tidak ada tangkapan layar", "No screenshot")
    extras = []
    if "screenshot-after-consent.png" in names:
        extras.append(viewer(cid, "screenshot-after-consent.png", "Setelah persetujuan / Consent"))
    numbered = sorted(
        (m.group(1), int(m.group(2)), m.group(0))
        for m in (_EXTRA_SHOT.fullmatch(n) for n in names)
        if m
    )
    for kind, n, name in numbered:
        caption = f"Temuan / Finding {n}" if kind == "find" else f"Wadah / Container {n}"
        extras.append(viewer(cid, name, caption))
    if extras:
        shots += f'<div class="extras">{"".join(extras)}</div>'
    retired = ""
    if r.get("retired_at"):
        text = bi("Tangkapan ini DITARIK", "This capture was RETIRED")
        retired = f'<p class="flash bad">{text} {when(r["retired_at"])}</p>'
    title = e(r.get("title") or UNTITLED, 300)
    where = url_text(r.get("final_url") or r.get("requested_url"), None)
    only_shots = bi(
        "Hanya tangkapan layar ditampilkan; berkas lain hanya diunduh, tidak pernah dibuka "
        "di sini.",
        "Only screenshots are shown; every other file is a download, never opened here.",
    )
    body = (
        f'<p class="crumbs"><a href="/">{bi("Tangkapan", "Captures")}</a> › '  # noqa: RUF001
        f'<span class="mono">{e(cid)}</span></p>'
        f"<h1>{title}</h1><p>{outcome_badge(r.get('outcome'), r.get('retired_at'))} {where}</p>"
        f'{flash_html}{retired}<div class="capture-grid"><div class="shots">{shots}</div>'
        f'<div class="facts">{h(2, "Asal-usul", "Provenance")}{_provenance(v)}</div></div>'
        f'<section id="verification">{h(2, "Verifikasi", "Verification")}'
        f"{_verification(ctx, v)}</section>"
        f'<section id="findings">{h(2, "Temuan", "Findings")}{_findings(v)}</section>'
        f'<section id="changes">{h(2, "Perubahan", "Changes")}{_change(v)}</section>'
        f"{_intake(v)}"
        f'<section id="artifacts">{h(2, "Berkas", "Artifacts")}<p class="small">{only_shots}</p>'
        f"{_artifacts(v)}</section>"
        f'<section id="custody">{h(2, "Riwayat kustodi", "Custody history")}'
        f"{custody_table(v.events)}{_note_form(ctx, cid)}{_retire_form(ctx, r)}</section>"
    )
    return layout(ctx, str(r.get("title") or cid), body, "/")


def _note_form(ctx: Context, cid: str) -> str:
    text = '<textarea name="text" rows="3" required maxlength="10000"></textarea>'
    how = bi(
        "Dicatat di log kustodi atas nama Anda; tangkapan tidak diubah.",
        "Recorded in the custody log under your name; the capture is never edited.",
    )
    inner = (
        label("Catatan baru", "New note", text)
        + button("Simpan catatan", "Save the note")
        + f'<span class="small">{how}</span>'
    )
    return post_form(ctx, f"/captures/{q(cid)}/note", inner, "stack")


def _retire_form(ctx: Context, r: dict[str, Any]) -> str:
    if not ctx.may(ADMIN) or r.get("retired_at"):
        return ""
    delete = '<input type="checkbox" name="delete_files" value="yes">'
    sure = '<input type="checkbox" name="confirm" value="yes" required>'
    inner = (
        label("Alasan", "Reason", '<input name="reason" required>')
        + label("Hapus juga berkasnya (hash tetap)", "Also delete its files", delete, "check")
        + label("Saya yakin", "I am sure", sure, "check")
        + button("Tarik", "Retire", "danger")
    )
    return (
        f'<details class="danger"><summary>{bi("Tarik tangkapan ini", "Retire it")}</summary>'
        + post_form(ctx, f"/captures/{q(r['id'])}/retire", inner, "stack")
        + "</details>"
    )


# --- search, changes, runs, diff ------------------------------------------------------------------


def search_page(
    ctx: Context, query: str | None, rows: Sequence[dict[str, Any]], problem: str | None
) -> str:
    box = (
        f'<input name="q" value="{e(query or "")}" type="search" required '
        'placeholder="netral* OR &quot;tim pemenangan&quot;">'
    )
    window = f"{RANK_WINDOW:,}"
    syntax = bi(
        "Sintaks FTS5: frasa dalam tanda kutip, AND, OR, NOT, awalan dengan *, title:kata. "
        f"Bila lebih dari {window.replace(',', '.')} rekaman cocok, hanya yang terbaru "
        "sebanyak itu yang diurutkan",
        "FTS5 syntax: quoted phrases, AND, OR, NOT, prefixes with *, title:word. "
        f"When more than {window} captures match, the newest {window} are ranked",
    )
    out = [
        '<form method="get" action="/search" class="filters">'
        + label("Kata kunci", "Query", box)
        + button("Cari", "Search")
        + f'</form><p class="small">{syntax}</p>'
    ]
    if problem:
        out.append(f'<p class="flash bad">{e(problem)}</p>')
    elif query is not None and not rows:
        out.append(empty("Tidak ada yang cocok", "Nothing matches"))
    if rows:
        out.append(f"<p>{len(rows)} {bi('hasil, terbaik dulu', 'results, best first')}</p>")
        out.append("<ol class='results'>")
        for r in rows:
            cid = str(r["id"])
            title = highlighted(str(r.get("title_highlighted") or UNTITLED), 300)
            where = url_text(r.get("final_url") or r.get("requested_url"), 200)
            out.append(
                f'<li data-id="{e(cid)}"><a class="title" href="/captures/{q(cid)}">{title}</a> '
                f"{outcome_badge(r.get('outcome'))} {when(r.get('started_at'))} "
                f"{case_link(r.get('case_id'))}<br>{where}"
                f'<p class="snippet">{highlighted(str(r.get("snippet") or ""), 600)}</p></li>'
            )
        out.append("</ol>")
    return layout(ctx, "Cari / Search", h(1, "Cari", "Search") + "".join(out), "/search")


def changes_page(
    ctx: Context, rows: Sequence[dict[str, Any]], query: Mapping[str, list[str]]
) -> str:
    def current(name: str) -> str:
        return (query.get(name) or [""])[0]

    def checked(yes: bool) -> str:
        return " checked" if yes else ""

    picked = set(query.get("kind") or [])
    kinds = "".join(
        f'<label class="check"><input type="checkbox" name="kind" value="{k}"'
        f"{checked(k in picked)}> {k}</label>"
        for k in CHANGE_KINDS
    )
    days = (
        f'<input name="days" type="number" min="1" max="3660" value="{e(current("days") or 30)}">'
    )
    unchanged = f'<input type="checkbox" name="all" value="1"{checked(current("all") == "1")}>'
    form = (
        '<form method="get" action="/changes" class="filters">'
        + label("Hari terakhir", "Last days", days)
        + label("Perkara", "Case", text_input("case", current("case")))
        + f"<fieldset><legend>{bi('Jenis', 'Kinds')}</legend>{kinds}</fieldset>"
        + label("juga yang tidak berubah", "also unchanged", unchanged, "check")
        + button("Saring", "Filter")
        + "</form>"
    )
    trs = []
    for r in rows:
        cid, prev = str(r["capture_id"]), str(r["previous_id"])
        page = e(r.get("entry_name") or "—", 60) + "<br>" + url_text(r.get("url"), 120)
        summary = e(r.get("summary"), 400) if r.get("summary") else bi("tidak berubah", "same")
        trs.append(
            (
                when(r.get("captured_at")),
                kind_badges(r.get("kinds")) or "—",
                page,
                summary,
                cid_link(cid) + "<br>" + cid_link(prev, "← " + e(prev)),
                f'<a href="/diff/{q(prev)}/{q(cid)}">{bi("banding", "diff")}</a>',
            )
        )
    heads = [bi("Waktu", "Captured"), bi("Jenis", "Kinds"), bi("Halaman", "Page")]
    heads += [bi("Ringkasan", "Summary"), bi("Tangkapan", "Captures"), ""]
    result = table(heads, trs, "grid changes") if trs else empty("Tidak ada perubahan", "None")
    order = bi("Yang hilang lebih dulu, lalu yang terbaru.", "Disappearances first, then newest.")
    body = h(1, "Perubahan", "Changes") + f'<p class="small">{order}</p>{form}{result}'
    return layout(ctx, "Perubahan / Changes", body, "/changes")


def runs_page(ctx: Context, runs: Sequence[dict[str, Any]]) -> str:
    rows = [
        (
            f'<a class="mono" href="/runs/{q(r["id"])}">{e(r["id"])}</a>',
            when(r.get("started_at")),
            e(r.get("status")),
            e(r.get("entries")),
            e(r.get("ok")),
            case_link(r.get("case_id")),
            e(r.get("list_file"), 80),
        )
        for r in runs
    ]
    heads = ["Run", bi("Mulai", "Started"), "Status", bi("Entri", "Entries"), "OK"]
    heads += [bi("Perkara", "Case"), bi("Daftar", "List")]
    result = table(heads, rows) if rows else empty("Belum ada pemantauan", "No runs yet")
    return layout(ctx, "Pemantauan / Runs", h(1, "Pemantauan", "Runs") + result, "/runs")


def run_page(
    ctx: Context,
    run: dict[str, Any],
    entries: Sequence[dict[str, Any]],
    attempts: Sequence[dict[str, Any]],
) -> str:
    rid = e(run["id"])
    head = kv_table(
        [
            ("Run", f"<span class='mono'>{rid}</span> · {e(run.get('status'))}"),
            (
                bi("Daftar", "List"),
                f"{e(run.get('list_file'))} {hash_text('sha256:' + str(run.get('list_sha256')))}",
            ),
            (bi("Mulai", "Started"), when(run.get("started_at"))),
            (bi("Selesai", "Finished"), when(run.get("finished_at"))),
            (bi("Perkara", "Case"), case_link(run.get("case_id"))),
            (bi("Operator", "Operator"), e(run.get("operator") or "—")),
            (bi("Jumlah", "Counts"), e(run.get("counts"))),
        ]
    )

    def capture(x: dict[str, Any]) -> str:
        return cid_link(x["capture_id"]) if x.get("capture_id") else "—"

    erows = [
        (
            e(x.get("entry_index")),
            e(x.get("name"), 80),
            e(x.get("platform")),
            e(x.get("status")),
            outcome_badge(x.get("outcome")) if x.get("outcome") else "—",
            e(x.get("attempts")),
            capture(x),
        )
        for x in entries
    ]
    arows = [
        (
            e(f"{x.get('entry_index')}.{x.get('attempt')}"),
            when(x.get("started_at")),
            outcome_badge(x.get("outcome")),
            e(x.get("http_status")),
            e(x.get("decision")),
            e(x.get("note") or x.get("reason"), 200),
            capture(x),
        )
        for x in attempts
    ]
    capture_head = bi("Tangkapan", "Capture")
    entry_heads = ["#", bi("Nama", "Name"), "Platform", "Status", bi("Hasil", "Outcome")]
    attempt_heads = ["#", bi("Mulai", "Started"), bi("Hasil", "Outcome"), "HTTP"]
    attempt_heads += [bi("Keputusan", "Decision"), bi("Catatan", "Note"), capture_head]
    body = (
        f'<p class="crumbs"><a href="/runs">{bi("Pemantauan", "Runs")}</a> › '  # noqa: RUF001
        f'<span class="mono">{rid}</span></p>'
        + h(1, "Pemantauan", "Run", f" <span class='mono'>{rid}</span>")
        + head
        + h(2, "Entri", "Entries")
        + table([*entry_heads, bi("Coba", "Tries"), capture_head], erows)
        + h(2, "Percobaan", "Attempts")
        + table(attempt_heads, arows)
    )
    return layout(ctx, f"Run {run['id']}", body, "/runs")


def diff_page(ctx: Context, a: Any, b: Any, shots: Sequence[bool]) -> str:
    """Two captures side by side (collector.monitor.diffview: the same facts `collector
    diff` prints)."""
    from collector.monitor.diffview import (
        changes_between,
        chronological,
        field_rows,
        post_link_diff,
        text_unified,
    )

    meta = "".join(
        f"<tr{' class=differs' if va != vb and vb != '' else ''}><th>{e(k)}</th>"
        f"<td>{e(va, 500)}</td><td>{e(vb, 500)}</td></tr>"
        for k, va, vb in field_rows(a, b)
    )
    changeset = changes_between(a, b)
    older, _ = chronological(a, b)
    order = "A → B" if older is a else "B → A"
    if changeset.is_empty:
        changes = empty("Tidak ada perubahan terdeteksi", "No changes detected")
    else:
        items = "".join(
            f"<li>{badge(e(c.kind), 'kind ' + e(c.kind))} {e(c.summary, 600)}</li>"
            for c in changeset.changes
        )
        changes = f"<ul>{items}</ul>"
    figs = []
    for side, has in zip((a, b), shots, strict=True):
        caption = f"{side.label} · {side.capture_id}"
        if has:
            figs.append(viewer(side.capture_id, "screenshot.png", caption))
        else:
            figs.append(f'<p class="empty">{e(caption)}: {bi("tanpa layar", "no screenshot")}</p>')
    links = post_link_diff(a, b)
    if links is None:
        link_html = empty("Tautan unggahan tidak tercatat di keduanya", "Not recorded for both")
    else:
        only_a, only_b = links
        counts = f"{len(only_a)} {bi('hanya di A', 'only in A')}, "
        counts += f"{len(only_b)} {bi('hanya di B', 'only in B')}"
        items = "".join(f"<li class='del'>&minus; {url_text(x)}</li>" for x in only_a)
        items += "".join(f"<li class='ins'>+ {url_text(x)}</li>" for x in only_b)
        link_html = f"<p>{counts}</p><ul class='links'>{items}</ul>"
    unified = text_unified(a, b)
    if unified is None:
        text_html = empty("text.txt hilang atau tidak cocok hash-nya", "text.txt fails its hash")
    elif not unified:
        text_html = empty("Teks yang terlihat sama", "The visible text is the same")
    else:
        shown = []
        for line in unified.splitlines():
            cls = "ins" if line.startswith("+") else "del" if line.startswith("-") else "ctx"
            if line.startswith(("+++", "---", "@@")):
                cls = "hdr"
            shown.append(f'<span class="{cls}">{e(line, 2000)}</span>')
        text_html = '<pre class="textdiff">' + "\n".join(shown) + "</pre>"
    older_newer = f" ({e(order)}, {bi('lama ke baru', 'older to newer')})"
    body = (
        h(1, "Perbandingan", "Comparison")
        + f"<p>A {cid_link(a.capture_id)} · B {cid_link(b.capture_id)}</p>"
        + h(2, "Perubahan", "Changes", older_newer)
        + changes
        + h(2, "Tangkapan layar", "Screenshots")
        + f'<div class="side-by-side">{"".join(figs)}</div>'
        + h(2, "Data", "Metadata")
        + f"<table class='kv diff'><tr><th></th><th>A</th><th>B</th></tr>{meta}</table>"
        + h(2, "Tautan unggahan", "Post links")
        + link_html
        + h(2, "Teks yang terlihat", "Visible text")
        + text_html
    )
    return layout(ctx, "Perbandingan / Comparison", body)


# --- cases ----------------------------------------------------------------------------------------


def cases_page(ctx: Context, cases: Sequence[dict[str, Any]]) -> str:
    rows = [
        (
            case_link(c["case_id"]),
            e(c.get("captures")),
            e(c.get("ok")),
            when(c.get("first_at")),
            when(c.get("last_at")),
        )
        for c in cases
    ]
    heads = [bi("Perkara", "Case"), bi("Tangkapan", "Captures"), "OK"]
    heads += [bi("Pertama", "First"), bi("Terakhir", "Last")]
    result = table(heads, rows) if rows else empty("Belum ada perkara", "No cases yet")
    return layout(ctx, "Perkara / Cases", h(1, "Perkara", "Cases") + result, "/cases")


def reports_table(
    reports: Sequence[dict[str, Any]],
    items: Mapping[str, Sequence[dict[str, Any]]] | None = None,
) -> str:
    rows = []
    for r in reports:
        states = _counts(i["status"] for i in (items or {}).get(r["id"], []))
        rows.append(
            (
                f'<a class="mono" href="/report/{q(r["id"])}">{e(r["id"])}</a>',
                when(r.get("created_at")),
                e(r.get("created_by")),
                case_link(r.get("case_id")),
                e(r.get("reporter_name") or "—", 80),
                e(r.get("reporter_contact") or "—", 80),
                _channel(r.get("channel")),
                e(", ".join(f"{n} {s}" for s, n in states)),
            )
        )
    return table([*REPORT_HEADS, "Status"], rows)


def _counts(values: Iterable[str]) -> list[tuple[str, int]]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return list(out.items())


def case_page(
    ctx: Context,
    case: str,
    rows: Sequence[dict[str, Any]],
    chain: Any,
    log: Sequence[dict[str, Any]],
    reports: Sequence[dict[str, Any]],
    flash_html: str,
) -> str:
    base = f"/cases/{q(case)}"
    if chain.ok:
        head = hash_text(f"sha256:{chain.head or ''}")
        chain_html = (
            badge(bi("utuh", "intact"), "ok")
            + f" {chain.entries} {bi('entri', 'entries')}, {bi('kepala', 'head')} {head}"
        )
    else:
        first = chain.problems[0] if chain.problems else ""
        chain_html = (
            badge(bi("RUSAK", "BROKEN"), "bad")
            + f" {bi('entri rusak pertama', 'first broken entry')} {e(chain.first_broken)}: "
            + e(first)
        )
    report_link = bi("Unduh laporan perkara", "Download the case report")
    actions = [f'<a class="button" href="{base}/report">{report_link} (HTML)</a>']
    handover = reporters = ""
    if ctx.may(ADMIN):
        for kind, id_, en in (
            ("zip", "Unduh paket bukti", "Download the evidence package"),
            ("wacz", "Unduh arsip web", "Download the web archive"),
        ):
            inner = f'<input type="hidden" name="format" value="{kind}">'
            inner += f'<button type="submit">{bi(id_, en)} ({kind.upper()})</button>'
            actions.append(post_form(ctx, f"{base}/export", inner))
        me = ctx.who.name if ctx.who else ""
        inner = (
            label("Dari", "From", text_input("from", me, " required"))
            + label(
                "Kepada (nama, instansi)", "To (person, agency)", text_input("to", "", " required")
            )
            + label("Alasan (surat, sidang)", "Reason", text_input("reason", "", " required"))
            + button("Catat serah terima", "Record the hand-over")
        )
        handover = (
            f'<section id="handover">{h(2, "Serah terima", "Hand-over")}'
            + post_form(ctx, f"{base}/handover", inner, "stack")
            + "</section>"
        )
    if reports:
        download = ""
        if ctx.may(ADMIN):
            text = bi("unduh data pelapor (JSON)", "download the reporters (JSON)")
            download = f' <a href="{base}/reporters.json">{text}</a>'
        kept = bi("Data pribadi: tidak ada di paket bukti.", "Personal data: not in the package.")
        reporters = (
            f'<section id="reports">{h(2, "Laporan masuk", "Reports taken")}'
            f'<p class="small">{kept}{download}</p>{reports_table(reports)}</section>'
        )
    log_head = h(2, "Riwayat kustodi perkara", "The case's custody history")
    body = (
        f'<p class="crumbs"><a href="/cases">{bi("Perkara", "Cases")}</a> › '  # noqa: RUF001
        f"{e(case)}</p>"
        + h(1, "Perkara", "Case", " " + e(case))
        + flash_html
        + f"<p>{len(rows)} {bi('tangkapan', 'captures')} · "
        + f"{bi('log kustodi', 'custody log')}: {chain_html}</p>"
        + f'<div class="actions">{"".join(actions)}</div>'
        + compare_form()
        + capture_table(rows)
        + reporters
        + handover
        + f'<section id="custody">{log_head}{custody_table(log)}</section>'
    )
    return layout(ctx, f"Perkara {case}", body, "/cases")


# --- intake ---------------------------------------------------------------------------------------


def intake_form(
    ctx: Context,
    values: Mapping[str, str],
    problems: Sequence[str],
    recent: Mapping[str, Sequence[dict[str, Any]]],
) -> str:
    notes = "".join(f'<p class="flash bad" role="alert">{e(p)}</p>' for p in problems)
    force = ""
    if recent:
        items = "".join(
            f"<li>{url_text(url)}: "
            + ", ".join(
                f"{cid_link(r['id'])} ({when(r['started_at'])}, {outcome_badge(r['outcome'])})"
                for r in rows
            )
            + "</li>"
            for url, rows in recent.items()
        )
        already = bi("Sudah ditangkap baru-baru ini:", "Already captured recently:")
        choose = bi("Buka tangkapan yang ada, atau tangkap lagi.", "Open it, or capture again.")
        notes += (
            f'<div class="flash warn" role="alert"><p>{already}</p><ul>{items}</ul>'
            f"<p>{choose}</p></div>"
        )
        again = '<input type="checkbox" name="force" value="1">'
        force = label("Tetap tangkap lagi", "Capture again anyway", again, "check")
    channel = select("channel", [("", "—"), *CHANNEL_NAMES.items()], values.get("channel"))
    urls = f'<textarea name="urls" rows="5" required>{e_lines(values.get("urls"))}</textarea>'
    note = f'<textarea name="note" rows="2">{e_lines(values.get("note"))}</textarea>'
    reporter = bi(
        "Pelapor (data pribadi, tidak diekspor)", "Reporter (personal data, not exported)"
    )
    how = bi(
        "Tempel tautan yang dilaporkan; desk menangkapnya sekarang (satu peramban, jeda sopan).",
        "Paste the reported links; the desk captures them now (one browser, polite pauses).",
    )
    inner = (
        label("URL, satu per baris", "URLs, one a line", urls)
        + label("Perkara", "Case", text_input("case", values.get("case"), ' placeholder="BKPSDM-"'))
        + label("Catatan", "Note", note)
        + f"<fieldset><legend>{reporter}</legend>"
        + label("Nama", "Name", text_input("reporter_name", values.get("reporter_name")))
        + label("Kontak", "Contact", text_input("reporter_contact", values.get("reporter_contact")))
        + label("Saluran", "Channel", channel)
        + "</fieldset>"
        + force
        + button("Tangkap sekarang", "Capture now")
    )
    body = (
        h(1, "Laporkan / Tangkap", "Report / Capture")
        + f'<p class="small">{how}</p>{notes}'
        + post_form(ctx, "/report", inner, "stack")
    )
    return layout(ctx, "Laporkan / Report", body, "/report")


def intake_page(
    ctx: Context,
    report: dict[str, Any],
    items: Sequence[dict[str, Any]],
    captured: Mapping[str, dict[str, Any]],
) -> str:
    finished = all(i["status"] not in ("queued", "capturing") for i in items)
    rows = []
    for i in items:
        result = "—"
        if i.get("capture_id"):
            cap = captured.get(str(i["capture_id"])) or {}
            result = f"{outcome_badge(i.get('outcome'))} {cid_link(i['capture_id'])}"
            if cap.get("title"):
                result += f"<br>{e(cap.get('title'), 200)}"
        status = e(i["status"])
        rows.append(
            f'<tr data-position="{int(i["position"])}" data-status="{status}">'
            f"<td>{int(i['position'])}</td><td>{url_text(i.get('url'))}</td>"
            f'<td><span class="status {status}">{status}</span></td>'
            f"<td>{result}</td><td>{e(i.get('reason') or '', 400)}</td></tr>"
        )
    by = f"{when(report.get('created_at'))} {bi('oleh', 'by')} {e(report.get('created_by'))}"
    meta = kv_table(
        [
            (bi("Laporan", "Report"), f"<span class='mono'>{e(report['id'])}</span>"),
            (bi("Dibuat", "Created"), by),
            (bi("Perkara", "Case"), case_link(report.get("case_id"))),
            (bi("Catatan", "Note"), lines(report.get("note") or "—", 2000)),
            (bi("Pelapor", "Reporter"), e(report.get("reporter_name") or "—")),
            (bi("Kontak", "Contact"), e(report.get("reporter_contact") or "—")),
            (bi("Saluran", "Channel"), _channel(report.get("channel"))),
        ]
    )
    if finished:
        state = bi("Selesai", "Finished")
    else:
        state = bi("Sedang ditangkap… (diperbarui sendiri)", "Capturing… (updates itself)")
    heads = f"<th>#</th><th>URL</th><th>Status</th><th>{bi('Hasil', 'Outcome')}</th>"
    heads += f"<th>{bi('Keterangan', 'Reason')}</th>"
    reload_ = bi("Muat ulang untuk melihat kemajuan", "Reload to see progress")
    body = (
        f'<p class="crumbs"><a href="/reports">{bi("Laporan masuk", "Reports")}</a> › '  # noqa: RUF001
        f'<span class="mono">{e(report["id"])}</span></p>'
        + h(1, "Laporan masuk", "Report")
        + meta
        + f'<p class="small">{PERSONAL}</p>'
        + f'<p class="progress" role="status">{state}</p>'
        + f'<table class="grid intake" data-report="{e(report["id"])}" '
        + f'data-finished="{"1" if finished else "0"}"><thead><tr>{heads}</tr></thead>'
        + f"<tbody>{''.join(rows)}</tbody></table>"
        + f'<noscript><p><a href="">{reload_}</a></p></noscript>'
    )
    return layout(ctx, "Laporan / Report", body, "/reports")


def intake_list(
    ctx: Context, reports: Sequence[dict[str, Any]], items: Mapping[str, Sequence[dict[str, Any]]]
) -> str:
    result = reports_table(reports, items) if reports else empty("Belum ada laporan", "None yet")
    link = ""
    if ctx.may(INVESTIGATOR):
        link = f'<p><a class="button" href="/report">{bi("Laporkan / Tangkap", "Report")}</a></p>'
    body = h(1, "Laporan masuk", "Reports") + f'{link}<p class="small">{PERSONAL}</p>{result}'
    return layout(ctx, "Laporan masuk / Reports", body, "/reports")


# --- users ----------------------------------------------------------------------------------------


def _password_inputs() -> str:
    attrs = ' type="password" autocomplete="new-password" required minlength="10"'
    return (
        f'<input name="password"{attrs} placeholder="sandi baru / new password">'
        f'<input name="password2"{attrs} placeholder="ulangi / repeat">'
    )


def users_page(
    ctx: Context, users: Sequence[dict[str, Any]], problem: str | None, flash_html: str
) -> str:
    rows = []
    for u in users:
        base = f"/users/{q(u['name'])}"
        actions = post_form(ctx, f"{base}/password", _password_inputs() + button("Ganti", "Set"))
        actions += post_form(ctx, f"{base}/remove", button("Hapus", "Remove", "danger"))
        rows.append(
            (
                e(u["name"]),
                e(u["role"]),
                when(u.get("created_at")),
                when(u.get("updated_at")),
                actions,
            )
        )
    name = '<input name="name" required pattern="[a-z0-9][a-z0-9._\\-]{1,31}">'
    inner = (
        label("Nama pengguna", "User name", name)
        + label("Peran", "Role", select("role", [(r, r) for r in ROLES], "reviewer"))
        + _password_inputs()
        + button("Tambah", "Add")
    )
    note = f'<p class="flash bad">{e(problem)}</p>' if problem else ""
    heads = [bi("Nama", "Name"), bi("Peran", "Role"), bi("Dibuat", "Created")]
    heads += [bi("Diubah", "Changed"), ""]
    body = (
        h(1, "Pengguna", "Users")
        + flash_html
        + note
        + table(heads, rows)
        + h(2, "Tambah pengguna", "Add a user")
        + post_form(ctx, "/users", inner, "stack narrow")
    )
    return layout(ctx, "Pengguna / Users", body, "/users")
