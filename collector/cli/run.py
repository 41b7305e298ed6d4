"""Watch lists: `run`, `runs`, `profiles import|check`, `session check`."""

from __future__ import annotations

import functools
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from collector import exits
from collector.cli import shapes
from collector.cli.changes import notify_options, start_monitor
from collector.cli.common import (
    EXIT_FAILED,
    UsageFailure,
    browser_path_option,
    build_options,
    capture_options,
    case_option,
    cli,
    handle_errors,
    json_option,
    open_index,
    operator_option,
    store_option,
    table_width,
    tsa_settings,
)
from collector.cli.complete import complete_run, complete_watchlist
from collector.cli.findings import find_options
from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.lists.settings import (
    DEFAULT_BACKOFF_S,
    DEFAULT_BREAKER,
    DEFAULT_HOST_DELAY_S,
    DEFAULT_MAX_RETRY_AFTER_S,
    DEFAULT_RETRIES,
    RunSettings,
)
from collector.models import FiledCapture, Outcome
from collector.text import clean, table
from collector.timeutil import wib

if TYPE_CHECKING:  # the run's machinery loads when a command runs, not for --help
    from collector.lists.run import RunEvent, RunResult

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERRUPTED = exits.INTERRUPTED  # Ctrl-C
EXIT_TERMINATED = exits.TERMINATED  # SIGTERM
STOP_GRACE_S = 5.0  # after Ctrl-C/SIGTERM, captures in flight get this long to finish


