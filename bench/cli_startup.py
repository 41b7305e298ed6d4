#!/usr/bin/env python3
"""Wall time of `collector --help`: the price of starting the CLI, paid by every command.

    .venv/bin/python bench/cli_startup.py [--runs 10] [--baseline PATH ...]

Runs `python -m collector --help` RUNS times from each source tree (this checkout, then
every --baseline, e.g. an older commit checked out with `git worktree add /tmp/base
98ca3bc`), alternating trees so machine load falls on all alike, and prints the median
wall time (with its spread) and CPU time of each, and which heavy modules importing the
CLI loads. On a loaded machine, compare the CPU times and the minimums. Each run is a fresh
interpreter with the tree first on PYTHONPATH and a neutral working directory, so every
tree is measured the same way with the same dependencies (this interpreter's).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("playwright", "sqlite_utils")
PROBE = (
    "import sys, collector.cli; "
    "print(' '.join(m for m in {heavy!r} if m in sys.modules) or 'none', "
    "' '.join(m for m in sys.modules if m.endswith('.browser') and m.startswith('collector')) "
    "or 'not loaded', sep='|')"
)


def run_once(tree: Path, cwd: str, argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run; CPU time says the same under machine load."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def loaded(tree: Path, cwd: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = (
        subprocess.run(
            [sys.executable, "-c", PROBE.format(heavy=HEAVY)],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .split("|")
    )
    return f"heavy libraries: {out[0]}; browser module: {out[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baseline", type=Path, action="append", default=[])
    args = parser.parse_args()
    trees = [ROOT, *(p.resolve() for p in args.baseline)]
    times: dict[Path, list[tuple[float, float]]] = {t: [] for t in trees}
    bare: list[tuple[float, float]] = []  # the interpreter alone, for scale
    with tempfile.TemporaryDirectory() as cwd:
        for tree in trees:  # warm the file cache and the bytecode of each tree once
            run_once(tree, cwd, ["-m", "collector", "--help"])
        for _ in range(args.runs):
            bare.append(run_once(ROOT, cwd, ["-c", "pass"]))
            for tree in trees:
                times[tree].append(run_once(tree, cwd, ["-m", "collector", "--help"]))
        print(
            f"collector --help, median of {args.runs} runs; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"  python -c pass: {summary(bare)}")
        for tree in trees:
            print(f"  {tree}: {summary(times[tree])}; {loaded(tree, cwd)}")


def summary(runs: list[tuple[float, float]]) -> str:
    wall = sorted(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    return (
        f"wall {statistics.median(wall) * 1000:.0f} ms (min {wall[0] * 1000:.0f}, "
        f"max {wall[-1] * 1000:.0f}), CPU {cpu * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
