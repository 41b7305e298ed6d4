"""The page scripts are packaged .js files, loaded by name; no JavaScript left in Python."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import collector.capture
from collector.capture.scripts import prelude_names, script

CAPTURE = Path(collector.capture.__file__).parent
ROOT = CAPTURE.parent.parent


def test_every_script_named_in_the_code_is_a_packaged_file() -> None:
    named: set[str] = set()
    for module in CAPTURE.glob("*.py"):
        named |= set(re.findall(r'script\("([a-z_]+)"\)', module.read_text("utf-8")))
    files = {p.stem for p in (CAPTURE / "js").glob("*.js") if not p.stem.startswith("_")}
    assert {"scroll", "top", "height", "images", "facts", "consent"} <= named
    assert named <= files, named - files
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "capture/js/*.js" in data["tool"]["setuptools"]["package-data"]["collector"]


def test_a_script_is_one_function_expression() -> None:
    for path in (CAPTURE / "js").glob("[!_]*.js"):
        body = "\n".join(
            line for line in script(path.stem).splitlines() if not line.startswith("//")
        ).strip()
        assert re.match(r"(async )?\(?[\w\[\], ]*\)? =>", body), path.name


def test_the_browser_module_holds_no_javascript() -> None:
    source = (CAPTURE / "browser.py").read_text("utf-8")
    for marker in ("=> {", "document.querySelector", "requestAnimationFrame", "getBounding"):
        assert marker not in source, marker


def test_shared_helpers_live_once_in_the_prelude() -> None:
    prelude = (CAPTURE / "js" / "_prelude.js").read_text("utf-8")
    assert prelude_names() == (
        "selectorPath",
        "pressElement",
        "isInteractive",
        "leavesPage",
        "submitsForm",
        "isShown",
    )
    users = {"expand", "containers", "open_list"}
    for path in (CAPTURE / "js").glob("[!_]*.js"):
        own = path.read_text("utf-8")
        # the selector-path walker is written once (find.js keeps its own: a selector
        # that must resolve to one element, with CSS escapes, from <html> down), and the
        # press of a control too
        if path.stem != "find":
            assert "nth-of-type(" not in own, path.name
        assert "new MouseEvent('mousedown'" not in own, path.name
        # what leaves the page or submits a form is decided in one place
        assert "'submit', 'image', 'reset'" not in own and "a.target !==" not in own, path.name
        loaded = script(path.stem)
        if path.stem in users:
            assert "selectorPath" in own, path.name
            assert loaded.startswith("(arg) => {\n") and prelude in loaded
            assert loaded.rstrip().endswith(")(arg);\n}")
            assert own in loaded  # the script itself, whole
        else:
            assert loaded == own, path.name  # no prelude where none is used
