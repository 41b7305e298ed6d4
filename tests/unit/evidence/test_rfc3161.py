"""collector.evidence.rfc3161 against a real `openssl ts` TSA on localhost."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector.evidence import der
from collector.evidence.rfc3161 import (
    SHA256_OID,
    TimestampError,
    TimestampFormatError,
    TimestampMismatch,
    TimestampRejected,
    TimestampToken,
    TimestampTransportError,
    TstInfo,
    build_request,
    check_matches,
    parse_response,
    request_token,
    verify_token,
)
from collector.timeutil import utc_now
from tests.support.tsa_server import (  # noqa: F401  (fixtures register by import)
    TsaPki,
    TsaServer,
    make_test_pki,
    openssl_query,
    reply_to_query,
    tsa_pki_fixture,
    tsa_server_fixture,
    tsa_server_session_fixture,
)

DATA = b'{"case": "BAWASLU/2029/001", "items": []}\n'
DIGEST = hashlib.sha256(DATA).digest()


def openssl_text(*args: str) -> str:
    done = subprocess.run(
        ["openssl", *args], capture_output=True, timeout=20, check=True, text=True
    )
    return done.stdout


def store(token: TimestampToken, directory: Path) -> tuple[Path, Path]:
    tsr = directory / "manifest.tsr"
    tsr.write_bytes(token.response_der)
    data = directory / "manifest.json"
    data.write_bytes(DATA)
    return tsr, data


# --------------------------------------------------------------------------- request


def test_request_parsed_by_openssl(tmp_path: Path, tsa_pki: TsaPki) -> None:
    tsq_bytes, nonce = build_request(DIGEST)
    tsq = tmp_path / "req.tsq"
    tsq.write_bytes(tsq_bytes)
    text = openssl_text("ts", "-query", "-in", str(tsq), "-text")
    assert "Version: 1" in text
    assert "Hash Algorithm: sha256" in text
    assert "Certificate required: yes" in text
    fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    assert int(fields["Nonce"], 16) == nonce  # openssl pads to whole bytes
    # hex dump lines: "    0000 - 58 91 b5 ... d2   X...ascii"; 16 bytes = 47 characters
    dump = [line.split(" - ", 1)[1][:47] for line in text.splitlines() if " - " in line]
    assert bytes.fromhex(" ".join(dump).replace("-", " ")) == DIGEST


def test_request_identical_to_openssls(tsa_pki: TsaPki) -> None:
    # openssl's own query for the same digest differs from ours only in the nonce
    theirs = openssl_query(DIGEST.hex())
    nonce = der.decode(theirs).children()[2].as_int()
    ours, used = build_request(DIGEST, nonce=nonce)
    assert used == nonce
    assert ours == theirs


def test_request_without_cert_req_omits_default(tmp_path: Path, tsa_pki: TsaPki) -> None:
    tsq_bytes, _ = build_request(DIGEST, nonce=5, cert_req=False)
    assert len(der.decode(tsq_bytes).children()) == 3  # DER omits certReq DEFAULT FALSE
    tsq = tmp_path / "req.tsq"
    tsq.write_bytes(tsq_bytes)
    text = openssl_text("ts", "-query", "-in", str(tsq), "-text")
    assert "Certificate required: no" in text
    assert "Nonce: 0x05" in text  # openssl's rendering of INTEGER 5


def test_request_asn1_structure(tsa_pki: TsaPki) -> None:
    tsq, _ = build_request(DIGEST, nonce=2**64 - 1)
    out = subprocess.run(
        ["openssl", "asn1parse", "-inform", "DER"],
        input=tsq,
        capture_output=True,
        timeout=20,
        check=True,
    ).stdout.decode()
    # (depth, type, value) per element, as openssl reads it
    rows = []
    for line in out.splitlines():
        depth = re.search(r"d=(\d+)", line)
        assert depth is not None
        rest = re.split(r"(?:prim|cons):", line, maxsplit=1)[1]
        kind, _, value = rest.partition(":")
        rows.append((int(depth.group(1)), kind.replace("[HEX DUMP]", "").strip(), value))
    assert rows == [
        (0, "SEQUENCE", ""),
        (1, "INTEGER", "01"),
        (1, "SEQUENCE", ""),
        (2, "SEQUENCE", ""),
        (3, "OBJECT", "sha256"),
        (3, "NULL", ""),
        (2, "OCTET STRING", DIGEST.hex().upper()),
        (1, "INTEGER", "FFFFFFFFFFFFFFFF"),
        (1, "BOOLEAN", "255"),
    ]


def test_nonces_random_positive_64_bit() -> None:
    nonces = {build_request(DIGEST)[1] for _ in range(50)}
    assert len(nonces) == 50
    assert all(0 < n < 2**64 for n in nonces)


@pytest.mark.parametrize("digest", [b"", b"x" * 31, b"x" * 33, hashlib.sha1(DATA).digest()])
def test_request_refuses_non_sha256_digest(digest: bytes) -> None:
    with pytest.raises(TimestampError, match="32 bytes"):
        build_request(digest)


def test_request_refuses_negative_nonce() -> None:
    with pytest.raises(TimestampError, match="nonce"):
        build_request(DIGEST, nonce=-1)


# --------------------------------------------------------------------------- happy path


def test_token_round_trip_and_verify(tmp_path: Path, tsa_server: TsaServer) -> None:
    before = utc_now()
    token = request_token(DIGEST, tsa_server.url)
    after = utc_now()

    assert token.tsa_url == tsa_server.url
    assert token.policy == tsa_server.pki.policy
    assert isinstance(token.serial, int) and token.serial > 0
    assert token.gen_time.utcoffset() == timedelta(0)
    # openssl's clock_precision_digits=3 truncates; allow a few seconds either way
    assert before - timedelta(seconds=3) <= token.gen_time <= after + timedelta(seconds=3)
    assert der.decode(token.request_der).children()[2].as_int() == token.nonce
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.serial = 0  # type: ignore[misc]

    # what the TSA saw is exactly what we kept, sent with the right media type
    assert tsa_server.received[-1].body == token.request_der
    assert tsa_server.received[-1].content_type == "application/timestamp-query"

    info = parse_response(token.response_der)
    assert isinstance(info, TstInfo)
    assert (info.gen_time, info.serial, info.policy, info.nonce) == (
        token.gen_time,
        token.serial,
        token.policy,
        token.nonce,
    )
    assert info.hash_algorithm == SHA256_OID
    assert info.hashed_message == DIGEST
    assert info.version == 1 and info.status == 0 and info.ordering is False
    assert info.accuracy == timedelta(seconds=1, milliseconds=500, microseconds=100)

    tsr, data = store(token, tmp_path)
    result = verify_token(tsr, data, tsa_server.pki.ca_cert)
    assert result.status == "pass", result.message
    assert result.command[:3] == ("openssl", "ts", "-verify")

    assert verify_token(tsr, DIGEST, tsa_server.pki.ca_cert).status == "pass"
    with_untrusted = verify_token(tsr, data, tsa_server.pki.ca_cert, tsa_server.pki.tsa_cert)
    assert with_untrusted.status == "pass"
    assert "-untrusted" in with_untrusted.command
    at_gen_time = verify_token(tsr, data, tsa_server.pki.ca_cert, at_time=token.gen_time)
    assert at_gen_time.status == "pass"


def test_openssl_text_matches_our_parse(tmp_path: Path, tsa_server: TsaServer) -> None:
    token = request_token(DIGEST, tsa_server.url)
    tsr, _ = store(token, tmp_path)
    text = openssl_text("ts", "-reply", "-in", str(tsr), "-text")
    fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    assert fields["Status"] == "Granted."
    assert int(fields["Nonce"], 16) == token.nonce
    assert int(fields["Serial number"], 16) == token.serial
    # e.g. "Nov 25 01:20:25.019 2026 GMT"; openssl pads the day with a space
    stamp = datetime.strptime(" ".join(fields["Time stamp"].split()), "%b %d %H:%M:%S.%f %Y GMT")
    assert stamp.replace(tzinfo=UTC) == token.gen_time


# --------------------------------------------------------------------------- verify failures


def test_tampered_data_fails_verify(tmp_path: Path, tsa_server: TsaServer) -> None:
    tsr, data = store(request_token(DIGEST, tsa_server.url), tmp_path)
    data.write_bytes(DATA.replace(b"001", b"002"))
    result = verify_token(tsr, data, tsa_server.pki.ca_cert)
    assert result.status == "fail"
    assert "imprint mismatch" in result.message
    assert "Using configuration" not in result.message


def test_wrong_digest_fails_verify(tmp_path: Path, tsa_server: TsaServer) -> None:
    tsr, _ = store(request_token(DIGEST, tsa_server.url), tmp_path)
    result = verify_token(tsr, hashlib.sha256(b"other").digest(), tsa_server.pki.ca_cert)
    assert result.status == "fail"


def test_tampered_token_fails_verify(tmp_path: Path, tsa_server: TsaServer) -> None:
    token = request_token(DIGEST, tsa_server.url)
    tsr, data = store(token, tmp_path)
    raw = bytearray(token.response_der)
    position = raw.find(token.gen_time.strftime("%Y%m%d").encode())
    raw[position + 3] ^= 0x01  # the year in genTime, inside the signed TSTInfo
    tsr.write_bytes(bytes(raw))
    result = verify_token(tsr, data, tsa_server.pki.ca_cert)
    assert result.status == "fail"


def test_untrusted_ca_fails_verify(tmp_path: Path, tsa_server: TsaServer) -> None:
    tsr, data = store(request_token(DIGEST, tsa_server.url), tmp_path)
    result = verify_token(tsr, data, make_test_pki(tmp_path / "other-ca").ca_cert)
    assert result.status == "fail"
    assert "certificate verify error" in result.message


def test_verify_before_certificate_validity_fails(tmp_path: Path, tsa_server: TsaServer) -> None:
    token = request_token(DIGEST, tsa_server.url)
    tsr, data = store(token, tmp_path)
    result = verify_token(
        tsr, data, tsa_server.pki.ca_cert, at_time=token.gen_time - timedelta(days=30)
    )
    assert result.status == "fail"
    assert "not yet valid" in result.message


def test_no_ca_is_not_checked(tmp_path: Path, tsa_server: TsaServer) -> None:
    tsr, data = store(request_token(DIGEST, tsa_server.url), tmp_path)
    result = verify_token(tsr, data, None)
    assert result.status == "not_checked"
    assert "no CA file" in result.message


def test_missing_openssl_is_not_checked(
    tmp_path: Path, tsa_server: TsaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tsr, data = store(request_token(DIGEST, tsa_server.url), tmp_path)
    monkeypatch.setattr("collector.evidence.rfc3161.shutil.which", lambda name: None)
    result = verify_token(tsr, data, tsa_server.pki.ca_cert)
    assert result.status == "not_checked"
    assert "openssl" in result.message


def test_verify_missing_inputs_raise(tmp_path: Path, tsa_pki: TsaPki) -> None:
    data = tmp_path / "manifest.json"
    data.write_bytes(DATA)
    with pytest.raises(TimestampError, match="token"):
        verify_token(tmp_path / "absent.tsr", data, tsa_pki.ca_cert)
    tsr = tmp_path / "manifest.tsr"
    tsr.write_bytes(b"x")
    with pytest.raises(TimestampError, match="data file"):
        verify_token(tsr, tmp_path / "absent.json", tsa_pki.ca_cert)
    with pytest.raises(TimestampError, match="CA file"):
        verify_token(tsr, data, tmp_path / "absent.pem")


def test_garbage_token_fails_verify(tmp_path: Path, tsa_pki: TsaPki) -> None:
    tsr = tmp_path / "manifest.tsr"
    tsr.write_bytes(b"not a token")
    result = verify_token(tsr, DIGEST, tsa_pki.ca_cert)
    assert result.status == "fail"


# --------------------------------------------------------------------------- TSA misbehaving


def test_wrong_nonce_rejected(tsa_server: TsaServer) -> None:
    tsa_server.mode = "wrong-nonce"
    with pytest.raises(TimestampMismatch, match="nonce differs") as caught:
        request_token(DIGEST, tsa_server.url)
    assert caught.value.field == "nonce"
    assert tsa_server.url in str(caught.value)


def test_wrong_imprint_rejected(tsa_server: TsaServer) -> None:
    tsa_server.mode = "wrong-imprint"
    with pytest.raises(TimestampMismatch, match="imprint differs") as caught:
        request_token(DIGEST, tsa_server.url)
    assert caught.value.field == "imprint"
    assert DIGEST.hex() in str(caught.value)


def test_missing_nonce_rejected(tsa_server: TsaServer) -> None:
    tsa_server.mode = "no-nonce"
    with pytest.raises(TimestampMismatch, match="nonce missing") as caught:
        request_token(DIGEST, tsa_server.url)
    assert caught.value.field == "nonce"


def test_rejection_status(tsa_server: TsaServer) -> None:
    tsa_server.mode = "rejection"
    with pytest.raises(TimestampRejected) as caught:
        request_token(DIGEST, tsa_server.url)
    error = caught.value
    assert error.status == 2
    assert "not supported" in error.status_text
    assert any(info.startswith("badAlg") for info in error.fail_info)
    assert "status 2 (rejection)" in str(error)
    assert tsa_server.url in str(error)


def test_garbage_body(tsa_server: TsaServer) -> None:
    tsa_server.mode = "garbage"
    with pytest.raises(TimestampFormatError, match="not a timestamp reply") as caught:
        request_token(DIGEST, tsa_server.url)
    assert tsa_server.url in str(caught.value)


def test_wrong_content_type(tsa_server: TsaServer) -> None:
    tsa_server.mode = "wrong-content-type"
    with pytest.raises(TimestampTransportError, match="text/html"):
        request_token(DIGEST, tsa_server.url)


def test_http_500(tsa_server: TsaServer) -> None:
    tsa_server.mode = "http-500"
    with pytest.raises(TimestampTransportError, match="HTTP 500") as caught:
        request_token(DIGEST, tsa_server.url)
    assert tsa_server.url in str(caught.value)


def test_hanging_tsa_times_out_quickly(tsa_server: TsaServer) -> None:
    tsa_server.mode = "hang"
    tsa_server.hang_seconds = 3
    started = time.monotonic()
    with pytest.raises(TimestampTransportError, match=r"timed out after 0\.3 s") as caught:
        request_token(DIGEST, tsa_server.url, timeout=0.3)
    assert time.monotonic() - started < 2
    assert tsa_server.url in str(caught.value)


def test_dripping_tsa_hits_overall_deadline(tsa_server: TsaServer) -> None:
    # every byte arrives well inside the socket timeout; only the deadline stops it
    tsa_server.mode = "drip"
    started = time.monotonic()
    with pytest.raises(TimestampTransportError, match="timed out"):
        request_token(DIGEST, tsa_server.url, timeout=0.5)
    assert time.monotonic() - started < 2


def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tsa"
    started = time.monotonic()
    with pytest.raises(TimestampTransportError, match="cannot reach TSA") as caught:
        request_token(DIGEST, url, timeout=2)
    assert time.monotonic() - started < 2
    assert url in str(caught.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://tsa.example/", "tsa.example"])
def test_non_http_url_refused(url: str) -> None:
    with pytest.raises(TimestampError, match="http or https"):
        request_token(DIGEST, url)


# --------------------------------------------------------------------------- offline parsing


def _granted(pki: TsaPki, nonce: int = 7) -> bytes:
    return reply_to_query(pki, build_request(DIGEST, nonce=nonce)[0])


def test_parse_response_offline(tsa_pki: TsaPki) -> None:
    info = parse_response(_granted(tsa_pki))
    assert info.nonce == 7
    assert info.hashed_message == DIGEST
    check_matches(info, DIGEST, 7)


def test_granted_with_mods_accepted_waiting_refused(tsa_pki: TsaPki) -> None:
    tsr = bytearray(_granted(tsa_pki))
    # TimeStampResp SEQUENCE { PKIStatusInfo SEQUENCE { INTEGER status } ...}
    status_at = tsr.index(bytes.fromhex("3003020100")) + 4
    tsr[status_at] = 1
    assert parse_response(bytes(tsr)).status == 1
    tsr[status_at] = 3
    with pytest.raises(TimestampRejected, match=r"status 3 \(waiting\)"):
        parse_response(bytes(tsr))


@pytest.mark.parametrize("cut", [1, 10, 100, 400])
def test_truncated_response(tsa_pki: TsaPki, cut: int) -> None:
    with pytest.raises(TimestampFormatError):
        parse_response(_granted(tsa_pki)[:-cut])


def test_granted_without_token(tsa_pki: TsaPki) -> None:
    bare = der.sequence(der.sequence(der.integer(0)))
    with pytest.raises(TimestampFormatError, match="no timeStampToken"):
        parse_response(bare)


def test_token_of_wrong_content_type(tsa_pki: TsaPki) -> None:
    data_ci = der.sequence(der.oid("1.2.840.113549.1.7.1"), der.explicit(0, der.octet_string(b"")))
    with pytest.raises(TimestampFormatError, match="not SignedData"):
        parse_response(der.sequence(der.sequence(der.integer(0)), data_ci))


def test_check_matches_wrong_algorithm(tsa_pki: TsaPki) -> None:
    info = dataclasses.replace(parse_response(_granted(tsa_pki)), hash_algorithm="1.3.14.3.2.26")
    with pytest.raises(TimestampMismatch, match="not sha256") as caught:
        check_matches(info, DIGEST, 7)
    assert caught.value.field == "imprint"
