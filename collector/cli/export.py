"""Commands that take evidence out of the store: export, verify-package, report."""

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
from collector.cli.complete import complete_capture, complete_case
from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.text import clean, json_text


def _actor(operator: str | None) -> str:
    from collector.records.custody import default_actor

    return operator or default_actor()


def _write_wacz(
    case: str,
    capture_ids: Sequence[str],
    out: Path,
    sign_key: Path | None,
    operator: str | None,
    store: Path,
    *,
    as_json: bool = False,
) -> None:
    """`export --format wacz`: collector.export.wacz.export_wacz, printed (or as JSON)."""
    from collector.export.wacz import export_wacz as export

    s = EvidenceStore(store)
    record = s.writable()
    with open_index(store, write=record) as index:
        result = export(
            s,
            index,
            case=case,
            out=out,
            capture_ids=capture_ids,
            sign_key=sign_key,
            operator=operator,
            record=record,
        )
    if as_json:
        click.echo(shapes.dumps(shapes.wacz(result)))
        return
    for c in result.captures:
        redacted = f"  ({len(c.redacted)} secret value(s) redacted)" if c.redacted else ""
        click.echo(f"{c.capture_id}  {clean(c.url)}{redacted}")
    for line in result.skipped:
        click.echo(f"skipped  {clean(line)}")
    for left in result.not_in_pages:
        click.echo(
            f"no page  {left['capture_id']}  {left['outcome']}  {clean(left['requested_url'])}"
            "  (no HTTP response archived for it; its WARC is in the archive)"
        )
    w = result.wacz
    click.echo(
        f"wrote {w.path} ({w.size} bytes, {len(result.captures)} capture(s)), sha256:{w.sha256}"
    )
    click.echo(
        f"datapackage {w.datapackage_hash}"
        + (f", signed, public key {w.public_key}" if w.public_key else ", unsigned")
    )
    exported_line(result.entry)


def exported_line(entry: dict[str, Any] | None) -> None:
    if entry is None:
        click.echo("not recorded in the custody log: the store is read-only")
    else:
        click.echo(f"recorded custody entry {entry['seq']} (exported) sha256:{entry['entry_hash']}")


@cli.command()
@click.option("--case", required=True, help="The case to package.", shell_complete=complete_case)
@click.option(
    "--capture",
    "capture_ids",
    multiple=True,
    help="Only these captures of the case (repeatable; id or unique prefix).",
    shell_complete=complete_capture,
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
    help="zip: Ed25519 private key (PEM) to sign package.json with; wacz: EC P-384 key "
    "(PEM) to sign datapackage.json anonymously.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["zip", "wacz"]),
    default="zip",
    show_default=True,
    help="zip: the evidence package; wacz: a WACZ web archive of the captures' WARCs "
    "(ReplayWeb.page, pywb).",
)
@json_option("What was written (path, hashes, captures, custody entry) as JSON.")
@operator_option()
@store_option
@tsa_options
@handle_errors
def export(
    case: str,
    capture_ids: Sequence[str],
    out: Path,
    sign_key: Path | None,
    format_: str,
    as_json: bool,
    operator: str | None,
    store: Path,
    **kw: Any,
) -> None:
    """Write a self-contained, verifiable evidence package, or a WACZ web archive
    (--format wacz); either is recorded in the custody log. With --tsa (zip only), each
    TSA is asked for an RFC 3161 token over package.json; a failing TSA never fails the
    export."""
    from collector.export.package import export_package
    from collector.export.package_check import TIMESTAMPS_FILE

    tsa = tsa_settings(kw)
    if format_ == "wacz":
        if tsa is not None:
            source = click.get_current_context().get_parameter_source("tsa_urls")
            if source != click.core.ParameterSource.ENVIRONMENT:
                raise UsageError(
                    "--tsa timestamps the evidence package (--format zip) only; a WACZ has "
                    "no place for a token over its datapackage.json"
                )
            click.echo(
                "note  COLLECTOR_TSA is set: a WACZ is not timestamped (zip only)", err=as_json
            )

        _write_wacz(case, capture_ids, out, sign_key, operator, store, as_json=as_json)
        return

    s = EvidenceStore(store)
    record = s.writable()
    with open_index(store, write=record) as index:
        done = export_package(
            s,
            index,
            case=case,
            refs=capture_ids,
            out=out,
            operator=_actor(operator),
            sign_key=sign_key,
            tsa=tsa,
            record=record,
        )
    if as_json:
        click.echo(shapes.dumps(shapes.package(done)))
        return
    click.echo(f"wrote {done.path}  ({len(done.captures)} captures, case {clean(case)})")
    click.echo(f"package  sha256:{done.sha256}")
    click.echo(f"package.json  sha256:{done.package_json_sha256}")
    if done.redactions:
        click.echo(f"redacted {done.redactions} file(s) holding cookies or credentials")
    if done.signing_key_sha256:
        click.echo(f"signed with Ed25519 key sha256:{done.signing_key_sha256}")
    for a in done.timestamps:
        if a["status"] == "ok":
            click.echo(f"timestamped  {clean(a['tsa_url'])}  genTime {a['gen_time']}  {a['tsr']}")
        else:
            click.echo(
                f"TSA FAILED  {clean(a['tsa_url'])}: {clean(a['message'])} (recorded in "
                f"{TIMESTAMPS_FILE}; the package has no token from this TSA)"
            )
    exported_line(done.entry)


