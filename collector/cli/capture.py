"""Commands that capture: `capture` (investigators) and `demo` (newcomers)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from collector import exits
from collector.cli import shapes
from collector.cli.changes import finish_monitor, notify_options, start_monitor
from collector.cli.common import (
    EXIT_FAILED,
    browser_path_option,
    build_options,
    capture_line,
    capture_options,
    case_option,
    cli,
    handle_errors,
    json_option,
    operator_option,
    store_option,
    tsa_settings,
)
from collector.cli.findings import find_options
from collector.cli.query import list_
from collector.cli.verify import verify
from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.models import CaptureJob, Outcome


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@case_option
@operator_option("in each manifest", default=None)
@click.option("--note", help="Free text recorded with the capture.")
@click.option(
    "--platform",
    help="Whose page markers classify the page (default: from each URL's host).",
)
@click.option(
    "--allow-bare-host",
    is_flag=True,
    help="Accept a host without a dot (an intranet name such as http://arsip/); "
    "otherwise refused as a likely typo.",
)
@find_options
@json_option(
    "The filed captures (the keys of `list --json`) and the changes found, as one JSON "
    "object; progress goes to standard error."
)
@store_option
@capture_options
@notify_options
@handle_errors
def capture(
    urls: Sequence[str],
    case: str | None,
    operator: str | None,
    note: str | None,
    platform: str | None,
    allow_bare_host: bool,
    find: Sequence[str],
    subjects_file: str | None,
    expect_find: bool,
    as_json: bool,
    store: Path,
    browser_path: str | None,
    concurrency: int,
    min_free_memory: int,
    notify_command: str | None,
    notify_timeout: float,
    min_free_disk: int = 0,
    **kw: Any,
) -> None:
    """Capture URLS now: screenshot, HTML as received and as rendered, MHTML, text, HAR,
    and a WARC of it all; with --tsa, an RFC 3161 timestamp over each manifest.

    Each page is classified (login wall, not found, rate limited, captcha, private,
    consent wall, empty, ...). Exit status 0 when every capture is `ok`, 4 when every page
    was captured but not all are `ok` (not_ok), 1 when a capture could not be made
    (timeout, network_error, browser_error). Each capture is compared with the previous
    capture of the same URL (see `collector changes`); what changed is listed at the end.
    With --find/--subjects, the people found are listed too (`collector findings`).
    """
    from collector.capture.runner import CaptureRunner
    from collector.cli.findings import echo_findings, job_subjects, load_subject_list
    from collector.sites.platforms import PlatformError, detect_platform, resolve_platform
    from collector.sites.urls import normalise_target

    tsa = tsa_settings(kw)
    options = build_options(kw)
    try:
        platform = resolve_platform(platform) if platform else None
    except PlatformError as exc:
        raise UsageError(str(exc)) from None
    subject_list = load_subject_list(subjects_file)
    jobs = []
    for u in urls:
        target = normalise_target(u, allow_bare_host=allow_bare_host)
        subjects = job_subjects(find, platform or detect_platform(target), subject_list)
        jobs.append(
            CaptureJob(
                target,
                options,
                case,
                operator,
                note,
                platform=platform,
                find=tuple(n for s in subjects for n in s.needles),
                subjects=subjects,
                expect_find=expect_find,
            )
        )
    if expect_find and not (find or subject_list):
        raise UsageError("--expect-find needs --find or --subjects: whom to expect")
    monitor = start_monitor(notify_command, notify_timeout)
    runner = CaptureRunner(
        EvidenceStore(store),
        browser_path=browser_path,
        concurrency=concurrency,
        min_available_mb=min_free_memory,
        tsa=tsa,
        after_filing=[monitor.after_filing],
        min_free_disk_mb=min_free_disk,
    )
    try:
        filed = runner.run(jobs, progress=lambda f: click.echo(capture_line(f), err=as_json))
    finally:
        detected = finish_monitor(monitor, err=as_json)
    status = exits.captures_status([f.outcome for f in filed])
    if not detected:
        status = EXIT_FAILED
    if (find or subject_list) and not as_json:
        echo_findings(filed)
    if as_json:
        click.echo(
            shapes.dumps(
                {
                    "exit_status": status,
                    "captures": [shapes.filed_capture(f) for f in filed],
                    "changes": [shapes.change(r.row) for r in monitor.changed],
                }
            )
        )
    if status:
        sys.exit(status)


DEMO_LIST_SHOWN = "profiles/demo.toml"


@cli.command()
@store_option
@browser_path_option
@click.option(
    "--serve",
    is_flag=True,
    help="Only serve the demo site at http://127.0.0.1:8765 until Ctrl-C, for trying "
    "`collector run profiles/demo.toml` by hand.",
)
@handle_errors
def demo(store: Path, browser_path: str | None, serve: bool) -> None:
    """Run the demo watch list (profiles/demo.toml) against the bundled demo site,
    served on localhost, through `collector run`; then list and verify."""
    from collector.cli.run import execute_run
    from collector.demo import DEMO_ORIGIN, DEMO_PORT, demo_watchlist, serve_demo, serve_demo_site
    from collector.lists.settings import RunSettings

    if serve:
        try:
            with serve_demo(DEMO_PORT) as base:
                click.echo(f"serving the demo site at {base}/ (Ctrl-C to stop)")
                click.echo("try: collector run profiles/demo.toml --case DEMO-001 --host-delay 0")
                threading.Event().wait()
        except OSError as exc:
            raise UsageError(f"cannot serve on port {DEMO_PORT}: {exc.strerror or exc}") from None
        except KeyboardInterrupt:
            return
    s = EvidenceStore(store)
    with serve_demo_site() as base:
        click.echo(f"serving the demo site at {base}/")
        watchlist = demo_watchlist(base)
        if base != DEMO_ORIGIN:
            click.echo(f"(port {DEMO_PORT} is taken: the demo list's URLs were moved to {base})")
        click.echo(f"\n$ collector run {DEMO_LIST_SHOWN} --case DEMO-001 --host-delay 0")
        settings = RunSettings(
            case="DEMO-001",
            operator="demo",
            browser_path=browser_path,
            host_delay_s=0,  # our own localhost server: no politeness needed
        )
        monitor = start_monitor(None, 30.0)
        result = execute_run(s, watchlist, settings, monitor=monitor)
    unexpected = [
        e
        for e in result.entries
        if e.label != (Outcome.NOT_FOUND if "dihapus" in e.entry.tags else Outcome.OK)
    ]
    click.echo(
        "\ndemo: the deleted post came out not_found (never an `ok` capture of a post), "
        "the other entries ok"
        if not unexpected
        else f"\ndemo: {len(unexpected)} entries did not come out as expected"
    )
    click.echo("\n$ collector list --case DEMO-001")
    ctx = click.get_current_context()
    ctx.invoke(
        list_,
        case="DEMO-001",
        url=None,
        outcome=None,
        since=None,
        until=None,
        as_json=False,
        as_csv=False,
        store=store,
    )
    click.echo("\n$ collector verify")
    ctx.invoke(
        verify,
        capture_ids=(),
        as_json=False,
        no_record=False,
        operator="demo",
        store=store,
    )
    click.echo(
        f"\nto look through it in a browser, open the review desk on this store:\n"
        f"  collector serve --store {store}    # then http://127.0.0.1:8700/"
    )
    if unexpected or result.status != "finished" or monitor.problems:
        sys.exit(EXIT_FAILED)
