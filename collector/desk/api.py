"""The desk's JSON API (`/api/...`): the same shapes the CLI prints with `--json`.

  /api/captures            rows as `collector list --json` (newest first, paged: a `Link:
                           <...>; rel="next"` header points to the next page)
  /api/captures/ID         the manifest as stored, as `collector show ID --json`
  /api/captures/ID/custody the capture's custody entries, as `collector custody ID --json`
  /api/captures/ID/findings  the manifest's `findings` (an empty list before there are any)
  /api/search?q=           as `collector search Q --json` (matches marked [[...]])
  /api/changes             as `collector changes --json`
  /api/runs, /api/runs/ID  as `collector runs --json`, `collector runs ID --json`
  /api/cases               each case with its counts (the desk's own)
  /api/reports/ID          an intake report and its items, for the live progress view

Captured strings are returned as they are: JSON is data, and a client that renders it
must escape it (the desk's own pages do).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from collector.records.fts import HIGHLIGHT_END, HIGHLIGHT_START


def dumps(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def search_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Search rows with the highlight markers as `[[`/`]]`, as the CLI prints them."""
    out = []
    for row in rows:
        item = dict(row)
        for key in ("snippet", "title_highlighted"):
            item[key] = str(item[key]).replace(HIGHLIGHT_START, "[[").replace(HIGHLIGHT_END, "]]")
        out.append(item)
    return out


def change_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """`changes` rows with kinds as a list, changed as a bool and details parsed."""
    out = []
    for row in rows:
        item = dict(row)
        item["kinds"] = row["kinds"].split(",") if row["kinds"] else []
        item["changed"] = bool(row["changed"])
        item["details"] = json.loads(row["details"]) if row["details"] else None
        out.append(item)
    return out


def report_status(report: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """An intake report and its items; `finished` once no item is queued or capturing."""
    return {
        "report": report,
        "items": items,
        "finished": all(i["status"] not in ("queued", "capturing") for i in items),
    }
