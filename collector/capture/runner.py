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
import socket
import sys
from collections.abc import AsyncIterator, Callable, Sequence

from collector.capture.admission import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MIN_AVAILABLE_MB,
    AdmissionGate,
    MemoryProbe,
    available_memory_mb,
)
from collector.capture.browser import BrowserSession, find_browser, font_facts
from collector.capture.filing import file_capture
from collector.capture.loop import gather_or_cancel, run_to_completion
from collector.capture.sessions import check_session_file
from collector.errors import CollectorError, StoreError
from collector.evidence.stamps import TsaSettings
from collector.evidence.store import EvidenceStore, new_capture_id
from collector.manifest import EnvironmentRecord
from collector.models import CaptureJob, FiledCapture, PageCapture
from collector.records.custody import CustodyLog, record_capture
from collector.records.index import Index
from collector.sites.classify import classify_page
from collector.sites.platforms import marker_selectors as all_marker_selectors
from collector.sites.urls import normalise_target

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
    ) -> None:
        self.store = store
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
            normalise_target(job.url)
        for state in sorted({j.options.storage_state for j in jobs if j.options.storage_state}):
            check_session_file(state)
        self.store.ensure_writable()
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
        environment: EnvironmentRecord,
    ) -> None:
        assert session.info is not None
        self.runner = runner
        self.session = session
        self.index = index
        self.environment = environment
        self.info = session.info
        self.gate = AdmissionGate(runner.concurrency, runner.min_available_mb, runner.memory_probe)

    async def capture(self, job: CaptureJob) -> FiledCapture:
        r = self.runner
        async with self.gate.admitted():
            writer = r.store.begin(new_capture_id())
            page = await self.session.capture(
                job.url, job.options, writer.folder, r.marker_selectors
            )
        page = r.judge_page(job, page)
        filed = await asyncio.to_thread(
            file_capture, writer, job, page, self.info, self.environment, r.tsa
        )
        # rows, tokens and custody events (`captured`, then one `timestamped` per token)
        # in one transaction, on the loop thread: one SQLite connection
        try:
            record_capture(r.store, self.index, filed)
        except CollectorError as exc:
            raise StoreError(
                f"capture {filed.capture_id} is safely filed in {filed.folder} but could "
                f"not be indexed ({exc}); run `collector reindex`"
            ) from exc
        for hook in r.after_filing:
            hook(self.index, job, filed)
        return filed
