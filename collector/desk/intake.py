"""The intake worker: captures the URLs a report names, one at a time, in one browser.

An officer pastes the URLs of a citizen's report at `/report`; the desk stores the report
(`intake_reports`, `intake_items`) and hands the jobs to this worker. It captures with the
runner the CLI uses (collector.capture.runner: the same browser session, artifacts, WARC,
custody `captured` event, change detection against the previous capture of the URL) and
the same politeness as a watch-list run: at least `host_delay_s` (plus jitter) between two
captures of one host. The browser is launched for the first job and closed after
`idle_close_s` without work, so an idle desk holds no browser.

Each item goes queued -> capturing -> done (with its capture and outcome) or failed (with
why). Items a stopped desk leaves queued or capturing are marked `interrupted` when the
next desk starts on the store (nothing half-filed looks complete: the runner's own rule).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from collector.capture.runner import CaptureRunner, OpenRunner
from collector.errors import CollectorError
from collector.evidence.stamps import TsaSettings
from collector.evidence.store import EvidenceStore
from collector.lists.settings import DEFAULT_HOST_DELAY_S, DEFAULT_JITTER
from collector.models import CaptureJob, CaptureOptions
from collector.monitor.detect import ChangeMonitor
from collector.records.index import Index
from collector.text import clean
from collector.timeutil import rfc3339, utc_now

QUEUED, CAPTURING, DONE, FAILED, INTERRUPTED = (
    "queued",
    "capturing",
    "done",
    "failed",
    "interrupted",
)


@dataclass(frozen=True)
class IntakeSettings:
    browser_path: str | None = None
    options: CaptureOptions = field(default_factory=CaptureOptions)
    host_delay_s: float = DEFAULT_HOST_DELAY_S
    jitter: float = DEFAULT_JITTER
    idle_close_s: float = 60.0
    tsa: TsaSettings | None = None


@dataclass(frozen=True)
class IntakeJob:
    report_id: str
    position: int
    job: CaptureJob


class IntakeWorker:
    """One thread with its own event loop; `submit` may be called from any thread."""

    def __init__(
        self,
        store: EvidenceStore,
        settings: IntakeSettings,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.log = log or (lambda message: None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[IntakeJob | None] | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._last_at: dict[str, float] = {}  # host -> monotonic end of its last capture
        self._rng = random.Random()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="desk-intake", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def submit(self, jobs: Sequence[IntakeJob]) -> None:
        if self._loop is None or self._queue is None:
            raise CollectorError("the intake worker is not running")
        for job in jobs:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, job)

    def stop(self, timeout: float = 60.0) -> None:
        """Finish the capture in progress, drop the rest (they stay queued, and are marked
        interrupted by the next desk), close the browser."""
        if self._loop is not None and self._queue is not None:
            self._stopping = True
            self._loop.call_soon_threadsafe(self._queue.put_nowait, None)
        if self._thread is not None:
            self._thread.join(timeout)

    # -- the worker thread --------------------------------------------------------------
    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._ready.set()
        while not self._stopping:
            item = await self._queue.get()
            if item is None:
                return
            await self._session(item)

    async def _session(self, first: IntakeJob) -> None:
        """Launch the browser, capture `first` and whatever follows until idle."""
        assert self._queue is not None
        s = self.settings
        monitor = ChangeMonitor(background=False)
        runner = CaptureRunner(
            self.store,
            browser_path=s.browser_path,
            concurrency=1,
            tsa=s.tsa,
            after_filing=[monitor.after_filing],
        )
        try:
            executable, source = await asyncio.to_thread(runner.prepare, [first.job])
        except CollectorError as exc:
            await asyncio.to_thread(self._fail_alone, first, str(exc))
            return
        item: IntakeJob | None = first
        try:
            async with runner.open(executable, source) as open_runner:
                while item is not None and not self._stopping:
                    if not await self._one(open_runner, item):
                        return  # the browser may be unusable: a new session for the next
                    try:
                        item = await asyncio.wait_for(self._queue.get(), s.idle_close_s)
                    except TimeoutError:
                        item = None
        except Exception as exc:  # launching failed, or closing did: the items say so
            self.log(f"intake: browser session ended: {clean(exc)}")
            if item is not None:
                await asyncio.to_thread(self._fail_alone, item, f"browser failed: {exc}")
        finally:
            monitor.close()
            for problem in monitor.problems:
                self.log(f"intake: {clean(problem)}")

    async def _one(self, runner: OpenRunner, item: IntakeJob) -> bool:
        """Capture one item; False when the browser failed under it."""
        index = runner.index
        _update(index, item, {"status": CAPTURING})
        host = (urlsplit(item.job.url).netloc or item.job.url).lower()
        wait = self._last_at.get(host, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            filed = await runner.capture(item.job)
        except CollectorError as exc:
            _update(index, item, {"status": FAILED, "reason": str(exc)})
            return True
        except Exception as exc:
            _update(index, item, {"status": FAILED, "reason": f"browser failed: {exc}"})
            self.log(f"intake: capture of {clean(item.job.url)} failed: {clean(exc)}")
            return False
        finally:
            s = self.settings
            pause = s.host_delay_s * (1 + s.jitter * self._rng.random())
            self._last_at[host] = time.monotonic() + pause
        _update(
            index,
            item,
            {
                "status": DONE,
                "capture_id": filed.capture_id,
                "outcome": filed.outcome,
                "reason": filed.manifest.get("outcome_reason") or "",
            },
        )
        return True

    def _fail_alone(self, item: IntakeJob, reason: str) -> None:
        try:
            with Index(self.store.index_path) as index:
                _update(index, item, {"status": FAILED, "reason": reason})
        except CollectorError as exc:
            self.log(f"intake: cannot record that {item.report_id}/{item.position} failed: {exc}")


def _update(index: Index, item: IntakeJob, fields: dict[str, object]) -> None:
    index.update_intake_item(
        item.report_id, item.position, {**fields, "updated_at": rfc3339(utc_now())}
    )
