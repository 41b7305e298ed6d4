"""Capture jobs -> browser -> artifacts written and hashed -> index.

Several captures run at once in one browser: while one page is being shot, the next
context is created and loaded, and files are written and hashed in worker threads, off
the browser's critical path. On 2 cores that is what lets the full artifact set keep up
with a screenshot-only tool (see bench/).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import platform
import socket
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from collector import __version__
from collector.browser import BrowserSession, find_browser, font_facts
from collector.custody import CustodyLog, adopt_unfiled, entries, kept_rows, record_capture
from collector.errors import CollectorError, StoreError
from collector.index import Index
from collector.models import (
    BrowserInfo,
    CaptureJob,
    FiledCapture,
    Outcome,
    PageCapture,
)
from collector.platforms import PlatformError, detect_platform, extract_post_links, resolve_platform
from collector.store import CaptureWriter, EvidenceStore, new_capture_id
from collector.targets import normalise_target, redact_url_credentials

MANIFEST_VERSION = 1
T = TypeVar("T")
DEFAULT_CONCURRENCY = 3
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
    options["proxy"] = redact_url_credentials(job.options.proxy) if job.options.proxy else None
    if job.options.storage_state:
        options["storage_state"] = Path(job.options.storage_state).name
    response: dict[str, Any] | None = None
    if page.response is not None:
        r = page.response
        response = {
            "url": r.url,
            "status": r.status,
            "status_text": r.status_text,
            "headers": [[k, v] for k, v in r.headers],
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
        "run": {"run_id": job.run_id, "entry": job.entry} if job.run_id else None,
    }


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
    from collector.changes import ChangesError, dhash
    from collector.hashing import sha256_bytes
    from collector.png import PngError, decode_grey

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
) -> FiledCapture:
    """Write every artifact (hashed as written), then the manifest; rename into place."""
    body_name = None
    if page.screenshot is not None:
        writer.write_bytes("screenshot.png", page.screenshot, "image/png")
    if page.response is not None and page.response.body is not None:
        body_name, media = body_artifact_name(page.response.header("content-type"))
        writer.write_bytes(body_name, page.response.body, media)
    if page.dom is not None:
        writer.write_bytes("dom.html", page.dom.encode("utf-8"), "text/html; charset=utf-8")
    if page.mhtml is not None:
        writer.write_bytes("page.mhtml", page.mhtml, "multipart/related")
    if page.text is not None:
        writer.write_bytes("text.txt", page.text.encode("utf-8"), "text/plain; charset=utf-8")
    writer.adopt("network.har", "application/json")
    manifest = build_manifest(writer.capture_id, job, page, browser, environment, body_name)
    if page.screenshot is not None:
        manifest["screenshot"] = {**manifest["screenshot"], **_png_size(page.screenshot)}
    if page.thumbnail is not None:
        fingerprint = screenshot_fingerprint(page.thumbnail, page.thumbnail_info)
        manifest["screenshot"] = {**manifest["screenshot"], **fingerprint}
    return writer.finish(manifest)


def _png_size(data: bytes) -> dict[str, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return {}
    return {
        "png_width": int.from_bytes(data[16:20], "big"),
        "png_height": int.from_bytes(data[20:24], "big"),
    }


def judge(page: PageCapture) -> PageCapture:
    """Rule 5: a page that rendered nothing is not filed as a good capture."""
    if page.outcome is not Outcome.OK:
        return page
    facts = page.page_facts
    wait_for_found = (page.settle.get("wait_for") or {}).get("found")
    if wait_for_found is False:
        return _with(
            page,
            Outcome.EMPTY,
            f"the expected element {page.settle['wait_for']['selector']!r} never appeared",
        )
    if not (page.text or "").strip() and not facts.get("visible_media"):
        return _with(page, Outcome.EMPTY, "the page rendered no visible text or media")
    return page


def _with(page: PageCapture, outcome: Outcome, reason: str) -> PageCapture:
    from dataclasses import replace

    return replace(page, outcome=outcome, reason=reason)


class CaptureRunner:
    """Captures jobs into a store, several at a time in one browser."""

    def __init__(
        self,
        store: EvidenceStore,
        *,
        browser_path: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        judge_page: Callable[[CaptureJob, PageCapture], PageCapture] | None = None,
        marker_selectors: frozenset[str] = frozenset(),
        after_filing: Sequence[AfterFiling] = (),
    ) -> None:
        self.store = store
        self.browser_path = browser_path
        self.concurrency = max(1, concurrency)
        self.judge_page = judge_page or (lambda job, page: judge(page))
        self.marker_selectors = marker_selectors
        self.after_filing = tuple(after_filing)

    def run(
        self, jobs: Sequence[CaptureJob], progress: Progress | None = None
    ) -> list[FiledCapture]:
        for job in jobs:  # refuse bad targets before anything is written
            normalise_target(job.url)
        self.store.ensure_writable()
        executable, source = find_browser(self.browser_path)
        with Index(self.store.index_path) as index:  # migrate, or fail, before launching
            CustodyLog(self.store, index).check_appendable()
        return _run_to_completion(self._run(jobs, executable, source, progress))

    async def _run(
        self,
        jobs: Sequence[CaptureJob],
        executable: str,
        source: str,
        progress: Progress | None,
    ) -> list[FiledCapture]:
        with Index(self.store.index_path) as index:  # SQLite: used only on the loop's thread
            return await self._capture_all(jobs, executable, source, index, progress)

    async def _capture_all(
        self,
        jobs: Sequence[CaptureJob],
        executable: str,
        source: str,
        index: Index,
        progress: Progress | None,
    ) -> list[FiledCapture]:
        environment = await asyncio.to_thread(environment_facts)
        gate = asyncio.Semaphore(self.concurrency)
        results: dict[int, FiledCapture] = {}
        async with BrowserSession(executable, source) as session:
            assert session.info is not None
            info = session.info

            async def one(i: int, job: CaptureJob) -> None:
                async with gate:
                    writer = self.store.begin(new_capture_id())
                    page = await session.capture(
                        job.url, job.options, writer.folder, self.marker_selectors
                    )
                page = self.judge_page(job, page)
                filed = await asyncio.to_thread(file_capture, writer, job, page, info, environment)
                try:  # rows and `captured` custody event in one transaction, on the loop thread
                    record_capture(self.store, index, filed)
                except CollectorError as exc:
                    raise StoreError(
                        f"capture {filed.capture_id} is safely filed in {filed.folder} but could "
                        f"not be indexed ({exc}); run `collector reindex`"
                    ) from exc
                for hook in self.after_filing:
                    hook(index, job, filed)
                results[i] = filed
                if progress:
                    progress(filed)

            tasks = [asyncio.create_task(one(i, job)) for i, job in enumerate(jobs)]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        return [results[i] for i in sorted(results)]


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
    adopted: tuple[str, ...]  # captures the log had no `captured` event for


def reindex_store(
    store: EvidenceStore, actor: str, warn: Callable[[str], None] | None = None
) -> Reindexed:
    """Rebuild the derived tables from the manifests. The custody log is never rebuilt:
    if index.db lost it, it is restored from custody.jsonl (chain checked first).
    `changes` are derived from the captures too: recomputed in capture order."""
    from collector.store import load_manifest

    if not store.exists():
        raise StoreError(f"no evidence store at {store.root}")
    from collector.monitor import derive_changes

    found = []
    for folder in store.capture_folders():
        manifest, digest = load_manifest(folder)
        found.append((manifest, store.relative(folder), digest))
    with Index(store.index_path) as index:
        restored = CustodyLog(store, index).restore_from_jsonl()
        kept = kept_rows(entries(index), {m["capture_id"] for m, _, _ in found})
        count = index.reindex(found, kept, changes=lambda: derive_changes(store.root, found, warn))
        adopted = adopt_unfiled(store, index, actor)
    return Reindexed(
        count, restored, len(kept), tuple(cid for e in adopted for cid in e["capture_ids"])
    )
