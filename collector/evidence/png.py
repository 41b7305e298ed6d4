"""A tiny PNG decoder (stdlib zlib only) that turns small images into greyscale rows.

Scope: what Chromium and ordinary encoders write for thumbnails. Non-interlaced images
of colour types 0 (grey), 2 (RGB), 3 (palette), 4 (grey+alpha) and 6 (RGBA); bit depth
8, plus 1/2/4 where the format allows it (grey and palette). All five row filters. Every
chunk CRC is checked. Interlaced (Adam7) and 16-bit images raise `PngUnsupported`.

Pixels become luma (ITU-R BT.601 weights, 0-255). Transparency (alpha channel or tRNS)
is composited over white, the background a browser would show, so a transparent
screenshot and an opaque one of the same page decode alike.

Pure-Python decoding costs up to about a second per million pixels, and a full-page
screenshot of a long profile has tens of millions, so images above a pixel budget are
refused before any decompression: callers should ask Chromium for a small thumbnail
(e.g. `device_scale_factor=0.25`) rather than decode the full-size screenshot.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "GreyImage",
    "PngError",
    "PngSource",
    "PngTooLarge",
    "PngUnsupported",
    "decode_grey",
    "png_size",
    "png_size_fields",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_MAX_PIXELS = 1_000_000

# Signature + IHDR chunk (length, type, 13 data bytes, CRC): all png_size needs.
_HEADER_LEN = 8 + 8 + 13 + 4
_MAX_CHUNK_LEN = 2**31 - 1

# Allowed bit depths per colour type (PNG spec table 11.1); 16 is valid but unsupported.
_DEPTHS: dict[int, tuple[int, ...]] = {
    0: (1, 2, 4, 8, 16),
    2: (8, 16),
    3: (1, 2, 4, 8),
    4: (8, 16),
    6: (8, 16),
}
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

# BT.601 luma in 16.16 fixed point; the three weights sum to 65536 so white stays 255.
_LUMA_R = tuple(v * 19595 for v in range(256))
_LUMA_G = tuple(v * 38470 for v in range(256))
_LUMA_B = tuple(v * 7471 for v in range(256))

PngSource = bytes | bytearray | memoryview | str | os.PathLike[str]


class PngError(ValueError):
    """The data is not a well-formed PNG (bad signature, CRC, truncation, ...)."""


class PngUnsupported(PngError):
    """A valid PNG using a feature this decoder deliberately leaves out."""


class PngTooLarge(PngError):
    """The image has more pixels than the caller's budget allows."""


@dataclass(frozen=True)
class GreyImage:
    """Decoded image: `rows[y][x]` is the luma (0-255) of pixel (x, y)."""

    width: int
    height: int
    rows: tuple[bytes, ...]

    def pixel(self, x: int, y: int) -> int:
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError(f"pixel ({x}, {y}) outside {self.width}x{self.height} image")
        return self.rows[y][x]


@dataclass(frozen=True)
class _Header:
    width: int
    height: int
    bit_depth: int
    colour_type: int
    interlace: int


def png_size(source: PngSource) -> tuple[int, int]:
    """Return (width, height) from the IHDR chunk, reading only the first 33 bytes."""
    header = _parse_header(_read_head(source))
    return header.width, header.height


def png_size_fields(data: bytes) -> dict[str, int]:
    """`png_width` and `png_height` as a manifest records them; empty when `data` is not a
    well-formed PNG header."""
    try:
        width, height = png_size(data)
    except PngError:
        return {}
    return {"png_width": width, "png_height": height}


