"""`collector reindex`: rebuild the index's derived tables from the manifests on disk.

The manifests are the source of truth for captures, artifacts and search text; the token
files for timestamps. The custody log is never rebuilt: if index.db lost it, it is restored
from custody.jsonl (chain checked first). The `changes` rows are derived too, by the
monitor, which comes after the records in the flow: the caller passes that derivation in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from collector.errors import StoreError
from collector.evidence.stamps import stored_records
from collector.evidence.store import EvidenceStore, load_manifest
from collector.evidence.warc import ArchiveError
from collector.evidence.warc_copy import stored_payloads
from collector.manifest import Manifest
from collector.models import StoredPayload
from collector.records.custody import CustodyLog, adopt_unfiled, entries, kept_rows
from collector.records.index import Index

# (manifest, folder relative to the store, SHA-256 of manifest.json)
FoundCapture = tuple[Manifest, str, str]
# The `changes` rows for the captures found (collector.monitor.detect.derive_changes)
DeriveChanges = Callable[[list[FoundCapture]], Iterable[dict[str, Any]]]


@dataclass(frozen=True)
class Reindexed:
    captures: int
    restored_events: int  # custody entries restored from custody.jsonl (index.db was lost)
    kept: int  # retired captures whose folders were deleted: rows kept from their event
    adopted: tuple[str, ...]  # captures without a `captured` event, adopted as asked
    unfiled: tuple[str, ...] = ()  # captures without a `captured` event, not adopted
    recovered: tuple[str, ...] = ()  # what interrupted commands had left, now completed


def _payloads(
    store: EvidenceStore, found: list[FoundCapture]
) -> Iterator[tuple[Manifest, str, tuple[StoredPayload, ...]]]:
    """What each capture's WARC stores in full, earliest capture first (the lookup keeps
    the first), read from the WARCs themselves; a WARC that cannot be read offers none."""
    for manifest, folder, _digest in sorted(found, key=lambda f: f[0]["capture_id"]):
        archive = manifest.get("archive") or {}
        name, sha256 = archive.get("file"), archive.get("sha256")
        if not name or not sha256:
            continue
        try:
            yield manifest, sha256, stored_payloads(store.root / folder / name)
        except (ArchiveError, OSError):
            continue


def reindex_store(
    store: EvidenceStore,
    actor: str,
    derive_changes: DeriveChanges,
    *,
    adopt: Sequence[str] = (),
    reason: str | None = None,
) -> Reindexed:
    """Rebuild the derived tables from the manifests; `changes` in capture order. Captures
    without a filing event are listed, and adopted only when named in `adopt`."""
    if not store.exists():
        raise StoreError(f"no evidence store at {store.root}")
    with Index(store.index_path) as index:
        restored = CustodyLog(store, index).restore_from_jsonl()
        # before reading the folders: an interrupted filing may still have one to rename
        recovery = CustodyLog(store, index).recover()
        found: list[FoundCapture] = []
        timestamps = []
        for folder in store.capture_folders():
            manifest, digest = load_manifest(folder)
            found.append((manifest, store.relative(folder), digest))
            timestamps += stored_records(store, manifest["capture_id"], folder)
        kept = kept_rows(entries(index), {m["capture_id"] for m, _, _ in found})
        count = index.reindex(
            found,
            kept,
            timestamps,
            changes=lambda: derive_changes(found),
            payloads=_payloads(store, found),
        )
        adopted, unfiled = adopt_unfiled(store, index, actor, adopt, reason)
    return Reindexed(
        count,
        restored,
        len(kept),
        tuple(cid for e in adopted for cid in e["capture_ids"]),
        tuple(unfiled),
        tuple(recovery.lines()),
    )
