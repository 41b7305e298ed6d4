"""Records that flow one way: job -> page capture -> filed capture -> index.

Frozen so a step can never quietly edit what an earlier step observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from collector.manifest import ArtifactRecord, Manifest


class Outcome(StrEnum):
    """What a capture really is. Only `ok` is a good capture (evidence rule 5)."""

    OK = "ok"
    HTTP_ERROR = "http_error"  # 4xx/5xx: still preserved, a 404 on a reported post is evidence
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    BLOCKED_TARGET = "blocked_target"  # the page led to a refused scheme
    DOWNLOAD = "download"  # the URL answered with a file, not a page
    EMPTY = "empty"  # rendered, but no visible content
    BROWSER_ERROR = "browser_error"  # the browser failed under us
    # what the rendered page really is (collector.sites.classify)
    LOGIN_WALL = "login_wall"  # a login form or redirect instead of the content
    NOT_FOUND = "not_found"  # account/post gone, even when the platform answers 200
    RATE_LIMITED = "rate_limited"  # HTTP 429 or a challenge/throttling page
    CAPTCHA = "captcha"  # a captcha replaces the content
    PRIVATE = "private"  # private/protected account or video
    CONSENT_WALL = "consent_wall"  # a consent/cookie interstitial instead of the content
    EXPECTATION_FAILED = "expectation_failed"  # expect_text absent or wait_for never appeared

    @property
    def good(self) -> bool:
        return self is Outcome.OK


@dataclass(frozen=True)
class Viewport:
    width: int = 1280
    height: int = 800

    @classmethod
    def parse(cls, text: str) -> Viewport:
        try:
            w, h = text.lower().split("x")
            viewport = cls(int(w), int(h))
        except ValueError:
            raise ValueError(f"viewport must look like 1280x800, not {text!r}") from None
        if not (200 <= viewport.width <= 8000 and 200 <= viewport.height <= 8000):
            raise ValueError(f"viewport {text} is outside 200..8000 px")
        return viewport

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class CaptureOptions:
    """Every knob that changes what a capture looks like; all recorded in the manifest."""

    viewport: Viewport = Viewport()
    device_scale_factor: float = 1.0
    user_agent: str | None = None
    locale: str = "id-ID"
    timezone: str = "Asia/Jakarta"
    proxy: str | None = None  # may carry credentials: never written as is
    ignore_https_errors: bool = False
    timeout_s: float = 30.0  # the whole capture, navigation to last artifact
    max_scrolls: int = 30
    max_height: int = 50_000  # screenshot cap, CSS px
    network_quiet_ms: int = 300
    wait_for: str | None = None  # CSS selector that must appear
    expect_text: str | None = None  # text that must be present for `ok`
    storage_state: str | None = None  # path to a Playwright storage-state JSON
    consent_click: bool = True  # click a known consent button after the as-served shot
    max_download_bytes: int = 50 * 1024 * 1024  # downloads the page triggers, saved up to this
    # open what the page hides (comments, replies, "see more", inner scroll containers)
    # before the shot: collector.capture.expand; never a social action
    expand: bool = True
    max_expand: int = 150  # clicks at most, per capture
    # a profile's list ("following"/"followers") to open in its dialog from the
    # profile's counts before the shot (collector.sites.expand.LIST_OPENERS), for a
    # watch-list entry's `lists` where the list has no page of its own (TikTok, Threads)
    open_list: str | None = None


@dataclass(frozen=True)
class Needle:
    """One thing to look for in a rendered page (a watched person's handle, name, profile)."""

    id: str
    kind: str  # "handle" | "text" | "profile_url"
    value: str
    platform: str | None = None


@dataclass(frozen=True)
class Subject:
    """A person looked for in captures (`--find`, a watch list's `find`, `--subjects`):
    who they are, and the needles that stand for them (`Needle.id` starts with `id`)."""

    id: str  # "s1", ...: unique within one job
    name: str | None
    nip: str | None
    unit: str | None
    handles: tuple[tuple[str, str], ...]  # (platform, handle)
    needles: tuple[Needle, ...]
    source: str  # where the subject came from: "--find", "profiles/asn.toml entry 3", ...


@dataclass(frozen=True)
class CaptureJob:
    url: str
    options: CaptureOptions = CaptureOptions()
    case: str | None = None
    operator: str | None = None
    note: str | None = None
    # watch-list context, when the job comes from `collector run`
    run_id: str | None = None
    entry: dict[str, Any] | None = field(default=None, hash=False)
    platform: str | None = None  # whose page markers classify it; None: from the URL's host
    attempt: int | None = None  # 1 for the first try of a run entry, 2.. for retries
    watchlist: dict[str, Any] | None = field(default=None, hash=False)  # {file, sha256}
    # looked for in the rendered page by collector/capture/js/find.js (PageCapture.matches)
    find: tuple[Needle, ...] = ()
    # who the needles stand for, and whether a capture that finds none of them is
    # `expectation_failed` (`--expect-find`)
    subjects: tuple[Subject, ...] = ()
    expect_find: bool = False
    # browser endpoints that went away while this job ran on them, before the one that
    # rendered it (collector.capture.pool): [{endpoint, reason, at}]
    handoffs: tuple[dict[str, Any], ...] = field(default=(), hash=False)


@dataclass(frozen=True)
class RedirectHop:
    url: str
    status: int
    status_text: str
    location: str | None


@dataclass(frozen=True)
class MainResponse:
    url: str
    status: int
    status_text: str
    headers: tuple[tuple[str, str], ...]  # as received, duplicates kept
    server_ip: str | None
    server_port: int | None
    tls: dict[str, Any] | None
    body: bytes | None  # decoded by the browser from any Content-Encoding
    body_error: str | None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        values = [v for k, v in self.headers if k.lower() == wanted]
        return ", ".join(values) if values else None


@dataclass(frozen=True)
class BrowserInfo:
    name: str
    version: str
    executable_path: str
    source: str  # how it was found: option, env, system, playwright
    playwright_version: str
    # "headless shell" (the engine alone) or "headless" (the desktop browser, windowless)
    mode: str = "headless"
    launch_args: tuple[str, ...] = ()  # what collector adds to Playwright's own switches
    # a browser on another machine (collector.capture.pool): its URL as redact_endpoint
    # shows it; None for a browser collector launched itself
    endpoint: str | None = None


@dataclass(frozen=True)
class PageCapture:
    """What the browser observed for one URL: bytes and facts, nothing written yet
    (except the HAR, which Playwright itself writes into the capture's folder)."""

    requested_url: str
    started_at: str
    finished_at: str
    outcome: Outcome
    reason: str
    final_url: str | None
    redirects: tuple[RedirectHop, ...]
    response: MainResponse | None
    title: str | None
    user_agent: str | None
    screenshot: bytes | None
    screenshot_info: dict[str, Any]
    dom: str | None
    mhtml: bytes | None
    text: str | None
    settle: dict[str, Any]
    dialogs: tuple[dict[str, Any], ...]
    errors: tuple[str, ...]  # non-fatal: an artifact that could not be taken, and why
    page_facts: dict[str, Any]
    # the known consent button that was clicked after the as-served screenshot, and the
    # full-page screenshot taken after the click
    consent: dict[str, Any] | None = None
    consent_screenshot: bytes | None = None
    # files the page triggered: saved into the capture folder, or refused (and why)
    downloads: tuple[dict[str, Any], ...] = ()
    session: dict[str, Any] | None = None  # storage state used: file name and SHA-256
    classification: dict[str, Any] | None = None  # the collector.sites.classify verdict
    # a tiny PNG of the top of the page, for the perceptual hash (not stored as evidence)
    thumbnail: bytes | None = None
    thumbnail_info: dict[str, Any] = field(default_factory=dict)
    # what collector.capture.expand did to the page (clicks, container scrolls, refusals,
    # navigations undone): the manifest's `expand`; None when expansion did not run
    expand: dict[str, Any] | None = None
    # each scrolled inner container's whole content as one PNG, and how it was made:
    # filed as container-1.png, container-2.png, ... in this order
    container_shots: tuple[tuple[bytes, dict[str, Any]], ...] = ()
    # what find.js returned for CaptureJob.find (raw, JSON-able), read in the render that
    # `matches_screenshot` shows (screenshot.png, or the shot after a consent click)
    matches: tuple[dict[str, Any], ...] = ()
    matches_screenshot: str | None = None


@dataclass(frozen=True)
class Finding:
    """A watched person found in a capture: who, where, what kind of interaction, and
    the crop that shows it (collector.evidence.findings; manifest key `findings`)."""

    n: int  # 1-based: find-N.png
    needle_id: str
    subject: dict[str, Any]  # {id, name, nip, unit, platform, handle, source}
    matched_text: str
    item_text: str  # the whole enclosing item (the comment, the list row)
    selector: str
    xpath: str
    box: dict[str, float]  # page CSS px: {x, y, width, height}
    surface: str  # "page" (screenshot.png) or "container-N" (container-N.png)
    surface_box: dict[str, float]  # in that image's own pixels
    kind: str  # collector.sites.interactions.KINDS
    rule: str  # the rule that decided the kind
    how: str  # "text" or "link"
    crop: dict[str, Any] | None  # {artifact, sha256, box, annotated, ...} or {error}

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "needle_id": self.needle_id,
            "subject": self.subject,
            "matched_text": self.matched_text,
            "item_text": self.item_text,
            "selector": self.selector,
            "xpath": self.xpath,
            "box": self.box,
            "surface": self.surface,
            "surface_box": self.surface_box,
            "kind": self.kind,
            "rule": self.rule,
            "how": self.how,
            "crop": self.crop,
        }


