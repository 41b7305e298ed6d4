"""Watch lists: which accounts to capture, written by people, in TOML.

Format
------
::

    [defaults]            # optional; applies to every entry
    platform = "instagram"
    max_scrolls = 10
    tags = ["asn"]

    [sessions]            # optional: platform -> Playwright storage-state JSON
    instagram = "secrets/ig.json"   # relative to the list file

    [proxy]               # optional: "*" (every platform) or a platform -> proxy URL
    "*" = "socks5://127.0.0.1:9050"

    [browsers]            # optional: render on browser workers (docs/browsers.md)
    endpoints = ["ws://10.8.0.2:3000/TOKEN"]   # what `playwright launch-server` printed
    per_endpoint = 2                           # pages at once on each (default 2)

    [[entry]]
    name = "Budi S."
    nip = "198703122010011003"   # optional, 18 digits
    unit = "Dinas Pendidikan"
    platform = "instagram"
    handle = "budi.s"           # either handle or url
    tags = ["guru", "kecamatan-laweyan"]
    max_scrolls = 5             # optional per-entry capture settings:
    wait_for = "article"        #   CSS selector that must appear
    expect_text = "Budi"        #   text that must be present for 'ok'
    viewport = "1280x800"
    expand = false              #   do not open hidden comments, replies, lists
    find = ["@andi.tim", "Tim Pemenangan"]   # people/texts to look for on the page
    lists = ["following"]       # also capture the profile's following list

Entry keys
  ``name`` (required) the person, as the report should name them.
  ``nip`` 18-digit civil-servant number (NIP); spaces are ignored, so
  "19870312 201001 1 003" is fine. Write it quoted: it is text, not a number.
  ``unit`` work unit (OPD). ``platform`` one of instagram, facebook, x
  (or twitter), tiktok, youtube, threads, web.
  ``handle`` the account name (a leading "@" is fine) or ``url`` any http(s)
  URL (a profile, a single post, or any page); exactly one of the two. URLs
  follow the one URL policy (``collector.sites.urls``, docs/urls.md).
  ``tags`` free-form labels for ``--only-tags``; no spaces, commas or ";".
  ``max_scrolls`` 0..500; ``wait_for`` CSS selector; ``expect_text`` text;
  ``viewport`` "WIDTHxHEIGHT". ``expand`` true/false: open what the page hides
  (comments, replies, "see more", inner scroll lists) before the shot (default true;
  ``--no-expand`` turns it off for a whole run).
  ``find`` handles ("@budi"), profile addresses or texts (names) to look for
  in the capture (collector.lists.subjects; docs/interactions.md); in
  ``[defaults]`` too, where they are added to every entry's.
  ``lists`` "following" and/or "followers": the profile's list, captured as
  its own capture linked to the entry: the list's page (instagram, x,
  facebook), or the profile with the list opened in its dialog from the
  profile's counts (tiktok, threads, and any other site: "web").

Resolution
  The platform is the entry's ``platform``; otherwise, when a ``url`` is given,
  the platform of its host; otherwise ``[defaults] platform``. A handle becomes
  the platform's canonical profile URL; a url is canonicalised the same way
  when it is a profile or post, otherwise only its scheme/host case, default
  port and fragment change. ``[defaults]`` may set platform, unit, tags,
  max_scrolls, wait_for, expect_text, viewport, expand and find; an entry's own value
  wins, except ``tags``, which are added to the defaults' tags.

Checks
  Everything is validated and every problem reported at once, one message per
  problem, e.g.::

    profiles/solo.toml: entry 14 ("Budi S."): unknown platform "instgram"
      (did you mean "instagram"?) (line 57)

  (one line; wrapped here).
  The line is the offending key's line when it can be found, else the
  ``[[entry]]`` header's. Two entries with the same resolved URL, or two
  profiles with the same name and platform, are reported as duplicates (give
  a second account of the same person a distinct name, e.g. "Budi S. (akun
  kedua)"); several posts or pages under one name are fine.

CSV import
----------
``import_csv`` turns a spreadsheet export into a watch list. The first row is
the header; column names are case-insensitive: name, nip, unit, platform,
handle, url, tags (separated by ";" or ","), max_scrolls, wait_for,
expect_text, viewport, expand (true/false, ya/tidak), find and lists
(separated by ";"). Only ``name`` is required as a column. Comma, ";" and tab
delimiters are detected (Indonesian Excel writes ";"); a UTF-8 BOM is fine; a
file that is not UTF-8 is read as Windows-1252, as Excel writes it, and the
TOML says so. Empty cells mean "not set"; empty rows are skipped.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import difflib
import functools
import io
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final, TypeVar

from collector.errors import TargetRefused, UsageError
from collector.evidence.hashing import sha256_bytes
from collector.sites.platforms import (
    PlatformError,
    detect_platform,
    normalize_handle,
    parse_profile_url,
    profile_url,
    resolve_platform,
)
from collector.sites.posts import canonical_url
from collector.sites.urls import parse_browser_endpoint, parse_proxy, redact_proxy

_T = TypeVar("_T")

__all__ = [
    "CheckRow",
    "WatchEntry",
    "WatchList",
    "WatchListError",
    "check_report",
    "filter_entries",
    "import_csv",
    "load_watchlist",
    "toml_string",
]

ENTRY_KEYS: Final = (
    "name",
    "nip",
    "unit",
    "platform",
    "handle",
    "url",
    "tags",
    "max_scrolls",
    "wait_for",
    "expect_text",
    "viewport",
    "expand",
    "find",
    "lists",
)
DEFAULT_KEYS: Final = (
    "platform",
    "unit",
    "tags",
    "max_scrolls",
    "wait_for",
    "expect_text",
    "viewport",
    "expand",
    "find",
)
MAX_FIND: Final = 100  # values in one find list
TOP_KEYS: Final = ("defaults", "sessions", "proxy", "browsers", "entry")
BROWSERS_KEYS: Final = ("endpoints", "per_endpoint")
MAX_SCROLLS_LIMIT: Final = 500
VIEWPORT_RANGE: Final = (200, 10000)


class WatchListError(ValueError):
    """A watch list (or CSV) that cannot be used; ``errors`` has every problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: tuple[str, ...] = tuple(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class WatchEntry:
    index: int  # 1-based position in the file
    name: str
    nip: str | None
    unit: str | None
    platform: str
    handle: str | None  # normalised; also derived from a profile url
    url: str  # canonical URL to capture
    tags: tuple[str, ...]
    max_scrolls: int | None  # None: the capture's default
    wait_for: str | None
    expect_text: str | None
    viewport: tuple[int, int] | None  # (width, height)
    line: int | None  # line of the entry's [[entry]] header
    # false: do not open what the page hides (comments, replies, lists); None: default
    expand: bool | None = None
    find: tuple[str, ...] = ()  # looked for in the capture (with [defaults] find)
    lists: tuple[str, ...] = ()  # "following", "followers": captured too


@dataclass(frozen=True)
class WatchList:
    path: Path
    sha256: str  # of the file's bytes, for the capture manifest
    entries: tuple[WatchEntry, ...]
    sessions: Mapping[str, Path] = field(default_factory=lambda: MappingProxyType({}))
    proxies: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # [browsers]: endpoint URLs as written (they may hold a token: shown only through
    # collector.sites.urls.redact_endpoint), and pages at once on each
    endpoints: tuple[str, ...] = ()
    per_endpoint: int | None = None

    def session_for(self, platform: str) -> Path | None:
        """Storage-state file to load for a platform, if any."""
        return self.sessions.get(platform)

    def proxy_for(self, platform: str) -> str | None:
        """Proxy URL for a platform: its own, else the "*" one."""
        return self.proxies.get(platform, self.proxies.get("*"))


@dataclass(frozen=True)
class CheckRow:
    """One line of ``collector profiles check``."""

    index: int
    name: str
    platform: str
    handle: str | None
    url: str
    tags: tuple[str, ...]
    session: Path | None
    proxy: str | None  # redact_proxy: the server, no credentials
    line: int | None


# -- small helpers ----------------------------------------------------------


class _Invalid(Exception):
    """One bad value; the message is completed by the caller."""


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _type_name(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _text(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{key} must be a string, not {_type_name(value)}")
    text = value.strip()
    if not text:
        raise _Invalid(f"{key} is empty")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise _Invalid(f"{key} must be a single line of text")
    return text


def _nip(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise _Invalid(f'nip must be quoted text, e.g. nip = "{value}"')
    text = _text("nip", value).replace(" ", "")
    if not re.fullmatch(r"\d{18}", text):
        raise _Invalid(f'nip "{value}" must be 18 digits')
    return text


def _tags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Invalid(
            f'tags must be a list of strings, e.g. tags = ["guru"], not {_type_name(value)}'
        )
    tags: list[str] = []
    for item in value:
        tag = _text("tag", item)
        if re.search(r"[\s,;]", tag):
            raise _Invalid(f'tag "{tag}" must not contain spaces, "," or ";"')
        tags.append(tag)
    return tuple(dict.fromkeys(tags))


def _max_scrolls(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"max_scrolls must be a whole number, not {_type_name(value)}")
    if not 0 <= value <= MAX_SCROLLS_LIMIT:
        raise _Invalid(f"max_scrolls {value} is outside 0..{MAX_SCROLLS_LIMIT}")
    return value


def _expand(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expand must be true or false, not {_type_name(value)}")
    return value


def _viewport(value: object) -> tuple[int, int]:
    text = _text("viewport", value)
    hit = re.fullmatch(r"(\d+)\s*[x\u00d7]\s*(\d+)", text, re.IGNORECASE)
    if hit is None:
        raise _Invalid(f'viewport "{text}" must be WIDTHxHEIGHT, e.g. "1280x800"')
    width, height = int(hit.group(1)), int(hit.group(2))
    low, high = VIEWPORT_RANGE
    if not (low <= width <= high and low <= height <= high):
        raise _Invalid(f'viewport "{text}": width and height must be {low}..{high}')
    return width, height


def _find(value: object) -> tuple[str, ...]:
    from collector.lists.subjects import check_find_value

    if not isinstance(value, list):
        raise _Invalid(
            f'find must be a list of strings, e.g. find = ["@budi"], not {_type_name(value)}'
        )
    if len(value) > MAX_FIND:
        raise _Invalid(f"find has {len(value)} values; at most {MAX_FIND}")
    found: list[str] = []
    for item in value:
        try:
            found.append(check_find_value(item))
        except ValueError as exc:
            raise _Invalid(str(exc)) from None
    return tuple(dict.fromkeys(found))


def _lists(value: object) -> tuple[str, ...]:
    from collector.sites.interactions import LIST_KINDS

    if not isinstance(value, list):
        raise _Invalid(f'lists must be a list, e.g. lists = ["following"], not {_type_name(value)}')
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or item.strip().lower() not in LIST_KINDS:
            hint = _did_you_mean(str(item), LIST_KINDS) if isinstance(item, str) else ""
            raise _Invalid(f'unknown list "{item}"{hint} (known: {", ".join(LIST_KINDS)})')
        out.append(item.strip().lower())
    return tuple(dict.fromkeys(out))


def _platform(value: object) -> str:
    text = _text("platform", value)
    try:
        return resolve_platform(text)
    except PlatformError as exc:
        raise _Invalid(str(exc)) from None


# -- one entry --------------------------------------------------------------


@dataclass(frozen=True)
class _Defaults:
    platform: str | None = None
    platform_broken: bool = False  # [defaults] platform was invalid: don't cascade
    unit: str | None = None
    tags: tuple[str, ...] = ()
    max_scrolls: int | None = None
    wait_for: str | None = None
    expect_text: str | None = None
    viewport: tuple[int, int] | None = None
    expand: bool | None = None
    find: tuple[str, ...] = ()


# A problem: message and, if known, the line it is on.
_Problem = tuple[str, int | None]


def _build_entry(
    raw: Mapping[str, object],
    defaults: _Defaults,
    index: int,
    line: int | None,
    key_line: Callable[[str], int | None] | None,
) -> tuple[WatchEntry | None, list[_Problem]]:
    """Validate one entry; every problem found, not only the first.

    ``key_line`` finds the line of a key; without it every problem is on ``line``.
    """
    problems: list[_Problem] = []

    def bad(key: str | None, message: str) -> None:
        problems.append((message, key_line(key) if key and key_line else line))

    for key in raw:
        if key not in ENTRY_KEYS:
            bad(key, f'unknown key "{key}"{_did_you_mean(key, ENTRY_KEYS)}')

    def get(key: str, check: Callable[[object], _T]) -> _T | None:
        if key not in raw:
            return None
        try:
            return check(raw[key])
        except _Invalid as exc:
            bad(key, str(exc))
            return None

    name = get("name", lambda v: _text("name", v))
    if "name" not in raw:
        bad(None, 'missing "name"')
    nip = get("nip", _nip)
    unit = get("unit", lambda v: _text("unit", v))
    own_platform = get("platform", _platform)
    handle = get("handle", lambda v: _text("handle", v))
    url_text = get("url", lambda v: _text("url", v))
    tags = get("tags", _tags) or ()
    max_scrolls = get("max_scrolls", _max_scrolls)
    wait_for = get("wait_for", lambda v: _text("wait_for", v))
    expect_text = get("expect_text", lambda v: _text("expect_text", v))
    viewport = get("viewport", _viewport)
    expand = get("expand", _expand)
    find = get("find", _find) or ()
    lists = get("lists", _lists) or ()

    platform_failed = "platform" in raw and own_platform is None
    platform: str | None = own_platform
    url: str | None = None
    if "handle" in raw and "url" in raw:
        bad("url", 'give either "handle" or "url", not both')
    elif "handle" not in raw and "url" not in raw:
        bad(None, 'missing "handle" or "url"')
    elif url_text is not None:
        try:
            url = canonical_url(url_text)
        except (PlatformError, TargetRefused) as exc:
            bad("url", str(exc))
        else:
            host_platform = detect_platform(url)
            if platform is None and not platform_failed:
                platform = host_platform
            elif platform not in (None, "web", host_platform):
                where = f"not on {platform}" if host_platform == "web" else f"on {host_platform}"
                bad("url", f'platform is "{platform}" but the URL is {where}')
            if platform is not None and handle is None:
                profile = parse_profile_url(url)
                if profile is not None and profile[0] == platform:
                    handle = profile[1]
    elif handle is not None:
        if platform is None and not platform_failed:
            platform = defaults.platform
            if platform is None and not defaults.platform_broken:
                bad(None, 'no platform: set "platform" here or in [defaults]')
        if platform is not None:
            try:
                handle = normalize_handle(platform, handle)
                url = profile_url(platform, handle)
            except PlatformError as exc:
                bad("handle", str(exc))

    if lists and platform is not None and url is not None:
        from collector.sites.interactions import ListPageError, list_url, list_via

        for which in lists:
            try:
                if list_via(platform, which) == "page":
                    list_url(platform, url, which)
            except ListPageError as exc:
                bad("lists", str(exc))
    if problems or name is None or platform is None or url is None:
        return None, problems
    return (
        WatchEntry(
            index=index,
            name=name,
            nip=nip,
            unit=unit if unit is not None else defaults.unit,
            platform=platform,
            handle=handle,
            url=url,
            tags=tuple(dict.fromkeys((*defaults.tags, *tags))),
            max_scrolls=max_scrolls if max_scrolls is not None else defaults.max_scrolls,
            wait_for=wait_for if wait_for is not None else defaults.wait_for,
            expect_text=expect_text if expect_text is not None else defaults.expect_text,
            viewport=viewport if viewport is not None else defaults.viewport,
            line=line,
            expand=expand if expand is not None else defaults.expand,
            find=tuple(dict.fromkeys((*defaults.find, *find))),
            lists=lists,
        ),
        [],
    )


def _duplicates(
    entries: Sequence[WatchEntry], ref: Callable[[WatchEntry], str]
) -> list[tuple[WatchEntry, str]]:
    """(later entry, message) for each entry repeating an earlier one."""
    by_url: dict[str, WatchEntry] = {}
    by_name: dict[tuple[str, str], WatchEntry] = {}
    found: list[tuple[WatchEntry, str]] = []
    for entry in entries:
        # Same person twice on one platform is a copy-paste slip for accounts;
        # several posts or pages of one person are normal, so only profiles count.
        name_key = (" ".join(entry.name.casefold().split()), entry.platform)
        if entry.url in by_url:
            first = by_url[entry.url]
            found.append((entry, f"duplicate of {ref(first)} (same URL {entry.url})"))
        elif entry.handle is not None and name_key in by_name:
            first = by_name[name_key]
            found.append(
                (
                    entry,
                    f'duplicate of {ref(first)} (same name and platform "{entry.platform}"; '
                    "give a second account a distinct name)",
                )
            )
        by_url.setdefault(entry.url, entry)
        if entry.handle is not None:  # a profile
            by_name.setdefault(name_key, entry)
    return found


# -- TOML positions ---------------------------------------------------------

_HEADER = re.compile(r"\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?")


class _Lines:
    """Line numbers tomllib does not give: table headers and keys in them."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[str, bool, int]] = []  # (name, is_array, line)
        delimiter: str | None = None  # inside a multi-line string
        for number, line in enumerate(self.lines, start=1):
            if delimiter is not None:
                if delimiter in line:
                    delimiter = None
                continue
            hit = _HEADER.fullmatch(line)
            if hit is not None:
                name = hit.group(2).strip().strip("\"'")
                self.headers.append((name, hit.group(1) == "[[", number))
                continue
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    delimiter = quote
                    break

    def entry_lines(self, count: int) -> list[int | None]:
        lines = [n for name, is_array, n in self.headers if is_array and name == "entry"]
        # A file that builds entries some other way: better no line than a wrong one.
        return list(lines) if len(lines) == count else [None] * count

    def table_line(self, name: str) -> int | None:
        return next((n for table, _, n in self.headers if table == name), None)

    def key_line(self, start: int | None, key: str) -> int | None:
        """Line of ``key = ...`` in the table whose header is on line ``start``."""
        if start is None:
            return None
        pattern = re.compile(rf"\s*([\"']?){re.escape(key)}\1\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if _HEADER.fullmatch(line):
                break
            if pattern.match(line):
                return number
        return start


def _at(line: int | None) -> str:
    return f" (line {line})" if line is not None else ""


def _named(what: str, raw: Mapping[str, object]) -> str:
    name = raw.get("name")
    if isinstance(name, str) and name.strip():
        return f'{what} ("{name.strip()}")'
    return what


def _entry_ref(index: int, raw: Mapping[str, object]) -> str:
    return _named(f"entry {index}", raw)


def _row_ref(line: int, raw: Mapping[str, object]) -> str:
    return _named(f"line {line}", raw)


# -- loading ----------------------------------------------------------------


def load_watchlist(path: str | Path) -> WatchList:
    """Read and validate a watch list; raise ``WatchListError`` with every problem."""
    source = str(path)
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WatchListError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WatchListError([f"{source}: not UTF-8 text (byte {exc.start})"]) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line N, column M)".
        raise WatchListError([f"{source}: invalid TOML: {exc}"]) from None

    lines = _Lines(text)
    errors: list[str] = []

    def section_error(section: str, message: str, line: int | None) -> None:
        errors.append(f"{source}: [{section}]: {message}{_at(line)}")

    for key in document:
        if key not in TOP_KEYS:
            hint = _did_you_mean(key, TOP_KEYS)
            errors.append(f'{source}: unknown table "{key}"{hint}{_at(lines.table_line(key))}')

    defaults = _load_defaults(document.get("defaults"), lines, section_error)
    sessions = _load_sessions(
        document.get("sessions"), path.absolute().parent, lines, section_error
    )
    proxies = _load_proxies(document.get("proxy"), lines, section_error)
    endpoints, per_endpoint = _load_browsers(document.get("browsers"), lines, section_error)

    raw_entries = document.get("entry", [])
    if not isinstance(raw_entries, list) or not all(isinstance(e, dict) for e in raw_entries):
        errors.append(f"{source}: entries must be [[entry]] tables")
        raw_entries = []
    elif not raw_entries:
        errors.append(f"{source}: no [[entry]] tables: nothing to capture")

    entries: list[WatchEntry] = []
    header_lines = lines.entry_lines(len(raw_entries))
    for index, (raw, line) in enumerate(zip(raw_entries, header_lines, strict=True), start=1):
        entry, problems = _build_entry(
            raw, defaults, index, line, functools.partial(lines.key_line, line)
        )
        ref = _entry_ref(index, raw)
        errors.extend(f"{source}: {ref}: {message}{_at(at)}" for message, at in problems)
        if entry is not None:
            entries.append(entry)

    for entry, message in _duplicates(entries, lambda e: f"entry {e.index}"):
        errors.append(f'{source}: entry {entry.index} ("{entry.name}"): {message}{_at(entry.line)}')

    if errors:
        raise WatchListError(errors)
    return WatchList(
        path=path,
        sha256=sha256_bytes(data),
        entries=tuple(entries),
        sessions=MappingProxyType(sessions),
        proxies=MappingProxyType(proxies),
        endpoints=endpoints,
        per_endpoint=per_endpoint,
    )


_SectionError = Callable[[str, str, int | None], None]


def _table(value: object, section: str, lines: _Lines, report: _SectionError) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        report(section, f"must be a table, not {_type_name(value)}", lines.table_line(section))
        return {}
    return value


def _load_defaults(value: object, lines: _Lines, report: _SectionError) -> _Defaults:
    table = _table(value, "defaults", lines, report)
    start = lines.table_line("defaults")
    problems: list[tuple[int, str]] = []  # (line or 0, message), reported in file order

    for key in table:
        if key in ENTRY_KEYS and key not in DEFAULT_KEYS:
            problems.append(
                (
                    lines.key_line(start, key) or 0,
                    f'"{key}" belongs in each [[entry]], not in [defaults]',
                )
            )
        elif key not in DEFAULT_KEYS:
            problems.append(
                (
                    lines.key_line(start, key) or 0,
                    f'unknown key "{key}"{_did_you_mean(key, DEFAULT_KEYS)}',
                )
            )

    def get(key: str, check: Callable[[object], _T]) -> _T | None:
        if key not in table:
            return None
        try:
            return check(table[key])
        except _Invalid as exc:
            problems.append((lines.key_line(start, key) or 0, str(exc)))
            return None

    defaults = _Defaults(
        platform=get("platform", _platform),
        unit=get("unit", lambda v: _text("unit", v)),
        tags=get("tags", _tags) or (),
        max_scrolls=get("max_scrolls", _max_scrolls),
        wait_for=get("wait_for", lambda v: _text("wait_for", v)),
        expect_text=get("expect_text", lambda v: _text("expect_text", v)),
        viewport=get("viewport", _viewport),
        expand=get("expand", _expand),
        find=get("find", _find) or (),
    )
    for at, message in sorted(problems, key=lambda p: p[0]):
        report("defaults", message, at or None)
    if "platform" in table and defaults.platform is None:
        return dataclasses.replace(defaults, platform_broken=True)
    return defaults


def _load_sessions(
    value: object, base: Path, lines: _Lines, report: _SectionError
) -> dict[str, Path]:
    table = _table(value, "sessions", lines, report)
    start = lines.table_line("sessions")
    sessions: dict[str, Path] = {}
    for key, raw in table.items():
        at = lines.key_line(start, key)
        try:
            platform = _platform(key)
            location = Path(_text(key, raw)).expanduser()
        except _Invalid as exc:
            report("sessions", str(exc), at)
            continue
        resolved = location if location.is_absolute() else base / location
        if not resolved.is_file():
            report("sessions", f"{platform}: storage-state file not found: {resolved}", at)
            continue
        sessions[platform] = resolved
    return sessions


def _load_proxies(value: object, lines: _Lines, report: _SectionError) -> dict[str, str]:
    table = _table(value, "proxy", lines, report)
    start = lines.table_line("proxy")
    proxies: dict[str, str] = {}
    for key, raw in table.items():
        at = lines.key_line(start, key)
        try:
            platform = "*" if key == "*" else _platform(key)
            url = _text(key, raw)
        except _Invalid as exc:
            report("proxy", str(exc), at)
            continue
        try:
            parse_proxy(url)
        except UsageError as exc:
            report("proxy", f"{key}: {exc}", at)
            continue
        proxies[platform] = url
    return proxies


def _load_browsers(
    value: object, lines: _Lines, report: _SectionError
) -> tuple[tuple[str, ...], int | None]:
    table = _table(value, "browsers", lines, report)
    start = lines.table_line("browsers")
    endpoints: list[str] = []
    per_endpoint = None
    for key, raw in table.items():
        at = lines.key_line(start, key)
        if key == "endpoints":
            if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
                report("browsers", "endpoints must be a list of ws:// URLs", at)
                continue
            for url in raw:
                try:
                    parse_browser_endpoint(url)
                except UsageError as exc:
                    report("browsers", str(exc), at)
                    continue
                endpoints.append(url)
        elif key == "per_endpoint":
            if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 32:
                report("browsers", "per_endpoint must be a whole number from 1 to 32", at)
                continue
            per_endpoint = raw
        else:
            report("browsers", f'unknown key "{key}"{_did_you_mean(key, BROWSERS_KEYS)}', at)
    return tuple(endpoints), per_endpoint


# -- using a loaded list ----------------------------------------------------


def filter_entries(watchlist: WatchList, only_tags: Iterable[str]) -> tuple[WatchEntry, ...]:
    """Entries carrying any of ``only_tags`` (case-insensitive); all if none given.

    A requested tag that no entry carries is an error, not an empty run: it
    is almost always a typo.
    """
    wanted = {t.strip().casefold() for t in only_tags if t.strip()}
    if not wanted:
        return watchlist.entries
    known = {t.casefold() for e in watchlist.entries for t in e.tags}
    unknown = sorted(wanted - known)
    if unknown:
        raise WatchListError(
            [
                f'{watchlist.path}: no entry has tag "{tag}"{_did_you_mean(tag, sorted(known))}'
                for tag in unknown
            ]
        )
    return tuple(e for e in watchlist.entries if wanted & {t.casefold() for t in e.tags})


def check_report(watchlist: WatchList) -> list[CheckRow]:
    """What ``collector profiles check`` prints: one row per entry, resolved."""
    rows: list[CheckRow] = []
    for entry in watchlist.entries:
        proxy = watchlist.proxy_for(entry.platform)
        rows.append(
            CheckRow(
                index=entry.index,
                name=entry.name,
                platform=entry.platform,
                handle=entry.handle,
                url=entry.url,
                tags=entry.tags,
                session=watchlist.session_for(entry.platform),
                proxy=redact_proxy(proxy) if proxy is not None else None,
                line=entry.line,
            )
        )
    return rows


# -- CSV import -------------------------------------------------------------

_TOML_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out: list[str] = []
    for char in value:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _decode(data: bytes) -> tuple[str, str | None]:
    """Text of a CSV export and a note if it was not UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        # Excel's plain "CSV" export is the ANSI code page, Windows-1252 in
        # Indonesia; mis-decoding is visible in the output, refusing helps no one.
        return data.decode("cp1252", errors="replace"), "not UTF-8; decoded as Windows-1252"


def _header_names(text: str, delimiter: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    return [cell.strip().lower() for cell in first]


def _delimiter(text: str) -> str:
    """The delimiter whose header row names known columns, the sniffer's first."""
    candidates: list[str] = []
    with contextlib.suppress(csv.Error):  # one column or too little text: header decides
        candidates.append(csv.Sniffer().sniff(text[:8192], delimiters=",;\t").delimiter)
    candidates += [";", ",", "\t"]

    def known_columns(delimiter: str) -> int:
        return sum(n in ENTRY_KEYS for n in _header_names(text, delimiter))

    return max(candidates, key=known_columns)  # ties keep the first: the sniffer's


_CSV_INT = re.compile(r"\d+")
_CSV_BOOL: Final = {
    **dict.fromkeys(("true", "ya", "yes", "1", "benar"), True),
    **dict.fromkeys(("false", "tidak", "no", "0", "salah"), False),
}


def _row_to_raw(cells: Mapping[str, str]) -> tuple[dict[str, object], list[str]]:
    """Cells -> the values a TOML entry would hold, and conversion problems."""
    raw: dict[str, object] = {}
    problems: list[str] = []
    for key, cell in cells.items():
        value = cell.strip()
        if not value:
            continue
        if key == "tags":
            raw[key] = [t.strip() for t in re.split(r"[;,]", value) if t.strip()]
        elif key in ("find", "lists"):
            # names may hold commas ("Budi, S.Pd."): only ";" separates
            raw[key] = [t.strip() for t in value.split(";") if t.strip()]
        elif key == "max_scrolls":
            if _CSV_INT.fullmatch(value):
                raw[key] = int(value)
            else:
                problems.append(f'max_scrolls "{value}" must be a whole number')
        elif key == "expand":
            flag = _CSV_BOOL.get(value.lower())
            if flag is None:
                problems.append(f'expand "{value}" must be true or false (ya/tidak)')
            else:
                raw[key] = flag
        elif key == "nip" and re.fullmatch(r"[\d.,]+[eE]\+?\d+", value):
            problems.append(
                f'nip "{value}" was turned into a number by the spreadsheet; '
                "format the column as Text and export again"
            )
        elif key == "nip":
            raw[key] = value.replace(" ", "")
        else:
            raw[key] = value
    return raw, problems


def import_csv(csv_path: str | Path) -> str:
    """TOML watch-list text from a spreadsheet export (columns in the module doc)."""
    source = str(csv_path)
    try:
        data = Path(csv_path).read_bytes()
    except OSError as exc:
        raise WatchListError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        raise WatchListError(
            [
                f'{source}: not UTF-8 (it looks like UTF-16, Excel\'s "Unicode Text"); '
                'save it as UTF-8 ("CSV UTF-8") and import it again'
            ]
        )
    text, note = _decode(data)
    if not text.strip():
        raise WatchListError([f"{source}: empty file"])

    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader)]
    errors: list[str] = []
    for position, column in enumerate(header):
        if column and column not in ENTRY_KEYS:
            hint = _did_you_mean(column, ENTRY_KEYS)
            errors.append(f'{source}: line 1: unknown column "{column}"{hint}')
        elif column and column in header[:position]:
            errors.append(f'{source}: line 1: column "{column}" appears twice')
    if "name" not in header:
        errors.append(f'{source}: line 1: no "name" column')
    if errors:
        raise WatchListError(errors)

    rows: list[tuple[int, dict[str, object]]] = []
    entries: list[WatchEntry] = []
    line_of: dict[int, int] = {}
    last_line = reader.line_num
    for cells in reader:
        line = last_line + 1  # first physical line of this record
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            errors.append(f"{source}: line {line}: {len(cells)} cells but {len(header)} columns")
            continue
        named = {k: v for k, v in zip(header, cells, strict=False) if k}
        raw, problems = _row_to_raw(named)
        ref = _row_ref(line, raw)
        errors.extend(f"{source}: {ref}: {p}" for p in problems)
        entry, entry_problems = _build_entry(raw, _Defaults(), len(rows) + 1, line, None)
        errors.extend(f"{source}: {ref}: {message}" for message, _ in entry_problems)
        rows.append((line, raw))
        if entry is not None and not problems:
            entries.append(entry)
            line_of[entry.index] = line
    if not rows:
        errors.append(f"{source}: no rows below the header")

    for entry, message in _duplicates(entries, lambda e: f"line {line_of[e.index]}"):
        errors.append(f'{source}: line {line_of[entry.index]} ("{entry.name}"): {message}')
    if errors:
        raise WatchListError(errors)

    out = [f"# Watch list imported from {Path(source).name}."]
    if note is not None:
        out.append(f"# {note}: check names for garbled letters.")
    out.append("# Check it with: collector profiles check FILE")
    for line, raw in rows:
        out += ["", f"# {Path(source).name} line {line}", "[[entry]]"]
        for key in ENTRY_KEYS:
            if key in raw:
                out.append(f"{key} = {_toml_value(raw[key])}")
    return "\n".join(out) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_string(str(v)) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")  # unreachable: _row_to_raw's types
