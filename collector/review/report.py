"""The case report: one self-contained HTML file a reviewer can read, print and file.

No network and no script: a strict Content-Security-Policy meta tag (`default-src 'none'`)
backs up the rule that matters, which is that every captured string (titles, URLs, notes,
page text) is hostile and goes through `_e()` (control and bidi characters made visible,
then `html.escape`). Captured URLs are shown as text, never as links. Screenshots are
embedded as data: URIs in a standalone report, or linked relative to the report inside
an evidence package (`captures/<id>/screenshot.png`). Labels are Bahasa Indonesia with
English.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collector import __version__
from collector.errors import StoreError, UsageError
from collector.evidence.store import EvidenceStore, load_manifest
from collector.manifest import Manifest, ResponseRecord, SoftwareRecord
from collector.models import Outcome
from collector.records import custody
from collector.records.anchor import Anchor
from collector.records.index import Index
from collector.review.findings_html import STYLE as FINDINGS_STYLE
from collector.review.findings_html import findings_section
from collector.review.transport import Transport, transport
from collector.text import clean
from collector.timeutil import rfc3339, utc_now, wib

CSP = "default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline'"
MAX_EMBED_BYTES = 12 << 20  # a standalone report embeds screenshots up to this size
_SAFE_ID = re.compile(r"[0-9A-Za-z._-]+")


@dataclass(frozen=True)
class CaptureData:
    """Everything the report (and the package) needs about one capture."""

    capture_id: str
    row: dict[str, Any]
    folder: Path
    manifest: Manifest | None  # None: retired with its files deleted
    manifest_sha256: str
    artifacts: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def retired(self) -> dict[str, Any] | None:
        for e in self.events:
            if e["action"] == custody.Action.RETIRED and self.capture_id in e["capture_ids"]:
                return e
        return None


@dataclass(frozen=True)
class ReportData:
    case: str | None
    captures: list[CaptureData]
    head: str | None
    operator: str
    created: str = field(default_factory=lambda: rfc3339(utc_now()))
    package: Mapping[str, Any] | None = None  # name, and what package.json says
    head_seq: int | None = None  # with `head`: the custody anchor (collector.records.anchor)


def gather(
    store: EvidenceStore,
    index: Index,
    *,
    case: str | None,
    refs: Sequence[str] = (),
    operator: str,
) -> ReportData:
    """The captures of a case (or the given ones), with manifests and custody events."""
    if refs:
        rows = [index.resolve(r) for r in refs]
        if case is not None:
            other = [r["id"] for r in rows if r["case_id"] != case]
            if other:
                raise UsageError(f"captures not in case {case!r}: {', '.join(other)}")
        rows = list({r["id"]: r for r in rows}.values())
    elif case is not None:
        rows = index.captures(case=case)
    else:
        raise UsageError("give --case (and optionally capture ids)")
    if not rows:
        raise UsageError(f"no captures in case {case!r}")
    log = custody.entries(index)
    out = []
    for row in rows:
        folder = store.root / row["folder"]
        manifest: Manifest | None = None
        digest = row["manifest_sha256"]
        if folder.is_dir():
            manifest, digest = load_manifest(folder)
        elif not row.get("retired_at"):
            raise StoreError(f"capture {row['id']}: folder {row['folder']} is missing")
        events = custody.history_of(log, {row["id"]})
        out.append(
            CaptureData(
                row["id"], row, folder, manifest, digest, index.artifacts(row["id"]), events
            )
        )
    head = log[-1]["entry_hash"] if log else None
    return ReportData(case, out, head, operator, head_seq=log[-1]["seq"] if log else None)


def render(data: ReportData, *, screenshots: str = "embed") -> str:
    """The report's HTML. `screenshots`: "embed" (data: URIs) or "relative" (package)."""
    parts = [_head(data), _header(data), _summary(data)]
    for n, cap in enumerate(data.captures, 1):
        parts.append(_capture(n, cap, screenshots))
    parts.append(_footer(data))
    return "".join(parts) + "</body></html>\n"


def write_report(data: ReportData, out: Path) -> int:
    """Write a standalone report; never overwrites. Returns its size."""
    text = render(data, screenshots="embed").encode("utf-8")
    try:
        with out.open("xb") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{out} already exists; refusing to overwrite it") from None
    except OSError as exc:
        raise StoreError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return len(text)


# --- pieces ------------------------------------------------------------------------------


