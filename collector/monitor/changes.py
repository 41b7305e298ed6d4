"""Compare two captures of the same page: what changed between them, as data.

Everything here is a pure function of its arguments; the index and CLI feed in facts
already stored for each capture and decide what to do with the resulting `ChangeSet`.

Rules (why each one exists is noted where it is applied):

* An outcome transition is reported once: `disappeared` (ok -> not_found),
  `reappeared` (not_found -> ok) or `outcome_changed` (anything else). When the outcome
  differs, content (text, title, screenshot, posts) is not compared, because an error
  or "not found" page is not the evidence page and diffing it would bury the one fact
  that matters under hundreds of removed lines. Both titles and URLs are still kept in
  the transition's details.
* With the same outcome, `url_changed` compares final URLs. Content comparisons need
  both captures to be `ok` and the field to be present on both (`None` means "not
  recorded", which is not the same as "empty").
* The screenshot distance is recorded on the `ChangeSet` whenever it could be
  computed, even below the threshold, so a reader can judge the threshold themselves.
* Findings (watched people found in the page, collector.evidence.findings) are compared
  for the people both captures looked for, when both saw the page (`ok`, or
  `expectation_failed` under --expect-find): `finding_removed` (a comment deleted, an
  unfollow) and `finding_added` (a new comment, a newly followed campaign account).
"""

from __future__ import annotations

import difflib
import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from collector.evidence.png import DEFAULT_MAX_PIXELS, PngSource, decode_grey
from collector.models import Outcome
from collector.timeutil import parse_rfc3339

__all__ = [
    "DEFAULT_SCREENSHOT_THRESHOLD",
    "MAX_DETAIL_ITEMS",
    "MAX_LINE_CHARS",
    "CaptureFacts",
    "Change",
    "ChangeKind",
    "ChangeSet",
    "ChangesError",
    "TextDiff",
    "compare",
    "dhash",
    "dhash_png",
    "hamming",
    "normalise_lines",
    "text_diff",
    "unified_diff",
]

# captures that saw the page, whose findings are compared (even when their outcomes differ)
FINDINGS_OUTCOMES = frozenset({Outcome.OK, Outcome.EXPECTATION_FAILED})

# Out of 64 bits: re-rendering the same page flips none or a few; rearranged layout
# flips over ten. Vertical shifts can stay below it (see `dhash`), hence the recorded
# distance and the text/post diffs alongside.
DEFAULT_SCREENSHOT_THRESHOLD = 10
# Details are stored with the change and printed in reports; keep them readable.
MAX_DETAIL_ITEMS = 50
MAX_LINE_CHARS = 300


class ChangesError(ValueError):
    """Comparison inputs that make no sense (bad image size, captures out of order)."""


class ChangeKind(enum.StrEnum):
    # Declaration order is the order changes are listed in: most important first.
    DISAPPEARED = "disappeared"
    REAPPEARED = "reappeared"
    OUTCOME_CHANGED = "outcome_changed"
    URL_CHANGED = "url_changed"
    FINDING_REMOVED = "finding_removed"  # a watched person's comment, like, follow ... gone
    FINDING_ADDED = "finding_added"
    TITLE_CHANGED = "title_changed"
    TEXT_CHANGED = "text_changed"
    POSTS_ADDED = "posts_added"
    POSTS_REMOVED = "posts_removed"
    SCREENSHOT_CHANGED = "screenshot_changed"


@dataclass(frozen=True)
class CaptureFacts:
    """What `compare` needs to know about one capture.

    `text`, `screenshot_dhash` and `post_links` are `None` when they were not recorded
    for this capture; an empty value means "recorded, and empty".
    """

    capture_id: str | int
    captured_at: str  # RFC 3339
    outcome: str
    title: str
    final_url: str
    text: str | None = None
    screenshot_dhash: int | None = None
    post_links: tuple[str, ...] | None = None
    # watched people found (identity, subject key, one-line summary), and whom the capture
    # looked for at all: None when it looked for no one
    findings: tuple[tuple[str, str, str], ...] | None = None
    find_subjects: frozenset[str] | None = None


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    summary: str
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "summary": self.summary, "details": _plain(self.details)}


