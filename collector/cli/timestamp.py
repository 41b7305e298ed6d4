"""`timestamp`: RFC 3161 tokens for captures already sealed (late timestamps)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from collector.cli import shapes
from collector.cli.common import (
    EXIT_FAILED,
    cli,
    handle_errors,
    json_option,
    open_index,
    operator_option,
    store_option,
    tsa_options,
    tsa_settings,
)
from collector.cli.complete import complete_capture
from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.text import clean


@cli.command()
@click.argument("capture_ids", nargs=-1, shell_complete=complete_capture)
@click.option(
    "--missing",
    is_flag=True,
    help="Every capture that has no timestamp token yet (instead of naming them).",
)
@click.option(
    "--again",
    is_flag=True,
    help="Also timestamp captures that already have a token.",
)
@json_option(
    "One JSON object per capture (id, status, the tokens obtained as `timestamps` rows, "
    "the failures), as a list."
)
@operator_option()
@store_option
@tsa_options
@handle_errors
def timestamp(
    capture_ids: Sequence[str],
    missing: bool,
    again: bool,
    as_json: bool,
    operator: str | None,
    store: Path,
    **kw: Any,
) -> None:
    """Obtain RFC 3161 tokens for captures already stored (e.g. after a TSA failed).

    Sealed capture folders are never edited: the tokens go to
    <store>/timestamps/<capture-id>/<NNN>/ with their own SHA256SUMS.
    """
    from collector.evidence.stamps import stamp_later
    from collector.records.custody import default_actor, record_timestamps

    settings = tsa_settings(kw)
    if settings is None:
        raise UsageError("give a time-stamping authority: --tsa URL (or env COLLECTOR_TSA)")
    if bool(capture_ids) == missing:
        raise UsageError("name the captures to timestamp, or give --missing (not both)")
    from collector.records.rows import timestamp_row

    s = EvidenceStore(store)
    failed = False
    done: list[dict[str, Any]] = []  # --json: one object per capture

    def say(text: str) -> None:
        if not as_json:
            click.echo(text)

    with open_index(store, write=True) as index:
        stamped = index.timestamped_ids()
        rows = (
            [index.resolve(ref) for ref in capture_ids]
            if capture_ids
            else [r for r in index.captures() if r["id"] not in stamped and not r["retired_at"]]
        )
        if not rows:
            say("every capture already has a timestamp token")
        for row in rows:
            item: dict[str, Any] = {"id": row["id"], "tokens": [], "failures": []}
            done.append(item)
            if row.get("retired_at"):
                item["status"] = "retired"
                say(f"{row['id']}  retired {row['retired_at']}: not timestamped")
                continue
            if row["id"] in stamped and not again:
                item["status"] = "already_timestamped"
                say(f"{row['id']}  already timestamped (--again adds another token)")
                continue
            result = stamp_later(
                s, row["id"], s.root / row["folder"], row["manifest_sha256"], settings
            )
            # the tokens' index rows and their `timestamped` custody events, together
            record_timestamps(s, index, result.records, operator or default_actor())
            item["status"] = "failed" if result.failures else "timestamped"
            item["tokens"] = [shapes.timestamp(timestamp_row(r)) for r in result.records]
            item["failures"] = [f.as_dict() for f in result.failures]
            for record in result.records:
                say(
                    f"{row['id']}  timestamped  {clean(record.tsa_url)}  genTime "
                    f"{record.gen_time}  {record.folder}/{record.tsr}"
                )
            for failure in result.failures:
                failed = True
                say(f"{row['id']}  FAILED  {clean(failure.tsa_url)}: {clean(failure.message)}")
    if as_json:
        click.echo(shapes.dumps(done))
    if failed:
        sys.exit(EXIT_FAILED)
