"""collector.evidence.png: decode PNGs from a hand-rolled encoder and from real Chromium."""

from __future__ import annotations

from typing import Any

from collector.evidence.png import (
    decode_grey,
    png_size,
)

QUADRANTS_HTML = """<!doctype html><html><head><style>
html, body { margin: 0; padding: 0; background: #fff; }
div { position: absolute; width: 60px; height: 40px; }
</style></head><body>
<div style="left:0;top:0;background:rgb(255,0,0)"></div>
<div style="left:60px;top:0;background:rgb(0,255,0)"></div>
<div style="left:0;top:40px;background:rgb(0,0,255)"></div>
<div style="left:60px;top:40px;background:rgb(128,128,128)"></div>
</body></html>"""


TRANSPARENT_HTML = """<!doctype html><html><head><style>
html, body { margin: 0; background: transparent; }
div { position: absolute; left: 0; top: 0; width: 50px; height: 50px; }
</style></head><body><div style="background:rgba(0,0,0,0.5)"></div></body></html>"""


def screenshot(browser: Any, html: str, *, transparent: bool = False, scale: int = 1) -> bytes:
    page = browser.new_page(viewport={"width": 120, "height": 80}, device_scale_factor=scale)
    try:
        page.set_content(html)
        shot: bytes = page.screenshot(omit_background=transparent)
        return shot
    finally:
        page.close()


def test_chromium_screenshot_known_colours(browser: Any) -> None:
    data = screenshot(browser, QUADRANTS_HTML)
    assert png_size(data) == (120, 80)
    image = decode_grey(data)
    assert (image.width, image.height) == (120, 80)
    # Centres of the four quadrants: red, green, blue, mid grey (BT.601 luma).
    assert image.pixel(30, 20) == 76
    assert image.pixel(90, 20) == 150
    assert image.pixel(30, 60) == 29
    assert image.pixel(90, 60) == 128
    # Exact edges: no smoothing across the 60px boundary.
    assert image.pixel(59, 20) == 76
    assert image.pixel(60, 20) == 150


def test_chromium_hidpi_screenshot(browser: Any) -> None:
    data = screenshot(browser, QUADRANTS_HTML, scale=2)
    assert png_size(data) == (240, 160)
    image = decode_grey(data)
    assert image.pixel(60, 40) == 76
    assert image.pixel(180, 120) == 128


def test_chromium_transparent_screenshot_is_composited(browser: Any) -> None:
    data = screenshot(browser, TRANSPARENT_HTML, transparent=True)
    colour_type = data[25]
    assert colour_type == 6  # Chromium keeps the alpha channel when omitting background
    image = decode_grey(data)
    assert image.pixel(100, 70) == 255  # fully transparent: the white we composite on
    assert abs(image.pixel(25, 25) - 127) <= 1  # 50% black over white
