#!/usr/bin/env python3
"""Store growth of repeat captures of unchanged pages (issue 15, docs/storage.md).

    .venv/bin/python bench/storage.py [--pages 10] [--runs 10] [--baseline COLLECTOR]

Two feeds, each captured --runs times into one fresh store, the pages unchanged between
runs:
  bench   the generated pages of bench/throughput.py (`collector capture URL1 … URLN`)
  demo    the bundled demo watch list (`collector demo`: profiles, posts, a deleted post)
After every run the store is measured with `du` (apparent bytes, `du -sb`, and disk
blocks, `du -sk`; hard links counted once, as du does). Reported per feed: the first
run's size, what the 2nd run added and the median of what runs 2..N added, each also as
a share of the first run, and the size after N runs.

With --baseline (another collector command, e.g. the version before sharing run from a
checkout: 'env PYTHONPATH=CHECKOUT .venv/bin/python -m collector'), the same runs are
made with it into a store of its own, so the first run's size and the growth can be
compared with "today". Commands run in a temporary folder (never this checkout's).
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import make_site, serve

ROOT = Path(__file__).resolve().parent.parent
COLLECTOR = str(Path(sys.executable).parent / "collector")


def du(path: Path) -> tuple[int, int]:
    """(apparent bytes, bytes in disk blocks) of a tree, each hard-linked file once."""
    apparent = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    blocks = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(apparent.stdout.split()[0]), int(blocks.stdout.split()[0]) * 1024


def grow(command: list[str], store: Path, runs: int) -> list[tuple[int, int]]:
    sizes = []
    for _ in range(runs):
        done = subprocess.run(
            [*command, "--store", str(store)], capture_output=True, text=True, cwd=store.parent
        )
        # 4 (1 before exit statuses were named): a capture not `ok` (the demo's deleted post)
        if done.returncode not in (0, 1, 4):
            sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
        sizes.append(du(store))
    return sizes


def report(feed: str, tool: str, sizes: list[tuple[int, int]]) -> None:
    for unit, k in (("bytes", 0), ("blocks", 1)):
        first = sizes[0][k]
        adds = [b[k] - a[k] for a, b in itertools.pairwise(sizes)]
        second = adds[0] if adds else 0
        median = statistics.median(adds) if adds else 0
        print(
            f"{feed:<6} {tool:<9} {unit:<6} first {first:>10,}  "
            f"run 2 +{second:>9,} ({second / first:6.1%})  "
            f"median of runs 2..{len(sizes)} +{median:>9,.0f} ({median / first:6.1%})  "
            f"after {len(sizes)} runs {sizes[-1][k]:>11,}"
        )


def remove(store: Path) -> None:
    """Evidence folders are read-only: lift that, then delete the bench's store."""
    for path in [store, *store.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o700)
    shutil.rmtree(store)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument(
        "--baseline",
        help="another collector command to compare with, e.g. /work/main/.venv/bin/collector "
        "or 'env PYTHONPATH=/path/to/checkout .venv/bin/python -m collector'",
    )
    ap.add_argument("--feeds", default="bench,demo")
    args = ap.parse_args()
    tools = [("this", [COLLECTOR])] + (
        [("baseline", shlex.split(args.baseline))] if args.baseline else []
    )
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        work = Path(tmp)
        site = work / "site"
        site.mkdir()
        make_site(site, args.pages)
        server, base = serve(site)
        try:
            urls = [f"{base}/page{n}.html" for n in range(args.pages)]
            feeds = {
                "bench": lambda exe: [*exe, "capture", *urls, "--case", "BENCH-15"],
                "demo": lambda exe: [*exe, "demo"],
            }
            for feed in args.feeds.split(","):
                for name, exe in tools:
                    store = work / f"{feed}-{name}"
                    sizes = grow(feeds[feed](exe), store, args.runs)
                    report(feed, name, sizes)
                    remove(store)
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
