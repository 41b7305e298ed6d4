"""Browser workers for tests: `playwright launch-server` processes on loopback, started
with collector's worker config (what bench/browser_worker.sh writes), each in its own
process group so that a test can kill one (browser and all) mid-run."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from collector.capture.browser import worker_config

LAUNCH_SERVER = (sys.executable, "-m", "playwright", "launch-server", "--browser", "chromium")


class BrowserWorker:
    def __init__(self, executable: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "worker.json"
        config.write_text(json.dumps(worker_config(executable)))
        self.executable = executable
        self.proc = subprocess.Popen(
            [*LAUNCH_SERVER, "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()  # the server prints its URL when ready
        if not line.startswith("ws://"):
            self.kill()
            raise RuntimeError(f"launch-server did not start: {line!r}")
        self.url = line
        self.token = line.rsplit("/", 1)[-1]

    @property
    def hinted(self) -> str:
        """The URL with collector's `executable=` hint."""
        return f"{self.url}?executable={self.executable}"

    def kill(self) -> None:
        """The server, its driver and its browser, at once (their own process group)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        time.sleep(0.1)
