"""Minimal ASN.1 DER: just enough to build an RFC 3161 request and read the reply.

Encoders return complete TLV bytes. The decoder is strict about structure
(lengths must fit, no indefinite lengths, no trailing bytes) because it reads
data from the network; it is not a general BER parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

# Class bits of the identifier octet.
UNIVERSAL = 0x00
APPLICATION = 0x40
CONTEXT = 0x80
PRIVATE = 0xC0
CONSTRUCTED = 0x20

# Universal tag numbers used here.
BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
UTF8_STRING = 0x0C
SEQUENCE = 0x10
SET = 0x11
PRINTABLE_STRING = 0x13
IA5_STRING = 0x16
GENERALIZED_TIME = 0x18

# Nothing this project reads is near this size; the cap stops a hostile
# length field from making us slice absurd ranges.
MAX_LENGTH_OCTETS = 4


class DerError(ValueError):
    """Malformed or unexpected DER."""


# --------------------------------------------------------------------------- encoding


def encode_length(length: int) -> bytes:
    if length < 0:
        raise DerError(f"negative length {length}")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    """One element; `tag` is the whole identifier octet (class | constructed | number)."""
    if not 0 <= tag <= 0xFF or tag & 0x1F == 0x1F:
        raise DerError(f"tag {tag:#x} needs high-tag-number form, not supported")
    return bytes([tag]) + encode_length(len(content)) + content


def integer(value: int) -> bytes:
    # Two's complement, minimal: magnitude bits plus a sign bit, at least one octet.
    magnitude = value if value >= 0 else ~value
    size = (magnitude.bit_length() + 8) // 8
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def boolean(value: bool) -> bytes:
    return tlv(BOOLEAN, b"\xff" if value else b"\x00")


def null() -> bytes:
    return tlv(NULL, b"")


def octet_string(value: bytes) -> bytes:
    return tlv(OCTET_STRING, value)


def utf8_string(value: str) -> bytes:
    return tlv(UTF8_STRING, value.encode("utf-8"))


def _base128(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def oid(dotted: str) -> bytes:
    try:
        arcs = [int(part) for part in dotted.split(".")]
    except ValueError:
        raise DerError(f"bad OID {dotted!r}") from None
    if len(arcs) < 2 or arcs[0] not in (0, 1, 2) or min(arcs) < 0:
        raise DerError(f"bad OID {dotted!r}")
    if arcs[0] < 2 and arcs[1] >= 40:
        raise DerError(f"bad OID {dotted!r}: second arc must be < 40")
    body = _base128(40 * arcs[0] + arcs[1]) + b"".join(_base128(a) for a in arcs[2:])
    return tlv(OBJECT_IDENTIFIER, body)


def generalized_time(moment: datetime) -> bytes:
    """DER GeneralizedTime: UTC, `Z`, fraction only if non-zero, no trailing zeros."""
    if moment.tzinfo is None:
        raise DerError("naive datetime: refusing to guess its time zone")
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y%m%d%H%M%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return tlv(GENERALIZED_TIME, (text + "Z").encode("ascii"))


def sequence(*items: bytes) -> bytes:
    return tlv(CONSTRUCTED | SEQUENCE, b"".join(items))


def set_of(*items: bytes) -> bytes:
    # DER orders SET OF elements by their encodings.
    return tlv(CONSTRUCTED | SET, b"".join(sorted(items)))


def explicit(number: int, inner: bytes) -> bytes:
    """[number] EXPLICIT: a constructed context tag wrapping a whole element."""
    return tlv(CONTEXT | CONSTRUCTED | number, inner)


def implicit(number: int, content: bytes, constructed: bool = False) -> bytes:
    """[number] IMPLICIT: the context tag replaces the element's own tag."""
    return tlv(CONTEXT | (CONSTRUCTED if constructed else 0) | number, content)


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class Element:
    """One decoded TLV. `tag_class` is one of UNIVERSAL/APPLICATION/CONTEXT/PRIVATE."""

    tag_class: int
    constructed: bool
    number: int
    content: bytes
    raw: bytes

    def is_universal(self, number: int) -> bool:
        return self.tag_class == UNIVERSAL and self.number == number

    def is_context(self, number: int) -> bool:
        return self.tag_class == CONTEXT and self.number == number

    def describe(self) -> str:
        names = {UNIVERSAL: "", APPLICATION: "APPLICATION ", CONTEXT: "", PRIVATE: "PRIVATE "}
        if self.tag_class == CONTEXT:
            return f"[{self.number}]"
        return f"{names[self.tag_class]}tag {self.number}"

    def expect(self, number: int, what: str) -> Element:
        if not self.is_universal(number):
            raise DerError(f"{what}: expected universal tag {number}, found {self.describe()}")
        if self.constructed != (number in (SEQUENCE, SET)):
            raise DerError(f"{what}: wrong primitive/constructed form")
        return self

    def children(self) -> list[Element]:
        if not self.constructed:
            raise DerError(f"{self.describe()} is primitive, has no children")
        return decode_all(self.content)

    def as_int(self) -> int:
        if not self.content:
            raise DerError("empty INTEGER")
        return int.from_bytes(self.content, "big", signed=True)

    def as_bool(self) -> bool:
        if len(self.content) != 1:
            raise DerError(f"BOOLEAN of {len(self.content)} octets")
        return self.content != b"\x00"

    def as_oid(self) -> str:
        data = self.content
        if not data or data[-1] & 0x80:
            raise DerError("truncated OBJECT IDENTIFIER")
        values: list[int] = []
        value = 0
        for octet in data:
            if value == 0 and octet == 0x80:
                raise DerError("non-minimal OBJECT IDENTIFIER arc")
            value = (value << 7) | (octet & 0x7F)
            if not octet & 0x80:
                values.append(value)
                value = 0
        first = values[0]
        head = [first // 40, first % 40] if first < 80 else [2, first - 80]
        return ".".join(str(v) for v in head + values[1:])

    def as_bits(self) -> set[int]:
        """BIT STRING as the set of bit positions that are 1 (bit 0 = leftmost)."""
        if not self.content or self.content[0] > 7:
            raise DerError("bad BIT STRING")
        unused, body = self.content[0], self.content[1:]
        if unused and not body:
            raise DerError("bad BIT STRING")
        total = len(body) * 8 - unused
        return {i for i in range(total) if body[i // 8] & (0x80 >> (i % 8))}

    def as_text(self) -> str:
        try:
            return self.content.decode("utf-8")
        except UnicodeDecodeError:
            raise DerError("string is not valid UTF-8") from None

    def as_generalized_time(self) -> datetime:
        return parse_generalized_time(self.content)


def _read_tlv(data: bytes, offset: int) -> tuple[Element, int]:
    start = offset
    end = len(data)
    if offset >= end:
        raise DerError("unexpected end of data (tag)")
    first = data[offset]
    offset += 1
    number = first & 0x1F
    if number == 0x1F:  # high-tag-number form
        number = 0
        while True:
            if offset >= end:
                raise DerError("unexpected end of data (tag number)")
            octet = data[offset]
            offset += 1
            number = (number << 7) | (octet & 0x7F)
            if not octet & 0x80:
                break
            if number > 0xFFFFFF:
                raise DerError("tag number too large")
    if offset >= end:
        raise DerError("unexpected end of data (length)")
    length = data[offset]
    offset += 1
    if length == 0x80:
        raise DerError("indefinite length is BER, not DER")
    if length & 0x80:
        count = length & 0x7F
        if count > MAX_LENGTH_OCTETS:
            raise DerError(f"length field of {count} octets is too large")
        if offset + count > end:
            raise DerError("unexpected end of data (long length)")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    if offset + length > end:
        raise DerError(f"element of length {length} runs past the end of the data")
    element = Element(
        tag_class=first & 0xC0,
        constructed=bool(first & CONSTRUCTED),
        number=number,
        content=data[offset : offset + length],
        raw=data[start : offset + length],
    )
    return element, offset + length


def iter_elements(data: bytes) -> Iterator[Element]:
    offset = 0
    while offset < len(data):
        element, offset = _read_tlv(data, offset)
        yield element


def decode_all(data: bytes) -> list[Element]:
    """Every element in a concatenation (the content of a SEQUENCE or SET)."""
    return list(iter_elements(data))


def decode(data: bytes) -> Element:
    """Exactly one element; trailing bytes are an error."""
    element, offset = _read_tlv(data, 0)
    if offset != len(data):
        raise DerError(f"{len(data) - offset} trailing bytes after the DER element")
    return element


_GENERALIZED_TIME = re.compile(rb"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z")


def parse_generalized_time(content: bytes) -> datetime:
    """DER GeneralizedTime content (`YYYYMMDDHHMMSS[.f+]Z`) as an aware UTC datetime.

    Fractions beyond microseconds are truncated: datetime cannot hold them.
    """
    match = _GENERALIZED_TIME.fullmatch(content)
    if match is None:
        raise DerError(f"not a DER GeneralizedTime: {content[:40]!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7) or b""
    micros = int(fraction[:6].ljust(6, b"0")) if fraction else 0
    try:
        return datetime(year, month, day, hour, minute, second, micros, tzinfo=UTC)
    except ValueError as exc:
        raise DerError(f"impossible GeneralizedTime {content!r}: {exc}") from None
