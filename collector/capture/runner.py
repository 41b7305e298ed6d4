"""Capture jobs -> browser -> artifacts written and hashed -> index.

Several captures run at once in one browser (collector.capture.admission says how many): while
one page waits on the network, another is scrolled or shot, and files are written and
hashed in worker threads, off the browser's critical path. Each capture gets a fresh
browser context (no cookie, cache or storage crosses captures). See bench/ and the
README's Performance section.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import json
import platform
import shutil
import socket
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from collector import __version__
from collector.capture.admission import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MIN_AVAILABLE_MB,
    AdmissionGate,
    MemoryProbe,
    available_memory_mb,
)
from collector.capture.browser import BrowserSession, find_browser, font_facts
from collector.capture.sessions import check_session_file
from collector.errors import AnchorError, CollectorError, StoreError
from collector.evidence.png import png_size_fields
from collector.evidence.redact import redact_response_headers
from collector.evidence.stamps import (
    TsaSettings,
    records_from_document,
    stamp_capture,
    stored_records,
    time_sources_record,
)
from collector.evidence.store import TIMESTAMPS, CaptureWriter, EvidenceStore, new_capture_id
from collector.evidence.warc import (
    ArchiveError,
    WarcInfo,
    WarcResource,
    warc_name,
    write_capture_warc,
)
from collector.models import (
    BrowserInfo,
    CaptureJob,
    FiledCapture,
    PageCapture,
)
from collector.records.anchor import Anchor, stamp_head
from collector.records.custody import CustodyLog, adopt_unfiled, entries, kept_rows, record_capture
from collector.records.index import Index
from collector.sites.classify import classify_page
from collector.sites.classify import marker_selectors as all_marker_selectors
from collector.sites.platforms import PlatformError, detect_platform, resolve_platform
from collector.sites.posts import extract_post_links
from collector.sites.urls import (
    normalise_target,
    parse_proxy,
    redact_proxy,
    redact_url_credentials,
)
from collector.timeutil import parse_rfc3339, utc_now

MANIFEST_VERSION = 1
# A capture (screenshots, DOM, MHTML, HAR, WARC) rarely needs more than ~100 MB; below
# this much free space on the store's disk none is started (--min-free-disk).
DEFAULT_MIN_FREE_DISK_MB = 500
WARC_MEDIA = "application/warc"
CONSENT_SCREENSHOT = "screenshot-after-consent.png"
T = TypeVar("T")
MAX_POST_LINKS = 500

# Content-Type -> (file name of the body as received, media type when none is given)
_BODY_NAMES = {
    "text/html": "response.html",
    "application/xhtml+xml": "response.xhtml",
    "application/json": "response.json",
    "text/plain": "response.txt",
    "application/xml": "response.xml",
    "text/xml": "response.xml",
    "image/png": "response.png",
    "image/jpeg": "response.jpg",
    "image/gif": "response.gif",
    "image/webp": "response.webp",
    "application/pdf": "response.pdf",
}

Progress = Callable[[FiledCapture], None]
# Runs on the loop's thread right after a capture is indexed (same SQLite connection):
# the place for what follows from a filed capture (custody, change detection, run links).
AfterFiling = Callable[[Index, CaptureJob, FiledCapture], None]


def environment_facts() -> dict[str, Any]:
    return {
        "hostname": socket.gethostname(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "fonts": font_facts(),
    }


def body_artifact_name(content_type: str | None) -> tuple[str, str]:
    media = (content_type or "").split(";")[0].strip().lower()
    return _BODY_NAMES.get(media, "response.bin"), (content_type or "application/octet-stream")


def build_manifest(
    capture_id: str,
    job: CaptureJob,
    page: PageCapture,
    browser: BrowserInfo,
    environment: dict[str, Any],
    body_artifact: str | None,
) -> dict[str, Any]:
    """Provenance of one capture. Artifacts are appended by the writer as it closes."""
    options = asdict(job.options)
    options["viewport"] = str(job.options.viewport)
    options["proxy"] = redact_proxy(job.options.proxy) if job.options.proxy else None
    if job.options.storage_state:
        options["storage_state"] = Path(job.options.storage_state).name
    response: dict[str, Any] | None = None
    if page.response is not None:
        r = page.response
        response = {
            "url": r.url,
            "status": r.status,
            "status_text": r.status_text,
            # secret values (Set-Cookie...) as a hash: collector.evidence.redact
            "headers": redact_response_headers(r.headers),
            "content_type": r.header("content-type"),
            "content_encoding": r.header("content-encoding"),
            # Playwright hands over the body already decoded from any Content-Encoding
            "body_decoded": True,
            "body_artifact": body_artifact,
            "body_error": r.body_error,
            "server_ip": r.server_ip,
            "server_port": r.server_port,
            "tls": r.tls,
        }
    facts = dict(page.page_facts)
    links = facts.pop("links", None)  # kept in the DOM; too bulky for the manifest
    if links is not None:
        facts.update(post_link_facts(job, page, links))
    return {
        "manifest_version": MANIFEST_VERSION,
        "capture_id": capture_id,
        "requested_url": page.requested_url,
        "final_url": page.final_url,
        "outcome": page.outcome.value,
        "outcome_reason": page.reason,
        "started_at": page.started_at,
        "finished_at": page.finished_at,
        "case": job.case,
        "operator": job.operator,
        "note": job.note,
        "redirects": [asdict(hop) for hop in page.redirects],
        "response": response,
        "page": {"title": page.title, "user_agent": page.user_agent, **facts},
        "screenshot": page.screenshot_info,
        "settle": page.settle,
        "dialogs": list(page.dialogs),
        "errors": list(page.errors),
        "options": options,
        "browser": asdict(browser),
        "software": {"collector": __version__, "playwright": browser.playwright_version},
        "environment": environment,
        "run": _run_record(job),
        "time_sources": time_sources_record(
            page.started_at,
            page.finished_at,
            page.response,
            str(environment.get("hostname") or ""),
        ),
        "classification": page.classification,
        "consent": page.consent,
        "downloads": list(page.downloads),
        # which investigator session was loaded (file name, SHA-256), never its cookies
        "session": page.session,
    }


def _run_record(job: CaptureJob) -> dict[str, Any] | None:
    if not job.run_id:
        return None
    record: dict[str, Any] = {"run_id": job.run_id, "entry": job.entry}
    if job.attempt is not None:
        record["attempt"] = job.attempt
    if job.watchlist is not None:
        record["watchlist"] = job.watchlist
    return record


def post_link_facts(job: CaptureJob, page: PageCapture, links: list[str]) -> dict[str, Any]:
    """The posts a rendered profile links to, for `posts_added`/`posts_removed`.

    The platform is the watch-list entry's when there is one (a test or mirror host can
    then stand in for the real site), else the one the final URL belongs to.
    """
    platform = None
    entry_platform = (job.entry or {}).get("platform")
    if isinstance(entry_platform, str):
        try:
            platform = resolve_platform(entry_platform)
        except PlatformError:
            platform = None
    base = page.final_url or page.requested_url
    if platform is None:
        platform = detect_platform(base)
    posts = extract_post_links(platform, base, (h for h in links if isinstance(h, str)))
    return {
        "post_links": posts[:MAX_POST_LINKS],
        "post_links_platform": platform,
        "post_links_truncated": len(posts) > MAX_POST_LINKS,
    }


def screenshot_fingerprint(thumbnail: bytes, info: dict[str, Any]) -> dict[str, Any]:
    """`dhash` of the Chromium-made thumbnail, and how it was made (manifest `screenshot`).

    A comparison aid, not evidence: the thumbnail is not kept, only its hash and size;
    the evidence is screenshot.png.
    """
    from collector.evidence.hashing import sha256_bytes
    from collector.evidence.png import PngError, decode_grey
    from collector.monitor.changes import ChangesError, dhash

    source = {**info, "png_sha256": sha256_bytes(thumbnail), "hash": "dhash 9x8 box filter"}
    try:
        image = decode_grey(thumbnail, max_pixels=200_000)
        value = dhash(image.rows, image.width, image.height)
    except (PngError, ChangesError) as exc:
        return {"dhash": None, "dhash_source": {**source, "error": str(exc)}}
    source.update({"png_width": image.width, "png_height": image.height})
    return {"dhash": f"{value:016x}", "dhash_source": source}


def file_capture(
    writer: CaptureWriter,
    job: CaptureJob,
    page: PageCapture,
    browser: BrowserInfo,
    environment: dict[str, Any],
    tsa: TsaSettings | None = None,
) -> FiledCapture:
    """Write every artifact (hashed as written), the WARC, the manifest, then, with TSAs,
    the timestamp tokens over the manifest; seal and rename into place."""
    body_name = None
    dom = page.dom.encode("utf-8") if page.dom is not None else None
    if page.screenshot is not None:
        writer.write_bytes("screenshot.png", page.screenshot, "image/png")
    if page.response is not None and page.response.body is not None:
        body_name, media = body_artifact_name(page.response.header("content-type"))
        writer.write_bytes(body_name, page.response.body, media)
    if dom is not None:
        writer.write_bytes("dom.html", dom, "text/html; charset=utf-8")
    if page.mhtml is not None:
        writer.write_bytes("page.mhtml", page.mhtml, "multipart/related")
    if page.text is not None:
        writer.write_bytes("text.txt", page.text.encode("utf-8"), "text/plain; charset=utf-8")
    writer.adopt("network.har", "application/json")
    _file_extras(writer, page)
    manifest = build_manifest(writer.capture_id, job, page, browser, environment, body_name)
    if page.screenshot is not None:
        manifest["screenshot"] = {**manifest["screenshot"], **png_size_fields(page.screenshot)}
    if page.consent_screenshot is not None and manifest["consent"]:
        consent = dict(manifest["consent"])
        consent["screenshot"] = {
            **consent.get("screenshot", {}),
            **png_size_fields(page.consent_screenshot),
            "artifact": CONSENT_SCREENSHOT,
        }
        manifest["consent"] = consent
    if page.thumbnail is not None:
        fingerprint = screenshot_fingerprint(page.thumbnail, page.thumbnail_info)
        manifest["screenshot"] = {**manifest["screenshot"], **fingerprint}
    manifest["timestamping"] = (
        {"tsa_urls": [redact_url_credentials(u) for u in tsa.urls], "record": TIMESTAMPS}
        if tsa is not None and tsa.urls
        else None
    )
    manifest["archive"] = write_archive(writer, job, page, manifest, dom)
    if manifest["archive"].get("error"):
        manifest["errors"] = [*manifest["errors"], manifest["archive"]["error"]]
    writer.write_manifest(manifest)
    tokens = stamp_capture(writer, tsa) if tsa is not None and tsa.urls else []
    filed = writer.seal()
    if not tokens:
        return filed
    records = records_from_document({"tokens": tokens}, filed.capture_id, filed.folder)
    return replace(filed, timestamps=tuple(records))


def write_archive(
    writer: CaptureWriter,
    job: CaptureJob,
    page: PageCapture,
    manifest: dict[str, Any],
    dom: bytes | None,
) -> dict[str, Any]:
    """`<capture id>.warc.gz`: the page's HTTP traffic (from the HAR), the screenshot, DOM and
    MHTML as resource records, the provenance as the metadata record.

    The manifest cannot be inside the WARC and also list the WARC's hash, so the metadata
    record holds the provenance the manifest will hold (every field but `artifacts` and
    `archive`) plus the artifacts written before the WARC, with their hashes; manifest.json
    then lists the WARC's hash. Returns the manifest's `archive` section. A WARC that
    cannot be written is recorded (`error`), not raised: the rest of the capture stands.
    """
    har_path = writer.folder / "network.har"
    har: dict[str, Any] = {"log": {"entries": []}}
    har_problem = None
    if har_path.is_file():
        try:
            har = json.loads(har_path.read_bytes())
        except ValueError as exc:
            har_problem = f"network.har is not valid JSON ({exc}): the WARC has no HTTP records"
    else:
        har_problem = "network.har was not written: the WARC has no HTTP records"
    cid = writer.capture_id
    warc = warc_name(cid)  # after the capture: WARCs gathered from many never collide
    when = parse_rfc3339(page.finished_at)
    resources = []
    for name, data, media in (
        ("screenshot.png", page.screenshot, "image/png"),
        ("dom.html", dom, "text/html; charset=utf-8"),
        ("page.mhtml", page.mhtml, "multipart/related"),
    ):
        if data is not None:
            resources.append(WarcResource(f"urn:collector:{cid}/{name}", media, when, data=data))
    provenance = {
        **manifest,
        "artifacts": [a.as_dict() for a in writer.artifacts],
        "artifacts_note": (
            "The artifacts written before this WARC, with their SHA-256. manifest.json is "
            f"written after the WARC and lists these plus {warc}; it is not inside "
            "the WARC (it could not then record the WARC's hash)."
        ),
    }
    metadata_uri = f"urn:collector:{cid}/provenance.json"
    info = WarcInfo(
        software=f"collector/{__version__}",
        operator=job.operator or "not recorded",
        hostname=str(manifest["environment"].get("hostname") or ""),
        user_agent=page.user_agent or "",
        created=utc_now(),
        filename=warc,
        description=f"Capture {cid} of {page.requested_url}",
        is_part_of=job.case or cid,
    )
    try:
        with writer.open_stream(warc, WARC_MEDIA) as out:
            summary = write_capture_warc(
                out,
                har=har,
                resources=resources,
                metadata=provenance,
                metadata_uri=metadata_uri,
                info=info,
            )
            if (summary.sha256, summary.size) != (out.hexdigest(), out.size):
                raise ArchiveError("the bytes written differ from the bytes described")
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise  # a full disk fails the capture: never filed as if only the WARC was bad
        return {"file": None, "error": f"{warc} could not be written: {exc}"}
    except ArchiveError as exc:
        return {"file": None, "error": f"{warc} could not be written: {exc}"}
    counts: dict[str, int] = {}
    for record in summary.records:
        counts[record.record_type] = counts.get(record.record_type, 0) + 1
    return {
        "file": warc,
        "format": "WARC/1.1 (ISO 28500), one gzip member per record",
        "size": summary.size,
        "sha256": summary.sha256,
        "records": len(summary.records),
        "record_types": counts,
        "har_entries": summary.har_entries,
        "exchanges": summary.response_count,
        "missing_bodies": summary.missing_bodies,
        # of those, responses left out of the WARC (not redirects): never an empty 200
        "responses_left_out": summary.responses_left_out,
        "lost_bodies": [
            {"index": x.index, "url": x.url, "status": x.status, "written": x.written}
            for x in summary.lost_bodies
        ],
        "skipped": [{"index": e.index, "url": e.url, "reason": e.reason} for e in summary.skipped],
        "resources": [r.uri for r in resources],
        "metadata_uri": metadata_uri,
        "manifest_in_warc": False,
        "problem": har_problem,
    }


def _file_extras(writer: CaptureWriter, page: PageCapture) -> None:
    """The screenshot after a consent click, and files the page triggered."""
    if page.consent_screenshot is not None:
        writer.write_bytes(CONSENT_SCREENSHOT, page.consent_screenshot, "image/png")
    for download in page.downloads:
        if download.get("status") == "saved":
            # saved into the folder by the browser, like the HAR: hashed from disk
            writer.adopt(download["artifact"], download["media_type"])


class CaptureRunner:
    """Captures jobs into a store, several at a time in one browser."""

    def __init__(
        self,
        store: EvidenceStore,
        *,
        browser_path: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        judge_page: Callable[[CaptureJob, PageCapture], PageCapture] | None = None,
        marker_selectors: frozenset[str] | None = None,
        after_filing: Sequence[AfterFiling] = (),
        tsa: TsaSettings | None = None,
        min_available_mb: int = DEFAULT_MIN_AVAILABLE_MB,
        memory_probe: MemoryProbe = available_memory_mb,
        min_free_disk_mb: int = DEFAULT_MIN_FREE_DISK_MB,
    ) -> None:
        self.store = store
        self.min_free_disk_mb = min_free_disk_mb
        self.browser_path = browser_path
        self.concurrency = max(1, concurrency)
        self.min_available_mb = min_available_mb
        self.memory_probe = memory_probe
        # default: the platform markers decide what a loaded page really is
        self.judge_page = judge_page or classify_page
        self.marker_selectors = (
            all_marker_selectors() if marker_selectors is None else marker_selectors
        )
        self.after_filing = tuple(after_filing)
        self.tsa = tsa

    def run(
        self, jobs: Sequence[CaptureJob], progress: Progress | None = None
    ) -> list[FiledCapture]:
        executable, source = self.prepare(jobs)
        return _run_to_completion(self._run(jobs, executable, source, progress))

    def prepare(self, jobs: Sequence[CaptureJob]) -> tuple[str, str]:
        """Every check that can fail, before anything is written or launched:
        targets, session files, the store, the browser, the index's schema."""
        for job in jobs:
            # a plausible host is asked of what people type (cli, watch lists), not here
            normalise_target(job.url, allow_bare_host=True)
            if job.options.proxy:
                parse_proxy(job.options.proxy)
        for state in sorted({j.options.storage_state for j in jobs if j.options.storage_state}):
            check_session_file(state)
        self.store.ensure_writable()
        check_free_space(self.store, self.min_free_disk_mb)
        executable, source = find_browser(self.browser_path)
        with Index(self.store.index_path) as index:  # migrate, or fail, before launching
            CustodyLog(self.store, index).check_appendable()
        return executable, source

    @contextlib.asynccontextmanager
    async def open(self, executable: str, source: str) -> AsyncIterator[OpenRunner]:
        """A launched browser and the open index, for callers that schedule captures
        themselves (collector.lists.run). SQLite is used only on the loop's thread."""
        with Index(self.store.index_path) as index:
            environment = await asyncio.to_thread(environment_facts)
            async with BrowserSession(executable, source) as session:
                yield OpenRunner(self, session, index, environment)

    async def _run(
        self,
        jobs: Sequence[CaptureJob],
        executable: str,
        source: str,
        progress: Progress | None,
    ) -> list[FiledCapture]:
        results: dict[int, FiledCapture] = {}
        async with self.open(executable, source) as runner:

            async def one(i: int, job: CaptureJob) -> None:
                filed = await runner.capture(job)
                results[i] = filed
                if progress:
                    progress(filed)

            await gather_or_cancel([one(i, job) for i, job in enumerate(jobs)])
        return [results[i] for i in sorted(results)]


