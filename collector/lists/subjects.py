"""Subjects: the people looked for in captures, and the needles that stand for them.

Three sources, all ending as `models.Subject`s on a `CaptureJob` (with `find` = every
subject's needles):

* `collector capture URL --find VALUE` (repeatable), and a watch list's `find = [...]`
  (per entry, or in `[defaults]`): the values are one subject, one person's handles and
  name (a comment that shows both their handle and their name is one finding, not two);
  for several people, use a subjects list. A value starting with "@", or one word of
  handle characters, is a handle (on the capture's platform); an http(s) URL is a
  profile address (its handle is looked for too); anything else is a text, typically a
  name.
* `--subjects FILE`: a subjects list, which is a watch list (the same TOML, or a CSV
  imported with `collector profiles import`): every `[[entry]]` is one account of a
  person, with `name`, `nip`, `unit`, `platform` and `handle` (or a profile `url`).
  Entries with the same NIP (or, without a NIP, the same name) are one person with
  several accounts. An entry's `find = [...]` adds texts to look for (their name, say).
  Every handle and every text of every person is looked for in every capture of the run.

Needle ids are `<subject id>.<n>`; subject ids `s1`, `s2`, ... in the order given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from collector.lists.format import WatchEntry, WatchListError, load_watchlist
from collector.models import Needle, Subject
from collector.sites.platforms import parse_profile_url

__all__ = [
    "MAX_FIND_VALUE",
    "SubjectList",
    "all_needles",
    "check_find_value",
    "combine",
    "load_subjects",
    "needle_kind",
    "subjects_from_find",
]

MAX_FIND_VALUE = 200
_HANDLE_WORD = re.compile(r"@?[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class SubjectList:
    path: Path
    sha256: str
    subjects: tuple[Subject, ...]

    def record(self) -> dict[str, str]:
        return {"file": str(self.path), "sha256": self.sha256}


def needle_kind(value: str) -> str:
    """ "handle", "profile_url" or "text" for one `--find` value (module docstring)."""
    text = value.strip()
    if re.match(r"(?i)https?://", text):
        return "profile_url"
    if _HANDLE_WORD.fullmatch(text):
        return "handle"
    return "text"


def check_find_value(value: object) -> str:
    """A `--find` / `find = [...]` value, or ValueError saying what is wrong with it."""
    if not isinstance(value, str):
        raise ValueError(f"find values must be strings, not {type(value).__name__}")
    text = " ".join(value.split())
    if not text or text == "@":
        raise ValueError("find value is empty")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value.strip()):
        raise ValueError("find values must be single lines of text")
    if len(text) > MAX_FIND_VALUE:
        raise ValueError(f"find value is longer than {MAX_FIND_VALUE} characters")
    if needle_kind(text) == "profile_url" and parse_profile_url(text) is None:
        raise ValueError(f'find value "{text}" is an address but not a profile address')
    return text


def _needle(subject_id: str, n: int, value: str, platform: str | None) -> Needle:
    kind = needle_kind(value)
    if kind == "profile_url":
        parsed = parse_profile_url(value)
        return Needle(f"{subject_id}.{n}", kind, value, parsed[0] if parsed else platform)
    if kind == "handle":
        return Needle(f"{subject_id}.{n}", kind, value.lstrip("@"), platform)
    return Needle(f"{subject_id}.{n}", kind, value, None)


def subjects_from_find(
    values: Iterable[str], platform: str | None, source: str
) -> tuple[Subject, ...]:
    """The values, as one subject: one person's handles, profile addresses and name
    (raises ValueError for a bad value; no values, no subject)."""
    needles: list[Needle] = []
    handles: list[tuple[str, str]] = []
    names: list[str] = []
    for raw in values:
        value = check_find_value(raw)
        needle = _needle("s1", len(needles) + 1, value, platform if platform != "web" else None)
        needles.append(needle)
        if needle.kind == "handle" and needle.platform:
            handles.append((needle.platform, needle.value.lower()))
        elif needle.kind == "profile_url":
            parsed = parse_profile_url(value)
            if parsed:
                handles.append(parsed)
        elif needle.kind == "text":
            names.append(value)
    if not needles:
        return ()
    name = names[0] if names else None
    return (Subject("s1", name, None, None, tuple(dict.fromkeys(handles)), tuple(needles), source),)


def _person_key(entry: WatchEntry) -> str:
    if entry.nip:
        return "nip:" + entry.nip
    return "name:" + " ".join(entry.name.casefold().split())


def load_subjects(path: str | Path) -> SubjectList:
    """A subjects list (module docstring); WatchListError lists every problem."""
    watchlist = load_watchlist(path)
    groups: dict[str, list[WatchEntry]] = {}
    for entry in watchlist.entries:
        groups.setdefault(_person_key(entry), []).append(entry)
    errors = []
    subjects = []
    for i, entries in enumerate(groups.values(), 1):
        first = entries[0]
        names = {" ".join(e.name.casefold().split()) for e in entries}
        if len(names) > 1:
            errors.append(
                f"{path}: entries {', '.join(str(e.index) for e in entries)} share NIP "
                f"{first.nip} but not the name ({', '.join(sorted(e.name for e in entries))})"
            )
            continue
        sid = f"s{i}"
        needles: list[Needle] = []
        handles: list[tuple[str, str]] = []
        for entry in entries:
            if entry.handle and (entry.platform, entry.handle) not in handles:
                handles.append((entry.platform, entry.handle))
                needles.append(
                    Needle(f"{sid}.{len(needles) + 1}", "handle", entry.handle, entry.platform)
                )
            for text in entry.find:
                if text not in [n.value for n in needles]:
                    needles.append(_needle(sid, len(needles) + 1, text, entry.platform))
        if not needles:
            errors.append(
                f"{path}: entry {first.index} ({first.name}): nothing to look for "
                '(give a handle, a profile url, or find = ["..."])'
            )
            continue
        where = ", ".join(str(e.index) for e in entries)
        subjects.append(
            Subject(
                sid,
                first.name,
                first.nip,
                next((e.unit for e in entries if e.unit), None),
                tuple(handles),
                tuple(needles),
                f"{Path(path).name} entr{'ies' if len(entries) > 1 else 'y'} {where}",
            )
        )
    if errors:
        raise WatchListError(errors)
    return SubjectList(watchlist.path, watchlist.sha256, tuple(subjects))


def combine(*groups: Sequence[Subject]) -> tuple[Subject, ...]:
    """Subjects from several sources, renumbered `s1`, `s2`, ... (needles follow), with
    a handle or text already looked for under an earlier subject not repeated."""
    out: list[Subject] = []
    seen: set[tuple[str, str | None, str]] = set()
    for group in groups:
        for subject in group:
            sid = f"s{len(out) + 1}"
            needles: list[Needle] = []
            for needle in subject.needles:
                key = (needle.kind, needle.platform, needle.value.casefold())
                if key in seen:
                    continue
                seen.add(key)
                needles.append(
                    Needle(f"{sid}.{len(needles) + 1}", needle.kind, needle.value, needle.platform)
                )
            if needles:
                out.append(
                    Subject(
                        sid,
                        subject.name,
                        subject.nip,
                        subject.unit,
                        subject.handles,
                        tuple(needles),
                        subject.source,
                    )
                )
    return tuple(out)


def all_needles(subjects: Iterable[Subject]) -> tuple[Needle, ...]:
    return tuple(n for s in subjects for n in s.needles)
