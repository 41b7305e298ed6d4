"""Investigator sessions: Playwright storage-state files of logged-in research accounts.

A storage state holds login cookies: whoever reads the file can act as the account. So a
file readable by anyone but its owner is refused (mode must be 0600), and a capture's
manifest records only that a session was used, its file name and SHA-256 — never its
contents. `check_session` visits a page only a logged-in visitor sees and lets the
platform markers say whether the session still works.
"""

from __future__ import annotations

import json
import stat
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collector.errors import UsageError
from collector.evidence.hashing import sha256_bytes
from collector.models import CaptureJob, CaptureOptions, Outcome, PageCapture
from collector.sites.markers import SESSION_PROBES
from collector.sites.platforms import resolve_platform
from collector.timeutil import rfc3339


def check_session_file(path: str | Path) -> dict[str, Any]:
    """Refuse a storage-state file others can read, or that is not one; return its JSON."""
    p = Path(path)
    try:
        info = p.stat()
    except FileNotFoundError:
        raise UsageError(f"session file {path} not found") from None
    except OSError as exc:
        raise UsageError(f"session file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"session file {path} is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise UsageError(
            f"session file {path} is open to other users (mode {mode:04o}); it holds login "
            f"cookies and must be readable by its owner only (0600). Fix it with: chmod 600 {path}"
        )
    try:
        state = json.loads(p.read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"session file {path} is not a Playwright storage-state JSON: {exc}"
        ) from None
    if not isinstance(state, dict) or not isinstance(state.get("cookies", []), list):
        raise UsageError(
            f'session file {path} is not a Playwright storage-state JSON (no "cookies" list)'
        )
    return state


@dataclass(frozen=True)
class CookieFact:
    name: str
    domain: str
    expires: str | None  # UTC RFC 3339; None for a cookie that ends with the browser session
    expired: bool


@dataclass(frozen=True)
class SessionCheck:
    file: str
    sha256: str
    platform: str
    url: str
    logged_in: bool | None  # None: the visit could not tell (blocked, error, ...)
    outcome: str
    reason: str
    final_url: str | None
    markers: tuple[str, ...]
    cookies: tuple[CookieFact, ...]  # the platform's login cookies found in the file


def login_cookies(
    state: dict[str, Any], platform: str, now: datetime | None = None
) -> tuple[CookieFact, ...]:
    probe = SESSION_PROBES.get(platform)
    if probe is None:
        return ()
    moment = (now or datetime.now(UTC)).timestamp()
    facts = []
    for cookie in state.get("cookies", []):
        if not isinstance(cookie, dict):
            continue
        domain = str(cookie.get("domain", "")).lstrip(".").lower()
        if cookie.get("name") not in probe.cookies:
            continue
        if domain != probe.cookie_domain and not domain.endswith("." + probe.cookie_domain):
            continue
        expires = cookie.get("expires", -1)
        timed = isinstance(expires, int | float) and expires > 0
        facts.append(
            CookieFact(
                name=str(cookie["name"]),
                domain=str(cookie.get("domain", "")),
                expires=rfc3339(datetime.fromtimestamp(expires, UTC)) if timed else None,
                expired=bool(timed and expires < moment),
            )
        )
    return tuple(facts)


def check_session(
    path: str | Path,
    platform: str,
    *,
    url: str | None = None,
    options: CaptureOptions | None = None,
    browser_path: str | None = None,
) -> SessionCheck:
    """Load the session in the browser, visit a logged-in-only page, classify it."""
    from collector.capture.browser import BrowserSession, find_browser
    from collector.capture.loop import run_to_completion
    from collector.sites.classify import classify_page, marker_selectors
    from collector.sites.urls import normalise_target, parse_proxy

    name = resolve_platform(platform)
    state = check_session_file(path)
    probe = SESSION_PROBES.get(name)
    if url is None:
        if probe is None:
            raise UsageError(f'platform "{name}" has no known logged-in page: give --url')
        url = probe.url
    url = normalise_target(url)
    if options is not None and options.proxy:
        parse_proxy(options.proxy)
    opts = replace(options or CaptureOptions(), storage_state=str(path), max_scrolls=0)
    opts = replace(opts, consent_click=False)
    executable, source = find_browser(browser_path)

    async def visit() -> PageCapture:
        with tempfile.TemporaryDirectory(prefix="collector-session-") as tmp:
            async with BrowserSession(executable, source) as session:
                return await session.capture(url, opts, Path(tmp), marker_selectors())

    page = classify_page(CaptureJob(url, opts, platform=name), run_to_completion(visit()))
    verdict = page.classification or {}
    logged_in: bool | None = None
    if page.outcome is Outcome.OK:
        logged_in = True
    elif page.outcome is Outcome.LOGIN_WALL:
        logged_in = False
    return SessionCheck(
        file=str(path),
        sha256=sha256_bytes(Path(path).read_bytes()),
        platform=name,
        url=url,
        logged_in=logged_in,
        outcome=page.outcome.value,
        reason=page.reason or verdict.get("reason", ""),
        final_url=page.final_url,
        markers=tuple(verdict.get("markers", ())),
        cookies=login_cookies(state, name),
    )
