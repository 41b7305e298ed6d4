"""The browser: find Chromium, launch it, and turn one URL into a PageCapture.

The only module that imports Playwright. Every call into the browser is bounded by the
capture's deadline, because a hostile or broken server must never hang a capture
(browser-facts: after a navigation timeout, calls into the page can block until the
navigation ends, so the load is stopped first). collector's own scripts (scrolling,
waiting for images, reading title, text and links, the consent search) run in an isolated
world and the DOM is serialised through CDP, where the page's own scripts cannot reach.

What is split out, and why the page run stays here: the scripts are real `.js` files
(collector/capture/js, read by collector.capture.scripts). The bounded page run (`_PageRun`)
stays in this module because every one of its steps is a Playwright call whose Playwright
errors it must catch and record; moved elsewhere, that module would have to import
Playwright's error types too, or receive them as arguments. What needs no Playwright at
all is kept out: the expansion of hidden content and the inner scroll containers
(collector.capture.expand) decide what to click and scroll through a small driver this
module hands them, and never see a Playwright object.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import json
import mimetypes
import os
import re
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Dialog,
    Download,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from collector.capture.expand import expand_page, find_matches
from collector.capture.scripts import script
from collector.errors import BrowserNotFound, EndpointLost
from collector.evidence.har import RECORDED_HAR
from collector.evidence.hashing import sha256_bytes
from collector.evidence.redact import redact_har_file
from collector.models import (
    BrowserInfo,
    CaptureOptions,
    MainResponse,
    Needle,
    Outcome,
    PageCapture,
    RedirectHop,
)
from collector.sites.markers import CONSENT_CONTEXT, CONSENT_LABELS, CONSENT_SELECTORS
from collector.sites.platforms import detect_platform
from collector.sites.urls import (
    ALLOWED_SCHEMES,
    BrowserEndpoint,
    parse_proxy,
    refused_scheme,
)
from collector.timeutil import rfc3339, utc_now

T = TypeVar("T")

SYSTEM_CANDIDATES = (
    # Debian's headless shell: the same engine without the desktop browser's windows and UI
    # per context (Playwright's own default for headless); ~30% less CPU per capture here
    "/usr/lib/chromium/chromium-headless-shell",
    "chromium-headless-shell",
    "/usr/lib/chromium/chromium",  # Debian's real binary; /usr/bin/chromium is a wrapper script
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
HEADLESS_SHELL_PACKAGE = "chromium-headless-shell"
INSTALL_COMMAND = (
    f"apt-get update && apt-get install -y {HEADLESS_SHELL_PACKAGE} chromium fonts-noto-color-emoji"
)
INSTALL_HINT = (
    "no Chromium found. Install one with:\n"
    f"  {INSTALL_COMMAND}\n"
    "or point collector at a browser with --browser-path PATH or COLLECTOR_BROWSER=PATH"
)
# A screenshot wider than this makes Chromium answer "Unable to capture screenshot".
MAX_SHOT_WIDTH = 16_384
# Time kept back from settling so the artifacts can still be taken before the deadline.
ARTIFACT_RESERVE_S = 5.0
# After the deadline, artifacts of a slow page may still take this long in all.
ARTIFACT_GRACE_S = 10.0
# Chromium switches only take their last `--disable-features`, so ours repeats Playwright's
# own list (playwright-core chromiumSwitches.ts; a test checks it stays a superset) and
# adds what costs CPU and does nothing for a capture:
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
)
COLLECTOR_DISABLED_FEATURES = (
    # Every browser context opens a window whose omnibox popup is a WebUI page in its own
    # renderer, busy ~1 core while it lives: measured here, it doubled the CPU of a
    # capture (Puppeteer disables these by default since its PR #15278).
    "WebUIOmniboxPopup",
    "WebUIOmniboxAimPopup",
    "WebUIOmniboxFullPopup",
    # A warm spare renderer is made for the next navigation; with a context per capture
    # it belongs to the wrong context and is thrown away unused.
    "SpareRendererForSitePerProcess",
)
LAUNCH_ARGS = (
    "--disable-features=" + ",".join(PLAYWRIGHT_DISABLED_FEATURES + COLLECTOR_DISABLED_FEATURES),
)
STEP_QUIET_MS = 120
STEP_WAIT_CAP_S = 1.5
# at what looks like the bottom, a feed's next page must have had time to be asked for:
# its scroll handler runs, then its request is reported, a moment under load
BOTTOM_QUIET_MIN_MS = 300
# The isolated world collector's scripts run in (page scripts cannot reach into it).
ISOLATED_WORLD = "collector-reader"
STREAMING_TYPES = frozenset({"fetch", "xhr", "eventsource", "websocket", "ping", "other"})
# Downloads a page may trigger in one capture; more are refused and logged.
MAX_DOWNLOADS = 5
# The perceptual-hash thumbnail: the top THUMB_VIEWPORTS screens of the page at the
# viewport's width, rendered by Chromium THUMB_WIDTH px wide (decoding a full-size shot
# in pure Python would take seconds; this PNG decodes in ~1-3 ms).
THUMB_WIDTH = 64
THUMB_VIEWPORTS = 3
THUMB_CAP_S = 5.0
# Connecting to a browser endpoint (docs/browsers.md): a worker that does not answer in
# this time is taken as refused.
CONNECT_TIMEOUT_S = 15.0
# What a remote browser's executable is recorded as when the endpoint has no
# `executable=` hint: Playwright's server does not report it.
UNREPORTED = "reported: unknown"


def playwright_version() -> str:
    try:
        return package_version("playwright")
    except Exception:  # pragma: no cover - playwright is a hard dependency
        return "unknown"


def find_browser(explicit: str | None = None) -> tuple[str, str]:
    """Return (executable path, how it was found), in the documented order:
    --browser-path / COLLECTOR_BROWSER, system Chromium, Playwright's own download."""
    if explicit:
        source = "option"
    elif os.environ.get("COLLECTOR_BROWSER"):
        explicit, source = os.environ["COLLECTOR_BROWSER"], "env"
    if explicit:
        path: str | None = shutil.which(explicit) or explicit
        assert path is not None
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise BrowserNotFound(f"browser {explicit!r} ({source}) is not an executable file")
        return path, source
    for candidate in SYSTEM_CANDIDATES:
        path = shutil.which(candidate) if "/" not in candidate else candidate
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path, "system"
    bundled = _playwright_chromium_path()
    if bundled:
        return bundled, "playwright"
    raise BrowserNotFound(INSTALL_HINT)


HEADLESS_SHELL_MODE = "headless shell"


def browser_mode(executable: str) -> str:
    """Debian's chromium-headless-shell and Playwright's chrome-headless-shell are the
    engine without the desktop browser around it; anything else runs windowless."""
    return HEADLESS_SHELL_MODE if "headless-shell" in Path(executable).name else "headless"


