"""`reindex_store`: derived tables rebuilt from the manifests on disk; the `changes` rows
from the derivation the caller passes (the monitor's, which records cannot import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from collector.errors import StoreError
from collector.evidence.store import EvidenceStore
from collector.records.index import Index
from collector.records.reindex import FoundCapture, reindex_store
from tests.support.handmade import file_and_index


def test_reindex_rebuilds_from_the_manifests_and_asks_for_the_changes(tmp_path: Path) -> None:
    filed = file_and_index(tmp_path / "evidence")
    store = EvidenceStore(tmp_path / "evidence")
    seen: list[list[FoundCapture]] = []

    def derive(found: list[FoundCapture]) -> list[dict[str, Any]]:
        seen.append(found)
        return []

    result = reindex_store(store, "admin@host", derive)
    assert (result.captures, result.restored_events, result.kept, result.adopted) == (1, 0, 0, ())
    [[(manifest, folder, digest)]] = seen
    assert manifest["capture_id"] == filed.capture_id and folder == filed.folder
    assert digest == filed.manifest_sha256
    with Index(store.index_path) as index:
        assert index.resolve(filed.capture_id)["manifest_sha256"] == filed.manifest_sha256


def test_reindex_refuses_a_folder_that_is_no_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no evidence store"):
        reindex_store(EvidenceStore(tmp_path / "nothing"), "admin", lambda found: [])
