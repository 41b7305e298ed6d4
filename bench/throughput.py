#!/usr/bin/env python3
"""Throughput and memory of `collector capture` against `shot-scraper multi`, same pages.

    .venv/bin/python bench/throughput.py [--pages 40] [--runs 5] [--concurrency 3]
                                         [--expand-overhead] [--no-peer]
                                         [--endpoints 2 [--per-endpoint 2]]

Serves N generated ~3,000 px pages with images on 127.0.0.1, then alternates whole-process
runs of
  collector capture URL1 … URLN          (full artifact set: PNG, body, DOM, MHTML, text, HAR)
  shot-scraper multi shots.yml           (screenshots only; the peer named in issue 2)
and reports the median wall time, pages/s and peak memory (PSS summed over the process
tree: Python, Playwright's driver and every Chromium process) of each.

With --expand-overhead, each run also captures the same pages with `--no-expand`, so the
cost of looking for hidden content on pages that have none (issue 11: at most 5%) is
measured in the same run: the ratio of the median wall times, and from the manifests the
median time the expansion step itself took per page against the median capture time.

With --endpoints N, N browser workers (`playwright launch-server` with collector's worker
config, as bench/browser_worker.sh starts them; docs/browsers.md) run on this machine, and
each run also captures the same pages through them (`--browser-endpoint` each). The CPU
seconds per page are reported for each mode: the collector process tree, and for the
endpoint mode the workers' trees separately (the part that moves to other machines). On
one 2-core machine the workers share the cores with collector, so this checks correctness
and the split of the work, not the gain; docs/browsers.md turns the per-page CPU into the
throughput of N real worker machines.

Both tools drive the same browser binary: the one collector finds (`COLLECTOR_BROWSER`, else
the system's, see `collector doctor`). shot-scraper is installed into bench/.peer-venv on
first use; it has no browser-path option, so that binary is linked where its Playwright
looks for its headless shell, through PLAYWRIGHT_BROWSERS_PATH (browser-facts.md).
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from collector.capture.browser import find_browser, worker_config  # noqa: E402

PEER_VENV = ROOT / "bench" / ".peer-venv"
LAUNCH_SERVER = (sys.executable, "-m", "playwright", "launch-server", "--browser", "chromium")


def png(rgb: tuple[int, int, int], w: int = 600, h: int = 400) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + bytes((rgb[0], (rgb[1] + y) % 256, rgb[2])) * w for y in range(h))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_site(folder: Path, pages: int) -> None:
    colours = [(200, 60, 40), (40, 120, 200), (40, 160, 90), (140, 70, 170), (210, 120, 30)]
    for i, rgb in enumerate(colours):
        (folder / f"img{i}.png").write_bytes(png(rgb))
    for n in range(pages):
        posts = "".join(
            f"<article><h2>Unggahan {n}-{k}</h2><p>{'Jaga netralitas ASN. ' * 12}</p>"
            f"<img src='img{(n + k) % 5}.png' width='600' height='400'"
            f"{' loading=lazy' if k > 1 else ''}></article>"
            for k in range(5)
        )
        (folder / f"page{n}.html").write_text(
            f"<!doctype html><html lang='id'><head><meta charset='utf-8'><title>Halaman {n}</title>"
            "<style>body{font-family:sans-serif;max-width:700px;margin:auto}"
            "article{margin:20px 0;min-height:560px}</style></head>"
            f"<body><h1>Profil uji {n} 🗳️</h1>{posts}</body></html>",
            "utf-8",
        )


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def tree_pids(root_pid: int) -> list[int]:
    """A process and all its descendants, as /proc shows them now."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def tree_pss_kb(root_pid: int) -> int:
    """PSS of a process and all its descendants (shared pages counted once overall)."""
    total = 0
    for pid in tree_pids(root_pid):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return total


# Reading smaps_rollup of every Chromium process costs ~20 ms of CPU per sample: every
# 50 ms that took ~0.3 of a core from whichever tool was CPU-bound. Memory ramps up and
# plateaus over seconds, so a sample every quarter second still finds the peak.
SAMPLE_EVERY_S = 0.25


