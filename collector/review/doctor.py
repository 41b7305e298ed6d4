"""`collector doctor`: what collector would use on this machine, and what is missing."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from collector import __version__
from collector.capture.admission import DEFAULT_MIN_FREE_DISK_MB
from collector.capture.browser import (
    HEADLESS_SHELL_MODE,
    HEADLESS_SHELL_PACKAGE,
    browser_mode,
    browser_version,
    check_endpoint,
    find_browser,
    font_facts,
    playwright_version,
)
from collector.capture.loop import run_to_completion
from collector.errors import BrowserNotFound, CollectorError, EndpointLost
from collector.evidence.pool import pool_stats
from collector.evidence.store import EvidenceStore, store_access, world_readable
from collector.sites.urls import BrowserEndpoint


@dataclass(frozen=True)
class DoctorReport:
    lines: tuple[tuple[str, str, bool], ...]

    @property
    def ok(self) -> bool:
        return all(ok for _, _, ok in self.lines)


def diagnose(
    browser_path: str | None,
    store: EvidenceStore,
    min_free_disk_mb: int = DEFAULT_MIN_FREE_DISK_MB,
    endpoints: tuple[BrowserEndpoint, ...] = (),
) -> DoctorReport:
    lines: list[tuple[str, str, bool]] = [
        ("collector", __version__, True),
        ("playwright", playwright_version(), True),
    ]
    if endpoints:
        # pages are rendered on the workers: no browser is needed on this machine
        lines += [_endpoint_line(e) for e in endpoints]
    else:
        lines += _browser_lines(browser_path)
    fonts = font_facts()
    if fonts.get("checked"):
        emoji = fonts["color_emoji"]
        lines.append(
            (
                "fonts",
                f"{fonts['families']} families"
                + (
                    ", colour emoji present"
                    if emoji
                    else ", NO colour emoji font: emoji render as boxes "
                    "(apt-get install -y fonts-noto-color-emoji)"
                ),
                bool(emoji),
            )
        )
    else:
        lines.append(("fonts", f"not checked: {fonts.get('reason')}", False))
    lines.append(("store", _store_state(store), _store_ok(store)))
    if store.exists():
        lines.append(_access_line(store))
        lines.append(_sharing_line(store))
    lines.append(_disk_line(store, min_free_disk_mb))
    return DoctorReport(tuple(lines))


def _browser_lines(browser_path: str | None) -> list[tuple[str, str, bool]]:
    lines: list[tuple[str, str, bool]] = []
    try:
        path, source = find_browser(browser_path)
        version = browser_version(path) or "unknown version"
        mode = browser_mode(path)
        lines.append(("browser", f"{version} at {path} (found via {source}; {mode})", True))
        if mode != HEADLESS_SHELL_MODE and source == "system":
            lines.append(
                (
                    "hint",
                    f"{HEADLESS_SHELL_PACKAGE} captures with ~30% less CPU "
                    f"(apt-get install -y {HEADLESS_SHELL_PACKAGE})",
                    True,
                )
            )
    except BrowserNotFound as exc:
        lines.append(("browser", str(exc).replace("\n", "\n" + " " * 17), False))
    return lines


def _endpoint_line(endpoint: BrowserEndpoint) -> tuple[str, str, bool]:
    """Connect to one browser endpoint, open a page, shoot it: version and latency."""
    try:
        facts = run_to_completion(check_endpoint(endpoint))
    except EndpointLost as exc:
        return ("endpoint", str(exc), False)
    return (
        "endpoint",
        f"{endpoint.shown}: Chromium {facts['version']}, executable {facts['executable']}; "
        f"connect {facts['connect_s'] * 1000:.0f} ms, page + screenshot "
        f"{facts['page_s'] * 1000:.0f} ms",
        True,
    )


def _access_line(store: EvidenceStore) -> tuple[str, str, bool]:
    """Captures hold personal data: nobody but the owner (and a chosen group) may read."""
    try:
        access = store_access()
    except CollectorError as exc:
        return ("access", str(exc), False)
    count, examples = world_readable(store)
    if count:
        return (
            "access",
            f"{count} path(s) in {store.root} others can read, e.g. {', '.join(examples)}; "
            f"fix: chmod -R o-rwx {store.root}",
            False,
        )
    return ("access", f"{access.describe()}: nothing in {store.root} is world-readable", True)


def _sharing_line(store: EvidenceStore) -> tuple[str, str, bool]:
    """What sharing identical files saves (collector.evidence.pool, docs/storage.md)."""
    stats = pool_stats(store.root)
    text = (
        f"{_mb(stats.disk_bytes)} on disk, {_mb(stats.unshared_bytes)} without sharing "
        f"(ratio {stats.ratio:.2f})"
    )
    if stats.orphans:
        text += f"; {stats.orphans} pooled file(s) no capture links (safe to delete)"
    return ("size", text, True)


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _disk_line(store: EvidenceStore, min_free_mb: int) -> tuple[str, str, bool]:
    """Free space where the store is (or will be): below the threshold no capture starts."""
    where = store.root if store.root.exists() else store.root.resolve().parent
    try:
        free = shutil.disk_usage(where if where.exists() else ".").free // (1 << 20)
    except OSError as exc:
        return ("disk", f"free space not checked: {exc.strerror or exc}", False)
    if free < min_free_mb:
        return (
            "disk",
            f"only {free} MB free for {store.root}: captures will not start below "
            f"{min_free_mb} MB (--min-free-disk); free some space or move the store",
            False,
        )
    return ("disk", f"{free} MB free for {store.root}", True)


def _store_state(store: EvidenceStore) -> str:
    if not store.exists():
        parent = store.root.resolve().parent
        writable = os.access(parent if parent.exists() else ".", os.W_OK)
        fate = "will be created" if writable else "NOT creatable"
        return f"{store.root} does not exist yet ({fate})"
    captures = sum(1 for _ in store.capture_folders())
    unfinished = len(store.incomplete_folders())
    state = f"{store.root}: {captures} captures"
    if store.index_path.exists():
        from collector.records.index import Index

        try:
            with Index(store.index_path, read_only=True) as index:
                state += f", index schema v{index.schema_version()}"
        except CollectorError as exc:
            state += f", index unusable: {exc}"
    if unfinished:
        state += f", {unfinished} unfinished (interrupted) captures in .incoming/"
    return state


def _store_ok(store: EvidenceStore) -> bool:
    if store.exists():
        return os.access(store.root, os.W_OK)
    parent = store.root.resolve().parent
    return os.access(parent if parent.exists() else ".", os.W_OK)
