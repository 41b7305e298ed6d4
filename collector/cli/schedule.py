"""`schedule` and `watch`: running a watch list on a timetable."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from collector.cli.common import (
    EXIT_FAILED,
    cli,
    handle_errors,
    operator_option,
    store_option,
)
from collector.cli.complete import complete_case, complete_watchlist
from collector.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def _check_list(list_path: Path) -> None:
    from collector.lists.format import WatchListError, load_watchlist

    try:
        load_watchlist(list_path)
    except WatchListError as exc:
        raise UsageError(f"{list_path} is not a valid watch list:\n" + str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot read {list_path}: {exc.strerror or exc}") from None


def _every(value: str, *, allow_seconds: bool) -> Any:
    from collector.lists.schedule import ScheduleError, parse_every

    try:
        return parse_every(value, allow_seconds=allow_seconds)
    except ScheduleError as exc:
        raise UsageError(f"--every: {exc}") from None


def run_options(every_help: str) -> Callable[[F], F]:
    """What `schedule` and `watch` pass on to each `collector run`: the list, the arguments
    after `--`, the period, case, operator and notify command."""
    decorators = [
        click.argument(
            "list_path",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            shell_complete=complete_watchlist,
        ),
        click.argument("run_args", nargs=-1, type=click.UNPROCESSED),
        click.option("--every", required=True, help=every_help),
        click.option(
            "--case", help="Case number passed to each run.", shell_complete=complete_case
        ),
        operator_option("by each run", default=None),
        click.option("--notify-command", metavar="CMD", help="Passed to each run."),
    ]

    def decorate(fn: F) -> F:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return decorate


@cli.command()
@run_options("Period: 30m, 6h, 1d, ...")
@click.option("--name", help="Name of the lock, log and units (default: the list's file name).")
@click.option("--install", is_flag=True, help="Install the schedule after showing it.")
@click.option(
    "--scheduler",
    type=click.Choice(["auto", "cron", "systemd"]),
    default="auto",
    show_default=True,
    help="What --install writes: auto = cron when `crontab` exists, else systemd units.",
)
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where --install writes systemd units (default: /etc/systemd/system as root, "
    "else ~/.config/systemd/user).",
)
@click.option("--yes", is_flag=True, help="Install without asking.")
@store_option
@handle_errors
def schedule(
    list_path: Path,
    run_args: Sequence[str],
    every: str,
    case: str | None,
    operator: str | None,
    notify_command: str | None,
    name: str | None,
    install: bool,
    scheduler: str,
    unit_dir: Path | None,
    yes: bool,
    store: Path,
) -> None:
    """Print (or --install) cron and systemd lines that run LIST every period.

    Arguments after `--` are passed on to `collector run`, e.g.
    `collector schedule profiles/solo.toml --every 6h -- --only guru`. Only a failed run
    alerts: the systemd unit counts exit 4 (not_ok) and 75 (skipped, the previous run
    still running) as success; the cron line mails one line only on failure.
    """
    import shutil

    from collector.lists.install import install_cron, install_systemd, plan_schedule

    _check_list(list_path)
    plan = plan_schedule(
        list_path,
        store,
        _every(every, allow_seconds=False),
        name=name,
        case=case,
        operator=operator,
        notify_command=notify_command,
        extra=run_args,
        unit_dir=unit_dir,
    )
    click.echo(f"# collector schedule for {list_path.resolve()}")
    click.echo(f"# lock: {plan.lock_path}   log: {plan.log_path}")
    click.echo("\n# --- cron: add with `crontab -e` (or use --install) ---")
    if plan.cron is not None:
        click.echo(plan.cron, nl=False)
    else:
        click.echo(f"# not possible: {plan.cron_problem}")
    for file_name, text in plan.units.items():
        click.echo(f"\n# --- systemd: {plan.unit_dir / file_name} ---")
        click.echo(text, nl=False)
    click.echo("\n# --- then enable the timer ---")
    for command in plan.enable_commands():
        click.echo(" ".join(command))
    if not install:
        return
    kind = scheduler
    if kind == "auto":
        kind = "cron" if shutil.which("crontab") and plan.cron is not None else "systemd"
    if kind == "cron" and plan.cron is None:
        raise UsageError(f"cannot install for cron: {plan.cron_problem}")
    target = "the crontab" if kind == "cron" else f"systemd units in {plan.unit_dir}"
    click.echo("")
    try:
        confirmed = yes or click.confirm(f"Install the {kind} schedule above into {target}?")
    except click.Abort:  # no answer (end of input)
        confirmed = False
    if not confirmed:
        raise UsageError("not installed (no confirmation); pass --yes to install without asking")
    if kind == "cron":
        click.echo(install_cron(plan))
    else:
        for message in install_systemd(plan):
            click.echo(message)


@cli.command()
@run_options("Period between run starts: 90s, 30m, 6h, 1d, ...")
@click.option("--name", help="Name of the lock (default: the list's file name).")
@click.option("--runs", "max_runs", type=click.IntRange(1), help="Stop after this many runs.")
@store_option
@handle_errors
def watch(
    list_path: Path,
    run_args: Sequence[str],
    every: str,
    case: str | None,
    operator: str | None,
    notify_command: str | None,
    name: str | None,
    max_runs: int | None,
    store: Path,
) -> None:
    """Run LIST every period in the foreground, until SIGTERM or Ctrl-C.

    Each run is `collector run LIST ...` in a child process (arguments after `--` are
    passed on to it). A failed run is logged and the next one starts on time. SIGTERM
    or Ctrl-C is passed on to a running run, which stops between captures; then the
    watch ends (exit 0). With --runs N it ends after N runs: exit 1 if any failed (a run
    that exits 0 or 4, findings, did not fail).
    """
    from collector.lists.install import lock_path, run_argv, schedule_name
    from collector.lists.watch import RunProcess, watch_loop

    _check_list(list_path)
    period = _every(every, allow_seconds=True)
    argv = run_argv(
        list_path,
        store,
        case=case,
        operator=operator,
        notify_command=notify_command,
        extra=run_args,
    )
    stop = threading.Event()

    def log(message: str) -> None:
        click.echo(message)
        sys.stdout.flush()

    lock = lock_path(store, name or schedule_name(list_path))
    run = RunProcess(argv, lock, stop, log=log)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        run.interrupt()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        log(f"watching {list_path.resolve()} every {every}; each run: {' '.join(argv)}")
        report = watch_loop(run, period, stop, log=log, max_runs=max_runs)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not report.stopped and report.failed:
        click.echo(f"{report.failed} of {report.runs} run(s) failed", err=True)
        sys.exit(EXIT_FAILED)
