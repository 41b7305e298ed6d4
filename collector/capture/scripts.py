"""collector's own page scripts: the `.js` files in collector/capture/js, loaded by name.

Each file holds one JavaScript function expression (`(arg) => ...` or `async (arg) => ...`)
that the browser module calls in its isolated world with one JSON argument. Keeping them as
real files (packaged as package data) lets them be read, linted and reviewed as JavaScript;
this module only reads them, it never runs anything.
"""

from __future__ import annotations

import functools
from importlib.resources import files


@functools.cache
def script(name: str) -> str:
    """The source of `js/<name>.js` (read once per process)."""
    return files("collector.capture").joinpath("js", f"{name}.js").read_text("utf-8")
