"""index.db's views (migration 14) and the column meanings docs/schema.md is made from."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from collector.evidence.store import EvidenceStore
from collector.records.custody import add_note, handover, retire
from collector.records.index import MIGRATIONS, Index, describe_schema
from collector.records.schema import DOCS, VIEWS
from tests.support.synthetic import add_capture

A, B = "20261125T050305090Z-2e1e37", "20261125T050306000Z-c8029d"


def rows(store: Path, sql: str) -> list[tuple[object, ...]]:
    with Index(EvidenceStore(store).index_path, read_only=True) as index:
        return index.read_only_query(sql)[1]  # as `collector sql` reads them


def test_every_column_has_a_meaning() -> None:
    relations = describe_schema()
    names = {r.name for r in relations}
    assert set(DOCS) == names
    for relation in relations:
        documented = set(DOCS[relation.name][1])
        assert documented == {c.name for c in relation.columns}, relation.name
    assert {r.name for r in relations if r.kind == "view"} == set(VIEWS)
    assert all(r.version == 14 for r in relations if r.kind == "view")


def test_views_spell_out_custody_and_retirement(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    add_capture(store, A, case="C-1")
    add_capture(store, B, started="2026-11-25T05:03:06.000Z", case="C-1")
    s = EvidenceStore(store)
    with Index(s.index_path) as index:
        add_note(s, index, A, "dilaporkan warga", "Dwi A.")
        handover(s, index, case="C-1", from_="Dwi A.", to="Bawaslu", reason="surat 12", actor="Dwi")
        retire(s, index, B, reason="duplikat", actor="Sari")
    by_capture = rows(
        store,
        "SELECT capture_id, group_concat(action, ',') FROM"
        " (SELECT * FROM custody_event_captures ORDER BY seq) GROUP BY capture_id",
    )
    assert by_capture == [(A, "captured,note,handover"), (B, "captured,handover,retired")]
    assert rows(store, "SELECT capture_id, actor, reason, delete_files FROM retired_captures") == [
        (B, "Sari", "duplikat", 0)
    ]
    overview = rows(
        store,
        "SELECT id, custody_events, tokens, retired_at IS NOT NULL FROM capture_overview ORDER BY id",
    )
    assert overview == [(A, 3, 0, 0), (B, 3, 0, 1)]
    # the view and the index's own notion of retired agree
    with Index(s.index_path, read_only=True) as index:
        retired = [r["id"] for r in index.captures() if r["retired_at"]]
    assert retired == [B]


def test_run_entry_captures(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    add_capture(store, A)
    with Index(EvidenceStore(store).index_path) as index:
        index.create_run(
            {
                "id": "run-1",
                "list_file": "profiles/solo.toml",
                "started_at": "2026-11-25T05:03:05.000Z",
            },
            [
                {
                    "run_id": "run-1",
                    "entry_index": 1,
                    "name": "Budi",
                    "capture_id": A,
                    "status": "done",
                },
                {"run_id": "run-1", "entry_index": 2, "name": "Sari", "status": "pending"},
            ],
        )
    got = rows(
        store,
        "SELECT entry_index, name, list_file, capture_id, folder FROM run_entry_captures ORDER BY entry_index",
    )
    assert got == [
        (1, "Budi", "profiles/solo.toml", A, f"captures/2026-11-25/{A}"),
        (2, "Sari", "profiles/solo.toml", None, None),
    ]


def test_an_older_index_gets_the_views_when_opened(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    add_capture(store, A)
    path = EvidenceStore(store).index_path
    conn = sqlite3.connect(path)  # as a collector from before version 14 left it
    for name in reversed(VIEWS):
        conn.execute(f"DROP VIEW {name}")
    conn.execute("DELETE FROM migrations WHERE version = 14")
    conn.commit()
    conn.close()
    with Index(path) as index:
        assert 14 in index.applied_versions()
        assert index.applied_versions() == {v for v, _, _ in MIGRATIONS}
    assert rows(store, "SELECT capture_id, action FROM custody_event_captures") == [(A, "captured")]
