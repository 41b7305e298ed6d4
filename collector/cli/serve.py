"""`serve`: the review desk (collector.desk) on one store."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click

from collector.cli.common import (
    browser_path_option,
    cli,
    handle_errors,
    store_option,
    tsa_options,
    tsa_settings,
)
from collector.errors import UsageError
from collector.lists.settings import DEFAULT_HOST_DELAY_S
from collector.text import clean


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8700,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--behind-https",
    is_flag=True,
    help="The desk is reached through an https proxy: send cookies over https only.",
)
@browser_path_option
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(2, 600),
    default=30.0,
    show_default=True,
    help="Seconds for the whole capture of one reported page.",
)
@click.option(
    "--host-delay",
    type=click.FloatRange(0, 3600),
    default=DEFAULT_HOST_DELAY_S,
    show_default=True,
    help="Seconds between two intake captures of the same host (politeness).",
)
@click.option(
    "--recent-minutes",
    type=click.IntRange(0, 100_000),
    default=60,
    show_default=True,
    help="A reported URL captured this recently is pointed out before capturing it again.",
)
@store_option
@tsa_options
@handle_errors
def serve(
    host: str,
    port: int,
    behind_https: bool,
    browser_path: str | None,
    timeout_s: float,
    host_delay: float,
    recent_minutes: int,
    store: Path,
    **kw: Any,
) -> None:
    """Serve the review desk: browse, search and compare captures, add notes, hand cases
    over, export, and take citizens' reports (intake), in a web browser.

    On 127.0.0.1 with no users, the local operator works without signing in. On any
    other address the desk refuses to start until an admin exists
    (`collector users add NAME --role admin`); then everyone signs in. See docs/desk.md.
    """
    from collector.desk.app import DeskSettings, running_desk
    from collector.desk.intake import IntakeSettings
    from collector.models import CaptureOptions

    settings = DeskSettings(
        intake=IntakeSettings(
            browser_path=browser_path,
            options=CaptureOptions(timeout_s=timeout_s),
            host_delay_s=host_delay,
            tsa=tsa_settings(kw),
        ),
        recent_minutes=recent_minutes,
        secure_cookies=behind_https,
    )

    def log(message: str) -> None:
        click.echo(clean(message), err=True)

    from collector.evidence.store import EvidenceStore

    if not EvidenceStore(store).index_path.exists():
        click.echo(f"note: no evidence store at {store} yet: starting an empty one", err=True)
    try:
        with running_desk(store, host, port, settings, log) as server:
            click.echo(f"collector review desk on {store}: {server.url}  (Ctrl-C to stop)")
            threading.Event().wait()
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
