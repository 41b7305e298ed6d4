"""The index's findings table: filled from manifests, rebuilt by reindex, queried."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from collector.records.findings import VERSION, query, rows
from collector.records.index import MIGRATIONS, Index


def finding(
    n: int, kind: str, name: str, nip: str | None, handle: str, text: str
) -> dict[str, Any]:
    return {
        "n": n,
        "needle_id": "s1.1",
        "subject": {
            "key": f"nip:{nip}" if nip else f"name:{name.lower()}",
            "name": name,
            "nip": nip,
            "unit": "Dinas Pendidikan",
            "platform": "instagram",
            "handle": handle,
            "looked_for": {"kind": "handle", "value": handle},
        },
        "matched_text": "@" + handle,
        "item_text": text,
        "selector": "li:nth-of-type(2)",
        "xpath": "/html[1]/body[1]/ul[1]/li[2]",
        "box": {"x": 1.0, "y": 2.0, "width": 3.0, "height": 4.0},
        "surface": "screenshot.png",
        "surface_box": {"x": 1.0, "y": 2.0, "width": 3.0, "height": 4.0},
        "kind": kind,
        "rule": "generic.comments: heading 'Komentar'",
        "how": "text",
        "crop": {"artifact": f"find-{n}.png", "sha256": "ab" * 32},
    }


def manifest(capture_id: str, case: str, findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "capture_id": capture_id,
        "requested_url": "https://www.instagram.com/p/Cx1/",
        "final_url": "https://www.instagram.com/p/Cx1/",
        "outcome": "ok",
        "started_at": capture_id[:8] + "T010000.000Z",
        "finished_at": capture_id[:8] + "T010005.000Z",
        "case": case,
        "run": {"run_id": "run-1", "entry": {"name": "Tim", "list": None}},
        "findings": findings,
        "artifacts": [],
    }


def test_findings_rows_reindex_and_query(tmp_path: Path) -> None:
    assert VERSION in {v for v, _, _ in MIGRATIONS}
    (tmp_path / "captures").mkdir()
    a = manifest(
        "20261207-a",
        "K-1",
        [
            finding(1, "comment", "Budi Santoso", "198703122010011003", "budi.s", "budi.s Mantap"),
            finding(2, "like", "Budi Santoso", "198703122010011003", "budi.s", "budi.s"),
        ],
    )
    b = manifest("20261208-b", "K-2", [finding(1, "following", "Ani", None, "ani_r", "ani_r <b>")])
    with Index(tmp_path / "index.db") as index:
        assert index.reindex([(a, "captures/a", "0" * 64), (b, "captures/b", "1" * 64)]) == 2
        everything = query(index)
        assert [(r["capture_id"], r["n"]) for r in everything] == [
            ("20261207-a", 1),
            ("20261207-a", 2),
            ("20261208-b", 1),
        ]
        first = everything[0]
        assert first["subject_key"] == "nip:198703122010011003"
        assert first["crop"] == "find-1.png" and first["outcome"] == "ok"
        assert json.loads(first["box"]) == {"height": 4.0, "width": 3.0, "x": 1.0, "y": 2.0}
        assert first["finding_key"] == rows(a)[0]["finding_key"]
        assert [r["n"] for r in query(index, subject="budi")] == [1, 2]  # part of a name
        assert len(query(index, subject="19870312 2010011003")) == 2  # a NIP, spaces or not
        assert len(query(index, subject="@ANI_R")) == 1  # a handle
        assert [r["kind"] for r in query(index, kinds=["like", "following"])] == [
            "like",
            "following",
        ]
        assert [r["capture_id"] for r in query(index, case="K-2")] == ["20261208-b"]
        assert query(index, subject="100%_") == []  # LIKE wildcards are plain text
        assert len(query(index, limit=1)) == 1
        # reindex replaces the derived rows rather than adding to them
        index.reindex([(b, "captures/b", "1" * 64)])
        assert [r["capture_id"] for r in query(index)] == ["20261208-b"]
        # a retired capture whose files are deleted: nothing of its text stays
        index.forget_derived_text("20261208-b")
        assert query(index) == []
