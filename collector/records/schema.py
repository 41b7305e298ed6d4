"""What index.db's tables and views mean: the views that spell out its relations, and a line
for every column. docs/schema.md is generated from these and from the schema itself
(docs/generate.py); a test fails when a column has no line.

Relations are views, not foreign keys: `captures` (and what hangs off it) is rebuilt by
`collector reindex`, while the custody log and the runs outlive it, so a foreign key from a
run entry or a custody event to a capture would make a rebuild fail, or cascade deletes into
records that must never change. A view reads the relation without constraining either side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A capture named by a custody event, one row per (event, capture).
_CUSTODY_EVENT_CAPTURES = """
SELECT e.seq, e.at, e.actor, e.action, j.value AS capture_id
FROM custody_events e, json_each(e.capture_ids) j
"""

# The first `retired` event of each capture (a capture is retired once).
_RETIRED_CAPTURES = """
SELECT j.value AS capture_id, e.seq, e.at AS retired_at, e.actor,
       json_extract(e.details, '$.reason') AS reason,
       json_extract(e.details, '$.delete_files') AS delete_files
FROM custody_events e, json_each(e.capture_ids) j
WHERE e.action = 'retired'
  AND e.seq = (
    SELECT MIN(e2.seq) FROM custody_events e2, json_each(e2.capture_ids) j2
    WHERE e2.action = 'retired' AND j2.value = j.value
  )
"""

_RUN_ENTRY_CAPTURES = """
SELECT re.run_id, r.list_file, r.started_at AS run_started_at, re.entry_index, re.name,
       re.platform, re.url, re.status, re.outcome, re.attempts, re.capture_id,
       c.started_at AS captured_at, c.final_url, c.folder, c.manifest_sha256
FROM run_entries re
JOIN runs r ON r.id = re.run_id
LEFT JOIN captures c ON c.id = re.capture_id
"""

_CAPTURE_OVERVIEW = """
SELECT c.id, c.started_at, c.outcome, c.case_id, c.requested_url, c.final_url, c.title,
       c.folder, c.manifest_sha256, c.run_id, r.list_file AS run_list_file, c.entry_name,
       (SELECT COUNT(*) FROM timestamps t WHERE t.capture_id = c.id) AS tokens,
       (SELECT COUNT(*) FROM custody_event_captures x WHERE x.capture_id = c.id)
         AS custody_events,
       rc.retired_at
