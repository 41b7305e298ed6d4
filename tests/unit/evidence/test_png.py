"""collector.evidence.png: decode PNGs from a hand-rolled encoder and from real Chromium."""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from collector.evidence.png import (
    DEFAULT_MAX_PIXELS,
    GreyImage,
    PngError,
    PngTooLarge,
    PngUnsupported,
    decode_grey,
    png_size,
    stack_png,
)

CHROMIUM = "/usr/lib/chromium/chromium"
SIGNATURE = b"\x89PNG\r\n\x1a\n"

# --- a minimal encoder ------------------------------------------------------------------


def chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def ihdr(width: int, height: int, depth: int, colour: int, interlace: int = 0) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(ftype: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ftype]
        out.append((x - pred) & 0xFF)
    return bytes(out)


def encode(
    width: int,
    height: int,
    colour: int,
    rows: Sequence[bytes],
    *,
    depth: int = 8,
    filters: Sequence[int] = (0,),
    extra: Sequence[bytes] = (),
    idat_pieces: int = 1,
) -> bytes:
    """PNG from packed sample rows; row y uses filters[y % len(filters)]."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bpp = max(1, channels * depth // 8)
    raw = bytearray()
    prev = bytes(len(rows[0]))
    for y, row in enumerate(rows):
        ftype = filters[y % len(filters)]
        raw.append(ftype)
        raw += filter_row(ftype, row, prev, bpp)
        prev = row
    data = zlib.compress(bytes(raw))
    step = -(-len(data) // idat_pieces)
    idats = b"".join(chunk(b"IDAT", data[i : i + step]) for i in range(0, len(data), step))
    return (
        SIGNATURE
        + ihdr(width, height, depth, colour)
        + b"".join(extra)
        + idats
        + chunk(b"IEND", b"")
    )


def pack(samples: Sequence[int], depth: int) -> bytes:
    """Pack sub-byte samples MSB first, padding the last byte with ones (must be ignored)."""
    per = 8 // depth
    out = bytearray()
    for i in range(0, len(samples), per):
        group = list(samples[i : i + per])
        group += [(1 << depth) - 1] * (per - len(group))
        byte = 0
        for s in group:
            byte = (byte << depth) | s
        out.append(byte)
    return bytes(out)


def grey_png(rows: list[list[int]], **kwargs: Any) -> bytes:
    return encode(len(rows[0]), len(rows), 0, [bytes(r) for r in rows], **kwargs)


def as_lists(image: GreyImage) -> list[list[int]]:
    return [list(row) for row in image.rows]


# --- colour types and depths ------------------------------------------------------------


def test_grey_8bit_roundtrip() -> None:
    rows = [[0, 64, 128], [200, 255, 7]]
    image = decode_grey(grey_png(rows))
    assert (image.width, image.height) == (3, 2)
    assert as_lists(image) == rows
    assert image.pixel(2, 1) == 7


@pytest.mark.parametrize("ftype", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("colour", [0, 6])
def test_every_filter_decodes_exactly(ftype: int, colour: int) -> None:
    rng = random.Random(ftype * 10 + colour)
    width, height = 13, 7
    channels = 1 if colour == 0 else 4
    rows = [
        bytes(
            255 if colour == 6 and i % 4 == 3 else rng.randrange(256)
            for i in range(width * channels)
        )
        for _ in range(height)
    ]
    image = decode_grey(encode(width, height, colour, rows, filters=[ftype]))
    if colour == 0:
        assert image.rows == tuple(rows)
    else:
        # Same pixels encoded unfiltered must decode identically.
        assert image == decode_grey(encode(width, height, colour, rows, filters=[0]))


def test_mixed_filters_and_split_idat() -> None:
    rng = random.Random(7)
    rows = [bytes(rng.randrange(256) for _ in range(20)) for _ in range(10)]
    data = encode(20, 10, 0, rows, filters=[4, 3, 2, 1, 0], idat_pieces=4)
    assert data.count(b"IDAT") == 4
    assert decode_grey(data).rows == tuple(rows)


def test_rgb_uses_bt601_luma() -> None:
    pixels = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (10, 10, 10)]
    row = bytes(c for p in pixels for c in p)
    image = decode_grey(encode(len(pixels), 1, 2, [row], filters=[1]))
    assert list(image.rows[0]) == [76, 150, 29, 255, 0, 10]


def test_alpha_is_composited_over_white() -> None:
    # RGBA: opaque black, transparent black, half-transparent black, opaque grey.
    rgba = bytes([0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128, 100, 100, 100, 255])
    assert list(decode_grey(encode(4, 1, 6, [rgba])).rows[0]) == [0, 255, 127, 100]
    grey_alpha = bytes([0, 255, 0, 0, 50, 128])
    assert list(decode_grey(encode(3, 1, 4, [grey_alpha], filters=[2])).rows[0]) == [
        0,
        255,
        152,
    ]


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_sub_byte_grey_depths(depth: int) -> None:
    top = (1 << depth) - 1
    # Width 5 leaves padding bits in the last byte for every depth.
    samples = [[0, top, top // 2 if top > 1 else 1, 0, top], [top, 0, 0, top, 0]]
    rows = [pack(r, depth) for r in samples]
    image = decode_grey(encode(5, 2, 0, rows, depth=depth, filters=[0, 2]))
    assert as_lists(image) == [[s * 255 // top for s in r] for r in samples]


def test_palette_with_transparency_8bit_and_2bit() -> None:
    plte = chunk(b"PLTE", bytes([255, 0, 0, 0, 0, 255, 0, 0, 0]))
    trns = chunk(b"tRNS", bytes([255, 255, 0]))  # entry 2 fully transparent
    image = decode_grey(encode(3, 1, 3, [bytes([0, 1, 2])], extra=[plte, trns]))
    assert list(image.rows[0]) == [76, 29, 255]
    packed = pack([2, 1, 0, 1, 2], 2)
    image2 = decode_grey(encode(5, 1, 3, [packed], depth=2, extra=[plte, trns]))
    assert list(image2.rows[0]) == [255, 29, 76, 29, 255]


def test_palette_index_out_of_range() -> None:
    plte = chunk(b"PLTE", bytes([1, 2, 3, 4, 5, 6]))
    with pytest.raises(PngError, match="palette index 2"):
        decode_grey(encode(2, 1, 3, [bytes([0, 2])], extra=[plte]))
    with pytest.raises(PngError, match="palette index"):
        decode_grey(encode(3, 1, 3, [pack([0, 1, 3], 2)], depth=2, extra=[plte]))


def test_palette_image_needs_plte() -> None:
    with pytest.raises(PngError, match="PLTE"):
        decode_grey(encode(1, 1, 3, [b"\x00"]))


def test_trns_colour_key_grey_and_rgb() -> None:
    grey_key = chunk(b"tRNS", struct.pack(">H", 40))
    assert list(decode_grey(grey_png([[40, 41]], extra=[grey_key])).rows[0]) == [255, 41]
    rgb_key = chunk(b"tRNS", struct.pack(">HHH", 0, 0, 0))
    image = decode_grey(encode(2, 1, 2, [bytes([0, 0, 0, 0, 0, 1])], extra=[rgb_key]))
    assert list(image.rows[0]) == [255, 0]


def test_unknown_ancillary_chunk_is_skipped() -> None:
    note = chunk(b"tEXt", b"Comment\x00hello")
    assert decode_grey(grey_png([[9]], extra=[note])).rows == (b"\x09",)


# --- errors -----------------------------------------------------------------------------


def test_bad_signature() -> None:
    with pytest.raises(PngError, match="signature"):
        decode_grey(b"GIF89a" + bytes(40))
    with pytest.raises(PngError, match="signature"):
        png_size(b"")


def test_crc_mismatch_is_detected_in_any_chunk() -> None:
    data = bytearray(grey_png([[1, 2, 3]]))
    idat = data.index(b"IDAT")
    data[idat + 4] ^= 0x01  # first compressed byte
    with pytest.raises(PngError, match="CRC mismatch in 'IDAT'"):
        decode_grey(bytes(data))
    header = bytearray(grey_png([[1]]))
    header[20] ^= 0xFF  # inside IHDR's width
    with pytest.raises(PngError, match="CRC mismatch in IHDR"):
        png_size(bytes(header))


def test_truncated_and_missing_iend() -> None:
    data = grey_png([[1, 2, 3]] * 4)
    with pytest.raises(PngError, match="truncated"):
        decode_grey(data[:-20])
    without_iend = data[: data.index(b"IEND") - 4]
    with pytest.raises(PngError, match="no IEND"):
        decode_grey(without_iend)
    with pytest.raises(PngError, match="truncated"):
        png_size(data[:20])


def test_short_image_data() -> None:
    body = zlib.compress(b"\x00\x01")  # one byte of a 3-byte row
    data = SIGNATURE + ihdr(3, 1, 8, 0) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    with pytest.raises(PngError, match="truncated image data"):
        decode_grey(data)


def test_corrupt_zlib_stream() -> None:
    data = SIGNATURE + ihdr(3, 1, 8, 0) + chunk(b"IDAT", b"not zlib") + chunk(b"IEND", b"")
    with pytest.raises(PngError, match="corrupt image data"):
        decode_grey(data)


def test_unknown_filter_type() -> None:
    raw = zlib.compress(b"\x05\x00")
    data = SIGNATURE + ihdr(1, 1, 8, 0) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    with pytest.raises(PngError, match="filter type 5"):
        decode_grey(data)


def test_interlaced_and_16_bit_are_unsupported() -> None:
    interlaced = SIGNATURE + ihdr(2, 2, 8, 0, interlace=1) + chunk(b"IEND", b"")
    with pytest.raises(PngUnsupported, match="interlaced"):
        decode_grey(interlaced)
    sixteen = SIGNATURE + ihdr(2, 2, 16, 2) + chunk(b"IEND", b"")
    with pytest.raises(PngUnsupported, match="16-bit"):
        decode_grey(sixteen)
    # Both still report their size.
    assert png_size(interlaced) == (2, 2)


def test_invalid_depth_for_colour_type() -> None:
    with pytest.raises(PngError, match="colour type 2 with bit depth 4"):
        png_size(SIGNATURE + ihdr(1, 1, 4, 2))


def test_unknown_critical_chunk() -> None:
    with pytest.raises(PngUnsupported, match="critical chunk 'ZZZZ'"):
        decode_grey(grey_png([[1]], extra=[chunk(b"ZZZZ", b"")]))


def test_pixel_budget_is_checked_before_decompression(tmp_path: Path) -> None:
    # Header promises 2000x2000 but the data is garbage: the budget must trip first.
    huge = SIGNATURE + ihdr(2000, 2000, 8, 2) + chunk(b"IDAT", b"junk")
    with pytest.raises(PngTooLarge, match="4,000,000 pixels"):
        decode_grey(huge)
    path = tmp_path / "huge.png"
    path.write_bytes(huge)
    with pytest.raises(PngTooLarge):
        decode_grey(path)
    small = grey_png([[1, 2], [3, 4]])
    with pytest.raises(PngTooLarge):
        decode_grey(small, max_pixels=3)
    assert decode_grey(small, max_pixels=4).rows == (b"\x01\x02", b"\x03\x04")
    assert DEFAULT_MAX_PIXELS == 1_000_000


def test_png_size_reads_only_the_header(tmp_path: Path) -> None:
    data = encode(7, 3, 2, [bytes(21)] * 3)
    assert png_size(data) == (7, 3)
    assert png_size(data[:33]) == (7, 3)  # signature + IHDR is enough
    path = tmp_path / "header-only.png"
    path.write_bytes(data[:33])
    assert png_size(path) == (7, 3)
    assert png_size(str(path)) == (7, 3)


def test_decode_from_path(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(grey_png([[5, 6]]))
    assert decode_grey(path).rows == (b"\x05\x06",)
    assert decode_grey(memoryview(path.read_bytes())).rows == (b"\x05\x06",)


def test_pixel_bounds() -> None:
    image = decode_grey(grey_png([[1, 2]]))
    with pytest.raises(IndexError):
        image.pixel(2, 0)
    with pytest.raises(IndexError):
        image.pixel(0, -1)


# --- real Chromium screenshots ------------------------------------------------------------


# --- stacking tiles ------------------------------------------------------------------


@pytest.mark.parametrize("colour", [0, 2, 6])
def test_stacked_tiles_are_the_tiles_pixel_for_pixel(colour: int) -> None:
    rng = random.Random(colour)
    width, channels = 11, {0: 1, 2: 3, 6: 4}[colour]
    heights = [5, 1, 7, 3]
    rows = [bytes(rng.randrange(256) for _ in range(width * channels)) for _ in range(sum(heights))]
    tiles, start = [], 0
    for n, h in enumerate(heights):
        # every tile starts with a different filter: each reads the (zero) row above
        filters = [(n % 4) + 1, 0, 1, 2, 3, 4]
        tiles.append(encode(width, h, colour, rows[start : start + h], filters=filters))
        start += h
    srgb = chunk(b"sRGB", b"\x00")
    tiles[0] = encode(width, heights[0], colour, rows[: heights[0]], filters=[4, 3], extra=[srgb])
    stacked = stack_png(tiles)
    assert png_size(stacked) == (width, sum(heights))
    assert srgb in stacked  # the first tile's colour space is kept
    whole = encode(width, sum(heights), colour, rows, filters=[0])
    assert decode_grey(stacked).rows == decode_grey(whole).rows
    if colour == 0:  # grey decodes to the samples themselves
        assert [bytes(r) for r in decode_grey(stacked).rows] == rows


def test_stacking_refuses_tiles_that_do_not_fit() -> None:
    a = encode(4, 2, 2, [bytes(12)] * 2)
    with pytest.raises(PngError, match="tile 2 does not match"):
        stack_png([a, encode(5, 2, 2, [bytes(15)] * 2)])
    with pytest.raises(PngError, match="tile 2 does not match"):
        stack_png([a, encode(4, 2, 6, [bytes(16)] * 2)])
    with pytest.raises(PngError, match="no tiles"):
        stack_png([])
    with pytest.raises(PngUnsupported):
        stack_png([encode(8, 1, 3, [bytes(8)], extra=[chunk(b"PLTE", bytes(3))])])
