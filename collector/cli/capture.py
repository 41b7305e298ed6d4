"""Commands that capture: `capture` (investigators) and `demo` (newcomers)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from collector.cli import cli, review
from collector.cli.common import (
    EXIT_NOT_ALL_GOOD,
    build_options,
    capture_line,
    capture_options,
    handle_errors,
    store_option,
)
from collector.cli.monitor import finish_monitor, notify_options, start_monitor
from collector.models import CaptureJob, CaptureOptions, Outcome
from collector.store import EvidenceStore


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--case", help="Case number, e.g. BKPSDM-2024-017.")
@click.option("--operator", help="Who is capturing (recorded in the manifest).")
@click.option("--note", help="Free text recorded with the capture.")
@store_option
@capture_options
@notify_options
@handle_errors
def capture(
    urls: Sequence[str],
    case: str | None,
    operator: str | None,
    note: str | None,
    store: Path,
    browser_path: str | None,
    concurrency: int,
    notify_command: str | None,
    notify_timeout: float,
    **kw: Any,
) -> None:
    """Capture URLS now: screenshot, HTML as received and as rendered, MHTML, text, HAR.

    Each capture is compared with the previous capture of the same URL (see
    `collector changes`); what changed is listed at the end.
    """
    from collector.capture import CaptureRunner
    from collector.targets import normalise_target

    options = build_options(kw)
    jobs = [
        CaptureJob(normalise_target(u), options, case, operator or _default_operator(), note)
        for u in urls
    ]
    monitor = start_monitor(notify_command, notify_timeout)
    runner = CaptureRunner(
        EvidenceStore(store),
        browser_path=browser_path,
        concurrency=concurrency,
        after_filing=[monitor.after_filing],
    )
    try:
        filed = runner.run(jobs, progress=lambda f: click.echo(capture_line(f)))
    finally:
        detected = finish_monitor(monitor)
    if any(f.outcome != Outcome.OK for f in filed) or not detected:
        sys.exit(EXIT_NOT_ALL_GOOD)


def _default_operator() -> str | None:
    return os.environ.get("COLLECTOR_OPERATOR")


@cli.command()
@store_option
@click.option("--browser-path", envvar="COLLECTOR_BROWSER")
@handle_errors
def demo(store: Path, browser_path: str | None) -> None:
    """Capture the bundled demo site (served on localhost), then list and verify."""
    from collector.capture import CaptureRunner
    from collector.demo import DEMO_PATHS, serve_demo

    s = EvidenceStore(store)
    with serve_demo() as base:
        click.echo(f"serving the demo site at {base}/")
        jobs = [
            CaptureJob(base + path, CaptureOptions(), "DEMO-001", "demo", "bundled demo site")
            for path in DEMO_PATHS
        ]
        runner = CaptureRunner(s, browser_path=browser_path)
        runner.run(jobs, progress=lambda f: click.echo(capture_line(f)))
    click.echo("\n$ collector list --case DEMO-001")
    ctx = click.get_current_context()
    ctx.invoke(
        review.list_,
        case="DEMO-001",
        url=None,
        outcome=None,
        since=None,
        until=None,
        as_json=False,
        store=store,
    )
    click.echo("\n$ collector verify")
    ctx.invoke(
        review.verify,
        capture_ids=(),
        as_json=False,
        no_record=False,
        operator="demo",
        store=store,
    )
