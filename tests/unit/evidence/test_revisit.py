"""Revisit records (identical-payload-digest profile) written for payloads an earlier
WARC holds, resolved back to full records by copy_warc; HAR bodies replaced by digests."""

from __future__ import annotations

import gzip
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector.evidence.warc import (
    MIN_REVISIT_BYTES,
    REVISIT_PROFILE,
    ArchiveError,
    PriorPayload,
    WarcInfo,
    WarcResource,
    WarcSummary,
    har_without_bodies,
    write_capture_warc,
)
from collector.evidence.warc_copy import EarlierPayloads, copy_warc, read_records
from collector.timeutil import rfc3339
from tests.support.tools import tool, warc_problems
from tests.support.warc_fixtures import build_har

WHEN = datetime(2026, 11, 25, 1, 15, 30, tzinfo=UTC)
SHOT = os.urandom(4096)  # incompressible, well above MIN_REVISIT_BYTES


def write(path: Path, prior: dict[str, PriorPayload] | None = None) -> WarcSummary:
    info = WarcInfo(
        software="collector/test",
        operator="tester",
        hostname="h",
        user_agent="UA",
        created=WHEN,
        filename=path.name,
    )
    with path.open("wb") as out:
        return write_capture_warc(
            out,
            har=build_har(),
            resources=[
                WarcResource("urn:collector:x/screenshot.png", "image/png", WHEN, data=SHOT)
            ],
            metadata={"capture_id": "x"},
            metadata_uri="urn:collector:x/provenance.json",
            info=info,
            prior=(lambda digest, size: prior.get(digest)) if prior is not None else None,
        )


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, WarcSummary, Path, WarcSummary]:
    first = tmp_path / "first.warc.gz"
    full = write(first)
    prior = {
        r.payload_digest: PriorPayload(r.record_id, r.uri, rfc3339(r.date), "ab" * 32)
        for r in full.records
        if r.payload_digest and r.uri and (r.payload_size or 0) >= MIN_REVISIT_BYTES
    }
    assert prior, "the fixture stores at least one payload worth a revisit"
    second = tmp_path / "second.warc.gz"
    return first, full, second, write(second, prior)


def test_known_payloads_become_revisits_pointing_at_the_first(
    pair: tuple[Path, WarcSummary, Path, WarcSummary],
) -> None:
    first, full, second, repeat = pair
    revisits = [r for r in repeat.records if r.record_type == "revisit"]
    assert revisits and repeat.refers_to == ("ab" * 32,)
    assert {r.uri for r in revisits} >= {"urn:collector:x/screenshot.png"}
    assert second.stat().st_size < first.stat().st_size - len(SHOT) // 2
    assert repeat.response_count == full.response_count  # revisits of responses count
    by_id = {r.record_id: r for r in full.records}
    for fields, block, _, _ in read_records(second):
        named = dict(fields)
        if named["WARC-Type"] != "revisit":
            continue
        assert named["WARC-Profile"] == REVISIT_PROFILE
        target = by_id[named["WARC-Refers-To"]]
        assert named["WARC-Refers-To-Target-URI"] == target.uri
        assert named["WARC-Refers-To-Date"] == rfc3339(target.date)
        assert named["WARC-Payload-Digest"] == target.payload_digest
        if named["Content-Type"].startswith("application/http"):
            assert block.startswith(b"HTTP/1.1 ") and block.endswith(b"\r\n\r\n")  # head only
        else:
            assert block == b""
    check = subprocess.run([tool("warcio"), "check", str(second)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert warc_problems(second) == []
    # small payloads are stored again: a revisit would cost more than it saves
    small = [r for r in repeat.records if r.record_type == "response"]
    assert all((r.payload_size or 0) < MIN_REVISIT_BYTES for r in small)


def test_resolving_gives_back_full_records_with_the_same_payloads(
    pair: tuple[Path, WarcSummary, Path, WarcSummary], tmp_path: Path
) -> None:
    first, full, second, repeat = pair
    out = tmp_path / "resolved.warc.gz"
    with out.open("wb") as fh:
        copied = copy_warc(second, fh, resolve=EarlierPayloads([first]))
    types = [r.record_type for r in copied.summary.records]
    assert "revisit" not in types
    assert types == [r.record_type for r in full.records]
    assert [r.payload_digest for r in copied.summary.records] == [
        r.payload_digest for r in repeat.records
    ]
    assert [r.record_id for r in copied.summary.records] == [r.record_id for r in repeat.records]
    assert SHOT in gzip.decompress(out.read_bytes())
    check = subprocess.run(
        [tool("warcio"), "check", "-v", str(out)], capture_output=True, text=True
    )
    assert check.returncode == 0 and "not checked" not in check.stdout, check.stdout
    assert warc_problems(out) == []


def test_an_unresolvable_revisit_is_an_error_not_a_gap(
    pair: tuple[Path, WarcSummary, Path, WarcSummary], tmp_path: Path
) -> None:
    _, _, second, _ = pair
    with (
        (tmp_path / "out.warc.gz").open("wb") as fh,
        pytest.raises(ArchiveError, match="not found"),
    ):
        copy_warc(second, fh, resolve=EarlierPayloads([]))


def test_a_different_earlier_payload_is_refused(
    pair: tuple[Path, WarcSummary, Path, WarcSummary], tmp_path: Path
) -> None:
    first, _, second, _ = pair

    class Swapped(EarlierPayloads):
        def payload(self, record_id: str) -> bytes | None:
            got = super().payload(record_id)
            return None if got is None else got[:-1] + bytes([got[-1] ^ 1])

    with (tmp_path / "out.warc.gz").open("wb") as fh, pytest.raises(ArchiveError, match="digest"):
        copy_warc(second, fh, resolve=Swapped([first]))


def test_the_har_points_to_the_warc_instead_of_holding_bodies(
    pair: tuple[Path, WarcSummary, Path, WarcSummary],
) -> None:
    _, full, _, _ = pair
    har = build_har()
    stripped, pointed = har_without_bodies(har)
    assert pointed > 0
    digests = {r.payload_digest for r in full.records if r.record_type == "response"}
    for before, after in zip(har["log"]["entries"], stripped["log"]["entries"], strict=True):
        content = after["response"].get("content") or {}
        if "_warcPayloadDigest" in content:
            assert "text" not in content and content["_warcPayloadDigest"] in digests
        elif isinstance((before["response"].get("content") or {}).get("text"), str):
            assert content["text"] == before["response"]["content"]["text"]  # kept as it was
    assert har == build_har()  # the original is not changed