FROM captures c
LEFT JOIN runs r ON r.id = c.run_id
LEFT JOIN retired_captures rc ON rc.capture_id = c.id
"""

#: name -> SELECT, in creation order (a view may read the ones before it).
VIEWS: dict[str, str] = {
    "custody_event_captures": _CUSTODY_EVENT_CAPTURES,
    "retired_captures": _RETIRED_CAPTURES,
    "run_entry_captures": _RUN_ENTRY_CAPTURES,
    "capture_overview": _CAPTURE_OVERVIEW,
}


def create_views(execute: Callable[[str], Any]) -> None:
    """Migration 14: the views above."""
    for name, select in VIEWS.items():
        execute(f"CREATE VIEW {name} AS {select.strip()}")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    primary_key: bool
    not_null: bool
    references: str | None  # "table.column" of a foreign key


@dataclass(frozen=True)
class Relation:
    """A table or view of a fresh index.db, with the migration that created it."""

    name: str
    kind: str  # table, view
    version: int  # 0: the `migrations` table itself
    columns: tuple[Column, ...]


# FTS5's own tables behind capture_text_fts: described as a group, not column by column.
FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_docsize", "_config")

_TIME = "UTC, RFC 3339 with milliseconds"
_CASE = "case number, as given to the command"

#: table or view -> (what one row is, {column: meaning}).
DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "migrations": (
        "one row per schema version applied to this index",
        {
            "version": "schema version (numbered per feature, applied in list order)",
            "description": "what it added",
            "applied_at": f"when this index got it ({_TIME})",
        },
    ),
    "findings": (
        "one row per watched person found in a capture, from its manifest's `findings` "
        "(rebuilt by `reindex`; docs/interactions.md)",
        {
            "capture_id": "the capture it was found in (`captures.id`)",
            "n": "its number in the capture (crop `find-N.png`)",
            "subject_key": "who: the subject's identity (NIP, else name, else handle)",
            "subject_name": "the subject's name, from the subjects list",
            "subject_nip": "the subject's NIP (civil-servant number)",
            "subject_unit": "the subject's unit",
            "subject_platform": "platform of the handle looked for",
            "subject_handle": "the handle looked for",
            "looked_for_kind": "what was looked for: `handle`, `text` or `profile_url`",
            "looked_for": "the value looked for",
            "kind": "the interaction: comment, reply, like, follower, following, share, "
            "member, mention, author, unknown",
            "rule": "the rule (collector.sites.interactions) that decided the kind",
            "how": "where it matched: in text or in a link to the profile",
            "matched_text": "the text that matched (captured content: hostile)",
            "item_text": "the whole enclosing item's text: the comment, the list row "
            "(captured content: hostile)",
            "selector": "CSS selector of the matched element in the rendered page",
            "xpath": "XPath of the matched element",
            "surface": "the image that shows it: `page` or `container-N`",
            "box": "bounding box in that image, JSON {x, y, width, height}",
            "crop": "the crop artifact (`find-N.png`)",
            "crop_sha256": "SHA-256 of the crop",
            "url": "the page's final URL",
            "captured_at": f"the capture's start ({_TIME})",
            "case_id": "the capture's case",
            "run_id": "the run it came from (`runs.id`), if any",
            "entry_name": "the watch-list entry's name, if any",
            "list": "for a following/followers list capture: which list",
            "finding_key": "a stable identity of the finding across captures (for "
            "`finding_added`/`finding_removed`)",
        },
    ),
    "captures": (
        "one row per capture, from its manifest (rebuilt by `reindex`)",
        {
            "id": "capture id, `YYYYMMDDTHHMMSSmmmZ-xxxxxx` (UTC start and a random suffix)",
            "requested_url": "URL asked for",
            "final_url": "URL after redirects",
            "outcome": "what the page is: `ok`, `not_found`, `login_wall`, ... (README, Outcomes)",
            "reason": "why, for an outcome other than `ok`",
            "http_status": "the main document's HTTP status",
            "title": "page title as rendered",
            "case_id": _CASE,
            "operator": "who captured",
            "note": "free text given with the capture",
            "started_at": f"capture start ({_TIME})",
            "finished_at": f"capture end ({_TIME})",
            "folder": "capture folder, relative to the store",
            "manifest_sha256": "SHA-256 of `manifest.json` as filed",
            "collector_version": "collector that made it",
            "browser_version": "browser that rendered it",
            "hostname": "machine it was made on",
            "screenshot_height": "height of `screenshot.png` in px",
            "truncated": "1 when the page was taller than the screenshot cap",
            "run_id": "the `collector run` it belongs to (see `runs.id`), or NULL",
            "entry_name": "the watch-list entry's name, when from a run",
            "platform": "whose page: the platform whose markers judged it, else the watch-list "
            "entry's, else the one its URL's host belongs to (`web` for any other site)",
            "findings": "how many findings the manifest lists (0 before there are any)",
        },
    ),
    "artifacts": (
        "one row per file of a capture, from its manifest (rebuilt by `reindex`)",
        {
            "capture_id": "the capture",
            "name": "file name in the capture folder",
            "media_type": "its media type",
            "size": "bytes",
            "sha256": "SHA-256 of the bytes as written",
        },
    ),
    "custody_events": (
        "the custody log: one row per entry, append-only (triggers refuse UPDATE and "
        "DELETE), never rebuilt; docs/custody.md",
        {
            "seq": "1, 2, 3 ... with no gaps",
            "at": f"when ({_TIME})",
            "actor": "who did it",
            "action": "`captured`, `adopted`, `timestamped`, `note`, `verified`, `exported`, "
            "`handover` or `retired`",
            "capture_ids": "JSON array of the captures concerned (`[]`: the whole store); one "
            "row each in the view `custody_event_captures`",
            "details": "JSON object, by action (docs/custody.md)",
            "prev_hash": "`entry_hash` of the entry before (64 zeros for the first)",
            "entry_hash": "SHA-256 of the entry's canonical JSON without `entry_hash`",
        },
    ),
    "runs": (
        "one row per `collector run` of a watch list (kept by `reindex`)",
        {
            "id": "run id, `run-<UTC start>-xxxxxx`",
            "list_file": "the watch list's path",
            "list_sha256": "SHA-256 of the list as read",
            "started_at": f"run start ({_TIME})",
            "finished_at": f"run end, or NULL while running or interrupted ({_TIME})",
            "status": "`running`, `finished` or `interrupted`",
            "operator": "who ran it",
            "case_id": _CASE,
            "only_tags": "JSON list of the --only tags",
            "entries": "entries selected for the run",
            "ok": "entries whose final outcome is `ok`",
            "counts": "JSON object: outcome -> entries",
            "attempts": "capture attempts, retries included",
            "settings": "JSON: politeness, retries, breaker and capture options",
            "hostname": "machine it ran on",
            "resumed_at": "JSON list of the times it was resumed",
        },
    ),
    "run_entries": (
        "one row per selected entry of a run",
        {
            "run_id": "the run (`runs.id`)",
            "entry_index": "1-based position in the watch list",
            "name": "entry name",
            "nip": "civil-servant number (NIP), when given",
            "unit": "agency or work unit, when given",
            "platform": "platform the entry is on",
            "handle": "account handle, when given",
            "url": "the URL captured",
            "tags": "JSON list of the entry's tags",
            "status": "`pending`, `done` or `skipped`",
            "outcome": "outcome of the final attempt",
            "reason": "why, for an outcome other than `ok` (or why skipped)",
            "capture_id": "the final attempt's capture (see the view `run_entry_captures`)",
            "attempts": "attempts made",
            "updated_at": f"last change ({_TIME})",
        },
    ),
    "run_attempts": (
        "one row per capture attempt of a run entry, retries included",
        {
            "run_id": "the run (`runs.id`)",
            "entry_index": "the entry (`run_entries.entry_index`)",
            "attempt": "1 for the first try, 2.. for retries",
            "capture_id": "the capture this attempt filed",
            "outcome": "its outcome",
            "reason": "why, for an outcome other than `ok`",
            "http_status": "the main document's HTTP status",
            "started_at": f"attempt start ({_TIME})",
            "finished_at": f"attempt end ({_TIME})",
            "decision": "`final`, `retry` or `stopped` (breaker open, run stopping)",
            "wait_s": "seconds waited before the retry",
            "note": "why that wait (backoff, Retry-After)",
        },
    ),
    "capture_text": (
        "what search reads: one row per capture (rebuilt by `reindex`)",
        {
            "id": "integer row id (the FTS rowid; stable across VACUUM)",
            "capture_id": "the capture (unique)",
            "entry_key": "the page, for change detection: `entry:[name, platform, url]` (a "
            "list opened in a dialog of the profile: `entry:[name, platform, url, list]`) or "
            "`url:<requested URL>`",
            "title": "page title, in the search form (docs/monitoring.md)",
            "url": "requested URL, and the final URL when different",
            "text": "visible text from `text.txt` (empty when missing or failing its hash)",
        },
    ),
    "capture_text_fts": (
        "FTS5 full-text index over `capture_text` (`content=capture_text`, kept in step by "
        "triggers); query with `capture_text_fts MATCH '...'` joined on "
        "`capture_text.id = capture_text_fts.rowid`. Its tables `capture_text_fts_data`, "
        "`_idx`, `_docsize` and `_config` are FTS5's own",
        {
            "title": "indexed title",
            "url": "indexed URLs",
            "text": "indexed visible text",
        },
    ),
    "changes": (
        "one row per comparison of a capture with the previous capture of the same page "
        "(rebuilt by `reindex`)",
        {
            "capture_id": "the later capture",
            "previous_id": "the capture it was compared with",
            "entry_key": "the page (see `capture_text.entry_key`)",
            "entry_name": "watch-list entry name, or NULL for an ad-hoc capture",
            "url": "the entry's URL, or the requested URL",
            "case_id": "case of the later capture",
            "run_id": "run of the later capture",
            "captured_at": f"start of the later capture ({_TIME})",
            "previous_at": f"start of the earlier capture ({_TIME})",
            "outcome": "outcome of the later capture",
            "previous_outcome": "outcome of the earlier capture",
            "changed": "1 when anything changed, 0 for checked and unchanged",
            "kinds": "comma-separated kinds, most important first (empty when unchanged)",
            "summary": "one line per change, joined with `; `",
            "screenshot_distance": "Hamming distance of the two dhashes (0-64), when comparable",
            "details": "the full comparison as JSON",
            "created_at": f"when the row was computed ({_TIME})",
        },
    ),
    "timestamps": (
        "one row per RFC 3161 token over a capture's manifest, in its folder or obtained "
        "later under `timestamps/` (rebuilt by `reindex`)",
        {
            "capture_id": "the capture",
            "folder": "folder of the token, relative to the store",
            "tsr": "token file name",
            "tsq": "request file name",
            "tsq_sha256": "SHA-256 of the request",
            "tsr_sha256": "SHA-256 of the token",
            "late": "1 when obtained after the capture was filed",
            "tsa_url": "time-stamping authority asked",
            "gen_time": f"the TSA's time in the token ({_TIME})",
            "serial": "token serial number",
            "policy": "TSA policy OID",
            "nonce": "nonce sent and returned",
            "accuracy_ms": "accuracy the TSA states, in ms",
            "manifest_sha256": "SHA-256 the token covers",
            "requested_at": f"when asked ({_TIME})",
            "received_at": f"when answered ({_TIME})",
        },
    ),
    "warc_payloads": (
        "one row per payload (response body or resource, 512 bytes or more) stored in full "
        "in a WARC, for the first capture of each case that stored it: what a later "
        "capture's `revisit` records point at (docs/storage.md). A lookup, not evidence: "
        "rebuilt by `reindex` from the WARCs on disk; captures made with an investigator's "
        "session are never listed",
        {
            "digest": "the payload's `WARC-Payload-Digest` (`sha256:` + base32)",
            "scope": "the case the capture belongs to (empty for captures without a case): "
            "revisits stay within one case",
            "size": "payload length in bytes",
            "capture_id": "the capture whose WARC holds the payload in full",
            "warc_sha256": "SHA-256 of that WARC file (linked into a later capture's folder "
            "as `refers-<sha256>.warc.gz`)",
            "record_id": "the record's `WARC-Record-ID`",
            "target_uri": "the record's `WARC-Target-URI`",
            "warc_date": "the record's `WARC-Date`, as written",
        },
    ),
    "desk_users": (
        "one row per user of the review desk (docs/desk.md; kept by `reindex`)",
        {
            "name": "user name (sign-in)",
            "role": "`reviewer`, `investigator` or `admin`",
            "password": "scrypt hash of the password, `scrypt$n$r$p$salt$hash`",
            "created_at": f"when the user was added ({_TIME})",
            "updated_at": f"last change of role or password ({_TIME})",
        },
    ),
    "desk_sessions": (
        "one row per signed-in desk session",
        {
            "token_sha256": "SHA-256 of the session token (the cookie holds the token)",
            "user_name": "the user (`desk_users.name`)",
            "csrf": "the session's CSRF token",
            "created_at": f"sign-in time ({_TIME})",
            "expires_at": f"when the session ends ({_TIME})",
        },
    ),
    "intake_reports": (
        "one row per report taken at the desk's intake: who reported what, for which case "
        "(personal data: shown to signed-in staff only, never exported unasked)",
        {
            "id": "report id",
            "created_at": f"when it was taken ({_TIME})",
            "created_by": "the signed-in user, or user@host of the local operator",
            "case_id": _CASE,
            "note": "free text",
            "reporter_name": "who reported it",
            "reporter_contact": "how to reach them",
            "channel": "`whatsapp`, `email`, `form`, `phone` or `other`",
        },
    ),
    "intake_items": (
        "one row per URL of an intake report, and the capture made of it",
        {
            "report_id": "the report (`intake_reports.id`)",
            "position": "1-based order of the URL in the report",
            "url": "the URL reported",
            "status": "`queued`, `capturing`, `done`, `failed` or `interrupted`",
            "capture_id": "the capture made of it",
            "outcome": "that capture's outcome",
            "reason": "why, for an outcome other than `ok`",
            "updated_at": f"last change ({_TIME})",
        },
    ),
    "custody_event_captures": (
        "view: `custody_events.capture_ids` exploded, one row per (entry, capture); "
        "entries about the whole store (`[]`) have none",
        {
            "seq": "the entry (`custody_events.seq`)",
            "at": f"when ({_TIME})",
            "actor": "who",
            "action": "what",
            "capture_id": "a capture the entry names",
        },
    ),
    "retired_captures": (
        "view: each retired capture with its (first) `retired` custody entry",
        {
            "capture_id": "the capture",
            "seq": "the `retired` entry (`custody_events.seq`)",
            "retired_at": f"when ({_TIME})",
            "actor": "who retired it",
            "reason": "why",
            "delete_files": "1 when its files were to be deleted (hashes stay)",
        },
    ),
    "run_entry_captures": (
        "view: each run entry with its run's list and its final capture (NULL columns "
        "while it has none)",
        {
            "run_id": "the run",
            "list_file": "the run's watch list",
            "run_started_at": f"run start ({_TIME})",
            "entry_index": "1-based position in the list",
            "name": "entry name",
            "platform": "platform",
            "url": "URL captured",
            "status": "`pending`, `done` or `skipped`",
            "outcome": "outcome of the final attempt",
            "attempts": "attempts made",
            "capture_id": "the final attempt's capture",
            "captured_at": f"its start ({_TIME})",
            "final_url": "its URL after redirects",
            "folder": "its folder, relative to the store",
            "manifest_sha256": "SHA-256 of its `manifest.json`",
        },
    ),
    "capture_overview": (
        "view: one row per capture with what other tables say about it",
        {
            "id": "capture id",
            "started_at": f"capture start ({_TIME})",
            "outcome": "outcome",
            "case_id": "case",
            "requested_url": "URL asked for",
            "final_url": "URL after redirects",
            "title": "page title",
            "folder": "capture folder",
            "manifest_sha256": "SHA-256 of `manifest.json`",
            "run_id": "its run, or NULL",
            "run_list_file": "that run's watch list",
            "entry_name": "watch-list entry",
            "tokens": "RFC 3161 tokens over its manifest",
            "custody_events": "custody entries that name it",
            "retired_at": f"when it was retired, or NULL ({_TIME})",
        },
    ),
}
