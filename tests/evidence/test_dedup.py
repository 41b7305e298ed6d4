"""Storage that grows with what changed (docs/storage.md): repeat captures of an unchanged
page share files by hard link and point their WARC records at the first capture's, yet
every capture folder verifies alone, tampering with a shared file is caught in every
capture that holds it, retiring one never breaks another, and exports replay without the
store."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector.evidence.pool import pool_stats
from collector.evidence.warc import REVISIT_PROFILE
from tests.support.helpers import capture_folders, read_har, run_cli, verify, writable
from tests.support.site import SiteServer
from tests.support.tools import tool, warc_problems

WARCIO = tool("warcio")
WACZ = tool("wacz")
PAGE = "/tall"  # a full-page screenshot of some size, a DOM, an image


def records(warc: Path) -> list[Any]:
    """(type, rec_headers, payload) of every record, read by warcio."""
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

    out = []
    with warc.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            out.append((rec.rec_type, rec.rec_headers, rec.content_stream().read()))
    return out


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def pristine(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two captures of the same unchanged page, one after the other."""
    root = tmp_path_factory.mktemp("dedup") / "evidence"
    sizes = []
    for _ in range(2):
        result = run_cli("capture", site.url(PAGE), "--case", "K-15", store=root)
        assert result.exit_code == 0, result.output
        sizes.append(pool_stats(root).disk_bytes)
    (root / "sizes.json").write_text(json.dumps(sizes))
    yield root
    _writable_tree(root)


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Iterator[Path]:
    """A per-test copy that keeps the hard links (`cp -a`), to tamper with."""
    copy = tmp_path / "evidence"
    subprocess.run(["cp", "-a", str(pristine), str(copy)], check=True)
    yield copy
    _writable_tree(copy)