def _playwright_chromium_path() -> str | None:
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:
        return None
    return path if path and os.path.isfile(path) else None


@functools.cache
def font_facts() -> dict[str, Any]:
    """The installed font set changes layout and so screenshot bytes: record which one."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return {"checked": False, "reason": "fc-list not found"}
    try:
        out = subprocess.run(
            [fc_list, ":", "family"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"checked": False, "reason": str(exc)}
    families = sorted({line.strip() for line in out.splitlines() if line.strip()})
    return {
        "checked": True,
        "families": len(families),
        "families_sha256": hashlib.sha256("\n".join(families).encode()).hexdigest(),
        "color_emoji": any("emoji" in f.lower() for f in families),
    }


def browser_version(executable: str) -> str | None:
    """Version string without launching Playwright (for `collector doctor`)."""
    try:
        out = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


class NavigationGuard:
    """While expansion clicks, no page of the capture may load another document: a click
    (or a timer it starts) that would navigate, submit a form with form.submit() or open
    a popup has its request aborted before it leaves the browser, so the server never
    sees it (rule 6), and the page stays as it was (ERR_ABORTED commits no error page).
    collector's own going back is let through."""

    def __init__(self) -> None:
        self.blocked: list[dict[str, Any]] = []
        self.allow = False  # set while collector itself navigates

    async def handle(self, route: Route) -> None:
        request = route.request
        top_level = request.is_navigation_request()
        # a popup's first document has no page and frame yet: it stays top-level
        with contextlib.suppress(PlaywrightError):
            top_level = top_level and request.frame.parent_frame is None
        if self.allow or not top_level:
            await route.fallback()
            return
        self.blocked.append(
            {"at": rfc3339(utc_now()), "method": request.method, "url": request.url[:2000]}
        )
        await route.abort("aborted")


class NetworkTracker:
    """Counts requests in flight, to wait for network quiet without a fixed sleep."""

    def __init__(self, page: Page) -> None:
        self.inflight: set[Request] = set()
        self.last_activity = time.monotonic()
        self.requests = 0
        page.on("request", self._started)
        page.on("response", self._answered)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self.inflight.add(request)
        self.requests += 1
        self.last_activity = time.monotonic()

    def _answered(self, response: Response) -> None:
        # A script's fetch() resolves at the headers; a body nobody reads (or a long-poll,
        # an event stream) never "finishes", and must not hold every scroll step hostage.
        if response.request.resource_type in STREAMING_TYPES:
            self._ended(response.request)

    def _ended(self, request: Request) -> None:
        self.inflight.discard(request)
        self.last_activity = time.monotonic()

    async def quiet(self, quiet_ms: int, cap_s: float, since: float = 0.0) -> bool:
        """Wait until nothing is in flight for `quiet_ms` (counted from `since` at the
        earliest: what an action starts is reported a moment after it); give up after
        `cap_s`."""
        end = time.monotonic() + max(cap_s, 0.0)
        while True:
            now = time.monotonic()
            last = max(self.last_activity, since)
            if not self.inflight and (now - last) * 1000 >= quiet_ms:
                return True
            if now >= end:
                return False
            await asyncio.sleep(0.02)


async def _start_playwright() -> Playwright:
    """Start Playwright's driver in its own session (process group).

    Ctrl-C in a terminal signals the whole foreground process group: the Node driver
    would die at once and take every capture in progress with it, so a run could not
    stop cleanly (finish what is in flight, record the run as interrupted). Playwright
    offers no option for this; its transport spawns the driver through
    `asyncio.create_subprocess_exec`, so that is wrapped while the driver starts. The
    driver still exits when this process does (its stdin pipe closes), and Playwright
    already starts the browser itself detached."""
    if os.name != "posix":
        return await async_playwright().start()
    spawn = asyncio.create_subprocess_exec
    asyncio.create_subprocess_exec = functools.partial(spawn, start_new_session=True)
    try:
        return await async_playwright().start()
    finally:
        asyncio.create_subprocess_exec = spawn


def worker_config(executable: str) -> dict[str, Any]:
    """The launch config a browser worker (`playwright launch-server --config`) should
    use so that its browser runs as collector's own would: same executable, headless,
    the same switches collector adds (docs/browsers.md; bench/browser_worker.sh)."""
    return {"executablePath": executable, "headless": True, "args": list(LAUNCH_ARGS)}


