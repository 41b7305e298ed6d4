"""`list`, `show`, `search`, `sql`: reading the index and the evidence."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
from collector.cli.findings import finding_lines
from collector.errors import UsageError
from collector.evidence.har import HAR_NAME, RECORDED_HAR
from collector.evidence.store import EvidenceStore
from collector.manifest import Manifest, ResponseRecord
from collector.models import Outcome
from collector.text import clean, json_text, table
from collector.timeutil import wib


@cli.command(name="list")
@click.option("--case", help="Only captures of this case.", shell_complete=complete_case)
@click.option("--url", help="Substring of the requested or final URL.")
@click.option(
    "--outcome",
    type=click.Choice([o.value for o in Outcome]),
    help="Only captures with this outcome.",
)
@click.option("--since", help="Captures started at or after this date/time (UTC).")
@click.option("--until", help="Captures started before this date/time (UTC).")
@json_option("JSON instead of a table: every column of the index, values whole.")
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="CSV for spreadsheets (UTF-8 with BOM, the columns of --json; a cell a spreadsheet "
    "would run as a formula starts with an apostrophe).",
)
@store_option
@handle_errors
def list_(
    case: str | None,
    url: str | None,
    outcome: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
    as_csv: bool,
    store: Path,
) -> None:
    """List captures in the index."""
    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    with open_index(store) as index:
        rows = index.captures(
            case=case, url=url, outcome=outcome, since=parse_when(since), until=parse_when(until)
        )
    shaped = [shapes.capture(r) for r in rows]
    if as_json:
        click.echo(shapes.dumps(shaped))
        return
    if as_csv:
        click.echo(csv_text(shaped, shapes.capture_columns()), nl=False)
        return
    if not rows:
        click.echo("no captures match", err=True)
        return
    width = table_width()  # on a terminal the table is fitted, so no cell is capped
    click.echo(
        table(
            ["ID", "CAPTURED (WIB)", "OUTCOME", "CASE", "URL"],
            [
                [
                    r["id"],
                    wib(r["started_at"]),
                    r["outcome"] + (" (retired)" if r.get("retired_at") else ""),
                    r["case_id"] or "",
                    clean(r["requested_url"], None if width else 70),
                ]
                for r in rows
            ],
            width=width,
            keep=(0, 2),
            drop=(1,),  # the id starts with the capture's UTC time
        )
    )


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """RFC 4180 CSV with a UTF-8 byte order mark (spreadsheets then read UTF-8, emoji and
    all). Captured text is hostile: a cell starting with = + - @ or a tab/CR would run as a
    formula in a spreadsheet, so it gets a leading apostrophe (OWASP's advice); --json keeps
    every value exact."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return "\ufeff" + buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@cli.command()
@click.argument("capture_id", shell_complete=complete_capture)
@json_option("Print the manifest as stored.")
@store_option
@handle_errors
def show(capture_id: str, as_json: bool, store: Path) -> None:
    """Show one capture (id, unique prefix, or the random suffix)."""
    from collector.evidence.store import load_manifest

    with open_index(store) as index:
        row = index.resolve(capture_id)
        artifacts = index.artifacts(row["id"])
        timestamps = index.timestamps(row["id"])
    folder = EvidenceStore(store).root / row["folder"]
    if row.get("retired_at") and not folder.exists():
        click.echo(
            f"capture   {row['id']}\nretired   {row['retired_at']} ({wib(row['retired_at'])}); "
            f"its files were deleted, its hashes are kept\nmanifest  sha256:"
            f"{row['manifest_sha256']}\nhistory   collector custody {row['id']}"
        )
        return
    manifest, digest = load_manifest(folder)
    if as_json:
        click.echo(json_text(manifest))
        return
    click.echo(format_capture(manifest, row, digest, artifacts, timestamps, width=table_width()))
    for line in finding_lines(manifest):
        click.echo(line)
    if row.get("retired_at"):
        click.echo(f"RETIRED   {row['retired_at']} ({wib(row['retired_at'])})")


def format_capture(
    m: Manifest,
    row: dict[str, Any],
    digest: str,
    artifacts: list[dict[str, Any]],
    timestamps: Sequence[dict[str, Any]] = (),
    *,
    width: int | None = None,
) -> str:
    from collector.review.transport import transport

    r: ResponseRecord | dict[str, Any] = m.get("response") or {}
    b = m.get("browser") or {}
    shot = m.get("screenshot") or {}
    how = transport(m)
    lines = [
        f"capture   {m['capture_id']}",
        f"folder    {row['folder']}",
        f"outcome   {m['outcome']}"
        + (f" — {clean(m['outcome_reason'])}" if m.get("outcome_reason") else ""),
    ]
    for warning in how.warnings:  # first, where a reader cannot miss them
        lines.append(click.style(f"WARNING   {clean(warning.en)}", fg="red", bold=True))
        lines.append(f"          {clean(warning.id)}")
    lines += [
        f"requested {clean(m['requested_url'])}",
        f"final     {clean(m.get('final_url'))}",
    ]
    if how.redirects:
        lines.append(f"redirects {len(how.redirects)}, in order:")
    for hop in how.redirects:
        lines.append(
            f"  via     {hop['status']} {clean(hop['url'])} -> {clean(hop.get('location'))}"
        )
    lines += [
        f"status    {r.get('status', '-')} {clean(r.get('status_text', ''))}",
        f"server    {r.get('server_ip') or '-'}:{r.get('server_port') or '-'}",
        f"tls       {clean(how.tls_line())}",
        "certs     "
        + (
            "checks OFF (--ignore-https-errors): any certificate was accepted"
            if how.checks_off
            else "checked by the browser (an invalid certificate fails the capture)"
        ),
        f"title     {clean((m.get('page') or {}).get('title'))}",
        f"started   {m['started_at']}  ({wib(m['started_at'])})",
        f"finished  {m['finished_at']}  ({wib(m['finished_at'])})",
        f"case      {clean(m.get('case') or '-')}   operator {clean(m.get('operator') or '-')}",
        f"note      {clean(m.get('note') or '-')}",
        f"browser   {b.get('name')} {b.get('version')}"
        + (f" {clean(b['mode'])}" if b.get("mode") else "")
        + f" ({clean(b.get('executable_path'))}), "
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
    archive = m.get("archive") or {}
    if archive.get("file"):
        lost = archive["missing_bodies"]
        names = [a.get("name") for a in m.get("artifacts", [])]
        har = next((n for n in names if n in (HAR_NAME, RECORDED_HAR)), HAR_NAME)
        left_out = archive.get("responses_left_out")
        lines.append(
            f"warc      {archive['file']}: {archive['records']} records, "
            f"{archive['exchanges']} HTTP exchanges, {len(archive['skipped'])} HAR entries "
            f"skipped, {lost} bodies missing"
            + (
                f" (the browser kept none: {left_out} response(s) left out of the WARC, "
                f"{lost - left_out} redirect(s) marked WARC-Truncated; see {har})"
                if lost and left_out is not None
                else ""
            )
        )
    server = (m.get("time_sources") or {}).get("server_date") or {}
    if server.get("time"):
        lines.append(f"server    Date {server['time']} (skew {server['skew_ms']} ms)")
    for t in timestamps:
        lines.append(
            f"timestamp {t['gen_time']} by {clean(t['tsa_url'])}  {t['folder']}/{t['tsr']}"
            + ("  (obtained later)" if t["late"] else "")
        )
    lines.append("artifacts")
    lines.append(
        table(
            ["NAME", "TYPE", "BYTES", "SHA-256"],
            [[a["name"], a["media_type"], a["size"], a["sha256"]] for a in artifacts],
            width=width,
            keep=(3,),
        )
    )
    return "\n".join(lines)


@cli.command()
@click.argument("query")
@click.option("--case", help="Only captures of this case.", shell_complete=complete_case)
@click.option("--since", help="Captures started at or after this date/time (UTC).")
@click.option("--until", help="Captures started before this date/time (UTC).")
@click.option("--outcome", help="Only captures with this outcome (e.g. ok).")
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help="Matches to show at most.",
)
@json_option("JSON; matches marked as [[…]].")
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

    Best matches first; when more than 20,000 captures match, the best among the newest
    20,000 (ranking every match of a word found in nearly every capture is slow).

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
        click.echo(json_text(rows))
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


@cli.command()
@click.argument("query")
@json_option("JSON rows instead of a table.")
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(0.1, 3600),
    default=30.0,
    show_default=True,
    help="Stop the query after this many seconds.",
)
@store_option
@handle_errors
def sql(query: str, as_json: bool, store: Path, timeout_s: float = 30.0) -> None:
    """Run a read-only SQL query on index.db (docs/schema.md describes every table)."""
    from collector.cli.common import missing_index
    from collector.records.index import Index

    path = EvidenceStore(store).index_path
    if not path.exists():
        missing_index(EvidenceStore(store))
    with Index(path, read_only=True) as index:
        columns, rows = index.read_only_query(query, timeout_s)
    if as_json:
        click.echo(
            json_text(
                [dict(zip(columns, row, strict=True)) for row in rows],
                default=lambda v: v.hex() if isinstance(v, bytes) else str(v),
            )
        )
        return
    click.echo(
        table(
            columns,
            [["NULL" if v is None else v for v in row] for row in rows],
            width=table_width(),
        )
    )
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)
