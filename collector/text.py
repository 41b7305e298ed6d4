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


def width_of(text: str) -> int:
    """Columns `text` takes in a terminal: wide (East Asian, most emoji) characters take
    two, combining marks and joiners none."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or ch in "\u200d\ufe0f\u200b":
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` columns by an ellipsis in the middle, so both ends stay
    readable (an id's random suffix, a URL's last path segment)."""
    if width_of(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    budget = width - 1
    head_budget, tail_budget = (budget + 1) // 2, budget // 2
    head, used = [], 0
    for ch in text:
        w = width_of(ch)
        if used + w > head_budget:
            break
        head.append(ch)
        used += w
    tail: list[str] = []
    used = 0
    for ch in reversed(text):
        w = width_of(ch)
        if used + w > tail_budget:
            break
        tail.append(ch)
        used += w
    return "".join(head) + "…" + "".join(reversed(tail))


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - width_of(text), 0)


MIN_COLUMN = 6  # a column is never squeezed below this (or its natural width)
COMFORTABLE = 16  # ... and a `drop` column goes before others are squeezed below this


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    width: int | None = None,
    keep: Sequence[int] = (),
    drop: Sequence[int] = (),
) -> str:
    """A plain-text table. With `width` (a terminal's) it is fitted to that many columns:
    the `drop` columns (indexes; ones whose facts another column also shows, such as a
    time already in an id) are left out, in order, while the rest could not keep
    COMFORTABLE columns each; then the widest columns not in `keep` (ids, to copy) are
    narrowed until the table fits, their cells shortened in the middle with `…`. Without
    `width` every value is whole."""
    cells = [[clean(c) for c in row] for row in rows]
    widths = [max([width_of(h)] + [width_of(r[i]) for r in cells]) for i, h in enumerate(headers)]
    shown = list(range(len(headers)))
    if width is not None:
        for column in drop:
            if _needed(widths, shown, set(keep)) <= width:
                break
            shown.remove(column)
        widths = _fit(widths, shown, width, set(keep))
        cells = [[shorten(c, w) for c, w in zip(row, widths, strict=True)] for row in cells]
        headers = [shorten(h, w) for h, w in zip(headers, widths, strict=True)]
    lines = ["  ".join(_pad(headers[i], widths[i]) for i in shown).rstrip()]
    lines.append("  ".join("-" * widths[i] for i in shown))
    for row in cells:
        lines.append("  ".join(_pad(row[i], widths[i]) for i in shown).rstrip())
    return "\n".join(lines)


def _needed(widths: list[int], shown: list[int], keep: set[int]) -> int:
    """Columns the shown ones take with every squeezable one at most COMFORTABLE wide."""
    inner = sum(widths[i] if i in keep else min(widths[i], COMFORTABLE) for i in shown)
    return inner + 2 * (len(shown) - 1)


def _fit(widths: list[int], shown: list[int], width: int, keep: set[int]) -> list[int]:
    widths = list(widths)
    excess = sum(widths[i] for i in shown) + 2 * (len(shown) - 1) - width
    while excess > 0:
        shrinkable = [i for i in shown if i not in keep and widths[i] > MIN_COLUMN]
        if not shrinkable:
            break  # as narrow as it goes: the terminal wraps the rest
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths


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
