"""The capture's HAR as filed: `network.har.gz`, the HAR JSON in one gzip member.

Playwright writes `network.har` into the capture's folder; filing replaces it with the HAR
the WARC's bodies are pointed to from (collector.evidence.warc `har_without_bodies`),
gzip-compressed. The HAR is each capture's own record of its load (timings, headers), new
with every capture, so it is most of what a repeat capture of an unchanged page adds to the
store; compressed it is about a sixth of its size (docs/storage.md). `zcat`, `gunzip -k`
and every archive tool open it. Its SHA-256 in the manifest is over the filed (compressed)
bytes, as every artifact's.

A HAR that Playwright wrote but that does not parse is filed as it is, under its own name
(`network.har`): nothing is rewritten that cannot be read.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

__all__ = [
    "FULL_HAR",
    "HAR_MEDIA",
    "HAR_NAME",
    "RECORDED_HAR",
    "har_json",
    "is_har",
    "pack_har",
    "repack_har",
    "unpack_har",
]

RECORDED_HAR = "network.har"  # what Playwright writes; filed as is only when it does not parse
HAR_NAME = "network.har.gz"
FULL_HAR = "network-full.har.gz"  # with the bodies: only when the WARC could not be written
HAR_MEDIA = "application/gzip"
# every name a capture's HAR has had: filed before compression, or not parseable
_HAR_NAMES = frozenset({RECORDED_HAR, HAR_NAME, "network-full.har", FULL_HAR})


def har_json(har: Any) -> bytes:
    """A HAR collector rewrote (bodies pointed to the WARC, secrets redacted) as JSON:
    compact, as Playwright writes it; lone surrogates a page sent are kept as they came."""
    text = json.dumps(har, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass")


def pack_har(data: bytes) -> bytes:
    """The HAR's bytes as one gzip member; mtime 0 and no name, so nothing in the header
    records when or where it was written (the bytes still depend on the zlib build, which
    is why the filed bytes are hashed, never re-created)."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def unpack_har(name: str, data: bytes) -> bytes:
    """A filed HAR's JSON bytes, whichever form it was filed in. ValueError when a `.gz`
    HAR is not gzip (tampered, truncated)."""
    if not name.endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{name} is not a readable gzip file ({exc})") from exc


def repack_har(name: str, data: bytes) -> bytes:
    """JSON bytes back into the form the HAR named `name` is filed in (`unpack_har`'s
    inverse)."""
    return pack_har(data) if name.endswith(".gz") else data


def is_har(name: str) -> bool:
    """A capture's HAR, in either form (`network.har`, `network.har.gz`, `network-full…`).
    By exact name: a download the page triggered may be named `x.har.gz` (hostile bytes,
    maybe a gzip bomb), and is no HAR of collector's."""
    return name in _HAR_NAMES
