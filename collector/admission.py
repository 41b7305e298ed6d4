"""How many pages are captured at once: a count, and the memory left to open another.

On 2 cores capturing is CPU-bound, and a page waits on the network between its steps
(load, each scroll step, network quiet); with enough pages open, one always has work for
the CPU while the others wait (bench/throughput.py: 6-12 pages at once on 2 cores). Each
open page is a renderer process, ~50-90 MB on a small page and several hundred MB on a
heavy feed, so the count alone is not a safe limit on a small machine: another page is
only opened beside the ones already open while the system still has `min_available_mb`
of memory available.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 32
DEFAULT_MIN_AVAILABLE_MB = 1024
# How often a capture held back for memory looks again.
RECHECK_S = 0.2

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
    `probe()` reports at least `min_available_mb` available."""

    def __init__(
        self,
        limit: int,
        min_available_mb: int = DEFAULT_MIN_AVAILABLE_MB,
        probe: MemoryProbe = available_memory_mb,
    ) -> None:
        self.limit = max(1, limit)
        self.min_available_mb = min_available_mb
        self.probe = probe
        self.open = 0
        self.peak = 0  # most captures open at once, for tests and diagnostics
        self.held_for_memory = 0  # times a capture waited for memory
        self._slots = asyncio.Semaphore(self.limit)

    def _room(self) -> bool:
        if self.open == 0:
            return True  # one capture always runs, whatever the memory says
        available = self.probe()
        return available is None or available >= self.min_available_mb

    @contextlib.asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        async with self._slots:
            if not self._room():
                self.held_for_memory += 1
                while not self._room():
                    await asyncio.sleep(RECHECK_S)
            self.open += 1
            self.peak = max(self.peak, self.open)
            try:
                yield
            finally:
                self.open -= 1
