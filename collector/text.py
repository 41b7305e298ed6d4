"""Human-facing text: captured strings are hostile, so they are made inert here.

A page title may carry ANSI escape sequences or bidi overrides that rewrite a reviewer's
terminal; `clean()` shows them as visible escapes instead.
"""

from __future__ import annotations

import json
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


def json_text(value: Any, **kw: Any) -> str:
    """JSON for a terminal (`--json`): readable UTF-8, but control, bidi and other
    invisible format characters (U+202E in a title, say) are written as `\\u` escapes, so
    they cannot reorder or hide what a reviewer reads. Parsed, it is the same data."""
    text = json.dumps(value, indent=2, ensure_ascii=False, **kw)
    return "".join(_json_escape(ch) if _invisible(ch) else ch for ch in text)


def _invisible(ch: str) -> bool:
    if ch in "\n\u200d\ufe0f":  # layout newlines; emoji joiner and presentation selector
        return False
    return ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co")


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code > 0xFFFF:  # as a surrogate pair, the only way JSON can spell it
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"
