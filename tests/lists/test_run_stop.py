"""Stopping a run (issue 12 item 5): Ctrl-C with `--host-delay 0` (the demo's setting) and
SIGTERM (what `systemctl stop` sends) both stop a real `collector run` within seconds,
keep every finished capture, give up the ones still loading (no `.incoming` leftovers),
mark the run `interrupted` and leave `--resume` working.

Before the fix, Ctrl-C was ignored with `--host-delay 0` (every queued entry was captured,
exit 0, `finished`), and SIGTERM killed the run at once (exit 143, the run `running`
forever, captures left in `.incoming`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lists.test_run import db_rows
from tests.support.helpers import capture_folders
from tests.support.site import SiteServer

pytestmark = pytest.mark.slow  # real `collector run` processes

ROOT = Path(__file__).resolve().parents[2]


def watchlist(tmp_path: Path, site: SiteServer) -> Path:
    """Two quick pages first, then pages that never answer (they would hold a run for
    the whole --timeout), then quick ones again."""
    urls = [site.url("/page/indonesian"), site.url("/final")]
    urls += [site.url(f"/hang?n={i}") for i in range(3)]
    urls += [site.url(f"/page/indonesian?n={i}") for i in range(4)]
    text = "".join(
        f'\n[[entry]]\nname = "Halaman {i}"\nurl = "{url}"\n' for i, url in enumerate(urls, 1)
    )
    path = tmp_path / "daftar.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_run(store: Path, listed: Path) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "collector", "run", str(listed), "--store", str(store)]
    argv += ["--host-delay", "0", "--timeout", "90", "--retries", "0", "--concurrency", "2"]

    def child_setup() -> None:
        # a background job starts with SIGINT ignored (docs: browser-facts.md); a
        # terminal's Ctrl-C reaches a process that has the default handler
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    return subprocess.Popen(
        argv,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=child_setup,
    )


def stop_after_first_capture(proc: subprocess.Popen[str], sig: int) -> tuple[str, str, float]:
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("[1/9]") or line.startswith("[2/9]"):
            time.sleep(1.0)  # the hanging pages are loading now
            proc.send_signal(sig)
            break
    sent = time.monotonic()
    rest, err = proc.communicate(timeout=120)
    return "".join(lines) + rest, err, time.monotonic() - sent


@pytest.mark.parametrize(
    ("sig", "code", "said"),
    [(signal.SIGINT, 130, "Ctrl-C: finishing"), (signal.SIGTERM, 143, "SIGTERM: finishing")],
)
def test_a_signal_stops_the_run_within_seconds_and_resume_finishes_it(
    site: SiteServer, tmp_path: Path, sig: int, code: int, said: str
) -> None:
    store = tmp_path / "evidence"
    listed = watchlist(tmp_path, site)
    proc = start_run(store, listed)
    out, err, took = stop_after_first_capture(proc, sig)
    assert proc.returncode == code, out + err
    assert said in err
    assert took < 30, f"took {took:.1f} s to stop"  # grace 5 s + browser shutdown, loaded
    [run] = db_rows(store, "SELECT * FROM runs")
    assert run["status"] == "interrupted"
    done = db_rows(store, "SELECT * FROM run_entries WHERE status = 'done'")
    assert 1 <= len(done) < 9
    assert len(capture_folders(store)) == len(done)  # every finished capture kept
    assert not list((store / ".incoming").iterdir())  # nothing half-written left
    assert f"resume with: collector run --resume {run['id']}" in out

    # the resume captures what is missing (the hanging pages end as `timeout` now)
    argv = [sys.executable, "-m", "collector", "run", "--resume", run["id"], "--store", str(store)]
    resumed = subprocess.run(
        [*argv, "--host-delay", "0", "--timeout", "5", "--retries", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert f"9 entries, {9 - len(done)} to capture" in resumed.stdout, resumed.stdout
    [run] = db_rows(store, "SELECT * FROM runs")
    assert run["status"] == "finished"
    entries = db_rows(store, "SELECT * FROM run_entries")
    assert all(e["status"] == "done" for e in entries)
    assert len(capture_folders(store)) == 9  # nothing captured twice
    assert os.listdir(store / ".incoming") == []
