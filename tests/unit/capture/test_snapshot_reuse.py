"""A repeat capture that rendered exactly what the previous capture of the page in its
case with the same outcome did (the same DOM, screenshot and HTTP payloads) links that capture's MHTML snapshot
instead of filing its own (docs/storage.md); anything different, and it files its own."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest

from collector.evidence.store import EvidenceStore
from collector.evidence.warc import REVISIT_PROFILE
from collector.evidence.warc_copy import read_records
from collector.models import Outcome, PageCapture
from tests.support.handmade import file_as_runner as file
from tests.support.handmade import page
from tests.support.site import solid_png
from tests.support.warc_fixtures import build_har

# a snapshot large enough (MIN_LINKED_BYTES) for the earlier WARC to be linked, so its
# WARC record can become a revisit
MHTML = b"MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n\r\n" + b"<p>halo</p>\r\n" * 400


def same_page(**changes: Any) -> PageCapture:
    return page(mhtml=MHTML, **changes)


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    return store


def own_snapshot(folder: Path, manifest: dict[str, Any]) -> bool:
    """The capture filed the snapshot it took, as every capture did before."""
    names = {a["name"] for a in manifest["artifacts"]}
    return (
        "page.mhtml" in names
        and (folder / "page.mhtml").read_bytes() == MHTML
        and "mhtml_reused" not in manifest["archive"]
        and not list(folder.glob("refers-*.mhtml"))
    )


def test_an_unchanged_page_links_the_earlier_snapshot(store: EvidenceStore) -> None:
    har = build_har()
    first, a, ma = file(store, same_page(), har)
    assert own_snapshot(a, ma)
    _, b, mb = file(store, same_page(), har)
    sha = next(x["sha256"] for x in ma["artifacts"] if x["name"] == "page.mhtml")
    name = f"refers-{sha}.mhtml"
    # no page.mhtml of its own: the first one's, one inode, listed and summed like any file
    assert not (b / "page.mhtml").exists()
    assert (b / name).read_bytes() == MHTML
    assert (b / name).stat().st_ino == (a / "page.mhtml").stat().st_ino
    assert not (b / name).is_symlink()
    listed = {x["name"]: x for x in mb["artifacts"]}
    assert listed[name]["sha256"] == sha and listed[name]["media_type"] == "multipart/related"
    assert f"{sha}  {name}" in (b / "SHA256SUMS").read_text("utf-8").splitlines()
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=b, capture_output=True)
    assert check.returncode == 0, check.stdout
    # the manifest says so, and why, naming the capture compared and the one that took it
    reused = mb["archive"]["mhtml_reused"]
    assert reused["file"] == name and reused["sha256"] == sha
    assert reused["from_capture"] == reused["compared_with"] == first.capture_id
    assert reused["payloads_compared"] >= 2
    assert "byte-identical" in reused["reason"] and first.capture_id in reused["reason"]
    # its WARC record is a revisit of the first capture's page.mhtml record
    uri = f"urn:collector:{mb['capture_id']}/{name}"
    assert uri in mb["archive"]["resources"]
    warc = b / f"{mb['capture_id']}.warc.gz"
    records = [dict(fields) for fields, _, _, _ in read_records(warc)]
    (record,) = [r for r in records if r.get("WARC-Target-URI") == uri]
    assert record["WARC-Type"] == "revisit" and record["WARC-Profile"] == REVISIT_PROFILE
    assert record["WARC-Refers-To-Target-URI"] == f"urn:collector:{first.capture_id}/page.mhtml"
    # a third capture compares with the second, and names the first as the snapshot's maker
    _, c, mc = file(store, same_page(), har)
    assert mc["archive"]["mhtml_reused"]["compared_with"] == mb["capture_id"]
    assert mc["archive"]["mhtml_reused"]["from_capture"] == first.capture_id
    reason = mc["archive"]["mhtml_reused"]["reason"]
    assert "{" not in reason  # every name in it filled in
    assert reason.endswith(f"capture {first.capture_id}'s snapshot is linked here")
    assert f"byte-identical to capture {mb['capture_id']}'s, the previous ok capture" in reason
    assert (c / name).stat().st_ino == (a / "page.mhtml").stat().st_ino


def test_a_different_payload_dom_or_screenshot_files_its_own_snapshot(
    store: EvidenceStore,
) -> None:
    har = build_har()
    file(store, same_page(), har)
    changed = copy.deepcopy(har)
    content = changed["log"]["entries"][1]["response"]["content"]
    content["text"] = content["text"].replace("<", "<!-- v2 -->\n<", 1)
    # the same screenshot and DOM, one HTTP payload different
    _, folder, manifest = file(store, same_page(), changed)
    assert own_snapshot(folder, manifest)
    for other in (
        same_page(dom="<html><p>halo, berubah</p></html>"),
        same_page(screenshot=solid_png((0, 0, 200), 40, 30)),
    ):
        _, folder, manifest = file(store, other, changed)
        assert own_snapshot(folder, manifest)


def test_a_repeat_with_the_same_outcome_links_only_a_capture_with_that_outcome(
    store: EvidenceStore,
) -> None:
    """A post that stays deleted renders the same 'not found' page run after run: compared
    like an ok page, with a capture of the same outcome only."""
    har = build_har()
    gone = same_page(outcome=Outcome.NOT_FOUND, reason="HTTP 404")
    _, _, ma = file(store, same_page(), har)  # ok before it was deleted
    first, b, mb = file(store, gone, har)
    assert own_snapshot(b, mb)  # the ok capture is not compared with a not_found one
    _, c, mc = file(store, gone, har)
    reused = mc["archive"]["mhtml_reused"]
    assert reused["compared_with"] == reused["from_capture"] == first.capture_id
    assert "previous not_found capture" in reused["reason"]
    assert (c / reused["file"]).stat().st_ino == (b / "page.mhtml").stat().st_ino
    _, _, md = file(store, same_page(), har)  # back again: compared with the ok one
    assert md["archive"]["mhtml_reused"]["compared_with"] == ma["capture_id"]


def test_only_within_one_case(store: EvidenceStore) -> None:
    har = build_har()
    file(store, same_page(), har, case="K-1")
    for case in ("K-2", None):
        _, folder, manifest = file(store, same_page(), har, case=case)
        assert own_snapshot(folder, manifest)


def test_a_previous_warc_that_does_not_hash_as_recorded_is_not_trusted(
    store: EvidenceStore,
) -> None:
    har = build_har()
    _, a, ma = file(store, same_page(), har)
    warc = a / f"{ma['capture_id']}.warc.gz"
    warc.chmod(0o600)
    with warc.open("ab") as fh:
        fh.write(b"\0")  # the comparison reads this WARC: it no longer hashes as listed
    _, folder, manifest = file(store, same_page(), har)
    assert own_snapshot(folder, manifest)


def test_an_earlier_warc_is_linked_only_when_it_spares_enough(store: EvidenceStore) -> None:
    """One small payload in common (above MIN_REVISIT_BYTES, below MIN_LINKED_BYTES): stored
    again, rather than linking the earlier WARC, which costs listings in the manifest,
    SHA256SUMS and the index."""
    har = build_har()
    small = MHTML[:2000]
    file(store, page(mhtml=small), har)
    _, b, mb = file(store, page(mhtml=small, dom="<html><p>lain</p></html>"), har)
    assert "refers_to" not in mb["archive"] and "revisit" not in mb["archive"]["record_types"]
    assert not list(b.glob("refers-*"))
    # with enough in common, the earlier WARC is linked, and a payload it holds that would
    # not be worth it alone (the DOM) is a revisit too
    dom = "<html>" + "<p>halo</p>" * 60 + "</html>"
    _, _, ma = file(store, same_page(dom=dom), har, case="K-2")
    _, _, mc = file(store, same_page(dom=dom), har, case="K-2")
    assert mc["archive"]["refers_to"] == [f"refers-{ma['archive']['sha256']}.warc.gz"]
    assert mc["archive"]["record_types"]["revisit"] == 2  # the DOM and the snapshot