def _e(value: Any, limit: int | None = None) -> str:
    return html.escape(clean(value, limit), quote=True)


def _both(id_: str, en: str) -> str:
    return f'{id_} <span class="en">/ {en}</span>'


def _time(at: str | None) -> str:
    if not at:
        return "—"
    return f'<span class="t">{_e(at)}</span><br><span class="wib t">{_e(wib(at))}</span>'


def _url(value: Any) -> str:
    return f'<span class="url">{_e(value)}</span>'


def _hash(digest: str | None) -> str:
    return f'<code class="hash">sha256:{_e(digest)}</code>' if digest else "—"


STYLE = """
*{box-sizing:border-box}
body{font:10.5pt/1.4 "Noto Sans","DejaVu Sans",Arial,sans-serif;color:#111;margin:0 auto;
 max-width:210mm;padding:12mm 14mm;background:#fff}
h1{font-size:17pt;margin:0 0 2mm}h2{font-size:13pt;margin:0 0 3mm;
 border-bottom:1.5pt solid #1d3557;padding-bottom:1mm;color:#1d3557}
h3{font-size:10.5pt;margin:4mm 0 1.5mm;color:#1d3557}
.en{color:#555;font-weight:normal}
.banner{border:1pt solid #1d3557;padding:3mm 4mm;margin-bottom:5mm}
.banner p{margin:1mm 0;font-size:9pt;color:#333}
table{border-collapse:collapse;width:100%;margin:0 0 3mm}
th,td{border:.5pt solid #999;padding:1mm 1.5mm;text-align:left;vertical-align:top;
 font-size:8.5pt}
th{background:#e8edf3;font-weight:600}
table.kv th{width:34%}
tr{break-inside:avoid}
code,.mono{font-family:"DejaVu Sans Mono","Noto Sans Mono",monospace;font-size:7.5pt;
 overflow-wrap:anywhere;word-break:break-all}
.url{font-family:"DejaVu Sans Mono",monospace;font-size:8pt;overflow-wrap:anywhere;
 word-break:break-all}
.hash{font-size:7pt}
.wib{color:#555;font-size:8pt}
.t{white-space:nowrap;font-size:8pt}
.ok{color:#1a7f37;font-weight:600}.bad{color:#b3261e;font-weight:600}
.retired{color:#8a5a00;font-weight:600}
.warn{border:1.5pt solid #b3261e;background:#fdecea;padding:2mm 3mm;margin:0 0 3mm;
 break-inside:avoid}
.warn p{margin:.5mm 0;font-size:9pt}.warn strong{color:#b3261e}
ol.hops{margin:0;padding-left:4mm}
section.capture{break-before:page;padding-top:2mm}
.grid{display:grid;grid-template-columns:1fr 62mm;gap:4mm;align-items:start}
figure{margin:0}
figure img{display:block;width:100%;height:auto;max-height:110mm;object-fit:cover;
 object-position:top;border:.5pt solid #777;background:#f4f4f4}
figure:target img{max-height:none;object-fit:contain}
figcaption{font-size:7.5pt;color:#444;margin-top:1mm}
.noshot{border:.5pt dashed #999;padding:6mm 2mm;text-align:center;color:#666;font-size:8pt}
.note{border-left:2pt solid #1d3557;padding:1mm 2mm;margin:1mm 0;background:#f6f8fa;
 white-space:pre-wrap;font-size:9pt}
.sign{display:grid;grid-template-columns:1fr 1fr;gap:10mm;margin-top:8mm;break-inside:avoid}
.sign div{border-top:.5pt solid #000;padding-top:1mm;font-size:8.5pt;min-height:22mm}
footer{margin-top:6mm;font-size:8pt;color:#333;break-inside:avoid}
a{color:#1d3557}
@page{size:A4;margin:12mm}
@media print{body{padding:0 1pt;max-width:none}a{color:inherit;text-decoration:none}
 figure:target img{max-height:110mm;object-fit:cover}}
"""


def _head(data: ReportData) -> str:
    title = "Laporan Bukti Digital / Digital Evidence Report"
    if data.case:
        title += f" — {data.case}"
    return (
        '<!doctype html>\n<html lang="id"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{_anchor_tag(data)}<title>{_e(title)}</title><style>{STYLE}{FINDINGS_STYLE}</style></head><body>"
    )


def _anchor_tag(data: ReportData) -> str:
    if data.head is None or data.head_seq is None:
        return ""
    return Anchor(data.head_seq, data.head).meta_tag()