@dataclass(frozen=True)
class ChangeSet:
    previous_id: str | int
    current_id: str | int
    previous_at: str
    current_at: str
    changes: tuple[Change, ...]
    screenshot_distance: int | None
    screenshot_threshold: int

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def kinds(self) -> tuple[ChangeKind, ...]:
        return tuple(change.kind for change in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous": {"capture_id": self.previous_id, "captured_at": self.previous_at},
            "current": {"capture_id": self.current_id, "captured_at": self.current_at},
            "changes": [change.to_dict() for change in self.changes],
            "screenshot_distance": self.screenshot_distance,
            "screenshot_threshold": self.screenshot_threshold,
        }

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys, UTF-8 text kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class TextDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    unified: str

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed)


# --- perceptual hash -----------------------------------------------------------------


def dhash(
    grey_rows: Sequence[bytes | bytearray], width: int, height: int, hash_size: int = 8
) -> int:
    """Difference hash of a greyscale image (rows of `width` bytes, 0-255).

    The image is shrunk with a box filter (each cell is the mean of the source pixels
    it covers) to `hash_size + 1` columns by `hash_size` rows; each bit says whether a
    cell is brighter than its right-hand neighbour. Bits are row-major, the first cell
    pair being the most significant bit, giving a `hash_size**2`-bit integer (64 bits
    by default). Compare two hashes with `hamming`.

    Limits, for anyone reading a distance in a report:

    * It is insensitive to small shifts, re-encoding, scaling, anti-aliasing and
      colour changes that keep the light/dark order (only the sign of horizontal
      brightness differences counts), so "same hash" means "looks alike", not
      "identical". Only the SHA-256 of the stored file proves identity. Swapping
      light and dark (a dark theme) flips most bits.
    * It is sensitive to layout shifts, above all horizontal ones: columns
      rearranged, a sidebar added, a different crop. Full-width bands carry no
      horizontal difference, so content sliding *down* a centred column (a banner
      inserted above the posts) moves only a few bits.
    * 64 bits of a tall page see only its coarse structure (each row of the hash
      covers an eighth of the page), so a changed sentence or a swapped photo of the
      same shape can leave it unchanged; the text and post-link diffs cover those.

    In tests on a 640 px profile-like page rendered by Chromium at 1/4 scale:
    re-render 0 bits, reworded post 0-1, 200 px banner above the posts 7, posts
    list -> grid 16, light -> dark 32.
    """
    if hash_size < 1:
        raise ChangesError("hash_size must be at least 1")
    if width < 1 or height < 1:
        raise ChangesError(f"cannot hash an empty {width}x{height} image")
    if len(grey_rows) != height or any(len(row) != width for row in grey_rows):
        raise ChangesError(f"grey_rows do not form a {width}x{height} image")
    cols = hash_size + 1
    x_bounds = _box_bounds(width, cols)
    y_bounds = _box_bounds(height, hash_size)
    # Sum each cell; sum() over a bytes slice runs in C, so tall pages stay cheap.
    sums = [[0] * cols for _ in range(hash_size)]
    for cell_y, (y0, y1) in enumerate(y_bounds):
        cell_row = sums[cell_y]
        for y in range(y0, y1):
            row = grey_rows[y]
            for cell_x, (x0, x1) in enumerate(x_bounds):
                cell_row[cell_x] += sum(row[x0:x1])
    areas = [x1 - x0 for x0, x1 in x_bounds]
    value = 0
    for cell_y in range(hash_size):
        cell_row = sums[cell_y]
        for cell_x in range(hash_size):
            # Compare means without dividing: cells can differ in size by one pixel.
            left = cell_row[cell_x] * areas[cell_x + 1]
            right = cell_row[cell_x + 1] * areas[cell_x]
            value = (value << 1) | (left > right)
    return value


