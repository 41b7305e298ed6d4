"""Thumbnails: the top of a screenshot cut without decoding, cached outside the evidence."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from collector.desk.thumbs import ThumbnailError, cache_root, thumbnail, top_crop
from collector.evidence.hashing import sha256_bytes
from collector.evidence.png import decode_grey, png_size


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def striped_png(width: int, height: int, filters: bytes = b"\x00\x01\x02\x03\x04") -> bytes:
    """RGB rows whose colour changes with y, each row with another PNG filter type (the
    crop must keep them all valid); rows are encoded so that they decode to (y%256)."""
    raw = bytearray()
    prev = bytes(width * 3)
    for y in range(height):
        line = bytes([y % 256]) * (width * 3)
        ftype = filters[y % len(filters)]
        raw.append(ftype)
        raw += _filter(ftype, line, prev)
        prev = line
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes(raw)))
        + chunk(b"IEND", b"")
    )


def _filter(ftype: int, line: bytes, prev: bytes, bpp: int = 3) -> bytes:
    out = bytearray()
    for i, x in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if ftype == 0:
            pred = 0
        elif ftype == 1:
            pred = a
        elif ftype == 2:
            pred = b
        elif ftype == 3:
            pred = (a + b) // 2
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out.append((x - pred) % 256)
    return bytes(out)


def test_top_crop_keeps_the_first_rows_exactly() -> None:
    png = striped_png(40, 300)
    cut = top_crop(png, ratio=0.625)  # 40 * 0.625 = 25 rows
    assert png_size(cut) == (40, 25)
    image = decode_grey(cut)
    assert [row[0] for row in image.rows] == list(range(25))


def test_a_short_screenshot_is_kept_whole() -> None:
    png = striped_png(100, 20)
    cut = top_crop(png)
    assert png_size(cut) == (100, 20)
    assert [row[7] for row in decode_grey(cut).rows] == list(range(20))


def test_a_palette_png_keeps_its_palette() -> None:
    width, height = 8, 40
    raw = b"".join(b"\x00" + bytes([y % 2]) * width for y in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff")
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    cut = top_crop(png)
    assert png_size(cut) == (8, 5)
    assert [row[0] for row in decode_grey(cut).rows] == [0, 255, 0, 255, 0]


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a...",
        b"\x89PNG\r\n\x1a\n",
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 2, 0, 0, 1)),
    ],
)
def test_what_cannot_be_cut_is_refused(data: bytes) -> None:
    with pytest.raises(ThumbnailError):
        top_crop(data)


def test_thumbnails_are_cached_outside_the_capture_and_checked(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    folder = store / "captures" / "2026-11-25" / "c1"
    folder.mkdir(parents=True)
    shot = folder / "screenshot.png"
    shot.write_bytes(striped_png(64, 400))
    digest = sha256_bytes(shot.read_bytes())
    made = thumbnail(store, "c1", shot, digest)
    assert made is not None and made.is_relative_to(cache_root(store))
    assert png_size(made) == (64, 40)
    assert sorted(p.name for p in folder.iterdir()) == ["screenshot.png"]  # nothing added
    assert thumbnail(store, "c1", shot, digest) == made  # from the cache
    assert thumbnail(store, "c2", shot, "0" * 64) is None  # fails its hash: no thumbnail
    assert thumbnail(store, "c3", folder / "missing.png", digest) is None
