"""Custody commands: note, handover, custody (history), retire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from collector.cli.common import (
    cli,
    handle_errors,
    json_option,
    open_index,
    operator_option,
    store_option,
    table_width,
    tsa_options,
    tsa_settings,
)
from collector.cli.complete import complete_capture, complete_case
from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.text import clean, json_text, table
from collector.timeutil import wib


def _actor(operator: str | None) -> str:
    from collector.records.custody import default_actor

    return operator or default_actor()


def _entry_line(entry: dict[str, Any]) -> str:
    return f"recorded custody entry {entry['seq']} ({entry['action']}) sha256:{entry['entry_hash']}"


@cli.command()
@click.argument("capture_id", shell_complete=complete_capture)
@click.argument("text")
@operator_option()
@store_option
@handle_errors
def note(capture_id: str, text: str, operator: str | None, store: Path) -> None:
    """Annotate a capture (recorded as a custody event; the capture is never edited)."""
    from collector.records.custody import add_note

    with open_index(store, write=True) as index:
        entry = add_note(EvidenceStore(store), index, capture_id, text, _actor(operator))
    click.echo(_entry_line(entry))


@cli.command()
@click.option(
    "--case",
    required=True,
    help="The case whose captures change hands.",
    shell_complete=complete_case,
)
@click.option("--from", "from_", required=True, help="Who hands the evidence over.")
@click.option("--to", required=True, help="Who receives it (person and agency).")
@click.option("--reason", required=True, help="Why, e.g. the letter or hearing it is for.")
@operator_option()
@store_option
@handle_errors
def handover(
    case: str, from_: str, to: str, reason: str, operator: str | None, store: Path
) -> None:
    """Record a transfer of a case's evidence from one custodian to another."""
    from collector.records.custody import handover as record_handover

    with open_index(store, write=True) as index:
        entry = record_handover(
            EvidenceStore(store),
            index,
            case=case,
            from_=from_,
            to=to,
            reason=reason,
            actor=operator or from_,
        )
    click.echo(
        f"{len(entry['capture_ids'])} captures of case {clean(case)} handed over from "
        f"{clean(from_)} to {clean(to)}"
    )
    click.echo(_entry_line(entry))


@cli.command()
@click.argument("capture_id", required=False, shell_complete=complete_capture)
@click.option(
    "--case", help="Every event concerning this case's captures.", shell_complete=complete_case
)
@json_option("The entries exactly as logged.")
@store_option
@handle_errors
def custody(capture_id: str | None, case: str | None, as_json: bool, store: Path) -> None:
    """Print the custody history of a capture, a case, or (neither) the whole log."""
    from collector.records.custody import history, summary

    with open_index(store) as index:
        log, head = history(index, ref=capture_id, case=case)
    if as_json:
        click.echo(json_text(log))
        return
    if not log:
        click.echo("no custody events", err=True)
        return
    width = table_width()  # on a terminal the table is fitted, so no cell is capped
    click.echo(
        table(
            ["SEQ", "UTC", "WIB", "ACTOR", "ACTION", "CAPTURES", "DETAILS"],
            [
                [
                    e["seq"],
                    e["at"],
                    wib(e["at"]),
                    clean(e["actor"], None if width else 24),
                    e["action"],
                    _ids(e["capture_ids"]),
                    clean(summary(e), None if width else 110),
                ]
                for e in log
            ],
            width=width,
            keep=(0, 2, 4),
            drop=(1,),  # WIB shows the same instant; --json keeps the UTC time
        )
    )
    click.echo(f"log head: sha256:{head}  (check the whole chain with `collector verify`)")


def _ids(ids: list[str]) -> str:
    if not ids:
        return "(all)"
    if len(ids) == 1:
        return ids[0]
    return f"{ids[0]} +{len(ids) - 1}"


@cli.command()
@click.argument("capture_id", shell_complete=complete_capture)
@click.option("--reason", required=True, help="Why the capture is withdrawn (recorded).")
@click.option(
    "--delete-files",
    is_flag=True,
    help="Also delete the capture's folder; its hashes stay in the index and custody log.",
)
@operator_option()
@store_option
@handle_errors
def retire(
    capture_id: str, reason: str, delete_files: bool, operator: str | None, store: Path
) -> None:
    """Withdraw a capture from use. Recorded as a custody event; nothing leaves the log."""
    from collector.records.custody import retire as record_retire

    if not reason.strip():
        raise UsageError("--reason must not be empty")
    with open_index(store, write=True) as index:
        done = record_retire(
            EvidenceStore(store),
            index,
            capture_id,
            reason=reason,
            actor=_actor(operator),
            delete_files=delete_files,
        )
    if done.entry is not None:
        click.echo(f"retired {done.entry['capture_ids'][0]}")
        click.echo(_entry_line(done.entry))
    if done.deleted:
        click.echo(f"deleted {done.folder} (its hashes remain in the custody log)")
    else:
        click.echo(f"files kept in {done.folder}")


@cli.command()
@click.option(
    "--to",
    "to_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="COLLECTOR_ANCHOR_FILE",
    help="Append the anchor to this file, kept outside the store (env COLLECTOR_ANCHOR_FILE, "
    "which also makes every command append one after each custody entry).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the anchor as one JSON line.")
@store_option
@tsa_options
@handle_errors
def anchor(to_file: Path | None, as_json: bool, store: Path, **kw: Any) -> None:
    """Print the custody log's head (seq and SHA-256): a custody anchor to keep outside
    the store. `collector verify --anchor` later checks the log still holds it, which
    shows that no newer entry was cut off and the store was not replaced by an older or
    re-hashed copy (docs/custody.md, Anchors)."""
    from collector.errors import StoreError
    from collector.evidence.store import canonical_json
    from collector.records.anchor import append_to_file, head_anchor, stamp_head
    from collector.records.custody import entries, verify_chain

    tsa = tsa_settings(kw)
    s = EvidenceStore(store)
    with open_index(store) as index:
        chain = verify_chain(s, index)
        log = entries(index)
    if not chain.ok:
        raise StoreError(
            f"the custody log is broken (first broken entry seq {chain.first_broken}): an "
            "anchor of it would prove nothing; run `collector verify`"
        )
    head = head_anchor(log)
    if head is None:
        raise UsageError("the custody log is empty: nothing to anchor yet")
    if to_file is not None:
        append_to_file(to_file, head, s.root)
    stamped = stamp_head(s, head, tsa) if tsa is not None else []
    for line in stamped:
        click.echo(clean(line), err=True)
    if as_json:
        click.echo(canonical_json(head.record(s.root.absolute())).decode())
        return
    click.echo(f"custody anchor: seq {head.seq} sha256:{head.entry_hash}")
    click.echo(f"taken     {head.at} ({wib(head.at)})")
    if to_file is not None:
        click.echo(f"appended to {to_file}")
    click.echo("keep it outside the store; check later: collector verify --anchor FILE")
