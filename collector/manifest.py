"""What a capture's `manifest.json` holds, as types: the record every later step reads.

Built in one place (`collector.capture.filing`), written by the store (which appends
`artifacts`), read everywhere else through `collector.evidence.store.load_manifest` or
`FiledCapture.manifest`. TypedDicts rather than classes: the JSON on disk is the evidence,
its bytes (keys, values, key order) must not change, and readers keep `m["key"]` while
mypy checks the key names. Nothing is validated on reading: a manifest is what a collector
wrote, and stores written before a key existed may lack it (readers use `.get` for those).

Three stages of one record, each the one before plus what comes next:
    Provenance     everything the capture observed and how (the WARC's metadata record)
    ManifestDraft  + `archive` (the WARC written from the provenance): handed to the store
    Manifest       + `artifacts` (appended by the store): manifest.json
Sections whose keys belong to another step (the browser's page facts, the screenshot,
options, the platform verdict) stay `dict[str, Any]` here; they are defined where made.
"""

from __future__ import annotations

from typing import Any, Final, NotRequired, TypedDict

MANIFEST_VERSION: Final = 1


class RedirectRecord(TypedDict):
    url: str
    status: int
    status_text: str
    location: str | None


class ResponseRecord(TypedDict):
    """The main document's response as received (headers in order, duplicates kept)."""

    url: str
    status: int
    status_text: str
    headers: list[list[str]]  # [[name, value], ...]
    content_type: str | None
    content_encoding: str | None
    body_decoded: bool  # Playwright hands over the body decoded from any Content-Encoding
    body_artifact: str | None
    body_error: str | None
    server_ip: str | None
    server_port: int | None
    tls: dict[str, Any] | None


class SoftwareRecord(TypedDict):
    collector: str
    playwright: str


class EnvironmentRecord(TypedDict):
    hostname: str
    os: str
    python: str
    fonts: dict[str, Any]


class RunRecord(TypedDict):
    """The watch-list run a capture belongs to (`collector run`)."""

    run_id: str
    entry: dict[str, Any] | None
    attempt: NotRequired[int]
    watchlist: NotRequired[dict[str, Any]]  # {file, sha256}


class TimestampingRecord(TypedDict):
    """RFC 3161 tokens were asked for: from which TSAs, and where they are recorded."""

    tsa_urls: list[str]  # credentials removed
    record: str  # timestamps.json, written after the manifest


class ArchiveRecord(TypedDict):
    """The capture's WARC (`<capture id>.warc.gz`; `archive.warc.gz` in stores written
    before), or why there is none (`file` None and `error`)."""

    file: str | None
    error: NotRequired[str]
    format: NotRequired[str]
    size: NotRequired[int]
    sha256: NotRequired[str]
    records: NotRequired[int]
    record_types: NotRequired[dict[str, int]]
    har_entries: NotRequired[int]
    exchanges: NotRequired[int]
    missing_bodies: NotRequired[int]
    responses_left_out: NotRequired[int]  # of those, responses left out of the WARC
    lost_bodies: NotRequired[list[dict[str, Any]]]
    skipped: NotRequired[list[dict[str, Any]]]
    resources: NotRequired[list[str]]
    metadata_uri: NotRequired[str]
    manifest_in_warc: NotRequired[bool]
    problem: NotRequired[str | None]
    # only when the WARC has revisit records: the earlier WARCs (artifacts of this capture,
    # hard links) they point into (docs/storage.md)
    refers_to: NotRequired[list[str]]
    # only when this capture rendered exactly what the previous ok capture of the page did
    # and links that capture's MHTML snapshot (the resource record above: a revisit)
    # instead of filing its own: which, from where, and why (docs/storage.md)
    mhtml_reused: NotRequired[dict[str, Any]]


class ArtifactRecord(TypedDict):
    name: str
    media_type: str
    size: int
    sha256: str


class Provenance(TypedDict):
    """One capture's provenance, keys in the order they are written."""

    manifest_version: int
    capture_id: str
    requested_url: str
    final_url: str | None
    outcome: str  # a models.Outcome value
    outcome_reason: str
    started_at: str  # RFC 3339 UTC, milliseconds
    finished_at: str
    case: str | None
    operator: str | None
    note: str | None
    redirects: list[RedirectRecord]
    response: ResponseRecord | None
    page: dict[str, Any]  # title, user_agent, the browser's page facts, post links
    screenshot: dict[str, Any]  # how it was taken, PNG size, perceptual hash
    settle: dict[str, Any]
    dialogs: list[dict[str, Any]]
    expand: dict[str, Any] | None
    errors: list[str]  # non-fatal: an artifact that could not be made, and why
    options: dict[str, Any]  # CaptureOptions, proxy credentials and session path removed
    browser: dict[str, Any]  # models.BrowserInfo
    software: SoftwareRecord
    environment: EnvironmentRecord
    run: RunRecord | None
    time_sources: dict[str, Any]  # collector.evidence.stamps.time_sources_record
    classification: dict[str, Any] | None  # collector.sites.classify verdict
    consent: dict[str, Any] | None
    downloads: list[dict[str, Any]]
    session: dict[str, Any] | None  # the session file's name and SHA-256, never its cookies
    timestamping: TimestampingRecord | None
    find: dict[str, Any] | None
    findings: list[dict[str, Any]]


class ManifestDraft(Provenance):
    archive: ArchiveRecord


class Manifest(ManifestDraft):
    artifacts: list[ArtifactRecord]  # every file written before manifest.json, hashed
