"""A full disk (issue 12 item 13): a clear one-line error, the capture's own partial work
removed, nothing incomplete filed `ok`, `doctor` warns, and no capture starts below the
free-space threshold (a run stops before the capture it could not finish).

Full disks come from a small tmpfs where mounting is permitted, and otherwise (and for
exact points) from the test-only fault hook (COLLECTOR_TEST_FAULT, collector/faults.py),
which raises ENOSPC where the store writes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lists.test_run import db_rows
from tests.support.helpers import capture_folders, run_cli
from tests.support.site import SiteServer

ROOT = Path(__file__).resolve().parents[2]


def collector(
    store: Path, *argv: str, fault: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if fault:
        env["COLLECTOR_TEST_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "collector", *argv, "--store", str(store)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def nothing_left_behind(store: Path) -> None:
    assert not list((store / ".incoming").iterdir()), "partial capture left in .incoming"
    code = run_cli("verify", "--no-record", store=store).exit_code
    assert code == 0  # nothing incomplete was filed


@pytest.mark.slow  # real collector processes with a fault injected
@pytest.mark.parametrize(
    "fault",
    [
        "store.write:enospc@3",  # the disk fills after two artifacts
        "store.write/*.warc.gz:enospc",  # ... just as the WARC (named after the capture) is written
        "store.write/manifest.json:enospc",
    ],
)
def test_a_full_disk_fails_the_capture_cleanly(
    site: SiteServer, tmp_path: Path, fault: str
) -> None:
    store = tmp_path / "evidence"
    done = collector(store, "capture", site.url("/page/indonesian"), fault=fault)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "could not be written" in done.stderr and "disk is full" in done.stderr
    assert "nothing was filed" in done.stderr
    assert capture_folders(store) == []  # before the fix: filed ok without its WARC
    nothing_left_behind(store)
    # the disk has room again: the next capture works
    again = collector(store, "capture", site.url("/page/indonesian"))
    assert again.returncode == 0, again.stderr
    nothing_left_behind(store)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_really_full_disk(site: SiteServer, small_disk: Path) -> None:
    store = small_disk / "evidence"
    first = collector(store, "capture", site.url("/page/indonesian"), "--min-free-disk", "0")
    assert first.returncode == 0, first.stderr
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(free - 40_000, 0))  # a few KB left: less than a capture
    done = collector(store, "capture", site.url("/page/indonesian"), "--min-free-disk", "0")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert len(capture_folders(store)) == 1  # only the first one
    filler.unlink()
    assert not list((store / ".incoming").iterdir())
    assert run_cli("verify", "--no-record", store=store).exit_code == 0


def test_no_capture_starts_below_the_free_space_threshold(site: SiteServer, tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    result = run_cli(
        "capture", site.url("/page/indonesian"), "--min-free-disk", "10000000", store=store
    )
    assert result.exit_code == 3
    assert "MB free on the disk of" in result.output and "--min-free-disk" in result.output
    assert capture_folders(store) == []


def test_a_run_stops_before_a_capture_it_cannot_finish(
    site: SiteServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills during a run (a seam on the free-space probe): the run stops
    before the next capture, marked interrupted; the resume finishes it."""
    import collector.capture.runner as runner

    real = shutil.disk_usage
    calls = {"n": 0}

    def filling(path: Any) -> Any:
        calls["n"] += 1
        usage = real(path)
        if calls["n"] <= 2:  # before the browser starts, and the first capture
            return usage
        return usage._replace(free=50 << 20)

    monkeypatch.setattr(runner.shutil, "disk_usage", filling)
    listed = tmp_path / "daftar.toml"
    listed.write_text(
        "".join(
            f'\n[[entry]]\nname = "Halaman {i}"\nurl = "{site.url(f"/page/indonesian?n={i}")}"\n'
            for i in range(1, 4)
        ),
        encoding="utf-8",
    )
    store = tmp_path / "evidence"
    result = run_cli("run", str(listed), "--host-delay", "1", "--min-free-disk", "100", store=store)
    assert result.exit_code == 3, result.output
    assert "only 50 MB free" in result.output
    [run] = db_rows(store, "SELECT * FROM runs")
    assert run["status"] == "interrupted"
    assert len(capture_folders(store)) == 1
    assert not list((store / ".incoming").iterdir())
    monkeypatch.setattr(runner.shutil, "disk_usage", real)
    resumed = run_cli("run", "--resume", run["id"], "--host-delay", "0", store=store)
    assert resumed.exit_code == 0, resumed.output
    assert len(capture_folders(store)) == 3


def test_doctor_warns_when_free_space_is_low(tmp_path: Path) -> None:
    result = run_cli("doctor", "--min-free-disk", "10000000", store=tmp_path / "evidence")
    assert result.exit_code == 3
    line = next(x for x in result.output.splitlines() if " disk " in x)
    assert line.startswith("NO") and "MB free" in line and "--min-free-disk" in line