def decode_grey(source: PngSource, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> GreyImage:
    """Decode a PNG (bytes or a file path) into greyscale rows.

    Raises `PngTooLarge` when width * height exceeds `max_pixels` (checked from the
    header, before decompression), `PngUnsupported` for interlaced or 16-bit images,
    and `PngError` for anything malformed.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        header = _parse_header(data[:_HEADER_LEN])
        _check_budget(header, max_pixels)
    else:
        with Path(source).open("rb") as fh:
            head = fh.read(_HEADER_LEN)
            header = _parse_header(head)
            # Refuse before reading the rest: the budget is the whole point.
            _check_budget(header, max_pixels)
            data = head + fh.read()
    _check_supported(header)
    palette, trns, idat = _read_chunks(data, header)
    channels = _CHANNELS[header.colour_type]
    stride = (header.width * channels * header.bit_depth + 7) // 8
    bpp = max(1, channels * header.bit_depth // 8)
    raw = _inflate(idat, header.height * (stride + 1))
    convert = _converter(header, palette, trns)
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(header.height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), prev, bpp)
        rows.append(convert(line))
        prev = line
    return GreyImage(header.width, header.height, tuple(rows))


# --- reading -----------------------------------------------------------------------


def _read_head(source: PngSource) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:_HEADER_LEN])
    with Path(source).open("rb") as fh:
        return fh.read(_HEADER_LEN)


def _parse_header(head: bytes) -> _Header:
    if len(head) < len(PNG_SIGNATURE) or head[:8] != PNG_SIGNATURE:
        raise PngError("not a PNG: bad signature")
    if len(head) < _HEADER_LEN:
        raise PngError("truncated PNG: header incomplete")
    length, ctype = struct.unpack_from(">I4s", head, 8)
    if ctype != b"IHDR" or length != 13:
        raise PngError("malformed PNG: first chunk is not a 13-byte IHDR")
    body = head[16:29]
    (crc,) = struct.unpack_from(">I", head, 29)
    if zlib.crc32(body, zlib.crc32(ctype)) != crc:
        raise PngError("CRC mismatch in IHDR chunk")
    width, height, depth, colour, compression, filter_method, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    if not (0 < width <= _MAX_CHUNK_LEN and 0 < height <= _MAX_CHUNK_LEN):
        raise PngError(f"invalid image size {width}x{height}")
    if colour not in _DEPTHS or depth not in _DEPTHS[colour]:
        raise PngError(f"invalid colour type {colour} with bit depth {depth}")
    if compression != 0 or filter_method != 0:
        raise PngError("unknown compression or filter method")
    if interlace not in (0, 1):
        raise PngError(f"unknown interlace method {interlace}")
    return _Header(width, height, depth, colour, interlace)


def _check_budget(header: _Header, max_pixels: int) -> None:
    pixels = header.width * header.height
    if pixels > max_pixels:
        raise PngTooLarge(
            f"image is {header.width}x{header.height} = {pixels:,} pixels, over the "
            f"{max_pixels:,} pixel budget; decode a smaller thumbnail instead"
        )


def _check_supported(header: _Header) -> None:
    if header.interlace:
        raise PngUnsupported("interlaced (Adam7) PNG is not supported")
    if header.bit_depth == 16:
        raise PngUnsupported("16-bit PNG is not supported")


def _read_chunks(data: bytes, header: _Header) -> tuple[bytes | None, bytes | None, bytes]:
    """Walk every chunk, verifying CRCs; return (PLTE, tRNS, concatenated IDAT)."""
    palette: bytes | None = None
    trns: bytes | None = None
    idat: list[bytes] = []
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise PngError("truncated PNG: no IEND chunk")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        name = ctype.decode("latin-1")
        if length > _MAX_CHUNK_LEN:
            raise PngError(f"chunk {name!r} at offset {pos} has invalid length {length}")
        end = pos + 8 + length
        if end + 4 > len(data):
            raise PngError(f"truncated PNG: chunk {name!r} at offset {pos} is cut short")
        body = data[pos + 8 : end]
        (crc,) = struct.unpack_from(">I", data, end)
        if zlib.crc32(body, zlib.crc32(ctype)) != crc:
            raise PngError(f"CRC mismatch in {name!r} chunk at offset {pos}")
        if ctype == b"IEND":
            break
        if ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"PLTE":
            if length == 0 or length % 3 or length // 3 > 256:
                raise PngError(f"invalid PLTE length {length}")
            palette = body
        elif ctype == b"tRNS":
            trns = body
        elif ctype != b"IHDR" and not (ctype[0] & 0x20):
            # Bit 5 of the first byte clear = critical: we must not guess its meaning.
            raise PngUnsupported(f"unknown critical chunk {name!r}")
        pos = end + 4
    if not idat:
        raise PngError("PNG has no IDAT chunk")
    if header.colour_type == 3 and palette is None:
        raise PngError("palette image without a PLTE chunk")
    return palette, trns, b"".join(idat)


def _inflate(idat: bytes, expected: int) -> bytes:
    # max_length bounds memory even if the stream is a decompression bomb.
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(idat, expected)
    except zlib.error as exc:
        raise PngError(f"corrupt image data: {exc}") from exc
    if len(raw) < expected:
        raise PngError(f"truncated image data: {len(raw)} of {expected} bytes")
    return raw


# --- filters ---------------------------------------------------------------------

_LOW7 = 0x7F
_HIGH1 = 0x80


def _add_bytes(a: bytearray, b: bytearray) -> bytearray:
    """Bytewise (a + b) mod 256 on whole rows at C speed: SIMD-within-a-register."""
    n = len(a)
    if n == 0:
        return bytearray()
    low7 = int.from_bytes(bytes([_LOW7]) * n, "big")
    high1 = int.from_bytes(bytes([_HIGH1]) * n, "big")
    x = int.from_bytes(a, "big")
    y = int.from_bytes(b, "big")
    total = ((x & low7) + (y & low7)) ^ ((x ^ y) & high1)
    return bytearray(total.to_bytes(n, "big"))


def _unfilter(ftype: int, line: bytearray, prev: bytearray, bpp: int) -> bytearray:
    n = len(line)
    if ftype == 0:
        return line
    if ftype == 1:  # Sub
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
        return line
    if ftype == 2:  # Up
        return _add_bytes(line, prev)
    if ftype == 3:  # Average
        for i in range(min(bpp, n)):
            line[i] = (line[i] + (prev[i] >> 1)) & 0xFF
        for i in range(bpp, n):
            line[i] = (line[i] + ((line[i - bpp] + prev[i]) >> 1)) & 0xFF
        return line
    if ftype == 4:  # Paeth
        # With no left neighbour (a = c = 0) the Paeth predictor is always `up`.
        for i in range(min(bpp, n)):
            line[i] = (line[i] + prev[i]) & 0xFF
        for i in range(bpp, n):
            a = line[i - bpp]
            b = prev[i]
            c = prev[i - bpp]
            pa = abs(b - c)
            pb = abs(a - c)
            pc = abs(a + b - c - c)
            if pa <= pb and pa <= pc:
                pred = a
            elif pb <= pc:
                pred = b
            else:
                pred = c
            line[i] = (line[i] + pred) & 0xFF
        return line
    raise PngError(f"unknown filter type {ftype}")


# --- colour conversion -----------------------------------------------------------


def _over_white(grey: int, alpha: int) -> int:
    return (grey * alpha + 255 * (255 - alpha) + 127) // 255


def _luma(r: int, g: int, b: int) -> int:
    return (_LUMA_R[r] + _LUMA_G[g] + _LUMA_B[b] + 32768) >> 16


def _unpack_table(depth: int) -> tuple[bytes, ...]:
    """For sub-byte depths: byte -> the samples it packs, most significant bits first."""
    per_byte = 8 // depth
    mask = (1 << depth) - 1
    return tuple(
        bytes((byte >> (8 - depth * (k + 1))) & mask for k in range(per_byte))
        for byte in range(256)
    )


def _converter(
    header: _Header, palette: bytes | None, trns: bytes | None
) -> Callable[[bytearray], bytes]:
    width = header.width
    depth = header.bit_depth
    colour = header.colour_type

    if colour in (0, 3):
        # One sample per pixel: a 256-entry table maps each sample to its final grey.
        values = bytearray(256)
        entries = 256
        if colour == 0:
            top = (1 << depth) - 1
            for s in range(top + 1):
                values[s] = s * 255 // top
            if trns is not None and len(trns) >= 2:
                (key,) = struct.unpack(">H", trns[:2])
                if key <= top:
                    values[key] = 255
        else:
            assert palette is not None  # _read_chunks insists on PLTE for colour type 3
            entries = len(palette) // 3
            alphas = (trns or b"")[:entries]
            for i in range(entries):
                grey = _luma(palette[3 * i], palette[3 * i + 1], palette[3 * i + 2])
                values[i] = _over_white(grey, alphas[i]) if i < len(alphas) else grey
        table = bytes(values)
        unpack = _unpack_table(depth) if depth < 8 else ()

        def convert_samples(line: bytearray) -> bytes:
            # Padding bits at the end of a packed row are not pixels; slice them off.
            samples = bytes(line) if depth == 8 else b"".join([unpack[b] for b in line])[:width]
            if colour == 3 and max(samples) >= entries:
                raise PngError(f"palette index {max(samples)} beyond {entries} entries")
            return samples.translate(table)

        return convert_samples

    if colour == 4:

        def convert_grey_alpha(line: bytearray) -> bytes:
            grey = line[0::2]
            alpha = line[1::2]
            if alpha.count(255) == width:
                return bytes(grey)
            return bytes(map(_over_white, grey, alpha))

        return convert_grey_alpha

    if colour == 2:
        key = struct.unpack(">HHH", trns[:6]) if trns is not None and len(trns) >= 6 else None

        def convert_rgb(line: bytearray) -> bytes:
            reds, greens, blues = line[0::3], line[1::3], line[2::3]
            grey = bytes(map(_luma, reds, greens, blues))
            if key is None:
                return grey
            return bytes(
                255 if (r, g, b) == key else v
                for r, g, b, v in zip(reds, greens, blues, grey, strict=True)
            )

        return convert_rgb

    def convert_rgba(line: bytearray) -> bytes:
        grey = bytes(map(_luma, line[0::4], line[1::4], line[2::4]))
        alpha = line[3::4]
        if alpha.count(255) == width:
            return grey
        return bytes(map(_over_white, grey, alpha))

    return convert_rgba
