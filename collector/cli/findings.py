"""Findings: `collector findings`, the --find/--subjects/--expect-find options of
`capture` and `run`, and how findings are printed (also by `show`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from collector.cli.common import UsageFailure, cli, handle_errors, open_index, store_option
from collector.errors import UsageError
from collector.lists.format import WatchListError
from collector.lists.subjects import SubjectList, combine, load_subjects, subjects_from_find
from collector.manifest import Manifest
from collector.models import FiledCapture, Subject
from collector.sites.interactions import KINDS
from collector.text import clean, table
from collector.timeutil import wib

F = TypeVar("F", bound=Callable[..., Any])
ITEM_SHOWN = 90  # characters of the enclosing item's text in a table


def find_options(fn: F) -> F:
    """--find, --subjects, --expect-find (capture and run)."""
    for decorator in reversed(
        [
            click.option(
                "--find",
                multiple=True,
                metavar="HANDLE_OR_TEXT",
                help="Look for this person in every capture: @handle, a profile URL, or "
                "a text such as a name (repeatable). See docs/interactions.md.",
            ),
            click.option(
                "--subjects",
                "subjects_file",
                type=click.Path(dir_okay=False),
                metavar="FILE",
                help="A subjects list (watch-list TOML: name, nip, unit, platform, handle "
                "per account): every person in it is looked for in every capture.",
            ),
            click.option(
                "--expect-find",
                is_flag=True,
                help="A capture on which none of the people looked for is found is "
                "expectation_failed, not ok.",
            ),
        ]
    ):
        fn = decorator(fn)
    return fn


def load_subject_list(path: str | None) -> SubjectList | None:
    """--subjects FILE, or a usage error listing every problem in it."""
    if not path:
        return None
    try:
        return load_subjects(path)
    except WatchListError as exc:
        lines = [clean(e) for e in exc.errors]
        lines.append(f"{len(exc.errors)} problem(s) in --subjects {path}; nothing was captured")
        raise UsageFailure("\n".join(lines)) from exc


def check_find_values(values: Sequence[str]) -> tuple[str, ...]:
    """--find values, checked now (before anything is captured)."""
    from collector.lists.subjects import check_find_value

    try:
        return tuple(check_find_value(v) for v in values)
    except ValueError as exc:
        raise UsageError(f"--find: {exc}") from None


def job_subjects(
    find: Sequence[str], platform: str | None, subject_list: SubjectList | None
) -> tuple[Subject, ...]:
    """--find values (on the capture's platform), then the subjects list's people."""
    try:
        own = subjects_from_find(find, platform, "--find")
    except ValueError as exc:
        raise UsageError(f"--find: {exc}") from None
    return combine(own, subject_list.subjects if subject_list else ())


def who(row: dict[str, Any], *, nip: bool = True) -> str:
    """A finding's person, from an index row or a manifest finding's `subject`: name,
    the handle that matched, and (unless `nip=False`, for narrow tables) the NIP."""
    name = row.get("subject_name") or row.get("name")
    handle = row.get("subject_handle") or row.get("handle")
    number = row.get("subject_nip") or row.get("nip")
    parts = [str(name)] if name else []
    if handle:
        parts.append("@" + str(handle))
    if number and nip:
        parts.append(f"NIP {number}")
    if not parts:
        looked = row.get("looked_for") or ""
        parts.append(str(looked.get("value") if isinstance(looked, dict) else looked))
    return " ".join(parts)


def manifest_rows(filed: Iterable[FiledCapture]) -> list[dict[str, Any]]:
    """Findings of freshly filed captures, shaped like index rows."""
    out = []
    for f in filed:
        m = f.manifest
        for finding in m.get("findings") or []:
            subject = finding.get("subject") or {}
            out.append(
                {
                    "capture_id": f.capture_id,
                    "n": finding.get("n"),
                    "subject_name": subject.get("name"),
                    "subject_nip": subject.get("nip"),
                    "subject_handle": subject.get("handle"),
                    "looked_for": (subject.get("looked_for") or {}).get("value"),
                    "kind": finding.get("kind"),
                    "rule": finding.get("rule"),
                    "item_text": finding.get("item_text"),
                    "crop": (finding.get("crop") or {}).get("artifact"),
                    "url": m.get("final_url") or m.get("requested_url"),
                    "captured_at": m.get("started_at"),
                }
            )
    return out


def findings_table(rows: Sequence[dict[str, Any]]) -> str:
    return table(
        ["CAPTURE", "#", "SUBJECT", "KIND", "CROP", "URL", "TEXT"],
        [
            [
                r["capture_id"],
                r["n"],
                clean(who(r, nip=False), 32),
                r["kind"],
                r.get("crop") or "-",
                clean(r["url"], 60),
                clean(r.get("item_text"), ITEM_SHOWN),
            ]
            for r in rows
        ],
    )


def echo_findings(filed: Iterable[FiledCapture]) -> None:
    rows = manifest_rows(filed)
    if not rows:
        click.echo("\nfindings: none of the people looked for was found")
        return
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    counted = ", ".join(f"{n} {k}" for k, n in kinds.items())
    click.echo(f"\nfindings: {len(rows)} ({counted})")
    click.echo(findings_table(rows))


def finding_lines(manifest: Manifest) -> list[str]:
    """`collector show`: what was looked for and every finding, hostile text cleaned."""
    find = manifest.get("find") or {}
    if not find:
        return []
    lines = []
    looked = [
        clean(s.get("name") or ", ".join("@" + h["handle"] for h in s.get("handles") or []), 40)
        for s in find.get("subjects") or []
    ]
    shown = ", ".join(looked[:6]) + (f", … ({len(looked)} in all)" if len(looked) > 6 else "")
    lines.append(f"find      {shown}" + (" (expected)" if find.get("expect_find") else ""))
    findings = manifest.get("findings") or []
    if not findings:
        lines.append("findings  none")
    for f in findings:
        crop = f.get("crop") or {}
        where = crop.get("artifact") or f"no crop: {clean(crop.get('error'), 80)}"
        person = clean(who(f.get("subject") or {}), 50)
        lines.append(
            f"finding {f.get('n')} {clean(f.get('kind')):<9} {person}"
            f"  matched {clean(f.get('matched_text'), 60)}  in {clean(f.get('surface'))}"
            f"  {where}"
        )
        lines.append(f"          text: {clean(f.get('item_text'), 300)}")
        lines.append(f"          rule: {clean(f.get('rule'), 120)}")
        lines.append(f"          at:   {clean(f.get('selector'), 160)}")
    return lines


@cli.command()
@click.option("--case", help="Only this case's captures.")
@click.option("--subject", help="A person: name (or part of it), NIP, or handle.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="Only this kind of interaction (repeatable).",
)
@click.option("--limit", type=click.IntRange(1, 1_000_000), help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@store_option
@handle_errors
def findings(
    case: str | None,
    subject: str | None,
    kinds: Sequence[str],
    limit: int | None,
    as_json: bool,
    store: Path,
) -> None:
    """List the watched people found in captures (from --find, a watch list's find, or
    --subjects): capture, time, person, kind of interaction, URL, and the text of the
    comment or list row they were found in. Exit 1 when nothing matches."""
    from collector.records.findings import query

    with open_index(store) as index:
        rows = query(index, case=case, subject=subject, kinds=kinds, limit=limit)
    if as_json:
        for r in rows:
            r["box"] = json.loads(r["box"]) if r.get("box") else None
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif rows:
        click.echo(
            table(
                ["CAPTURE", "#", "TIME (WIB)", "SUBJECT", "KIND", "URL", "TEXT"],
                [
                    [
                        r["capture_id"],
                        r["n"],
                        wib(r["captured_at"]),
                        clean(who(r, nip=False), 32),
                        r["kind"],
                        clean(r["url"], 60),
                        clean(r["item_text"], ITEM_SHOWN),
                    ]
                    for r in rows
                ],
            )
        )
    else:
        click.echo("no findings match", err=True)
    if not rows:
        raise SystemExit(1)
