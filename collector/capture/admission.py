"""How many pages are captured at once: a count, and the memory left to open another.

A capture spends much of its time waiting on the network (load, each scroll step, network
quiet), so with several pages open one always has work for the CPU while the others wait:
on 2 cores, 8 pages at once capture the benchmark's pages ~2x faster than 3 (bench/).

CPU is deliberately not a limit. Measured with pages that burn 3.9 s of CPU each (a
script-heavy infinite feed), 16 captures took 22 s with 8 open at once, 54 s with 3, and
31 s when another page was only opened while the CPU had been idle; every capture was
complete in all three (all posts, scrolled to the bottom): settling follows the page's own
network activity, so a page slowed by a busy CPU is waited for, not cut short.

Memory is a limit: each open page is a renderer process, ~50-90 MB on a small page and
several hundred MB on a heavy feed. Beyond the first, another page is only opened while the
system still has `min_available_mb` available (MemAvailable), plus PAGE_ESTIMATE_MB for
every page opened in the last RAMP_S seconds (pages opened together have not used their
memory yet when the next one asks); one capture always runs.
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

# The defaults are read by the CLI for --help: asyncio is imported by the gate, when a
# capture starts, not with this module.
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 32
DEFAULT_MIN_AVAILABLE_MB = 1024
# A capture (screenshots, DOM, MHTML, HAR, WARC) rarely needs more than ~100 MB; below
# this much free space on the store's disk none is started (--min-free-disk).
DEFAULT_MIN_FREE_DISK_MB = 500
# How often a capture held back for memory looks again.
RECHECK_S = 0.2
# What a page just opened may still come to use, and how long it takes to show.
PAGE_ESTIMATE_MB = 300
RAMP_S = 3.0

MemoryProbe = Callable[[], int | None]


def available_memory_mb(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The kernel's estimate of memory available without swapping (MemAvailable), in MB;
    None where it cannot be read (not Linux): then only the count limits."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class AdmissionGate:
    """At most `limit` captures open at once; beyond the first, one more only while
    `probe()` reports enough memory available (see the module's docstring)."""

    def __init__(
        self,
        limit: int,
        min_available_mb: int = DEFAULT_MIN_AVAILABLE_MB,
        probe: MemoryProbe = available_memory_mb,
        ramp_s: float = RAMP_S,
    ) -> None:
        self.limit = max(1, limit)
        self.min_available_mb = min_available_mb
        self.probe = probe
        self.ramp_s = ramp_s
        self._recent: collections.deque[float] = collections.deque()  # when pages opened
        self.open = 0
        self.peak = 0  # most captures open at once, for tests and diagnostics
        self.held_for_memory = 0  # times a capture waited for memory
        import asyncio

        self._slots = asyncio.Semaphore(self.limit)

    def _room(self) -> bool:
        if self.open == 0:
            return True  # one capture always runs, whatever the memory says
        available = self.probe()
        if available is None:
            return True
        now = time.monotonic()
        while self._recent and now - self._recent[0] > self.ramp_s:
            self._recent.popleft()
        return available >= self.min_available_mb + PAGE_ESTIMATE_MB * len(self._recent)

    @contextlib.asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        import asyncio

        async with self._slots:
            if not self._room():
                self.held_for_memory += 1
                while not self._room():
                    await asyncio.sleep(RECHECK_S)
            self.open += 1
            self.peak = max(self.peak, self.open)
            self._recent.append(time.monotonic())
            try:
                yield
            finally:
                self.open -= 1
