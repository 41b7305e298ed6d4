"""pywb (test-only dependency): import a WACZ into a collection with `wb-manager add
--unpack-wacz`, then serve it with `wayback` on 127.0.0.1 for as long as a test needs."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.tools import tool

COLLECTION = "bukti"


@dataclass(frozen=True)
class Wayback:
    origin: str  # http://127.0.0.1:PORT (pywb's own files are under /static/)
    base: str  # http://127.0.0.1:PORT/bukti
    added: str  # what `wb-manager add` printed
    root: Path  # the pywb folder (collections/bukti/{archive,indexes})

    def replay_url(self, timestamp: str, url: str, modifier: str = "mp_") -> str:
        """A capture as pywb replays it: `mp_` is the page without pywb's frame."""
        return f"{self.base}/{timestamp}{modifier}/{url}"

    def cdx(self, url: str) -> list[str]:
        with urllib.request.urlopen(f"{self.base}/cdx?url={url}", timeout=30) as answer:
            return answer.read().decode().splitlines()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def pywb_serving(wacz: Path, root: Path) -> Iterator[Wayback]:
    root.mkdir(parents=True, exist_ok=True)
    init = subprocess.run(
        [tool("wb-manager"), "init", COLLECTION], cwd=root, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stdout + init.stderr
    add = subprocess.run(
        [tool("wb-manager"), "add", "--unpack-wacz", COLLECTION, str(wacz)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert add.returncode == 0, add.stdout + add.stderr
    port = _free_port()
    log = (root / "wayback.log").open("w")
    proc = subprocess.Popen(
        [tool("wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/{COLLECTION}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "wayback did not start: " + (root / "wayback.log").read_text()
                    ) from None
                time.sleep(0.3)
        yield Wayback(f"http://127.0.0.1:{port}", base, add.stdout + add.stderr, root)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
