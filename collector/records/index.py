"""The SQLite index of the evidence store (`<store>/index.db`): opening it, running the
schema's migrations (collector.records.migrations, in order), writing and reading rows.

The only module that imports sqlite_utils at run time. The manifests are the source of
truth: every row in `captures`, `artifacts`, `capture_text` and `timestamps` is derived by
collector.records.rows, so `reindex` rebuilds them exactly (and `verify` recomputes them).
`changes` is derived too, through the caller's `changes` callable
(`collector.monitor.detect.derive_changes`). Tables that are not derived (custody events,
runs) are never dropped by `reindex`. docs/schema.md documents every column (generated from
the schema and collector.records.schema).
"""

from __future__ import annotations

import fcntl
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from collector.errors import CaptureNotFound, IndexError_, UsageError
from collector.evidence.warc import PriorLookup, PriorPayload
from collector.manifest import Manifest
from collector.models import EarlierCapture, FiledCapture, StoredPayload, TimestampRecord
from collector.records import findings as _findings
from collector.records.fts import HIGHLIGHT_END, HIGHLIGHT_START, fts_query, plain
from collector.records.migrations import MIGRATIONS
from collector.records.rows import artifact_rows, capture_row, capture_text_row, timestamp_row
from collector.records.schema import FTS_SHADOW_SUFFIXES, Column, Relation
from collector.timeutil import rfc3339, utc_now

BUSY_TIMEOUT_S = 30.0
SQL_TIMEOUT_S = 30.0  # `collector sql`: a reviewer's query is stopped after this
RANK_WINDOW = 20_000  # a search ranks at most this many matches, the newest
# rebuilt by reindex, children first
DERIVED_TABLES = (
    "findings",
    "changes",
    "capture_text",
    "timestamps",
    "artifacts",
    "warc_payloads",
    "captures",
)
CUSTODY_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "capture_ids",
    "details",
    "prev_hash",
    "entry_hash",
)
# A capture is retired when a `retired` custody event names it (derived, never stored twice).
_RETIRED_AT = (
    "(SELECT e.at FROM custody_events e, json_each(e.capture_ids) j"
    " WHERE e.action = 'retired' AND j.value = captures.id ORDER BY e.seq LIMIT 1)"
)
# `collector sql`: PRAGMAs a reviewer may use to look at the schema. These take an
# argument (a table or index name) and only ever read:
INSPECT_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "integrity_check",
        "quick_check",
    }
)
# ... and these read state, allowed only without a value (with one they would set it):
STATE_PRAGMAS = frozenset(
    {
        "database_list",
        "collation_list",
        "function_list",
        "pragma_list",
        "compile_options",
        "data_version",
        "user_version",
        "schema_version",
        "journal_mode",
        "page_count",
        "page_size",
        "freelist_count",
        "encoding",
        "foreign_keys",
    }
)
_AUTH_OK = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)


