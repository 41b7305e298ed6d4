"""Where a package is written before it is linked into place: `.NAME.part` beside it.

An export that was killed leaves its `.part` behind; the next export to the same name
takes it over (truncated: it was never evidence) instead of failing on it. An flock on
the file, held while writing, keeps two exports to the same name from sharing it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from collector.errors import UsageError


def claim_part(out: Path) -> tuple[Path, int]:
    """The `.part` file for `out`, empty and locked; close the fd when done with it."""
    tmp = out.with_name(f".{out.name}.part")
    try:
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {tmp}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UsageError(
            f"another export is writing {out} right now ({tmp.name} is in use)"
        ) from None
    os.ftruncate(fd, 0)
    return tmp, fd
