"""Browsers on other machines: captures spread over browser endpoints.

A browser endpoint is a browser server started on a worker machine by Playwright's own
`playwright launch-server` (docs/browsers.md). `EndpointPool` connects to every endpoint
given, runs each capture on the least busy live one (at most `per_endpoint` pages on each
at once), and when an endpoint goes away or refuses, it is dropped for the rest of the run
and the capture that was on it is handed back (collector.errors.EndpointLost): the runner
starts it again on another endpoint, in a fresh folder, and records the handoff in the
manifest. Only the page run happens on the worker; the HAR, downloads, hashing, filing,
custody and index stay on this machine (collector.capture.browser writes the HAR through
Playwright's client).

Imports no Playwright: it drives collector.capture.browser's BrowserSession.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from collector.capture.admission import DEFAULT_PER_ENDPOINT
from collector.capture.browser import BrowserSession
from collector.errors import BrowserNotFound, EndpointLost
from collector.models import BrowserInfo, CaptureOptions, Needle, PageCapture
from collector.sites.urls import BrowserEndpoint

Warn = Callable[[str], None]


class _Worker:
    def __init__(self, endpoint: BrowserEndpoint) -> None:
        self.endpoint = endpoint
        self.session = BrowserSession("", "endpoint", endpoint)
        self.busy = 0
        self.alive = False
        self.done = 0  # captures it rendered, for the run's summary and tests


class EndpointPool:
    """Several connected browser endpoints used as one browser (see the module's
    docstring). `capture` returns the page and the BrowserInfo of the browser that
    rendered it."""

    def __init__(
        self,
        endpoints: Sequence[BrowserEndpoint],
        per_endpoint: int = DEFAULT_PER_ENDPOINT,
        warn: Warn | None = None,
    ) -> None:
        if not endpoints:
            raise ValueError("no browser endpoints")
        self.per_endpoint = max(1, per_endpoint)
        self.workers = [_Worker(e) for e in endpoints]
        self.warn = warn or (lambda _: None)
        self.lost: list[str] = []  # "endpoint: reason", in the order they went
        self._changed: asyncio.Condition | None = None

    @property
    def slots(self) -> int:
        """Pages open at once over every endpoint given."""
        return self.per_endpoint * len(self.workers)

    @property
    def info(self) -> BrowserInfo:
        """The first live endpoint's browser (what a summary line names)."""
        for w in self.workers:
            if w.alive and w.session.info is not None:
                return w.session.info
        raise BrowserNotFound(self._none_left())

    async def __aenter__(self) -> EndpointPool:
        self._changed = asyncio.Condition()
        outcomes = await asyncio.gather(
            *(w.session.__aenter__() for w in self.workers), return_exceptions=True
        )
        for w, outcome in zip(self.workers, outcomes, strict=True):
            if isinstance(outcome, EndpointLost):
                self._drop(w, outcome)
            elif isinstance(outcome, BaseException):
                await self._close_all()
                raise outcome
            else:
                w.alive = True
        if not any(w.alive for w in self.workers):
            raise BrowserNotFound(self._none_left())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close_all()

    async def _close_all(self) -> None:
        for w in self.workers:
            if w.session.info is not None:
                with contextlib.suppress(Exception):
                    await w.session.__aexit__(None, None, None)

    def _drop(self, w: _Worker, exc: EndpointLost) -> None:
        if w.alive or exc.reason.startswith("refused"):
            self.lost.append(str(exc))
            if len(self.workers) > 1:  # alone, the error that follows says it all
                self.warn(f"{exc}; its captures go to the other endpoints")
        w.alive = False

    def _none_left(self) -> str:
        why = "; ".join(self.lost) or "none given"
        if len(self.workers) == 1:
            return (
                f"{why}: nothing to render pages with; start a browser worker "
                "(bash bench/browser_worker.sh, docs/browsers.md) or drop --browser-endpoint"
            )
        return f"none of the {len(self.workers)} browser endpoints is usable: {why}"

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[_Worker]:
        assert self._changed is not None, "use `async with EndpointPool(...)`"
        async with self._changed:
            while True:
                live = [w for w in self.workers if w.alive]
                if not live:
                    raise BrowserNotFound(self._none_left())
                free = [w for w in live if w.busy < self.per_endpoint]
                if free:
                    w = min(free, key=lambda x: (x.busy, x.done))
                    w.busy += 1
                    break
                await self._changed.wait()
        try:
            yield w
        finally:
            async with self._changed:
                w.busy -= 1
                self._changed.notify_all()

    async def capture(
        self,
        url: str,
        options: CaptureOptions,
        workdir: Path,
        marker_selectors: frozenset[str] = frozenset(),
        find: tuple[Needle, ...] = (),
        platform: str | None = None,
    ) -> tuple[PageCapture, BrowserInfo]:
        """One page on one endpoint. EndpointLost: that endpoint is gone (dropped here);
        the caller starts the capture again. BrowserNotFound: none is left."""
        async with self._slot() as w:
            try:
                page = await w.session.capture(
                    url, options, workdir, marker_selectors, find, platform
                )
            except EndpointLost as exc:
                self._drop(w, exc)
                assert self._changed is not None
                async with self._changed:
                    self._changed.notify_all()
                raise
            w.done += 1
            assert w.session.info is not None
            return page, w.session.info
