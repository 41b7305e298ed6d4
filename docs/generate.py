"""Regenerate the generated parts of docs/ from the code, or check that they are current.

    python docs/generate.py           rewrite them
    python docs/generate.py --check   exit 1 and name the stale files (tests run this)

Generated parts sit between `<!-- generated: NAME -->` and `<!-- end generated -->` lines;
everything else in a file is written by hand and left alone.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "collector"
sys.path.insert(0, str(ROOT))  # the CLI and schema sections import collector from here


def _summary(path: Path) -> str:
    """The first sentence-line of a module's docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text("utf-8"))) or ""
    first = doc.strip().split("\n\n", 1)[0]
    return " ".join(first.split())


def modules_table() -> str:
    """One row per module of the package, grouped by sub-package, from the docstrings."""
    rows = ["| module | what it owns |", "|---|---|"]
    for path in sorted(PACKAGE.rglob("*.py"), key=lambda p: (p.parent != PACKAGE, str(p))):
        rel = path.relative_to(ROOT).as_posix()
        if "/demo/site/" in rel:
            continue
        summary = _summary(path).replace("|", "\\|")
        rows.append(f"| `{rel}` | {summary} |")
    return "\n".join(rows)


HELP_WIDTH = 100  # docs/cli.md shows --help as an 100-column terminal would


def cli_reference() -> str:
    """Every command's `--help`, in the order `collector --help` lists them, subcommands
    after their group."""
    import click

    from collector.cli import cli

    sections: list[str] = []

    def add(command: click.Command, name: str, parent: click.Context | None) -> None:
        ctx = click.Context(
            command,
            info_name=name,
            parent=parent,
            terminal_width=HELP_WIDTH,
            max_content_width=HELP_WIDTH,
        )
        title = ctx.command_path
        sections.append(f"### `{title}`\n\n```text\n{command.get_help(ctx)}\n```")
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                child = command.get_command(ctx, sub)
                if child is not None and not child.hidden:
                    add(child, sub, ctx)

    add(cli, "collector", None)
    return "\n\n".join(sections)


def exit_statuses() -> str:
    from collector.exits import exit_statuses_table

    return exit_statuses_table()


def schema_reference() -> str:
    """Every table and view of index.db with its columns, from a freshly migrated index and
    the meanings in collector/records/schema.py; a column without a meaning is an error."""
    from collector.records.index import describe_schema
    from collector.records.schema import DOCS

    out: list[str] = []
    problems: list[str] = []
    for relation in describe_schema():
        if relation.name not in DOCS:
            problems.append(f"{relation.name}: no entry in DOCS")
            continue
        about, meanings = DOCS[relation.name]
        names = [c.name for c in relation.columns]
        problems += [f"{relation.name}.{n}: no meaning" for n in names if n not in meanings]
        problems += [f"{relation.name}.{n}: no such column" for n in meanings if n not in names]
        since = "always" if relation.version == 0 else f"version {relation.version}"
        out.append(
            f"### `{relation.name}` ({relation.kind}, {since})\n\n{about[:1].upper()}{about[1:]}.\n"
        )
        out += ["| column | type | meaning |", "|---|---|---|"]
        for c in relation.columns:
            kind = c.type or "any"
            if c.primary_key:
                kind += ", primary key"
            if c.references:
                kind += f", → `{c.references}`"
            meaning = meanings.get(c.name, "").replace("|", "\\|")
            out.append(f"| `{c.name}` | {kind} | {meaning} |")
        out.append("")
    if problems:
        raise SystemExit("collector/records/schema.py DOCS: " + "; ".join(problems))
    return "\n".join(out).rstrip()


SECTIONS: dict[str, Callable[[], str]] = {
    "modules": modules_table,
    "cli": cli_reference,
    "exit_statuses": exit_statuses,
    "schema": schema_reference,
}
FILES = [
    ROOT / "docs" / "architecture.md",
    ROOT / "docs" / "cli.md",
    ROOT / "docs" / "schema.md",
    ROOT / "README.md",
]
_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def render(text: str) -> str:
    return _BLOCK.sub(lambda m: m[1] + SECTIONS[m[2]]() + "\n" + m[4], text)


def main(argv: list[str]) -> int:
    stale = []
    for path in FILES:
        old = path.read_text("utf-8")
        new = render(old)
        if new != old:
            stale.append(path)
            if "--check" not in argv:
                path.write_text(new, "utf-8")
    if "--check" in argv and stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"stale: {names} (run: python docs/generate.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