class OpenRunner:
    """Captures one job at a time on request, at most `concurrency` pages at once (fewer
    while memory is short: collector.capture.admission)."""

    def __init__(
        self,
        runner: CaptureRunner,
        session: BrowserSession,
        index: Index,
        environment: dict[str, Any],
    ) -> None:
        assert session.info is not None
        self.runner = runner
        self.session = session
        self.index = index
        self.environment = environment
        self.info = session.info
        self.gate = AdmissionGate(runner.concurrency, runner.min_available_mb, runner.memory_probe)

    async def capture(
        self,
        job: CaptureJob,
        *,
        should_start: Callable[[], bool] | None = None,
        abandon: threading.Event | None = None,
    ) -> FiledCapture:
        """Capture and file one job. A run that is stopping passes `should_start` (checked
        once a page slot is free: False raises CaptureAbandoned, nothing started) and
        `abandon` (once set, a page still loading is given up, its folder removed). Once
        the page is captured, filing always runs to the end: a finished capture is kept."""
        r = self.runner
        async with self.gate.admitted():
            if should_start is not None and not should_start():
                raise CaptureAbandoned("not started: the run is stopping")
            check_free_space(r.store, r.min_free_disk_mb)
            writer = r.store.begin(new_capture_id())
            try:
                page = await _unless(
                    abandon,
                    self.session.capture(job.url, job.options, writer.folder, r.marker_selectors),
                )
            except BaseException:
                writer.abandon()  # its own partial work: never evidence
                raise
        page = r.judge_page(job, page)
        return await _to_the_end(self._file(writer, job, page))

    async def _file(
        self, writer: CaptureWriter, job: CaptureJob, page: PageCapture
    ) -> FiledCapture:
        r = self.runner
        try:
            filed = await asyncio.to_thread(
                file_capture, writer, job, page, self.info, self.environment, r.tsa
            )
        except OSError as exc:
            if r.store.folder_for(writer.capture_id).is_dir():  # sealed and renamed already
                raise StoreError(
                    f"capture {writer.capture_id} is filed but could not be indexed "
                    f"({exc.strerror or exc}); its filing is journaled and the next collector "
                    "command that records completes it"
                ) from exc
            writer.abandon()
            raise StoreError(
                f"capture of {page.requested_url} could not be written to {r.store.root}: "
                f"{exc.strerror or exc}; its unfinished folder was removed and nothing was "
                "filed" + (" (the disk is full)" if exc.errno in _DISK_FULL else "")
            ) from exc
        # rows, tokens and custody events (`captured`, then one `timestamped` per token)
        # in one transaction, on the loop thread: one SQLite connection
        try:
            record_capture(r.store, self.index, filed)
        except AnchorError:
            raise  # recorded; only the anchor outside the store is missing
        except CollectorError as exc:
            raise StoreError(
                f"capture {filed.capture_id} is safely filed in {filed.folder} but could "
                f"not be indexed ({exc}); its filing is journaled and the next collector "
                "command that records completes it"
            ) from exc
        head = self.index.custody_head()
        if r.tsa is not None and r.tsa.urls and head is not None:
            # the custody head goes to the TSAs too: an anchor outside the store
            # (collector.records.anchor); a failing TSA never fails the capture
            await asyncio.to_thread(stamp_head, r.store, Anchor(*head), r.tsa)
        for hook in r.after_filing:
            hook(self.index, job, filed)
        return filed