def watchlist_errors(consequence: str) -> Callable[[F], F]:
    """A bad watch list is a usage error (exit 2) listing every problem."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from collector.lists.format import WatchListError

            try:
                return fn(*args, **kwargs)
            except WatchListError as exc:
                n = len(exc.errors)
                lines = [clean(e) for e in exc.errors]
                lines.append(f"{n} problem{'s' if n != 1 else ''}; {consequence}")
                raise UsageFailure("\n".join(lines)) from exc

        return wrapper  # type: ignore[return-value]

    return decorate


# -- collector run ------------------------------------------------------------------------


@cli.command()
@click.argument(
    "watchlist_file",
    required=False,
    type=click.Path(dir_okay=False),
    shell_complete=complete_watchlist,
)
@click.option(
    "--resume",
    "resume_id",
    metavar="RUN_ID",
    help="Capture what RUN_ID left missing.",
    shell_complete=complete_run,
)
@case_option
@operator_option("in each manifest", default=None)
@click.option(
    "--only",
    "--only-tags",
    "only_tags",
    multiple=True,
    metavar="TAG",
    help="Only entries with this tag (repeatable).",
)
@click.option(
    "--host-delay",
    type=click.FloatRange(0, 3600),
    default=DEFAULT_HOST_DELAY_S,
    show_default=True,
    help="Seconds between captures of one host (plus up to 50% jitter); 0: no limit.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=DEFAULT_RETRIES,
    show_default=True,
    help="Retries of a timeout, network error, HTTP 429 or 5xx.",
)
@click.option(
    "--backoff",
    type=click.FloatRange(0, 3600),
    default=DEFAULT_BACKOFF_S,
    show_default=True,
    help="First retry's wait in seconds; doubled for each further retry.",
)
@click.option(
    "--max-retry-after",
    type=click.FloatRange(0, 86400),
    default=DEFAULT_MAX_RETRY_AFTER_S,
    show_default=True,
    help="Cap, in seconds, on a server's Retry-After.",
)
@click.option(
    "--breaker",
    type=click.IntRange(0, 1000),
    default=DEFAULT_BREAKER,
    show_default=True,
    help="Stop a platform after this many consecutive rate_limited/login_wall; 0: never.",
)
@find_options
@json_option(
    "The run as `runs RUN_ID --json` shows it, with the changes found, as one JSON object; "
    "progress and the summary go to standard error."
)
@store_option
@capture_options
@notify_options
@handle_errors
@watchlist_errors("nothing was captured")
def run(
    watchlist_file: str | None,
    resume_id: str | None,
    case: str | None,
    operator: str | None,
    only_tags: Sequence[str],
    find: Sequence[str],
    subjects_file: str | None,
    expect_find: bool,
    host_delay: float,
    retries: int,
    backoff: float,
    max_retry_after: float,
    breaker: int,
    as_json: bool,
    store: Path,
    browser_path: str | None,
    concurrency: int,
    min_free_memory: int,
    notify_command: str | None,
    notify_timeout: float,
    min_free_disk: int = 0,
    browser_endpoints: tuple[str, ...] = (),
    per_endpoint: int | None = None,
    **kw: Any,
) -> None:
    """Capture every entry of a watch list (TOML), politely, recorded as one run; each
    capture is compared with the entry's previous one (`collector changes`).

    With --subjects FILE (and --find), every person in it is looked for in every
    capture; the people found are listed at the end (`collector findings`).

    Ctrl-C or SIGTERM (`systemctl stop`) stops the run: nothing new starts, captures in
    flight get a few seconds to finish (a second signal gives them up at once), the run
    is marked `interrupted`.

    Exit status: 0 when every entry is `ok`; 4 when every entry was captured but not all
    are `ok` (findings: not_found, login_wall, ...); 1 when a capture could not be made
    (timeout, network_error, browser_error), entries were left uncaptured (circuit
    breaker) or change detection failed; 130 when interrupted by Ctrl-C, 143 by SIGTERM
    (resume with --resume RUN_ID); 2 for a bad list or option.
    """
    from collector.cli.findings import check_find_values, load_subject_list
    from collector.lists.format import load_watchlist
    from collector.lists.run import resume_settings, run_to_resume

    s = EvidenceStore(store)
    tsa = tsa_settings(kw)
    options = build_options(kw)
    storage_state, proxy = options.storage_state, options.proxy
    settings = RunSettings(
        case=case,
        operator=operator,
        only_tags=tuple(only_tags),
        options=options,
        storage_state=storage_state,
        proxy=proxy,
        browser_path=browser_path,
        concurrency=concurrency,
        min_available_mb=min_free_memory,
        min_free_disk_mb=min_free_disk,
        host_delay_s=host_delay,
        retries=retries,
        backoff_s=backoff,
        max_retry_after_s=max_retry_after,
        breaker=breaker,
        tsa=tsa,
        find=check_find_values(find),
        expect_find=expect_find,
        browser_endpoints=tuple(browser_endpoints),
        per_endpoint=per_endpoint,
    )
    subject_list = load_subject_list(subjects_file)
    if subject_list is not None:
        settings = replace(
            settings, subjects=subject_list.subjects, subjects_file=subject_list.record()
        )
    if resume_id:
        if case or only_tags:
            raise UsageError("--resume keeps the run's case and --only tags")
        row = run_to_resume(s, resume_id)
        if watchlist_file and Path(watchlist_file) != Path(row["list_file"]):
            raise UsageError(
                f"run {row['id']} was of {row['list_file']}, not {watchlist_file}; "
                "give --resume RUN_ID alone"
            )
        watchlist_file = row["list_file"]
        settings = resume_settings(row, settings)
    elif not watchlist_file:
        raise UsageError("give a watch list (e.g. profiles/solo.toml) or --resume RUN_ID")
    assert watchlist_file is not None
    watchlist = load_watchlist(watchlist_file)
    monitor = start_monitor(notify_command, notify_timeout)
    result = execute_run(s, watchlist, settings, resume=resume_id, monitor=monitor, err=as_json)
    status = run_exit_code(result)
    if monitor.problems:
        status = EXIT_FAILED  # change detection failed: say so by the exit status
    if as_json:
        with open_index(store) as index:
            row = index.resolve_run(result.run_id)
            shaped = shapes.run(row, index.run_entries(row["id"]), index.run_attempts(row["id"]))
        shaped["changes"] = [shapes.change(r.row) for r in monitor.changed]
        shaped["exit_status"] = status
        click.echo(shapes.dumps(shaped))
    sys.exit(status)


def run_exit_code(result: RunResult, signals: Sequence[int] = ()) -> int:
    """Interrupted (by Ctrl-C or SIGTERM); failed (a capture that could not be made,
    entries left uncaptured); findings (pages not all `ok`, the entries' lists included);
    or ok (exits.py)."""
    if result.status == "interrupted":
        return EXIT_TERMINATED if signal.SIGTERM in signals else EXIT_INTERRUPTED
    if result.missing():
        return EXIT_FAILED
    # the profiles' lists (`lists = [...]`) count too: a list not captured is no success
    lists = [attempt.outcome.value for e in result.entries for _, attempt in e.lists]
    return exits.captures_status([e.label for e in result.entries] + lists)


def execute_run(
    store: EvidenceStore,
    watchlist: Any,
    settings: RunSettings,
    *,
    resume: str | None = None,
    monitor: Any = None,
    err: bool = False,
) -> RunResult:
    """Run with progress output and Ctrl-C handling; print the summary, then the changes
    the monitor found (when given); return the result. With `err` everything goes to
    standard error (standard output then carries JSON)."""
    from collector.cli.changes import finish_monitor
    from collector.lists.run import make_runner, run_watchlist

    printer = RunPrinter(tty=sys.stderr.isatty() if err else sys.stdout.isatty(), err=err)
    stop, abandon = threading.Event(), threading.Event()
    runner = make_runner(
        store,
        watchlist,
        settings,
        after_filing=[monitor.after_filing] if monitor is not None else [],
        warn=lambda message: click.echo(f"warning: {message}", err=True),
    )
    with graceful_stop(stop, abandon) as signals:
        try:
            result = run_watchlist(
                store,
                watchlist,
                settings,
                printer,
                stop=stop,
                resume=resume,
                runner=runner,
                abandon=abandon,
            )
        finally:
            printer.close()
    width = None if err else table_width()
    click.echo(format_summary(result, time.monotonic() - printer.t0, width=width), err=err)
    if not err and (
        settings.subjects or settings.find or any(e.entry.find for e in result.entries)
    ):
        from collector.cli.findings import echo_findings

        echo_findings(printer.filed)
    if result.status == "interrupted" and signals:
        if monitor is not None:
            finish_monitor(monitor, err=err)
        sys.exit(run_exit_code(result, signals))
    if monitor is not None:
        finish_monitor(monitor, err=err)  # its problems make the exit status 1 (run())
    return result


@contextmanager
def graceful_stop(
    stop: threading.Event, abandon: threading.Event, grace_s: float = STOP_GRACE_S
) -> Iterator[list[int]]:
    """Ctrl-C (SIGINT) or SIGTERM (`systemctl stop`, `collector watch`): start no new
    capture, give those in flight `grace_s` to finish, then give them up (their unfinished
    folders removed); a second signal gives them up at once. Yields the signals received.
    Handled as flags the run polls: no exception is thrown into the middle of filing."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    timers: list[threading.Timer] = []

    def on_signal(signum: int, frame: object) -> None:
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        received.append(signum)
        if stop.is_set():
            abandon.set()
            click.echo(f"\n{name} again: giving up the captures in progress", err=True)
            return
        stop.set()
        timer = threading.Timer(grace_s, abandon.set)
        timer.daemon = True
        timer.start()
        timers.append(timer)
        click.echo(
            f"\n{name}: finishing the captures in progress (up to {grace_s:g} s), then "
            f"stopping ({name} again to abandon them)",
            err=True,
        )

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for timer in timers:
            timer.cancel()


class RunPrinter:
    """Progress: a bar on a terminal, otherwise one line per capture attempt."""

    def __init__(self, *, tty: bool, err: bool = False) -> None:
        self.tty = tty
        self.err = err  # standard error: standard output carries JSON
        self.t0 = time.monotonic()
        self.run_id: str | None = None
        self.bar: Any = None
        self.shown = 0
        self.filed: list[FiledCapture] = []  # final attempts, for the findings at the end

    def __call__(self, event: RunEvent) -> None:
        from collector.lists.run import RETRY

        if event.filed is not None and event.attempt and event.attempt.decision != RETRY:
            self.filed.append(event.filed)
        if event.kind == "started":
            self.run_id = event.run.run_id
            missing = len(event.run.missing())
            what = f"{event.total} entries" + (
                f", {missing} to capture" if missing != event.total else ""
            )
            head = f"run {event.run.run_id}: {clean(event.run.list_file)}, {what}"
            click.echo(head, err=self.err)
            if self.tty:
                self.bar = click.progressbar(
                    length=event.total,
                    label="capturing",
                    show_pos=True,
                    show_eta=True,
                    file=sys.stderr if self.err else None,
                ).__enter__()
                self.bar.update(event.done)
                self.shown = event.done
            return
        if event.kind == "breaker":
            self._echo(f"!! {event.message}")
            return
        if event.kind == "finished":
            return
        if event.kind == "list":
            self._echo(self.line(event))
            return
        if self.bar is not None:
            self.bar.update(event.done - self.shown)
            self.shown = event.done
            if event.kind == "skipped" or (
                event.attempt and event.attempt.outcome is not Outcome.OK
            ):
                self._echo(self.line(event))
            return
        click.echo(self.line(event), err=self.err)

    def _echo(self, text: str) -> None:
        if self.bar is not None:
            # above the bar; it redraws on its next update
            click.echo("\r\033[K" + text, err=self.err)
        else:
            click.echo(text, err=self.err)

    @staticmethod
    def line(event: RunEvent) -> str:
        from collector.lists.run import RETRY

        er = event.entry
        assert er is not None
        e = er.entry
        where = f"[{event.done:>{len(str(event.total))}}/{event.total}]"
        who = f"{e.platform:<9} #{e.index:<3} {clean(e.name, 40)}"
        if event.kind == "skipped":
            return f"{where} {'skipped':<18} {who}  {clean(e.url)}  ({clean(er.reason)})"
        a = event.attempt
        assert a is not None
        url = e.url
        if event.kind == "list" and event.filed is not None:
            where = " " * len(where)
            url = event.filed.manifest["requested_url"]
        text = f"{where} {a.outcome:<18} {who}  {a.capture_id}  {clean(url)}"
        if a.reason:
            text += f"  ({clean(a.reason, 160)})"
        if a.decision == RETRY:
            text += f"  -> retry in {a.wait_s or 0:.1f} s ({clean(a.note)})"
        elif a.note:
            text += f"  [{clean(a.note)}]"
        return text

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def format_summary(result: RunResult, elapsed_s: float, *, width: int | None = None) -> str:
    counts = result.counts()
    lines = [
        "",
        f"run {result.run_id} {result.status}: {len(result.entries)} entries, "
        f"{counts.get('ok', 0)} ok, {result.attempts} attempts, {elapsed_s:.1f} s",
        f"list     {clean(result.list_file)} (sha256 {result.list_sha256})",
        f"started  {result.started_at} ({wib(result.started_at)})",
    ]
    if result.finished_at:
        lines.append(f"finished {result.finished_at} ({wib(result.finished_at)})")
    lines += ["", table(["OUTCOME", "ENTRIES"], list(counts.items()), width=width)]
    timed = sorted(
        (e for e in result.entries if e.seconds is not None),
        key=lambda e: e.seconds or 0.0,
        reverse=True,
    )[:5]
    if timed:
        lines += [
            "",
            "slowest captures",
            table(
                ["SECONDS", "OUTCOME", "ENTRY", "CAPTURE", "URL"],
                [
                    [f"{e.seconds:.1f}", e.label, f"#{e.entry.index}", e.capture_id, e.entry.url]
                    for e in timed
                ],
                width=width,
                keep=(3,),
            ),
        ]
    bad = [e for e in result.entries if e.label != Outcome.OK]
    if bad:
        lines += [
            "",
            "not ok",
            table(
                ["ENTRY", "NAME", "PLATFORM", "OUTCOME", "TRIES", "CAPTURE", "REASON"],
                [
                    [
                        f"#{e.entry.index}",
                        clean(e.entry.name, 32),
                        e.entry.platform,
                        e.label,
                        e.earlier_attempts + len(e.attempts),
                        e.capture_id or "-",
                        clean(e.reason, 110),
                    ]
                    for e in bad
                ],
                width=width,
                keep=(5,),
            ),
        ]
    for message in result.open_breakers.values():
        lines.append(f"!! {message}")
    missing = len(result.missing())
    if missing:
        lines.append(
            f"\n{missing} {'entry' if missing == 1 else 'entries'} not captured; "
            f"resume with: collector run --resume {result.run_id}"
        )
    return "\n".join(lines)


# -- collector runs -----------------------------------------------------------------------


@cli.command()
@click.argument("run_id", required=False, shell_complete=complete_run)
@json_option("JSON instead of a table.")
@store_option
@handle_errors
def runs(run_id: str | None, as_json: bool, store: Path) -> None:
    """List watch-list runs, or show one run's entries and attempts."""
    with open_index(store) as index:
        if run_id is None:
            rows = index.runs()
            if as_json:
                click.echo(shapes.dumps(rows))
                return
            if not rows:
                click.echo("no runs yet", err=True)
                return
            click.echo(
                table(
                    ["RUN", "STARTED (WIB)", "STATUS", "ENTRIES", "OK", "CASE", "LIST"],
                    [
                        [
                            r["id"],
                            wib(r["started_at"]),
                            r["status"],
                            r["entries"],
                            r["ok"],
                            r["case_id"] or "",
                            r["list_file"],
                        ]
                        for r in rows
                    ],
                    width=table_width(),
                    keep=(0,),
                )
            )
            return
        row = index.resolve_run(run_id)
        entries = index.run_entries(row["id"])
        attempts = index.run_attempts(row["id"])
    if as_json:
        click.echo(shapes.dumps(shapes.run(row, entries, attempts)))
        return
    click.echo(
        f"run      {row['id']}  {row['status']}\n"
        f"list     {clean(row['list_file'])} (sha256 {row['list_sha256']})\n"
        f"started  {row['started_at']} ({wib(row['started_at'])})\n"
        f"finished {row['finished_at'] or '-'}\n"
        f"case     {clean(row['case_id'] or '-')}   operator {clean(row['operator'] or '-')}\n"
        f"counts   {row['counts']}"
    )
    click.echo(
        table(
            ["#", "NAME", "PLATFORM", "STATUS", "OUTCOME", "TRIES", "CAPTURE"],
            [
                [
                    e["entry_index"],
                    clean(e["name"], 40),
                    e["platform"],
                    e["status"],
                    e["outcome"] or "-",
                    e["attempts"],
                    e["capture_id"] or "-",
                ]
                for e in entries
            ],
            width=table_width(),
            keep=(6,),
        )
    )


# -- collector profiles -------------------------------------------------------------------


@cli.group()
def profiles() -> None:
    """Watch lists: import a spreadsheet, check a list."""


@profiles.command(name="import")
@click.argument("csv_file", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file to write (refused if it exists); default: print it.",
)
@handle_errors
@watchlist_errors("nothing was written")
def import_(csv_file: str, out: Path | None) -> None:
    """Convert a spreadsheet export (CSV) to a TOML watch list.

    Columns (header row, any order, case-insensitive): name (required), nip, unit,
    platform, handle, url, tags (separated by ";" or ","), max_scrolls, wait_for,
    expect_text, viewport, expand (true/false, ya/tidak). Delimiter ",", ";" or tab.
    """
    from collector.lists.format import import_csv, load_watchlist

    text = import_csv(csv_file)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        with out.open("x", encoding="utf-8") as fh:  # never overwrite a list
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{out} exists; refusing to overwrite it (choose another --out)") from None
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    watchlist = load_watchlist(out)
    click.echo(
        f"wrote {len(watchlist.entries)} entries to {out}\n"
        f"check it with: collector profiles check {out}"
    )


@profiles.command()
@click.argument(
    "watchlist_file", type=click.Path(dir_okay=False), shell_complete=complete_watchlist
)
@click.option(
    "--only",
    "--only-tags",
    "only_tags",
    multiple=True,
    metavar="TAG",
    help="Only entries with this tag (repeatable).",
)
@json_option("The list's file, SHA-256 and every selected entry, resolved, as JSON.")
@handle_errors
@watchlist_errors("the list cannot be used")
def check(watchlist_file: str, only_tags: Sequence[str], as_json: bool) -> None:
    """Validate a watch list and print every entry's resolved URL."""
    from collector.capture.sessions import check_session_file
    from collector.lists.format import (
        WatchListError,
        check_report,
        filter_entries,
        load_watchlist,
    )

    watchlist = load_watchlist(watchlist_file)
    problems = []
    for platform, path in watchlist.sessions.items():
        try:
            check_session_file(path)
        except UsageError as exc:
            problems.append(f"{watchlist_file}: [sessions]: {platform}: {exc}")
    if problems:
        raise WatchListError(problems)
    selected = {e.index for e in filter_entries(watchlist, only_tags)}
    rows = [r for r in check_report(watchlist) if r.index in selected]
    if as_json:
        click.echo(shapes.dumps(shapes.watchlist_check(watchlist_file, watchlist.sha256, rows)))
        return
    click.echo(
        table(
            ["#", "LINE", "NAME", "PLATFORM", "URL", "TAGS", "SESSION", "PROXY"],
            [
                [
                    r.index,
                    r.line or "",
                    clean(r.name, 40),
                    r.platform,
                    clean(r.url),
                    ",".join(r.tags),
                    r.session.name if r.session else "",
                    r.proxy or "",
                ]
                for r in rows
            ],
            width=table_width(),
            keep=(0,),
        )
    )
    platforms = sorted({r.platform for r in rows})
    click.echo(
        f"{watchlist_file}: {len(rows)} entries OK ({', '.join(platforms)}); "
        f"sha256 {watchlist.sha256}"
    )


# -- collector session --------------------------------------------------------------------


@cli.group()
def session() -> None:
    """Investigator sessions (Playwright storage state)."""


@session.command(name="check")
@click.argument("state_file", type=click.Path(dir_okay=False))
@click.option(
    "--platform",
    required=True,
    help="Whose session it is: instagram, facebook, x, tiktok, youtube, threads.",
)
@click.option("--url", help="Page to visit instead of the platform's logged-in-only page.")
@click.option("--proxy", help="http://, https://, socks4:// or socks5:// proxy.")
@click.option("--ignore-https-errors", is_flag=True, help="Accept invalid TLS certificates.")
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(2, 600),
    default=30.0,
    show_default=True,
    help="Seconds for the visit.",
)
@browser_path_option
@handle_errors
def session_check(
    state_file: str,
    platform: str,
    url: str | None,
    proxy: str | None,
    ignore_https_errors: bool,
    timeout_s: float,
    browser_path: str | None,
) -> None:
    """Tell whether a saved session is still logged in (exit 0 if it is)."""
    from collector.capture.sessions import check_session
    from collector.models import CaptureOptions
    from collector.sites.platforms import PlatformError, resolve_platform

    try:
        name = resolve_platform(platform)
    except PlatformError as exc:
        raise UsageError(str(exc)) from None
    options = CaptureOptions(
        proxy=proxy, ignore_https_errors=ignore_https_errors, timeout_s=timeout_s
    )
    report = check_session(state_file, name, url=url, options=options, browser_path=browser_path)
    click.echo(f"session  {clean(report.file)} (sha256 {report.sha256})")
    for cookie in report.cookies:
        when = cookie.expires or "end of browser session"
        state = "EXPIRED" if cookie.expired else "valid until"
        click.echo(f"cookie   {cookie.name} for {clean(cookie.domain)}: {state} {when}")
    if not report.cookies and name != "web":
        click.echo(f"cookie   no {name} login cookie in the file")
    click.echo(f"visited  {clean(report.url)} -> {clean(report.final_url or '-')}")
    reason = f": {clean(report.reason)}" if report.reason else ""
    click.echo(f"page     {report.outcome}{reason}")
    for marker in report.markers:
        click.echo(f"  marker {clean(marker)}")
    if report.logged_in:
        click.echo(f"LOGGED IN: the {name} session works")
        return
    if report.logged_in is False:
        click.echo(f"NOT LOGGED IN: the {name} session is logged out or expired; log in again")
    else:
        click.echo(f"UNKNOWN: the visit ended {report.outcome}; cannot tell")
    sys.exit(EXIT_FAILED)
