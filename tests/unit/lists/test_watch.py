"""`watch_loop` over short real periods, the run lock, and RunProcess's stop."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from collector.lists.watch import SKIPPED, RunProcess, run_lock, watch_loop


def test_two_short_periods_start_on_time() -> None:
    starts: list[float] = []
    stop = threading.Event()

    def run_once() -> int:
        starts.append(time.monotonic())
        time.sleep(0.1)  # a run shorter than the period: the next starts a period later
        return 0

    report = watch_loop(run_once, 0.4, stop, log=lambda m: None, max_runs=2)
    assert report.runs == 2 and report.statuses == [0, 0] and not report.stopped
    assert 0.35 <= starts[1] - starts[0] < 0.8


def test_failed_runs_are_survived() -> None:
    calls = iter([RuntimeError("browser crashed"), 3, 0])
    logs: list[str] = []

    def run_once() -> int:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    report = watch_loop(run_once, 0.05, threading.Event(), log=logs.append, max_runs=3)
    assert report.statuses == [None, 3, 0] and report.failed == 2
    assert any("run 1 failed: RuntimeError: browser crashed" in line for line in logs)
    assert any("run 2 FAILED (exit 3)" in line for line in logs)
    assert any("run 3 finished (exit 0" in line for line in logs)


def test_not_every_entry_ok_is_not_a_failure() -> None:
    logs: list[str] = []
    report = watch_loop(lambda: 4, 0.01, threading.Event(), log=logs.append, max_runs=2)
    assert report.failed == 0  # exit 4: every entry captured, some not ok
    assert any("run 1 finished (exit 4: every entry captured, not all ok)" in m for m in logs)


def test_exit_1_is_a_failure() -> None:
    # 1 is what a Python traceback exits with: never mistaken for a finished run
    logs: list[str] = []
    report = watch_loop(lambda: 1, 0.01, threading.Event(), log=logs.append, max_runs=2)
    assert report.failed == 2
    assert any("run 1 FAILED (exit 1)" in m for m in logs)


def test_stop_during_a_run_ends_after_it() -> None:
    stop = threading.Event()
    runs: list[int] = []

    def run_once() -> int:
        runs.append(1)
        stop.set()  # e.g. SIGTERM arrived while this run was capturing
        return 0

    started = time.monotonic()
    report = watch_loop(run_once, 3600, stop, log=lambda m: None)
    assert runs == [1] and report.stopped and time.monotonic() - started < 5


def test_stop_during_the_wait_ends_at_once() -> None:
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    report = watch_loop(lambda: 0, 3600, stop, log=lambda m: None)
    assert report.runs == 1 and report.stopped
    assert time.monotonic() - started < 5


def test_overrun_skips_starts_instead_of_bursting() -> None:
    clock_now = [0.0]
    waits: list[float] = []

    def run_once() -> int:
        clock_now[0] += 25.0  # a run of 25 s with a 10 s period
        return 0

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock_now[0] += seconds
        return False

    logs: list[str] = []
    watch_loop(
        run_once,
        10,
        threading.Event(),
        clock=lambda: clock_now[0],
        wait=wait,
        log=logs.append,
        max_runs=3,
    )
    assert waits == [pytest.approx(5.0), pytest.approx(5.0)]  # next start at 30 s, then 60 s
    assert any("overran the period: 2 start(s) skipped" in line for line in logs)


def test_run_lock_is_exclusive(tmp_path: Path) -> None:
    lock = tmp_path / "locks" / "solo.lock"
    with run_lock(lock) as first:
        assert first
        with run_lock(lock) as second:
            assert not second
        # flock(1), as the schedules use it, sees the same lock
        held = subprocess.run(["flock", "-n", "-E", "75", str(lock), "true"], check=False)
        assert held.returncode == 75
    with run_lock(lock) as again:
        assert again


def test_run_process_skips_when_locked(tmp_path: Path) -> None:
    lock = tmp_path / "solo.lock"
    run = RunProcess([sys.executable, "-c", "pass"], lock, threading.Event(), log=lambda m: None)
    with run_lock(lock):
        assert run() == SKIPPED
    assert run() == 0


def test_run_process_passes_a_stop_on_as_sigint(tmp_path: Path) -> None:
    marker, ready = tmp_path / "interrupted", tmp_path / "ready"
    child = (
        "import signal, sys, time\n"
        "def stop(*a):\n"
        f"    open({str(marker)!r}, 'w').write('SIGINT'); sys.exit(130)\n"
        "signal.signal(signal.SIGINT, stop)\n"
        f"open({str(ready)!r}, 'w').write('ready')\n"
        "time.sleep(60)\n"
    )
    stop = threading.Event()
    run = RunProcess([sys.executable, "-c", child], tmp_path / "l.lock", stop, log=lambda m: None)
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(run()))
    thread.start()
    deadline = time.monotonic() + 10
    # the child says when its handler is in place: a fixed wait was too short under load
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert run._child is not None and ready.exists()
    stop.set()
    run.interrupt()
    thread.join(10)
    assert result == [130] and marker.read_text() == "SIGINT"
