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
    operator_option,
    parse_when,
    store_option,
)
from collector.evidence.store import EvidenceStore
from collector.models import Outcome
from collector.text import clean, table
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
                    r["outcome"] + (" (retired)" if r.get("retired_at") else ""),
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
        click.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
        return
    click.echo(format_capture(manifest, row, digest, artifacts, timestamps))
    if row.get("retired_at"):
        click.echo(f"RETIRED   {row['retired_at']} ({wib(row['retired_at'])})")


def format_capture(
    m: dict[str, Any],
    row: dict[str, Any],
    digest: str,
    artifacts: list[dict[str, Any]],
    timestamps: Sequence[dict[str, Any]] = (),
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
        lines.append(
            f"warc      {archive['file']}: {archive['records']} records, "
            f"{archive['exchanges']} HTTP exchanges, {len(archive['skipped'])} HAR entries "
            f"skipped, {archive['missing_bodies']} bodies missing"
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
        )
    )
    return "\n".join(lines)


@cli.command()
@click.argument("capture_ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--no-record",
    is_flag=True,
    help="Do not record this verification in the custody log (e.g. a read-only copy).",
)
@click.option(
    "--tsa-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="COLLECTOR_TSA_CA",
    help="CA certificate(s) (PEM) of the time-stamping authorities, to check tokens with "
    "`openssl ts -verify` (env COLLECTOR_TSA_CA); without it tokens are 'not checked'.",
)
@click.option(
    "--max-clock-skew",
    type=click.FloatRange(0),
    default=300.0,
    show_default=True,
    help="Seconds by which system clock, server Date and TSA times may disagree before "
    "verify warns.",
)
@operator_option
@store_option
@handle_errors
def verify(
    capture_ids: Sequence[str],
    as_json: bool,
    no_record: bool,
    operator: str | None,
    store: Path,
    tsa_ca: Path | None = None,
    max_clock_skew: float = 300.0,
) -> None:
    """Re-hash every artifact against its manifest, SHA256SUMS and the index, check the
    custody chain and the timestamp tokens, and compare the clocks; the verification
    itself is recorded in the custody log."""
    from collector.records.custody import default_actor
    from collector.review.verify import TimeCheck, record_verification, verify_store

    s = EvidenceStore(store)
    recorded: dict[str, Any] | None = None
    with open_index(store) as index:
        report = verify_store(s, index, capture_ids, TimeCheck(tsa_ca, max_clock_skew))
        chain = report.custody
        if not no_record and chain is not None and chain.ok:
            recorded = record_verification(
                s, index, report, capture_ids, operator or default_actor()
            )
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
                            "retired": c.retired,
                            "tokens": [
                                {
                                    "path": t.path,
                                    "tsa_url": t.tsa_url,
                                    "gen_time": t.gen_time,
                                    "status": t.status,
                                    "message": t.message,
                                    "late": t.late,
                                }
                                for t in c.tokens
                            ],
                            "warnings": list(c.warnings),
                        }
                        for c in report.captures
                    ],
                    "custody": None
                    if chain is None
                    else {
                        "ok": chain.ok,
                        "entries": chain.entries,
                        "head": chain.head,
                        "first_broken_seq": chain.first_broken,
                        "problems": [str(p) for p in chain.problems],
                    },
                    "recorded_seq": recorded["seq"] if recorded else None,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for c in report.captures:
            flag = "  (retired)" if c.retired and c.status != "retired" else ""
            click.echo(
                f"{c.status.upper():<5} {c.capture_id}  {c.checked_files} files  {c.folder}{flag}"
            )
            for problem in c.problems:
                click.echo(f"      - {clean(problem)}")
            for t in c.tokens:
                click.echo(
                    f"      token {t.status.upper()}: {clean(t.path)}  TSA {clean(t.tsa_url)}  "
                    f"genTime {clean(t.gen_time)}" + (" (later)" if t.late else "")
                )
                click.echo(f"            {clean(t.message)}")
            for warning in c.warnings:
                click.echo(f"WARN  {c.capture_id}: {clean(warning)}")
        for problem in report.store_problems:
            click.echo(f"FAIL  store: {clean(problem)}")
        if chain is not None:
            if chain.ok:
                head = f"sha256:{chain.head}" if chain.head else "(empty)"
                click.echo(f"PASS  custody log: {chain.entries} entries, head {head}")
            else:
                click.echo(
                    f"FAIL  custody log: first broken entry is seq {chain.first_broken}: "
                    f"{clean(chain.problems[0])}"
                )
                for more in chain.problems[1:12]:
                    click.echo(f"      - {clean(more)}")
                if len(chain.problems) > 12:
                    click.echo(f"      - … and {len(chain.problems) - 12} more")
        for warning in report.warnings:
            click.echo(f"WARN  {clean(warning)}")
        passed = sum(c.status == "pass" for c in report.captures)
        retired = sum(c.status == "retired" for c in report.captures)
        checked = len(report.captures) - retired
        click.echo(
            f"{passed} of {checked} captures pass"
            + (f"; {retired} retired (files deleted, hashes kept)" if retired else "")
            + ("" if report.ok else "; VERIFICATION FAILED")
        )
        if recorded:
            click.echo(f"recorded as custody entry {recorded['seq']}")
        elif not no_record and chain is not None and not chain.ok:
            click.echo("not recorded in the custody log: the chain is broken")
    if not report.ok:
        sys.exit(EXIT_NOT_ALL_GOOD)


@cli.command()
@operator_option
@store_option
@handle_errors
def reindex(operator: str | None, store: Path) -> None:
    """Rebuild index.db's capture tables from the manifests on disk (the custody log is
    kept; if index.db was lost it is restored from custody.jsonl)."""
    from collector.capture.runner import reindex_store
    from collector.records.custody import default_actor

    result = reindex_store(
        EvidenceStore(store),
        operator or default_actor(),
        warn=lambda message: click.echo(f"warning: {clean(message)}", err=True),
    )
    click.echo(
        f"reindexed {result.captures} captures from their manifests into "
        f"{EvidenceStore(store).index_path}"
    )
    if result.restored_events:
        click.echo(f"restored {result.restored_events} custody entries from custody.jsonl")
    if result.kept:
        click.echo(f"kept {result.kept} retired captures (files deleted) from their events")
    for cid in result.adopted:
        click.echo(f"adopted {cid}: it had no `captured` custody event")


@cli.command()
@click.option("--browser-path", envvar="COLLECTOR_BROWSER")
@store_option
@handle_errors
def doctor(browser_path: str | None, store: Path) -> None:
    """Check the browser, fonts and store collector would use."""
    from collector.review.doctor import diagnose

    report = diagnose(browser_path, EvidenceStore(store))
    for key, value, ok in report.lines:
        click.echo(f"{'ok ' if ok else 'NO '} {key:<12} {value}")
    if not report.ok:
        sys.exit(EXIT_ENVIRONMENT)
