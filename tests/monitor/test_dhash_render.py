"""collector.monitor.changes: dhash, text diffs and capture comparison."""

from __future__ import annotations

from typing import Any

import pytest

from collector.evidence.png import PngTooLarge, decode_grey
from collector.monitor.changes import (
    DEFAULT_SCREENSHOT_THRESHOLD,
    dhash_png,
    hamming,
)

PROFILE_HTML = """<!doctype html><html><head><style>
body {{ margin: 0; font: 16px sans-serif; background: #fff; }}
main {{ width: 420px; margin: 0 auto; }}
header {{ display: flex; gap: 16px; padding: 16px 0; }}
.avatar {{ width: 96px; height: 96px; border-radius: 50%; background: #445; }}
.post {{ display: flex; gap: 12px; margin: 16px 0; }}
.thumb {{ width: 120px; height: 120px; background: #8a6; }}
</style>{style}</head><body><main>
<header><div class="avatar"></div>
<div><b>Budi Santoso</b><br>ASN Kabupaten X<br>1.234 pengikut</div></header>
<div class="post"><div class="thumb"></div><p>{first}</p></div>
<div class="post"><div class="thumb" style="background:#a68"></div><p>Kegiatan dinas</p></div>
<div class="post"><div class="thumb" style="background:#68a"></div><p>Rapat koordinasi</p></div>
</main></body></html>"""


GRID_STYLE = """<style>main { width: 600px; }
.post { display: inline-flex; flex-direction: column; width: 180px; vertical-align: top; }
.thumb { width: 180px; height: 180px; }</style>"""


DARK_STYLE = "<style>body { background: #111; color: #eee; }</style>"


def thumbnail(browser: Any, style: str = "", first: str = "Dukung paslon nomor 1") -> bytes:
    # What capture is expected to do: a small-scale screenshot, cheap to decode.
    page = browser.new_page(viewport={"width": 640, "height": 800}, device_scale_factor=0.25)
    try:
        page.set_content(PROFILE_HTML.format(style=style, first=first))
        shot: bytes = page.screenshot(full_page=True)
        return shot
    finally:
        page.close()


def test_dhash_of_real_renders(browser: Any) -> None:
    original = thumbnail(browser)
    image = decode_grey(original)
    assert (image.width, image.height) == (160, 200)  # a thumbnail, cheap to decode
    base = dhash_png(original)
    assert dhash_png(thumbnail(browser)) == base  # same page rendered again
    # A reworded post: the hash barely notices; the text diff is what reports it.
    assert hamming(base, dhash_png(thumbnail(browser, first="Dukung paslon nomor 2"))) <= 2
    # Posts rearranged from a list into a grid: a layout change.
    assert hamming(base, dhash_png(thumbnail(browser, style=GRID_STYLE))) > (
        DEFAULT_SCREENSHOT_THRESHOLD
    )
    # Light/dark inverted: brightness order flips, so most bits do.
    assert hamming(base, dhash_png(thumbnail(browser, style=DARK_STYLE))) > 20
    with pytest.raises(PngTooLarge):
        dhash_png(original, max_pixels=100)
