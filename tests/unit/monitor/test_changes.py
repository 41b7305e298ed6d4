"""collector.monitor.changes: dhash, text diffs and capture comparison."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from collector.monitor.changes import (
    DEFAULT_SCREENSHOT_THRESHOLD,
    MAX_LINE_CHARS,
    CaptureFacts,
    ChangeKind,
    ChangesError,
    compare,
    dhash,
    hamming,
    normalise_lines,
    text_diff,
    unified_diff,
)

CHROMIUM = "/usr/lib/chromium/chromium"
ALL_ONES = (1 << 64) - 1


def image(width: int, height: int, fn: Any) -> list[bytes]:
    return [bytes(fn(x, y) for x in range(width)) for y in range(height)]


# --- dhash ---------------------------------------------------------------------------


def test_dhash_flat_and_gradients() -> None:
    assert dhash(image(90, 80, lambda x, y: 128), 90, 80) == 0
    # Brighter to the right: no cell is brighter than its right neighbour.
    assert dhash(image(90, 80, lambda x, y: x * 2), 90, 80) == 0
    # Darker to the right: every bit set.
    assert dhash(image(90, 80, lambda x, y: 255 - x * 2), 90, 80) == ALL_ONES


def test_dhash_bit_layout_is_row_major_msb_first() -> None:
    # 9x8 image: the box filter is the identity, so bits are plain pixel comparisons.
    rows = [bytes(9) for _ in range(8)]
    rows[0] = bytes([200, 0, 0, 0, 0, 0, 0, 0, 0])  # only cell (0,0) > its neighbour
    rows[7] = bytes([0, 0, 0, 0, 0, 0, 0, 200, 0])  # only cell (7,7) > its neighbour
    assert dhash(rows, 9, 8) == (1 << 63) | 1


def test_dhash_box_filter_averages_cells() -> None:
    # 18x8: each cell is 2 pixels wide. Cell 0 averages (255, 0) = 127.5 > cell 1 (100).
    row = bytes([255, 0] + [100, 100] + [100] * 14)
    assert dhash([row] * 8, 18, 8) == sum(1 << (63 - 8 * r) for r in range(8))


def test_dhash_hash_size_and_tiny_images() -> None:
    rows = image(10, 10, lambda x, y: 255 - 25 * x)
    assert dhash(rows, 10, 10, hash_size=4) == (1 << 16) - 1
    # Smaller than the hash grid: pixels are repeated, not an error.
    assert dhash([b"\xff\x00", b"\xff\x00"], 2, 2) != 0
    assert dhash([b"\x07"], 1, 1) == 0


def test_dhash_rejects_inconsistent_input() -> None:
    with pytest.raises(ChangesError, match="3x2"):
        dhash([b"abc"], 3, 2)
    with pytest.raises(ChangesError, match="3x1"):
        dhash([b"ab"], 3, 1)
    with pytest.raises(ChangesError, match="empty"):
        dhash([], 0, 0)
    with pytest.raises(ChangesError, match="hash_size"):
        dhash([b"a"], 1, 1, hash_size=0)


def test_dhash_tolerates_small_shift_but_not_layout_change() -> None:
    def page(offset: int, block_y: int) -> list[bytes]:
        # A dark block on white; shifting it a pixel should barely matter.
        return image(
            200,
            300,
            lambda x, y: (
                0 if 40 + offset <= x < 120 + offset and block_y <= y < block_y + 90 else 255
            ),
        )

    base = dhash(page(0, 30), 200, 300)
    assert hamming(base, dhash(page(1, 30), 200, 300)) <= 2
    assert hamming(base, dhash(page(0, 180), 200, 300)) > DEFAULT_SCREENSHOT_THRESHOLD


def test_hamming() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(0, ALL_ONES) == 64
    with pytest.raises(ChangesError):
        hamming(-1, 0)


# --- text ------------------------------------------------------------------------------


def test_normalise_lines() -> None:
    assert normalise_lines("  a   b \n\n\t\n c\r\nd\t e  ") == ["a b", "c", "d e"]


def test_text_diff_ignores_whitespace_only_changes() -> None:
    diff = text_diff("Halo  dunia\n\nSalam", "Halo dunia\nSalam\n\n")
    assert diff.is_empty
    assert diff.unified == ""
    assert diff.added == diff.removed == ()


def test_text_diff_added_removed_and_unified() -> None:
    old = "Profil\nPNS Dinas X\nPost: dukung paslon 1\nFooter"
    new = "Profil\nPNS Dinas X\nPost: kegiatan dinas\nFoto baru\nFooter"
    diff = text_diff(old, new, old_label="cap-1", new_label="cap-2")
    assert diff.removed == ("Post: dukung paslon 1",)
    assert diff.added == ("Post: kegiatan dinas", "Foto baru")
    assert diff.unified.splitlines()[:2] == ["--- cap-1", "+++ cap-2"]
    assert "-Post: dukung paslon 1" in diff.unified.splitlines()
    assert "+Foto baru" in diff.unified.splitlines()
    assert diff.unified.endswith("\n")


def test_text_diff_repeated_lines_are_matched() -> None:
    # Social pages repeat "Suka" hundreds of times; autojunk would mangle this.
    old = "\n".join(f"post {i}\nSuka" for i in range(300))
    new = "\n".join(f"post {i}\nSuka" for i in range(300) if i != 150)
    diff = text_diff(old, new)
    assert diff.removed == ("post 150", "Suka")
    assert diff.added == ()


def test_unified_diff() -> None:
    assert unified_diff("a\nb", "a\nb", "x", "y") == ""
    out = unified_diff("a\nb\n", "a\nc\n", "old.txt", "new.txt")
    assert out == "--- old.txt\n+++ new.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    assert unified_diff("a  b", "a b", "x", "y") == ""
    assert "-a  b" in unified_diff("a  b", "a b", "x", "y", normalise=False)
    assert unified_diff("1\n2\n3\n4\n5\n6\n7", "1\n2\n3\nX\n5\n6\n7", "a", "b", context=0) == (
        "--- a\n+++ b\n@@ -4 +4 @@\n-4\n+X\n"
    )


# --- compare --------------------------------------------------------------------------

BASE = CaptureFacts(
    capture_id="cap-001",
    captured_at="2026-11-20T01:00:00.000Z",
    outcome="ok",
    title="Budi (@budi.asn) • Instagram",
    final_url="https://www.instagram.com/budi.asn/",
    text="Budi\nASN Kabupaten X\nPost satu\nPost dua",
    screenshot_dhash=0x0F0F_0F0F_0F0F_0F0F,
    post_links=("https://www.instagram.com/p/AAA/", "https://www.instagram.com/p/BBB/"),
)


def later(**changes: Any) -> CaptureFacts:
    base = {"capture_id": "cap-002", "captured_at": "2026-11-21T01:00:00.000Z"}
    return replace(BASE, **{**base, **changes})


def test_identical_captures_have_no_changes() -> None:
    result = compare(BASE, later())
    assert result.is_empty
    assert result.changes == ()
    assert result.screenshot_distance == 0
    assert (result.previous_id, result.current_id) == ("cap-001", "cap-002")


def test_disappeared_is_reported_alone() -> None:
    gone = later(
        outcome="not_found",
        title="Page not found",
        text="Sorry, this page isn't available.",
        screenshot_dhash=0,
        post_links=(),
    )
    result = compare(BASE, gone)
    assert result.kinds == (ChangeKind.DISAPPEARED,)
    change = result.changes[0]
    assert change.details["previous_outcome"] == "ok"
    assert change.details["current_title"] == "Page not found"
    assert result.screenshot_distance is None  # no content comparison at all


def test_reappeared_and_other_transitions() -> None:
    gone = replace(BASE, outcome="not_found")
    assert compare(gone, later()).kinds == (ChangeKind.REAPPEARED,)
    assert compare(BASE, later(outcome="error")).kinds == (ChangeKind.OUTCOME_CHANGED,)
    outcome = compare(replace(BASE, outcome="error"), later(outcome="not_found"))
    assert outcome.kinds == (ChangeKind.OUTCOME_CHANGED,)
    assert outcome.changes[0].summary == "outcome changed: error -> not_found"


def test_same_failed_outcome_compares_only_url() -> None:
    failed = replace(BASE, outcome="not_found", text="x", title="404")
    assert compare(failed, later(outcome="not_found", text="y", title="Oops")).is_empty
    moved = compare(failed, later(outcome="not_found", final_url="https://example.org/404"))
    assert moved.kinds == (ChangeKind.URL_CHANGED,)


def test_text_title_url_and_posts_changes() -> None:
    current = later(
        title="Budi (@budi.asn) • Instagram photos",
        final_url="https://www.instagram.com/budi.asn/?hl=id",
        text="Budi\nASN Kabupaten X\nPost dua\nPost tiga",
        post_links=(
            "https://www.instagram.com/p/BBB/",
            "https://www.instagram.com/p/CCC/",
            "https://www.instagram.com/p/CCC/",
        ),
    )
    result = compare(BASE, current)
    assert result.kinds == (
        ChangeKind.URL_CHANGED,
        ChangeKind.TITLE_CHANGED,
        ChangeKind.TEXT_CHANGED,
        ChangeKind.POSTS_ADDED,
        ChangeKind.POSTS_REMOVED,
    )
    by_kind = {c.kind: c for c in result.changes}
    text = by_kind[ChangeKind.TEXT_CHANGED].details
    assert (text["added_count"], text["removed_count"]) == (1, 1)
    assert text["added"] == ("Post tiga",)
    assert text["removed"] == ("Post satu",)
    assert text["added_truncated"] is False
    assert by_kind[ChangeKind.POSTS_ADDED].details["links"] == ("https://www.instagram.com/p/CCC/",)
    assert by_kind[ChangeKind.POSTS_ADDED].details["count"] == 1
    assert by_kind[ChangeKind.POSTS_REMOVED].details["links"] == (
        "https://www.instagram.com/p/AAA/",
    )
    assert by_kind[ChangeKind.POSTS_REMOVED].summary == "1 post link(s) disappeared"


def test_title_whitespace_is_not_a_change() -> None:
    assert compare(BASE, later(title="  Budi (@budi.asn)   • Instagram ")).is_empty


def test_missing_facts_are_not_compared() -> None:
    result = compare(BASE, later(text=None, screenshot_dhash=None, post_links=None))
    assert result.is_empty
    assert result.screenshot_distance is None
    # Recorded-but-empty is different from not recorded.
    emptied = compare(BASE, later(post_links=()))
    assert emptied.kinds == (ChangeKind.POSTS_REMOVED,)
    assert emptied.changes[0].details["count"] == 2


def test_screenshot_threshold_and_distance_always_recorded() -> None:
    near = BASE.screenshot_dhash ^ 0b111  # type: ignore[operator]
    result = compare(BASE, later(screenshot_dhash=near))
    assert result.is_empty
    assert result.screenshot_distance == 3
    far = BASE.screenshot_dhash ^ ((1 << 11) - 1)  # type: ignore[operator]
    changed = compare(BASE, later(screenshot_dhash=far))
    assert changed.kinds == (ChangeKind.SCREENSHOT_CHANGED,)
    assert changed.changes[0].details == {"distance": 11, "threshold": 10}
    assert compare(BASE, later(screenshot_dhash=far), screenshot_threshold=11).is_empty
    # Exactly at the threshold is not a change ("above threshold").
    at = BASE.screenshot_dhash ^ ((1 << 10) - 1)  # type: ignore[operator]
    assert compare(BASE, later(screenshot_dhash=at)).is_empty


def test_details_are_capped() -> None:
    old = "\n".join(f"baris {i}" for i in range(10))
    long_line = "x" * (MAX_LINE_CHARS + 50)
    new = "\n".join([*(f"baru {i}" for i in range(80)), long_line])
    earlier = later(text=old, captured_at="2026-11-20T00:00:00Z")
    result = compare(earlier, later(text=new), max_items=20)
    details = result.changes[0].details
    assert details["added_count"] == 81
    assert len(details["added"]) == 20
    assert details["added_truncated"] is True
    assert details["removed_count"] == 10
    assert details["removed_truncated"] is False
    result = compare(later(text="a", captured_at="2026-11-20T00:00:00Z"), later(text=long_line))
    clipped = result.changes[0].details["added"][0]
    assert len(clipped) == MAX_LINE_CHARS and clipped.endswith("…")


def test_details_are_read_only() -> None:
    change = compare(BASE, later(title="Lain")).changes[0]
    with pytest.raises(TypeError):
        change.details["previous"] = "x"  # type: ignore[index]


def test_captures_out_of_order_are_refused() -> None:
    with pytest.raises(ChangesError, match="pass the older first"):
        compare(later(), BASE)
    # Same instant (e.g. two outputs of one run) is allowed.
    assert compare(BASE, replace(BASE, capture_id="cap-001b")).is_empty


def test_to_json_is_deterministic_and_complete() -> None:
    result = compare(BASE, later(outcome="not_found", title="Halaman tidak ditemukan"))
    payload = json.loads(result.to_json())
    assert payload == {
        "previous": {"capture_id": "cap-001", "captured_at": "2026-11-20T01:00:00.000Z"},
        "current": {"capture_id": "cap-002", "captured_at": "2026-11-21T01:00:00.000Z"},
        "changes": [
            {
                "kind": "disappeared",
                "summary": "page disappeared: was ok, now not_found",
                "details": {
                    "previous_outcome": "ok",
                    "current_outcome": "not_found",
                    "previous_title": BASE.title,
                    "current_title": "Halaman tidak ditemukan",
                    "previous_url": BASE.final_url,
                    "current_url": BASE.final_url,
                },
            }
        ],
        "screenshot_distance": None,
        "screenshot_threshold": 10,
    }
    assert (
        result.to_json()
        == compare(BASE, later(outcome="not_found", title="Halaman tidak ditemukan")).to_json()
    )
    assert "•" in compare(BASE, later(title="• baru")).to_json()  # UTF-8 kept readable
    lists = json.loads(compare(BASE, later(post_links=())).to_json())
    assert lists["changes"][0]["details"]["links"] == list(BASE.post_links or ())


# --- realistic: Chromium thumbnails ------------------------------------------------------

# A profile page shaped like the real ones: a centred column, avatar, posts with photos.
