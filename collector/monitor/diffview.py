"""`collector diff`: two captures side by side, as terminal text or a static HTML page.

Everything shown that came from a page is hostile: the terminal view passes it through
`collector.text.clean`, the HTML view through `html.escape`, and the HTML page carries no script
and a Content-Security-Policy that forbids loading anything (screenshots are embedded
as data: URIs, so the file is self-contained and can be handed over as is).
"""

from __future__ import annotations

import base64
import difflib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collector.evidence.store import read_verified_artifact
from collector.manifest import Manifest, ResponseRecord, RunRecord
from collector.monitor.changes import ChangeSet, hamming, normalise_lines, unified_diff
from collector.monitor.detect import compare_manifests, effective_outcome
from collector.text import clean
from collector.timeutil import wib

__all__ = ["CaptureSide", "field_rows", "render_html", "text_of"]

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
CONTEXT_LINES = 3


@dataclass(frozen=True)
class CaptureSide:
    label: str  # "A" or "B"
    manifest: Manifest
    folder: Path

    @property
    def capture_id(self) -> str:
        return str(self.manifest["capture_id"])


def text_of(side: CaptureSide) -> str | None:
    data = read_verified_artifact(side.folder, side.manifest, "text.txt")
    return data.decode("utf-8", errors="replace") if data is not None else None


def _post_links(m: Manifest) -> list[str] | None:
    links = (m.get("page") or {}).get("post_links")
    return list(links) if isinstance(links, list) else None


def field_rows(a: CaptureSide, b: CaptureSide) -> list[tuple[str, str, str]]:
    """(field, A, B) for the facts a reviewer compares first."""

    def facts(m: Manifest, text: str | None) -> dict[str, str]:
        response: ResponseRecord | dict[str, Any] = m.get("response") or {}
        page = m.get("page") or {}
        shot = m.get("screenshot") or {}
        run: RunRecord | dict[str, Any] = m.get("run") or {}
        entry = run.get("entry") or {}
        links = _post_links(m)
        return {
            "capture": str(m["capture_id"]),
            "captured": f"{m['started_at']} ({wib(m['started_at'])})",
            "outcome": str(m["outcome"])
            + (f" — {m['outcome_reason']}" if m.get("outcome_reason") else ""),
            "HTTP status": str(response.get("status", "-")),
            "requested URL": str(m.get("requested_url")),
            "final URL": str(m.get("final_url")),
            "title": str(page.get("title") or ""),
            "case": str(m.get("case") or "-"),
            "watch-list entry": str(entry.get("name") or "-") if isinstance(entry, dict) else "-",
            "screenshot": f"{shot.get('png_width', '-')}x{shot.get('png_height', '-')} px"
            + (" (truncated)" if shot.get("truncated") else ""),
            "screenshot dhash": str(shot.get("dhash") or "-"),
            "visible text": "not available (missing or fails its hash)"
            if text is None
            else f"{len(normalise_lines(text))} lines, {len(text)} characters",
            "post links": "not recorded" if links is None else str(len(links)),
            "browser": str((m.get("browser") or {}).get("version") or "-"),
            "collector": str((m.get("software") or {}).get("collector") or "-"),
            "viewport": str((m.get("options") or {}).get("viewport") or "-"),
        }

    fa, fb = facts(a.manifest, text_of(a)), facts(b.manifest, text_of(b))
    rows = [(key, fa[key], fb[key]) for key in fa]
    da, db = (
        (a.manifest.get("screenshot") or {}).get("dhash"),
        (b.manifest.get("screenshot") or {}).get("dhash"),
    )
    if isinstance(da, str) and isinstance(db, str):
        try:
            distance = hamming(int(da, 16), int(db, 16))
        except ValueError:
            distance = None
        if distance is not None:
            rows.append(("dhash distance", f"{distance} of 64 bits", ""))
    return rows


def chronological(a: CaptureSide, b: CaptureSide) -> tuple[CaptureSide, CaptureSide]:
    key_a = (a.manifest["started_at"], a.capture_id)
    key_b = (b.manifest["started_at"], b.capture_id)
    return (a, b) if key_a <= key_b else (b, a)


def changes_between(a: CaptureSide, b: CaptureSide) -> ChangeSet:
    older, newer = chronological(a, b)
    return compare_manifests(older.manifest, older.folder, newer.manifest, newer.folder)


def post_link_diff(a: CaptureSide, b: CaptureSide) -> tuple[list[str], list[str]] | None:
    """(only in A, only in B), or None when either capture did not record them."""
    la, lb = _post_links(a.manifest), _post_links(b.manifest)
    if la is None or lb is None:
        return None
    return [x for x in la if x not in set(lb)], [x for x in lb if x not in set(la)]


def text_unified(a: CaptureSide, b: CaptureSide) -> str | None:
    ta, tb = text_of(a), text_of(b)
    if ta is None or tb is None:
        return None
    return unified_diff(ta, tb, f"A {a.capture_id} text.txt", f"B {b.capture_id} text.txt")


