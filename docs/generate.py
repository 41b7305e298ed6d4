"""Regenerate the generated parts of docs/ from the code, or check that they are current.

    python docs/generate.py           rewrite them
    python docs/generate.py --check   exit 1 and name the stale files (tests run this)

Generated parts sit between `<!-- generated: NAME -->` and `<!-- end generated -->` lines;
everything else in a file is written by hand and left alone.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "collector"


def _summary(path: Path) -> str:
    """The first sentence-line of a module's docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text("utf-8"))) or ""
    first = doc.strip().split("\n\n", 1)[0]
    return " ".join(first.split())


def modules_table() -> str:
    """One row per module of the package, grouped by sub-package, from the docstrings."""
    rows = ["| module | what it owns |", "|---|---|"]
    for path in sorted(PACKAGE.rglob("*.py"), key=lambda p: (p.parent != PACKAGE, str(p))):
        rel = path.relative_to(ROOT).as_posix()
        if "/demo/site/" in rel:
            continue
        summary = _summary(path).replace("|", "\\|")
        rows.append(f"| `{rel}` | {summary} |")
    return "\n".join(rows)


SECTIONS: dict[str, Callable[[], str]] = {"modules": modules_table}
FILES = [ROOT / "docs" / "architecture.md"]
_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def render(text: str) -> str:
    return _BLOCK.sub(lambda m: m[1] + SECTIONS[m[2]]() + "\n" + m[4], text)


def main(argv: list[str]) -> int:
    stale = []
    for path in FILES:
        old = path.read_text("utf-8")
        new = render(old)
        if new != old:
            stale.append(path)
            if "--check" not in argv:
                path.write_text(new, "utf-8")
    if "--check" in argv and stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"stale: {names} (run: python docs/generate.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