class CaptureAbandoned(Exception):
    """A run that is stopping did not start this capture, or gave it up while the page
    was still loading (its unfinished folder removed). Not an error: the entry stays
    pending for `--resume`."""


_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def check_free_space(store: EvidenceStore, min_free_mb: int) -> None:
    """Refuse to start a capture the store's disk cannot hold (`--min-free-disk`)."""
    if min_free_mb <= 0:
        return
    try:
        free = shutil.disk_usage(store.root).free // (1 << 20)
    except OSError:
        return  # no store yet: ensure_writable says why
    if free < min_free_mb:
        raise StoreError(
            f"only {free} MB free on the disk of {store.root}: not starting a capture it "
            f"may not be able to finish (needs {min_free_mb} MB, --min-free-disk); free "
            "some space or move the store"
        )


async def _unless(flag: threading.Event | None, coro: Coroutine[Any, Any, T]) -> T:
    """Await `coro`, unless `flag` is set first: then cancel it and raise CaptureAbandoned.
    (`flag` is a threading.Event: it is set from a signal handler or a timer.)"""
    task = asyncio.ensure_future(coro)
    if flag is None:
        return await task
    try:
        while not task.done():
            if flag.is_set():
                task.cancel()
                await asyncio.wait({task}, timeout=10)
                raise CaptureAbandoned("abandoned: the run stopped while the page was loading")
            await asyncio.wait({task}, timeout=0.2)
    except BaseException:
        task.cancel()
        raise
    return task.result()


