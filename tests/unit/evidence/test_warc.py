from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from collector.evidence.warc import (
    ArchiveError,
    WarcInfo,
    WarcResource,
    warc_digest,
    write_capture_warc,
)
from tests.support.tools import tool
from tests.support.warc_fixtures import (
    API_ANSWER,
    API_URL,
    BEACON_URL,
    CAPTURE_ID,
    HTML_TEXT,
    IMAGE_URL,
    PAGE_URL,
    POST_BODY,
    REDIRECT_URL,
    SHORT_URL,
    STARTED,
    UNREAD_URL,
    Capture,
    png_bytes,
    write_capture,
)

WARCIO = tool("warcio")


@dataclass(frozen=True)
class Raw:
    """One record parsed by hand from the bytes at the offset the summary gives."""

    headers: list[tuple[str, str]]
    block: bytes

    def get(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]


def raw_records(capture: Capture) -> list[Raw]:
    data = capture.warc.read_bytes()
    out = []
    for rec in capture.summary.records:
        member = gzip.decompress(data[rec.offset : rec.offset + rec.length])
        head, _, rest = member.partition(b"\r\n\r\n")
        lines = head.decode("utf-8").split("\r\n")
        assert lines[0] == "WARC/1.1"
        headers = [(n, v) for n, v in (line.split(": ", 1) for line in lines[1:])]
        length = int(dict(headers)["Content-Length"])
        assert rest[length:] == b"\r\n\r\n", "block must be followed by exactly CRLF CRLF"
        out.append(Raw(headers, rest[:length]))
    return out