def _header(data: ReportData) -> str:
    rows = [
        (_both("Perkara", "Case"), _e(data.case or "—")),
        (_both("Dibuat", "Generated"), _time(data.created)),
        (_both("Oleh", "By"), _e(data.operator)),
        (_both("Perangkat lunak", "Software"), f"collector {_e(__version__)}"),
        (_both("Jumlah tangkapan", "Captures"), str(len(data.captures))),
        (
            _both("Kepala log kustodi", "Custody log head"),
            (f"seq {data.head_seq}, " if data.head_seq is not None else "") + _hash(data.head),
        ),
    ]
    if data.package:
        rows.append((_both("Paket", "Package"), _e(data.package.get("name"))))
    kv = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        "<header><h1>Laporan Bukti Digital "
        '<span class="en">/ Digital Evidence Report</span></h1>'
        '<div class="banner"><p>Halaman web publik yang direkam sebagai bukti, dengan sidik '
        "SHA-256 setiap berkas dan riwayat kustodi (rantai hash).</p>"
        '<p class="en">Public web pages preserved as evidence, with the SHA-256 of every file '
        "and the custody history (a hash chain).</p></div>"
        f'<table class="kv">{kv}</table></header>'
    )


def _outcome(cap: CaptureData) -> str:
    outcome = str(cap.row.get("outcome"))
    cls = "ok" if outcome == Outcome.OK else "bad"
    text = f'<span class="{cls}">{_e(outcome)}</span>'
    if cap.row.get("retired_at"):
        text += ' <span class="retired">(DITARIK / RETIRED)</span>'
    if cap.manifest and transport(cap.manifest).warnings:
        text += ' <span class="bad">(LIHAT PERINGATAN / SEE WARNING)</span>'
    return text


def _warnings(how: Transport) -> str:
    """What weakens the evidence, in a box above the capture's facts."""
    if not how.warnings:
        return ""
    items = "".join(
        f"<p><strong>PERINGATAN:</strong> {_e(w.id)}<br>"
        f'<span class="en"><strong>WARNING:</strong> {_e(w.en)}</span></p>'
        for w in how.warnings
    )
    return f'<div class="warn">{items}</div>'


def _redirects(how: Transport) -> str:
    if not how.redirects:
        return _both("Tidak ada", "None")
    hops = "".join(
        f"<li>{_e(h.get('status'))} {_e(h.get('status_text') or '')} {_url(h.get('url'))}"
        f" → {_url(h.get('location') or '—')}</li>"
        for h in how.redirects
    )
    return f'<ol class="hops">{hops}</ol>'


def _tls(how: Transport) -> str:
    t = how.tls
    if not t:
        if how.scheme == "http":
            return _both("Tidak ada: HTTP biasa, tanpa enkripsi", "None: plain HTTP, unencrypted")
        return _both("Tidak tercatat", "Not recorded")
    return (
        f"{_e(t.get('protocol') or '?')}<br>{_both('Penerbit', 'Issuer')}: "
        f"{_e(t.get('issuer') or '?')}<br>{_both('Subjek', 'Subject')}: "
        f"{_e(t.get('subjectName') or '?')}<br>{_both('Berlaku', 'Valid')}: "
        f"{_e(t.get('validFrom') or '?')} s.d. / to {_e(t.get('validTo') or '?')}"
    )


def _checks(how: Transport) -> str:
    if how.checks_off:
        return (
            '<span class="bad">DIMATIKAN <span class="en">/ OFF</span></span> '
            "(--ignore-https-errors)"
        )
    return _both(
        "Aktif (sertifikat tidak sah menggagalkan perekaman)",
        "On (an invalid certificate fails the capture)",
    )


def _summary(data: ReportData) -> str:
    head = (
        "<tr><th>No</th><th>ID</th><th>"
        + _both("Waktu", "Captured")
        + "</th><th>"
        + _both("Hasil", "Outcome")
        + "</th><th>URL</th><th>"
        + _both("Judul", "Title")
        + "</th><th>"
        + _both("Manifes", "Manifest")
        + "</th></tr>"
    )
    rows = []
    for n, cap in enumerate(data.captures, 1):
        r = cap.row
        rows.append(
            f'<tr><td>{n}</td><td class="mono"><a href="#c-{_anchor(cap)}">'
            f"{_e(cap.capture_id)}</a></td><td>{_time(r.get('started_at'))}</td>"
            f"<td>{_outcome(cap)}</td>"
            f'<td class="url">{_e(r.get("requested_url"), 300)}</td>'
            f"<td>{_e(r.get('title') or '—', 200)}</td>"
            f'<td><code class="hash">{_e(cap.manifest_sha256[:16])}…</code></td></tr>'
        )
    return (
        f"<section><h2>{_both('Ringkasan', 'Summary')}</h2>"
        f"<table>{head}{''.join(rows)}</table></section>"
    )


