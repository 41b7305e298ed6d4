"""What the zip package does with a capture's files, by kind, without a browser: the WARC of
a repeat capture (revisit records keep the response's whole head) and a page's download
whose name looks like a HAR."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from collector.capture.filing import file_capture
from collector.evidence.store import EvidenceStore, new_capture_id
from collector.evidence.warc_copy import copy_warc
from collector.export.package import export_package
from collector.records.custody import record_capture
from collector.records.index import Index
from tests.support.handmade import BROWSER, ENVIRONMENT, file_as_runner, page, run_job
from tests.support.warc_fixtures import build_har

SECRET = b"csrftoken=abc"  # the Set-Cookie value of build_har's page


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    return store


def test_a_repeat_captures_revisit_records_are_redacted_in_the_copy(
    store: EvidenceStore,
) -> None:
    """A repeat capture's WARC holds the page's response as a revisit record, whose block
    is the response's whole HTTP head, Set-Cookie included."""
    har = build_har()
    content = har["log"]["entries"][1]["response"]["content"]
    content["text"] += "<!-- " + "isi halaman " * 600 + "-->"  # large enough for a revisit
    shot = page(mhtml=b"MIME-Version: 1.0\r\n\r\n" + b"<p>halo</p>\r\n" * 400)
    file_as_runner(store, shot, har)
    _, folder, manifest = file_as_runner(store, shot, har)
    assert "revisit" in manifest["archive"]["record_types"]
    warc = folder / f"{manifest['capture_id']}.warc.gz"
    stored = gzip.decompress(warc.read_bytes())
    assert b"WARC-Type: revisit" in stored and SECRET in stored  # the store keeps it all
    out = io.BytesIO()
    copied = copy_warc(warc, out, redact=True)
    text = gzip.decompress(out.getvalue())
    assert SECRET not in text and b"set-cookie: [redacted by collector]" in text.lower()
    assert any("set-cookie" in change.lower() for change in copied.redacted)
    assert gzip.decompress(warc.read_bytes()) == stored  # the original untouched


@pytest.mark.parametrize("name", ["laporan.har.gz", "laporan.har"])
def test_a_download_named_like_a_har_is_packaged_as_it_is(
    store: EvidenceStore, tmp_path: Path, name: str
) -> None:
    """A page may name its download anything, `x.har.gz` too (any bytes, a gzip bomb):
    only the capture's own HAR is opened for redaction; the download goes in as filed."""
    writer = store.begin(new_capture_id())
    (writer.folder / "network.har").write_text(json.dumps(build_har()), "utf-8")
    filed_name = f"download-1-{name}"
    hostile = gzip.compress(b" " * 2_000_000) if name.endswith(".gz") else b"%PDF-1.4 " * 50
    (writer.folder / filed_name).write_bytes(hostile)
    download = {
        "status": "saved",
        "artifact": filed_name,
        "media_type": "application/octet-stream",
        "suggested_filename": name,
    }
    shot = page(downloads=(download,))
    filed = file_capture(writer, replace(run_job(), case="K-DL"), shot, BROWSER, ENVIRONMENT)
    out = tmp_path / "k.zip"
    with Index(store.index_path) as index:
        record_capture(store, index, filed)
        export_package(store, index, case="K-DL", out=out, operator="Dwi")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        (member,) = [n for n in names if n.endswith(f"/{filed_name}")]
        assert zf.read(member) == hostile
        # the capture's own HAR was opened: its cookies are redacted in the copy
        (har,) = [n for n in names if n.endswith("/network.redacted.har.gz")]
        assert SECRET not in gzip.decompress(zf.read(har))
