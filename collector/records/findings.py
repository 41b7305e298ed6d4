"""The index's `findings` table: one row per finding in a capture's manifest.

Derived, like `captures`: filled when a capture is indexed and rebuilt by `reindex` from
the manifests (`findings` key, see collector.evidence.findings). Columns:

  capture_id, n        the capture and the finding's number (find-N.png)
  subject_key          who, across captures: "nip:…", else "name:…", else "handle:…"
  subject_name, subject_nip, subject_unit, subject_platform, subject_handle
  looked_for_kind, looked_for   the needle that matched: handle, text or profile_url
  kind, rule           the interaction (comment, reply, like, follower, following, share,
                       member, mention, author, unknown) and the rule that decided it
  how                  text, link or text+link
  matched_text, item_text   what matched, and the whole enclosing item (hostile text)
  selector, xpath, surface, box   where: CSS selector, XPath, the image that shows it
                       (screenshot.png, container-N.png), the box in page CSS px (JSON)
  crop, crop_sha256    find-N.png and its SHA-256 (NULL when no crop could be cut)
  url, captured_at, case_id, run_id, entry_name, list   the capture's, for listing
  finding_key          what "the same finding" means for change detection
                       (collector.evidence.findings.finding_identity)

Self-contained (its migration, rows and query): records/index.py calls into it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from collector.evidence.findings import finding_identity
from collector.manifest import Manifest

if TYPE_CHECKING:
    import sqlite_utils

    from collector.records.index import Index

VERSION = 6
DESCRIPTION = "findings: watched people found in captures"
TABLE = "findings"


def migration(db: sqlite_utils.Database) -> None:
    table = db.table(TABLE)
    table.create(
        {
            "capture_id": str,
            "n": int,
            "subject_key": str,
            "subject_name": str,
            "subject_nip": str,
            "subject_unit": str,
            "subject_platform": str,
            "subject_handle": str,
            "looked_for_kind": str,
            "looked_for": str,
            "kind": str,
            "rule": str,
            "how": str,
            "matched_text": str,
            "item_text": str,
            "selector": str,
            "xpath": str,
            "surface": str,
            "box": str,
            "crop": str,
            "crop_sha256": str,
            "url": str,
            "captured_at": str,
            "case_id": str,
            "run_id": str,
            "entry_name": str,
            "list": str,
            "finding_key": str,
        },
        pk=("capture_id", "n"),
        foreign_keys=[("capture_id", "captures", "id")],
    )
    for columns in (["subject_key"], ["kind"], ["captured_at"], ["case_id"]):
        table.create_index(columns)


def rows(manifest: Manifest) -> list[dict[str, Any]]:
    """The `findings` rows of one manifest."""
    out = []
    run = manifest.get("run")
    entry = (run["entry"] if run else None) or {}
    for f in manifest.get("findings") or []:
        if not isinstance(f, dict):
            continue
        # a manifest is read as data: a malformed finding gives empty columns, never a crash
        subject = _obj(f.get("subject"))
        looked = _obj(subject.get("looked_for"))
        crop = _obj(f.get("crop"))
        out.append(
            {
                "capture_id": manifest["capture_id"],
                "n": f.get("n"),
                "subject_key": subject.get("key"),
                "subject_name": subject.get("name"),
                "subject_nip": subject.get("nip"),
                "subject_unit": subject.get("unit"),
                "subject_platform": subject.get("platform"),
                "subject_handle": subject.get("handle"),
                "looked_for_kind": looked.get("kind"),
                "looked_for": looked.get("value"),
                "kind": f.get("kind"),
                "rule": f.get("rule"),
                "how": f.get("how"),
                "matched_text": f.get("matched_text"),
                "item_text": f.get("item_text"),
                "selector": f.get("selector"),
                "xpath": f.get("xpath"),
                "surface": f.get("surface"),
                "box": json.dumps(f.get("box"), sort_keys=True),
                "crop": crop.get("artifact"),
                "crop_sha256": crop.get("sha256"),
                "url": manifest.get("final_url") or manifest.get("requested_url"),
                "captured_at": manifest.get("started_at"),
                "case_id": manifest.get("case"),
                "run_id": run["run_id"] if run else None,
                "entry_name": (entry or {}).get("name"),
                "list": (entry or {}).get("list"),
                "finding_key": finding_identity(f),
            }
        )
    return out


def query(
    index: Index,
    *,
    case: str | None = None,
    subject: str | None = None,
    kinds: Sequence[str] = (),
    capture_ids: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Findings, oldest capture first. `subject` matches a name (case-insensitive,
    whole or part), a NIP, or a handle (with or without "@")."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if case is not None:
        where.append("f.case_id = :case")
        params["case"] = case
    if subject:
        text = subject.strip()
        params["handle"] = text.lstrip("@").lower()
        params["nip"] = text.replace(" ", "")
        params["name"] = "%" + _like_escape(" ".join(text.casefold().split())) + "%"
        where.append(
            "(lower(f.subject_handle) = :handle OR f.subject_nip = :nip"
            " OR lower(f.subject_name) LIKE :name ESCAPE '\\'"
            " OR lower(f.looked_for) = lower(:handle))"
        )
    if kinds:
        marks = ", ".join(f":k{i}" for i in range(len(kinds)))
        where.append(f"f.kind IN ({marks})")
        params.update({f"k{i}": k for i, k in enumerate(kinds)})
    if capture_ids is not None:
        ids = list(capture_ids)
        marks = ", ".join(f":c{i}" for i in range(len(ids))) or "NULL"
        where.append(f"f.capture_id IN ({marks})")
        params.update({f"c{i}": c for i, c in enumerate(ids)})
    sql = "SELECT f.*, c.outcome, c.folder FROM findings f JOIN captures c ON c.id = f.capture_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY f.captured_at, f.capture_id, f.n"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return list(index.db.query(sql, params))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
