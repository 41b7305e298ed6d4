"""Captures filed without a browser: real store, real index, real custody log, synthetic
page content. For browser-free tests of filing, custody, recovery and verification, and
(`add_capture`: given ids, times, URLs and outcomes) of what the command line prints.

`python -m tests.support.synthetic STORE [N]` files N captures into STORE (for tests that
must kill a real process at a fault point, see collector/faults.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from collector.evidence.hashing import sha256_bytes
from collector.evidence.store import EvidenceStore, new_capture_id
from collector.models import FiledCapture
from collector.monitor.detect import ChangeMonitor
from collector.records.custody import record_capture
from collector.records.index import Index
from collector.timeutil import rfc3339, utc_now


def file_capture(
    store: EvidenceStore,
    index: Index,
    *,
    url: str = "https://example.org/post/1",
    text: str = "Dukung calon nomor 1",
    case: str | None = "KASUS-1",
    operator: str = "tester",
    title: str = "synthetic",
    record: bool = True,
) -> FiledCapture:
    """Write, seal and (with `record`) index one capture with its `captured` event."""
    store.ensure_writable()
    writer = store.begin(new_capture_id())
    writer.write_bytes("text.txt", text.encode(), "text/plain; charset=utf-8")
    writer.write_bytes("dom.html", f"<p>{text}</p>".encode(), "text/html; charset=utf-8")
    now = rfc3339(utc_now())
    filed = writer.finish(
        {
            "manifest_version": 1,
            "capture_id": writer.capture_id,
            "requested_url": url,
            "final_url": url,
            "outcome": "ok",
            "outcome_reason": "",
            "started_at": now,
            "finished_at": now,
            "case": case,
            "operator": operator,
            "note": None,
            "page": {"title": title},
        }
    )
    if record:
        index_capture(store, index, filed)
    return filed


def index_capture(store: EvidenceStore, index: Index, filed: FiledCapture) -> None:
    """Index a sealed capture with its `captured` event and compare it with the page's
    previous capture, as `collector capture` does (verify recomputes that `changes` row)."""
    record_capture(store, index, filed)
    monitor = ChangeMonitor(background=False)
    monitor.after_filing(index, None, filed)
    monitor.close()


def add_capture(
    store: Path,
    capture_id: str,
    *,
    started: str = "2026-11-25T05:03:05.090Z",
    url: str = "https://example.org/a",
    outcome: str = "ok",
    title: str = "Judul",
    case: str | None = "C-1",
    text: str = "Halo",
) -> dict[str, Any]:
    """File one synthetic capture into `store` (created if needed); return its manifest."""
    folder = f"captures/{started[:10]}/{capture_id}"
    (store / folder).mkdir(parents=True, exist_ok=True)
    data = text.encode()
    (store / folder / "text.txt").write_bytes(data)
    manifest: dict[str, Any] = {
        "capture_id": capture_id,
        "requested_url": url,
        "final_url": url,
        "outcome": outcome,
        "outcome_reason": "" if outcome == "ok" else f"the page is {outcome}",
        "started_at": started,
        "finished_at": started,
        "case": case,
        "operator": "Dwi A.",
        "note": None,
        "response": {"status": 200 if outcome == "ok" else 404},
        "page": {"title": title},
        "run": None,
        "artifacts": [
            {
                "name": "text.txt",
                "media_type": "text/plain",
                "size": len(data),
                "sha256": sha256_bytes(data),
            }
        ],
    }
    raw = json.dumps(manifest).encode()
    (store / folder / "manifest.json").write_bytes(raw)
    filed = FiledCapture(capture_id, folder, manifest, sha256_bytes(raw), ())
    evidence = EvidenceStore(store)
    with Index(evidence.index_path) as index:
        record_capture(evidence, index, filed)
    return manifest


def main(argv: list[str]) -> None:
    store = EvidenceStore(Path(argv[0]))
    store.ensure_writable()
    with Index(store.index_path) as index:
        for _ in range(int(argv[1]) if len(argv) > 1 else 1):
            filed = file_capture(store, index)
            print(filed.capture_id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
