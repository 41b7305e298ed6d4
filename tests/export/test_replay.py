"""Issue 14, WARC and WACZ: what the archiving world's replay tool makes of collector's
output. pywb (test-only dependency) imports the WACZ with `wb-manager add --unpack-wacz`
and serves it with `wayback` on 127.0.0.1; Chromium then loads the replayed page."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from collector.evidence.warc import warc_digest
from tests.support.helpers import capture_folders, read_har, run_cli
from tests.support.pywb import pywb_serving
from tests.support.site import STYLED_BACKGROUND, SiteServer

pytestmark = pytest.mark.slow  # pywb's own processes


def export_wacz(store: Path, case: str, out: Path) -> Path:
    result = run_cli("export", "--format", "wacz", "--case", case, "--out", str(out), store=store)
    assert result.exit_code == 0, result.output
    return out


def manifest_of(store: Path, url: str) -> tuple[Path, dict[str, Any]]:
    for folder in capture_folders(store):
        m = json.loads((folder / "manifest.json").read_text("utf-8"))
        if m["requested_url"] == url:
            return folder, m
    raise AssertionError(f"no capture of {url}")


def replay_frame(page: Any) -> Any:
    """The frame pywb's banner page loads the replayed page into (`mp_` in its URL)."""
    for _ in range(300):
        frame = next((f for f in page.frames if "mp_/" in f.url), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(100)
    raise AssertionError(f"pywb loaded no replay frame: {[f.url for f in page.frames]}")


def timestamp14(rfc3339: str) -> str:
    return re.sub(r"\D", "", rfc3339)[:14]


def test_pywb_imports_the_wacz_and_replays_the_page_styled(
    site: SiteServer, store: Path, tmp_path: Path, page: Any
) -> None:
    url = site.url("/styled")
    result = run_cli("capture", url, "--case", "REPLAY-1", store=store)
    assert result.exit_code == 0, result.output
    folder, m = manifest_of(store, url)
    css = site.url("/styled.css")
    har = read_har(folder)
    kept = [e["response"]["content"] for e in har["log"]["entries"] if e["request"]["url"] == css]
    # the <link> copy has its body (in the WARC: the HAR names it by its payload digest,
    # docs/storage.md); the unread fetch() has none (Chromium kept nothing)
    body = f"body{{background-color:{STYLED_BACKGROUND}}} h1{{color:rgb(250, 250, 250)}}".encode()
    assert sorted(c.get("size") for c in kept) == [-1, len(body)]
    [whole] = [c for c in kept if c.get("size") == len(body)]
    [unread] = [c for c in kept if c.get("size") == -1]
    assert whole["_warcPayloadDigest"] == warc_digest(body)
    assert not ({"text", "_warcPayloadDigest"} & set(unread))

    # counted honestly: one body missing, its response left out of the WARC, not faked
    archive = m["archive"]
    assert archive["missing_bodies"] == 1 and archive["responses_left_out"] == 1
    [lost] = archive["lost_bodies"]
    assert lost["url"] == css and lost["status"] == 200 and lost["written"] is False
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

    records = []
    with (folder / archive["file"]).open("rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_headers.get_header("WARC-Target-URI") == css:
                records.append((rec.rec_type, rec.content_stream().read()))
    assert sorted(t for t, _ in records) == ["request", "request", "response"]
    assert [body for t, body in records if t == "response"] == [
        f"body{{background-color:{STYLED_BACKGROUND}}} h1{{color:rgb(250, 250, 250)}}".encode()
    ]
    shown = run_cli("show", m["capture_id"], store=store).output
    assert "1 bodies missing (the browser kept none: 1 response(s) left out of the WARC" in shown

    wacz = export_wacz(store, "REPLAY-1", tmp_path / "replay.wacz")
    with pywb_serving(wacz, tmp_path / "pywb") as wayback:
        assert "does not contain any indices" not in wayback.added, wayback.added
        assert list((wayback.root / "collections/bukti/archive").iterdir())
        # every record pywb can serve for the stylesheet is the real one
        lines = wayback.cdx(css)
        assert lines, "pywb has no index line for the stylesheet"
        ts = timestamp14(m["started_at"])
        # nothing but wayback answers the replayed page (the live site is on 127.0.0.1 too)
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(wayback.origin + "/")
                else route.abort()
            ),
        )
        # pywb puts the page in its replay frame (its top frame holds the banner)
        page.goto(wayback.replay_url(ts, url, modifier=""))
        page.wait_for_load_state("load")
        frame = replay_frame(page)
        frame.wait_for_load_state("load")
        assert frame.locator("h1").inner_text() == "Bergaya"
        background = frame.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == STYLED_BACKGROUND, "the replayed page is not styled"


def test_pages_agree_with_the_index_for_failed_and_missing_pages(
    site: SiteServer, store: Path, tmp_path: Path
) -> None:
    good, gone = site.url("/final"), site.url("/missing")
    assert run_cli("capture", good, "--case", "PAGES-1", store=store).exit_code == 0
    assert run_cli("capture", gone, "--case", "PAGES-1", store=store).exit_code == 4
    refused = "http://127.0.0.1:9/tidak-ada"  # nothing listens on the discard port
    failed = run_cli("capture", refused, "--case", "PAGES-1", "--timeout", "10", store=store)
    assert failed.exit_code == 1 and "network_error" in failed.output
    _, m = manifest_of(store, refused)
    assert m["final_url"].startswith("chrome-error:")  # what pages.jsonl listed before
    out = tmp_path / "pages.wacz"
    result = run_cli(
        "export", "--format", "wacz", "--case", "PAGES-1", "--out", str(out), store=store
    )
    assert result.exit_code == 0, result.output
    assert f"no page  {m['capture_id']}  network_error" in result.output
    with zipfile.ZipFile(out) as zf:
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()[1:]]
        index = zf.read("indexes/index.cdx").decode()
        package = json.loads(zf.read("datapackage.json"))
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in index.splitlines()}
    by_url = {p["url"]: p for p in pages}
    # a page for every capture whose page is in the index, and only for those
    assert set(by_url) == {good, gone} and set(by_url) <= indexed
    assert refused not in indexed
    assert by_url[gone]["title"].endswith("[not_found]")
    assert not by_url[good]["title"].endswith("]")
    [left_out] = package["case"]["not_in_pages"]
    assert left_out["capture_id"] == m["capture_id"] and left_out["outcome"] == "network_error"
    assert left_out["requested_url"] == refused