def _box_bounds(length: int, cells: int) -> list[tuple[int, int]]:
    """Split [0, length) into `cells` near-equal spans; repeat pixels if length < cells."""
    bounds = []
    for i in range(cells):
        start = min(i * length // cells, length - 1)
        end = max((i + 1) * length // cells, start + 1)
        bounds.append((start, end))
    return bounds


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two hashes (0 = look alike)."""
    if a < 0 or b < 0:
        raise ChangesError("hashes are non-negative integers")
    return (a ^ b).bit_count()


def dhash_png(
    source: PngSource, *, hash_size: int = 8, max_pixels: int = DEFAULT_MAX_PIXELS
) -> int:
    """`dhash` of a PNG thumbnail (bytes or path); see `collector.evidence.png` for the budget."""
    image = decode_grey(source, max_pixels=max_pixels)
    return dhash(image.rows, image.width, image.height, hash_size)


# --- text ------------------------------------------------------------------------


def normalise_lines(text: str) -> list[str]:
    """Visible-text lines with runs of whitespace collapsed and blank lines dropped.

    Re-renders reflow whitespace freely; only the words are evidence.
    """
    lines = (" ".join(line.split()) for line in text.splitlines())
    return [line for line in lines if line]


def text_diff(
    old: str, new: str, *, old_label: str = "previous", new_label: str = "current"
) -> TextDiff:
    """Line diff of two visible texts after `normalise_lines`.

    `added`/`removed` are the lines difflib matched as inserted/deleted, in order; a
    moved line shows up in both. `unified` is the full unified diff ("" if none).
    """
    old_lines = normalise_lines(old)
    new_lines = normalise_lines(new)
    # autojunk off: its heuristic ignores frequent lines on long pages, and repeated
    # lines ("Like", "Comment") are exactly what social-media pages are made of.
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    added: list[str] = []
    removed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            removed.extend(old_lines[i1:i2])
        if tag in ("insert", "replace"):
            added.extend(new_lines[j1:j2])
    unified = _unified(old_lines, new_lines, old_label, new_label, 3)
    return TextDiff(tuple(added), tuple(removed), unified)


def unified_diff(
    a_text: str,
    b_text: str,
    a_label: str,
    b_label: str,
    *,
    context: int = 3,
    normalise: bool = True,
) -> str:
    """Unified diff for `collector diff`; "" when the texts match.

    Normalised by default so it agrees with `text_changed`; `normalise=False` diffs
    the raw lines (whitespace changes then show up too).
    """
    if normalise:
        a_lines, b_lines = normalise_lines(a_text), normalise_lines(b_text)
    else:
        a_lines, b_lines = a_text.splitlines(), b_text.splitlines()
    return _unified(a_lines, b_lines, a_label, b_label, context)


def _unified(a: list[str], b: list[str], a_label: str, b_label: str, context: int) -> str:
    lines = list(difflib.unified_diff(a, b, a_label, b_label, n=context, lineterm=""))
    return "\n".join(lines) + "\n" if lines else ""


# --- comparison --------------------------------------------------------------------


def compare(
    previous: CaptureFacts,
    current: CaptureFacts,
    *,
    screenshot_threshold: int = DEFAULT_SCREENSHOT_THRESHOLD,
    max_items: int = MAX_DETAIL_ITEMS,
) -> ChangeSet:
    """What changed from `previous` to `current` (see the module docstring for rules).

    Raises `ChangesError` if `previous` was captured after `current`: swapped
    arguments would silently invert every "added" and "removed".
    """
    if parse_rfc3339(previous.captured_at) > parse_rfc3339(current.captured_at):
        raise ChangesError(
            f"capture {previous.capture_id} ({previous.captured_at}) is newer than "
            f"capture {current.capture_id} ({current.captured_at}); pass the older first"
        )
    changes: list[Change] = []
    distance: int | None = None

    if {previous.outcome, current.outcome} <= FINDINGS_OUTCOMES:
        # also across ok -> expectation_failed: with --expect-find, that is the very
        # capture in which the person's comment or follow disappeared
        changes.extend(_finding_changes(previous, current, max_items))
    if previous.outcome != current.outcome:
        changes.append(_outcome_change(previous, current))
    else:
        if previous.final_url != current.final_url:
            changes.append(
                Change(
                    ChangeKind.URL_CHANGED,
                    f"final URL changed: {previous.final_url} -> {current.final_url}",
                    _frozen({"previous": previous.final_url, "current": current.final_url}),
                )
            )
        if previous.outcome == Outcome.OK:
            changes.extend(_content_changes(previous, current, max_items))
            if previous.screenshot_dhash is not None and current.screenshot_dhash is not None:
                distance = hamming(previous.screenshot_dhash, current.screenshot_dhash)
                if distance > screenshot_threshold:
                    changes.append(
                        Change(
                            ChangeKind.SCREENSHOT_CHANGED,
                            f"screenshot looks different ({distance} of 64 hash bits differ, "
                            f"threshold {screenshot_threshold})",
                            _frozen({"distance": distance, "threshold": screenshot_threshold}),
                        )
                    )

    order = list(ChangeKind)
    changes.sort(key=lambda change: order.index(change.kind))
    return ChangeSet(
        previous_id=previous.capture_id,
        current_id=current.capture_id,
        previous_at=previous.captured_at,
        current_at=current.captured_at,
        changes=tuple(changes),
        screenshot_distance=distance,
        screenshot_threshold=screenshot_threshold,
    )


def _outcome_change(previous: CaptureFacts, current: CaptureFacts) -> Change:
    details = _frozen(
        {
            "previous_outcome": previous.outcome,
            "current_outcome": current.outcome,
            "previous_title": previous.title,
            "current_title": current.title,
            "previous_url": previous.final_url,
            "current_url": current.final_url,
        }
    )
    if previous.outcome == Outcome.OK and current.outcome == Outcome.NOT_FOUND:
        return Change(
            ChangeKind.DISAPPEARED,
            f"page disappeared: was {Outcome.OK}, now {Outcome.NOT_FOUND}",
            details,
        )
    if previous.outcome == Outcome.NOT_FOUND and current.outcome == Outcome.OK:
        return Change(
            ChangeKind.REAPPEARED,
            f"page reappeared: was {Outcome.NOT_FOUND}, now {Outcome.OK}",
            details,
        )
    return Change(
        ChangeKind.OUTCOME_CHANGED,
        f"outcome changed: {previous.outcome} -> {current.outcome}",
        details,
    )


def _content_changes(previous: CaptureFacts, current: CaptureFacts, max_items: int) -> list[Change]:
    changes: list[Change] = []
    old_title, new_title = " ".join(previous.title.split()), " ".join(current.title.split())
    if old_title != new_title:
        changes.append(
            Change(
                ChangeKind.TITLE_CHANGED,
                f"title changed: {_clip(old_title)!r} -> {_clip(new_title)!r}",
                _frozen({"previous": previous.title, "current": current.title}),
            )
        )
    if previous.text is not None and current.text is not None:
        diff = text_diff(previous.text, current.text)
        if not diff.is_empty:
            changes.append(
                Change(
                    ChangeKind.TEXT_CHANGED,
                    f"visible text changed: {len(diff.added)} line(s) added, "
                    f"{len(diff.removed)} removed",
                    _frozen(
                        {
                            "added_count": len(diff.added),
                            "removed_count": len(diff.removed),
                            **_capped("added", diff.added, max_items),
                            **_capped("removed", diff.removed, max_items),
                        }
                    ),
                )
            )
    if previous.post_links is not None and current.post_links is not None:
        before, after = set(previous.post_links), set(current.post_links)
        new_posts = _unique(link for link in current.post_links if link not in before)
        gone_posts = _unique(link for link in previous.post_links if link not in after)
        if new_posts:
            changes.append(
                Change(
                    ChangeKind.POSTS_ADDED,
                    f"{len(new_posts)} post link(s) appeared",
                    _frozen({"count": len(new_posts), **_capped("links", new_posts, max_items)}),
                )
            )
        if gone_posts:
            changes.append(
                Change(
                    ChangeKind.POSTS_REMOVED,
                    f"{len(gone_posts)} post link(s) disappeared",
                    _frozen({"count": len(gone_posts), **_capped("links", gone_posts, max_items)}),
                )
            )
    return changes


def _finding_changes(previous: CaptureFacts, current: CaptureFacts, max_items: int) -> list[Change]:
    """Findings of the people both captures looked for: gone (`finding_removed`: a comment
    deleted, an unfollow) or new (`finding_added`: a new comment, a new follow)."""
    if previous.findings is None or current.findings is None:
        return []
    both = (previous.find_subjects or frozenset()) & (current.find_subjects or frozenset())
    before = {key: summary for key, who, summary in previous.findings if who in both}
    after = {key: summary for key, who, summary in current.findings if who in both}
    gone = [summary for key, summary in before.items() if key not in after]
    new = [summary for key, summary in after.items() if key not in before]
    changes = []
    for kind, items, what in (
        (ChangeKind.FINDING_REMOVED, gone, "finding(s) gone"),
        (ChangeKind.FINDING_ADDED, new, "new finding(s)"),
    ):
        if items:
            changes.append(
                Change(
                    kind,
                    f"{len(items)} {what}: {_clip(items[0])}"
                    + (f" (and {len(items) - 1} more)" if len(items) > 1 else ""),
                    _frozen({"count": len(items), **_capped("findings", items, max_items)}),
                )
            )
    return changes


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _clip(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1] + "…"


def _capped(key: str, items: Sequence[str], max_items: int) -> dict[str, Any]:
    """At most `max_items` entries, each clipped; `<key>_truncated` says if any were cut."""
    kept = tuple(_clip(item) for item in items[:max_items])
    truncated = len(items) > max_items or any(len(item) > MAX_LINE_CHARS for item in items)
    return {key: kept, f"{key}_truncated": truncated}


def _frozen(details: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(details)


def _plain(value: Any) -> Any:
    """Mappings and tuples to dicts and lists, for JSON."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
