"""The page scripts are packaged .js files, loaded by name; no JavaScript left in Python."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import collector.capture
from collector.capture.scripts import script

CAPTURE = Path(collector.capture.__file__).parent
ROOT = CAPTURE.parent.parent


def test_every_script_named_in_the_code_is_a_packaged_file() -> None:
    named: set[str] = set()
    for module in CAPTURE.glob("*.py"):
        named |= set(re.findall(r'script\("([a-z_]+)"\)', module.read_text("utf-8")))
    files = {p.stem for p in (CAPTURE / "js").glob("*.js")}
    assert {"scroll", "top", "height", "images", "facts", "consent"} <= named
    assert named <= files, named - files
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "capture/js/*.js" in data["tool"]["setuptools"]["package-data"]["collector"]


def test_a_script_is_one_function_expression() -> None:
    for path in (CAPTURE / "js").glob("*.js"):
        body = "\n".join(
            line for line in script(path.stem).splitlines() if not line.startswith("//")
        ).strip()
        assert re.match(r"(async )?\(?[\w\[\], ]*\)? =>", body), path.name


def test_the_browser_module_holds_no_javascript() -> None:
    source = (CAPTURE / "browser.py").read_text("utf-8")
    for marker in ("=> {", "document.querySelector", "requestAnimationFrame", "getBounding"):
        assert marker not in source, marker
