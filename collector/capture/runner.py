"""Capture jobs -> browser -> filed captures -> index: the runner.

Several captures run at once in one browser (collector.capture.admission says how many): while
one page waits on the network, another is scrolled or shot, and files are written and
hashed in worker threads (collector.capture.filing), off the browser's critical path. Each
capture gets a fresh browser context (no cookie, cache or storage crosses captures). See
bench/ and the README's Performance section.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
import shutil
import socket
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from collector.capture.admission import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MIN_AVAILABLE_MB,
    DEFAULT_MIN_FREE_DISK_MB,
    DEFAULT_PER_ENDPOINT,
    AdmissionGate,
    MemoryProbe,
    available_memory_mb,
)
from collector.capture.browser import BrowserSession, find_browser, font_facts
from collector.capture.expand import list_opened
from collector.capture.filing import DISK_FULL, file_capture
from collector.capture.loop import gather_or_cancel, run_to_completion
from collector.capture.pool import EndpointPool, Warn
from collector.capture.sessions import check_session_file
from collector.errors import AnchorError, CollectorError, EndpointLost, StoreError
from collector.evidence.findings import expect_found
from collector.evidence.stamps import TsaSettings
from collector.evidence.store import CaptureWriter, EvidenceStore, new_capture_id
from collector.manifest import EnvironmentRecord
from collector.models import (
    BrowserInfo,
    CaptureJob,
    CaptureOptions,
    FiledCapture,
    Needle,
    PageCapture,
)
from collector.records.anchor import Anchor, stamp_head
from collector.records.custody import CustodyLog, record_capture
from collector.records.index import Index, earlier_payloads, previous_capture
from collector.sites.classify import classify_page
from collector.sites.classify import marker_selectors as all_marker_selectors
from collector.sites.urls import BrowserEndpoint, normalise_target, parse_proxy
from collector.timeutil import rfc3339, utc_now

T = TypeVar("T")
Progress = Callable[[FiledCapture], None]
# Runs on the loop's thread right after a capture is indexed (same SQLite connection):
# the place for what follows from a filed capture (custody, change detection, run links).
AfterFiling = Callable[[Index, CaptureJob, FiledCapture], None]


def environment_facts() -> EnvironmentRecord:
    """The machine a capture ran on (the manifest's `environment`)."""
    return {
        "hostname": socket.gethostname(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "fonts": font_facts(),
    }


class Browsers(Protocol):
    """Where pages are rendered: one launched browser, or browser endpoints (pool.py)."""

    @property
    def info(self) -> BrowserInfo: ...

    async def capture(
        self,
        url: str,
        options: CaptureOptions,
        workdir: Path,
        marker_selectors: frozenset[str] = ...,
        find: tuple[Needle, ...] = ...,
        platform: str | None = ...,
    ) -> tuple[PageCapture, BrowserInfo]: ...


class _Launched:
    """The browser collector launched itself: every page is rendered by it."""

    def __init__(self, session: BrowserSession) -> None:
        assert session.info is not None
        self.session = session
        self.info = session.info

    async def capture(
        self,
        url: str,
        options: CaptureOptions,
        workdir: Path,
        marker_selectors: frozenset[str] = frozenset(),
        find: tuple[Needle, ...] = (),
        platform: str | None = None,
    ) -> tuple[PageCapture, BrowserInfo]:
        page = await self.session.capture(url, options, workdir, marker_selectors, find, platform)
        return page, self.info


class CaptureRunner:
    """Captures jobs into a store, several at a time in one browser, or spread over
    browser endpoints on other machines (`endpoints`: collector.capture.pool)."""

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
        endpoints: Sequence[BrowserEndpoint] = (),
        per_endpoint: int = DEFAULT_PER_ENDPOINT,
        warn: Warn | None = None,
    ) -> None:
        self.store = store
        self.endpoints = tuple(endpoints)
        self.per_endpoint = per_endpoint
        self.warn = warn
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
        return run_to_completion(self._run(jobs, executable, source, progress))

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
        if self.endpoints:  # reached when the run opens: EndpointPool says which answer
            executable, source = "", "endpoint"
        else:
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
            if self.endpoints:
                pool = EndpointPool(self.endpoints, self.per_endpoint, self.warn)
                async with pool:
                    # the pages' memory is the workers'; this machine only files
                    gate = AdmissionGate(pool.slots, 0, lambda: None)
                    yield OpenRunner(self, pool, index, environment, gate)
                return
            async with BrowserSession(executable, source) as session:
                yield OpenRunner(self, _Launched(session), index, environment)

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
        browsers: Browsers,
        index: Index,
        environment: EnvironmentRecord,
        gate: AdmissionGate | None = None,
    ) -> None:
        self.runner = runner
        self.browsers = browsers
        self.index = index
        self.environment = environment
        self.info = browsers.info
        self.gate = gate or AdmissionGate(
            runner.concurrency, runner.min_available_mb, runner.memory_probe
        )

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
            handoffs: list[dict[str, Any]] = []
            while True:
                check_free_space(r.store, r.min_free_disk_mb)
                writer = r.store.begin(new_capture_id())
                try:
                    page, info = await _unless(
                        abandon,
                        self.browsers.capture(
                            job.url,
                            job.options,
                            writer.folder,
                            r.marker_selectors,
                            job.find,
                            job.platform,
                        ),
                    )
                except EndpointLost as exc:
                    # that endpoint is gone: its half capture is not evidence; the page
                    # is rendered again by another endpoint (or BrowserNotFound: none left)
                    writer.abandon()
                    handoffs.append(
                        {"endpoint": exc.endpoint, "reason": exc.reason, "at": rfc3339(utc_now())}
                    )
                    continue
                except BaseException:
                    writer.abandon()  # its own partial work: never evidence
                    raise
                break
        if handoffs:
            job = replace(job, handoffs=(*job.handoffs, *handoffs))
        page = r.judge_page(job, page)
        page = list_opened(job, page)  # a list to open in its dialog that did not open
        page = expect_found(job, page)  # --expect-find
        return await _to_the_end(self._file(writer, job, page, info))

    async def _file(
        self, writer: CaptureWriter, job: CaptureJob, page: PageCapture, info: BrowserInfo
    ) -> FiledCapture:
        r = self.runner
        try:
            filed = await asyncio.to_thread(
                file_capture,
                writer,
                job,
                page,
                info,
                self.environment,
                r.tsa,
                # never for a logged-in capture: its folder links no other capture's files
                None
                if job.options.storage_state
                else lambda: earlier_payloads(r.store.index_path, job.case),
                None
                if job.options.storage_state
                else lambda: previous_capture(
                    r.store.index_path,
                    job.case,
                    page.requested_url,
                    page.final_url,
                    page.outcome.value,
                ),
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
                "filed" + (" (the disk is full)" if exc.errno in DISK_FULL else "")
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
