"""How many captures run at once: the count, and the memory check beside it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from collector.capture.admission import AdmissionGate, available_memory_mb
from tests.support.helpers import run_async


def test_available_memory_reads_memavailable(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(
        "MemTotal:       24684256 kB\nMemFree:        22578000 kB\n"
        "MemAvailable:    3145728 kB\nBuffers:           28676 kB\n"
    )
    assert available_memory_mb(meminfo) == 3072


def test_available_memory_unknown_without_meminfo(tmp_path: Path) -> None:
    assert available_memory_mb(tmp_path / "absent") is None
    (tmp_path / "odd").write_text("MemTotal: 1 kB\n")
    assert available_memory_mb(tmp_path / "odd") is None
    (tmp_path / "bad").write_text("MemAvailable: lots\n")
    assert available_memory_mb(tmp_path / "bad") is None


def test_this_machine_reports_memory() -> None:
    available = available_memory_mb()
    assert available is not None and available > 0


def run_jobs(gate: AdmissionGate, jobs: int, hold_s: float = 0.05) -> list[int]:
    """Run `jobs` tasks through the gate; return how many were open as each started."""
    seen: list[int] = []

    async def job() -> None:
        async with gate.admitted():
            seen.append(gate.open)
            await asyncio.sleep(hold_s)

    async def main() -> None:
        await asyncio.gather(*(job() for _ in range(jobs)))

    run_async(main())
    return seen


def test_count_limits_when_memory_is_plentiful() -> None:
    gate = AdmissionGate(3, min_available_mb=1024, probe=lambda: 8192)
    seen = run_jobs(gate, 7)
    assert gate.peak == 3 and max(seen) == 3 and len(seen) == 7
    assert gate.held_for_memory == 0 and gate.open == 0


def test_short_memory_runs_one_at_a_time_but_never_stops() -> None:
    gate = AdmissionGate(4, min_available_mb=1024, probe=lambda: 300)
    seen = run_jobs(gate, 3, hold_s=0.01)
    assert seen == [1, 1, 1] and gate.peak == 1
    assert gate.held_for_memory >= 1


def test_memory_freed_lets_more_in() -> None:
    readings = iter([100, 100, 4096])  # short twice, then plenty

    def probe() -> int:
        return next(readings, 4096)

    gate = AdmissionGate(2, min_available_mb=1024, probe=probe)
    run_jobs(gate, 4, hold_s=0.8)
    assert gate.peak == 2 and gate.held_for_memory >= 1


def test_unknown_memory_leaves_only_the_count() -> None:
    gate = AdmissionGate(2, probe=lambda: None)
    run_jobs(gate, 5)
    assert gate.peak == 2 and gate.held_for_memory == 0


def test_pages_opened_together_count_before_their_memory_shows() -> None:
    """1.5 GB available, 1 GB to keep: room for one page beside the first, not eight at
    once just because none of them has used its memory yet."""
    gate = AdmissionGate(8, min_available_mb=1024, probe=lambda: 1500, ramp_s=60)
    run_jobs(gate, 4, hold_s=0.3)
    assert gate.peak == 2 and gate.held_for_memory >= 1


def test_pages_opened_long_ago_no_longer_count() -> None:
    gate = AdmissionGate(8, min_available_mb=1024, probe=lambda: 1500, ramp_s=0.1)
    run_jobs(gate, 3, hold_s=0.5)
    assert gate.peak == 3  # each waited out the ramp of the one before, then joined
