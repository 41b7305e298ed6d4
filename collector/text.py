"""Human-facing text: captured strings are hostile, so they are made inert here.

A page title may carry ANSI escape sequences or bidi overrides that rewrite a reviewer's
terminal; `clean()` shows them as visible escapes instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def clean(value: Any, limit: int | None = None) -> str:
    text = "" if value is None else str(value)
    out = []
    for ch in text:
        if ch in _BIDI or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d\ufe0f"):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    text = "".join(out)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[clean(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
