"""The command line: parse options, call one library function, print.

Exit codes: 0 success; 1 done, but not everything was good (a capture that is not `ok`,
a verification that failed); 2 the request was wrong (bad URL, unknown id, bad option);
3 collector cannot work here (no browser, store not writable, index unusable).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from collector import __version__
from collector.errors import CollectorError, UsageError
from collector.models import CaptureJob, CaptureOptions, FiledCapture, Outcome, Viewport
from collector.render import clean, table
from collector.store import EvidenceStore
from collector.timeutil import parse_rfc3339, rfc3339, wib

F = TypeVar("F", bound=Callable[..., Any])
EXIT_NOT_ALL_GOOD, EXIT_USAGE, EXIT_ENVIRONMENT = 1, 2, 3


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


def open_index(store: Path, *, must_exist: bool = True) -> Any:
    from collector.index import Index

    s = EvidenceStore(store)
    if must_exist and not s.index_path.exists():
        raise UsageError(
            f"no evidence store at {store} (no index.db); capture something first or pass --store"
        )
    return Index(s.index_path)


def _viewport(ctx: click.Context, param: click.Parameter, value: str) -> Viewport:
    try:
        return Viewport.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _when(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return rfc3339(parse_rfc3339(value))
    except ValueError:
        raise click.BadParameter(f"not a date or RFC 3339 time: {value!r}") from None


def capture_options(fn: F) -> F:
    """Options shared by every command that captures (capture, run, demo)."""
    decorators = [
        click.option(
            "--viewport",
            default="1280x800",
            show_default=True,
            callback=_viewport,
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
        click.option("--locale", default="id-ID", show_default=True),
        click.option("--timezone", default="Asia/Jakarta", show_default=True),
        click.option(
            "--proxy",
            help="http://, https:// or socks5:// proxy (credentials are "
            "never written to the manifest).",
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
        click.option(
            "--browser-path",
            envvar="COLLECTOR_BROWSER",
            help="Chromium executable (env COLLECTOR_BROWSER).",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 16),
            default=3,
            show_default=True,
            help="Pages captured at once.",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def build_options(kw: dict[str, Any]) -> CaptureOptions:
    if kw.get("proxy"):
        from urllib.parse import urlsplit

        if urlsplit(kw["proxy"]).scheme not in ("http", "https", "socks5"):
            raise UsageError(f"--proxy must be http://, https:// or socks5://, not {kw['proxy']!r}")
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
    )


def capture_line(filed: FiledCapture) -> str:
    m = filed.manifest
    reason = f"  ({clean(m['outcome_reason'], 120)})" if m.get("outcome_reason") else ""
    return (
        f"{filed.capture_id}  {m['outcome']:<14}  {clean(m['requested_url'])}  "
        f"{filed.folder}{reason}"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="collector")
def cli() -> None:
    """Preserve public web pages as hashed, indexed, verifiable evidence."""


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--case", help="Case number, e.g. BKPSDM-2024-017.")
@click.option("--operator", help="Who is capturing (recorded in the manifest).")
@click.option("--note", help="Free text recorded with the capture.")
@store_option
@capture_options
@handle_errors
def capture(
    urls: Sequence[str],
    case: str | None,
    operator: str | None,
    note: str | None,
    store: Path,
    browser_path: str | None,
    concurrency: int,
    **kw: Any,
) -> None:
    """Capture URLS now: screenshot, HTML as received and as rendered, MHTML, text, HAR."""
    from collector.capture import CaptureRunner
    from collector.targets import normalise_target

    options = build_options(kw)
    jobs = [
        CaptureJob(normalise_target(u), options, case, operator or _default_operator(), note)
        for u in urls
    ]
    runner = CaptureRunner(EvidenceStore(store), browser_path=browser_path, concurrency=concurrency)
    filed = runner.run(jobs, progress=lambda f: click.echo(capture_line(f)))
    if any(f.outcome != Outcome.OK for f in filed):
        sys.exit(EXIT_NOT_ALL_GOOD)


def _default_operator() -> str | None:
    return os.environ.get("COLLECTOR_OPERATOR")


@cli.command(name="list")
@click.option("--case")
@click.option("--url", help="Substring of the requested or final URL.")
@click.option("--outcome", type=click.Choice([o.value for o in Outcome]))
@click.option("--since", help="Captures started at or after this date/time (UTC).")
@click.option("--until", help="Captures started before this date/time (UTC).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@store_option
@handle_errors
def list_(
    case: str | None,
    url: str | None,
    outcome: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
    store: Path,
) -> None:
    """List captures in the index."""
    with open_index(store) as index:
        rows = index.captures(
            case=case, url=url, outcome=outcome, since=_when(since), until=_when(until)
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no captures match", err=True)
        return
    click.echo(
        table(
            ["ID", "CAPTURED (WIB)", "OUTCOME", "CASE", "URL"],
            [
                [
                    r["id"],
                    wib(r["started_at"]),
                    r["outcome"],
                    r["case_id"] or "",
                    clean(r["requested_url"], 70),
                ]
                for r in rows
            ],
        )
    )


@cli.command()
@click.argument("capture_id")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as stored.")
@store_option
@handle_errors
def show(capture_id: str, as_json: bool, store: Path) -> None:
    """Show one capture (id, unique prefix, or the random suffix)."""
    from collector.store import load_manifest

    with open_index(store) as index:
        row = index.resolve(capture_id)
        artifacts = index.artifacts(row["id"])
    manifest, digest = load_manifest(EvidenceStore(store).root / row["folder"])
    if as_json:
        click.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
        return
    click.echo(format_capture(manifest, row, digest, artifacts))


def format_capture(
    m: dict[str, Any], row: dict[str, Any], digest: str, artifacts: list[dict[str, Any]]
) -> str:
    r = m.get("response") or {}
    b = m.get("browser") or {}
    shot = m.get("screenshot") or {}
    lines = [
        f"capture   {m['capture_id']}",
        f"folder    {row['folder']}",
        f"outcome   {m['outcome']}"
        + (f" — {clean(m['outcome_reason'])}" if m.get("outcome_reason") else ""),
        f"requested {clean(m['requested_url'])}",
        f"final     {clean(m.get('final_url'))}",
    ]
    for hop in m.get("redirects", []):
        lines.append(
            f"  via     {hop['status']} {clean(hop['url'])} -> {clean(hop.get('location'))}"
        )
    lines += [
        f"status    {r.get('status', '-')} {clean(r.get('status_text', ''))}",
        f"server    {r.get('server_ip') or '-'}:{r.get('server_port') or '-'}"
        + (
            f"  TLS {r['tls'].get('protocol')} issuer {clean(r['tls'].get('issuer'))}"
            if r.get("tls")
            else ""
        ),
        f"title     {clean((m.get('page') or {}).get('title'))}",
        f"started   {m['started_at']}  ({wib(m['started_at'])})",
        f"finished  {m['finished_at']}  ({wib(m['finished_at'])})",
        f"case      {clean(m.get('case') or '-')}   operator {clean(m.get('operator') or '-')}",
        f"note      {clean(m.get('note') or '-')}",
        f"browser   {b.get('name')} {b.get('version')} ({clean(b.get('executable_path'))}), "
        f"playwright {b.get('playwright_version')}, "
        f"collector {(m.get('software') or {}).get('collector')}",
        f"screen    {shot.get('png_width', '-')}x{shot.get('png_height', '-')} px, mode "
        f"{shot.get('mode')}, page height {shot.get('page_height')}"
        + (" (TRUNCATED)" if shot.get("truncated") else ""),
        f"manifest  sha256:{digest}",
    ]
    for d in m.get("dialogs", []):
        lines.append(f"dialog    {d['type']}: {clean(d['message'], 100)} ({d['action']})")
    for e in m.get("errors", []):
        lines.append(f"problem   {clean(e, 200)}")
    lines.append("artifacts")
    lines.append(
        table(
            ["NAME", "TYPE", "BYTES", "SHA-256"],
            [[a["name"], a["media_type"], a["size"], a["sha256"]] for a in artifacts],
        )
    )
    return "\n".join(lines)


@cli.command()
@click.argument("capture_ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
@store_option
@handle_errors
def verify(capture_ids: Sequence[str], as_json: bool, store: Path) -> None:
    """Re-hash every artifact against its manifest, SHA256SUMS and the index."""
    from collector.verify import verify_store

    with open_index(store) as index:
        report = verify_store(EvidenceStore(store), index, capture_ids)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "store_problems": list(report.store_problems),
                    "warnings": list(report.warnings),
                    "captures": [
                        {
                            "id": c.capture_id,
                            "folder": c.folder,
                            "status": c.status,
                            "problems": list(c.problems),
                            "files": c.checked_files,
                        }
                        for c in report.captures
                    ],
                },
                indent=2,
            )
        )
    else:
        for c in report.captures:
            click.echo(f"{c.status.upper():<5} {c.capture_id}  {c.checked_files} files  {c.folder}")
            for problem in c.problems:
                click.echo(f"      - {clean(problem)}")
        for problem in report.store_problems:
            click.echo(f"FAIL  store: {clean(problem)}")
        for warning in report.warnings:
            click.echo(f"WARN  {clean(warning)}")
        passed = sum(c.status == "pass" for c in report.captures)
        click.echo(
            f"{passed} of {len(report.captures)} captures pass"
            + ("" if report.ok else "; VERIFICATION FAILED")
        )
    if not report.ok:
        sys.exit(EXIT_NOT_ALL_GOOD)


@cli.command()
@store_option
@handle_errors
def reindex(store: Path) -> None:
    """Rebuild index.db's capture tables from the manifests on disk."""
    from collector.capture import reindex_store

    count = reindex_store(EvidenceStore(store))
    click.echo(
        f"reindexed {count} captures from their manifests into {EvidenceStore(store).index_path}"
    )


@cli.command()
@click.option("--browser-path", envvar="COLLECTOR_BROWSER")
@store_option
@handle_errors
def doctor(browser_path: str | None, store: Path) -> None:
    """Check the browser, fonts and store collector would use."""
    from collector.doctor import diagnose

    report = diagnose(browser_path, EvidenceStore(store))
    for key, value, ok in report.lines:
        click.echo(f"{'ok ' if ok else 'NO '} {key:<12} {value}")
    if not report.ok:
        sys.exit(EXIT_ENVIRONMENT)


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
        list_,
        case="DEMO-001",
        url=None,
        outcome=None,
        since=None,
        until=None,
        as_json=False,
        store=store,
    )
    click.echo("\n$ collector verify")
    ctx.invoke(verify, capture_ids=(), as_json=False, store=store)


def main() -> None:
    cli(prog_name="collector")