def _writable_tree(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if path.exists():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_a_repeat_capture_shares_storage_and_each_verifies_alone(pristine: Path) -> None:
    first, second = capture_folders(pristine)
    # the same screenshot, DOM and text: one inode each, linked into both folders
    for name in ("screenshot.png", "dom.html", "text.txt", "response.html"):
        a, b = (first / name).stat(), (second / name).stat()
        assert (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev), name
        assert stat.S_ISREG(b.st_mode) and not (second / name).is_symlink()
    # the repeat's WARC points at the first's records; the first's WARC is linked in
    manifest = json.loads((second / "manifest.json").read_text("utf-8"))
    warc_sha = json.loads((first / "manifest.json").read_text("utf-8"))["archive"]["sha256"]
    assert manifest["archive"]["refers_to"] == [f"refers-{warc_sha}.warc.gz"]
    referred = second / f"refers-{warc_sha}.warc.gz"
    assert referred.stat().st_ino == (first / f"{first.name}.warc.gz").stat().st_ino
    assert any(a["name"] == referred.name for a in manifest["artifacts"])
    earlier = {
        h.get_header("WARC-Record-ID"): h for _, h, _ in records(first / f"{first.name}.warc.gz")
    }
    revisits = [(h, p) for t, h, p in records(second / f"{second.name}.warc.gz") if t == "revisit"]
    assert revisits, "an unchanged page's payloads are not stored again"
    for headers, payload in revisits:
        assert headers.get_header("WARC-Profile") == REVISIT_PROFILE
        target = earlier[headers.get_header("WARC-Refers-To")]
        assert headers.get_header("WARC-Refers-To-Target-URI") == target.get_header(
            "WARC-Target-URI"
        )
        assert headers.get_header("WARC-Refers-To-Date") == target.get_header("WARC-Date")
        assert headers.get_header("WARC-Payload-Digest") == target.get_header("WARC-Payload-Digest")
        assert payload == b""  # the payload is the earlier record's
    uris = {h.get_header("WARC-Target-URI") for h, _ in revisits}
    assert f"urn:collector:{second.name}/screenshot.png" in uris
    assert manifest["archive"]["record_types"]["revisit"] == len(revisits)
    # the HAR keeps no body the WARC holds: a digest in its place, found in the WARC
    har = read_har(second)
    digests = {
        h.get_header("WARC-Payload-Digest")
        for t, h, _ in records(second / f"{second.name}.warc.gz")
        if t in ("response", "revisit")
    }
    pointed = [e["response"]["content"] for e in har["log"]["entries"]]
    assert pointed and all("text" not in c for c in pointed if "_warcPayloadDigest" in c)
    assert {c["_warcPayloadDigest"] for c in pointed if "_warcPayloadDigest" in c} <= digests
    # each folder alone: sha256sum -c, warcio check, collector verify
    for folder in (first, second):
        check = sha256sum_check(folder)
        assert check.returncode == 0, check.stdout + check.stderr
        for warc in folder.glob("*.warc.gz"):
            assert warc_problems(warc) == []
        code, out = verify(pristine, folder.name, "--no-record")
        assert code == 0, out
    # the repeat adds a small part of what the first capture took
    sizes = json.loads((pristine / "sizes.json").read_text())
    assert sizes[1] - sizes[0] < 0.25 * sizes[0], sizes


def test_the_repeat_links_the_first_snapshot_instead_of_filing_its_own(pristine: Path) -> None:
    """The same DOM, screenshot and HTTP payloads: a new MHTML would differ only in
    Chromium's random boundary, ids and Date, so the first capture's is linked in."""
    first, second = capture_folders(pristine)
    m1 = json.loads((first / "manifest.json").read_text("utf-8"))
    m2 = json.loads((second / "manifest.json").read_text("utf-8"))
    assert "mhtml_reused" not in m1["archive"] and (first / "page.mhtml").is_file()
    sha = next(a["sha256"] for a in m1["artifacts"] if a["name"] == "page.mhtml")
    linked = second / f"refers-{sha}.mhtml"
    assert not (second / "page.mhtml").exists()
    assert linked.stat().st_ino == (first / "page.mhtml").stat().st_ino
    assert any(a["name"] == linked.name and a["sha256"] == sha for a in m2["artifacts"])
    reused = m2["archive"]["mhtml_reused"]
    assert reused["file"] == linked.name
    assert reused["from_capture"] == reused["compared_with"] == first.name
    assert reused["payloads_compared"] >= 1
    # its WARC record: a revisit of the first capture's snapshot record
    (revisit,) = [
        h
        for t, h, _ in records(second / f"{second.name}.warc.gz")
        if h.get_header("WARC-Target-URI") == f"urn:collector:{second.name}/{linked.name}"
    ]
    assert revisit.get_header("WARC-Type") == "revisit"
    assert revisit.get_header("WARC-Refers-To-Target-URI") == (
        f"urn:collector:{first.name}/page.mhtml"
    )


def flip_in_place(path: Path, at: int, mask: int) -> None:
    """Change one byte of a shared file in place (the inode every folder holds), as an
    editor saving over it would."""
    data = bytearray(writable(path).read_bytes())
    data[at] ^= mask
    with path.open("r+b") as fh:
        fh.write(bytes(data))


def test_tampering_with_the_shared_snapshot_fails_both_captures(store: Path) -> None:
    first, second = capture_folders(store)
    mhtml = first / "page.mhtml"
    flip_in_place(mhtml, mhtml.stat().st_size // 2, 0x20)
    for folder in (first, second):
        code, out = verify(store, folder.name, "--no-record")
        assert code == 1, out
        assert ".mhtml" in out
        assert sha256sum_check(folder).returncode != 0


def test_tampering_with_a_shared_file_fails_every_capture_holding_it(store: Path) -> None:
    first, second = capture_folders(store)
    flip_in_place(first / "screenshot.png", -20, 0xFF)
    for folder in (first, second):
        code, out = verify(store, folder.name, "--no-record")
        assert code == 1, out
        assert "screenshot.png" in out
        assert sha256sum_check(folder).returncode != 0


def test_tampering_with_the_referred_warc_fails_the_repeat_too(store: Path) -> None:
    first, second = capture_folders(store)
    warc = writable(first / f"{first.name}.warc.gz")
    with warc.open("r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 0xFF]))
    for folder in (first, second):
        code, out = verify(store, folder.name, "--no-record")
        assert code == 1, out


def test_retiring_and_deleting_the_first_capture_leaves_the_repeat_whole(
    store: Path, tmp_path: Path
) -> None:
    first, second = capture_folders(store)
    result = run_cli(
        "retire", first.name, "--reason", "salah sasaran", "--delete-files", store=store
    )
    assert result.exit_code == 0, result.output
    assert not first.exists()
    check = sha256sum_check(second)
    assert check.returncode == 0, check.stdout + check.stderr
    code, out = verify(store, "--no-record")
    assert code == 0, out
    # what only the first held is gone from the pool; what the repeat links stays
    stats = pool_stats(store)
    assert stats.orphans == 0
    out_wacz = tmp_path / "sisa.wacz"
    result = run_cli(
        "export", "--format", "wacz", "--case", "K-15", "--out", str(out_wacz), store=store
    )
    assert result.exit_code == 0, result.output
    assert _wacz_validate(out_wacz).returncode == 0


def test_a_third_capture_after_the_first_is_deleted_still_shares(
    store: Path, site: SiteServer
) -> None:
    first, second = capture_folders(store)
    assert (
        run_cli("retire", first.name, "--reason", "x", "--delete-files", store=store).exit_code == 0
    )
    result = run_cli("capture", site.url(PAGE), "--case", "K-15", store=store)
    assert result.exit_code == 0, result.output
    third = capture_folders(store)[-1]
    assert (third / "screenshot.png").stat().st_ino == (second / "screenshot.png").stat().st_ino
    manifest = json.loads((third / "manifest.json").read_text("utf-8"))
    assert manifest["archive"].get("refers_to"), "the pooled WARC outlives its first folder"
    # the snapshot too: compared with the second, taken by the first (deleted, pooled)
    reused = manifest["archive"]["mhtml_reused"]
    assert (reused["compared_with"], reused["from_capture"]) == (second.name, first.name)
    assert (third / reused["file"]).stat().st_ino == (second / reused["file"]).stat().st_ino
    code, out = verify(store, "--no-record")
    assert code == 0, out


def _wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WACZ, "validate", "-f", str(path)], capture_output=True, text=True)


def test_exports_of_deduplicated_captures_replay_without_the_store(
    store: Path, tmp_path: Path
) -> None:
    _first, second = capture_folders(store)
    shot = (second / "screenshot.png").read_bytes()
    (snapshot,) = second.glob("refers-*.mhtml")  # the first capture's, linked in
    mhtml = snapshot.read_bytes()
    wacz = tmp_path / "kasus.wacz"
    package = tmp_path / "kasus.zip"
    for fmt, out in (("wacz", wacz), ("zip", package)):
        result = run_cli(
            "export", "--format", fmt, "--case", "K-15", "--capture", second.name,
            "--out", str(out), store=store,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    shutil.rmtree(store)  # nothing below may reach the store

    check = _wacz_validate(wacz)
    assert check.returncode == 0, check.stdout + check.stderr
    unpacked = tmp_path / "wacz"
    with zipfile.ZipFile(wacz) as zf:
        zf.extractall(unpacked)
    (warc,) = unpacked.glob("archive/*.warc.gz")
    assert warc_problems(warc) == []
    got = subprocess.run([WARCIO, "check", str(warc)], capture_output=True, text=True)
    assert got.returncode == 0, got.stdout + got.stderr
    resolved = records(warc)
    assert not [r for r in resolved if r[0] == "revisit"], "a WACZ holds full records"
    by_uri = {h.get_header("WARC-Target-URI"): (t, p) for t, h, p in resolved}
    assert by_uri[f"urn:collector:{second.name}/screenshot.png"] == ("resource", shot)
    assert by_uri[f"urn:collector:{second.name}/{snapshot.name}"] == ("resource", mhtml)
    cdx = (unpacked / "indexes" / "index.cdx").read_text("utf-8")
    assert "revisit" not in cdx

    zipped = tmp_path / "zip"
    with zipfile.ZipFile(package) as zf:
        zf.extractall(zipped)
    (folder,) = zipped.glob(f"*/captures/{second.name}")  # under the package's root folder
    warcs = sorted(folder.glob("*.warc.gz"))
    assert any(w.name.startswith("refers-") for w in warcs), "the package holds what it refers to"
    assert (folder / snapshot.name).read_bytes() == mhtml
    check = sha256sum_check(folder)
    assert check.returncode == 0, check.stdout + check.stderr
    for w in warcs:
        got = subprocess.run([WARCIO, "check", str(w)], capture_output=True, text=True)
        assert got.returncode == 0, got.stdout + got.stderr
    # every revisit resolves inside the package, to a payload with its digest
    full = {
        h.get_header("WARC-Record-ID"): h.get_header("WARC-Payload-Digest")
        for w in warcs
        for t, h, _ in records(w)
        if t in ("response", "resource")
    }
    revisits = [h for w in warcs for t, h, _ in records(w) if t == "revisit"]
    assert revisits
    for h in revisits:
        assert full[h.get_header("WARC-Refers-To")] == h.get_header("WARC-Payload-Digest")
    result = run_cli("verify-package", str(package))
    assert result.exit_code == 0, result.output


def test_a_store_written_before_sharing_verifies_reindexes_and_is_shared_from(
    store: Path, site: SiteServer
) -> None:
    """No pool, no payload lookup (index schema before migration 15): as stores were."""
    assert len(capture_folders(store)) == 2
    _writable_tree(store)
    shutil.rmtree(store / "blobs")
    with sqlite3.connect(store / "index.db") as db:
        db.execute("DROP TABLE warc_payloads")
        db.execute("DELETE FROM migrations WHERE version = 15")
    db.close()
    code, out = verify(store, "--no-record")
    assert code == 0, out
    result = run_cli("reindex", store=store)
    assert result.exit_code == 0, result.output
    result = run_cli("capture", site.url(PAGE), "--case", "K-15", store=store)
    assert result.exit_code == 0, result.output
    third = capture_folders(store)[-1]
    manifest = json.loads((third / "manifest.json").read_text("utf-8"))
    assert manifest["archive"].get("refers_to"), "reindex rebuilt the payload lookup"
    assert (third / "screenshot.png").stat().st_nlink >= 2  # pooled again from here on
    code, out = verify(store, "--no-record")
    assert code == 0, out


def test_doctor_reports_the_size_with_and_without_sharing(pristine: Path) -> None:
    out = run_cli("doctor", store=pristine).output
    (line,) = [x for x in out.splitlines() if " size " in f" {x} "]
    stats = pool_stats(pristine)
    assert f"{stats.disk_bytes / 1e6:.1f} MB on disk" in line
    assert f"{stats.unshared_bytes / 1e6:.1f} MB without sharing" in line
    assert stats.ratio < 0.75 and f"(ratio {stats.ratio:.2f})" in line