def _anchor(cap: CaptureData) -> str:
    return cap.capture_id if _SAFE_ID.fullmatch(cap.capture_id) else "x"


def _screenshot(cap: CaptureData, mode: str) -> str:
    shot = next((a for a in cap.artifacts if a["name"] == "screenshot.png"), None)
    path = cap.folder / "screenshot.png"
    if shot is None or not _SAFE_ID.fullmatch(cap.capture_id):
        return f'<div class="noshot">{_both("Tidak ada tangkapan layar", "No screenshot")}</div>'
    size = ""
    if cap.manifest:
        s = cap.manifest.get("screenshot") or {}
        if s.get("png_width"):
            size = f"{s.get('png_width')} x {s.get('png_height')} px"
            if s.get("truncated"):
                size += f" (dipotong / truncated; page {s.get('page_height')} px)"
    anchor = f"shot-{cap.capture_id}"
    if mode == "relative":
        src = f"captures/{cap.capture_id}/screenshot.png"
        return (
            f'<figure><a href="{src}"><img src="{src}" alt="screenshot"></a>'
            f"<figcaption>{_both('Klik untuk ukuran penuh', 'click for full size')}"
            f" — {_e(size)}<br>{_e(src)}</figcaption></figure>"
        )
    if not path.is_file():
        return f'<div class="noshot">{_both("Berkas sudah dihapus", "File deleted")}</div>'
    if path.stat().st_size > MAX_EMBED_BYTES:
        return (
            f'<div class="noshot">{_both("Terlalu besar untuk disematkan", "Too large to embed")}'
            f"<br>{_e(cap.row.get('folder'))}/screenshot.png</div>"
        )
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure id="{anchor}"><a href="#{anchor}"><img src="data:image/png;base64,{data}"'
        ' alt="screenshot"></a>'
        f"<figcaption>{_both('Klik untuk ukuran penuh', 'click for full size')} — {_e(size)}"
        "</figcaption></figure>"
    )


