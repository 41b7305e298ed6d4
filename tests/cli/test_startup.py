"""Starting the CLI stays light: `collector --help` and `collector list` load neither
Playwright nor the browser module (and --help not sqlite_utils or asyncio either); each
command imports the heavy libraries it needs when it runs (bench/cli_startup.py measures
it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.handmade import file_and_index

pytestmark = pytest.mark.slow  # real interpreters, started fresh

BROWSER_ONLY = {"playwright", "collector.capture.browser"}


def modules_after(code: str, cwd: Path) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    script = (
        "import json, sys\n"
        "try:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "sys.stdout.flush()\n"
        "print('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_cli_and_its_help_load_no_browser_or_index(tmp_path: Path) -> None:
    for code in (
        "import collector.cli",
        "import sys\nsys.argv = ['collector', '--help']\nfrom collector.cli import main\nmain()",
    ):
        loaded = modules_after(code, tmp_path)
        assert "collector.cli.query" in loaded  # the commands were registered
        assert not loaded & (BROWSER_ONLY | {"sqlite_utils"}), code
        # nor the machinery of a run or of the index: each command loads what it uses
        assert not loaded & {"asyncio", "collector.lists.run", "collector.records.index"}, code


def test_list_loads_the_index_but_no_browser(tmp_path: Path) -> None:
    filed = file_and_index(tmp_path / "evidence")
    code = (
        "import sys\n"
        f"sys.argv = ['collector', 'list', '--store', {str(tmp_path / 'evidence')!r}]\n"
        "from collector.cli import main\n"
        "main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert filed.capture_id in done.stdout  # it did list the capture
    loaded = modules_after(code, tmp_path)
    assert "sqlite_utils" in loaded
    assert not loaded & BROWSER_ONLY
