"""SHA256SUMS: the one writer and the one reader, for capture folders, late timestamp folders
and evidence packages alike.

The format is what `sha256sum` writes and `sha256sum -c` checks: one line per file,
`<64 lowercase hex digits><two spaces><name>`, sorted by name here. A name is a plain
relative path (no newline, no backslash, which sha256sum would escape), so every line
reads back to exactly the name that was written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Sums", "differing", "format_sums", "parse_sums"]

_LINE = re.compile(r"([0-9a-f]{64})  ([^\r\n\\]+)")


def format_sums(entries: Iterable[tuple[str, str]]) -> bytes:
    """(name, hex SHA-256) pairs as SHA256SUMS bytes, sorted by name."""
    lines = []
    for name, digest in sorted(entries):
        line = f"{digest}  {name}"
        if not _LINE.fullmatch(line):
            raise ValueError(f"cannot list {name!r} ({digest!r}) in SHA256SUMS")
        lines.append(line + "\n")
    return "".join(lines).encode("utf-8")


@dataclass(frozen=True)
class Sums:
    """A SHA256SUMS file as read: name -> hex digest, and what was wrong with its lines."""

    entries: dict[str, str]
    problems: tuple[str, ...] = ()  # "line 3 is malformed", "line 5 lists x again"


def parse_sums(data: bytes) -> Sums:
    entries: dict[str, str] = {}
    problems: list[str] = []
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        match = _LINE.fullmatch(line)
        if match is None:
            problems.append(f"line {n} is malformed")
            continue
        digest, name = match.groups()
        if name in entries:
            problems.append(f"line {n} lists {name} again")
            continue
        entries[name] = digest
    return Sums(entries, tuple(problems))


def differing(a: Mapping[str, str | None], b: Mapping[str, str | None]) -> list[str]:
    """The names whose digests two listings disagree on (missing on one side included)."""
    return sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