# -- HTML -------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em} h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;overflow-wrap:anywhere}
th{text-align:left}
tr.differs td{background:#fff6d5}
.shots{display:flex;gap:1em} .shots figure{flex:1;margin:0}
.shots img{width:100%;border:1px solid #999}
figcaption{font-size:.85em;color:#555;overflow-wrap:anywhere}
table.text td{font-family:ui-monospace,monospace;font-size:.85em;white-space:pre-wrap}
td.del{background:#fdd} td.ins{background:#dfd} td.gap{background:#eee;text-align:center}
.note{color:#555;font-size:.9em}
"""


def _e(value: Any) -> str:
    """Escaped for HTML, with control and bidi characters shown as escapes (clean)."""
    return html.escape(clean(value), quote=True)


def _image(side: CaptureSide) -> str:
    data = read_verified_artifact(side.folder, side.manifest, "screenshot.png")
    listed = next(
        (x for x in side.manifest.get("artifacts", []) if x.get("name") == "screenshot.png"),
        None,
    )
    if data is None:
        why = "no screenshot" if listed is None else "screenshot.png is missing or fails its hash"
        return f"<p class='note'>{_e(why)}</p>"
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return (
        f"<img src='{uri}' alt='screenshot of capture {_e(side.capture_id)}'>"
        f"<figcaption>screenshot.png sha256 {_e(listed['sha256'] if listed else '')}"
        "</figcaption>"
    )


def _side_by_side_text(a_text: str, b_text: str) -> str:
    old, new = normalise_lines(a_text), normalise_lines(b_text)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    rows: list[str] = []
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        if rows:
            rows.append("<tr><td class='gap' colspan='2'>…</td></tr>")
        for tag, i1, i2, j1, j2 in group:
            left, right = old[i1:i2], new[j1:j2]
            for k in range(max(len(left), len(right))):
                lcell = left[k] if k < len(left) else ""
                rcell = right[k] if k < len(right) else ""
                lcls = "" if tag == "equal" else " class='del'" if k < len(left) else ""
                rcls = "" if tag == "equal" else " class='ins'" if k < len(right) else ""
                rows.append(f"<tr><td{lcls}>{_e(lcell)}</td><td{rcls}>{_e(rcell)}</td></tr>")
    if not rows:
        return "<p class='note'>The visible text is the same (after collapsing whitespace).</p>"
    return "<table class='text'><tr><th>A</th><th>B</th></tr>" + "".join(rows) + "</table>"


def render_html(a: CaptureSide, b: CaptureSide, generated_at: str) -> str:
    """A self-contained, script-free page comparing A and B."""
    rows = field_rows(a, b)
    meta = "".join(
        f"<tr{' class=differs' if va != vb and vb != '' else ''}>"
        f"<th>{_e(k)}</th><td>{_e(va)}</td><td>{_e(vb)}</td></tr>"
        for k, va, vb in rows
    )
    changeset = changes_between(a, b)
    older, _ = chronological(a, b)
    order = "A → B" if older is a else "B → A"
    if changeset.is_empty:
        change_list = "<p>No changes detected.</p>"
    else:
        change_list = (
            "<ul>"
            + "".join(f"<li><b>{_e(c.kind)}</b>: {_e(c.summary)}</li>" for c in changeset.changes)
            + "</ul>"
        )
    links = post_link_diff(a, b)
    if links is None:
        link_html = "<p class='note'>Post links were not recorded for both captures.</p>"
    else:
        only_a, only_b = links
        link_html = (
            f"<p>{len(only_a)} only in A, {len(only_b)} only in B.</p>"
            + _link_list("only in A", only_a)
            + _link_list("only in B", only_b)
        )
    ta, tb = text_of(a), text_of(b)
    text_html = (
        _side_by_side_text(ta, tb)
        if ta is not None and tb is not None
        else "<p class='note'>text.txt is missing or fails its hash in one of the captures.</p>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='referrer' content='no-referrer'>"
        f"<title>collector diff {_e(a.capture_id)} / {_e(b.capture_id)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Capture A {_e(a.capture_id)} and capture B {_e(b.capture_id)}</h1>"
        f"<p class='note'>Generated {_e(generated_at)} by collector diff. Captured content is "
        "shown as text only; times are UTC with WIB in brackets.</p>"
        "<h2>Metadata</h2><table><tr><th style='width:14em'>field</th><th>A</th><th>B</th></tr>"
        f"{meta}</table>"
        f"<h2>Changes ({_e(order)}, older to newer)</h2>{change_list}"
        f"<h2>Screenshots</h2><div class='shots'><figure><figcaption>A {_e(a.capture_id)}"
        f"</figcaption>{_image(a)}</figure><figure><figcaption>B {_e(b.capture_id)}</figcaption>"
        f"{_image(b)}</figure></div>"
        f"<h2>Post links</h2>{link_html}"
        f"<h2>Visible text</h2>{text_html}"
        "</body></html>\n"
    )


def _link_list(title: str, links: Sequence[str]) -> str:
    if not links:
        return ""
    items = "".join(f"<li>{_e(link)}</li>" for link in links)
    return f"<p>{_e(title)}:</p><ul>{items}</ul>"


def outcome_line(side: CaptureSide) -> str:
    m = side.manifest
    outcome = effective_outcome(m)
    shown = m["outcome"] if outcome == m["outcome"] else f"{m['outcome']} (counted as {outcome})"
    return f"{side.label}  {side.capture_id}  {wib(m['started_at'])}  {shown}"
