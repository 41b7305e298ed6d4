"""Shell completion (Click's own): capture ids, cases, runs and watch-list files.

Enable it with `eval "$(_COLLECTOR_COMPLETE=bash_source collector)"` (zsh_source, fish_source
for those shells; docs/cli.md). The callbacks read the index read-only with a short wait,
and never fail: a missing store, a busy index or anything unexpected completes nothing
rather than printing an error into the user's prompt.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _store(ctx: click.Context) -> Path:
    value = ctx.params.get("store") or os.environ.get("COLLECTOR_STORE") or "evidence"
    return Path(value)


def _from_index(kind: str) -> Completer:
    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        try:
            from collector.evidence.store import EvidenceStore
            from collector.records.index import completions

            path = EvidenceStore(_store(ctx)).index_path
            return [CompletionItem(v, help=h) for v, h in completions(path, kind, incomplete)]
        except Exception:  # completion must never break the user's prompt
            return []

    return complete


complete_capture = _from_index("capture")
complete_case = _from_index("case")
complete_run = _from_index("run")


def complete_watchlist(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """TOML files (watch lists) whose path starts with what was typed, looking up to two
    folders deep (so `pro<TAB>` offers profiles/*.toml)."""
    found: list[str] = []

    def walk(folder: Path, shown: str, depth: int) -> None:
        for path in sorted(folder.iterdir()):
            if len(found) >= 200 or path.name.startswith("."):
                continue
            name = shown + path.name
            if path.is_dir():
                if depth < 2 and (name.startswith(incomplete) or incomplete.startswith(name + "/")):
                    walk(path, name + "/", depth + 1)
            elif path.suffix.lower() == ".toml" and name.startswith(incomplete):
                found.append(name)

    try:
        folder = incomplete.rpartition("/")[0]
        start = folder + "/" if folder else ""
        walk(Path(folder or "."), start, 0)
    except Exception:  # completion must never break the user's prompt
        return []
    return [CompletionItem(name) for name in found]
