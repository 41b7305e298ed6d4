"""copy_warc: read a WARC back with the standard library, copy it, redact secrets."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from collector.evidence.redact import MARKER as REDACTED
from collector.evidence.warc import ArchiveError
from collector.evidence.warc_copy import copy_warc
from tests.support.tools import tool
from tests.support.warc_fixtures import Capture, write_capture


@pytest.fixture
def capture(tmp_path: Path) -> Capture:
    return write_capture(tmp_path)


def test_plain_copy_is_byte_identical_and_summary_matches_the_writer(
    capture: Capture, tmp_path: Path
) -> None:
    out = tmp_path / "copy.warc.gz"
    with out.open("wb") as fh:
        copied = copy_warc(capture.warc, fh)
    assert out.read_bytes() == capture.warc.read_bytes()
    assert copied.summary.records == capture.summary.records
    assert copied.source_sha256 == copied.summary.sha256 == capture.summary.sha256
    assert copied.redacted == ()


def test_redacted_copy_passes_warcio_and_keeps_payload_digests(
    capture: Capture, tmp_path: Path
) -> None:
    out = tmp_path / "redacted.warc.gz"
    with out.open("wb") as fh:
        copied = copy_warc(capture.warc, fh, redact=True)
    assert copied.redacted and all(line.endswith("set-cookie") for line in copied.redacted)
    text = gzip.decompress(out.read_bytes())
    assert b"csrftoken=abc" not in text and REDACTED.encode() in text
    assert b"csrftoken=abc" in gzip.decompress(capture.warc.read_bytes())
    check = subprocess.run(
        [tool("warcio"), "check", "-v", str(out)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout
    before = {r.record_id: r for r in capture.summary.records}
    for rec in copied.summary.records:
        assert rec.payload_digest == before[rec.record_id].payload_digest
        assert rec.method == before[rec.record_id].method
    changed = [
        r for r in copied.summary.records if r.block_digest != before[r.record_id].block_digest
    ]
    assert {r.record_type for r in changed} == {"response"}
    # redacting a redacted copy changes nothing
    again = tmp_path / "again.warc.gz"
    with again.open("wb") as fh:
        assert copy_warc(out, fh, redact=True).redacted == ()
    assert again.read_bytes() == out.read_bytes()


def test_corrupt_and_truncated_files_are_refused(capture: Capture, tmp_path: Path) -> None:
    data = capture.warc.read_bytes()
    for name, bad in (("truncated", data[:-10]), ("corrupt", data[:-12] + b"\0" * 12)):
        path = tmp_path / f"{name}.warc.gz"
        path.write_bytes(bad)
        with pytest.raises(ArchiveError), (tmp_path / f"{name}.out").open("wb") as fh:
            copy_warc(path, fh)