class BrowserSession:
    """One browser for many captures, a fresh context (and HAR) per capture: launched
    here, or, with `endpoint`, a browser server on another machine connected to over
    Playwright's protocol (`playwright launch-server`). Either way the HAR, downloads and
    every artifact are written by this process, into this machine's capture folder."""

    def __init__(
        self, executable: str, source: str, endpoint: BrowserEndpoint | None = None
    ) -> None:
        self.executable = executable
        self.source = source
        self.endpoint = endpoint
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self.info: BrowserInfo | None = None

    @property
    def connected(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def __aenter__(self) -> BrowserSession:
        self._pw = await _start_playwright()
        if self.endpoint is not None:
            return await self._connect(self.endpoint)
        try:
            self._browser = await self._pw.chromium.launch(
                executable_path=self.executable, headless=True, args=list(LAUNCH_ARGS)
            )
        except PlaywrightError as exc:
            await self._pw.stop()
            raise BrowserNotFound(
                f"could not start {self.executable}: {_first_line(exc)}\n{INSTALL_HINT}"
            ) from exc
        self.info = BrowserInfo(
            name="chromium",
            version=self._browser.version,
            executable_path=self.executable,
            source=self.source,
            playwright_version=playwright_version(),
            mode=browser_mode(self.executable),
            launch_args=LAUNCH_ARGS,
        )
        return self

    async def _connect(self, endpoint: BrowserEndpoint) -> BrowserSession:
        assert self._pw is not None
        try:
            self._browser = await self._pw.chromium.connect(
                endpoint.url, timeout=CONNECT_TIMEOUT_S * 1000
            )
        except PlaywrightError as exc:
            await self._pw.stop()
            raise EndpointLost(endpoint.shown, f"refused: {_connect_error(exc)}") from exc
        hint = endpoint.executable
        self.info = BrowserInfo(
            name="chromium",
            version=self._browser.version,
            # Playwright's server reports the version, not the executable: the
            # endpoint's `executable=` hint (the worker's launch config) or nothing
            executable_path=hint or UNREPORTED,
            source="endpoint",
            playwright_version=playwright_version(),
            mode=browser_mode(hint) if hint else UNREPORTED,
            launch_args=(),  # chosen by the worker's launch config, not by collector
            endpoint=endpoint.shown,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._browser is not None:
                await asyncio.wait_for(self._browser.close(), 15)
        except (PlaywrightError, TimeoutError):
            pass
        finally:
            if self._pw is not None:
                await self._pw.stop()

    async def capture(
        self,
        url: str,
        options: CaptureOptions,
        workdir: Path,
        marker_selectors: frozenset[str] = frozenset(),
        find: tuple[Needle, ...] = (),
        platform: str | None = None,
    ) -> PageCapture:
        assert self._browser is not None, "use `async with BrowserSession(...)`"
        started = rfc3339(utc_now())
        remote = self.endpoint is not None
        try:
            run = _PageRun(
                self._browser, url, options, workdir, marker_selectors, find, remote, platform
            )
            page = await run.run()
        except PlaywrightError as exc:
            if remote and not await self._endpoint_alive():
                raise EndpointLost(str(self.endpoint), f"went away: {_first_line(exc)}") from exc
            # the browser or its driver failed under us: file what we know, say why
            return _failed_capture(
                url, started, Outcome.BROWSER_ERROR, f"browser failure: {_first_line(exc)}"
            )
        troubled = page.errors or page.outcome is not Outcome.OK
        if remote and troubled and not await self._endpoint_alive():
            # the page run records failed calls instead of raising: whatever it holds was
            # cut short by the endpoint going away, and is not filed
            raise EndpointLost(str(self.endpoint), "went away during the capture")
        return page

    async def _endpoint_alive(self) -> bool:
        """Whether the endpoint still answers. Right after it dies, calls already fail
        ("Target page, context or browser has been closed") while `is_connected()` can
        still say True for a moment: ask the browser itself, briefly."""
        if not self.connected:
            return False
        assert self._browser is not None
        try:
            probe = await asyncio.wait_for(self._browser.new_browser_cdp_session(), 5)
            await asyncio.wait_for(probe.detach(), 5)
        except (PlaywrightError, TimeoutError):
            return False
        return self.connected


async def check_endpoint(endpoint: BrowserEndpoint) -> dict[str, Any]:
    """`collector doctor --browser-endpoint`: connect, open a context and a page, render a
    line of HTML, screenshot it through CDP (what captures use), close. Returns the
    browser's version and the seconds each step took; EndpointLost if it refuses."""
    t0 = time.monotonic()
    async with BrowserSession("", "endpoint", endpoint) as session:
        connected = time.monotonic() - t0
        assert session._browser is not None and session.info is not None
        t1 = time.monotonic()
        try:
            context = await asyncio.wait_for(session._browser.new_context(), CONNECT_TIMEOUT_S)
            page = await context.new_page()
            await page.set_content("<p>collector doctor</p>")
            cdp = await context.new_cdp_session(page)
            shot = await cdp.send("Page.captureScreenshot", {"format": "png"})
            await context.close()
        except (PlaywrightError, TimeoutError) as exc:
            raise EndpointLost(
                endpoint.shown, f"connected, but a page failed: {_first_line(exc) or 'timeout'}"
            ) from exc
        return {
            "version": session.info.version,
            "executable": session.info.executable_path,
            "connect_s": connected,
            "page_s": time.monotonic() - t1,
            "screenshot_bytes": len(base64.b64decode(shot["data"])),
        }


class _PageRun:
    """The steps of one capture, with the deadline and the observations they share."""

    def __init__(
        self,
        browser: Browser,
        url: str,
        options: CaptureOptions,
        workdir: Path,
        marker_selectors: frozenset[str],
        find: tuple[Needle, ...] = (),
        remote: bool = False,
        platform: str | None = None,
    ) -> None:
        self.browser = browser
        # the job's platform (--platform, a watch list's); None: from the page's address
        self.platform = platform
        self.remote = remote  # connected to an endpoint: downloads have no local path
        self.find = find
        self.matches: tuple[dict[str, Any], ...] = ()
        self.matches_screenshot: str | None = None
        self.expand: dict[str, Any] | None = None
        self.container_shots: list[tuple[bytes, dict[str, Any]]] = []
        self.response: Response | None = None  # of the navigation
        self.main: MainResponse | None = None  # read early when expansion runs
        self.url = url
        self.opt = options
        self.workdir = workdir
        self.selectors = sorted(marker_selectors)
        self.start = time.monotonic()
        self.deadline = self.start + options.timeout_s
        self.reserve = min(ARTIFACT_RESERVE_S, options.timeout_s * 0.25)
        self.hard_deadline = self.deadline + ARTIFACT_GRACE_S
        self.errors: list[str] = []
        self.dialogs: list[dict[str, Any]] = []
        self.popups: list[dict[str, Any]] = []
        self.settle: dict[str, Any] = {}
        self.downloads: list[dict[str, Any]] = []
        self.session: dict[str, Any] | None = None
        self.world: IsolatedWorld  # made with the page's CDP session, in run()
        self.driver: _Driver  # what collector.capture.expand may do to the page, in run()
        self._tasks: set[asyncio.Future[None]] = set()
        self._download_tasks: set[asyncio.Future[None]] = set()
        self._closed = False

    def elapsed(self) -> float:
        """Seconds since this capture started (what a reason about waiting should say)."""
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def settle_left(self) -> float:
        """Time navigation and settling may still use; the rest is kept for artifacts."""
        return max(self.deadline - self.reserve - time.monotonic(), 0.0)

    async def bounded(self, what: str, make: Callable[[], Awaitable[T]], cap: float) -> T | None:
        """Run one browser call with a time limit; a failure is recorded, not raised."""
        # Past the hard deadline every call gets only a moment: a hostile page cannot
        # stretch the artifact phase call by call.
        limit = min(max(cap, 0.5), max(self.hard_deadline - time.monotonic(), 0.5))
        try:
            return await asyncio.wait_for(make(), timeout=limit)
        except (TimeoutError, PlaywrightError) as exc:
            self.errors.append(f"{what}: {_first_line(exc) or 'timed out'}")
            return None

    async def run(self) -> PageCapture:
        started = rfc3339(utc_now())
        har_path = self.workdir / RECORDED_HAR
        try:
            args = self._context_args(har_path)
        except (OSError, ValueError) as exc:
            reason = f"cannot use storage state {self.opt.storage_state}: {exc}"
            return _failed_capture(self.url, started, Outcome.BROWSER_ERROR, reason)
        context = await self.browser.new_context(**args)
        context.set_default_timeout(self.opt.timeout_s * 1000)
        page = await context.new_page()
        tracker = NetworkTracker(page)
        page.on("dialog", self._on_dialog)
        page.on("popup", self._on_popup)
        page.on("download", self._on_download)
        cdp = await context.new_cdp_session(page)
        self.world = IsolatedWorld(cdp)
        self.driver = _Driver(self, page, tracker, cdp)
        outcome, reason, response = await self._navigate(page, tracker, cdp)
        try:
            return await self._collect(
                page, cdp, tracker, outcome, reason, response, started, context
            )
        finally:
            if not self._closed:  # an exception skipped the orderly close in _collect
                await self._close(context)

    async def _close(self, context: BrowserContext) -> None:
        """Closing the context is what makes Playwright write network.har."""
        self._closed = True
        try:
            await asyncio.wait_for(context.close(), timeout=20)
        except (TimeoutError, PlaywrightError) as exc:
            self.errors.append(f"closing context: {_first_line(exc) or 'timed out'}")
        har = self.workdir / RECORDED_HAR
        if not har.exists():
            self.errors.append("network.har was not written")
        elif self.session is not None:
            # the HAR would carry the investigator's login cookies out with the evidence
            try:
                self.session["har_cookies_redacted"] = await asyncio.to_thread(redact_har_file, har)
            except (OSError, ValueError) as exc:
                self.errors.append(f"redacting session cookies from network.har: {exc}")
                har.unlink(missing_ok=True)

    def _context_args(self, har_path: Path) -> dict[str, Any]:
        o = self.opt
        args: dict[str, Any] = {
            "viewport": {"width": o.viewport.width, "height": o.viewport.height},
            "device_scale_factor": o.device_scale_factor,
            "locale": o.locale,
            "timezone_id": o.timezone,
            "ignore_https_errors": o.ignore_https_errors,
            "record_har_path": str(har_path),
            "record_har_content": "embed",
            # a service worker would answer requests the HAR then never sees
            "service_workers": "block",
            # files the page triggers are kept as artifacts (up to a cap): _on_download
            "accept_downloads": True,
        }
        if o.user_agent:
            args["user_agent"] = o.user_agent
        if o.proxy:
            args["proxy"] = _proxy_settings(o.proxy)
        if o.storage_state:
            # read once: the bytes hashed for the manifest are the bytes the browser loads
            data = Path(o.storage_state).read_bytes()
            state = json.loads(data)
            if not isinstance(state, dict):
                raise ValueError("not a Playwright storage-state JSON object")
            args["storage_state"] = state
            self.session = {"file": Path(o.storage_state).name, "sha256": sha256_bytes(data)}
        return args

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(
            {
                "type": dialog.type,
                "message": dialog.message,
                "default_value": dialog.default_value,
                "at": rfc3339(utc_now()),
                "action": "dismissed",
            }
        )
        self._background(dialog.dismiss())

    def _on_popup(self, popup: Page) -> None:
        self.popups.append({"url": popup.url, "at": rfc3339(utc_now()), "action": "closed"})
        self._background(popup.close())

    def _on_download(self, download: Download) -> None:
        record: dict[str, Any] = {
            "url": download.url,
            "suggested_filename": download.suggested_filename,
            "at": rfc3339(utc_now()),
        }
        self.downloads.append(record)
        task = asyncio.ensure_future(self._keep_download(download, record, len(self.downloads)))
        self._download_tasks.add(task)

    async def _keep_download(self, download: Download, record: dict[str, Any], n: int) -> None:
        """Save a file the page triggered into the capture folder, or refuse it and say why.

        Chromium receives the whole file into Playwright's temporary folder first, bounded
        by the capture's time; its size is then checked against the cap."""
        cap = self.opt.max_download_bytes
        if n > MAX_DOWNLOADS:
            record.update(status="refused", reason=f"more than {MAX_DOWNLOADS} downloads")
            await _quietly(download.cancel())
            return
        if self.remote:
            await self._keep_remote_download(download, record, n)
            return
        try:
            path = await asyncio.wait_for(download.path(), timeout=max(self.remaining(), 1.0))
        except TimeoutError:
            record.update(status="refused", reason="not received within the capture's time")
            await _quietly(download.cancel())
            return
        except PlaywrightError as exc:
            record.update(status="failed", reason=_first_line(exc))
            return
        size = path.stat().st_size
        record["size"] = size
        if size > cap:
            record.update(status="refused", reason=f"{size} bytes is over the {cap}-byte cap")
            await _quietly(download.delete())
            return
        name = f"download-{n}-{safe_file_name(download.suggested_filename)}"
        record.update(status="saving", artifact=name)
        try:
            await download.save_as(self.workdir / name)
        except PlaywrightError as exc:
            record.update(status="failed", reason=_first_line(exc))
            return
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        record.update(status="saved", media_type=media)

    async def _keep_remote_download(
        self, download: Download, record: dict[str, Any], n: int
    ) -> None:
        """A download on a remote browser has no path here (Playwright: "Path is not
        available when connecting remotely"): it is streamed into the capture folder by
        save_as, bounded by the capture's time, and its size checked once it is here."""
        cap = self.opt.max_download_bytes
        name = f"download-{n}-{safe_file_name(download.suggested_filename)}"
        target = self.workdir / name
        record.update(status="saving", artifact=name)
        try:
            await asyncio.wait_for(download.save_as(target), timeout=max(self.remaining(), 1.0))
        except TimeoutError:
            record.update(status="refused", reason="not received within the capture's time")
            await _quietly(download.cancel())
            return
        except PlaywrightError as exc:
            record.update(status="failed", reason=_first_line(exc))
            return
        size = target.stat().st_size
        record["size"] = size
        if size > cap:
            target.unlink(missing_ok=True)
            record.pop("artifact")
            record.update(status="refused", reason=f"{size} bytes is over the {cap}-byte cap")
            return
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        record.update(status="saved", media_type=media)

    async def _finish_downloads(self, wait_for_one: bool) -> None:
        """Downloads end before the context closes (closing deletes them)."""
        if wait_for_one and not self.downloads:
            # a download target: the download event may trail goto()'s error a little
            end = time.monotonic() + min(2.0, max(self.remaining(), 0.5))
            while not self.downloads and time.monotonic() < end:
                await asyncio.sleep(0.05)
        if self._download_tasks:
            _, late = await asyncio.wait(
                self._download_tasks, timeout=max(self.remaining(), 1.0) + 2
            )
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=5)
        for record in self.downloads:
            if record.get("status") == "saved":
                continue
            if record.get("artifact"):  # a copy cut short is not an artifact
                with contextlib.suppress(OSError):
                    (self.workdir / record.pop("artifact")).unlink()
            if record.get("status") in (None, "saving"):
                record.update(status="refused", reason="not received within the capture's time")

    def _background(self, awaitable: Awaitable[Any]) -> None:
        # keep a reference: the loop holds tasks weakly
        task = asyncio.ensure_future(_quietly(awaitable))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _navigate(
        self, page: Page, tracker: NetworkTracker, cdp: CDPSession
    ) -> tuple[Outcome, str, Response | None]:
        nav_budget = self.settle_left()
        # Chromium aborts a redirect to javascript: or view-source: before Playwright sees a
        # response: only CDP's network events, on until the commit, show where it led
        redirect = _LastRedirect(cdp)
        await cdp.send("Network.enable")
        try:
            # "commit" hands back the response even when a subresource later hangs the load
            response = await page.goto(self.url, wait_until="commit", timeout=nav_budget * 1000)
            self.response = response
        except PlaywrightTimeout:
            await self.bounded("stop loading", lambda: cdp.send("Page.stopLoading"), 3)
            return (
                Outcome.TIMEOUT,
                f"no response after {self.elapsed():.1f} s (the capture's limit is "
                f"{self.opt.timeout_s:g} s; server accepted but did not answer, or answered "
                "too slowly)",
                None,
            )
        except PlaywrightError as exc:
            if redirect.location is None and "ERR_ABORTED" in str(exc):
                # the redirect's ExtraInfo event can trail goto's error by a moment (seen
                # under load): let pending CDP events arrive before classifying
                await asyncio.sleep(0.2)
            return (*_classify_navigation_error(exc, redirect.location), None)
        finally:
            await _quietly(cdp.send("Network.disable"))
        try:
            await page.wait_for_load_state("load", timeout=self.settle_left() * 1000)
            self.settle["load"] = "reached"
        except PlaywrightTimeout:
            self.settle["load"] = "not reached"
            await self.bounded("stop loading", lambda: cdp.send("Page.stopLoading"), 3)
            status = response.status if response else "none"
            return (
                Outcome.TIMEOUT,
                f"document received (HTTP {status}) but the page did not finish loading "
                f"after {self.elapsed():.1f} s (the capture's limit is {self.opt.timeout_s:g} s)",
                response,
            )
        except PlaywrightError as exc:
            return (*_classify_navigation_error(exc), response)
        await self._settle(page, tracker)
        return Outcome.OK, "", response

    async def _settle(self, page: Page, tracker: NetworkTracker) -> None:
        o = self.opt
        t0 = time.monotonic()
        quiet = await tracker.quiet(o.network_quiet_ms, min(5.0, self.settle_left()))
        self.settle["network_quiet_after_load"] = quiet
        if o.wait_for:
            found = await self.bounded(
                f"waiting for selector {o.wait_for!r}",
                lambda: page.wait_for_selector(
                    o.wait_for or "",
                    state="attached",
                    timeout=self.settle_left() * 1000,
                ),
                self.settle_left(),
            )
            self.settle["wait_for"] = {"selector": o.wait_for, "found": found is not None}
        self.settle.update(await self._scroll_through(tracker))
        await self._expand(page)
        self.settle["settle_ms"] = round((time.monotonic() - t0) * 1000)

    async def _expand(self, page: Page) -> None:
        """Open what the page hides (collector.capture.expand); once as served, once more
        after a consent click (recorded under `after_consent`)."""
        if not self.opt.expand and not self.opt.open_list:
            self.expand = {"enabled": False}
            return
        if self.main is None and self.response is not None:
            # a click may still navigate (it is undone, but the browser may then no
            # longer hold the body as served): read the main response first
            self.main = await self._main_response(self.response, max(self.remaining(), 3.0))
        guard = self.driver.guard = NavigationGuard()
        await self.bounded(
            "guarding against navigations", lambda: page.context.route("**/*", guard.handle), 5
        )
        try:
            done = await expand_page(
                self.driver,
                self.platform
                or (
                    detect_platform(page.url)
                    if urlsplit(page.url).scheme in ALLOWED_SCHEMES
                    else None
                ),
                max_clicks=self.opt.max_expand - len((self.expand or {}).get("clicks", [])),
                quiet_ms=self.opt.network_quiet_ms,
                max_height=self.opt.max_height,
                device_scale_factor=self.opt.device_scale_factor,
                first_artifact=len(self.container_shots) + 1,
                open_list=self.opt.open_list,
                rules=self.opt.expand,
            )
        finally:
            await self.bounded(
                "lifting the navigation guard",
                lambda: page.context.unroute("**/*", guard.handle),
                5,
            )
        done.record["navigations_blocked"] = guard.blocked
        self.container_shots += done.shots
        if self.expand is None:
            self.expand = done.record
        else:
            self.expand["after_consent"] = done.record

    async def _scroll_through(self, tracker: NetworkTracker) -> dict[str, Any]:
        """Scroll to the bottom, wait for the images scrolled past, go back to the top."""
        scroll = await self._scroll(tracker)
        reached = scroll.get("reached_y", 0) + self.opt.viewport.height * 2
        images = await self.bounded(
            "waiting for images",
            lambda: self.world.call(
                script("images"), [int(min(5.0, self.settle_left()) * 1000), reached]
            ),
            min(6.0, self.settle_left() + 1),
        )
        await self.bounded("scrolling back to top", lambda: self.world.call(script("top")), 3)
        return {"scroll": scroll, "images": images}

    async def _scroll(self, tracker: NetworkTracker) -> dict[str, Any]:
        """Scroll a screen at a time so lazy images and feeds load; stop at the real bottom."""
        o = self.opt
        step = max(int(o.viewport.height * 0.9), 100)
        steps, grew, stopped_by = 0, 0, "bottom"
        second_look = False
        state: dict[str, Any] = {"y": 0, "height": 0, "view": o.viewport.height}

        async def height_after_quiet(since: float = 0.0) -> Any:
            await tracker.quiet(
                max(o.network_quiet_ms, BOTTOM_QUIET_MIN_MS), min(3.0, self.settle_left()), since
            )
            return await self.bounded("measuring", lambda: self.world.call(script("height")), 3)

        while True:
            if steps >= o.max_scrolls:
                stopped_by = "max_scrolls"
                break
            if self.settle_left() <= 0:
                stopped_by = "time"
                break
            new_state = await self.bounded(
                "scrolling", lambda: self.world.call(script("scroll"), step), 5
            )
            if new_state is None:
                stopped_by = "error"
                break
            steps += 1
            if new_state["height"] > state["height"] > 0:
                grew += 1  # the page grew as it was scrolled: a feed appending posts
            cap = min(STEP_WAIT_CAP_S, self.settle_left())
            await tracker.quiet(STEP_QUIET_MS, cap)
            at_bottom = new_state["y"] + new_state["view"] >= new_state["height"] - 2
            if at_bottom:
                # give an infinite feed its chance to append before calling it the bottom
                height = await height_after_quiet()
                if height and height <= new_state["height"] and grew and not second_look:
                    # a feed that appended as it was scrolled gets one more look at its
                    # end: on a loaded machine its next page may be asked for late
                    second_look = True
                    height = await height_after_quiet(time.monotonic())
                if not height or height <= new_state["height"]:
                    state = new_state
                    break
                grew += 1
                new_state = {**new_state, "height": height}
            state = new_state
        return {
            "steps": steps,
            "stopped_by": stopped_by,
            "feed_growth": grew,
            "reached_y": state["y"] + state["view"],
            "height_seen": state["height"],
        }

    async def _collect(
        self,
        page: Page,
        cdp: CDPSession,
        tracker: NetworkTracker,
        outcome: Outcome,
        reason: str,
        response: Response | None,
        started: str,
        context: BrowserContext,
    ) -> PageCapture:
        cap = max(self.remaining(), 3.0)  # artifacts are still taken after a timeout
        probe = {"waitFor": self.opt.wait_for, "selectors": self.selectors}

        async def read_facts() -> dict[str, Any]:
            facts = await self.bounded(
                "reading page facts", lambda: self.world.call(script("facts"), probe), cap
            )
            return facts or {}

        facts = await read_facts()
        await self._find("screenshot.png")
        shot, shot_info = await self._screenshot(cdp, facts, cap)  # the page as served
        thumb, thumb_info = await self._thumbnail(cdp, shot_info, cap) if shot else (None, {})
        consent: dict[str, Any] | None = {"enabled": False}
        consent_shot: bytes | None = None
        if self.opt.consent_click:
            consent = None
            if outcome is Outcome.OK:
                consent = await self._consent(page, tracker)
            if consent and consent["clicked"]:
                facts = await read_facts() or facts
                await self._find("screenshot-after-consent.png")  # runner.CONSENT_SCREENSHOT
                consent_shot, after_info = await self._screenshot(cdp, facts, cap)
                consent["screenshot"] = after_info
        dom = await self.bounded("reading DOM", lambda: _serialized_dom(cdp), cap)
        mhtml_res = await self.bounded(
            "MHTML snapshot", lambda: cdp.send("Page.captureSnapshot", {"format": "mhtml"}), cap
        )
        title, user_agent = facts.get("title"), facts.get("user_agent")
        main = self.main or (await self._main_response(response, cap) if response else None)
        redirects = await self._redirects(response) if response else ()
        final_url = (
            page.url
            if page.url not in ("", "about:blank")
            else (response.url if response else None)
        )
        if final_url and urlsplit(final_url).scheme not in ALLOWED_SCHEMES | {
            "about",
            "chrome-error",
        }:
            outcome, reason = (
                Outcome.BLOCKED_TARGET,
                f"the page went to a refused target: {final_url}",
            )
        if outcome is Outcome.OK and main and main.status >= 400:
            outcome, reason = Outcome.HTTP_ERROR, f"HTTP {main.status} {main.status_text}".strip()
        page_facts = {
            k: facts.get(k)
            for k in (
                "width",
                "height",
                "elements",
                "visible_media",
                "wait_for_found",
                "body_html_length",
            )
        }
        page_facts["text_length"] = len(facts.get("text") or "")
        page_facts["present_selectors"] = facts.get("present_selectors", [])
        page_facts["links"] = facts.get("links", [])
        page_facts["popups"] = self.popups
        if main is not None and main.body is not None:
            page_facts["body_length"] = len(main.body)
        await self._finish_downloads(wait_for_one=outcome is Outcome.DOWNLOAD)
        await self._close(context)
        return PageCapture(
            requested_url=self.url,
            started_at=started,
            finished_at=rfc3339(utc_now()),
            outcome=outcome,
            reason=reason,
            final_url=final_url,
            redirects=redirects,
            response=main,
            title=title,
            user_agent=user_agent,
            screenshot=shot,
            screenshot_info=shot_info,
            dom=dom,
            mhtml=mhtml_res["data"].encode("utf-8") if mhtml_res else None,
            text=facts.get("text") if facts else None,
            settle=self.settle,
            dialogs=tuple(self.dialogs),
            errors=tuple(self.errors),
            page_facts=page_facts,
            consent=consent,
            consent_screenshot=consent_shot,
            downloads=tuple(self.downloads),
            session=self.session,
            thumbnail=thumb,
            thumbnail_info=thumb_info,
            expand=self.expand,
            container_shots=tuple(self.container_shots),
            matches=self.matches,
            matches_screenshot=self.matches_screenshot,
        )

    async def _find(self, screenshot: str) -> None:
        """The job's needles, looked for in the render the next screenshot shows."""
        if self.find:
            self.matches = await find_matches(self.driver, self.find)
            self.matches_screenshot = screenshot

    async def _consent(self, page: Page, tracker: NetworkTracker) -> dict[str, Any]:
        """Click a visible known consent button, then let the page settle again.

        Called after the as-served screenshot; the click is logged (selector, label, time)
        and everything taken after it (facts, second screenshot, DOM, MHTML, text) shows
        the page behind the overlay."""
        found = await self.bounded(
            "looking for a consent button",
            lambda: self.world.call(
                script("consent"),
                [list(CONSENT_SELECTORS), list(CONSENT_LABELS), list(CONSENT_CONTEXT)],
            ),
            min(5.0, max(self.remaining(), 1.0)),
        )
        if not found:
            return {"enabled": True, "clicked": False}
        url_before = page.url
        at = rfc3339(utc_now())
        errors_before = len(self.errors)
        await self.bounded(
            f"clicking consent button {found['selector']}",
            lambda: page.mouse.click(found["x"], found["y"]),
            5,
        )
        record: dict[str, Any] = {
            "enabled": True,
            "clicked": len(self.errors) == errors_before,
            "selector": found["selector"],
            "label": found["label"],
            "at": at,
        }
        if not record["clicked"]:
            return record
        t0 = time.monotonic()
        await asyncio.sleep(0.05)  # a click that navigates starts it asynchronously
        await tracker.quiet(self.opt.network_quiet_ms, min(5.0, max(self.remaining() - 2, 0.5)))
        await self.bounded(
            "loading after the consent click",
            lambda: page.wait_for_load_state("load", timeout=max(self.remaining() - 2, 0.5) * 1000),
            max(self.remaining() - 2, 0.5),
        )
        if page.url != url_before:
            record["navigated_to"] = page.url
        self.settle["after_consent"] = await self._scroll_through(tracker)
        await self._expand(page)
        self.settle["after_consent"]["settle_ms"] = round((time.monotonic() - t0) * 1000)
        return record

    async def _thumbnail(
        self, cdp: CDPSession, shot_info: dict[str, Any], cap: float
    ) -> tuple[bytes | None, dict[str, Any]]:
        """A tiny PNG of the top of the page, taken right after the full screenshot.

        Always the same CSS box for a given viewport (its width, THUMB_VIEWPORTS screens
        high, or less on a shorter page), so captures of one page stay comparable however
        far a feed loaded. Costs one more frame (~20-30 ms, mostly waiting for it).
        """
        o = self.opt
        width = min(o.viewport.width, int(shot_info.get("css_width") or o.viewport.width))
        height = min(
            o.viewport.height * THUMB_VIEWPORTS,
            width * 8,  # at most 8:1, so the PNG stays within ~64x512 px
            int(shot_info.get("css_height") or 0),
        )
        if width < 1 or height < 1:
            return None, {}
        scale = THUMB_WIDTH / width  # headless Chromium: PNG px = CSS px * clip.scale
        params = {
            "format": "png",
            "captureBeyondViewport": shot_info.get("mode") != "viewport",
            "optimizeForSpeed": True,
            "fromSurface": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale},
        }
        t0 = time.monotonic()
        result = await self.bounded(
            "screenshot thumbnail", _shot(cdp, params), min(cap, THUMB_CAP_S)
        )
        if not result:
            return None, {}
        info = {
            "method": "cdp_clip_scaled",
            "css_clip": [0, 0, width, height],
            "scale": round(scale, 6),
            "ms": round((time.monotonic() - t0) * 1000),
        }
        return base64.b64decode(result["data"]), info

    async def _screenshot(
        self, cdp: CDPSession, facts: dict[str, Any], cap: float
    ) -> tuple[bytes | None, dict[str, Any]]:
        """Full page down to the real bottom, capped; falls back when Chromium refuses."""
        o = self.opt
        page_w = int(facts.get("width") or o.viewport.width)
        page_h = int(facts.get("height") or o.viewport.height)
        height = min(page_h, o.max_height)
        info: dict[str, Any] = {
            "page_width": page_w,
            "page_height": page_h,
            "truncated": page_h > o.max_height,
            "max_height": o.max_height,
            "device_scale_factor": o.device_scale_factor,
        }
        attempts = []
        if page_w <= MAX_SHOT_WIDTH:
            attempts.append(("full_page", page_w, height))
        attempts.append(("full_height_viewport_width", o.viewport.width, height))
        attempts.append(("viewport", o.viewport.width, min(o.viewport.height, page_h)))
        for mode, width, h in attempts:
            params = {
                "format": "png",
                "captureBeyondViewport": mode != "viewport",
                "optimizeForSpeed": True,  # still lossless PNG; ~40% faster encode
                "fromSurface": True,
                # headless Chromium scales CSS px by clip.scale alone: pass the DSF
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": width,
                    "height": h,
                    "scale": o.device_scale_factor,
                },
            }
            result = await self.bounded(f"screenshot ({mode})", _shot(cdp, params), cap)
            if result:
                info.update(
                    {
                        "mode": mode,
                        "css_width": width,
                        "css_height": h,
                        "width_clipped": width < page_w,
                    }
                )
                return base64.b64decode(result["data"]), info
        info["mode"] = "failed"
        return None, info

    async def _main_response(self, response: Response, cap: float) -> MainResponse:
        headers = await self.bounded("reading response headers", response.headers_array, cap) or []
        body, body_error = None, None
        try:
            body = await asyncio.wait_for(response.body(), timeout=max(cap, 1.0))
        except (TimeoutError, PlaywrightError) as exc:
            body_error = _first_line(exc) or "timed out reading the body"
        server = await self.bounded("reading server address", response.server_addr, cap)
        tls = await self.bounded("reading TLS details", response.security_details, cap)
        return MainResponse(
            url=response.url,
            status=response.status,
            status_text=response.status_text,
            headers=tuple((h["name"], h["value"]) for h in headers),
            server_ip=server["ipAddress"] if server else None,
            server_port=server["port"] if server else None,
            tls=_tls_facts(tls) if tls else None,
            body=body,
            body_error=body_error,
        )

    async def _redirects(self, response: Response) -> tuple[RedirectHop, ...]:
        hops: list[RedirectHop] = []
        request = response.request.redirected_from
        while request is not None:
            hop = await self.bounded("reading redirect", request.response, 3)
            if hop is not None:
                hops.append(
                    RedirectHop(hop.url, hop.status, hop.status_text, hop.headers.get("location"))
                )
            request = request.redirected_from
        return tuple(reversed(hops))


