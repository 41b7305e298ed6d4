"""A page record made by hand, the shape the browser fills in: for filing and indexing
captures in tests that need no browser."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from collector.capture.filing import file_capture
from collector.evidence.store import EvidenceStore, new_capture_id
from collector.manifest import EnvironmentRecord
from collector.models import (
    BrowserInfo,
    CaptureJob,
    FiledCapture,
    MainResponse,
    Outcome,
    PageCapture,
    RedirectHop,
)
from tests.support.site import solid_png

URL = "http://127.0.0.1:9/page"
SHOT = solid_png((200, 30, 30), 40, 30)
CONSENT_SHOT = solid_png((30, 200, 30), 50, 20)
THUMB = solid_png((10, 10, 10), 9, 8)
ENVIRONMENT: EnvironmentRecord = {
    "hostname": "host",
    "os": "Linux",
    "python": "3.11",
    "fonts": {"checked": False},
}
BROWSER = BrowserInfo("chromium", "156", "/usr/lib/chromium/chromium", "system", "1.65")


def page(**changes: Any) -> PageCapture:
    """A page with every part: redirect, response, screenshot, consent click, thumbnail."""
    fields: dict[str, Any] = {
        "requested_url": URL,
        "started_at": "2026-11-25T01:15:30.123Z",
        "finished_at": "2026-11-25T01:15:31.456Z",
        "outcome": Outcome.OK,
        "reason": "",
        "final_url": URL,
        "redirects": (RedirectHop(URL + "?r", 301, "Moved", "/page"),),
        "response": MainResponse(
            URL,
            200,
            "OK",
            (("Content-Type", "text/html; charset=utf-8"), ("Date", "x")),
            "127.0.0.1",
            9,
            None,
            b"<p>halo</p>",
            None,
        ),
        "title": "Halo",
        "user_agent": "HeadlessChrome",
        "screenshot": SHOT,
        "screenshot_info": {"mode": "full_page", "truncated": False},
        "dom": "<html><p>halo</p></html>",
        "mhtml": b"MIME-Version: 1.0\r\n\r\n",
        "text": "halo",
        "settle": {"scrolls": 0},
        "dialogs": (),
        "errors": ("mhtml: slow",),
        "page_facts": {"lang": "id"},
        "consent": {"enabled": True, "clicked": True, "screenshot": {"mode": "full_page"}},
        "consent_screenshot": CONSENT_SHOT,
        "thumbnail": THUMB,
        "thumbnail_info": {"width": 9},
    }
    fields.update(changes)
    return PageCapture(**fields)


def run_job() -> CaptureJob:
    """A job from a watch-list run (case, operator, run, entry, attempt, list)."""
    return CaptureJob(
        URL,
        case="K-1",
        operator="Dwi",
        run_id="R1",
        entry={"index": 1, "name": "Budi"},
        attempt=2,
        watchlist={"file": "daftar.toml", "sha256": "00"},
    )


def file_and_index(root: Path) -> FiledCapture:
    """File the hand-made page into the store at `root` and index it, as the runner does."""
    from collector.records.custody import record_capture
    from collector.records.index import Index

    store = EvidenceStore(root)
    store.ensure_writable()
    filed = file_capture(store.begin(new_capture_id()), run_job(), page(), BROWSER, ENVIRONMENT)
    with Index(store.index_path) as index:
        record_capture(store, index, filed)
    return filed


def file_as_runner(
    store: EvidenceStore, shot: PageCapture, har: dict[str, Any], case: str | None = "K-1"
) -> tuple[FiledCapture, Path, dict[str, Any]]:
    """File and index one capture as the runner does, with both lookups (earlier payloads,
    the previous capture): repeat captures share as in a real store. `har` is what the
    browser recorded."""
    from collector.records.custody import record_capture
    from collector.records.index import Index, earlier_payloads, previous_capture

    writer = store.begin(new_capture_id())
    (writer.folder / "network.har").write_text(json.dumps(har), "utf-8")  # as the browser
    job = replace(run_job(), case=case)
    filed = file_capture(
        writer,
        job,
        shot,
        BROWSER,
        ENVIRONMENT,
        None,
        lambda: earlier_payloads(store.index_path, job.case),
        lambda: previous_capture(
            store.index_path, job.case, shot.requested_url, shot.final_url, shot.outcome.value
        ),
    )
    with Index(store.index_path) as index:
        record_capture(store, index, filed)
    folder = store.root / filed.folder
    return filed, folder, json.loads((folder / "manifest.json").read_text("utf-8"))
