"""collector.evidence.png crops: decode a region as RGB, re-encode losslessly, draw a box."""

from __future__ import annotations

import random
import zlib

import pytest

from collector.evidence.png import (
    PngError,
    PngTooLarge,
    RgbImage,
    crop_png,
    decode_grey,
    decode_rgb_region,
    draw_box,
    encode_png,
    png_size,
)
from tests.unit.evidence.test_png import chunk, encode, ihdr

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def random_rgb(width: int, height: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [bytes(rng.randrange(256) for _ in range(3 * width)) for _ in range(height)]


@pytest.mark.parametrize("filters", [(0,), (1,), (2,), (3,), (4,), (2, 2, 4, 1, 0, 3)])
def test_region_of_rgb_is_exact_for_every_filter(filters: tuple[int, ...]) -> None:
    rows = random_rgb(17, 11, sum(filters))
    png = encode(17, 11, 2, rows, filters=filters)
    image = decode_rgb_region(png, (3, 2, 12, 9))
    assert (image.width, image.height) == (9, 7)
    assert list(image.rows) == [r[9:36] for r in rows[2:9]]
    assert image.pixel(0, 0) == tuple(rows[2][9:12])


def test_rgba_alpha_is_composited_over_white() -> None:
    rows = [bytes([10, 20, 30, 255, 10, 20, 30, 0, 200, 100, 0, 128])]
    image = decode_rgb_region(encode(3, 1, 6, rows), (0, 0, 3, 1))
    assert image.pixel(0, 0) == (10, 20, 30)
    assert image.pixel(1, 0) == (255, 255, 255)
    assert image.pixel(2, 0) == (
        (200 * 128 + 255 * 127 + 127) // 255,
        (100 * 128 + 255 * 127 + 127) // 255,
        (0 * 128 + 255 * 127 + 127) // 255,
    )


def test_grey_and_palette_sources() -> None:
    grey = decode_rgb_region(encode(2, 1, 0, [bytes([0, 200])]), (0, 0, 2, 1))
    assert grey.rows == (bytes([0, 0, 0, 200, 200, 200]),)
    plte = chunk(b"PLTE", bytes([255, 0, 0, 0, 0, 255]))
    palette = encode(3, 1, 3, [bytes([1, 0, 1])], extra=[plte])
    blue, red = bytes([0, 0, 255]), bytes([255, 0, 0])
    assert decode_rgb_region(palette, (0, 0, 3, 1)).rows == (blue + red + blue,)


def test_encode_roundtrip_is_lossless() -> None:
    rows = random_rgb(31, 19, 7)
    image = RgbImage(31, 19, tuple(rows))
    png = encode_png(image)
    assert png_size(png) == (31, 19)
    assert decode_rgb_region(png, (0, 0, 31, 19)) == image
    # and the plain decoder agrees it is a valid PNG (CRCs, filters, zlib)
    assert decode_grey(png).width == 31


def test_crop_is_clamped_and_budgeted() -> None:
    rows = random_rgb(20, 10, 3)
    png = encode(20, 10, 2, rows, filters=(2,))
    data, image = crop_png(png, (-5, -5, 4, 3))
    assert (image.width, image.height) == (4, 3)
    assert decode_rgb_region(data, (0, 0, 4, 3)).rows == tuple(r[:12] for r in rows[:3])
    with pytest.raises(PngError, match="outside"):
        crop_png(png, (30, 0, 40, 5))
    with pytest.raises(PngTooLarge):
        crop_png(png, (0, 0, 20, 10), max_pixels=100)


def test_crop_far_down_a_tall_image_stays_cheap_in_memory() -> None:
    # 2,000 rows of Up-filtered RGB (how Chromium writes screenshots): only the crop's
    # rows are kept, the rest are unfiltered on the fly
    width, height = 64, 2000
    rows = [bytes([(y * 7 + x) & 0xFF for x in range(3 * width)]) for y in range(height)]
    png = encode(width, height, 2, rows, filters=(2,))
    image = decode_rgb_region(png, (10, 1990, 20, 2000))
    assert image.rows == tuple(r[30:60] for r in rows[1990:2000])


def test_truncated_and_corrupt_data() -> None:
    rows = random_rgb(8, 8, 1)
    png = encode(8, 8, 2, rows)
    cut_idat = SIGNATURE + ihdr(8, 8, 8, 2) + chunk(b"IDAT", zlib.compress(b"\x00" * 10))
    with pytest.raises(PngError, match="truncated"):
        decode_rgb_region(cut_idat + chunk(b"IEND", b""), (0, 0, 8, 8))
    with pytest.raises(PngError):
        decode_rgb_region(png[:40], (0, 0, 8, 8))


def test_draw_box_draws_inside_the_edges_on_a_copy() -> None:
    white = RgbImage(10, 8, tuple(bytes([255] * 30) for _ in range(8)))
    boxed = draw_box(white, (2, 1, 8, 7), colour=(200, 0, 0), thickness=2)
    assert white.pixel(2, 1) == (255, 255, 255)  # the source is untouched
    red = (200, 0, 0)
    assert boxed.pixel(2, 1) == red and boxed.pixel(7, 6) == red  # corners
    assert boxed.pixel(3, 4) == red and boxed.pixel(6, 4) == red  # left and right sides
    assert boxed.pixel(4, 3) == (255, 255, 255)  # inside
    assert boxed.pixel(1, 4) == (255, 255, 255) and boxed.pixel(8, 4) == (255, 255, 255)
    # a box hanging over the edge is clamped
    assert draw_box(white, (-3, -3, 4, 4)).pixel(0, 0) == (220, 0, 0)
    assert draw_box(white, (20, 20, 30, 30)) == white
