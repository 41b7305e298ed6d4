"""A hand-built capture: a HAR as Playwright records it, plus the artefact files."""

from __future__ import annotations

import base64
import gzip
import hashlib
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collector.evidence.warc import WarcInfo, WarcResource, WarcSummary, write_capture_warc

CAPTURE_ID = "20261125T011530Z-ig-abc"
PAGE_URL = "https://www.instagram.com/p/ABC123/"
REDIRECT_URL = "http://instagram.com/p/ABC123"
IMAGE_URL = "https://scontent.cdninstagram.com/v/t51/abc.png?stp=dst-jpg&efg=1"
API_URL = "https://www.instagram.com/api/graphql"
STARTED = datetime(2026, 11, 25, 1, 15, 30, 123000, tzinfo=UTC)

HTML_TEXT = (
    "<!doctype html><html lang=id><head><meta charset=utf-8><title>Postingan Caleg</title>"
    "</head><body><p>Ayo coblos nomor 7! Kampanye di rumah ibadah dilarang 🙏🇮🇩 "
    "— Bawaslu, Pemilu 2029</p></body></html>"
)
POST_BODY = '{"doc_id":"123","variables":{"shortcode":"ABC123"}}'
API_ANSWER = '{"data":{"shortcode_media":null}}'
UNREAD_URL = "https://static.cdninstagram.com/rsrc/unread.css"
SHORT_URL = "https://instagr.am/p/ABC123/"
BEACON_URL = "https://graph.instagram.com/logging_client_events"


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _h(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": n, "value": v} for n, v in pairs]


def _ts(ms: int) -> str:
    moment = STARTED.timestamp() + ms / 1000
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")


def build_har() -> dict[str, Any]:
    html_gz_len = len(gzip.compress(HTML_TEXT.encode("utf-8")))
    image = png_bytes()
    entries: list[dict[str, Any]] = [
        {  # 0: plain-HTTP 301 to the canonical HTTPS URL
            "startedDateTime": "2026-11-25T01:15:30.123Z",
            "serverIPAddress": "157.240.208.174",
            "request": {
                "method": "GET",
                "url": REDIRECT_URL,
                "httpVersion": "HTTP/1.1",
                "headers": _h(("Host", "instagram.com"), ("User-Agent", "Mozilla/5.0 Test")),
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": 0,
            },
            "response": {
                "status": 301,
                "statusText": "Moved Permanently",
                "httpVersion": "HTTP/1.1",
                "headers": _h(("Location", PAGE_URL), ("Content-Length", "0")),
                "cookies": [],
                "content": {"size": 0, "mimeType": "x-unknown"},
                "redirectURL": PAGE_URL,
                "headersSize": -1,
                "bodySize": 0,
            },
            "cache": {},
            "timings": {"send": 0, "wait": 30, "receive": 1},
        },
        {  # 1: the page itself over HTTP/2, gzip on the wire, decoded in the HAR
            "startedDateTime": _ts(80),
            "serverIPAddress": "[2a03:2880:f12c:83:face:b00c:0:25de]",
            "request": {
                "method": "GET",
                "url": PAGE_URL,
                "httpVersion": "h2",
                "headers": _h(
                    (":authority", "www.instagram.com"),
                    (":method", "GET"),
                    (":path", "/p/ABC123/"),
                    (":scheme", "https"),
                    ("accept-encoding", "gzip, deflate, br"),
                    ("accept-language", "id-ID,id;q=0.9"),
                    ("user-agent", "Mozilla/5.0 Test"),
                ),
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": 0,
            },
            "response": {
                "status": 200,
                "statusText": "",
                "httpVersion": "h2",
                "headers": _h(
                    ("content-type", "text/html; charset=utf-8"),
                    ("content-encoding", "gzip"),
                    ("content-length", str(html_gz_len)),
                    ("set-cookie", "csrftoken=abc; Path=/; Secure\nmid=Zz9; Max-Age=63072000"),
                    ("x-fb-debug", "ÄÖ-non-ascii-value"),
                ),
                "cookies": [],
                "content": {
                    "size": len(HTML_TEXT.encode("utf-8")),
                    "mimeType": "text/html",
                    "text": HTML_TEXT,
                },
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": html_gz_len,
            },
            "cache": {},
            "timings": {"send": 0, "wait": 50, "receive": 3},
        },
        {  # 2: an image, chunked on the wire, base64 in the HAR
            "startedDateTime": _ts(300),
            "serverIPAddress": "157.240.1.63",
            "request": {
                "method": "GET",
                "url": IMAGE_URL,
                "httpVersion": "HTTP/1.1",
                "headers": _h(("Host", "scontent.cdninstagram.com"), ("Referer", PAGE_URL)),
            },
            "response": {
                "status": 200,
                "statusText": "OK",
                "httpVersion": "HTTP/1.1",
                "headers": _h(("Content-Type", "image/png"), ("Transfer-Encoding", "chunked")),
                "content": {
                    "size": len(image),
                    "mimeType": "image/png",
                    "text": base64.b64encode(image).decode("ascii"),
                    "encoding": "base64",
                },
            },
        },
        {  # 3: blocked by the client: no response at all
            "startedDateTime": _ts(310),
            "request": {"method": "GET", "url": "https://tracker.example/pixel", "headers": []},
            "response": {
                "status": 0,
                "statusText": "",
                "httpVersion": "",
                "headers": [],
                "content": {"size": -1, "mimeType": "x-unknown"},
                "_failureText": "net::ERR_BLOCKED_BY_CLIENT",
            },
        },
        {  # 4: an inline data: URL image
            "startedDateTime": _ts(320),
            "request": {
                "method": "GET",
                "url": "data:image/png;base64," + base64.b64encode(image).decode() * 40,
                "headers": [],
            },
            "response": {
                "status": 200,
                "statusText": "OK",
                "httpVersion": "",
                "headers": [],
                "content": {"size": len(image), "mimeType": "image/png"},
            },
        },
        {  # 5: XHR POST and its JSON answer
            "startedDateTime": _ts(500),
            "serverIPAddress": "2a03:2880:f12c:83:face:b00c:0:25de",
            "request": {
                "method": "POST",
                "url": API_URL,
                "httpVersion": "h2",
                "headers": _h(
                    (":authority", "www.instagram.com"),
                    ("content-type", "application/json"),
                    ("content-length", str(len(POST_BODY))),
                ),
                "postData": {"mimeType": "application/json", "text": POST_BODY},
            },
            "response": {
                "status": 200,
                "statusText": "",
                "httpVersion": "h2",
                "headers": _h(("content-type", "application/json; charset=utf-8")),
                "content": {
                    "size": len(API_ANSWER),
                    "mimeType": "application/json",
                    "text": API_ANSWER,
                },
            },
        },
        {  # 6: a fetch() the page never read: Chromium kept no body (size -1)
            "startedDateTime": _ts(600),
            "request": {"method": "GET", "url": UNREAD_URL, "headers": []},
            "response": {
                "status": 200,
                "statusText": "OK",
                "httpVersion": "HTTP/1.1",
                "headers": _h(("Content-Type", "text/css"), ("Content-Length", "805")),
                "content": {"size": -1, "mimeType": "text/css"},
            },
        },
        {  # 7: a redirect whose small body Chromium did not keep either
            "startedDateTime": _ts(610),
            "request": {"method": "GET", "url": SHORT_URL, "headers": []},
            "response": {
                "status": 302,
                "statusText": "Found",
                "httpVersion": "HTTP/1.1",
                "headers": _h(("Location", PAGE_URL), ("Content-Length", "9")),
                "content": {"size": -1, "mimeType": "x-unknown"},
            },
        },
        {  # 8: 204 No Content (size -1 too, yet nothing to lose)
            "startedDateTime": _ts(620),
            "request": {"method": "GET", "url": BEACON_URL, "headers": []},
            "response": {
                "status": 204,
                "statusText": "No Content",
                "httpVersion": "HTTP/1.1",
                "headers": [],
                "content": {"size": -1, "mimeType": "x-unknown"},
            },
        },
    ]
    return {"log": {"version": "1.2", "creator": {"name": "Playwright"}, "entries": entries}}


@dataclass(frozen=True)
class Capture:
    warc: Path
    summary: WarcSummary
    har: dict[str, Any]
    files: dict[str, Path]


def resource_files(folder: Path) -> dict[str, Path]:
    files = {
        "screenshot.png": png_bytes(4, 3),
        "dom.html": HTML_TEXT.encode("utf-8"),
        "page.mhtml": b"From: <Saved by Blink>\r\nSubject: Postingan Caleg\r\n\r\n...",
        "manifest.json": b'{"capture_id": "' + CAPTURE_ID.encode() + b'"}',
    }
    paths = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = path
    return paths


MEDIA_TYPES = {
    "screenshot.png": "image/png",
    "dom.html": "text/html; charset=utf-8",
    "page.mhtml": "multipart/related",
    "manifest.json": "application/json",
}


def write_capture(folder: Path, name: str = "capture.warc.gz") -> Capture:
    har = build_har()
    files = resource_files(folder)
    resources = [
        WarcResource(
            uri=f"urn:collector:{CAPTURE_ID}/{fname}",
            media_type=MEDIA_TYPES[fname],
            date=STARTED,
            path=path,
        )
        for fname, path in files.items()
    ]
    info = WarcInfo(
        software="collector/0.1.0",
        operator="Tim Forensik Digital <forensik@example.go.id>",
        hostname="collector-01",
        user_agent="Mozilla/5.0 Test",
        created=STARTED,
        filename=name,
        is_part_of=CAPTURE_ID,
    )
    warc = folder / name
    with warc.open("wb") as out:
        summary = write_capture_warc(
            out,
            har=har,
            resources=resources,
            metadata={"capture_id": CAPTURE_ID, "case": "No. 12/PL/PP/2029", "started": STARTED},
            metadata_uri=f"urn:collector:{CAPTURE_ID}/metadata",
            info=info,
        )
    return Capture(warc, summary, har, files)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