@dataclass(frozen=True)
class Artifact:
    name: str
    media_type: str
    size: int
    sha256: str

    def as_dict(self) -> ArtifactRecord:
        return {
            "name": self.name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class TimestampRecord:
    """One RFC 3161 token over a capture's manifest.json, as stored and indexed.

    `folder` (relative to the store) holds the `tsq`/`tsr` files: the capture folder itself
    for a token obtained while capturing, `timestamps/<capture-id>/<NNN>` for one obtained
    later by `collector timestamp` (`late`).
    """

    capture_id: str
    folder: str
    tsq: str
    tsr: str
    tsq_sha256: str
    tsr_sha256: str
    tsa_url: str  # credentials removed
    gen_time: str  # the TSA's time, RFC 3339 UTC (ms)
    serial: str  # decimal: serial numbers can be up to 160 bits
    policy: str
    nonce: str  # hex: 64 random bits do not fit SQLite's signed integers
    accuracy_ms: int | None
    manifest_sha256: str  # the digest that was timestamped
    requested_at: str  # system clock when the request was sent
    received_at: str  # system clock when the reply was read
    late: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "capture_id": self.capture_id,
            "folder": self.folder,
            "tsq": self.tsq,
            "tsr": self.tsr,
            "tsq_sha256": self.tsq_sha256,
            "tsr_sha256": self.tsr_sha256,
            "tsa_url": self.tsa_url,
            "gen_time": self.gen_time,
            "serial": self.serial,
            "policy": self.policy,
            "nonce": self.nonce,
            "accuracy_ms": self.accuracy_ms,
            "manifest_sha256": self.manifest_sha256,
            "requested_at": self.requested_at,
            "received_at": self.received_at,
            "late": self.late,
        }


