"""What every command module shares: the `cli` group they register on, error handling,
exit codes, common options."""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from collector import exits
from collector.capture.admission import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MIN_AVAILABLE_MB,
    DEFAULT_MIN_FREE_DISK_MB,
    MAX_CONCURRENCY,
)
from collector.cli.complete import complete_case
from collector.errors import CollectorError, StoreError, UsageError
from collector.evidence.store import EvidenceStore
from collector.models import CaptureOptions, FiledCapture, Viewport
from collector.text import clean
from collector.timeutil import parse_rfc3339, rfc3339

if TYPE_CHECKING:
    from collector.evidence.stamps import TsaSettings

F = TypeVar("F", bound=Callable[..., Any])
EXIT_FAILED, EXIT_USAGE, EXIT_ENVIRONMENT = exits.FAILED, exits.USAGE, exits.ENVIRONMENT


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """--version as click's own prints it; the version is looked up only when asked."""
    if not value or ctx.resilient_parsing:
        return
    from collector import __version__

    click.echo(f"collector, version {__version__}", color=ctx.color)
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Preserve public web pages as hashed, indexed, verifiable evidence."""
    from collector.evidence.store import private_umask

    # everything collector creates (store, index, packages, reports) is readable by its
    # owner only, or also the group COLLECTOR_STORE_GROUP names
    try:
        private_umask()
    except StoreError as exc:
        raise click.UsageError(str(exc)) from None


class UsageFailure(click.ClickException):
    exit_code = EXIT_USAGE


class EnvironmentFailure(click.ClickException):
    exit_code = EXIT_ENVIRONMENT


def handle_errors(fn: F) -> F:
    """Turn the library's exceptions into one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UsageError as exc:
            raise UsageFailure(str(exc)) from exc
        except CollectorError as exc:
            raise EnvironmentFailure(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def store_option(fn: F) -> F:
    return click.option(
        "--store",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="COLLECTOR_STORE",
        default=Path("evidence"),
        show_default=True,
        help="Evidence store folder (env COLLECTOR_STORE).",
    )(fn)


def json_option(help: str) -> Callable[[F], F]:
    """`--json`: what the command found, as JSON on standard output (shapes.py)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def fitted_echo(width: int | None) -> Callable[..., None]:
    """An echo for line-oriented output on a terminal `width` wide (None: as is).

    `say(text)` wraps a long line, continuing at column `indent`, so no message is cut;
    `say(text, tail)` shortens `tail` (a folder, a URL) in the middle to fit the line."""
    import textwrap

    from collector.text import shorten, width_of

    def say(text: str, tail: str = "", *, indent: int = 0) -> None:
        if width is None:
            click.echo(text + tail)
        elif tail:
            click.echo(text + shorten(tail, max(width - width_of(text), 12)))
        elif width_of(text) <= width:
            click.echo(text)
        else:
            click.echo(
                textwrap.fill(
                    text,
                    width,
                    subsequent_indent=" " * indent,
                    break_long_words=True,
                    break_on_hyphens=False,
                )
            )

    return say


def table_width() -> int | None:
    """The terminal's width when standard output is one (tables are fitted to it), else
    None: piped or redirected output keeps every value whole."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def operator_option(
    recorded: str = "in the custody log", default: str | None = "user@host"
) -> Callable[[F], F]:
    """--operator, the same option for every command: who acts, from COLLECTOR_OPERATOR
    when not given. `recorded` says where the command records it, `default` what it
    records when there is no operator at all."""
    fallback = f", default {default}" if default else ""
    return click.option(
        "--operator",
        envvar="COLLECTOR_OPERATOR",
        help=f"Who does this (recorded {recorded}; env COLLECTOR_OPERATOR{fallback}).",
    )


# `capture` and `run`: the case every capture is filed under
case_option = click.option(
    "--case",
    help="Case number recorded with every capture, e.g. BKPSDM-2024-017.",
    shell_complete=complete_case,
)
# every command that starts a browser
browser_path_option = click.option(
    "--browser-path",
    envvar="COLLECTOR_BROWSER",
    help="Chromium executable (env COLLECTOR_BROWSER).",
)


