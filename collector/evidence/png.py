"""A tiny PNG decoder (stdlib zlib only) that turns small images into greyscale rows,
and cuts lossless RGB crops out of large ones (the findings' `find-N.png`).

Scope: what Chromium and ordinary encoders write for thumbnails. Non-interlaced images
of colour types 0 (grey), 2 (RGB), 3 (palette), 4 (grey+alpha) and 6 (RGBA); bit depth
8, plus 1/2/4 where the format allows it (grey and palette). All five row filters. Every
chunk CRC is checked. Interlaced (Adam7) and 16-bit images raise `PngUnsupported`.

Pixels become luma (ITU-R BT.601 weights, 0-255). Transparency (alpha channel or tRNS)
is composited over white, the background a browser would show, so a transparent
screenshot and an opaque one of the same page decode alike.

`stack_png` puts PNG tiles of one width under one another into one PNG without decoding
them: only the first row of each tile is unfiltered (a filter that looks at the row above
would otherwise read the previous tile's last row), the rest is copied as filtered bytes.

Pure-Python decoding costs up to about a second per million pixels, and a full-page
screenshot of a long profile has tens of millions, so images above a pixel budget are
refused before any decompression: callers should ask Chromium for a small thumbnail
(e.g. `device_scale_factor=0.25`) rather than decode the full-size screenshot.

Crops (`crop_png`) are different: the pixel budget applies to the crop, not the image.
The rows above the crop still have to be unfiltered (each row is predicted from the one
above it), but only up to the crop's last row, streamed through zlib so memory stays at
a few rows; Chromium's screenshots use the "Up" filter throughout, which is unfiltered
at C speed, so a crop near the bottom of a 20,000 px page costs a few hundred ms. The
crop is written as an 8-bit RGB PNG (`encode_png`): the same pixels, losslessly.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "GreyImage",
    "PngError",
    "PngSource",
    "PngTooLarge",
    "PngUnsupported",
    "RgbImage",
    "crop_png",
    "decode_grey",
    "decode_rgb_region",
    "decode_rgb_regions",
    "draw_box",
    "encode_png",
    "png_size",
    "png_size_fields",
    "stack_png",
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


# --- RGB crops and encoding (findings) -------------------------------------------


@dataclass(frozen=True)
class RgbImage:
    """Decoded image: `rows[y]` holds `width` pixels as R, G, B bytes."""

    width: int
    height: int
    rows: tuple[bytes, ...]

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError(f"pixel ({x}, {y}) outside {self.width}x{self.height} image")
        row = self.rows[y]
        return row[3 * x], row[3 * x + 1], row[3 * x + 2]


def decode_rgb_region(
    source: PngSource,
    box: tuple[int, int, int, int],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> RgbImage:
    """The pixels of `box` = (x0, y0, x1, y1) (x1, y1 exclusive, clamped to the image)
    as RGB rows. Transparency is composited over white, as `decode_grey` does.

    Raises `PngTooLarge` when the clamped box has more than `max_pixels` pixels,
    `PngError` when the box lies outside the image or the data is malformed.
    """
    (result,) = decode_rgb_regions(source, [box], max_pixels=max_pixels)
    if isinstance(result, PngError):
        raise result
    return result


def decode_rgb_regions(
    source: PngSource,
    boxes: Sequence[tuple[int, int, int, int]],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[RgbImage | PngError]:
    """`decode_rgb_region` for several boxes in one pass over the image (each row is
    unfiltered once, whatever the number of crops). A box that is outside the image or
    over `max_pixels` gets its `PngError` in its place; a malformed image raises."""
    data = bytes(source) if isinstance(source, bytes | bytearray | memoryview) else None
    if data is None:
        data = Path(source).read_bytes()  # type: ignore[arg-type]
    header = _parse_header(data[:_HEADER_LEN])
    _check_supported(header)
    results: list[RgbImage | PngError] = []
    wanted: list[tuple[int, int, int, int, int]] = []  # y0, y1, x0, x1, index
    for i, box in enumerate(boxes):
        x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
        x1, y1 = min(header.width, int(box[2])), min(header.height, int(box[3]))
        if x1 <= x0 or y1 <= y0:
            results.append(
                PngError(
                    f"crop box {tuple(box)} is outside the {header.width}x{header.height} image"
                )
            )
        elif (x1 - x0) * (y1 - y0) > max_pixels:
            results.append(
                PngTooLarge(
                    f"crop {x1 - x0}x{y1 - y0} is over the {max_pixels:,} pixel budget for a crop"
                )
            )
        else:
            results.append(RgbImage(x1 - x0, y1 - y0, ()))
            wanted.append((y0, y1, x0, x1, i))
    if not wanted:
        return results
    wanted.sort()
    rows: dict[int, list[bytes]] = {w[4]: [] for w in wanted}
    palette, trns, idat = _read_chunks(data, header)
    channels = _CHANNELS[header.colour_type]
    stride = (header.width * channels * header.bit_depth + 7) // 8
    bpp = max(1, channels * header.bit_depth // 8)
    convert = _rgb_converter(header, palette, trns)
    inflater = zlib.decompressobj()
    pending = idat
    buffer = bytearray()
    # The previous row as bytes, or (for runs of "None"/"Up" rows, all of Chromium's)
    # as one big integer, added to the next row SWAR-style without leaving int form.
    prev: bytearray | None = bytearray(stride)
    prev_int = 0
    low7 = int.from_bytes(bytes([_LOW7]) * stride, "big")
    high1 = int.from_bytes(bytes([_HIGH1]) * stride, "big")
    active: list[tuple[int, int, int, int, int]] = []
    upcoming = 0
    for y in range(max(w[1] for w in wanted)):
        while len(buffer) < stride + 1:
            try:
                chunk = inflater.decompress(pending, 1 << 16)
            except zlib.error as exc:
                raise PngError(f"corrupt image data: {exc}") from exc
            pending = inflater.unconsumed_tail
            if not chunk:
                raise PngError(f"truncated image data: row {y} of {header.height} missing")
            buffer += chunk
        ftype = buffer[0]
        raw = bytes(buffer[1 : stride + 1])
        del buffer[: stride + 1]
        line: bytearray | None = None
        if ftype in (0, 2):
            x = int.from_bytes(raw, "big")
            if ftype == 2:
                if prev is not None:
                    prev_int = int.from_bytes(prev, "big")
                x = ((x & low7) + (prev_int & low7)) ^ ((x ^ prev_int) & high1)
            prev_int, prev = x, None
        else:
            if prev is None:
                prev = bytearray(prev_int.to_bytes(stride, "big"))
            line = _unfilter(ftype, bytearray(raw), prev, bpp)
            prev = line
        while upcoming < len(wanted) and wanted[upcoming][0] <= y:
            active.append(wanted[upcoming])
            upcoming += 1
        active = [w for w in active if y < w[1]]
        if active:
            if line is None:
                line = bytearray(prev_int.to_bytes(stride, "big"))
            rgb = convert(line)
            for _, _, x0, x1, i in active:
                rows[i].append(rgb[3 * x0 : 3 * x1])
    for _, _, _, _, i in wanted:
        done = results[i]
        assert isinstance(done, RgbImage)
        results[i] = RgbImage(done.width, done.height, tuple(rows[i]))
    return results


def _rgb_converter(
    header: _Header, palette: bytes | None, trns: bytes | None
) -> Callable[[bytearray], bytes]:
    """One unfiltered row -> RGB bytes (alpha composited over white)."""
    colour, depth, width = header.colour_type, header.bit_depth, header.width
    if colour == 2 and trns is None:
        return bytes
    if colour == 6:

        def rgba(line: bytearray) -> bytes:
            alpha = line[3::4]
            if alpha.count(255) == width:
                out = bytearray(3 * width)
                out[0::3], out[1::3], out[2::3] = line[0::4], line[1::4], line[2::4]
                return bytes(out)
            out = bytearray(3 * width)
            for c in range(3):
                out[c::3] = bytes(map(_over_white, line[c::4], alpha))
            return bytes(out)

        return rgba
    # The rarer kinds (grey, palette, grey+alpha, RGB with a colour key): through grey
    # only where the source is grey anyway; palette and keyed RGB keep their colours.
    if colour == 3:
        assert palette is not None
        entries = len(palette) // 3
        alphas = (trns or b"")[:entries]
        table = []
        for i in range(256):
            if i < entries:
                rgb = palette[3 * i : 3 * i + 3]
                a = alphas[i] if i < len(alphas) else 255
                table.append(bytes(_over_white(v, a) for v in rgb))
            else:
                table.append(b"\x00\x00\x00")
        unpack = _unpack_table(depth) if depth < 8 else ()

        def indexed(line: bytearray) -> bytes:
            samples = bytes(line) if depth == 8 else b"".join([unpack[b] for b in line])[:width]
            if max(samples) >= entries:
                raise PngError(f"palette index {max(samples)} beyond {entries} entries")
            return b"".join([table[s] for s in samples])

        return indexed
    if colour == 2:
        key = struct.unpack(">HHH", trns[:6]) if trns is not None and len(trns) >= 6 else None

        def keyed(line: bytearray) -> bytes:
            out = bytearray(line)
            for i in range(0, len(out), 3):
                if (out[i], out[i + 1], out[i + 2]) == key:
                    out[i : i + 3] = b"\xff\xff\xff"
            return bytes(out)

        return keyed
    grey = _converter(header, palette, trns)

    def grey_to_rgb(line: bytearray) -> bytes:
        values = grey(line)
        out = bytearray(3 * width)
        out[0::3] = out[1::3] = out[2::3] = values
        return bytes(out)

    return grey_to_rgb


def encode_png(image: RgbImage, *, level: int = 6) -> bytes:
    """An 8-bit RGB PNG of `image` (filter "Up" on every row but the first), lossless."""
    if image.width < 1 or image.height < 1:
        raise PngError(f"cannot encode an empty {image.width}x{image.height} image")
    if len(image.rows) != image.height or any(len(r) != 3 * image.width for r in image.rows):
        raise PngError(f"rows do not form a {image.width}x{image.height} RGB image")
    compressor = zlib.compressobj(level)
    parts: list[bytes] = []
    prev: bytes | None = None
    for row in image.rows:
        if prev is None:
            parts.append(compressor.compress(b"\x00" + row))
        else:
            parts.append(compressor.compress(b"\x02" + _sub_bytes(row, prev)))
        prev = row
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", image.width, image.height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


# --- stacking ----------------------------------------------------------------------


def stack_png(tiles: Sequence[bytes], *, level: int = 6) -> bytes:
    """One PNG holding `tiles` (same width, colour type and bit depth) top to bottom.

    Lossless: every pixel is the tile's pixel. Each tile is inflated, its first scanline
    unfiltered against a zero row (how it was filtered) and stored unfiltered; the other
    scanlines keep their filters, whose row above is the same row as in the tile. The
    chunks between IHDR and the first IDAT of the first tile (colour profile, gamma,
    density) are kept. Raises `PngError` for tiles that do not fit together.
    """
    if not tiles:
        raise PngError("no tiles to stack")
    first = _parse_header(bytes(tiles[0][:_HEADER_LEN]))
    _check_supported(first)
    if first.colour_type == 3 or first.bit_depth != 8:
        raise PngUnsupported("stacking needs 8-bit grey, RGB or RGBA tiles")
    channels = _CHANNELS[first.colour_type]
    stride = first.width * channels
    body = bytearray()
    height = 0
    for n, tile in enumerate(tiles):
        data = bytes(tile)
        header = _parse_header(data[:_HEADER_LEN])
        if (header.width, header.bit_depth, header.colour_type, header.interlace) != (
            first.width,
            first.bit_depth,
            first.colour_type,
            first.interlace,
        ):
            raise PngError(f"tile {n + 1} does not match the first tile's width or format")
        _, _, idat = _read_chunks(data, header)
        raw = _inflate(idat, header.height * (stride + 1))
        line = _unfilter(raw[0], bytearray(raw[1 : 1 + stride]), bytearray(stride), channels)
        body += b"\x00" + line + raw[1 + stride : header.height * (stride + 1)]
        height += header.height
    ihdr = struct.pack(">IIBBBBB", first.width, height, 8, first.colour_type, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + b"".join(_chunk(k, v) for k, v in _ancillary_before_idat(bytes(tiles[0])))
        + _chunk(b"IDAT", zlib.compress(bytes(body), level))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _ancillary_before_idat(data: bytes) -> list[tuple[bytes, bytes]]:
    found = []
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, ctype = struct.unpack_from(">I4s", data, pos)
        if ctype in (b"IDAT", b"IEND"):
            break
        if ctype != b"IHDR":
            found.append((ctype, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return found


def _sub_bytes(a: bytes, b: bytes) -> bytes:
    """Bytewise (a - b) mod 256 at C speed (the inverse of `_add_bytes`)."""
    n = len(a)
    if n == 0:
        return b""
    # a - b = a + (256 - b) mod 256 = a + (~b + 1): negate b bytewise, then add
    not_b = bytes(b).translate(_NEGATE)
    return bytes(_add_bytes(bytearray(a), bytearray(not_b)))


_NEGATE = bytes((256 - v) & 0xFF for v in range(256))


def draw_box(
    image: RgbImage,
    box: tuple[int, int, int, int],
    *,
    colour: tuple[int, int, int] = (220, 0, 0),
    thickness: int = 3,
) -> RgbImage:
    """A copy of `image` with the outline of `box` = (x0, y0, x1, y1) drawn in `colour`,
    inside the box's edges, clamped to the image. The source image is not changed."""
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(image.width, int(box[2])), min(image.height, int(box[3]))
    if x1 <= x0 or y1 <= y0:
        return image
    t = max(1, thickness)
    pixel = bytes(colour)
    rows = [bytearray(r) for r in image.rows]
    for y in range(y0, y1):
        row = rows[y]
        if y < y0 + t or y >= y1 - t:
            row[3 * x0 : 3 * x1] = pixel * (x1 - x0)
        else:
            left = min(t, x1 - x0)
            row[3 * x0 : 3 * (x0 + left)] = pixel * left
            right = max(x1 - t, x0)
            row[3 * right : 3 * x1] = pixel * (x1 - right)
    return RgbImage(image.width, image.height, tuple(bytes(r) for r in rows))


def crop_png(
    source: PngSource,
    box: tuple[int, int, int, int],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[bytes, RgbImage]:
    """The PNG of `box` cut from `source`, and its pixels (for an annotated copy)."""
    image = decode_rgb_region(source, box, max_pixels=max_pixels)
    return encode_png(image), image
