"""collector.evidence.der: byte-exact encodings, strict decoding, and openssl agreeing with us."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from collector.evidence import der

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def asn1parse(data: bytes) -> str:
    done = subprocess.run(
        ["openssl", "asn1parse", "-inform", "DER", "-i"],
        input=data,
        capture_output=True,
        timeout=20,
        check=True,
    )
    return done.stdout.decode()


# --------------------------------------------------------------------------- lengths


@pytest.mark.parametrize(
    ("length", "encoded"),
    [
        (0, "00"),
        (1, "01"),
        (127, "7f"),
        (128, "8180"),
        (255, "81ff"),
        (256, "820100"),
        (65535, "82ffff"),
        (65536, "83010000"),
    ],
)
def test_length_forms(length: int, encoded: str) -> None:
    assert der.encode_length(length).hex() == encoded
    element = der.decode(der.octet_string(b"x" * length))
    assert len(element.content) == length
    assert element.raw[1 : 1 + len(encoded) // 2].hex() == encoded


def test_negative_length_refused() -> None:
    with pytest.raises(der.DerError):
        der.encode_length(-1)


# --------------------------------------------------------------------------- primitives


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "020100"),
        (1, "020101"),
        (127, "02017f"),
        (128, "02020080"),
        (255, "020200ff"),
        (256, "02020100"),
        (-1, "0201ff"),
        (-128, "020180"),
        (-129, "0202ff7f"),
        ((1 << 64) - 1, "020900ffffffffffffffff"),
    ],
)
def test_integer(value: int, encoded: str) -> None:
    assert der.integer(value).hex() == encoded
    assert der.decode(bytes.fromhex(encoded)).as_int() == value


def test_integer_round_trip_many() -> None:
    for value in [*range(-70000, 70000, 997), 2**63, -(2**63), 2**200 + 5]:
        assert der.decode(der.integer(value)).expect(der.INTEGER, "i").as_int() == value


def test_empty_integer_rejected() -> None:
    with pytest.raises(der.DerError, match="empty INTEGER"):
        der.decode(bytes.fromhex("0200")).as_int()


def test_boolean_and_null() -> None:
    assert der.boolean(True).hex() == "0101ff"
    assert der.boolean(False).hex() == "010100"
    assert der.decode(der.boolean(True)).as_bool() is True
    assert der.decode(der.boolean(False)).as_bool() is False
    assert der.null().hex() == "0500"
    with pytest.raises(der.DerError):
        der.decode(bytes.fromhex("0102ffff")).as_bool()


def test_octet_and_utf8_strings() -> None:
    assert der.octet_string(b"\x01\x02").hex() == "04020102"
    text = "Pemilu 2029 — Bawaslu"
    assert der.decode(der.utf8_string(text)).as_text() == text
    with pytest.raises(der.DerError, match="UTF-8"):
        der.decode(bytes.fromhex("0c01ff")).as_text()


@pytest.mark.parametrize(
    ("dotted", "encoded"),
    [
        ("2.16.840.1.101.3.4.2.1", "0609608648016503040201"),  # sha256
        ("1.2.840.113549.1.7.2", "06092a864886f70d010702"),  # signedData
        ("1.2.840.113549.1.9.16.1.4", "060b2a864886f70d0109100104"),  # id-ct-TSTInfo
        ("1.2.3.4.1", "06042a030401"),
        ("2.999.3", "0603883703"),  # first subidentifier above 127
        ("0.0", "060100"),
    ],
)
def test_oid(dotted: str, encoded: str) -> None:
    assert der.oid(dotted).hex() == encoded
    assert der.decode(bytes.fromhex(encoded)).as_oid() == dotted


@pytest.mark.parametrize("bad", ["", "1", "3.1", "1.40", "1.2.x", "1.-2"])
def test_bad_oid_refused(bad: str) -> None:
    with pytest.raises(der.DerError):
        der.oid(bad)


@pytest.mark.parametrize("content", ["", "2a86", "2a8001"])
def test_malformed_oid_content(content: str) -> None:
    element = der.Element(der.UNIVERSAL, False, der.OBJECT_IDENTIFIER, bytes.fromhex(content), b"")
    with pytest.raises(der.DerError):
        element.as_oid()


def test_bit_string() -> None:
    # PKIFailureInfo badAlg (bit 0) and systemFailure (bit 25)
    element = der.decode(bytes.fromhex("030506") + bytes([0x80, 0x00, 0x00, 0x40]))
    assert element.as_bits() == {0, 25}
    assert der.decode(bytes.fromhex("03020780")).as_bits() == {0}
    assert der.decode(bytes.fromhex("030100")).as_bits() == set()
    for bad in ("0300", "030108", "03020880"):
        with pytest.raises(der.DerError):
            der.decode(bytes.fromhex(bad)).as_bits()


# --------------------------------------------------------------------------- constructed


def test_sequence_and_children() -> None:
    encoded = der.sequence(der.integer(1), der.null(), der.boolean(True))
    assert encoded.hex() == "3008020101" + "0500" + "0101ff"
    seq = der.decode(encoded).expect(der.SEQUENCE, "seq")
    assert [c.number for c in seq.children()] == [der.INTEGER, der.NULL, der.BOOLEAN]
    assert seq.children()[0].raw == der.integer(1)


def test_set_of_is_sorted() -> None:
    assert der.set_of(der.integer(2), der.integer(1)) == der.set_of(der.integer(1), der.integer(2))
    assert der.set_of(der.integer(2), der.integer(1)).hex() == "3106020101020102"


def test_context_tags() -> None:
    explicit = der.explicit(0, der.integer(5))
    assert explicit.hex() == "a003020105"
    element = der.decode(explicit)
    assert element.is_context(0) and element.constructed
    assert der.decode(element.content).as_int() == 5
    implicit = der.implicit(1, b"\x05")
    assert implicit.hex() == "810105"
    element = der.decode(implicit)
    assert element.is_context(1) and not element.constructed and element.as_int() == 5
    assert der.implicit(2, b"", constructed=True).hex() == "a200"


def test_primitive_has_no_children() -> None:
    with pytest.raises(der.DerError, match="primitive"):
        der.decode(der.integer(1)).children()


def test_expect_reports_what_was_found() -> None:
    with pytest.raises(der.DerError, match=r"status: expected universal tag 2, found \[0\]"):
        der.decode(der.explicit(0, b"")).expect(der.INTEGER, "status")
    with pytest.raises(der.DerError, match="primitive/constructed"):
        der.decode(bytes.fromhex("1000")).expect(der.SEQUENCE, "x")


def test_high_tag_number_decoded() -> None:
    element = der.decode(bytes.fromhex("9f8102" + "0107"))  # [130] IMPLICIT, 1 octet
    assert element.is_context(130) and element.content == b"\x07"
    with pytest.raises(der.DerError, match="high-tag-number"):
        der.tlv(0x9F, b"")


# --------------------------------------------------------------------------- strictness


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "end of data"),
        ("30", "end of data"),
        ("0405aabb", "runs past the end"),
        ("3080020101" + "0000", "indefinite length"),
        ("0485" + "0000000001" + "00", "too large"),
        ("0482ff", "end of data"),
        ("020101" + "00", "trailing"),
        ("1f", "end of data"),
    ],
)
def test_decode_rejects(data: str, message: str) -> None:
    with pytest.raises(der.DerError, match=message):
        der.decode(bytes.fromhex(data))


def test_decode_all_concatenation() -> None:
    parts = der.decode_all(der.integer(1) + der.null() + der.octet_string(b"ab"))
    assert [p.number for p in parts] == [der.INTEGER, der.NULL, der.OCTET_STRING]
    assert der.decode_all(b"") == []


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261125011530Z", datetime(2026, 11, 25, 1, 15, 30, tzinfo=UTC)),
        ("20261125011530.5Z", datetime(2026, 11, 25, 1, 15, 30, 500000, tzinfo=UTC)),
        ("20261125011530.019Z", datetime(2026, 11, 25, 1, 15, 30, 19000, tzinfo=UTC)),
        ("20261125011530.1234567Z", datetime(2026, 11, 25, 1, 15, 30, 123456, tzinfo=UTC)),
    ],
)
def test_generalized_time_parse(text: str, expected: datetime) -> None:
    parsed = der.parse_generalized_time(text.encode())
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "20261125011530",  # DER requires Z
        "20261125011530+0700",
        "202611250115Z",  # DER requires seconds
        "20261325011530Z",
        "2026112501153aZ",
    ],
)
def test_generalized_time_rejects(text: str) -> None:
    with pytest.raises(der.DerError):
        der.parse_generalized_time(text.encode())


def test_generalized_time_encode_round_trip() -> None:
    moment = datetime(2026, 11, 25, 8, 15, 30, 120000, tzinfo=UTC)
    encoded = der.generalized_time(moment)
    assert encoded[2:] == b"20261125081530.12Z"  # DER: no trailing zeros in the fraction
    assert der.decode(encoded).as_generalized_time() == moment
    assert der.generalized_time(moment.replace(microsecond=0))[2:] == b"20261125081530Z"
    with pytest.raises(der.DerError, match="naive"):
        der.generalized_time(datetime(2026, 1, 1))


# --------------------------------------------------------------------------- openssl agrees


@needs_openssl
def test_openssl_parses_our_encodings() -> None:
    blob = der.sequence(
        der.integer(-129),
        der.integer(2**64 - 1),
        der.boolean(True),
        der.null(),
        der.oid("2.16.840.1.101.3.4.2.1"),
        der.octet_string(b"\xab" * 300),  # two-octet long form
        der.utf8_string("halo"),
        der.generalized_time(datetime(2026, 11, 25, 1, 2, 3, tzinfo=UTC)),
        der.set_of(der.integer(3), der.integer(1)),
        der.explicit(0, der.integer(7)),
        der.implicit(1, b"\x05"),
    )
    lines = [line.split(":", 1)[1] for line in asn1parse(blob).splitlines()]
    text = "\n".join(lines)
    assert "SEQUENCE" in lines[0]
    assert "INTEGER           :-81" in text  # openssl prints hex
    assert "INTEGER           :FFFFFFFFFFFFFFFF" in text
    assert "BOOLEAN           :255" in text
    assert "NULL" in text
    assert "OBJECT            :sha256" in text
    assert "hl=4 l= 300 prim:  OCTET STRING" in asn1parse(blob)
    assert "UTF8STRING        :halo" in text
    assert "GENERALIZEDTIME   :20261125010203Z" in text
    assert "cont [ 0 ]" in text and "cont [ 1 ]" in text
    assert text.index("INTEGER           :01") < text.index("INTEGER           :03")


@needs_openssl
def test_openssl_parses_three_octet_length() -> None:
    blob = der.sequence(der.octet_string(bytes(70000)))
    out = asn1parse(blob)
    assert "hl=5 l=70005 cons: SEQUENCE" in out
    assert "hl=5 l=70000 prim:  OCTET STRING" in out
