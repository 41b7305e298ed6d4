"""Manifest -> index rows: the single definition of every row derived from evidence, used
when a capture is filed, by `reindex`, and by `verify` to recompute what the index should
hold (collector.review.verify).

The manifests are the source of truth: `captures` and `artifacts` rows come from a manifest
alone; `capture_text` from a manifest and its `text.txt` (only while it matches its recorded
hash); `timestamps` from the token records found on disk (collector.evidence.stamps).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from collector.evidence.store import read_verified_artifact
from collector.manifest import Manifest
from collector.models import TimestampRecord
from collector.records.fts import search_form
from collector.sites.platforms import detect_platform

__all__ = [
    "CAPTURE_COLUMNS",
    "TIMESTAMP_COLUMNS",
    "artifact_rows",
    "capture_platform",
    "capture_row",
    "capture_text_row",
    "entry_key",
    "finding_count",
    "timestamp_row",
]

TIMESTAMP_COLUMNS = (
    "capture_id",
    "folder",
    "tsr",
    "tsq",
    "tsq_sha256",
    "tsr_sha256",
    "late",
    "tsa_url",
    "gen_time",
    "serial",
    "policy",
    "nonce",
    "accuracy_ms",
    "manifest_sha256",
    "requested_at",
    "received_at",
)


def timestamp_row(record: TimestampRecord) -> dict[str, Any]:
    row = record.as_dict()
    row["late"] = int(record.late)
    return {key: row[key] for key in TIMESTAMP_COLUMNS}


# The columns of `captures`, in the table's order (capture_row() builds exactly these).
CAPTURE_COLUMNS = (
    "id",
    "requested_url",
    "final_url",
    "outcome",
    "reason",
    "http_status",
    "title",
    "case_id",
    "operator",
    "note",
    "started_at",
    "finished_at",
    "folder",
    "manifest_sha256",
    "collector_version",
    "browser_version",
    "hostname",
    "screenshot_height",
    "truncated",
    "run_id",
    "entry_name",
    "platform",
    "findings",
)


def capture_row(manifest: Manifest, folder: str, manifest_sha256: str) -> dict[str, Any]:
    """The `captures` row for a manifest: the single definition used by add and reindex."""
    response = manifest.get("response")
    shot = manifest.get("screenshot") or {}
    run = manifest.get("run")
    return {
        "id": manifest["capture_id"],
        "requested_url": manifest["requested_url"],
        "final_url": manifest.get("final_url"),
        "outcome": manifest["outcome"],
        "reason": manifest.get("outcome_reason") or "",
        "http_status": response["status"] if response else None,
        "title": (manifest.get("page") or {}).get("title"),
        "case_id": manifest.get("case"),
        "operator": manifest.get("operator"),
        "note": manifest.get("note"),
        "started_at": manifest["started_at"],
        "finished_at": manifest["finished_at"],
        "folder": folder,
        "manifest_sha256": manifest_sha256,
        "collector_version": (manifest.get("software") or {}).get("collector"),
        "browser_version": (manifest.get("browser") or {}).get("version"),
        "hostname": (manifest.get("environment") or {}).get("hostname"),
        "screenshot_height": shot.get("png_height"),
        "truncated": int(bool(shot.get("truncated"))),
        "run_id": run["run_id"] if run else None,
        "entry_name": (run["entry"] or {}).get("name") if run else None,
        "platform": capture_platform(manifest),
        "findings": finding_count(manifest),
    }


def capture_platform(manifest: Manifest) -> str:
    """Whose page this is: the platform whose markers judged it, else its watch-list
    entry's, else the one its URL's host belongs to ("web" for any other site)."""
    judged = (manifest.get("classification") or {}).get("platform")
    if isinstance(judged, str) and judged:
        return judged
    run = manifest.get("run")
    entry = run["entry"] if run else None
    if isinstance(entry, dict) and isinstance(entry.get("platform"), str) and entry["platform"]:
        return str(entry["platform"])
    return detect_platform(str(manifest.get("final_url") or manifest["requested_url"]))


def finding_count(manifest: Manifest) -> int:
    findings = manifest.get("findings")
    return len(findings) if isinstance(findings, list) else 0


def entry_key(manifest: Manifest) -> str:
    """What "the same page" means for change detection: the watch-list entry (its name,
    platform and URL) when the capture came from a run, else the requested URL. A list
    opened in a dialog of the profile (`list_in`: TikTok, Threads) shares the profile's
    URL, so its list is part of its key: it is compared with the last capture of that
    list, never with the profile's. (A list with a page of its own has its own URL.)"""
    run = manifest.get("run")
    entry = run["entry"] if run else None
    if isinstance(entry, dict) and entry.get("name"):
        parts = [entry.get("name"), entry.get("platform"), entry.get("url")]
        if entry.get("list_in") == "dialog":
            parts.append(entry.get("list"))
        return "entry:" + json.dumps(parts, ensure_ascii=False)
    return "url:" + str(manifest["requested_url"])


def capture_text_row(manifest: Manifest, folder: str, root: Path) -> dict[str, Any]:
    """The `capture_text` row: searchable title, URLs and visible text (from `text.txt`,
    only while it matches its recorded hash), in the FTS form (see collector.records.fts)."""
    data = read_verified_artifact(root / folder, manifest, "text.txt")
    urls = [manifest["requested_url"]]
    final_url = manifest.get("final_url")
    if final_url and final_url != manifest["requested_url"]:
        urls.append(final_url)
    title = (manifest.get("page") or {}).get("title") or ""
    return {
        "capture_id": manifest["capture_id"],
        "entry_key": entry_key(manifest),
        "title": search_form(str(title)),
        "url": search_form(" ".join(urls)),
        "text": search_form(data.decode("utf-8", errors="replace")) if data else "",
    }


def artifact_rows(manifest: Manifest) -> list[dict[str, Any]]:
    return [
        {
            "capture_id": manifest["capture_id"],
            "name": a["name"],
            "media_type": a["media_type"],
            "size": a["size"],
            "sha256": a["sha256"],
        }
        for a in manifest.get("artifacts", [])
    ]