def open_index(store: Path, *, must_exist: bool = True, write: bool = False) -> Any:
    """The store's index. Commands that only read (write=False) get a connection that
    writes nothing on disk, so an archived or write-protected store can be read. Commands
    that record (write=True) first complete what an interrupted command left behind
    (collector.records.custody.CustodyLog.recover), saying so on stderr."""
    from collector.records.custody import CustodyLog
    from collector.records.index import Index

    s = EvidenceStore(store)
    if must_exist and not s.index_path.exists():
        missing_index(s)
    if not write:
        return Index.for_reading(s.index_path)
    index = Index(s.index_path)
    try:
        recovery = CustodyLog(s, index).recover()
    except BaseException:
        index.close()
        raise
    for line in recovery.lines():
        click.echo(clean(line), err=True)
    return index


def missing_index(s: EvidenceStore) -> None:
    """No index.db: say whether there is a store at all (captures without an index can be
    reindexed; nothing is lost)."""
    folders = sum(1 for _ in s.capture_folders()) if s.exists() else 0
    if folders:
        raise StoreError(
            f"{s.index_path} is missing, but {s.root} holds {folders} capture folder(s): "
            "run `collector reindex` to rebuild the index from the manifests (the custody "
            "log is restored from custody.jsonl)"
        )
    raise UsageError(
        f"no evidence store at {s.root} (no index.db); capture something first or pass --store"
    )


