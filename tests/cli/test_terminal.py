"""collector in a real terminal and a real shell: tables fit an 80-column pseudo-terminal
(while piped output stays whole), and bash completes capture ids through the script Click
generates."""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from collector.text import width_of
from tests.support.synthetic import add_capture

pytestmark = pytest.mark.slow  # real collector processes

LONG_URL = "https://example.org/" + "sangat-panjang/" * 8 + "hilang.html"
IDS = ("20261125T050305090Z-2e1e37", "20261125T050306000Z-c8029d")


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    store = tmp_path / "evidence"
    add_capture(store, IDS[0], url="https://example.org/profil/budi")
    add_capture(
        store,
        IDS[1],
        started="2026-11-25T05:03:06.000Z",
        url=LONG_URL,
        outcome="not_found",
        case="BKPSDM-2024-017",
    )
    return store


def in_terminal(argv: list[str], columns: int) -> str:
    """Run argv with a pseudo-terminal of `columns` columns as standard output."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(argv, stdout=follower, stderr=follower, stdin=follower, env=env)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(10)
    os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_list_fits_an_80_column_terminal_and_pipes_stay_whole(filled: Path) -> None:
    argv = [sys.executable, "-m", "collector", "list", "--store", str(filled)]
    shown = in_terminal(argv, 80)
    lines = [line for line in shown.splitlines() if line]
    assert len(lines) == 4, shown
    assert all(width_of(line) <= 80 for line in lines), shown
    assert IDS[0] in shown and IDS[1] in shown  # ids whole, to copy
    assert "…" in shown and "hilang.html" in shown  # the URL cut in its middle
    assert "CAPTURED (WIB)" not in shown  # left out: each id starts with its UTC time
    piped = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    # not a terminal: nothing fitted, every column there (the URL capped as before)
    assert "CAPTURED (WIB)" in piped and LONG_URL[:69] + "…" in piped
    assert max(width_of(line) for line in piped.splitlines()) > 80


def test_custody_fits_an_80_column_terminal(filled: Path) -> None:
    argv = [sys.executable, "-m", "collector", "custody", "--store", str(filled)]
    shown = in_terminal(argv, 80)
    table_lines = [line for line in shown.splitlines() if line and not line.startswith("log head")]
    assert all(width_of(line) <= 80 for line in table_lines), shown


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_bash_completes_capture_ids_with_clicks_script(filled: Path) -> None:
    collector = Path(sys.executable).parent / "collector"
    if not collector.exists():
        pytest.skip("the collector console script is not installed beside this Python")
    script = (
        'eval "$(_COLLECTOR_COMPLETE=bash_source collector)"\n'
        "COMP_WORDS=(collector show 20261125T0503060); COMP_CWORD=2\n"
        "_collector_completion collector\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {
        **os.environ,
        "PATH": f"{collector.parent}{os.pathsep}{os.environ['PATH']}",
        "COLLECTOR_STORE": str(filled),
    }
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [IDS[1]]
    assert done.stderr == ""
