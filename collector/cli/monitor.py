"""Commands for monitoring: changes, diff, search, sql, schedule, watch.

Also what every capturing command shares for change detection: `notify_options` and
`start_monitor`/`finish_monitor` around a `CaptureRunner` (see `collector capture`).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from collector.cli import cli
from collector.cli.common import (
    EXIT_NOT_ALL_GOOD,
    handle_errors,
    open_index,
    parse_when,
    store_option,
)
from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.text import clean, table
from collector.timeutil import rfc3339, utc_now, wib

F = TypeVar("F", bound=Callable[..., Any])
CHANGE_KINDS = (
    "disappeared",
    "reappeared",
    "outcome_changed",
    "url_changed",
    "title_changed",
    "text_changed",
    "posts_added",
    "posts_removed",
    "screenshot_changed",
)


# -- shared by the capturing commands ---------------------------------------------------


def notify_options(fn: F) -> F:
    fn = click.option(
        "--notify-timeout",
        type=click.FloatRange(1, 3600),
        default=30.0,
        show_default=True,
        help="Seconds a --notify-command may take before it is killed.",
    )(fn)
    return click.option(
        "--notify-command",
        metavar="CMD",
        help="Run CMD (no shell; split like a shell would) for each page that changed "
        "since its previous capture, with the change as JSON on standard input.",
    )(fn)


def start_monitor(notify_command: str | None, notify_timeout: float) -> Any:
    """A ChangeMonitor for `CaptureRunner(after_filing=[monitor.after_filing])`."""
    from collector.monitor.detect import ChangeMonitor, Notifier

    notifier = None
    if notify_command is not None:
        notifier = Notifier(
            notify_command,
            timeout_s=notify_timeout,
            log=lambda message: click.echo(f"warning: {clean(message)}", err=True),
        )
    return ChangeMonitor(notifier=notifier)


def finish_monitor(monitor: Any) -> bool:
    """Wait for notifications, print what changed; False if change detection failed."""
    monitor.close()
    changed = monitor.changed
    if changed:
        click.echo(f"\nchanges since the previous capture ({len(changed)}):")
        for record in changed:
            row = record.row
            what = clean(row["entry_name"] or row["url"], 70)
            click.echo(f"  {row['capture_id']}  {row['kinds']}  {what}")
            click.echo(f"      {clean(row['summary'], 300)}")
    elif monitor.records:
        click.echo(f"\nno changes since the previous capture ({len(monitor.records)} compared)")
    notifier = monitor.notifier
    if notifier is not None and (notifier.sent or notifier.failures):
        click.echo(f"notify: {notifier.sent} sent, {len(notifier.failures)} failed", err=True)
    for problem in monitor.problems:
        click.echo(f"error: {clean(problem)}", err=True)
    return not monitor.problems


# -- changes ----------------------------------------------------------------------------


@cli.command()
@click.option("--since", help="Changes in captures started at or after this date/time (UTC).")
@click.option("--until", help="... started before this date/time (UTC).")
@click.option("--case", help="Only captures of this case.")
@click.option("--entry", help="Only this watch-list entry (its name).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(CHANGE_KINDS),
    help="Only changes of this kind (repeatable).",
)
@click.option("--all", "include_unchanged", is_flag=True, help="Also comparisons with no change.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@store_option
@handle_errors
def changes(
    since: str | None,
    until: str | None,
    case: str | None,
    entry: str | None,
    kinds: Sequence[str],
    include_unchanged: bool,
    as_json: bool,
    store: Path,
) -> None:
    """List what changed between consecutive captures of the same page."""
    with open_index(store) as index:
        rows = index.changes(
            since=parse_when(since),
            until=parse_when(until),
            case=case,
            entry=entry,
            kinds=kinds,
            include_unchanged=include_unchanged,
        )
    if as_json:
        out = []
        for r in rows:
            item = dict(r)
            item["kinds"] = r["kinds"].split(",") if r["kinds"] else []
            item["changed"] = bool(r["changed"])
            item["details"] = json.loads(r["details"]) if r["details"] else None
            out.append(item)
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no changes match", err=True)
        return
    click.echo(
        table(
            ["CAPTURED (WIB)", "CAPTURE", "PREVIOUS", "KINDS", "ENTRY / URL", "SUMMARY"],
            [
                [
                    wib(r["captured_at"]),
                    r["capture_id"],
                    r["previous_id"],
                    r["kinds"] or "-",
                    clean(r["entry_name"] or r["url"], 50),
                    clean(r["summary"] or "unchanged", 90),
                ]
                for r in rows
            ],
        )
    )


# -- diff -------------------------------------------------------------------------------


@cli.command()
@click.argument("id_a")
@click.argument("id_b")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a side-by-side page with both screenshots to this new file.",
)
@store_option
@handle_errors
def diff(id_a: str, id_b: str, html_path: Path | None, store: Path) -> None:
    """Show how two captures differ: metadata, changes, post links, visible text."""
    from collector.evidence.store import load_manifest
    from collector.monitor.diffview import (
        CaptureSide,
        changes_between,
        chronological,
        field_rows,
        outcome_line,
        post_link_diff,
        render_html,
        text_unified,
    )

    s = EvidenceStore(store)
    with open_index(store) as index:
        rows = [index.resolve(id_a), index.resolve(id_b)]
    sides = []
    for label, row in zip(("A", "B"), rows, strict=True):
        manifest, _ = load_manifest(s.root / row["folder"])
        sides.append(CaptureSide(label, manifest, s.root / row["folder"]))
    a, b = sides
    if html_path is not None and html_path.exists():
        raise UsageError(f"{html_path} already exists; choose another file name")
    click.echo(outcome_line(a))
    click.echo(outcome_line(b))
    click.echo("")
    fields = field_rows(a, b)
    click.echo(
        table(
            ["", "FIELD", "A", "B"],
            [
                ["*" if va != vb and vb != "" else "", k, clean(va, 60), clean(vb, 60)]
                for k, va, vb in fields
            ],
        )
    )
    changeset = changes_between(a, b)
    older, _ = chronological(a, b)
    click.echo(f"\nchanges ({'A -> B' if older is a else 'B -> A'}, older to newer):")
    if changeset.is_empty:
        click.echo("  none")
    for change in changeset.changes:
        click.echo(f"  {change.kind}: {clean(change.summary, 300)}")
    links = post_link_diff(a, b)
    if links is not None and (links[0] or links[1]):
        click.echo("\npost links:")
        for link in links[0]:
            click.echo(click.style(f"  - {clean(link)}  (only in A)", fg="red"))
        for link in links[1]:
            click.echo(click.style(f"  + {clean(link)}  (only in B)", fg="green"))
    unified = text_unified(a, b)
    click.echo("\nvisible text:")
    if unified is None:
        click.echo("  text.txt is missing or fails its hash in one of the captures")
    elif not unified:
        click.echo("  the same (after collapsing whitespace)")
    else:
        for line in unified.splitlines():
            colour = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            if line.startswith(("+++", "---")):
                colour = None
            click.echo(click.style(clean(line), fg=colour) if colour else clean(line))
    if html_path is not None:
        page = render_html(a, b, rfc3339(utc_now()))
        try:
            with html_path.open("x", encoding="utf-8") as fh:
                fh.write(page)
        except OSError as exc:
            raise UsageError(f"cannot write {html_path}: {exc.strerror or exc}") from None
        click.echo(f"\nwrote {html_path} ({len(page.encode('utf-8')):,} bytes)")


# -- search -----------------------------------------------------------------------------


@cli.command()
@click.argument("query")
@click.option("--case", help="Only captures of this case.")
@click.option("--since", help="Captures started at or after this date/time (UTC).")
@click.option("--until", help="Captures started before this date/time (UTC).")
@click.option("--outcome", help="Only captures with this outcome (e.g. ok).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON; matches marked as [[…]].")
@store_option
@handle_errors
def search(
    query: str,
    case: str | None,
    since: str | None,
    until: str | None,
    outcome: str | None,
    limit: int,
    as_json: bool,
    store: Path,
) -> None:
    """Full-text search over captured titles, URLs and visible text (FTS5 syntax).

    \b
    Examples:
      collector search "netral OR pemenangan"
      collector search '"tim pemenangan" NOT hoaks'
      collector search 'netral*' --case BKPSDM-2024-017
      collector search 'title:kampanye'
      collector search '🗳️'
    """
    from collector.records.fts import HIGHLIGHT_END, HIGHLIGHT_START

    with open_index(store) as index:
        rows = index.search(
            query,
            case=case,
            since=parse_when(since),
            until=parse_when(until),
            outcome=outcome,
            limit=limit,
        )
    if as_json:
        for r in rows:
            for key in ("snippet", "title_highlighted"):
                r[key] = r[key].replace(HIGHLIGHT_START, "[[").replace(HIGHLIGHT_END, "]]")
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no captures match", err=True)
        return
    for rank, r in enumerate(rows, 1):
        click.echo(
            f"{rank:>3}. {r['id']}  {wib(r['started_at'])}  {r['outcome']}  "
            f"{clean(r['case_id'] or '-')}  {clean(r['final_url'] or r['requested_url'], 80)}"
        )
        click.echo("     " + _highlight(r["title_highlighted"], 100))
        click.echo("     " + _highlight(r["snippet"], 400))
    click.echo(f"{len(rows)} match(es), best first")


def _highlight(snippet: str, limit: int) -> str:
    from collector.records.fts import HIGHLIGHT_END, HIGHLIGHT_START

    text = clean(" ".join(snippet.split()), limit)
    out, rest = [], text
    while HIGHLIGHT_START in rest:
        before, _, after = rest.partition(HIGHLIGHT_START)
        hit, _, rest = after.partition(HIGHLIGHT_END)
        out.append(before)
        out.append(click.style(hit, bold=True))
    out.append(rest.replace(HIGHLIGHT_END, ""))
    return "".join(out)


# -- sql --------------------------------------------------------------------------------


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="JSON rows instead of a table.")
@store_option
@handle_errors
def sql(query: str, as_json: bool, store: Path) -> None:
    """Run a read-only SQL query on index.db (see docs/monitoring.md for the schema)."""
    from collector.records.index import Index

    path = EvidenceStore(store).index_path
    if not path.exists():
        raise UsageError(f"no evidence store at {store} (no index.db)")
    with Index(path, read_only=True) as index:
        columns, rows = index.read_only_query(query)
    if as_json:
        click.echo(
            json.dumps(
                [dict(zip(columns, row, strict=True)) for row in rows],
                indent=2,
                ensure_ascii=False,
                default=lambda v: v.hex() if isinstance(v, bytes) else str(v),
            )
        )
        return
    click.echo(table(columns, [["NULL" if v is None else v for v in row] for row in rows]))
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)


# -- schedule and watch -----------------------------------------------------------------


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


@cli.command()
@click.argument("list_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("run_args", nargs=-1, type=click.UNPROCESSED)
@click.option("--every", required=True, help="Period: 30m, 6h, 1d, ...")
@click.option("--case", help="Case number passed to each run.")
@click.option("--operator", help="Operator recorded by each run.")
@click.option("--notify-command", metavar="CMD", help="Passed to each run.")
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
    `collector schedule profiles/solo.toml --every 6h -- --only guru`.
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
@click.argument("list_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("run_args", nargs=-1, type=click.UNPROCESSED)
@click.option("--every", required=True, help="Period between run starts: 90s, 30m, 6h, 1d, ...")
@click.option("--case", help="Case number passed to each run.")
@click.option("--operator", help="Operator recorded by each run.")
@click.option("--notify-command", metavar="CMD", help="Passed to each run.")
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
    watch ends (exit 0). With --runs N it ends after N runs: exit 1 if any failed.
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
        sys.exit(EXIT_NOT_ALL_GOOD)