# tsa_options' help speaks of manifest.json (capture, timestamp); here it is package.json
for _param in export.params:
    if _param.name == "tsa_urls" and isinstance(_param, click.Option):
        _param.help = (
            "RFC 3161 time-stamping authority to timestamp package.json with (zip only); "
            "repeat for several (env COLLECTOR_TSA, space-separated). A failing TSA never "
            "fails the export."
        )


@cli.command(name="verify-package")
@click.argument("package", type=click.Path(path_type=Path))
@json_option("The checks' results as JSON.")
@click.option(
    "--tsa-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="COLLECTOR_TSA_CA",
    help="CA certificate(s) (PEM) of the time-stamping authorities, to check the package's "
    "tokens with `openssl ts -verify` (env COLLECTOR_TSA_CA); without it they are "
    "'not checked'.",
)
@handle_errors
def verify_package_cmd(package: Path, as_json: bool, tsa_ca: Path | None) -> None:
    """Check a package (ZIP or unzipped folder) without any store or database."""
    from collector.export.package_check import verify_package

    report = verify_package(package, tsa_ca)
    if as_json:
        click.echo(
            json_text(
                {
                    "ok": report.ok,
                    "package": str(report.path),
                    "case": report.case,
                    "files": report.files,
                    "captures": report.captures,
                    "custody_entries": report.custody_entries,
                    "signature": report.signature,
                    "signing_key_sha256": report.signing_key_sha256,
                    "timestamps": [
                        {
                            "tsr": t.tsr,
                            "tsa_url": t.tsa_url,
                            "gen_time": t.gen_time,
                            "status": t.status,
                            "about": t.about or t.tsr,
                            "message": t.message,
                        }
                        for t in report.timestamps
                    ],
                    "tsa_failures_at_export": list(report.tsa_failures),
                    "problems": list(report.problems),
                }
            )
        )
    else:
        for problem in report.problems:
            click.echo(f"FAIL  {clean(problem)}")
        for t in report.timestamps:
            label = {"pass": "PASS", "fail": "FAIL"}.get(t.status, "NOT CHECKED")
            click.echo(
                f"token {label}: {clean(t.tsr)}  TSA {clean(t.tsa_url)}  genTime "
                f"{clean(t.gen_time)}\n      "
                + clean(t.message if t.about in ("", t.tsr) else t.detail, 400)
            )
        for failure in report.tsa_failures:
            click.echo(f"note  a TSA failed at export, no token from it: {clean(failure, 300)}")
        sig = report.signature
        if report.signing_key_sha256:
            sig += f" (Ed25519 key sha256:{report.signing_key_sha256})"
        stamped = ""
        if report.timestamps:
            counts = {
                s: sum(1 for t in report.timestamps if t.status == s)
                for s in ("pass", "not_checked", "fail")
            }
            stamped = ", timestamp tokens: " + ", ".join(
                f"{n} {s.replace('_', ' ')}" for s, n in counts.items() if n
            )
        click.echo(
            f"{'PASS' if report.ok else 'FAIL'}  {clean(report.path)}: case "
            f"{clean(report.case)}, {report.captures} captures, {report.files} files, "
            f"{report.custody_entries} custody entries, signature {sig}{stamped}"
        )
    if not report.ok:
        sys.exit(EXIT_FAILED)


@cli.command()
@click.option("--case", required=True, help="The case to report on.", shell_complete=complete_case)
@click.option(
    "--capture",
    "capture_ids",
    multiple=True,
    help="Only these captures of the case (repeatable; id or unique prefix).",
    shell_complete=complete_capture,
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write (never overwritten).",
)
@operator_option()
@store_option
@handle_errors
def report(
    case: str, capture_ids: Sequence[str], out: Path, operator: str | None, store: Path
) -> None:
    """Write the case report: one self-contained HTML file to read, print and file."""
    from collector.review.report import gather, write_report

    with open_index(store) as index:
        data = gather(
            EvidenceStore(store), index, case=case, refs=capture_ids, operator=_actor(operator)
        )
    size = write_report(data, out)
    click.echo(f"wrote {out} ({size:,} bytes, {len(data.captures)} captures)")