async def _to_the_end(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to its end even if the caller is cancelled meanwhile (then re-raise the
    cancellation): a capture being filed is evidence, never left half-filed."""
    task = asyncio.ensure_future(coro)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(task)
            break
        except asyncio.CancelledError:
            if task.done():
                raise
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return result


async def gather_or_cancel(coros: Sequence[Coroutine[Any, Any, None]]) -> None:
    """Run them all; if one fails (or we are cancelled), cancel the rest and wait for them
    before raising, so no capture is left running behind the caller's back."""
    tasks = [asyncio.create_task(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _run_to_completion(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also from a thread that already runs a loop (a notebook, a test
    using sync Playwright): then the captures get their own loop in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass(frozen=True)
class Reindexed:
    captures: int
    restored_events: int  # custody entries restored from custody.jsonl (index.db was lost)
    kept: int  # retired captures whose folders were deleted: rows kept from their event
    adopted: tuple[str, ...]  # captures without a `captured` event, adopted as asked
    unfiled: tuple[str, ...] = ()  # captures without a `captured` event, not adopted
    recovered: tuple[str, ...] = ()  # what interrupted commands had left, now completed


def reindex_store(
    store: EvidenceStore,
    actor: str,
    warn: Callable[[str], None] | None = None,
    adopt: Sequence[str] = (),
    reason: str | None = None,
) -> Reindexed:
    """Rebuild the derived tables from the manifests. The custody log is never rebuilt:
    if index.db lost it, it is restored from custody.jsonl (chain checked first).
    `changes` are derived from the captures too: recomputed in capture order. Captures
    without a filing event are listed, and adopted only when named in `adopt`."""
    from collector.evidence.store import load_manifest

    if not store.exists():
        raise StoreError(f"no evidence store at {store.root}")
    from collector.monitor.detect import derive_changes

    with Index(store.index_path) as index:
        restored = CustodyLog(store, index).restore_from_jsonl()
        # before reading the folders: an interrupted filing may still have one to rename
        recovery = CustodyLog(store, index).recover()
        found = []
        timestamps = []
        for folder in store.capture_folders():
            manifest, digest = load_manifest(folder)
            found.append((manifest, store.relative(folder), digest))
            timestamps += stored_records(store, manifest["capture_id"], folder)
        kept = kept_rows(entries(index), {m["capture_id"] for m, _, _ in found})
        count = index.reindex(
            found, kept, timestamps, changes=lambda: derive_changes(store.root, found, warn)
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
