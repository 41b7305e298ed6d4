"""collector's own page scripts: the `.js` files in collector/capture/js, loaded by name.

Each file holds one JavaScript function expression (`(arg) => ...` or `async (arg) => ...`)
that the browser module calls in its isolated world with one JSON argument. Keeping them as
real files (packaged as package data) lets them be read, linted and reviewed as JavaScript;
this module only reads them, it never runs anything.

Helpers several scripts share live once, in `js/_prelude.js` (declarations, not a
script): `script` puts the prelude in front of a script that names one of its helpers,
inside a wrapper that is again one function expression of one argument.
"""

from __future__ import annotations

import functools
import re
from importlib.resources import files

PRELUDE = "_prelude"


def _read(name: str) -> str:
    return files("collector.capture").joinpath("js", f"{name}.js").read_text("utf-8")


@functools.cache
def prelude_names() -> tuple[str, ...]:
    """The helpers `js/_prelude.js` declares."""
    return tuple(re.findall(r"^const (\w+) =", _read(PRELUDE), re.MULTILINE))


@functools.cache
def script(name: str) -> str:
    """The source of `js/<name>.js` (read once per process), with the prelude when it
    uses one of its helpers."""
    source = _read(name)
    if not any(re.search(rf"\b{n}\b", source) for n in prelude_names()):
        return source
    # the newline ends a `//` comment on the script's last line
    return f"(arg) => {{\n{_read(PRELUDE)}\nreturn (\n{source}\n)(arg);\n}}"