def parse_viewport(ctx: click.Context, param: click.Parameter, value: str) -> Viewport:
    try:
        return Viewport.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def parse_when(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return rfc3339(parse_rfc3339(value))
    except ValueError:
        raise click.BadParameter(f"not a date or RFC 3339 time: {value!r}") from None


def capture_options(fn: F) -> F:
    """Options shared by the commands that capture (capture, run)."""
    decorators = [
        click.option(
            "--viewport",
            default="1280x800",
            show_default=True,
            callback=parse_viewport,
            help="Browser window size, WIDTHxHEIGHT (CSS px).",
        ),
        click.option(
            "--scale",
            "device_scale_factor",
            type=click.FloatRange(0.5, 4),
            default=1.0,
            show_default=True,
            help="Device scale factor.",
        ),
        click.option("--user-agent", help="Override the browser's user agent."),
        click.option(
            "--locale",
            default="id-ID",
            show_default=True,
            help="Browser locale the page sees (Accept-Language, navigator.language).",
        ),
        click.option(
            "--timezone",
            default="Asia/Jakarta",
            show_default=True,
            help="IANA time zone the page's scripts see (stored times stay UTC).",
        ),
        click.option(
            "--proxy",
            help="http://, https://, socks4:// or socks5:// proxy; in a password write "
            '"@" as %40 and "/" as %2F (credentials are never written anywhere).',
        ),
        click.option(
            "--ignore-https-errors",
            is_flag=True,
            help="Accept invalid TLS certificates (recorded in the manifest).",
        ),
        click.option(
            "--timeout",
            "timeout_s",
            type=click.FloatRange(2, 600),
            default=30.0,
            show_default=True,
            help="Seconds for the whole capture of one page.",
        ),
        click.option(
            "--max-scrolls",
            type=click.IntRange(0, 1000),
            default=30,
            show_default=True,
            help="Screens to scroll at most, for lazy images and feeds.",
        ),
        click.option(
            "--max-height",
            type=click.IntRange(800, 500_000),
            default=50_000,
            show_default=True,
            help="Screenshot height cap in CSS px (above it the capture is marked truncated).",
        ),
        click.option("--wait-for", help="CSS selector that must appear for an `ok` capture."),
        click.option("--expect-text", help="Text that must be on the page for an `ok` capture."),
        click.option(
            "--storage-state",
            type=click.Path(dir_okay=False),
            help="Playwright storage-state JSON of a logged-in investigator account "
            "(mode 0600; the manifest records its name and SHA-256, never its cookies).",
        ),
        click.option(
            "--no-consent-click",
            "consent_click",
            is_flag=True,
            flag_value=False,
            default=True,
            help="Do not click a known consent button after the as-served screenshot.",
        ),
        click.option(
            "--no-expand",
            "expand",
            is_flag=True,
            flag_value=False,
            default=True,
            help='Do not open what the page hides (comments, replies, "see more", inner '
            "scroll lists) before the shot.",
        ),
        click.option(
            "--max-expand",
            type=click.IntRange(0, 5000),
            default=150,
            show_default=True,
            metavar="N",
            help="Clicks at most that open hidden content, per page (never a social action).",
        ),
        click.option(
            "--max-download-mb",
            type=click.FloatRange(0, 10_000),
            default=50.0,
            show_default=True,
            help="Files the page triggers are kept up to this size; larger ones are "
            "refused and logged.",
        ),
        browser_path_option,
        click.option(
            "--concurrency",
            type=click.IntRange(1, MAX_CONCURRENCY),
            default=DEFAULT_CONCURRENCY,
            show_default=True,
            help="Pages captured at once at most (fewer while memory is short).",
        ),
        click.option(
            "--min-free-memory",
            "min_free_memory",
            type=click.IntRange(0, 1_000_000),
            default=DEFAULT_MIN_AVAILABLE_MB,
            show_default=True,
            envvar="COLLECTOR_MIN_FREE_MB",
            metavar="MB",
            help="Open another page beside the running ones only while this much memory "
            "is available (env COLLECTOR_MIN_FREE_MB).",
        ),
        click.option(
            "--min-free-disk",
            "min_free_disk",
            type=click.IntRange(0, 10_000_000),
            default=DEFAULT_MIN_FREE_DISK_MB,
            show_default=True,
            envvar="COLLECTOR_MIN_FREE_DISK_MB",
            metavar="MB",
            help="Start no capture while the store's disk has less free space than this "
            "(env COLLECTOR_MIN_FREE_DISK_MB; 0: no check).",
        ),
        *tsa_option_list(),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def tsa_option_list() -> list[Callable[[F], F]]:
    return [
        click.option(
            "--tsa",
            "tsa_urls",
            multiple=True,
            metavar="URL",
            envvar="COLLECTOR_TSA",
            help="RFC 3161 time-stamping authority to timestamp each manifest.json with; "
            "repeat for several (env COLLECTOR_TSA, space-separated). A failing TSA never "
            "fails a capture.",
        ),
        click.option(
            "--tsa-timeout",
            type=click.FloatRange(0.5, 300),
            default=10.0,
            show_default=True,
            help="Seconds to wait for each TSA.",
        ),
    ]


def tsa_options(fn: F) -> F:
    for decorator in reversed(tsa_option_list()):
        fn = decorator(fn)
    return fn


def tsa_settings(kw: dict[str, Any]) -> TsaSettings | None:
    """Take --tsa/--tsa-timeout out of a command's keyword arguments."""
    from collector.evidence.stamps import TsaSettings

    urls = tuple(kw.pop("tsa_urls", ()) or ())
    timeout = kw.pop("tsa_timeout", 10.0)
    if not urls:
        return None
    return TsaSettings(urls, timeout)


def build_options(kw: dict[str, Any]) -> CaptureOptions:
    if kw.get("proxy"):
        from collector.sites.urls import parse_proxy

        try:
            parse_proxy(kw["proxy"])
        except UsageError as exc:
            raise UsageError(f"--proxy: {exc}") from None
    return CaptureOptions(
        viewport=kw["viewport"],
        device_scale_factor=kw["device_scale_factor"],
        user_agent=kw.get("user_agent"),
        locale=kw["locale"],
        timezone=kw["timezone"],
        proxy=kw.get("proxy"),
        ignore_https_errors=kw["ignore_https_errors"],
        timeout_s=kw["timeout_s"],
        max_scrolls=kw["max_scrolls"],
        max_height=kw["max_height"],
        wait_for=kw.get("wait_for"),
        expect_text=kw.get("expect_text"),
        storage_state=kw.get("storage_state"),
        consent_click=kw.get("consent_click", True),
        expand=kw.get("expand", True),
        max_expand=kw.get("max_expand", 150),
        max_download_bytes=int(kw.get("max_download_mb", 50.0) * 1024 * 1024),
    )


def capture_line(filed: FiledCapture) -> str:
    m = filed.manifest
    reason = f"  ({clean(m['outcome_reason'], 120)})" if m.get("outcome_reason") else ""
    stamped = ""
    timestamping = m.get("timestamping")
    asked = len(timestamping["tsa_urls"]) if timestamping else 0
    if asked:
        got = len(filed.timestamps)
        stamped = f"  [timestamped by {got} of {asked} TSA]"
        if got < asked:
            stamped += " (see timestamps.json; `collector timestamp ID` retries)"
    return (
        f"{filed.capture_id}  {m['outcome']:<14}  {clean(m['requested_url'])}  "
        f"{filed.folder}{reason}{stamped}"
    )
