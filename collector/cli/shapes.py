"""What `--json` prints: one plain-dict builder per record type.

Every command that prints a capture, a change, a run, a token, ... as JSON builds it here,
so `capture --json` and `list --json` give a capture the same keys, `run --json` and
`runs ID --json` a run the same keys, and a future web API can return the same dicts.
Values are JSON-ready (str, int, float, bool, None, lists, dicts); times stay UTC RFC 3339.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from collector.models import FiledCapture


def capture_columns() -> tuple[str, ...]:
    """The keys of `capture()`, in order (`list --csv` writes them as its header)."""
    from collector.records.rows import CAPTURE_COLUMNS

    return (*CAPTURE_COLUMNS, "retired_at")


def capture(row: Mapping[str, Any]) -> dict[str, Any]:
    """A capture as the index holds it (a `captures` row, with `retired_at`)."""
    out = dict(row)
    out.setdefault("retired_at", None)
    return out


def filed_capture(filed: FiledCapture) -> dict[str, Any]:
    """A capture just filed: the same keys as `capture()`, from its manifest."""
    from collector.records.rows import capture_row

    return capture(capture_row(filed.manifest, filed.folder, filed.manifest_sha256))


def change(row: Mapping[str, Any]) -> dict[str, Any]:
    """A `changes` row: kinds as a list, `changed` a boolean, details parsed."""
    out = dict(row)
    out["kinds"] = row["kinds"].split(",") if row["kinds"] else []
    out["changed"] = bool(row["changed"])
    out["details"] = json.loads(row["details"]) if row["details"] else None
    return out


def run(
    row: Mapping[str, Any],
    entries: Iterable[Mapping[str, Any]],
    attempts: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """A watch-list run with its entries and every attempt, as the index holds them."""
    return {
        "run": dict(row),
        "entries": [dict(e) for e in entries],
        "attempts": [dict(a) for a in attempts],
    }


def timestamp(row: Mapping[str, Any]) -> dict[str, Any]:
    """An RFC 3161 token as the index holds it (a `timestamps` row)."""
    out = dict(row)
    out["late"] = bool(row.get("late"))
    return out


def custody_entry(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A custody entry's place in the log (the entry itself: `collector custody --json`);
    None when it could not be recorded (a read-only store)."""
    if entry is None:
        return None
    return {"seq": entry["seq"], "action": entry["action"], "entry_hash": entry["entry_hash"]}


def package(done: Any) -> dict[str, Any]:
    """An evidence package just written (collector.export.package.Exported)."""
    return {
        "format": "zip",
        "path": str(done.path),
        "sha256": done.sha256,
        "package_json_sha256": done.package_json_sha256,
        "captures": list(done.captures),
        "redactions": done.redactions,
        "signing_key_sha256": done.signing_key_sha256,
        "timestamps": [dict(a) for a in done.timestamps],
        "custody_entry": custody_entry(done.entry),
    }


def wacz(result: Any) -> dict[str, Any]:
    """A WACZ just written (collector.export.wacz.WaczExport)."""
    w = result.wacz
    return {
        "format": "wacz",
        "path": str(w.path),
        "sha256": w.sha256,
        "size": w.size,
        "datapackage_hash": w.datapackage_hash,
        "public_key": w.public_key,
        "captures": [
            {
                "id": c.capture_id,
                "url": c.url,
                "warc_sha256": c.warc_sha256,
                "packaged_sha256": c.packaged_sha256,
                "redacted": list(c.redacted),
            }
            for c in result.captures
        ],
        "skipped": list(result.skipped),
        "not_in_pages": [dict(x) for x in result.not_in_pages],
        "custody_entry": custody_entry(result.entry),
    }


def doctor(report: Any) -> dict[str, Any]:
    """What `collector doctor` checked (collector.review.doctor.DoctorReport)."""
    return {
        "ok": report.ok,
        "checks": [{"name": k, "value": v, "ok": ok} for k, v, ok in report.lines],
    }


def watchlist_check(file: str, sha256: str, rows: Sequence[Any]) -> dict[str, Any]:
    """A checked watch list: every selected entry resolved (lists.format.CheckRow)."""
    return {
        "file": file,
        "sha256": sha256,
        "entries": [
            {
                "index": r.index,
                "line": r.line,
                "name": r.name,
                "platform": r.platform,
                "handle": r.handle,
                "url": r.url,
                "tags": list(r.tags),
                "session": str(r.session) if r.session else None,
                "proxy": r.proxy,
            }
            for r in rows
        ],
    }


def dumps(value: Any) -> str:
    """The one JSON layout of every `--json`: indented, UTF-8, invisible and bidi
    characters escaped (collector.text.json_text)."""
    from collector.text import json_text

    return json_text(value)
