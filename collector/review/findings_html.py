"""The case report's findings: each watched person found in a capture, with its crop and
the text of the comment or list row it was found in.

Everything shown comes from the page or from the people who made the lists, so every
string goes through the report's `_e()` (escaped, control and bidi characters made
visible). A crop is embedded (standalone report) or linked (package) only while its
bytes match the SHA-256 the manifest recorded.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from collector.evidence.hashing import sha256_bytes
from collector.manifest import Manifest

MAX_CROP_EMBED = 4 << 20
_CROP_NAME = re.compile(r"find-[0-9]+(-annotated)?\.png")

KIND_LABELS = {
    "comment": ("Komentar", "Comment"),
    "reply": ("Balasan", "Reply"),
    "like": ("Suka / reaksi", "Like / reaction"),
    "follower": ("Pengikut", "Follower"),
    "following": ("Mengikuti", "Following"),
    "share": ("Membagikan", "Share"),
    "member": ("Anggota grup", "Group member"),
    "mention": ("Disebut", "Mention"),
    "author": ("Penulis", "Author"),
    "unknown": ("Tidak diketahui", "Unknown"),
}

STYLE = """
.finding{border:.5pt solid #999;padding:2mm;margin:0 0 2mm;break-inside:avoid}
.finding figure{margin-top:2mm}
.finding img{display:block;width:auto;max-width:100%;max-height:70mm;object-fit:contain;
 border:.5pt solid #777}
.quote{border-left:2pt solid #b3261e;padding:1mm 2mm;background:#fbf3f2;white-space:pre-wrap;
 font-size:9pt;overflow-wrap:anywhere}
.kind{font-weight:600;color:#b3261e}
"""


def findings_section(
    manifest: Manifest | None,
    read: Callable[[str], bytes | None],
    capture_id: str,
    mode: str,
    e: Callable[..., str],
    both: Callable[[str, str], str],
) -> str:
    """HTML for one capture's findings ("" when it looked for no one).

    `read(name)` gives an artifact's bytes (None: missing); `e` and `both` are the report's
    escaping and bilingual-label helpers; `mode` is "embed" or "relative"."""
    if not manifest or not manifest.get("find"):
        return ""
    find = manifest.get("find") or {}
    looked = ", ".join(
        str(s.get("name") or " ".join("@" + h["handle"] for h in s.get("handles") or []))
        for s in find.get("subjects") or []
    )
    head = (
        f"<h3>{both('Temuan', 'Findings')}</h3>"
        f"<p class='wib'>{both('Dicari', 'Looked for')}: {e(looked, 600)}</p>"
    )
    findings = manifest.get("findings") or []
    if not findings:
        return head + f"<p>{both('Tidak ditemukan', 'Not found')}</p>"
    artifacts = {a.get("name"): a.get("sha256") for a in manifest.get("artifacts") or []}
    parts = [head]
    for f in findings:
        subject = f.get("subject") or {}
        kind = str(f.get("kind") or "unknown")
        label = KIND_LABELS.get(kind, (kind, kind))
        who = " ".join(
            x
            for x in (
                subject.get("name"),
                "@" + subject["handle"] if subject.get("handle") else None,
                f"NIP {subject['nip']}" if subject.get("nip") else None,
            )
            if x
        ) or str((subject.get("looked_for") or {}).get("value") or "")
        rows = [
            (both("Orang", "Person"), e(who, 200)),
            (both("Unit kerja", "Unit"), e(subject.get("unit") or "—", 200)),
            (
                both("Jenis", "Kind"),
                f'<span class="kind">{e(label[0])}</span> <span class="en">/ {e(label[1])}</span>',
            ),
            (both("Aturan", "Rule"), e(f.get("rule"), 300)),
            (both("Cocok", "Matched"), e(f.get("matched_text"), 200)),
            (both("Lokasi", "Where"), f"<code>{e(f.get('selector'), 400)}</code>"),
            ("XPath", f"<code>{e(f.get('xpath'), 400)}</code>"),
            (both("Gambar", "Image"), e(f.get("surface"))),
        ]
        kv = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        quote = f'<div class="quote">{e(f.get("item_text"), 2000)}</div>'
        parts.append(
            f'<div class="finding"><div><b>#{e(f.get("n"))}</b>'
            f'<table class="kv">{kv}</table>{quote}</div>'
            f"{_crop(f.get('crop') or {}, artifacts, read, capture_id, mode, e, both)}</div>"
        )
    return "".join(parts)


def _crop(
    crop: dict[str, Any],
    artifacts: dict[Any, Any],
    read: Callable[[str], bytes | None],
    capture_id: str,
    mode: str,
    e: Callable[..., str],
    both: Callable[[str, str], str],
) -> str:
    name = crop.get("artifact")
    if not name:
        missing = both("Tanpa potongan", "No crop")
        return f'<div class="noshot">{missing}<br>{e(crop.get("error"), 200)}</div>'
    shown = (crop.get("annotated") or {}).get("artifact") or name
    if not (_CROP_NAME.fullmatch(str(name)) and _CROP_NAME.fullmatch(str(shown))):
        return f'<div class="noshot">{both("Nama berkas tidak sah", "Invalid file name")}</div>'
    caption = (
        f"<figcaption>{e(name)} ({both('dari', 'from')} {e(crop.get('source'))}); "
        f"{both('kotak merah', 'red box')}: {e(shown)}</figcaption>"
    )
    if mode == "relative":
        src = f"captures/{capture_id}/{shown}"
        return f'<figure><img src="{e(src)}" alt="crop">{caption}</figure>'
    data = read(str(shown))
    if data is None or sha256_bytes(data) != artifacts.get(shown) or len(data) > MAX_CROP_EMBED:
        return f'<div class="noshot">{both("Berkas tidak tersedia", "File not available")}</div>'
    encoded = base64.b64encode(data).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{encoded}" alt="crop">{caption}</figure>'
