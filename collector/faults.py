"""Test-only fault injection: named points where a test makes collector die or fail.

Tests set the environment variable `COLLECTOR_TEST_FAULT` to `POINT[:ACTION][,…]`, e.g.
`COLLECTOR_TEST_FAULT=custody.after-jsonl-sync:kill`. Nothing else reads it: no option,
config file or default sets it, so an ordinary run never passes through a fault. Actions:

    kill     SIGKILL this process at once (a power cut, `kill -9`, the OOM killer)
    enospc   raise OSError(ENOSPC) as a full disk would
    erofs    raise OSError(EROFS) as a read-only file system would

Points (see where `fault(...)` is called):

    custody.after-jsonl-sync   custody.jsonl written and synced, index.db not committed
    filing.after-journal       a capture's filing journal written, before the rename
    filing.after-rename        the capture folder renamed into captures/, not yet indexed
    store.write                every file write of a capture (enospc)
    store.write/NAME           the write of one file, e.g. store.write/*.warc.gz (a POINT
                               may hold shell wildcards: the WARC is named after its capture)
    store.probe                the check whether the store can be written (erofs)

In-process tests may instead monkeypatch the seam they need; this hook exists for tests
that must kill a real collector process at an exact point.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import signal

ENV = "COLLECTOR_TEST_FAULT"


_hits: dict[str, int] = {}


def fault(point: str) -> None:
    """Do what the test asked for at `point` (nothing, unless a test set ENV). An action
    may say from which passage on it applies: `store.write:enospc@3` lets two writes
    through and fails the third and every later one."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    for item in spec.split(","):
        name, _, action = item.strip().partition(":")
        if not fnmatch.fnmatchcase(point, name):
            continue
        action, _, first = action.partition("@")
        _hits[point] = _hits.get(point, 0) + 1
        if first and _hits[point] < int(first):
            continue
        if action in ("", "kill"):
            os.kill(os.getpid(), signal.SIGKILL)
        elif action in ("enospc", "erofs"):
            code = errno.ENOSPC if action == "enospc" else errno.EROFS
            raise OSError(code, os.strerror(code))
