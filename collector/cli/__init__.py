"""The command line: parse options, call one library function, print.

One module per command group, named after the commands it holds, registers them on `cli`:
  capture.py    capture, demo
  run.py        run, runs, profiles import|check, session check
  schedule.py   schedule, watch
  query.py      list, show, search, sql
  changes.py    changes, diff
  findings.py   findings (and the --find/--subjects options)
  verify.py     verify, reindex
  custody.py    note, handover, custody, retire
  export.py     export, verify-package, report
  timestamp.py  timestamp
  doctor.py     doctor
  serve.py      serve (the review desk, collector.desk)
  users.py      users add|list|remove|passwd|role
common.py holds what they share: the `cli` group, error handling and exit codes, the
common options. Command modules import only light modules at the top; the libraries a
command needs (Playwright, sqlite_utils, ...) are imported when it runs, so
`collector --help` stays fast (bench/cli_startup.py; tests/cli/test_startup.py).
Exit codes: 0 success; 1 done, but not everything was good (a capture that is not `ok`,
a verification that failed); 2 the request was wrong (bad URL, unknown id, bad option);
3 collector cannot work here (no browser, store not writable, index unusable).
"""

from __future__ import annotations

# Importing the command modules registers their commands on `cli`.
from collector.cli import (  # noqa: F401
    capture,
    changes,
    custody,
    doctor,
    export,
    findings,
    query,
    run,
    schedule,
    serve,
    timestamp,
    users,
    verify,
)
from collector.cli.common import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="collector")
