"""The index schema, version by version (`<store>/index.db`; collector.records.index runs them).

Each migration takes the open database (a sqlite_utils `Database`, which only
collector.records.index imports at run time) and creates what its version adds. Versions
are numbered per feature, not densely: branches developed in parallel reserved their own
numbers, so the runner applies every version not yet recorded, in the order of
`MIGRATIONS`, and refuses an index that records a version it does not know. Append only:
never edit a released migration.

    1  captures and artifacts (derived from manifests: collector.records.rows)
    2  custody events: append-only, enforced by triggers (collector.records.custody)
    3  watch-list runs, their entries and attempts (not derived: kept by reindex)
    4  capture_text with its FTS5 index, and changes (both derived; docs/monitoring.md)
    5  timestamps: RFC 3161 tokens found in capture folders and under timestamps/
    13 the review desk (collector.desk): desk_users, desk_sessions, intake_reports,
       intake_items (not derived: kept by reindex); captures.platform and .findings
       (derived, backfilled from the manifests)
   14  views that spell out the relations runs and the custody log have with captures
       (collector.records.schema; numbered after issue 14)
   15  warc_payloads: payloads stored in full in the WARCs, what later captures' revisit
       records point at (derived: rebuilt by reindex from the WARCs; docs/storage.md)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from collector.evidence.store import load_manifest
from collector.records import findings as _findings
from collector.records.fts import COLUMNS, TOKENIZE
from collector.records.rows import capture_platform, capture_text_row, finding_count
from collector.records.schema import create_views

if TYPE_CHECKING:
    from sqlite_utils import Database

__all__ = ["MIGRATIONS"]


def _migration_1(db: Database) -> None:
    db.table("captures").create(
        {
            "id": str,
            "requested_url": str,
            "final_url": str,
            "outcome": str,
            "reason": str,
            "http_status": int,
            "title": str,
            "case_id": str,
            "operator": str,
            "note": str,
            "started_at": str,
            "finished_at": str,
            "folder": str,
            "manifest_sha256": str,
            "collector_version": str,
            "browser_version": str,
            "hostname": str,
            "screenshot_height": int,
            "truncated": int,
            "run_id": str,
            "entry_name": str,
        },
        pk="id",
    )
    db.table("artifacts").create(
        {"capture_id": str, "name": str, "media_type": str, "size": int, "sha256": str},
        pk=("capture_id", "name"),
        foreign_keys=[("capture_id", "captures", "id")],
    )
    for columns in (["case_id"], ["outcome"], ["started_at"], ["run_id"]):
        db.table("captures").create_index(columns)
    db.table("artifacts").create_index(["sha256"])


def _migration_2(db: Database) -> None:
    """The custody log (see custody.py): append-only, enforced by triggers."""
    db.execute(
        "CREATE TABLE custody_events ("
        " seq INTEGER PRIMARY KEY,"
        " at TEXT NOT NULL,"
        " actor TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " capture_ids TEXT NOT NULL,"  # JSON array, canonical
        " details TEXT NOT NULL,"  # JSON object, canonical
        " prev_hash TEXT NOT NULL,"
        " entry_hash TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX custody_events_action ON custody_events (action)")
    for op in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER custody_events_no_{op.lower()} BEFORE {op} ON custody_events "
            "BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END"
        )


def _migration_3(db: Database) -> None:
    """Watch-list runs (collector.lists.run): not derived from manifests, kept by reindex."""
    db.table("runs").create(
        {
            "id": str,
            "list_file": str,
            "list_sha256": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running, finished, interrupted
            "operator": str,
            "case_id": str,
            "only_tags": str,  # JSON list
            "entries": int,  # entries selected for the run
            "ok": int,  # entries whose final outcome is ok
            "counts": str,  # JSON {outcome: entries}
            "attempts": int,
            "settings": str,  # JSON: politeness, retries, breaker, capture options
            "hostname": str,
            "resumed_at": str,  # JSON list of times the run was resumed
        },
        pk="id",
    )
    db.table("run_entries").create(
        {
            "run_id": str,
            "entry_index": int,  # 1-based position in the watch list
            "name": str,
            "nip": str,
            "unit": str,
            "platform": str,
            "handle": str,
            "url": str,
            "tags": str,  # JSON list
            "status": str,  # pending, done, skipped
            "outcome": str,  # of the final attempt
            "reason": str,
            "capture_id": str,  # the final attempt's capture
            "attempts": int,
            "updated_at": str,
        },
        pk=("run_id", "entry_index"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    # Every attempt, retries included. No foreign key to captures: reindex rebuilds them.
    db.table("run_attempts").create(
        {
            "run_id": str,
            "entry_index": int,
            "attempt": int,
            "capture_id": str,
            "outcome": str,
            "reason": str,
            "http_status": int,
            "started_at": str,
            "finished_at": str,
            "decision": str,  # final, retry, stopped (breaker open / run stopping)
            "wait_s": float,  # wait before the retry
            "note": str,  # why that wait (backoff, Retry-After)
        },
        pk=("run_id", "entry_index", "attempt"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("run_attempts").create_index(["capture_id"])
    db.table("runs").create_index(["started_at"])


def _migration_4(db: Database) -> None:
    text = db.table("capture_text")
    text.create(
        {
            "id": int,  # INTEGER PRIMARY KEY: the FTS rowid, stable across VACUUM
            "capture_id": str,
            "entry_key": str,
            "title": str,
            "url": str,
            "text": str,
        },
        pk="id",
        not_null={"capture_id", "entry_key"},
        foreign_keys=[("capture_id", "captures", "id")],
    )
    text.create_index(["capture_id"], unique=True)
    text.create_index(["entry_key"])
    text.enable_fts(list(COLUMNS), create_triggers=True, tokenize=TOKENIZE)
    changes = db.table("changes")
    changes.create(
        {
            "capture_id": str,
            "previous_id": str,
            "entry_key": str,
            "entry_name": str,
            "url": str,
            "case_id": str,
            "run_id": str,
            "captured_at": str,
            "previous_at": str,
            "outcome": str,
            "previous_outcome": str,
            "changed": int,
            "kinds": str,
            "summary": str,
            "screenshot_distance": int,
            "details": str,
            "created_at": str,
        },
        pk="capture_id",
        not_null={"previous_id", "entry_key", "captured_at", "kinds", "changed"},
        foreign_keys=[("capture_id", "captures", "id"), ("previous_id", "captures", "id")],
    )
    for columns in (["entry_key", "captured_at"], ["captured_at"], ["case_id"], ["previous_id"]):
        changes.create_index(columns)
    _backfill_capture_text(db)


def _backfill_capture_text(db: Database) -> None:
    """Captures filed before version 4 become searchable at once (their `changes` need
    a `collector reindex`, which compares them in order)."""
    main = next(r for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main")
    if not main[2]:
        return  # an in-memory database has no store around it
    root = Path(main[2]).parent
    rows = []
    for capture_id, folder in db.execute("SELECT id, folder FROM captures").fetchall():
        try:
            manifest, _ = load_manifest(root / folder)
        except (OSError, ValueError):
            continue  # `collector verify` reports it; nothing to index
        if manifest.get("capture_id") == capture_id:
            rows.append(capture_text_row(manifest, folder, root))
    if rows:
        db.table("capture_text").insert_all(rows)


def _migration_5(db: Database) -> None:
    db.table("timestamps").create(
        {
            "capture_id": str,
            "folder": str,  # relative to the store: the capture's, or timestamps/<id>/<NNN>
            "tsr": str,
            "tsq": str,
            "tsq_sha256": str,
            "tsr_sha256": str,
            "late": int,
            "tsa_url": str,
            "gen_time": str,
            "serial": str,
            "policy": str,
            "nonce": str,
            "accuracy_ms": int,
            "manifest_sha256": str,
            "requested_at": str,
            "received_at": str,
        },
        pk=("folder", "tsr"),
        foreign_keys=[("capture_id", "captures", "id")],
    )
    db.table("timestamps").create_index(["capture_id"])


def _migration_13(db: Database) -> None:
    """The review desk (collector.desk, issue 13): its users, their sign-in sessions and the
    reports taken at its intake (none derived from manifests: reindex keeps them); and two
    derived columns on `captures` for its filters, backfilled from the manifests."""
    captures = db.table("captures")
    captures.add_column("platform", str)
    captures.add_column("findings", int)
    captures.create_index(["started_at", "id"])
    captures.create_index(["platform", "started_at"])
    # few captures have findings: the list of those is read from this small index
    db.execute(
        "CREATE INDEX captures_with_findings ON captures (started_at, id) WHERE findings > 0"
    )
    main = next(r for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main")
    if main[2]:  # an in-memory database has no store around it
        root = Path(main[2]).parent
        for capture_id, folder in db.execute("SELECT id, folder FROM captures").fetchall():
            try:
                manifest, _ = load_manifest(root / folder)
            except (OSError, ValueError):
                continue  # retired with its files deleted, or broken: `collector verify` says
            if manifest.get("capture_id") == capture_id:
                db.execute(
                    "UPDATE captures SET platform = ?, findings = ? WHERE id = ?",
                    [capture_platform(manifest), finding_count(manifest), capture_id],
                )
    db.table("desk_users").create(
        {
            "name": str,
            "role": str,  # reviewer, investigator, admin
            "password": str,  # scrypt$n$r$p$salt$hash (collector.desk.auth)
            "created_at": str,
            "updated_at": str,
        },
        pk="name",
        not_null={"role", "password", "created_at"},
    )
    db.table("desk_sessions").create(
        {
            "token_sha256": str,  # the cookie holds the token; only its hash is stored
            "user_name": str,
            "csrf": str,
            "created_at": str,
            "expires_at": str,
        },
        pk="token_sha256",
        not_null={"user_name", "csrf", "expires_at"},
    )
    db.table("desk_sessions").create_index(["user_name"])
    db.table("intake_reports").create(
        {
            "id": str,
            "created_at": str,
            "created_by": str,  # the signed-in user (or user@host of the local operator)
            "case_id": str,
            "note": str,
            # personal data: shown to signed-in staff only, never exported unasked
            "reporter_name": str,
            "reporter_contact": str,
            "channel": str,  # whatsapp, email, form, phone, other
        },
        pk="id",
        not_null={"created_at", "created_by"},
    )
    db.table("intake_reports").create_index(["created_at"])
    db.table("intake_items").create(
        {
            "report_id": str,
            "position": int,  # 1-based order of the URL in the report
            "url": str,
            "status": str,  # queued, capturing, done, failed, interrupted
            "capture_id": str,
            "outcome": str,
            "reason": str,
            "updated_at": str,
        },
        pk=("report_id", "position"),
        foreign_keys=[("report_id", "intake_reports", "id")],
    )
    db.table("intake_items").create_index(["status"])
    db.table("intake_items").create_index(["capture_id"])


def _migration_14(db: Database) -> None:
    """Views that spell out the relations (collector.records.schema explains why views)."""
    create_views(db.execute)


def _migration_15(db: Database) -> None:
    # Payloads stored in full in a capture's WARC, the first capture of each case that
    # stored each: what a later capture's WARC points its revisit records at
    # (docs/storage.md). Derived from the WARCs on disk (reindex rebuilds it); a lookup,
    # never evidence. WITHOUT ROWID: the rows live in the key's own b-tree, one tree
    # instead of two (a store's first pages cost less).
    db.execute(
        "CREATE TABLE warc_payloads ("
        " digest TEXT NOT NULL,"  # WARC-Payload-Digest
        " scope TEXT NOT NULL,"  # revisits stay within one case: its id ("" for none)
        " size INTEGER NOT NULL,"
        " capture_id TEXT NOT NULL,"
        " warc_sha256 TEXT NOT NULL,"  # of the WARC file holding the record
        " record_id TEXT NOT NULL,"
        " target_uri TEXT NOT NULL,"
        " warc_date TEXT NOT NULL,"
        " PRIMARY KEY (digest, scope)"
        ") WITHOUT ROWID"
    )


def _migration_16(db: Database) -> None:
    # No table changes. Captures from now on file their HAR as network.har.gz (and their
    # manifest one field per line); a collector from before knows only network.har, and
    # its zip export would copy the compressed HAR unredacted, session cookies and all.
    # Recording this version makes such a collector refuse the store (an index newer than
    # it knows) instead.
    del db


# (version, description, apply). Append only: never edit a released migration. Versions
# are numbered per feature; the runner applies every one not yet applied, in list order.
MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "captures and artifacts", _migration_1),
    (2, "custody events", _migration_2),
    (3, "watch-list runs, their entries and attempts", _migration_3),
    (4, "capture text with full-text search; changes between captures", _migration_4),
    (5, "timestamps", _migration_5),
    (_findings.VERSION, _findings.DESCRIPTION, _findings.migration),
    (13, "review desk: users, sessions, intake reports; capture platform, findings", _migration_13),
    (
        14,
        "views: custody events by capture, retired captures, run entries with captures",
        _migration_14,
    ),
    (15, "payloads stored in full in the WARCs, for revisit records", _migration_15),
    (
        16,
        "captures file network.har.gz: collectors that know only network.har must refuse",
        _migration_16,
    ),
]
