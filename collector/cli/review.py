"""Commands for reviewers: list, show, verify, reindex, doctor."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from collector.cli import cli
from collector.cli.common import (
    EXIT_ENVIRONMENT,
    EXIT_NOT_ALL_GOOD,
    handle_errors,
    open_index,
    parse_when,
    store_option,
)
from collector.models import Outcome
from collector.render import clean, table
from collector.store import EvidenceStore
from collector.timeutil import wib


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
            case=case, url=url, outcome=outcome, since=parse_when(since), until=parse_when(until)
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

    count = reindex_store(
        EvidenceStore(store),
        warn=lambda message: click.echo(f"warning: {clean(message)}", err=True),
    )
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
