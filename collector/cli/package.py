"""Commands that take evidence out of the store: export, verify-package, report."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from collector.cli import cli
from collector.cli.common import (
    EXIT_NOT_ALL_GOOD,
    handle_errors,
    open_index,
    operator_option,
    store_option,
)
from collector.render import clean
from collector.store import EvidenceStore


def _actor(operator: str | None) -> str:
    from collector.custody import default_actor

    return operator or default_actor()


@cli.command()
@click.option("--case", required=True, help="The case to package.")
@click.option(
    "--capture",
    "capture_ids",
    multiple=True,
    help="Only these captures of the case (repeatable; id or unique prefix).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The package to write, e.g. case-C.zip (never overwritten).",
)
@click.option(
    "--sign-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ed25519 private key (PEM) to sign package.json with.",
)
@operator_option
@store_option
@handle_errors
def export(
    case: str,
    capture_ids: Sequence[str],
    out: Path,
    sign_key: Path | None,
    operator: str | None,
    store: Path,
) -> None:
    """Write a self-contained, verifiable evidence package (recorded in the custody log)."""
    from collector.package import export_package

    with open_index(store) as index:
        done = export_package(
            EvidenceStore(store),
            index,
            case=case,
            refs=capture_ids,
            out=out,
            operator=_actor(operator),
            sign_key=sign_key,
        )
    click.echo(f"wrote {done.path}  ({len(done.captures)} captures, case {clean(case)})")
    click.echo(f"package  sha256:{done.sha256}")
    click.echo(f"package.json  sha256:{done.package_json_sha256}")
    if done.redactions:
        click.echo(f"redacted {done.redactions} file(s) holding cookies or credentials")
    if done.signing_key_sha256:
        click.echo(f"signed with Ed25519 key sha256:{done.signing_key_sha256}")
    click.echo(
        f"recorded custody entry {done.entry['seq']} (exported) sha256:{done.entry['entry_hash']}"
    )


@cli.command(name="verify-package")
@click.argument("package", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def verify_package_cmd(package: Path, as_json: bool) -> None:
    """Check a package (ZIP or unzipped folder) without any store or database."""
    from collector.package import verify_package

    report = verify_package(package)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "package": str(report.path),
                    "case": report.case,
                    "files": report.files,
                    "captures": report.captures,
                    "custody_entries": report.custody_entries,
                    "signature": report.signature,
                    "signing_key_sha256": report.signing_key_sha256,
                    "problems": list(report.problems),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for problem in report.problems:
            click.echo(f"FAIL  {clean(problem)}")
        sig = report.signature
        if report.signing_key_sha256:
            sig += f" (Ed25519 key sha256:{report.signing_key_sha256})"
        click.echo(
            f"{'PASS' if report.ok else 'FAIL'}  {clean(report.path)}: case "
            f"{clean(report.case)}, {report.captures} captures, {report.files} files, "
            f"{report.custody_entries} custody entries, signature {sig}"
        )
    if not report.ok:
        sys.exit(EXIT_NOT_ALL_GOOD)


@cli.command()
@click.option("--case", required=True)
@click.option("--capture", "capture_ids", multiple=True, help="Only these captures.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@operator_option
@store_option
@handle_errors
def report(
    case: str, capture_ids: Sequence[str], out: Path, operator: str | None, store: Path
) -> None:
    """Write the case report: one self-contained HTML file to read, print and file."""
    from collector.report import gather, write_report

    with open_index(store) as index:
        data = gather(
            EvidenceStore(store), index, case=case, refs=capture_ids, operator=_actor(operator)
        )
    size = write_report(data, out)
    click.echo(f"wrote {out} ({size:,} bytes, {len(data.captures)} captures)")
