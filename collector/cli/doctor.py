"""`doctor`: what collector would use on this machine, and what is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from collector.cli.common import (
    EXIT_ENVIRONMENT,
    browser_path_option,
    cli,
    handle_errors,
    store_option,
)
from collector.evidence.store import EvidenceStore


@cli.command()
@browser_path_option
@store_option
@handle_errors
def doctor(browser_path: str | None, store: Path) -> None:
    """Check the browser, fonts and store collector would use."""
    from collector.review.doctor import diagnose

    report = diagnose(browser_path, EvidenceStore(store))
    for key, value, ok in report.lines:
        click.echo(f"{'ok ' if ok else 'NO '} {key:<12} {value}")
    if not report.ok:
        sys.exit(EXIT_ENVIRONMENT)