def _capture(n: int, cap: CaptureData, mode: str) -> str:
    r = cap.row
    m: Manifest | dict[str, Any] = cap.manifest or {}
    b = m.get("browser") or {}
    sw: SoftwareRecord | dict[str, Any] = m.get("software") or {}
    resp: ResponseRecord | dict[str, Any] = m.get("response") or {}
    reason = m.get("outcome_reason") or r.get("reason")
    r = {**r, "tool": r.get("collector_version")}
    status = f"{resp.get('status', r.get('http_status') or '—')} {resp.get('status_text', '')}"
    how = transport(m)
    server = f"{resp.get('server_ip') or '—'}:{resp.get('server_port') or '—'}"
    rows = [
        (_both("URL yang diminta", "Requested URL"), _url(r.get("requested_url"))),
        (_both("Pengalihan", "Redirects"), _redirects(how)),
        (_both("URL akhir", "Final URL"), _url(r.get("final_url") or "—")),
        (_both("Hasil", "Outcome"), _outcome(cap) + (f"<br>{_e(reason, 300)}" if reason else "")),
        ("HTTP", _e(status)),
        (_both("Server", "Server"), _e(server)),
        ("TLS", _tls(how)),
        (_both("Pemeriksaan sertifikat", "Certificate checks"), _checks(how)),
        (_both("Judul halaman", "Page title"), _e(r.get("title") or "—", 300)),
        (_both("Mulai", "Started"), _time(r.get("started_at"))),
        (_both("Selesai", "Finished"), _time(r.get("finished_at"))),
        (_both("Operator", "Operator"), _e(r.get("operator") or "—")),
        (_both("Perkara", "Case"), _e(r.get("case_id") or "—")),
        (_both("Keterangan", "Note"), _e(r.get("note") or "—", 500)),
        (
            _both("Peramban", "Browser"),
            _e(f"{b.get('name', '')} {b.get('version') or r.get('browser_version') or ''}")
            + (f" ({_e(b['mode'])})" if b.get("mode") else "")
            + (f"<br>playwright {_e(sw.get('playwright'))}" if sw.get("playwright") else ""),
        ),
        (_both("Alat", "Tool"), "collector " + _e(sw.get("collector") or r.get("tool"))),
        (_both("Mesin", "Host"), _e(r.get("hostname") or "—")),
        (_both("Manifes", "Manifest"), _hash(cap.manifest_sha256)),
    ]
    retired = cap.retired
    if retired:
        rows.append(
            (
                _both("Ditarik", "Retired"),
                _time(retired["at"]) + f"<br>{_e(retired['details'].get('reason'), 300)}",
            )
        )
    kv = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    notes = [e for e in cap.events if e["action"] == custody.Action.NOTE]
    notes_html = (
        "".join(
            f'<div class="note">{_e(e["details"].get("text"), 4000)}<br>'
            f'<span class="wib">— {_e(e["actor"])}, {_e(e["at"])} ({_e(wib(e["at"]))})</span></div>'
            for e in notes
        )
        or f'<p class="wib">{_both("Tidak ada catatan", "No notes")}</p>'
    )
    arts = "".join(
        f'<tr><td class="mono">{_e(a["name"])}</td><td>{_e(a["media_type"], 60)}</td>'
        f'<td>{int(a["size"]):,}</td><td><code class="hash">{_e(a["sha256"])}</code></td></tr>'
        for a in cap.artifacts
    )
    events = "".join(
        f"<tr><td>{e['seq']}</td><td>{_time(e['at'])}</td><td>{_e(e['actor'], 40)}</td>"
        f"<td>{_e(e['action'])}</td><td>{_e(custody.summary(e), 400)}</td></tr>"
        for e in cap.events
    )
    return (
        f'<section class="capture" id="c-{_anchor(cap)}">'
        f'<h2>{_both("Tangkapan", "Capture")} {n}: <span class="mono">'
        f"{_e(cap.capture_id)}</span></h2>{_warnings(how)}"
        f'<div class="grid"><table class="kv">{kv}</table>{_screenshot(cap, mode)}</div>'
        f"{_findings(cap, mode)}"
        f"<h3>{_both('Catatan', 'Notes')}</h3>{notes_html}"
        f"<h3>{_both('Berkas dan sidik SHA-256', 'Files and SHA-256 hashes')}</h3>"
        f"<table><tr><th>{_both('Berkas', 'File')}</th><th>{_both('Jenis', 'Type')}</th>"
        f"<th>{_both('Bita', 'Bytes')}</th><th>SHA-256</th></tr>{arts}</table>"
        f"<h3>{_both('Riwayat kustodi', 'Custody history')}</h3>"
        f"<table><tr><th>No</th><th>{_both('Waktu', 'Time')}</th><th>{_both('Pelaku', 'Actor')}"
        f"</th><th>{_both('Tindakan', 'Action')}</th><th>{_both('Rincian', 'Details')}</th></tr>"
        f"{events}</table></section>"
    )


def _findings(cap: CaptureData, mode: str) -> str:
    """The watched people found in the capture (collector.review.findings_html)."""

    def read(name: str) -> bytes | None:
        path = cap.folder / name
        return path.read_bytes() if path.is_file() else None

    return findings_section(cap.manifest, read, cap.capture_id, mode, _e, _both)


def _footer(data: ReportData) -> str:
    check = (
        "Di dalam paket: jalankan <code>sha256sum -c SHA256SUMS</code> di folder paket, "
        "atau <code>collector verify-package</code>; lihat VERIFY.txt."
        '<br><span class="en">Inside a package: run <code>sha256sum -c SHA256SUMS</code> in '
        "the package folder, or <code>collector verify-package</code>; see VERIFY.txt.</span>"
        if data.package
        else "Periksa penyimpanan dengan <code>collector verify</code>."
        '<br><span class="en">Check the store with <code>collector verify</code>.</span>'
    )
    return (
        f'<footer><section style="break-inside:avoid"><h2>{_both("Pemeriksaan", "Verification")}'
        f"</h2><p>{check}</p>"
        '<div class="sign"><div>Diperiksa oleh <span class="en">/ Checked by</span><br>'
        'Nama, NIP, tanda tangan <span class="en">/ name, ID, signature</span></div>'
        '<div>Tanggal <span class="en">/ Date</span></div></div></section></footer>'
    )
