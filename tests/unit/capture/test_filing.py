"""Filing a capture without a browser: the manifest's layout (keys and their order), built
in one place, from a page record made by hand (the seam the browser fills)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from collector.capture.filing import build_manifest, build_provenance, file_capture
from collector.evidence.stamps import TsaSettings
from collector.evidence.store import EvidenceStore, load_manifest, manifest_json
from collector.manifest import Manifest, Provenance
from collector.models import CaptureJob
from tests.support.handmade import BROWSER, ENVIRONMENT, URL, page, run_job
from tests.support.manifest_layout import ARCHIVE_KEYS, MANIFEST_KEYS, RESPONSE_KEYS
from tests.support.warc_fixtures import build_har


def test_the_manifest_type_lists_the_keys_in_their_written_order() -> None:
    assert list(Manifest.__annotations__) == MANIFEST_KEYS


def test_provenance_holds_every_section_at_once_no_patching_after(tmp_path: Path) -> None:
    tsa = TsaSettings(("https://user:secret@tsa.example/", "http://tsa2.example/"), 5.0)
    p: Provenance = build_provenance("cid", run_job(), page(), BROWSER, ENVIRONMENT, "r.html", tsa)
    assert list(p) == MANIFEST_KEYS[:-2]  # archive: from the WARC; artifacts: the store
    assert list(p["response"] or {}) == RESPONSE_KEYS
    assert p["response"] and p["response"]["body_artifact"] == "r.html"
    assert p["redirects"] == [
        {"url": URL + "?r", "status": 301, "status_text": "Moved", "location": "/page"}
    ]
    # the screenshot: how it was taken, then its PNG size, then the thumbnail's dhash
    shot = p["screenshot"]
    assert list(shot) == ["mode", "truncated", "png_width", "png_height", "dhash", "dhash_source"]
    assert (shot["png_width"], shot["png_height"]) == (40, 30)
    assert shot["dhash"] == "0000000000000000"
    assert shot["dhash_source"]["png_width"] == 9
    # the consent click, with the screenshot taken after it
    consent = p["consent"] or {}
    assert consent["screenshot"] == {
        "mode": "full_page",
        "png_width": 50,
        "png_height": 20,
        "artifact": "screenshot-after-consent.png",
    }
    assert p["run"] == {
        "run_id": "R1",
        "entry": {"index": 1, "name": "Budi"},
        "attempt": 2,
        "watchlist": {"file": "daftar.toml", "sha256": "00"},
    }
    assert p["timestamping"] == {
        "tsa_urls": ["https://tsa.example/", "http://tsa2.example/"],
        "record": "timestamps.json",
    }
    assert list(p["software"]) == ["collector", "playwright"]


def test_without_extras_the_sections_are_as_the_browser_gave_them() -> None:
    bare = page(
        screenshot=None, thumbnail=None, consent=None, consent_screenshot=None, redirects=()
    )
    p = build_provenance("cid", CaptureJob(URL), bare, BROWSER, ENVIRONMENT, None)
    assert p["screenshot"] == {"mode": "full_page", "truncated": False}
    assert p["consent"] is None and p["run"] is None and p["timestamping"] is None
    # a consent record without a screenshot after the click stays as it was
    clicked = page(consent_screenshot=None)
    p = build_provenance("cid", CaptureJob(URL), clicked, BROWSER, ENVIRONMENT, None)
    assert p["consent"] == {"enabled": True, "clicked": True, "screenshot": {"mode": "full_page"}}


def test_a_failed_warc_is_one_more_error_in_place() -> None:
    p = build_provenance("cid", CaptureJob(URL), page(), BROWSER, ENVIRONMENT, None)
    failed = build_manifest(p, {"file": None, "error": "archive.warc.gz could not be written"})
    assert list(failed) == MANIFEST_KEYS[:-1]
    assert failed["errors"] == ["mhtml: slow", "archive.warc.gz could not be written"]
    assert p["errors"] == ["mhtml: slow"]  # the provenance the WARC holds is not changed
    ok = build_manifest(p, {"file": "archive.warc.gz"})
    assert ok["errors"] == ["mhtml: slow"]


def test_file_capture_writes_the_manifest_in_its_order(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    writer = store.begin("20261125T011530123Z-abcdef")
    filed = file_capture(writer, run_job(), page(), BROWSER, ENVIRONMENT)
    folder = store.root / filed.folder
    data = (folder / "manifest.json").read_bytes()
    manifest, _ = load_manifest(folder)
    assert data == manifest_json(manifest)  # a field per line, UTF-8, a final newline
    lines = data.decode("utf-8").splitlines()
    assert lines[:3] == [
        "{",
        '  "manifest_version": 1,',
        '  "capture_id": "20261125T011530123Z-abcdef",',
    ]
    assert lines[-1] == "}" and '    {"name":"screenshot.png",' in "\n".join(lines)
    assert list(manifest) == MANIFEST_KEYS
    assert json.loads(json.dumps(filed.manifest)) == manifest  # what the index is fed
    assert list(manifest["archive"]) == ARCHIVE_KEYS
    # artifacts in the order they were written; the WARC last, before the manifest
    assert [a["name"] for a in manifest["artifacts"]] == [
        "screenshot.png",
        "response.html",
        "dom.html",
        "page.mhtml",
        "text.txt",
        "screenshot-after-consent.png",
        "20261125T011530123Z-abcdef.warc.gz",  # named after the capture
    ]
    assert all(list(a) == ["name", "media_type", "size", "sha256"] for a in manifest["artifacts"])
    # the WARC's metadata record: the provenance, then the artifacts written before it
    warc = folder / "20261125T011530123Z-abcdef.warc.gz"
    members = gzip.decompress(warc.read_bytes()).split(b"WARC/1.1\r\n")
    uri = manifest["archive"].get("metadata_uri", "")
    record = next(r for r in members if f"WARC-Target-URI: {uri}\r\n".encode() in r)
    provenance = json.loads(record.split(b"\r\n\r\n", 1)[1])["provenance"]
    assert list(provenance) == [*MANIFEST_KEYS[:-2], "artifacts", "artifacts_note"]
    assert {k: provenance[k] for k in MANIFEST_KEYS[:-2]} == {
        k: v for k, v in manifest.items() if k not in ("archive", "artifacts")
    }
    assert provenance["artifacts"] == manifest["artifacts"][:-1]


def _filed(tmp_path: Path, har: bytes) -> tuple[Path, Manifest]:
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    writer = store.begin("20261125T011530123Z-abcdef")
    (writer.folder / "network.har").write_bytes(har)  # as Playwright writes it
    filed = file_capture(writer, run_job(), page(), BROWSER, ENVIRONMENT)
    folder = store.root / filed.folder
    return folder, load_manifest(folder)[0]


def test_the_har_is_filed_compressed_and_opens_with_gzip(tmp_path: Path) -> None:
    har = build_har()
    folder, m = _filed(tmp_path, json.dumps(har).encode())
    listed = {a["name"]: a for a in m["artifacts"]}
    assert "network.har" not in listed and not (folder / "network.har").exists()
    filed = (folder / "network.har.gz").read_bytes()
    assert listed["network.har.gz"]["media_type"] == "application/gzip"
    assert listed["network.har.gz"]["sha256"] == hashlib.sha256(filed).hexdigest()
    back = json.loads(gzip.decompress(filed))
    assert [e["request"]["url"] for e in back["log"]["entries"]] == [
        e["request"]["url"] for e in har["log"]["entries"]
    ]


def test_a_har_that_does_not_parse_is_filed_as_written(tmp_path: Path) -> None:
    broken = b'{"log": {"entries": [  '  # Playwright killed mid-write
    folder, m = _filed(tmp_path, broken)
    assert (folder / "network.har").read_bytes() == broken
    assert not (folder / "network.har.gz").exists()
    assert {"name": "network.har", "media_type": "application/json"}.items() <= next(
        a for a in m["artifacts"] if a["name"] == "network.har"
    ).items()
    assert "network.har is not valid JSON" in str(m["archive"]["problem"])


def test_without_a_warc_the_har_keeps_its_bodies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WARC cannot be written (a read-only file system under it): no WARC holds the
    bodies the filed HAR points to, so the HAR as recorded is filed beside it."""
    monkeypatch.setenv("COLLECTOR_TEST_FAULT", "store.write/*.warc.gz:erofs")
    raw = json.dumps(build_har()).encode()
    folder, m = _filed(tmp_path, raw)
    assert m["archive"]["file"] is None
    assert gzip.decompress((folder / "network-full.har.gz").read_bytes()) == raw
    assert "network-full.har.gz" in {a["name"] for a in m["artifacts"]}
