"""`verify` and `reindex`: checking the store and rebuilding its index."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from collector.cli.common import (
    EXIT_FAILED,
    cli,
    fitted_echo,
    handle_errors,
    json_option,
    open_index,
    operator_option,
    store_option,
    table_width,
)
from collector.cli.complete import complete_capture
from collector.evidence.store import EvidenceStore
from collector.text import clean, json_text


@cli.command()
@click.argument("capture_ids", nargs=-1, shell_complete=complete_capture)
@json_option("The results as JSON: each capture, its tokens, the custody chain.")
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
@click.option(
    "--anchor",
    "anchor_sources",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A custody anchor kept outside the store: an anchor file (COLLECTOR_ANCHOR_FILE, "
    "`collector anchor`), an evidence package, a WACZ or a case report; the custody log "
    "must still hold each anchored entry (repeatable). Without one, verify cannot see the "
    "newest entries removed or the whole store rolled back.",
)
@operator_option()
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
    anchor_sources: Sequence[Path] = (),
) -> None:
    """Re-hash every artifact against its manifest, SHA256SUMS and the index, check the
    custody chain and the timestamp tokens, and compare the clocks; the verification
    itself is recorded in the custody log."""
    from collector.records.anchor import read_anchors
    from collector.records.custody import default_actor
    from collector.review.verify import TimeCheck, record_verification, verify_store

    anchors = [a for source in anchor_sources for a in read_anchors(source)]

    s = EvidenceStore(store)
    recorded: dict[str, Any] | None = None
    # a read-only store (an archived copy, a reviewer's share) is verified, not recorded
    read_only = not no_record and s.index_path.exists() and not s.writable()
    record = not no_record and not read_only
    with open_index(store, write=record) as index:
        report = verify_store(
            s, index, capture_ids, TimeCheck(tsa_ca, max_clock_skew), anchors=anchors
        )
        chain = report.custody
        if record and chain is not None and chain.ok:
            recorded = record_verification(
                s, index, report, capture_ids, operator or default_actor()
            )
    if as_json:
        click.echo(
            json_text(
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
                        "head_seq": chain.head_seq,
                        "anchors_checked": report.anchors_checked,
                    },
                    "index_tables_checked": list(report.index_tables),
                    "recorded_seq": recorded["seq"] if recorded else None,
                }
            )
        )
    else:
        say = fitted_echo(table_width())
        for c in report.captures:
            flag = "  (retired)" if c.retired and c.status != "retired" else ""
            say(
                f"{c.status.upper():<5} {c.capture_id}  {c.checked_files} files  ",
                c.folder + flag,
            )
            for problem in c.problems:
                say(f"      - {clean(problem)}", indent=8)
            for t in c.tokens:
                say(
                    f"      token {t.status.replace('_', ' ').upper()}: {clean(t.path)}  "
                    f"TSA {clean(t.tsa_url)}  "
                    f"genTime {clean(t.gen_time)}" + (" (later)" if t.late else ""),
                    indent=12,
                )
                say(f"            {clean(t.message)}", indent=12)
            for warning in c.warnings:
                say(f"WARN  {c.capture_id}: {clean(warning)}", indent=6)
        for problem in report.store_problems:
            say(f"FAIL  store: {clean(problem)}", indent=6)
        if chain is not None:
            if chain.ok:
                head = f"sha256:{chain.head} (seq {chain.head_seq})" if chain.head else "(empty)"
                say(f"PASS  custody log: {chain.entries} entries, head {head}", indent=6)
                anchored = report.anchors_checked
                if anchored and not any("anchor" in p for p in report.store_problems):
                    say(f"PASS  custody anchors: the log holds all {anchored}", indent=6)
                if not anchors:
                    say(
                        "note  no --anchor given: a log cut after its last anchor, or a whole "
                        "store rolled back, cannot be seen from inside the store "
                        "(docs/custody.md, Anchors)",
                        indent=6,
                    )
            else:
                say(
                    f"FAIL  custody log: first broken entry is seq {chain.first_broken}: "
                    f"{clean(chain.problems[0])}",
                    indent=6,
                )
                for more in chain.problems[1:12]:
                    say(f"      - {clean(more)}", indent=8)
                if len(chain.problems) > 12:
                    say(f"      - … and {len(chain.problems) - 12} more")
        if report.index_tables:
            say(
                "index tables recomputed from the manifests and compared: "
                + ", ".join(report.index_tables),
                indent=6,
            )
        for warning in report.warnings:
            say(f"WARN  {clean(warning)}", indent=6)
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
        elif read_only:
            click.echo("not recorded in the custody log: the store is read-only")
        elif not no_record and chain is not None and not chain.ok:
            click.echo("not recorded in the custody log: the chain is broken")
    if not report.ok:
        sys.exit(EXIT_FAILED)


@cli.command()
@click.option(
    "--adopt",
    "adopt",
    multiple=True,
    metavar="ID",
    help="Adopt this capture folder although the custody log has no `captured` event for "
    "it (repeatable; needs --reason). Never done without being asked: such a folder may "
    "have been planted.",
)
@click.option("--reason", help="Why the --adopt folders are genuine (recorded).")
@operator_option()
@store_option
@handle_errors
def reindex(adopt: Sequence[str], reason: str | None, operator: str | None, store: Path) -> None:
    """Rebuild index.db's capture tables from the manifests on disk (the custody log is
    kept; if index.db was lost it is restored from custody.jsonl). Capture folders the
    custody log has no `captured` event for are listed, and adopted only with --adopt."""
    from collector.monitor.detect import derive_changes
    from collector.records.custody import default_actor
    from collector.records.reindex import reindex_store

    def warn(message: str) -> None:
        click.echo(f"warning: {clean(message)}", err=True)

    result = reindex_store(
        EvidenceStore(store),
        operator or default_actor(),
        lambda found: derive_changes(store, found, warn),
        adopt=adopt,
        reason=reason,
    )
    for line in result.recovered:
        click.echo(clean(line), err=True)
    click.echo(
        f"reindexed {result.captures} captures from their manifests into "
        f"{EvidenceStore(store).index_path}"
    )
    if result.restored_events:
        click.echo(f"restored {result.restored_events} custody entries from custody.jsonl")
    if result.kept:
        click.echo(f"kept {result.kept} retired captures (files deleted) from their events")
    for cid in result.adopted:
        click.echo(f"adopted {cid}: it had no `captured` custody event (recorded, with the reason)")
    for cid in result.unfiled:
        click.echo(
            f"NOT ADOPTED {cid}: the custody log has no `captured` event for it (collector did "
            "not file it here: copied or planted?). Only if you know where it came from: "
            f"collector reindex --adopt {cid} --reason WHY"
        )
    if result.unfiled:
        sys.exit(EXIT_FAILED)
