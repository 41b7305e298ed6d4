"""A store filled without a browser: manifests and text files written by hand, filed
through the index and the custody log as the runner files them. For tests of what the
command line prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from collector.evidence.hashing import sha256_bytes
from collector.evidence.store import EvidenceStore
from collector.models import FiledCapture
from collector.records.custody import record_capture
from collector.records.index import Index


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