@dataclass(frozen=True)
class StoredPayload:
    """A payload a capture's WARC stores in full (a response body or a resource): what a
    later capture's revisit record can point at (docs/storage.md)."""

    digest: str  # WARC-Payload-Digest, "sha256:" + base32
    size: int
    record_id: str
    uri: str
    date: str  # WARC-Date as written


@dataclass(frozen=True)
class EarlierCapture:
    """The previous `ok` capture of the same page in the same case, as the index knows it:
    what filing compares a new capture with before it reuses that capture's MHTML
    snapshot instead of filing a new one (docs/storage.md)."""

    capture_id: str
    folder: str  # relative to the store
    manifest_sha256: str
    artifacts: tuple[tuple[str, str, int], ...]  # (name, sha256, size), as listed

    def artifact(self, name: str) -> tuple[str, int] | None:
        """(sha256, size) of one listed artifact."""
        return next(((sha, size) for n, sha, size in self.artifacts if n == name), None)


@dataclass(frozen=True)
class FiledCapture:
    """A capture renamed into place in the store: its manifest is the source of truth."""

    capture_id: str
    folder: str  # relative to the store root
    manifest: Manifest
    manifest_sha256: str
    artifacts: tuple[Artifact, ...]
    # Files written after the manifest (timestamps.json, manifest.tsq/.tsr), in SHA256SUMS only
    sealed: tuple[Artifact, ...] = ()
    # RFC 3161 tokens obtained over manifest.json at capture time (collector.evidence.stamps):
    # what the custody log's `timestamped` event records
    timestamps: tuple[TimestampRecord, ...] = ()
    # Payloads its WARC stores in full, for later captures' revisit records
    payloads: tuple[StoredPayload, ...] = ()

    @property
    def outcome(self) -> str:
        return str(self.manifest["outcome"])
