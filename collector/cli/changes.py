"""`changes` and `diff`: what changed between captures; and the notify options that
`capture` and `run` share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from collector.cli import shapes
from collector.cli.common import (
    cli,
    handle_errors,
    json_option,
    open_index,
    parse_when,
    store_option,
    table_width,
)
from collector.cli.complete import complete_capture, complete_case
from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.monitor.changes import ChangeKind
from collector.text import clean, table
from collector.timeutil import rfc3339, utc_now, wib

F = TypeVar("F", bound=Callable[..., Any])


# one vocabulary: the kinds collector.monitor.changes reports, most important first
CHANGE_KINDS = tuple(kind.value for kind in ChangeKind)


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


def finish_monitor(monitor: Any, *, err: bool = False) -> bool:
    """Wait for notifications, print what changed (to standard error with `err`, when
    standard output carries JSON); False if change detection failed."""
    monitor.close()
    changed = monitor.changed
    if changed:
        click.echo(f"\nchanges since the previous capture ({len(changed)}):", err=err)
        for record in changed:
            row = record.row
            what = clean(row["entry_name"] or row["url"], 70)
            click.echo(f"  {row['capture_id']}  {row['kinds']}  {what}", err=err)
            click.echo(f"      {clean(row['summary'], 300)}", err=err)
    elif monitor.records:
        click.echo(
            f"\nno changes since the previous capture ({len(monitor.records)} compared)", err=err
        )
    notifier = monitor.notifier
    if notifier is not None and (notifier.sent or notifier.failures):
        click.echo(f"notify: {notifier.sent} sent, {len(notifier.failures)} failed", err=True)
    for problem in monitor.problems:
        click.echo(f"error: {clean(problem)}", err=True)
    return not monitor.problems


@cli.command()
@click.option("--since", help="Changes in captures started at or after this date/time (UTC).")
@click.option("--until", help="... started before this date/time (UTC).")
@click.option("--case", help="Only captures of this case.", shell_complete=complete_case)
@click.option("--entry", help="Only this watch-list entry (its name).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(CHANGE_KINDS),
    help="Only changes of this kind (repeatable).",
)
@click.option("--all", "include_unchanged", is_flag=True, help="Also comparisons with no change.")
@json_option("JSON instead of a table.")
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
        click.echo(shapes.dumps([shapes.change(r) for r in rows]))
        return
    if not rows:
        click.echo("no changes match", err=True)
        return
    width = table_width()  # on a terminal the table is fitted, so no cell is capped
    click.echo(
        table(
            ["CAPTURED (WIB)", "CAPTURE", "PREVIOUS", "KINDS", "ENTRY / URL", "SUMMARY"],
            [
                [
                    wib(r["captured_at"]),
                    r["capture_id"],
                    r["previous_id"],
                    r["kinds"] or "-",
                    clean(r["entry_name"] or r["url"], None if width else 50),
                    clean(r["summary"] or "unchanged", None if width else 90),
                ]
                for r in rows
            ],
            width=width,
            keep=(1,),
            drop=(0, 2),  # the capture ids start with their UTC times
        )
    )


@cli.command()
@click.argument("id_a", shell_complete=complete_capture)
@click.argument("id_b", shell_complete=complete_capture)
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
            width=table_width(),
            keep=(0, 1),
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
