"""`collector watch`: one run per period, in the foreground, until stopped.

`watch_loop` is the loop itself, independent of what a run is: it calls `run_once()`
at fixed start times (period after period, not period after the end of a run), keeps
going when a run fails or raises, skips the starts a long run overran (never two runs
at once, never a burst to catch up), and returns once `stop` is set, without starting
another run.

`RunProcess` is the `run_once` the CLI uses: each run is `collector run LIST ...` in a
child process, so a crash, a leak or a hung browser in one run cannot take the watcher
down, and the watcher needs nothing from the run but its command line and exit status.
It holds the same lock file as the scheduled runs (`collector schedule`), so a watcher
and a cron job never capture the same list at once. `interrupt()` passes a stop on to
the child as SIGINT, which `collector run` treats like Ctrl-C: it stops between
captures and keeps what it finished.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from collector import exits
from collector.timeutil import rfc3339, utc_now, wib

__all__ = ["SKIPPED", "RunProcess", "WatchReport", "run_lock", "watch_loop"]

Log = Callable[[str], None]
# `collector run` exit statuses of a run that worked: 0 every entry ok, 4 every entry
# captured but not all ok (not_ok). Anything else (1 included: a crash) is a failure.
FINISHED = frozenset({exits.OK, exits.NOT_OK})
SKIPPED = exits.SKIPPED_LOCKED  # as flock -E 75 in the schedules: a run still holds the lock


@dataclass
class WatchReport:
    runs: int = 0
    statuses: list[int | None] = field(default_factory=list)  # None: run_once raised
    stopped: bool = False  # by `stop`, rather than by max_runs

    @property
    def failed(self) -> int:
        return sum(1 for s in self.statuses if s is None or s not in FINISHED | {SKIPPED})


def watch_loop(
    run_once: Callable[[], int],
    every: timedelta | float,
    stop: threading.Event,
    *,
    clock: Callable[[], float] = time.monotonic,
    wait: Callable[[float], bool] | None = None,
    log: Log = print,
    max_runs: int | None = None,
) -> WatchReport:
    """Call `run_once` every `every` (seconds or timedelta) until `stop` is set.

    `wait(seconds)` sleeps and returns True when stopped early; it defaults to
    `stop.wait`, so setting `stop` (from a signal handler) ends the wait at once.
    """
    period = every.total_seconds() if isinstance(every, timedelta) else float(every)
    if period <= 0:
        raise ValueError("the period must be positive")
    sleep = wait or stop.wait
    report = WatchReport()
    next_start = clock()
    while not stop.is_set():
        report.runs += 1
        number = report.runs
        started = clock()
        log(f"{_now()} run {number} starting")
        status: int | None
        try:
            status = run_once()
        except Exception as exc:  # a failed run must not end the watch
            status = None
            log(f"{_now()} run {number} failed: {type(exc).__name__}: {exc}")
        report.statuses.append(status)
        took = clock() - started
        if status is not None:
            log(f"{_now()} run {number} {_describe(status)} after {took:.1f} s")
        if max_runs is not None and report.runs >= max_runs:
            break
        if stop.is_set():
            break
        next_start += period
        now = clock()
        if next_start <= now:
            missed = int((now - next_start) // period) + 1
            next_start += missed * period
            log(f"{_now()} run {number} overran the period: {missed} start(s) skipped")
        delay = next_start - now
        at = utc_now() + timedelta(seconds=delay)
        log(f"{_now()} next run in {delay:.0f} s, at {wib(at)}")
        if sleep(delay):
            break
    report.stopped = stop.is_set()
    if report.stopped:
        log(f"{_now()} stopped after {report.runs} run(s)")
    return report


def _now() -> str:
    return rfc3339(utc_now())


def _describe(status: int) -> str:
    if status == exits.OK:
        return "finished (exit 0: every entry ok)"
    if status == exits.NOT_OK:
        return f"finished (exit {exits.NOT_OK}: every entry captured, not all ok)"
    if status == SKIPPED:
        return "skipped (another run of this list holds its lock)"
    if status < 0:
        return f"FAILED (killed by signal {-status})"
    return f"FAILED (exit {status})"


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[bool]:
    """Hold `path` with flock(2), like `flock -n` in the schedules; yields False when
    another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class RunProcess:
    """`run_once` as a child process holding the list's lock (see the module doc)."""

    def __init__(
        self, argv: Sequence[str], lock_path: Path, stop: threading.Event, *, log: Log = print
    ) -> None:
        self.argv = list(argv)
        self.lock_path = lock_path
        self.stop = stop
        self.log = log
        self._child: subprocess.Popen[bytes] | None = None
        self._signals_sent = 0

    def __call__(self) -> int:
        with run_lock(self.lock_path) as held:
            if not held:
                return SKIPPED
            if self.stop.is_set():
                return 0
            self._signals_sent = 0
            # its own session: a terminal's Ctrl-C reaches the watcher only, which
            # passes it on once (a second one escalates to SIGTERM)
            self._child = subprocess.Popen(self.argv, start_new_session=True)
            try:
                if self.stop.is_set():  # stopped while the child was starting
                    self.interrupt()
                return self._child.wait()
            finally:
                self._child = None

    def interrupt(self) -> None:
        """Ask the running child to stop: SIGINT first, SIGTERM on a second call."""
        child = self._child
        if child is None or child.poll() is not None:
            return
        sig = signal.SIGINT if self._signals_sent == 0 else signal.SIGTERM
        self._signals_sent += 1
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(sig)
        self.log(f"{_now()} asked run (pid {child.pid}) to stop with {sig.name}")
