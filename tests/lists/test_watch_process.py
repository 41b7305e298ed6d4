"""`collector schedule` (printed lines, --install into a fake crontab or a unit folder) and
`collector watch` as a real process (two short periods; SIGTERM)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collector.timeutil import parse_rfc3339

pytestmark = pytest.mark.slow  # real `collector watch` processes

LIST = """\
[[entry]]
name = "Budi Santoso (contoh)"
platform = "web"
url = "http://127.0.0.1:9/profil/budi"
"""


@pytest.fixture
def watch_list(tmp_path: Path) -> Path:
    path = tmp_path / "profiles" / "solo kota.toml"
    path.parent.mkdir()
    path.write_text(LIST, "utf-8")
    return path


def _start_watch(watch_list: Path, store: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "collector", "watch", str(watch_list), "--store", str(store), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_watch_two_short_periods(watch_list: Path, store: Path) -> None:
    started = time.monotonic()
    # the entry's address refuses connections: no retries (each would wait 5 s, then 10)
    proc = _start_watch(watch_list, store, "--every", "2s", "--runs", "2", "--", "--retries", "0")
    out, _ = proc.communicate(timeout=120)
    lines = out.splitlines()
    assert lines[0].startswith(
        f"watching {watch_list.resolve()} every 2s; each run: {sys.executable} -m collector run"
    )
    assert sum("run 1 starting" in line for line in lines) == 1
    assert sum("run 2 starting" in line for line in lines) == 1
    assert any(" next run in " in line for line in lines), out
    starts = [parse_rfc3339(line.split()[0]) for line in lines if line.endswith(" starting")]
    assert len(starts) == 2 and (starts[1] - starts[0]).total_seconds() >= 1.9
    assert time.monotonic() - started >= 2
    # `collector run` decides each run's outcome; the watcher only reports it
    assert proc.returncode in (0, 1), out
    assert (store / "locks" / "solo-kota.lock").exists()


def test_watch_stops_cleanly_on_sigterm(watch_list: Path, store: Path) -> None:
    proc = _start_watch(watch_list, store, "--every", "1h", "--", "--retries", "0")
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "next run in" in line:
            break
    assert "next run in" in lines[-1], "".join(lines)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, "".join(lines) + out
    assert "stopped after 1 run(s)" in out
