"""Helpers shared by tests: run the CLI in-process, read a store, run a coroutine."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import gzip
import json
import shutil
import stat
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from click.testing import CliRunner, Result

from collector.cli import cli

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a worker thread: pytest-playwright's sync API may hold a running
    loop on the test's own thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@contextmanager
def store_copy(pristine: Path, copy: Path) -> Iterator[Path]:
    """A per-test copy of a module's real store, to tamper with."""
    shutil.copytree(pristine, copy)
    yield copy
    for path in copy.rglob("*"):  # let pytest clean up read-only folders
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def writable(path: Path) -> Path:
    """Lift the read-only bits as an attacker with write access would."""
    path.parent.chmod(path.parent.stat().st_mode | stat.S_IWUSR)
    if path.exists():
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return path


def run_cli(*args: str, store: Path | None = None, env: dict[str, str] | None = None) -> Result:
    argv = list(args)
    if store is not None:
        argv += ["--store", str(store)]
    return CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)


def verify(store: Path, *args: str) -> tuple[int, str]:
    """`collector verify ARGS` on the store: (exit code, output)."""
    result = run_cli("verify", *args, store=store)
    return result.exit_code, result.output


def read_har(folder: Path) -> dict[str, Any]:
    """A capture's HAR as filed (network.har.gz, collector.evidence.har), parsed."""
    har: dict[str, Any] = json.loads(gzip.decompress((folder / "network.har.gz").read_bytes()))
    return har


def capture_folders(store: Path) -> list[Path]:
    return sorted(p for day in (store / "captures").glob("*") for p in day.iterdir())


def only_capture(store: Path) -> tuple[Path, dict[str, Any]]:
    folders = capture_folders(store)
    assert len(folders) == 1, folders
    return folders[0], json.loads((folders[0] / "manifest.json").read_text("utf-8"))


_PIXELS_JS = """async ([src, points]) => {
  const img = new Image(); img.src = src; await img.decode();
  const c = document.createElement('canvas'); c.width = 1; c.height = 1;
  const ctx = c.getContext('2d', {willReadFrequently: true});
  return points.map(([x, y]) => {
    ctx.clearRect(0, 0, 1, 1); ctx.drawImage(img, x, y, 1, 1, 0, 0, 1, 1);
    return Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
  });
}"""


def png_pixels(page: Any, png: Path, points: list[tuple[int, int]]) -> list[tuple[int, ...]]:
    """Colours at points of a PNG, decoded by Chromium (pure Python is far too slow)."""
    src = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
    return [tuple(p) for p in page.evaluate(_PIXELS_JS, [src, points])]


def png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