class _Driver:
    """The page as collector.capture.expand sees it (its PageDriver): bounded calls that
    record their failures in the capture, and no Playwright object."""

    def __init__(self, run: _PageRun, page: Page, tracker: NetworkTracker, cdp: CDPSession):
        self.run = run
        self.page = page
        self.tracker = tracker
        self.cdp = cdp
        self.guard = NavigationGuard()  # replaced by the one installed for each pass

    async def call(self, what: str, name: str, arg: Any = None, cap: float = 5.0) -> Any:
        return await self.run.bounded(what, lambda: self.run.world.call(script(name), arg), cap)

    async def call_all(
        self, what: str, calls: Sequence[tuple[str, Any]], cap: float = 5.0
    ) -> list[Any] | None:
        # one function calling each script in turn: one round trip to the page
        body = ", ".join(
            f"await (\n{script(name)}\n)(args[{i}])" for i, (name, _) in enumerate(calls)
        )
        result = await self.run.bounded(
            what,
            lambda: self.run.world.call(f"async (args) => [{body}]", [a for _, a in calls]),
            cap,
        )
        return result if isinstance(result, list) else None

    async def network_quiet(self, quiet_ms: int, cap: float, since: float) -> bool:
        return await self.tracker.quiet(quiet_ms, cap, since)

    def requests(self) -> int:
        return self.tracker.requests

    def url(self) -> str:
        return self.page.url

    def navigations_blocked(self) -> int:
        return len(self.guard.blocked)

    async def go_back(self, to_url: str, cap: float) -> str:
        def home() -> bool:
            return urlsplit(self.page.url)._replace(fragment="") == urlsplit(to_url)._replace(
                fragment=""
            )

        self.guard.allow = True
        try:
            await self.run.bounded(
                "going back after a navigation",
                lambda: self.page.go_back(wait_until="load", timeout=cap * 1000),
                cap,
            )
            if home():
                return "back"
            await self.run.bounded(
                "loading the page again after a navigation",
                lambda: self.page.goto(to_url, wait_until="load", timeout=cap * 1000),
                cap,
            )
            return "reloaded" if home() else "failed"
        finally:
            self.guard.allow = False

    async def shot(self, clip: dict[str, float], cap: float) -> bytes | None:
        params = {
            "format": "png",
            "captureBeyondViewport": False,
            "optimizeForSpeed": True,  # still lossless PNG
            "fromSurface": True,
            "clip": {**clip, "scale": self.run.opt.device_scale_factor},
        }
        result = await self.run.bounded(
            "screenshot of an inner container", _shot(self.cdp, params), cap
        )
        return base64.b64decode(result["data"]) if result else None

    async def stop_scripts(self) -> None:
        # V8 is interrupted from outside the page's busy thread; the page stays usable
        await self.run.bounded(
            "stopping a script that froze the page",
            lambda: self.cdp.send("Runtime.terminateExecution"),
            3,
        )

    def time_left(self) -> float:
        return self.run.settle_left()

    async def scroll_window(self) -> dict[str, Any]:
        return await self.run._scroll_through(self.tracker)


