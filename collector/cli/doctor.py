"""`doctor`: what collector would use on this machine, and what is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from collector.capture.admission import DEFAULT_MIN_FREE_DISK_MB
from collector.cli import shapes
from collector.cli.common import (
    EXIT_ENVIRONMENT,
    browser_endpoint_option,
    browser_path_option,
    cli,
    handle_errors,
    json_option,
    store_option,
)
from collector.evidence.store import EvidenceStore


@cli.command()
@browser_path_option
@click.option(
    "--min-free-disk",
    type=click.IntRange(0, 10_000_000),
    default=DEFAULT_MIN_FREE_DISK_MB,
    show_default=True,
    envvar="COLLECTOR_MIN_FREE_DISK_MB",
    metavar="MB",
    help="Warn when the store's disk has less free space than this.",
)
@json_option("The checks as JSON: {ok, checks: [{name, value, ok}]}.")
@browser_endpoint_option
@store_option
@handle_errors
def doctor(
    browser_path: str | None,
    as_json: bool,
    store: Path,
    min_free_disk: int = DEFAULT_MIN_FREE_DISK_MB,
    browser_endpoints: tuple[str, ...] = (),
) -> None:
    """Check the browser, fonts, store and free disk space collector would use (exit 3
    when one is missing); with --browser-endpoint, connect to each endpoint, open a page
    and report its version and latency instead of looking for a browser here."""
    from collector.review.doctor import diagnose
    from collector.sites.urls import parse_browser_endpoint

    endpoints = tuple(parse_browser_endpoint(u) for u in browser_endpoints)
    report = diagnose(browser_path, EvidenceStore(store), min_free_disk, endpoints)
    if as_json:
        click.echo(shapes.dumps(shapes.doctor(report)))
    for key, value, ok in () if as_json else report.lines:
        click.echo(f"{'ok ' if ok else 'NO '} {key:<12} {value}")
    if not report.ok:
        sys.exit(EXIT_ENVIRONMENT)