def http_parts(block: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    head, _, body = block.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    headers = [(n, v) for n, v in (line.split(": ", 1) for line in lines[1:])]
    return lines[0], headers, body


def by_uri(records: list[Raw], rec_type: str, uri: str) -> Raw:
    found = [
        r for r in records if r.get("WARC-Type") == rec_type and r.get("WARC-Target-URI") == uri
    ]
    assert len(found) == 1, (rec_type, uri)
    return found[0]


def b32(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def capture(tmp_path: Path) -> Capture:
    return write_capture(tmp_path)


def test_warcio_check_passes(capture: Capture) -> None:
    result = subprocess.run(
        [WARCIO, "check", "-v", str(capture.warc)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed" not in result.stdout
    assert result.stdout.count("digest pass") == len(capture.summary.records)


def test_warcio_index_lists_expected_records(capture: Capture) -> None:
    result = subprocess.run(
        [WARCIO, "index", "-f", "warc-type,warc-target-uri,http:status", str(capture.warc)],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    listed = [(r["warc-type"], r.get("warc-target-uri"), r.get("http:status")) for r in rows]
    urn = f"urn:collector:{CAPTURE_ID}"
    assert listed == [
        ("warcinfo", None, None),
        ("response", REDIRECT_URL, "301"),
        ("request", REDIRECT_URL, None),
        ("response", PAGE_URL, "200"),
        ("request", PAGE_URL, None),
        ("response", IMAGE_URL, "200"),
        ("request", IMAGE_URL, None),
        ("response", API_URL, "200"),
        ("request", API_URL, None),
        ("request", UNREAD_URL, None),  # its response left out: the browser kept no body
        ("response", SHORT_URL, "302"),
        ("request", SHORT_URL, None),
        ("response", BEACON_URL, "204"),
        ("request", BEACON_URL, None),
        ("resource", f"{urn}/screenshot.png", None),
        ("resource", f"{urn}/dom.html", None),
        ("resource", f"{urn}/page.mhtml", None),
        ("resource", f"{urn}/manifest.json", None),
        ("metadata", f"{urn}/metadata", None),
    ]


def test_first_record_is_warcinfo(capture: Capture) -> None:
    with capture.warc.open("rb") as fh:
        first = next(iter(ArchiveIterator(fh)))
        assert first.rec_type == "warcinfo"
        assert first.rec_headers.get_header("WARC-Filename") == "capture.warc.gz"
        fields = first.content_stream().read().decode()
    assert "software: collector/0.1.0\r\n" in fields
    assert "format: WARC File Format 1.1\r\n" in fields
    assert "conformsTo: https://iipc.github.io/warc-specifications/" in fields
    assert "operator: Tim Forensik Digital <forensik@example.go.id>\r\n" in fields
    assert "hostname: collector-01\r\n" in fields
    assert "http-header-user-agent: Mozilla/5.0 Test\r\n" in fields
    assert f"isPartOf: {CAPTURE_ID}\r\n" in fields


def test_every_record_is_its_own_gzip_member_and_the_summary_locates_it(
    capture: Capture,
) -> None:
    data = capture.warc.read_bytes()
    summary = capture.summary
    assert summary.size == len(data)
    assert summary.sha256 == hashlib.sha256(data).hexdigest()
    position = 0
    for rec in summary.records:
        assert rec.offset == position
        position += rec.length
    assert position == len(data)

    with capture.warc.open("rb") as fh:
        it = ArchiveIterator(fh)
        offsets = [(r.rec_headers.get_header("WARC-Record-ID"), it.get_record_offset()) for r in it]
    assert offsets == [(r.record_id, r.offset) for r in summary.records]


def test_digests_recomputed_independently(capture: Capture) -> None:
    records = raw_records(capture)
    for raw, info in zip(records, capture.summary.records, strict=True):
        assert raw.get("WARC-Block-Digest") == b32(raw.block) == info.block_digest
        rec_type = raw.get("WARC-Type")
        if rec_type == "response":
            _, _, body = http_parts(raw.block)
            assert raw.get("WARC-Payload-Digest") == b32(body) == info.payload_digest
        elif rec_type == "resource":
            assert raw.get("WARC-Payload-Digest") == b32(raw.block)
        else:
            assert raw.get("WARC-Payload-Digest") is None
    # base32 with padding, uppercase: the only base32 form warcio accepts for sha256
    assert re.fullmatch(r"sha256:[A-Z2-7]{52}====", warc_digest(b"x"))


def test_headers_and_dates(capture: Capture) -> None:
    for raw in raw_records(capture):
        assert re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", raw.get("WARC-Record-ID") or "")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", raw.get("WARC-Date") or "")
        assert raw.get("Content-Length") == str(len(raw.block))
    records = raw_records(capture)
    warcinfo_id = records[0].get("WARC-Record-ID")
    assert all(r.get("WARC-Warcinfo-ID") == warcinfo_id for r in records[1:])
    assert by_uri(records, "response", REDIRECT_URL).get("WARC-Date") == "2026-11-25T01:15:30.123Z"


def test_request_and_response_are_concurrent(capture: Capture) -> None:
    records = raw_records(capture)
    for url in (REDIRECT_URL, PAGE_URL, IMAGE_URL, API_URL):
        response = by_uri(records, "response", url)
        request = by_uri(records, "request", url)
        assert response.get("Content-Type") == "application/http; msgtype=response"
        assert request.get("Content-Type") == "application/http; msgtype=request"
        assert response.get("WARC-Concurrent-To") == request.get("WARC-Record-ID")
        assert request.get("WARC-Concurrent-To") == response.get("WARC-Record-ID")
        assert response.get("WARC-Date") == request.get("WARC-Date")


def test_decoded_body_encoding_headers_dropped_originals_kept(capture: Capture) -> None:
    response = by_uri(raw_records(capture), "response", PAGE_URL)
    status_line, headers, body = http_parts(response.block)
    names = [n.lower() for n, _ in headers]
    assert "content-encoding" not in names
    assert "transfer-encoding" not in names
    assert body == HTML_TEXT.encode("utf-8")  # Indonesian text and emoji intact
    assert "🇮🇩".encode() in body
    lengths = [v for n, v in headers if n.lower() == "content-length"]
    assert lengths == [str(len(body))]
    original = dict(headers)
    assert original["X-Collector-Original-Content-Encoding"] == "gzip"
    html_gz_len = int(original["X-Collector-Original-Content-Length"])
    assert html_gz_len != len(body)
    assert [v for n, v in headers if n == "set-cookie"] == [
        "csrftoken=abc; Path=/; Secure",
        "mid=Zz9; Max-Age=63072000",
    ]
    assert original["x-fb-debug"] == "ÄÖ-non-ascii-value"
    assert status_line == "HTTP/1.1 200 OK"

    image = by_uri(raw_records(capture), "response", IMAGE_URL)
    _, headers, body = http_parts(image.block)
    assert body == png_bytes()
    assert dict(headers)["X-Collector-Original-Transfer-Encoding"] == "chunked"
    assert "Transfer-Encoding" not in dict(headers)
    assert dict(headers)["Content-Length"] == str(len(body))


def test_http2_written_as_http11_with_warc_protocol(capture: Capture) -> None:
    records = raw_records(capture)
    response = by_uri(records, "response", PAGE_URL)
    request = by_uri(records, "request", PAGE_URL)
    assert response.get("WARC-Protocol") == "h2"
    assert request.get("WARC-Protocol") == "h2"
    request_line, headers, body = http_parts(request.block)
    assert request_line == "GET /p/ABC123/ HTTP/1.1"
    assert headers[0] == ("Host", "www.instagram.com")  # from :authority
    assert not any(n.startswith(":") for n, _ in headers)
    assert body == b""

    redirect = by_uri(records, "response", REDIRECT_URL)
    assert redirect.get("WARC-Protocol") == "http/1.1"
    status_line, headers, body = http_parts(redirect.block)
    assert status_line == "HTTP/1.1 301 Moved Permanently"
    assert dict(headers)["Location"] == PAGE_URL
    assert body == b""


def test_ip_addresses(capture: Capture) -> None:
    records = raw_records(capture)
    assert by_uri(records, "response", PAGE_URL).get("WARC-IP-Address") == (
        "2a03:2880:f12c:83:face:b00c:0:25de"
    )
    assert by_uri(records, "request", IMAGE_URL).get("WARC-IP-Address") == "157.240.1.63"


def test_post_request_body(capture: Capture) -> None:
    records = raw_records(capture)
    request_line, headers, body = http_parts(by_uri(records, "request", API_URL).block)
    assert request_line == "POST /api/graphql HTTP/1.1"
    assert body == POST_BODY.encode()
    assert dict(headers)["Content-Length"] == str(len(body))
    _, _, answer = http_parts(by_uri(records, "response", API_URL).block)
    assert answer == API_ANSWER.encode()


def test_a_body_the_browser_did_not_keep_is_never_an_empty_response(capture: Capture) -> None:
    records = raw_records(capture)
    # no response record at all (a replay tool would serve it as an empty 200)...
    assert not [
        r
        for r in records
        if r.get("WARC-Target-URI") == UNREAD_URL and r.get("WARC-Type") == "response"
    ]
    # ...the request stays, linked to nothing
    request = by_uri(records, "request", UNREAD_URL)
    assert request.get("WARC-Concurrent-To") is None
    # a redirect keeps its record for the Location, its lost body marked
    redirect = by_uri(records, "response", SHORT_URL)
    assert redirect.get("WARC-Truncated") == "unspecified"
    status, headers, body = http_parts(redirect.block)
    assert status == "HTTP/1.1 302 Found" and dict(headers)["Location"] == PAGE_URL
    assert body == b""
    # 204 has no body to lose
    assert by_uri(records, "response", BEACON_URL).get("WARC-Truncated") is None
    summary = capture.summary
    assert summary.missing_bodies == 2 and summary.responses_left_out == 1
    assert [(x.index, x.url, x.status, x.written) for x in summary.lost_bodies] == [
        (6, UNREAD_URL, 200, False),
        (7, SHORT_URL, 302, True),
    ]
    har = json.loads(records[-1].block)["har"]
    assert har["missing_bodies"] == 2 and har["responses_left_out"] == 1
    assert [x["record"] for x in har["lost_bodies"]] == [
        "left out",
        "response written, WARC-Truncated",
    ]


def test_skipped_entries_are_counted_and_explained(capture: Capture) -> None:
    summary = capture.summary
    assert summary.har_entries == 9
    assert summary.response_count == 6
    reasons = {s.index: s.reason for s in summary.skipped}
    assert set(reasons) == {3, 4}
    assert "status 0" in reasons[3]
    assert "data" in reasons[4]
    assert all(len(s.url) <= 200 for s in summary.skipped)

    metadata = raw_records(capture)[-1]
    assert metadata.get("WARC-Type") == "metadata"
    assert metadata.get("Content-Type") == "application/json"
    document = json.loads(metadata.block)
    assert document["provenance"] == {
        "capture_id": CAPTURE_ID,
        "case": "No. 12/PL/PP/2029",
        "started": "2026-11-25T01:15:30.123Z",
    }
    assert document["har"]["entries"] == 9
    assert document["har"]["written"] == 7
    assert [s["index"] for s in document["har"]["skipped"]] == [3, 4]
    transformations = document["transformations"]
    assert transformations["dropped_headers"] == ["Content-Encoding", "Transfer-Encoding"]
    assert "X-Collector-Original-" in transformations["original_headers"]
    assert "decoded" in transformations["bodies"] or "removed" in transformations["bodies"]
    assert "WARC-Protocol" in transformations["http_version"]


def test_resources_stored_verbatim(capture: Capture) -> None:
    records = raw_records(capture)
    for name, path in capture.files.items():
        raw = by_uri(records, "resource", f"urn:collector:{CAPTURE_ID}/{name}")
        assert raw.block == path.read_bytes()
    shot = by_uri(records, "resource", f"urn:collector:{CAPTURE_ID}/screenshot.png")
    assert shot.get("Content-Type") == "image/png"
    assert shot.get("WARC-Date") == "2026-11-25T01:15:30.123Z"


def test_summary_describes_records_for_indexing(capture: Capture) -> None:
    responses = {r.uri: r for r in capture.summary.records if r.record_type == "response"}
    assert responses[PAGE_URL].status == 200
    assert responses[PAGE_URL].mime == "text/html"
    assert responses[REDIRECT_URL].status == 301
    assert responses[IMAGE_URL].mime == "image/png"
    assert responses[API_URL].method == "POST"
    assert responses[PAGE_URL].date == datetime(2026, 11, 25, 1, 15, 30, 203000, tzinfo=UTC)


def _info() -> WarcInfo:
    return WarcInfo("collector/0.1.0", "op", "host", "UA", STARTED)


def test_invalid_input_raises_archive_error(tmp_path: Path) -> None:
    out = (tmp_path / "x.warc.gz").open("wb")
    with out:
        with pytest.raises(ArchiveError):
            write_capture_warc(
                out, har={"log": {}}, resources=[], metadata={}, metadata_uri="urn:x", info=_info()
            )
        with pytest.raises(ArchiveError):
            WarcResource("urn:x:a", "text/plain", STARTED)
        with pytest.raises(ArchiveError):
            write_capture_warc(
                out,
                har={"log": {"entries": []}},
                resources=[WarcResource("urn:x:a", "text/plain", STARTED, path=tmp_path / "no")],
                metadata={},
                metadata_uri="urn:x",
                info=_info(),
            )
        with pytest.raises(ArchiveError):
            write_capture_warc(
                out,
                har={"log": {"entries": []}},
                resources=[],
                metadata={"bad": object()},
                metadata_uri="urn:x",
                info=_info(),
            )
        with pytest.raises(ArchiveError):
            write_capture_warc(
                out,
                har={"log": {"entries": []}},
                resources=[],
                metadata={},
                metadata_uri="urn:x",
                info=WarcInfo("collector\n", "op", "host", "UA", STARTED),
            )


def test_malformed_entries_are_skipped_not_fatal(tmp_path: Path) -> None:
    har = {
        "log": {
            "entries": [
                "nonsense",
                {"request": {"url": "https://a.example/", "method": "GET"}, "response": {}},
                {
                    "startedDateTime": "yesterday",
                    "request": {"url": "https://a.example/", "method": "GET"},
                    "response": {"status": 200},
                },
                {
                    "startedDateTime": "2026-11-25T01:15:30.123Z",
                    "request": {"url": "https://a.example/", "method": "GET"},
                    "response": {
                        "status": 200,
                        "content": {"text": "%%%", "encoding": "base64"},
                    },
                },
            ]
        }
    }
    path = tmp_path / "x.warc.gz"
    with path.open("wb") as out:
        summary = write_capture_warc(
            out, har=har, resources=[], metadata={}, metadata_uri="urn:x:m", info=_info()
        )
    assert [s.index for s in summary.skipped] == [0, 1, 2, 3]
    assert [r.record_type for r in summary.records] == ["warcinfo", "metadata"]
    result = subprocess.run([WARCIO, "check", str(path)], capture_output=True, check=False)
    assert result.returncode == 0