class Index:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        conn: sqlite3.Connection | None = None
        try:
            if read_only:
                conn = _connect_read_only(path)
            else:
                conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self.db.execute("PRAGMA foreign_keys = ON")
            if read_only:
                self.db.execute("PRAGMA query_only = ON")
            else:
                with _setup_lock(path):
                    self.db.enable_wal()
                    self._migrate()
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise IndexError_(f"index {path}: {exc}") from exc
        except OSError as exc:  # the lock file beside it: a read-only store
            if conn is not None:
                conn.close()
            raise IndexError_(
                f"index {path} cannot be opened for writing: {exc.strerror or exc} (commands "
                "that only read work on a read-only store)"
            ) from exc
        except BaseException:
            if conn is not None:
                conn.close()
            raise

    @classmethod
    def for_reading(cls, path: Path) -> Index:
        """A connection that only reads and writes nothing on disk (no lock file, no
        migration), so a write-protected store can be read; an index that still needs a
        migration is opened for writing, to migrate it, as before."""
        index = cls(path, read_only=True)
        try:
            pending = index.applied_versions() != {v for v, _, _ in MIGRATIONS}
        except sqlite3.DatabaseError as exc:
            index.close()
            raise IndexError_(f"index {path}: {exc}") from exc
        if not pending:
            return index
        index.close()
        return cls(path)

    @property
    def root(self) -> Path:
        """The evidence store this index belongs to."""
        return self.path.parent

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE: two writers queue on the busy timeout instead of failing mid-way
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        if "migrations" not in self.db.table_names():
            return 0
        row = self.db.execute("SELECT MAX(version) FROM migrations").fetchone()
        return int(row[0] or 0)

    def applied_versions(self) -> set[int]:
        if "migrations" not in self.db.table_names():
            return set()
        return {int(r[0]) for r in self.db.execute("SELECT version FROM migrations").fetchall()}

    def _migrate(self) -> None:
        known = {version for version, _, _ in MIGRATIONS}
        with self.transaction():
            if "migrations" not in self.db.table_names():
                _create_migrations_table(self.db)
            applied = self.applied_versions()
            unknown = sorted(applied - known)
            if unknown:
                raise IndexError_(
                    f"index {self.path} has schema version(s) {unknown}, newer than this "
                    f"collector understands (it knows {sorted(known)}); upgrade collector"
                )
            # every migration not applied yet, in list order: versions are numbered per
            # feature, so one merged later may carry a lower number than one applied
            for version, description, apply in MIGRATIONS:
                if version not in applied:
                    apply(self.db)
                    self.db.table("migrations").insert(
                        {
                            "version": version,
                            "description": description,
                            "applied_at": rfc3339(utc_now()),
                        }
                    )

    # -- writing --------------------------------------------------------------------------
    def insert_capture(self, filed: FiledCapture, text_row: dict[str, Any] | None = None) -> None:
        """Insert a filed capture's rows (its searchable text and its timestamp tokens);
        the caller holds a transaction (custody.py adds the capture's events in the same
        one)."""
        self._insert(filed.manifest, filed.folder, filed.manifest_sha256, text_row)
        self.insert_timestamps(filed.timestamps)
        archive = filed.manifest.get("archive") or {}
        if filed.payloads and archive.get("sha256"):
            self.insert_payloads(filed.manifest, str(archive["sha256"]), filed.payloads)

    def insert_payloads(
        self, manifest: Manifest, warc_sha256: str, payloads: Iterable[StoredPayload]
    ) -> None:
        """Payloads a capture's WARC stores in full; the first capture of its case to store
        one keeps it (a revisit points at the earliest full record). Captures made with an
        investigator's session are never pointed at. The caller holds a transaction."""
        if manifest.get("session"):
            return
        capture_id = manifest["capture_id"]
        rows = [
            {
                "digest": p.digest,
                "scope": manifest.get("case") or "",
                "size": p.size,
                "capture_id": capture_id,
                "warc_sha256": warc_sha256,
                "record_id": p.record_id,
                "target_uri": p.uri,
                "warc_date": p.date,
            }
            for p in payloads
        ]
        if rows:
            columns = list(rows[0])
            self.db.conn.executemany(
                f"INSERT OR IGNORE INTO warc_payloads ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})",
                rows,
            )

    def insert_timestamps(self, records: Iterable[TimestampRecord]) -> None:
        """Insert token rows; the caller holds a transaction."""
        rows = [timestamp_row(r) for r in records]
        if rows:
            self.db.table("timestamps").insert_all(rows)

    def replace_timestamps(self, capture_id: str, records: Iterable[TimestampRecord]) -> None:
        """A capture's token rows, re-read from disk; the caller holds a transaction."""
        self.db.execute("DELETE FROM timestamps WHERE capture_id = ?", [capture_id])
        self.insert_timestamps(records)

    def _insert(
        self,
        manifest: Manifest,
        folder: str,
        manifest_sha256: str,
        text_row: dict[str, Any] | None = None,
    ) -> None:
        self.db.table("captures").insert(capture_row(manifest, folder, manifest_sha256))
        rows = artifact_rows(manifest)
        if rows:
            self.db.table("artifacts").insert_all(rows)
        if text_row is None:
            text_row = capture_text_row(manifest, folder, self.root)
        self.db.table("capture_text").insert(text_row)
        found = _findings.rows(manifest)
        if found:
            self.db.table(_findings.TABLE).insert_all(found)

    def reindex(
        self,
        captures: Iterable[tuple[Manifest, str, str]],
        kept_rows: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]] = (),
        timestamps: Iterable[TimestampRecord] = (),
        *,
        changes: Callable[[], Iterable[dict[str, Any]]] | None = None,
        payloads: Iterable[tuple[Manifest, str, Sequence[StoredPayload]]] = (),
    ) -> int:
        """Replace the derived tables with rows from (manifest, folder, manifest hash), and
        with the timestamp tokens found on disk.

        `kept_rows` are (captures row, artifacts rows) of retired captures whose folders
        were deleted: their rows come from the `retired` custody event, which kept them
        (they have no text to search). `changes` yields the `changes` rows, computed once
        the captures are in. The caller holds no transaction; `custody_events` is never
        touched here.
        """
        count = 0
        with self.transaction():
            for table in DERIVED_TABLES:
                self.db.execute(f"DELETE FROM [{table}]")
            for manifest, folder, digest in captures:
                self._insert(manifest, folder, digest)
                count += 1
            for row, artifacts in kept_rows:
                self.db.table("captures").insert(row)
                if artifacts:
                    self.db.table("artifacts").insert_all(artifacts)
                count += 1
            self.insert_timestamps(timestamps)
            for manifest, warc_sha256, stored in payloads:
                self.insert_payloads(manifest, warc_sha256, stored)
            if changes is not None:
                self.db.table("changes").insert_all(changes())
            # the triggers keep the FTS index in step; a rebuild makes sure of it
            self.db.execute("INSERT INTO capture_text_fts(capture_text_fts) VALUES ('rebuild')")
        return count

    # -- custody log (custody.py owns its meaning; this is only storage) ------------------
    def custody_head(self) -> tuple[int, str] | None:
        row = self.db.execute(
            "SELECT seq, entry_hash FROM custody_events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def insert_custody_row(self, row: dict[str, Any]) -> None:
        """Append one row; the caller holds a transaction. Values are stored as given."""
        self.db.execute(
            f"INSERT INTO custody_events ({', '.join(CUSTODY_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in CUSTODY_COLUMNS)})",
            [row[c] for c in CUSTODY_COLUMNS],
        )

    def custody_rows(self) -> list[dict[str, Any]]:
        """Every custody row as stored (JSON columns still text), in sequence order."""
        return list(self.db.query("SELECT * FROM custody_events ORDER BY seq"))

    def custody_guarded(self) -> bool:
        """Whether both append-only triggers are in place."""
        names = {
            r[0]
            for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                ["custody_events"],
            ).fetchall()
        }
        return {"custody_events_no_update", "custody_events_no_delete"} <= names

    def custody_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM custody_events").fetchone()[0])

    def forget_derived_text(self, capture_id: str) -> None:
        """A retired capture's files were deleted: drop what was read from them (its
        search text, and the comparisons that quote its text), so nothing of it stays
        searchable. `reindex` recomputes the comparisons around it."""
        with self.transaction():
            self.db.execute(
                "DELETE FROM changes WHERE capture_id = ? OR previous_id = ?",
                [capture_id, capture_id],
            )
            self.db.execute("DELETE FROM capture_text WHERE capture_id = ?", [capture_id])
            # findings quote the page (the enclosing item's text) too
            self.db.execute("DELETE FROM findings WHERE capture_id = ?", [capture_id])

    # -- changes --------------------------------------------------------------------------
    def previous_capture(
        self, key: str, started_at: str, capture_id: str, skip_outcomes: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        """The latest capture with the same entry key filed before this one."""
        skip = sorted(set(skip_outcomes))
        marks = ", ".join(f":skip{i}" for i in range(len(skip))) or "NULL"
        params: dict[str, Any] = {"key": key, "at": started_at, "id": capture_id}
        params.update({f"skip{i}": v for i, v in enumerate(skip)})
        rows = list(
            self.db.query(
                "SELECT c.* FROM capture_text t JOIN captures c ON c.id = t.capture_id"
                " WHERE t.entry_key = :key"
                " AND (c.started_at < :at OR (c.started_at = :at AND c.id < :id))"
                f" AND c.outcome NOT IN ({marks})"
                " ORDER BY c.started_at DESC, c.id DESC LIMIT 1",
                params,
            )
        )
        return rows[0] if rows else None

    def record_change(self, row: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("changes").insert(row, replace=True)

    def changes(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        case: str | None = None,
        entry: str | None = None,
        kinds: Sequence[str] = (),
        capture_ids: Iterable[str] | None = None,
        include_unchanged: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        where, params = [], {}
        if not include_unchanged:
            where.append("ch.changed = 1")
        if since:
            where.append("ch.captured_at >= :since")
            params["since"] = since
        if until:
            where.append("ch.captured_at < :until")
            params["until"] = until
        if case is not None:
            where.append("ch.case_id = :case")
            params["case"] = case
        if entry is not None:
            where.append("ch.entry_name = :entry")
            params["entry"] = entry
        if kinds:
            alternatives = []
            for i, kind in enumerate(kinds):
                alternatives.append(f"(',' || ch.kinds || ',') LIKE :kind{i}")
                params[f"kind{i}"] = f"%,{kind},%"
            where.append("(" + " OR ".join(alternatives) + ")")
        if capture_ids is not None:
            ids = list(capture_ids)
            where.append(
                f"ch.capture_id IN ({', '.join(f':id{i}' for i in range(len(ids))) or 'NULL'})"
            )
            params.update({f"id{i}": v for i, v in enumerate(ids)})
        sql = "SELECT ch.* FROM changes ch"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ch.captured_at, ch.capture_id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql, params))

    # -- search ---------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        case: str | None = None,
        since: str | None = None,
        until: str | None = None,
        outcome: str | None = None,
        limit: int = 50,
        rank_window: int = RANK_WINDOW,
    ) -> list[dict[str, Any]]:
        """Captures matching an FTS5 query, best first (bm25: title weighs most), each
        with its title highlighted and a snippet of its text; matches sit between
        HIGHLIGHT_START and HIGHLIGHT_END. When more than RANK_WINDOW captures match,
        the best among the newest RANK_WINDOW of them."""
        if not query.strip():
            raise UsageError("empty search query")
        where = ["capture_text_fts MATCH :q"]
        params: dict[str, Any] = {
            "q": fts_query(query),
            "hs": HIGHLIGHT_START,
            "he": HIGHLIGHT_END,
            "limit": int(limit),
        }
        for column, value, op in (
            ("case_id", case, "="),
            ("started_at", since, ">="),
            ("started_at", until, "<"),
            ("outcome", outcome, "="),
        ):
            if value is not None:
                name = f"p{len(params)}"
                where.append(f"c.{column} {op} :{name}")
                params[name] = value
        joined = (
            " FROM capture_text_fts"
            " JOIN capture_text t ON t.id = capture_text_fts.rowid"
            " JOIN captures c ON c.id = t.capture_id"
            " WHERE " + " AND ".join(where)
        )
        # BM25 scores every match: for a word in nearly every capture that is most of the
        # time a search takes. Past `rank_window` matches only the newest are ranked;
        # finding where they start walks the matches in rowid order, unscored.
        try:
            floor = self.db.execute(
                "SELECT capture_text_fts.rowid" + joined + " ORDER BY capture_text_fts.rowid"
                " DESC LIMIT 1 OFFSET :window",
                {**params, "window": max(int(rank_window), 1) - 1},
            ).fetchone()
        except sqlite3.OperationalError:
            floor = None  # the query is reported by the search itself, below
        if floor is not None:
            where.append("capture_text_fts.rowid >= :floor")
            params["floor"] = floor[0]
        sql = (
            "SELECT c.id, c.started_at, c.outcome, c.case_id, c.requested_url, c.final_url,"
            " c.title, c.folder, c.run_id, c.entry_name,"
            " highlight(capture_text_fts, 0, :hs, :he) AS title_highlighted,"
            " snippet(capture_text_fts, 2, :hs, :he, '…', 16) AS snippet,"
            " bm25(capture_text_fts, 5.0, 2.0, 1.0) AS score"
            " FROM capture_text_fts"
            " JOIN capture_text t ON t.id = capture_text_fts.rowid"
            " JOIN captures c ON c.id = t.capture_id"
            " WHERE " + " AND ".join(where) + " ORDER BY score, c.started_at DESC LIMIT :limit"
        )
        try:
            rows = list(self.db.query(sql, params))
        except sqlite3.OperationalError as exc:
            raise UsageError(
                f"search query {query!r} is not valid: {exc}. Put phrases in double quotes, "
                'e.g. "tim pemenangan"; operators are AND, OR, NOT, NEAR(...) and a trailing * '
                "for prefixes"
            ) from None
        for row in rows:
            row["title_highlighted"] = plain(row["title_highlighted"] or "")
            row["snippet"] = plain(row["snippet"] or "")
            row["score"] = round(row["score"], 4)
        return rows

    # -- read-only SQL --------------------------------------------------------------------
    def read_only_query(
        self, sql: str, timeout_s: float = SQL_TIMEOUT_S
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one reviewer's query: reading only, enforced three ways (a `mode=ro`
        connection, `query_only`, and an authorizer that refuses anything but reading),
        and stopped after `timeout_s` (a recursive CTE without an end runs forever)."""
        if not sql.strip():
            raise UsageError("empty SQL query")
        conn = self.db.conn
        refused: list[str] = []
        deadline = time.monotonic() + timeout_s
        timed_out: list[bool] = []

        def over_time() -> int:
            if time.monotonic() > deadline:
                timed_out.append(True)
                return 1  # non-zero: SQLite interrupts the statement
            return 0

        def authorize(action: int, arg1: str | None, arg2: str | None, *_: Any) -> int:
            if action in _AUTH_OK:
                return sqlite3.SQLITE_OK
            if action == sqlite3.SQLITE_UPDATE and arg1 in ("sqlite_master", "sqlite_temp_master"):
                # SQLite asks this while it connects a virtual table (FTS5, pragma_*());
                # the schema table itself can never be written without writable_schema
                return sqlite3.SQLITE_OK
            if action == sqlite3.SQLITE_PRAGMA and (
                arg1 in INSPECT_PRAGMAS or (arg1 in STATE_PRAGMAS and arg2 is None)
            ):
                return sqlite3.SQLITE_OK
            refused.append(_action_name(action, arg1))
            return sqlite3.SQLITE_DENY

        conn.set_authorizer(authorize)
        conn.set_progress_handler(over_time, 10_000)
        try:
            cursor = conn.execute(sql)
            if cursor.description is None:
                raise UsageError("collector sql runs queries that return rows (SELECT, WITH)")
            columns = [d[0] for d in cursor.description]
            return columns, cursor.fetchall()
        except (sqlite3.DatabaseError, sqlite3.ProgrammingError, sqlite3.Warning) as exc:
            if timed_out:
                raise UsageError(
                    f"stopped: the query ran longer than {timeout_s:g} s (--timeout); narrow "
                    "it, e.g. a LIMIT, or an end condition in a recursive WITH"
                ) from None
            text = str(exc)
            if refused or any(w in text for w in ("readonly", "read-only", "may not be modified")):
                what = refused[0] if refused else "writing"
                raise UsageError(
                    f"refused: collector sql is read-only ({what} is not allowed); "
                    "only SELECT/WITH queries and schema PRAGMAs such as table_info"
                ) from None
            raise UsageError(f"SQL error: {exc}") from None
        finally:
            conn.set_authorizer(None)
            conn.set_progress_handler(None, 0)
            if conn.in_transaction:
                conn.rollback()

    # -- reading --------------------------------------------------------------------------
    def resolve(self, ref: str) -> dict[str, Any]:
        """A capture by id, unique id prefix, or unique random suffix."""
        ref = ref.strip()
        if not ref:
            raise CaptureNotFound("empty capture id")
        rows = list(
            self.db.query(
                f"SELECT *, {_RETIRED_AT} AS retired_at FROM captures"
                " WHERE id = :r OR id LIKE :p ESCAPE '\\' "
                "OR id LIKE :s ESCAPE '\\' ORDER BY id",
                {"r": ref, "p": _like_escape(ref) + "%", "s": "%-" + _like_escape(ref) + "%"},
            )
        )
        exact = [r for r in rows if r["id"] == ref]
        if exact:
            return exact[0]
        if not rows:
            raise CaptureNotFound(f"no capture matches {ref!r}")
        if len(rows) > 1:
            ids = ", ".join(r["id"] for r in rows[:5])
            raise CaptureNotFound(
                f"{ref!r} matches {len(rows)} captures ({ids}…): give more of the id"
            )
        return rows[0]

    def artifacts(self, capture_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT name, media_type, size, sha256 FROM artifacts"
                " WHERE capture_id = ? ORDER BY name",
                [capture_id],
            )
        )

    def captures(
        self,
        *,
        case: str | None = None,
        url: str | None = None,
        outcome: str | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        where, params = [], {}
        if case is not None:
            where.append("case_id = :case")
            params["case"] = case
        if url:
            where.append("(requested_url LIKE :url ESCAPE '\\' OR final_url LIKE :url ESCAPE '\\')")
            params["url"] = "%" + _like_escape(url) + "%"
        if outcome:
            where.append("outcome = :outcome")
            params["outcome"] = outcome
        if since:
            where.append("started_at >= :since")
            params["since"] = since
        if until:
            where.append("started_at < :until")
            params["until"] = until
        if ids is not None:
            id_list = list(ids)
            keys = [f":id{i}" for i in range(len(id_list))]
            where.append(f"id IN ({', '.join(keys) or 'NULL'})")
            params.update({k[1:]: v for k, v in zip(keys, id_list, strict=True)})
        sql = f"SELECT *, {_RETIRED_AT} AS retired_at FROM captures"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at, id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql, params))

    def timestamps(self, capture_id: str) -> list[dict[str, Any]]:
        """Indexed tokens of a capture: those sealed with it first, then the later ones."""
        return list(
            self.db.query(
                "SELECT * FROM timestamps WHERE capture_id = ? ORDER BY late, folder, tsr",
                [capture_id],
            )
        )

    def capture_text(self, capture_id: str) -> dict[str, Any] | None:
        """A capture's `capture_text` row, without its rowid (as `rows.capture_text_row`)."""
        rows = list(
            self.db.query(
                "SELECT capture_id, entry_key, title, url, text FROM capture_text"
                " WHERE capture_id = ?",
                [capture_id],
            )
        )
        return rows[0] if rows else None

    def capture_text_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT capture_id FROM capture_text")}

    def fts_check(self) -> tuple[str, str]:
        """Whether the full-text index can be trusted to match `capture_text`: FTS5's own
        integrity check against its content table, and the triggers that keep the two in
        step. ("pass", ""), ("fail", why) or ("not_checked", why)."""
        names = {
            r[0]
            for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                ["capture_text"],
            ).fetchall()
        }
        missing = sorted({f"capture_text_{op}" for op in ("ai", "ad", "au")} - names)
        if missing:
            return "fail", f"the full-text index's triggers {missing} are missing (dropped?)"
        try:
            self.db.execute(
                "INSERT INTO capture_text_fts(capture_text_fts, rank) VALUES ('integrity-check', 1)"
            )
        except sqlite3.DatabaseError as exc:
            if "readonly" in str(exc):  # the check is asked for like a write
                return "not_checked", "the full-text index (a read-only index cannot be asked)"
            return "fail", f"the full-text index does not match capture_text ({exc})"
        return "pass", ""

    def timestamped_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT capture_id FROM timestamps")}

    def all_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM captures").fetchall()}

    # -- watch-list runs (collector.lists.run) ----------------------------------------------------
    def create_run(self, run: dict[str, Any], entries: Iterable[dict[str, Any]]) -> None:
        with self.transaction():
            self.db.table("runs").insert(run)
            self.db.table("run_entries").insert_all(entries)

    def update_run(self, run_id: str, fields: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("runs").update(run_id, fields)

    def update_run_entry(self, run_id: str, entry_index: int, fields: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("run_entries").update((run_id, entry_index), fields)

    def add_attempt(self, row: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("run_attempts").insert(row)

    def resolve_run(self, ref: str) -> dict[str, Any]:
        """A run by id or unique id prefix."""
        ref = ref.strip()
        rows = (
            list(
                self.db.query(
                    "SELECT * FROM runs WHERE id = :r OR id LIKE :p ESCAPE '\\' ORDER BY id",
                    {"r": ref, "p": _like_escape(ref) + "%"},
                )
            )
            if ref
            else []
        )
        exact = [r for r in rows if r["id"] == ref]
        if exact:
            return exact[0]
        if not rows:
            raise CaptureNotFound(f"no run matches {ref!r}")
        if len(rows) > 1:
            raise CaptureNotFound(f"{ref!r} matches {len(rows)} runs: give more of the id")
        return rows[0]

    def runs(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM runs ORDER BY started_at DESC, id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql))

    def run_entries(self, run_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM run_entries WHERE run_id = ? ORDER BY entry_index", [run_id]
            )
        )

    def run_attempts(self, run_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM run_attempts WHERE run_id = ? ORDER BY entry_index, attempt",
                [run_id],
            )
        )

    # -- the review desk (collector.desk): pages, users, sessions, intake -------------------
    def capture_page(
        self,
        *,
        before: tuple[str, str] | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 50,
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """One page of captures, newest first, for the desk's list (keyset paging: rows
        older than `before`, or newer than `after`, as (started_at, id)). Filters: see
        `_capture_filters`."""
        where, params = _capture_filters(filters)
        order = "DESC"
        if before is not None:
            where.append("(started_at < :b_at OR (started_at = :b_at AND id < :b_id))")
            params.update(b_at=before[0], b_id=before[1])
        elif after is not None:
            where.append("(started_at > :a_at OR (started_at = :a_at AND id > :a_id))")
            params.update(a_at=after[0], a_id=after[1])
            order = "ASC"
        sql = f"SELECT *, {_RETIRED_AT} AS retired_at FROM captures"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY started_at {order}, id {order} LIMIT {int(limit)}"
        rows = list(self.db.query(sql, params))
        return rows[::-1] if order == "ASC" else rows

    def count_captures(self, **filters: Any) -> int:
        where, params = _capture_filters(filters)
        sql = "SELECT COUNT(*) FROM captures" + (" WHERE " + " AND ".join(where) if where else "")
        return int(self.db.execute(sql, params).fetchone()[0])

    def distinct_values(self, column: str) -> list[str]:
        """Values present in an indexed `captures` column (case_id, platform, outcome)."""
        if column not in ("case_id", "platform", "outcome"):
            raise UsageError(f"no list of values for captures.{column}")
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT DISTINCT {column} FROM captures WHERE {column} IS NOT NULL "
                f"ORDER BY {column}"
            ).fetchall()
        ]

    def cases(self) -> list[dict[str, Any]]:
        """Every case with its number of captures, good captures and last capture time."""
        return list(
            self.db.query(
                "SELECT case_id, COUNT(*) AS captures, SUM(outcome = 'ok') AS ok,"
                " MIN(started_at) AS first_at, MAX(started_at) AS last_at FROM captures"
                " WHERE case_id IS NOT NULL GROUP BY case_id ORDER BY last_at DESC"
            )
        )

    def recent_captures_of(self, url: str, since: str) -> list[dict[str, Any]]:
        """Captures of exactly this URL (requested or final) started at or after `since`."""
        return list(
            self.db.query(
                f"SELECT *, {_RETIRED_AT} AS retired_at FROM captures"
                " WHERE (requested_url = :u OR final_url = :u) AND started_at >= :s"
                " ORDER BY started_at DESC, id DESC",
                {"u": url, "s": since},
            )
        )

    def custody_rows_of(self, capture_id: str) -> list[dict[str, Any]]:
        """Custody rows (as stored) naming this capture, and whole-store ones (no ids):
        everything `custody.history_of` may keep for it, without reading the whole log."""
        return list(
            self.db.query(
                "SELECT * FROM custody_events e WHERE e.capture_ids = '[]' OR"
                " (instr(e.capture_ids, :id) > 0 AND EXISTS"
                " (SELECT 1 FROM json_each(e.capture_ids) j WHERE j.value = :id))"
                " ORDER BY seq",
                {"id": capture_id},
            )
        )

    def desk_users(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM desk_users ORDER BY name"))

    def desk_user(self, name: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM desk_users WHERE name = ?", [name]))
        return rows[0] if rows else None

    def save_desk_user(self, row: dict[str, Any]) -> None:
        """Insert or replace a user; a changed password or role ends their sessions."""
        with self.transaction():
            self.db.table("desk_users").insert(row, replace=True)
            self.db.execute("DELETE FROM desk_sessions WHERE user_name = ?", [row["name"]])

    def remove_desk_user(self, name: str) -> bool:
        with self.transaction():
            self.db.execute("DELETE FROM desk_sessions WHERE user_name = ?", [name])
            cursor = self.db.execute("DELETE FROM desk_users WHERE name = ?", [name])
        return bool(cursor.rowcount)

    def add_desk_session(self, row: dict[str, Any], now: str) -> None:
        """Store a session (and forget expired ones)."""
        with self.transaction():
            self.db.execute("DELETE FROM desk_sessions WHERE expires_at <= ?", [now])
            self.db.table("desk_sessions").insert(row)

    def desk_session(self, token_sha256: str, now: str) -> dict[str, Any] | None:
        """A live session with its user's current role (None: unknown, expired, or the
        user was removed)."""
        rows = list(
            self.db.query(
                "SELECT s.*, u.role FROM desk_sessions s JOIN desk_users u ON u.name = s.user_name"
                " WHERE s.token_sha256 = ? AND s.expires_at > ?",
                [token_sha256, now],
            )
        )
        return rows[0] if rows else None

    def remove_desk_session(self, token_sha256: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM desk_sessions WHERE token_sha256 = ?", [token_sha256])

    def add_intake_report(self, report: dict[str, Any], items: Iterable[dict[str, Any]]) -> None:
        with self.transaction():
            self.db.table("intake_reports").insert(report)
            self.db.table("intake_items").insert_all(items)

    def intake_report(self, report_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM intake_reports WHERE id = ?", [report_id]))
        return rows[0] if rows else None

    def intake_reports(
        self, *, case: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM intake_reports"
        params: list[Any] = []
        if case is not None:
            sql += " WHERE case_id = ?"
            params.append(case)
        sql += " ORDER BY created_at DESC, id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql, params))

    def intake_items(self, report_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM intake_items WHERE report_id = ? ORDER BY position", [report_id]
            )
        )

    def intake_items_of(self, capture_id: str) -> list[dict[str, Any]]:
        """The intake items (with their reports) that led to this capture."""
        return list(
            self.db.query(
                "SELECT i.*, r.created_at AS reported_at, r.created_by, r.case_id, r.note,"
                " r.reporter_name, r.reporter_contact, r.channel FROM intake_items i"
                " JOIN intake_reports r ON r.id = i.report_id WHERE i.capture_id = ?"
                " ORDER BY r.created_at",
                [capture_id],
            )
        )

    def update_intake_item(self, report_id: str, position: int, fields: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("intake_items").update((report_id, position), fields)

    def interrupt_intake(self, now: str) -> int:
        """Items a stopped desk left queued or capturing: marked `interrupted`."""
        with self.transaction():
            cursor = self.db.execute(
                "UPDATE intake_items SET status = 'interrupted', updated_at = ?"
                " WHERE status IN ('queued', 'capturing')",
                [now],
            )
        return int(cursor.rowcount)


def _create_migrations_table(db: sqlite_utils.Database) -> None:
    db.table("migrations").create(
        {"version": int, "description": str, "applied_at": str}, pk="version"
    )


def describe_schema() -> list[Relation]:
    """Every table and view of a fresh index.db, in creation order, with the migration that
    created it and its columns as SQLite reports them (docs/schema.md is made from this)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite_utils.Database(Path(tmp) / "index.db")
        try:
            _create_migrations_table(db)
            made: dict[str, tuple[str, int]] = {}

            def note(version: int) -> None:
                for name, kind in db.execute(
                    "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
                ).fetchall():
                    made.setdefault(name, (kind, version))

            note(0)
            for version, _, apply in MIGRATIONS:
                apply(db)
                note(version)
            relations = []
            for name, (kind, version) in made.items():
                if name.endswith(FTS_SHADOW_SUFFIXES) and name.startswith("capture_text_fts_"):
                    continue
                keys = {
                    r[3]: f"{r[2]}.{r[4]}"
                    for r in db.execute(f"PRAGMA foreign_key_list([{name}])").fetchall()
                }
                columns = tuple(
                    Column(r[1], r[2] or "", bool(r[5]), bool(r[3]), keys.get(r[1]))
                    for r in db.execute(f"PRAGMA table_xinfo([{name}])").fetchall()
                    if not r[6]  # hidden columns of a virtual table
                )
                relations.append(Relation(name, kind, version, columns))
            return relations
        finally:
            db.conn.close()


# Shell completion (collector/cli/complete.py): value, description.
_COMPLETIONS = {
    "capture": (
        "SELECT id, outcome || '  ' || requested_url FROM captures"
        " WHERE id LIKE :p ESCAPE '\\' ORDER BY started_at DESC, id DESC LIMIT :n"
    ),
    "case": (
        "SELECT case_id, count(*) || ' capture(s)' FROM captures"
        " WHERE case_id LIKE :p ESCAPE '\\' GROUP BY case_id ORDER BY case_id LIMIT :n"
    ),
    "run": (
        "SELECT id, status || '  ' || list_file FROM runs"
        " WHERE id LIKE :p ESCAPE '\\' ORDER BY started_at DESC LIMIT :n"
    ),
}


def completions(path: Path, kind: str, prefix: str, limit: int = 200) -> list[tuple[str, str]]:
    """(value, description) pairs starting with `prefix`, for shell completion: read-only,
    with a short lock wait, and never an error (a missing or busy index completes nothing)."""
    if kind not in _COMPLETIONS or not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute(
            _COMPLETIONS[kind], {"p": _like_escape(prefix) + "%", "n": int(limit)}
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [(str(value), str(about or "")) for value, about in rows if value]


def previous_capture(
    path: Path, case: str | None, requested_url: str, final_url: str | None, outcome: str
) -> EarlierCapture | None:
    """The latest capture with the same outcome (`ok`, `not_found`, ...), not retired, of
    the same requested and final URL in the same case (no case: among captures without
    one), with its artifacts: what a new capture of an unchanged page is compared with
    (docs/storage.md). None when there is none, or no index to ask; read-only, on the
    calling thread (filing's worker)."""
    try:
        conn = _connect_read_only(path)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute(
            "SELECT c.id, c.folder, c.manifest_sha256 FROM captures c "
            "WHERE c.outcome = ? AND coalesce(c.case_id, '') = ? "
            "AND c.requested_url = ? AND c.final_url IS ? "
            "AND c.id NOT IN (SELECT capture_id FROM retired_captures) "
            "ORDER BY c.started_at DESC, c.id DESC LIMIT 1",
            [outcome, case or "", requested_url, final_url],
        ).fetchone()
        if row is None:
            return None
        artifacts = conn.execute(
            "SELECT name, sha256, size FROM artifacts WHERE capture_id = ? ORDER BY name",
            [row[0]],
        ).fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return EarlierCapture(
        str(row[0]),
        str(row[1]),
        str(row[2]),
        tuple((str(n), str(sha), int(size)) for n, sha, size in artifacts),
    )


@contextmanager
def earlier_payloads(path: Path, case: str | None) -> Iterator[PriorLookup]:
    """(payload digest, size) -> the earliest record of the same case storing it, for a
    capture being filed. Within one case only: a capture's folder (and so a zip package
    of its case) then links no WARC of another case.

    Its own read-only connection, opened and used on the calling thread (filing runs in a
    worker thread; the Index object belongs to the loop's). No index yet, or one without
    the table (not migrated), looks up nothing."""
    try:
        conn = _connect_read_only(path)
    except sqlite3.Error:
        yield lambda digest, size: None
        return
    try:

        def lookup(digest: str, size: int) -> PriorPayload | None:
            try:
                row = conn.execute(
                    "SELECT p.record_id, p.target_uri, p.warc_date, p.warc_sha256, c.folder "
                    "FROM warc_payloads p "
                    "JOIN captures c ON c.id = p.capture_id "
                    "WHERE p.digest = ? AND p.scope = ? AND p.size = ?",
                    [digest, case or "", size],
                ).fetchone()
            except sqlite3.Error:
                return None
            return PriorPayload(*(str(v) for v in row)) if row else None

        yield lookup
    finally:
        conn.close()


def _connect_read_only(path: Path) -> sqlite3.Connection:
    uri = "file:" + quote(str(path.absolute()))
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if "unable to open" not in str(exc) or not path.is_file():
            raise
    # A WAL database on a read-only file system: SQLite cannot create its -shm file there.
    # Nothing can write the database on such a file system either, so read it as immutable.
    conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=BUSY_TIMEOUT_S)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


@contextmanager
def _setup_lock(path: Path) -> Iterator[None]:
    """Serialise opening for writing across processes. Switching to WAL needs an exclusive
    lock that SQLite's busy timeout does not always wait for, so two processes creating
    the same store at once could see "database is locked"; a file lock orders them."""
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _capture_filters(filters: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """WHERE clauses for the desk's capture list: case, outcome, platform, run (ids, exact),
    since/until (started_at, RFC 3339), findings (True: with findings, False: without),
    url (substring of the requested or final URL)."""
    known = {"case", "outcome", "platform", "run", "since", "until", "findings", "url"}
    unknown = set(filters) - known
    if unknown:
        raise UsageError(f"unknown capture filter(s): {', '.join(sorted(unknown))}")
    where: list[str] = []
    params: dict[str, Any] = {}
    for key, column, op in (
        ("case", "case_id", "="),
        ("outcome", "outcome", "="),
        ("platform", "platform", "="),
        ("run", "run_id", "="),
        ("since", "started_at", ">="),
        ("until", "started_at", "<"),
    ):
        if filters.get(key) is not None:
            where.append(f"{column} {op} :f_{key}")
            params[f"f_{key}"] = filters[key]
    if filters.get("findings") is not None:
        where.append("findings > 0" if filters["findings"] else "COALESCE(findings, 0) = 0")
    if filters.get("url"):
        where.append("(requested_url LIKE :f_url ESCAPE '\\' OR final_url LIKE :f_url ESCAPE '\\')")
        params["f_url"] = "%" + _like_escape(filters["url"]) + "%"
    return where, params


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_ACTIONS = (
    "CREATE_INDEX",
    "CREATE_TABLE",
    "CREATE_TEMP_INDEX",
    "CREATE_TEMP_TABLE",
    "CREATE_TEMP_TRIGGER",
    "CREATE_TEMP_VIEW",
    "CREATE_TRIGGER",
    "CREATE_VIEW",
    "DELETE",
    "DROP_INDEX",
    "DROP_TABLE",
    "DROP_TEMP_INDEX",
    "DROP_TEMP_TABLE",
    "DROP_TEMP_TRIGGER",
    "DROP_TEMP_VIEW",
    "DROP_TRIGGER",
    "DROP_VIEW",
    "INSERT",
    "PRAGMA",
    "READ",
    "SELECT",
    "TRANSACTION",
    "UPDATE",
    "ATTACH",
    "DETACH",
    "ALTER_TABLE",
    "REINDEX",
    "ANALYZE",
    "CREATE_VTABLE",
    "DROP_VTABLE",
    "FUNCTION",
    "SAVEPOINT",
    "RECURSIVE",
)
_ACTION_NAMES = {
    getattr(sqlite3, "SQLITE_" + name): name.replace("_", " ")
    for name in _ACTIONS
    if hasattr(sqlite3, "SQLITE_" + name)
}


def _action_name(action: int, arg1: str | None) -> str:
    if action == sqlite3.SQLITE_PRAGMA:
        return f"PRAGMA {arg1} with a value, or one not on the read-only list"
    return _ACTION_NAMES.get(action, f"SQLite action {action}")