def tree_cpu_s(root_pid: int) -> float:
    """CPU seconds used by a process tree so far, its reaped children included."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in tree_pids(root_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


class Workers:
    """N local `playwright launch-server` processes with collector's worker config."""

    def __init__(self, work: Path, browser: str, n: int) -> None:
        config = work / "worker.json"
        config.write_text(json.dumps(worker_config(browser)))
        self.procs = []
        self.urls = []
        for _ in range(n):
            proc = subprocess.Popen(
                [*LAUNCH_SERVER, "--config", str(config)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
            assert proc.stdout is not None
            self.urls.append(proc.stdout.readline().strip())
            self.procs.append(proc)

    def cpu_s(self) -> float:
        return sum(tree_cpu_s(p.pid) for p in self.procs)

    def stop(self) -> None:
        import signal

        for p in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
            p.wait(10)


CPU: dict[str, list[float]] = {}  # per tool: CPU seconds of each run (collector's tree)


def timed(
    cmd: list[str], env: dict[str, str] | None = None, label: str | None = None
) -> tuple[float, float]:
    """Wall seconds and peak tree PSS (MB) of one whole-process run; its tree's CPU
    seconds go to CPU[label]."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    tree_cpu = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_pss_kb(proc.pid))
        tree_cpu = max(tree_cpu, tree_cpu_s(proc.pid))
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(SAMPLE_EVERY_S)  # returns at once when the run ends
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}"
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Playwright starts Chromium detached: what its processes used never reaches
    # RUSAGE_CHILDREN (measured: less than half of it), so the tree is also read while it
    # runs (missing only its last quarter second)
    cpu = max((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), tree_cpu)
    CPU.setdefault(label or cmd[0], []).append(cpu)
    return wall, peak / 1024


def peer_env(work: Path, browser: str) -> tuple[list[str], dict[str, str]]:
    if not (PEER_VENV / "bin" / "shot-scraper").exists():
        print("installing shot-scraper into bench/.peer-venv …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run(
            [str(PEER_VENV / "bin" / "pip"), "install", "-q", "shot-scraper"], check=True
        )
    browsers = next(
        PEER_VENV.glob("lib/python*/site-packages/playwright/driver/package/browsers.json")
    )
    revision = next(
        b["revision"]
        for b in json.loads(browsers.read_text())["browsers"]
        if b["name"] == "chromium-headless-shell"
    )
    shell = (
        work
        / "pw-browsers"
        / f"chromium_headless_shell-{revision}"
        / "chrome-headless-shell-linux64"
    )
    shell.mkdir(parents=True, exist_ok=True)
    link = shell / "chrome-headless-shell"
    if not link.exists():
        link.symlink_to(browser)
    env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(work / "pw-browsers")}
    return [str(PEER_VENV / "bin" / "shot-scraper")], env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="collector --concurrency (default: collector's own default)",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip shot-scraper")
    parser.add_argument(
        "--endpoints",
        type=int,
        default=0,
        metavar="N",
        help="also capture through N local browser workers (--browser-endpoint)",
    )
    parser.add_argument("--per-endpoint", type=int, default=2, metavar="N")
    parser.add_argument(
        "--expand-overhead",
        action="store_true",
        help="also capture with --no-expand and report what expansion costs",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="collector-bench-"))
    site = work / "site"
    site.mkdir()
    make_site(site, args.pages)
    server, base = serve(site)
    urls = [f"{base}/page{n}.html" for n in range(args.pages)]
    collector = [str(ROOT / ".venv" / "bin" / "collector"), "capture", *urls]
    if args.concurrency:
        collector += ["--concurrency", str(args.concurrency)]
    shots = work / "shots.yml"
    shots.write_text(
        "".join(
            f"- url: {u}\n  output: {work / 'shots' / f'p{i}.png'}\n" for i, u in enumerate(urls)
        )
    )
    (work / "shots").mkdir()
    browser, _ = find_browser()
    print(f"browser for both: {browser}", file=sys.stderr)
    peer_cmd, env = ([], None) if args.no_peer else peer_env(work, browser)
    workers = Workers(work, browser, args.endpoints) if args.endpoints else None
    remote_name = f"collector, {args.endpoints} endpoints"
    worker_cpu: list[float] = []

    results: dict[str, list[tuple[float, float]]] = {"collector": [], "shot-scraper": []}
    if workers is not None:
        results[remote_name] = []
    if args.expand_overhead:
        results["collector --no-expand"] = []
    per_page: dict[str, list[float]] = {"expand_ms": [], "capture_ms": [], "bare_ms": []}
    for run in range(args.runs):
        store = work / f"store{run}"
        results["collector"].append(timed([*collector, "--store", str(store)], label="collector"))
        per_page["expand_ms"] += manifest_times(store, "expand")
        per_page["capture_ms"] += manifest_times(store, "capture")
        shutil.rmtree(store, ignore_errors=True)
        if args.expand_overhead:
            bare = work / f"bare{run}"
            results["collector --no-expand"].append(
                timed([*collector, "--no-expand", "--store", str(bare)])
            )
            per_page["bare_ms"] += manifest_times(bare, "capture")
            shutil.rmtree(bare, ignore_errors=True)
        if workers is not None:
            remote = work / f"remote{run}"
            cmd = [*collector, "--store", str(remote), "--per-endpoint", str(args.per_endpoint)]
            for url in workers.urls:
                cmd += ["--browser-endpoint", f"{url}?executable={browser}"]
            w0 = workers.cpu_s()
            results[remote_name].append(timed(cmd, label=remote_name))
            worker_cpu.append(workers.cpu_s() - w0)
            filed = len(list(remote.glob("captures/*/*/manifest.json")))
            if filed != args.pages:
                raise SystemExit(f"endpoint run filed {filed} of {args.pages} pages")
            shutil.rmtree(remote, ignore_errors=True)
        if not args.no_peer:
            results["shot-scraper"].append(
                timed([*peer_cmd, "multi", str(shots)], env, label="shot-scraper")
            )
        print(
            f"run {run + 1}/{args.runs}: "
            + ", ".join(f"{k} {v[-1][0]:.2f} s {v[-1][1]:.0f} MB" for k, v in results.items() if v),
            file=sys.stderr,
        )
    server.shutdown()
    if workers is not None:
        workers.stop()

    print(f"\n{args.pages} pages, {args.runs} runs, {os.cpu_count()} cores; median (min-max)")
    print(f"{'tool':<22}{'wall s':>22}{'pages/s':>10}{'peak MB':>22}")
    for name, rows in results.items():
        if not rows:
            continue
        walls, peaks = [r[0] for r in rows], [r[1] for r in rows]
        med = statistics.median(walls)
        print(
            f"{name:<22}{med:>8.2f} ({min(walls):.2f}-{max(walls):.2f})"
            f"{args.pages / med:>10.2f}"
            f"{statistics.median(peaks):>8.0f} ({min(peaks):.0f}-{max(peaks):.0f})"
        )
    cpu_rows = [(k, v) for k, v in CPU.items() if v]
    if cpu_rows:
        print("\nCPU seconds per page (median of runs): the tool's own process tree")
        for name, values in cpu_rows:
            line = f"  {name:<26}{statistics.median(values) / args.pages:.3f}"
            if name == remote_name and worker_cpu:
                line += (
                    f"   + workers' browsers {statistics.median(worker_cpu) / args.pages:.3f}"
                    " (what moves to the worker machines)"
                )
            print(line)
    if args.expand_overhead:
        on = statistics.median(r[0] for r in results["collector"])
        off = statistics.median(r[0] for r in results["collector --no-expand"])
        expand = statistics.median(per_page["expand_ms"])
        capture = statistics.median(per_page["capture_ms"])
        bare = statistics.median(per_page["bare_ms"])
        print(
            f"\nexpansion on pages with nothing to expand: whole run {on:.2f} s against "
            f"{off:.2f} s with --no-expand ({(on / off - 1) * 100:+.1f}%);\n"
            f"per page (medians from the manifests): expansion step {expand:.0f} ms of a "
            f"{capture:.0f} ms capture ({expand / capture * 100:.1f}%); "
            f"{bare:.0f} ms with --no-expand ({(capture / bare - 1) * 100:+.1f}%)"
        )
    shutil.rmtree(work, ignore_errors=True)


def manifest_times(store: Path, what: str) -> list[float]:
    """Per capture in the store: the expansion step's ms, or the whole capture's ms."""
    from datetime import datetime

    found = []
    for path in store.glob("captures/*/*/manifest.json"):
        m = json.loads(path.read_text("utf-8"))
        if what == "expand":
            found.append(float((m.get("expand") or {}).get("ms") or 0))
        else:
            started = datetime.fromisoformat(m["started_at"].replace("Z", "+00:00"))
            finished = datetime.fromisoformat(m["finished_at"].replace("Z", "+00:00"))
            found.append((finished - started).total_seconds() * 1000)
    return found


if __name__ == "__main__":
    main()
