"""The command line: parse options, call one library function, print.

One module per area registers its commands on the `cli` group:
  capture.py   capture, demo
  review.py    list, show, verify, reindex, doctor
  custody.py   note, handover, custody, retire
  package.py   export, verify-package, report
  archive.py   timestamp (and export --format wacz)
  watch.py     run, runs, profiles import|check, session check
  monitor.py   changes, diff, search, sql, schedule, watch
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


def main() -> None:
    cli(prog_name="collector")


# Registering the commands: imported last, they decorate `cli` above.
from collector.cli import capture, custody, export, monitor, review, run, timestamp  # noqa: E402, F401
