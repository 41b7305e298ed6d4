"""Thumbnails for the capture list, cached outside the evidence.

A thumbnail is the top of the screenshot (its first screen, at most `CROP_RATIO` x its
width tall), cut without decoding a pixel: a PNG's filtered scanlines only refer to the
row above, so the first N rows of the decompressed image data, compressed again under a
header that says N rows, are a valid PNG of the top N rows. zlib does all the work, in
C: a few milliseconds for a screenshot of any height. The browser scales it down.

The cache is `<store>/.desk-cache/thumbs/`, named by capture id and the screenshot's
SHA-256: never inside a capture folder, deletable at any time, rebuilt on demand. The
screenshot is hashed before it is cut; one that no longer matches the index gets no
thumbnail (`collector verify` names it).
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path

from collector.evidence.hashing import sha256_bytes

CACHE_DIR = ".desk-cache"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CROP_RATIO = 0.625  # 1280 x 800: the first screen of the default viewport
MAX_SOURCE_BYTES = 256 << 20
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class ThumbnailError(ValueError):
    """The screenshot cannot be cut (not a PNG we can read, interlaced, ...)."""


def cache_root(store_root: Path) -> Path:
    return store_root / CACHE_DIR


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def top_crop(png: bytes, ratio: float = CROP_RATIO) -> bytes:
    """The top rows of a PNG (at most `ratio` x its width) as a new, smaller PNG."""
    if not png.startswith(PNG_SIGNATURE):
        raise ThumbnailError("not a PNG")
    pos = len(PNG_SIGNATURE)
    header: bytes | None = None
    keep: list[bytes] = []  # PLTE, tRNS: a palette image needs them
    idat = bytearray()
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        data = png[pos + 8 : pos + 8 + length]
        if len(data) != length:
            raise ThumbnailError("truncated PNG")
        if kind == b"IHDR":
            header = data
        elif kind in (b"PLTE", b"tRNS"):
            keep.append(_chunk(kind, data))
        elif kind == b"IDAT":
            idat += data
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None or len(header) != 13:
        raise ThumbnailError("PNG without a header")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if interlace or colour not in _CHANNELS or width == 0:
        raise ThumbnailError("interlaced or unknown PNG layout")
    row_bytes = 1 + (width * _CHANNELS[colour] * depth + 7) // 8
    rows = max(1, min(height, round(width * ratio)))
    try:
        data = zlib.decompressobj().decompress(bytes(idat), rows * row_bytes)
    except zlib.error as exc:
        raise ThumbnailError(f"PNG data does not decompress: {exc}") from None
    if len(data) < rows * row_bytes:
        raise ThumbnailError("PNG data is shorter than its header says")
    new_header = struct.pack(">IIBBBBB", width, rows, depth, colour, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", new_header)
        + b"".join(keep)
        + _chunk(b"IDAT", zlib.compress(data, 6))
        + _chunk(b"IEND", b"")
    )


def thumbnail(store_root: Path, capture_id: str, source: Path, sha256: str) -> Path | None:
    """The cached thumbnail of a capture's screenshot, made now if needed; None when the
    screenshot is missing, fails its hash or cannot be cut."""
    folder = cache_root(store_root) / "thumbs"
    target = folder / f"{capture_id}-{sha256[:16]}.png"
    if target.is_file():
        return target
    try:
        if source.stat().st_size > MAX_SOURCE_BYTES:
            return None
        data = source.read_bytes()
    except OSError:
        return None
    if sha256_bytes(data) != sha256:
        return None
    try:
        cut = top_crop(data)
    except ThumbnailError:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".thumb-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(cut)
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return None
    return target
