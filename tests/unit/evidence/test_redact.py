"""The one redaction (collector.evidence.redact): every format, one list, one marker."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from collector.evidence.redact import (
    MARKER,
    SECRET_HEADERS,
    is_redacted,
    redact_har,
    redact_har_file,
    redact_http_message,
    redact_manifest,
    redact_provenance,
    redact_response_headers,
)
from collector.export.package import redacted_name

REDACTED = MARKER


def test_redact_har_headers_and_cookies() -> None:
    har = {
        "log": {
            "entries": [
                {
                    "request": {
                        "headers": [
                            {"name": "Cookie", "value": "s=1"},
                            {"name": "authorization", "value": "Bearer x"},
                            {"name": "Accept", "value": "*/*"},
                        ],
                        "cookies": [{"name": "s", "value": "1"}],
                    },
                    "response": {
                        "headers": [{"name": "Set-Cookie", "value": "s=2"}],
                        "cookies": [],
                    },
                }
            ]
        }
    }
    data, count = redact_har(json.dumps(har).encode())
    out = json.loads(data)["log"]["entries"][0]
    assert count == 4
    assert [h["value"] for h in out["request"]["headers"]] == [REDACTED, REDACTED, "*/*"]
    assert out["request"]["cookies"][0]["value"] == REDACTED
    assert out["response"]["headers"][0]["value"] == REDACTED
    same = json.dumps({"log": {"entries": []}}).encode()
    assert redact_har(same) == (same, 0)
    # a redacted HAR has nothing left to redact
    assert redact_har(data) == (data, 0)


def test_redact_manifest_response_headers() -> None:
    m = {"response": {"headers": [["Set-Cookie", "a=b"], ["Content-Type", "text/html"]]}}
    data, count = redact_manifest(json.dumps(m).encode())
    assert count == 1
    assert json.loads(data)["response"]["headers"] == [
        ["Set-Cookie", REDACTED],
        ["Content-Type", "text/html"],
    ]
    assert redacted_name("network.har.gz") == "network.redacted.har.gz"
    assert redacted_name("manifest.json") == "manifest.redacted.json"
    assert redacted_name("archive.warc.gz") == "archive.redacted.warc.gz"


def test_har_cookies_are_redacted(tmp_path: Path) -> None:
    har = tmp_path / "network.har"
    har.write_text(
        json.dumps(
            {
                "log": {
                    "entries": [
                        {
                            "request": {
                                "headers": [{"name": "Cookie", "value": "sessionid=rahasia"}],
                                "cookies": [{"name": "sessionid", "value": "rahasia"}],
                            },
                            "response": {
                                "headers": [{"name": "set-cookie", "value": "x=rahasia"}],
                                "cookies": [],
                            },
                        }
                    ]
                }
            }
        )
    )
    assert redact_har_file(har) == 3
    assert "rahasia" not in har.read_text() and REDACTED in har.read_text()
    # the same list as every other format: a bearer token in the session's requests too
    bearer = {"name": "Authorization", "value": "Bearer rahasia"}
    har.write_text(json.dumps({"log": {"entries": [{"request": {"headers": [bearer]}}]}}))
    assert redact_har_file(har) == 1 and "rahasia" not in har.read_text()


def test_a_har_without_secrets_is_left_as_written(tmp_path: Path) -> None:
    har = tmp_path / "network.har"
    original = b'{"log": {"entries": [{"request": {"headers": [{"name": "A", "value": "1"}]}}]}}'
    har.write_bytes(original)
    assert redact_har_file(har) == 0 and har.read_bytes() == original


def test_manifest_headers_keep_the_name_and_a_hash_of_the_value() -> None:
    headers = (
        ("Content-Type", "text/html"),
        ("Set-Cookie", "sesi=RAHASIA; Path=/"),
        ("set-cookie", "b=2"),
    )
    pairs = redact_response_headers(headers)
    digest = hashlib.sha256(b"sesi=RAHASIA; Path=/").hexdigest()
    assert pairs == [
        ["Content-Type", "text/html"],
        ["Set-Cookie", f"{MARKER} sha256:{digest}"],
        ["set-cookie", f"{MARKER} sha256:{hashlib.sha256(b'b=2').hexdigest()}"],
    ]
    assert all(is_redacted(v) for n, v in pairs if n.lower() == "set-cookie")
    # an export finds nothing left to redact in such a manifest
    data = json.dumps({"response": {"headers": pairs}}).encode()
    assert redact_manifest(data) == (data, 0)


def test_every_spelling_of_the_marker_counts_as_redacted() -> None:
    for value in (MARKER, "[REDACTED by collector]", "[redacted: investigator session]"):
        assert is_redacted(value)
    for value in ("", "a=b", f"{MARKER} sha256:xyz", f"{MARKER}x"):
        assert not is_redacted(value)
    assert {"cookie", "set-cookie", "authorization", "proxy-authorization"} == SECRET_HEADERS


def test_http_message_head_is_redacted_and_the_body_kept() -> None:
    block = (
        b"GET /x HTTP/1.1\r\nHost: a\r\nCookie: s=1\r\nPROXY-AUTHORIZATION: Basic eA==\r\n"
        b"\r\nCookie: in the body stays"
    )
    out, changed = redact_http_message(block)
    assert changed == ["Cookie", "PROXY-AUTHORIZATION"]
    assert (
        out
        == (
            f"GET /x HTTP/1.1\r\nHost: a\r\nCookie: {MARKER}\r\nPROXY-AUTHORIZATION: {MARKER}\r\n"
            "\r\nCookie: in the body stays"
        ).encode()
    )
    assert redact_http_message(out) == (out, [])


def test_provenance_headers_are_redacted_in_place() -> None:
    doc = {"provenance": {"response": {"headers": [["Set-Cookie", "a"], ["X", "y"]]}}}
    assert redact_provenance(doc) == ["provenance Set-Cookie"]
    assert doc["provenance"]["response"]["headers"] == [["Set-Cookie", MARKER], ["X", "y"]]
    assert redact_provenance(doc) == []
    assert redact_provenance({"provenance": None}) == []
