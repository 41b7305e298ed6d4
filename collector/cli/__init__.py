"""The command line: parse options, call one library function, print.

One module per command group, named after the commands it holds, registers them on `cli`:
  capture.py    capture, demo
  run.py        run, runs, profiles import|check, session check
  schedule.py   schedule, watch
  query.py      list, show, search, sql
  changes.py    changes, diff
  verify.py     verify, reindex
  custody.py    note, handover, custody, retire
  export.py     export, verify-package, report
  timestamp.py  timestamp
  doctor.py     doctor
common.py holds what they share: error handling and exit codes, the common options.
Exit codes: 0 success; 1 done, but not everything was good (a capture that is not `ok`,
a verification that failed); 2 the request was wrong (bad URL, unknown id, bad option);
3 collector cannot work here (no browser, store not writable, index unusable).
"""

from __future__ import annotations

import click

from collector import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="collector")
def cli() -> None:
    """Preserve public web pages as hashed, indexed, verifiable evidence."""
    from collector.errors import StoreError
    from collector.evidence.store import private_umask

    # everything collector creates (store, index, packages, reports) is readable by its
    # owner only, or also the group COLLECTOR_STORE_GROUP names
    try:
        private_umask()
    except StoreError as exc:
        raise click.UsageError(str(exc)) from None


def main() -> None:
    cli(prog_name="collector")


# Registering the commands: imported last, they decorate `cli` above.
from collector.cli import (  # noqa: E402, F401
    capture,
    changes,
    custody,
    doctor,
    export,
    query,
    run,
    schedule,
    timestamp,
    verify,
)