class IsolatedWorld:
    """collector's scripts run in an isolated world of the page's main frame: the same DOM,
    window and scroll position, but none of the page's own scripts, so a page can neither
    redefine what collector reads (document.title, innerText, navigator.userAgent) nor
    break how it scrolls and waits (window.scrollBy, Array.from ...)."""

    def __init__(self, cdp: CDPSession) -> None:
        self.cdp = cdp
        self._context: int | None = None

    async def call(self, function_js: str, arg: Any = None) -> Any:
        """`function_js(arg)`, awaited, its result by value. A navigation destroys the
        world: it is made again once."""
        try:
            return await self._evaluate(function_js, arg)
        except ScriptFailed:
            raise
        except PlaywrightError:
            self._context = None
            return await self._evaluate(function_js, arg)

    async def _evaluate(self, function_js: str, arg: Any) -> Any:
        if self._context is None:
            tree = await self.cdp.send("Page.getFrameTree")
            world = await self.cdp.send(
                "Page.createIsolatedWorld",
                {"frameId": tree["frameTree"]["frame"]["id"], "worldName": ISOLATED_WORLD},
            )
            self._context = int(world["executionContextId"])
        result = await self.cdp.send(
            "Runtime.evaluate",
            {
                # the newline ends a `//` comment on the script's last line
                "expression": f"({function_js}\n)({json.dumps(arg)})",
                "contextId": self._context,
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text")
            raise ScriptFailed((str(text).strip() or "script error").splitlines()[0])
        return result["result"].get("value")


class ScriptFailed(PlaywrightError):
    """One of collector's own scripts threw inside the page (recorded, not retried)."""


async def _serialized_dom(cdp: CDPSession) -> str:
    """The rendered document as HTML, serialised by Chromium itself.

    The same serialisation as Playwright's `page.content()` (doctype plus <html>), and
    also what sits outside <html> (an XML declaration, comments); `page.content()` runs a
    serialiser script in an isolated world it first injects into every new page (~15 ms
    of CPU a capture). A script that replaces the document between the two calls makes
    the node id stale: read once more."""
    try:
        try:
            return await _document_html(cdp)
        except PlaywrightError:
            return await _document_html(cdp)
    finally:
        # getDocument starts DOM events on this session; a busy page would keep sending them
        with contextlib.suppress(PlaywrightError):
            await cdp.send("DOM.disable")


async def _document_html(cdp: CDPSession) -> str:
    document = await cdp.send("DOM.getDocument", {"depth": 0})
    result = await cdp.send("DOM.getOuterHTML", {"nodeId": document["root"]["nodeId"]})
    return str(result["outerHTML"])


def _shot(cdp: CDPSession, params: dict[str, Any]) -> Callable[[], Awaitable[dict[str, Any]]]:
    return lambda: cdp.send("Page.captureScreenshot", params)


def _failed_capture(url: str, started: str, outcome: Outcome, reason: str) -> PageCapture:
    return PageCapture(
        requested_url=url,
        started_at=started,
        finished_at=rfc3339(utc_now()),
        outcome=outcome,
        reason=reason,
        final_url=None,
        redirects=(),
        response=None,
        title=None,
        user_agent=None,
        screenshot=None,
        screenshot_info={"mode": "failed"},
        dom=None,
        mhtml=None,
        text=None,
        settle={},
        dialogs=(),
        errors=(),
        page_facts={},
    )


def safe_file_name(name: str, limit: int = 80) -> str:
    """A download's suggested name made safe as an artifact name (hostile input)."""
    cleaned = re.sub(r"(?:[^A-Za-z0-9._-]|\.\.+|_)+", "_", name).strip("._-")
    if len(cleaned) > limit:
        _, dot, ext = cleaned.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        cleaned = cleaned[: limit - len(keep) - 1].rstrip("._-") + ("." + keep if keep else "")
    return cleaned or "file"


def _tls_facts(details: Any) -> dict[str, Any]:
    facts = dict(details)
    for key in ("validFrom", "validTo"):
        if isinstance(facts.get(key), int | float):
            from datetime import UTC, datetime

            facts[key] = rfc3339(datetime.fromtimestamp(facts[key], UTC))
    return facts


def _proxy_settings(proxy: str) -> dict[str, str]:
    parsed = parse_proxy(proxy)  # the one strict reading: never a password taken as a host
    settings = {"server": parsed.server}
    if parsed.username:
        settings["username"] = parsed.username
    if parsed.password:
        settings["password"] = parsed.password
    return settings


class _LastRedirect:
    """The Location of the last redirect answered while CDP's Network domain is on."""

    def __init__(self, cdp: CDPSession) -> None:
        self.location: str | None = None
        cdp.on("Network.responseReceivedExtraInfo", self._received)

    def _received(self, event: dict[str, Any]) -> None:
        if 300 <= int(event.get("statusCode") or 0) < 400:
            headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
            self.location = str(headers.get("location") or "") or None


def _classify_navigation_error(
    exc: PlaywrightError, redirect_to: str | None = None
) -> tuple[Outcome, str]:
    message = _first_line(exc)
    if "Download is starting" in message:
        return Outcome.DOWNLOAD, "the URL answered with a file download, not a page"
    # a redirect to javascript:, view-source: or ftp: ends in net::ERR_ABORTED
    scheme = refused_scheme(redirect_to) if redirect_to else None
    if scheme is not None:
        return Outcome.BLOCKED_TARGET, f"a redirect to a refused target ({scheme}:) was blocked"
    if any(
        code in message
        for code in (
            "ERR_UNSAFE_REDIRECT",
            "ERR_DISALLOWED_URL_SCHEME",
            "ERR_UNKNOWN_URL_SCHEME",
            "ERR_BLOCKED_BY_CLIENT",
        )
    ):
        return Outcome.BLOCKED_TARGET, f"navigation to a refused target was blocked: {message}"
    if "net::" in message:
        return Outcome.NETWORK_ERROR, message
    if "closed" in message.lower() or "crash" in message.lower():
        return Outcome.BROWSER_ERROR, message
    return Outcome.NETWORK_ERROR, message


def _connect_error(exc: BaseException) -> str:
    """Playwright's connect errors quote the URL (with its token) and a call log: the
    cause alone, without either."""
    text = _first_line(exc)
    for cause in ("ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET"):
        if cause in text:
            return cause
    if "Timeout" in text or "timeout" in text:
        return f"no answer within {CONNECT_TIMEOUT_S:g} s"
    if re.search(r"\b(4\d\d|5\d\d)\b", text):
        return "the server answered with an HTTP error (wrong path or token?)"
    return re.sub(r"wss?://\S+", "<endpoint>", text)[:200]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


async def _quietly(awaitable: Awaitable[Any]) -> None:
    with contextlib.suppress(PlaywrightError):
        await awaitable
