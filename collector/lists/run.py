"""`collector run`: capture every entry of a watch list, politely, and record the run.

    run_watchlist(store, watchlist, settings, progress) -> RunResult

The CLI calls this (`collector run`, also as started by `collector watch` and by the
schedules `collector schedule` writes). A run:

* is recorded in the index before the first capture (`runs`, one `run_entries` row per
  selected entry, status `pending`), and every attempt as it is filed (`run_attempts`);
  every capture's manifest names its run, attempt and watch-list entry;
* keeps a minimum delay between captures of one host (`host_delay_s`, default 5 s, plus
  up to `jitter` x that at random): with a delay, one capture at a time per host, the
  delay counted from the end of one to the start of the next; with 0, no host limit;
* retries `timeout`, `network_error` and HTTP 429/5xx up to `retries` times with
  exponential backoff (`backoff_s` x 2^n); a `Retry-After` header is honoured, capped at
  `max_retry_after_s`, and a 429 pauses its whole host, not just the entry;
* has a circuit breaker: after `breaker` consecutive `rate_limited`/`login_wall` attempts
  on one platform it stops capturing that platform (its remaining entries are `skipped`)
  rather than burn the account or the IP;
* stops cleanly when `stop` is set (Ctrl-C): nothing new starts, captures in flight are
  finished and filed, the run is marked `interrupted`; a hard cancel (second Ctrl-C)
  also marks it interrupted. `resume=RUN_ID` captures only what is missing: entries never
  captured, cut short between retries, or skipped by the breaker. Entries captured with
  any outcome keep it (start a new run to try them again).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import fcntl
import json
import os
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collector.capture.admission import DEFAULT_PER_ENDPOINT
from collector.capture.loop import gather_or_cancel, run_to_completion
from collector.capture.runner import CaptureAbandoned, CaptureRunner, OpenRunner
from collector.capture.sessions import check_session_file
from collector.errors import StoreError, UsageError
from collector.evidence.store import EvidenceStore
from collector.lists.format import WatchEntry, WatchList, filter_entries
from collector.lists.settings import RunSettings as RunSettings  # (also importable here)
from collector.lists.subjects import all_needles, combine, subjects_from_find
from collector.models import CaptureJob, CaptureOptions, FiledCapture, Outcome, Subject, Viewport
from collector.records.index import Index
from collector.sites.interactions import list_url, list_via
from collector.sites.urls import parse_browser_endpoint, redact_endpoint, redact_proxy
from collector.timeutil import parse_rfc3339, rfc3339, utc_now

RETRIED_OUTCOMES = frozenset({Outcome.TIMEOUT, Outcome.NETWORK_ERROR})
# an entry's lists are captured once its own capture saw the profile
LIST_AFTER = frozenset({Outcome.OK.value, Outcome.EXPECTATION_FAILED.value})
BREAKER_OUTCOMES = (Outcome.RATE_LIMITED, Outcome.LOGIN_WALL)

PENDING, DONE, SKIPPED = "pending", "done", "skipped"
RUNNING, FINISHED, INTERRUPTED = "running", "finished", "interrupted"
FINAL, RETRY, STOPPED = "final", "retry", "stopped"


@dataclass(frozen=True)
class AttemptResult:
    attempt: int
    capture_id: str
    folder: str
    outcome: Outcome
    reason: str
    http_status: int | None
    seconds: float
    decision: str  # final, retry, stopped
    wait_s: float | None = None
    note: str = ""
    # the browser endpoint that rendered it, and those that went away under it before
    # (collector.capture.pool); None and () for a browser collector launched itself
    endpoint: str | None = None
    handed_over_from: tuple[str, ...] = ()


@dataclass
class EntryResult:
    entry: WatchEntry
    status: str = PENDING  # pending, done, skipped
    outcome: Outcome | None = None  # of the final attempt
    reason: str = ""
    capture_id: str | None = None
    folder: str | None = None
    seconds: float | None = None  # of the final attempt's capture
    attempts: list[AttemptResult] = field(default_factory=list)  # in this session
    earlier_attempts: int = 0  # recorded by an earlier session of a resumed run
    # the profile's lists (`lists = ["following"]`): (list, its final attempt)
    lists: list[tuple[str, AttemptResult]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """What the summary counts: the outcome, or why there is none."""
        if self.status == DONE and self.outcome:
            return self.outcome
        return "skipped" if self.status == SKIPPED else "not finished"


@dataclass
class RunResult:
    run_id: str
    list_file: str
    list_sha256: str
    started_at: str
    finished_at: str | None
    status: str
    entries: list[EntryResult]
    open_breakers: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.status == FINISHED and all(e.label == Outcome.OK for e in self.entries)

    def counts(self) -> dict[str, int]:
        return dict(Counter(e.label for e in self.entries).most_common())

    @property
    def attempts(self) -> int:
        return sum(len(e.attempts) + e.earlier_attempts for e in self.entries)

    def missing(self) -> list[EntryResult]:
        return [e for e in self.entries if e.status != DONE]


@dataclass(frozen=True)
class RunEvent:
    """What `progress` is told, as it happens."""

    kind: str  # started, attempt, list, skipped, breaker, finished
    run: RunResult
    entry: EntryResult | None = None
    attempt: AttemptResult | None = None
    filed: FiledCapture | None = None
    message: str = ""

    @property
    def done(self) -> int:
        return sum(e.status != PENDING for e in self.run.entries)

    @property
    def total(self) -> int:
        return len(self.run.entries)


Progress = Callable[[RunEvent], None]


def new_run_id() -> str:
    now = utc_now()
    return (
        "run-"
        + now.strftime("%Y%m%dT%H%M%S")
        + f"{now.microsecond // 1000:03d}Z-{random.SystemRandom().randrange(16**6):06x}"
    )


def entry_record(entry: WatchEntry) -> dict[str, Any]:
    """The watch-list entry as the manifest records it (manifest["run"]["entry"])."""
    return {
        "index": entry.index,
        "name": entry.name,
        "nip": entry.nip,
        "unit": entry.unit,
        "platform": entry.platform,
        "handle": entry.handle,
        "url": entry.url,
        "tags": list(entry.tags),
        **({"find": list(entry.find)} if entry.find else {}),
        **({"lists": list(entry.lists)} if entry.lists else {}),
    }


def entry_subjects(
    entry: WatchEntry, watchlist: WatchList, settings: RunSettings
) -> tuple[Subject, ...]:
    """Whom the entry's captures look for: its own `find` (with [defaults]'), then every
    person of --subjects."""
    own = subjects_from_find(
        entry.find, entry.platform, f"{watchlist.path.name} entry {entry.index} find"
    )
    given = subjects_from_find(settings.find, entry.platform, "--find")
    return combine(own, given, settings.subjects)


def entry_options(entry: WatchEntry, watchlist: WatchList, settings: RunSettings) -> CaptureOptions:
    o = settings.options
    changes: dict[str, Any] = {}
    if entry.max_scrolls is not None:
        changes["max_scrolls"] = entry.max_scrolls
    if entry.wait_for is not None:
        changes["wait_for"] = entry.wait_for
    if entry.expect_text is not None:
        changes["expect_text"] = entry.expect_text
    if entry.viewport is not None:
        changes["viewport"] = Viewport(*entry.viewport)
    if entry.expand is False:  # an entry can turn expansion off, never back on over --no-expand
        changes["expand"] = False
    session = settings.storage_state or watchlist.session_for(entry.platform)
    changes["storage_state"] = str(session) if session else None
    changes["proxy"] = settings.proxy or watchlist.proxy_for(entry.platform)
    return replace(o, **changes)


def retry_after_s(headers: Sequence[Sequence[str]], now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date)."""
    for name, value in headers:
        if name.lower() != "retry-after":
            continue
        text = value.strip()
        if text.isdigit():
            return float(text)
        with contextlib.suppress(TypeError, ValueError, IndexError):
            when = email.utils.parsedate_to_datetime(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(when.timestamp() - (now if now is not None else time.time()), 0.0)
    return None


def retry_plan(filed: FiledCapture, tries: int, settings: RunSettings) -> tuple[bool, float, str]:
    """(retry?, seconds to wait first, why that wait) after the `tries`-th attempt."""
    response = filed.manifest.get("response")
    status = response["status"] if response else None
    outcome = Outcome(filed.outcome)
    retryable = outcome in RETRIED_OUTCOMES or (
        outcome is not Outcome.OK and isinstance(status, int) and (status == 429 or status >= 500)
    )
    if not retryable or tries > settings.retries:
        return False, 0.0, ""
    cap = settings.max_retry_after_s
    wait = min(settings.backoff_s * 2 ** (tries - 1), cap)
    note = f"backoff {wait:g} s"
    asked = retry_after_s(response["headers"] if response else [])
    if asked is not None:
        capped = f" (capped at {cap:g} s)" if asked > cap else ""
        note += f", Retry-After {asked:g} s{capped}"
        wait = max(wait, min(asked, cap))
    return True, wait, note


class _Host:
    """Politeness for one host: a minimum, jittered delay between its captures."""

    def __init__(self, delay_s: float, jitter: float, rng: random.Random) -> None:
        self.delay_s = delay_s
        self.jitter = jitter
        self.rng = rng
        self.lock = asyncio.Lock()
        self.not_before = 0.0  # monotonic time before which nothing starts here

    @contextlib.asynccontextmanager
    async def slot(self, stopping: Callable[[], bool]) -> AsyncIterator[bool]:
        """Wait for this host's turn; yields False when the run is stopping instead."""
        if self.delay_s > 0:
            await self.lock.acquire()
        go = False
        try:
            go = await _sleep_until(lambda: self.not_before, stopping)
            yield go
        finally:
            if go and self.delay_s > 0:
                pause = self.delay_s * (1 + self.jitter * self.rng.random())
                self.not_before = max(self.not_before, time.monotonic() + pause)
            if self.delay_s > 0:
                self.lock.release()


async def _sleep_until(when: Callable[[], float], stopping: Callable[[], bool]) -> bool:
    """Sleep until monotonic `when()` (it may move); False if the run stops meanwhile."""
    while True:
        if stopping():
            return False
        left = when() - time.monotonic()
        if left <= 0:
            return True
        await asyncio.sleep(min(left, 0.2))


async def _sleep_for(seconds: float, stopping: Callable[[], bool]) -> bool:
    end = time.monotonic() + seconds
    return await _sleep_until(lambda: end, stopping)


def _seconds(manifest: Mapping[str, Any]) -> float:
    """Capture time from a manifest or its `captures` row (both have the two times)."""
    try:
        start = parse_rfc3339(manifest["started_at"])
        end = parse_rfc3339(manifest["finished_at"])
    except (KeyError, ValueError):
        return 0.0
    return round((end - start).total_seconds(), 3)


class _Run:
    """One session of a run: the scheduling state shared by the entries' tasks."""

    def __init__(
        self,
        result: RunResult,
        watchlist: WatchList,
        settings: RunSettings,
        progress: Progress | None,
        stop: threading.Event,
        abandon: threading.Event | None = None,
    ) -> None:
        self.abandon = abandon  # set: captures still loading are given up
        self.result = result
        self.watchlist = watchlist
        self.settings = settings
        self.progress = progress
        self.stop = stop
        self.rng = random.Random()
        self.hosts: dict[str, _Host] = {}
        self.consecutive: Counter[str] = Counter()
        self.open_breakers = result.open_breakers
        self.index: Index | None = None

    def tell(self, event: RunEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def stopping(self) -> bool:
        return self.stop.is_set()

    def host(self, url: str) -> _Host:
        key = (urlsplit(url).netloc or url).lower()
        if key not in self.hosts:
            self.hosts[key] = _Host(self.settings.host_delay_s, self.settings.jitter, self.rng)
        return self.hosts[key]

    def job(self, er: EntryResult, attempt: int, which: str | None = None) -> CaptureJob:
        """The entry's capture, or with `which` the capture of its profile's list."""
        e = er.entry
        s = self.settings
        subjects = entry_subjects(e, self.watchlist, s)
        record = entry_record(e)
        url = e.url
        options = entry_options(e, self.watchlist, s)
        note = f"watch list {self.watchlist.path.name}, entry {e.index}"
        if which is not None and list_via(e.platform, which) == "page":
            url = list_url(e.platform, e.url, which)
            # its own page for change detection (entry_key), linked to the entry
            record = {**record, "url": url, "profile_url": e.url, "list": which}
            note += f", its {which} list"
        elif which is not None:
            # no page of its own: the profile, with the list opened in its dialog; the
            # list's name keeps it apart from the profile's capture (entry_key)
            record = {**record, "profile_url": e.url, "list": which, "list_in": "dialog"}
            options = replace(options, open_list=which)
            note += f", its {which} list (opened in its dialog)"
        return CaptureJob(
            url=url,
            options=options,
            case=s.case,
            operator=s.operator,
            note=note,
            run_id=self.result.run_id,
            entry=record,
            platform=e.platform,
            attempt=attempt,
            watchlist={"file": self.result.list_file, "sha256": self.result.list_sha256},
            find=all_needles(subjects),
            subjects=subjects,
            expect_find=s.expect_find,
        )

    async def lists(self, cs: OpenRunner, er: EntryResult) -> None:
        """Capture the profile's lists the entry asks for, once its own capture saw the
        profile (retried like the entry; recorded in the manifests, not in run_entries)."""
        if er.outcome not in LIST_AFTER or not er.entry.lists:
            return
        host = self.host(er.entry.url)
        for which in er.entry.lists:
            tries = 0
            while True:
                if self.stopping() or er.entry.platform in self.open_breakers:
                    return
                async with host.slot(self.stopping) as go:
                    if not go:
                        return
                    try:
                        filed = await cs.capture(
                            self.job(er, tries + 1, which),
                            should_start=lambda: not self.stopping(),
                            abandon=self.abandon,
                        )
                    except CaptureAbandoned:
                        return  # the run is stopping
                tries += 1
                outcome = Outcome(filed.outcome)
                opened = self.count_for_breaker(er.entry.platform, outcome)
                retry, wait, note = retry_plan(filed, tries, self.settings)
                retry = retry and not self.stopping()
                m = filed.manifest
                response = m.get("response")
                attempt = AttemptResult(
                    attempt=tries,
                    capture_id=filed.capture_id,
                    folder=filed.folder,
                    outcome=outcome,
                    reason=m.get("outcome_reason") or "",
                    http_status=response["status"] if response else None,
                    seconds=_seconds(m),
                    decision=RETRY if retry else FINAL,
                    wait_s=wait if retry else None,
                    note=f"{which} list" + (f"; {note}" if note else ""),
                )
                if not retry:
                    er.lists.append((which, attempt))
                self.tell(RunEvent("list", self.result, er, attempt, filed, message=which))
                if opened:
                    self.tell(RunEvent("breaker", self.result, message=opened))
                if not retry:
                    break
                if not await _sleep_for(wait, self.stopping):
                    return

    async def entry(self, cs: OpenRunner, er: EntryResult) -> None:
        index = cs.index
        e = er.entry
        host = self.host(e.url)
        tries = 0
        while True:
            if self.stopping():
                return  # stays pending: missing, for --resume
            if self.skip_if_open(index, er):
                return
            async with host.slot(self.stopping) as go:
                if not go or self.skip_if_open(index, er):
                    return
                attempt_no = er.earlier_attempts + len(er.attempts) + 1
                try:
                    filed = await cs.capture(
                        self.job(er, attempt_no),
                        should_start=lambda: not self.stopping(),
                        abandon=self.abandon,
                    )
                except CaptureAbandoned:
                    return  # stays pending: missing, for --resume
            tries += 1
            m = filed.manifest
            outcome = Outcome(filed.outcome)
            opened = self.count_for_breaker(e.platform, outcome)
            retry, wait, note = retry_plan(filed, tries, self.settings)
            decision = RETRY if retry else FINAL
            held = None
            if retry and e.platform in self.open_breakers:
                held = SKIPPED, f"not retried: circuit breaker open for {e.platform}"
            elif retry and self.stopping():
                held = PENDING, "not retried: the run is stopping"
            if held is not None:
                decision, wait, note = STOPPED, 0.0, held[1]
            response = m.get("response")
            status = response["status"] if response else None
            attempt = AttemptResult(
                attempt=attempt_no,
                capture_id=filed.capture_id,
                folder=filed.folder,
                outcome=outcome,
                reason=m.get("outcome_reason") or "",
                http_status=status,
                seconds=_seconds(m),
                decision=decision,
                wait_s=wait if decision == RETRY else None,
                note=note,
                endpoint=(m.get("browser") or {}).get("endpoint"),
                handed_over_from=tuple(
                    str(h.get("endpoint"))
                    for h in (m.get("browser") or {}).get("handed_over_from", [])
                ),
            )
            er.attempts.append(attempt)
            index.add_attempt(
                {
                    "run_id": self.result.run_id,
                    "entry_index": e.index,
                    "attempt": attempt_no,
                    "capture_id": filed.capture_id,
                    "outcome": attempt.outcome.value,
                    "reason": attempt.reason,
                    "http_status": status,
                    "started_at": m["started_at"],
                    "finished_at": m["finished_at"],
                    "decision": decision,
                    "wait_s": attempt.wait_s,
                    "note": note,
                }
            )
            if decision != RETRY:
                er.status = DONE if held is None else held[0]
                er.outcome, er.reason = attempt.outcome, attempt.reason
                if held is not None:
                    er.reason = f"{attempt.reason}; {held[1]}"
                er.capture_id, er.folder = filed.capture_id, filed.folder
                er.seconds = attempt.seconds
                index.update_run_entry(
                    self.result.run_id,
                    e.index,
                    {
                        "status": er.status,
                        "outcome": er.outcome.value if er.outcome else None,
                        "reason": er.reason,
                        "capture_id": er.capture_id,
                        "attempts": er.earlier_attempts + len(er.attempts),
                        "updated_at": rfc3339(utc_now()),
                    },
                )
            self.tell(RunEvent("attempt", self.result, er, attempt, filed))
            if opened:
                self.tell(RunEvent("breaker", self.result, message=opened))
            if decision != RETRY:
                if er.status == DONE:
                    await self.lists(cs, er)
                return
            if outcome is Outcome.RATE_LIMITED or status == 429:
                # the server asked the whole host to slow down
                host.not_before = max(host.not_before, time.monotonic() + wait)
            if not await _sleep_for(wait, self.stopping):
                return

    def count_for_breaker(self, platform: str, outcome: Outcome) -> str | None:
        """Count a wall; the message when this one opens the platform's breaker."""
        if outcome not in BREAKER_OUTCOMES:
            self.consecutive[platform] = 0
            return None
        self.consecutive[platform] += 1
        n = self.settings.breaker
        if not n or self.consecutive[platform] < n or platform in self.open_breakers:
            return None
        message = (
            f"stopped capturing {platform}: {n} consecutive {'/'.join(BREAKER_OUTCOMES)} "
            f"captures; its remaining entries are skipped (resume the run later)"
        )
        self.open_breakers[platform] = message
        return message

    def skip_if_open(self, index: Index, er: EntryResult) -> bool:
        platform = er.entry.platform
        if platform not in self.open_breakers:
            return False
        er.status = SKIPPED
        er.reason = f"not captured: circuit breaker open for {platform}"
        index.update_run_entry(
            self.result.run_id,
            er.entry.index,
            {"status": SKIPPED, "reason": er.reason, "updated_at": rfc3339(utc_now())},
        )
        self.tell(RunEvent("skipped", self.result, er, message=er.reason))
        return True


def _settings_record(settings: RunSettings, watchlist: WatchList) -> dict[str, Any]:
    options = asdict(settings.options)
    options["viewport"] = str(settings.options.viewport)
    options.pop("proxy", None)
    options.pop("storage_state", None)
    return {
        "concurrency": settings.concurrency,
        "min_free_memory_mb": settings.min_available_mb,
        "min_free_disk_mb": settings.min_free_disk_mb,
        "host_delay_s": settings.host_delay_s,
        "jitter": settings.jitter,
        "retries": settings.retries,
        "backoff_s": settings.backoff_s,
        "max_retry_after_s": settings.max_retry_after_s,
        "breaker": settings.breaker,
        "options": options,
        "proxy": redact_proxy(settings.proxy) if settings.proxy else None,
        "storage_state": Path(settings.storage_state).name if settings.storage_state else None,
        "list_sessions": {p: f.name for p, f in watchlist.sessions.items()},
        "list_proxies": {p: redact_proxy(u) for p, u in watchlist.proxies.items()},
        "find": list(settings.find),
        "subjects": settings.subjects_file,
        "subjects_count": len(settings.subjects),
        "expect_find": settings.expect_find,
        "browser_endpoints": [
            redact_endpoint(u) for u in (settings.browser_endpoints or watchlist.endpoints)
        ],
        "per_endpoint": settings.per_endpoint or watchlist.per_endpoint,
    }


def make_runner(
    store: EvidenceStore,
    watchlist: WatchList,
    settings: RunSettings,
    *,
    after_filing: Sequence[Callable[..., None]] = (),
    warn: Callable[[str], None] | None = None,
) -> CaptureRunner:
    """The runner a run captures with: a browser launched here, or the browser
    endpoints given (--browser-endpoint wins over the list's [browsers])."""
    endpoints = settings.browser_endpoints or watchlist.endpoints
    return CaptureRunner(
        store,
        browser_path=settings.browser_path,
        concurrency=settings.concurrency,
        min_available_mb=settings.min_available_mb,
        tsa=settings.tsa,
        after_filing=after_filing,
        min_free_disk_mb=settings.min_free_disk_mb,
        endpoints=[parse_browser_endpoint(u) for u in endpoints],
        per_endpoint=settings.per_endpoint or watchlist.per_endpoint or DEFAULT_PER_ENDPOINT,
        warn=warn,
    )


def run_watchlist(
    store: EvidenceStore,
    watchlist: WatchList,
    settings: RunSettings,
    progress: Progress | None = None,
    *,
    stop: threading.Event | None = None,
    resume: str | None = None,
    runner: CaptureRunner | None = None,
    abandon: threading.Event | None = None,
    warn: Callable[[str], None] | None = None,
) -> RunResult:
    """Capture the watch list (or what a run left missing); see the module docstring.

    Raises WatchListError for an unknown --only tag, UsageError for a bad session file or
    a run that cannot be resumed, before anything is captured."""
    stop = stop or threading.Event()
    runner = runner or make_runner(store, watchlist, settings, warn=warn)
    selected = filter_entries(watchlist, settings.only_tags) if resume is None else ()
    for state in {s for s in (settings.storage_state, *watchlist.sessions.values()) if s}:
        check_session_file(state)
    probe = [
        CaptureJob(e.url, entry_options(e, watchlist, settings))
        for e in (selected or watchlist.entries)
    ]
    run_id = _resolve_run(store, resume) if resume is not None else new_run_id()
    with run_lock(store, run_id):
        executable, source = runner.prepare(probe)  # all that can fail, before any capture
        return run_to_completion(
            _run(
                runner,
                executable,
                source,
                watchlist,
                settings,
                selected,
                progress,
                stop,
                run_id,
                resume,
                abandon,
            )
        )


def _resolve_run(store: EvidenceStore, ref: str) -> str:
    return str(run_to_resume(store, ref)["id"])


@contextlib.contextmanager
def run_lock(store: EvidenceStore, run_id: str) -> Iterator[None]:
    """One process at a time captures a run: a second `run --resume` of a run still being
    captured is refused (two would race for the same attempt numbers). The lock is an
    flock, so a killed process leaves nothing that blocks a later resume; the lock file is
    removed when the run ends (one per run would pile up in `.runs/`)."""
    folder = store.root / ".runs"
    path = folder / f"{run_id}.lock"
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(
                f"cannot lock run {run_id} in {folder}: {exc.strerror or exc}"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UsageError(
                f"run {run_id} is being captured by another collector process right now; "
                "wait for it to finish (or stop it), then resume"
            ) from None
        # The holder before us may have removed the file between our open and our lock:
        # a lock on a removed file excludes nobody, so take the one at the path instead.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still locked: whoever opened it before retries (above)
        os.close(fd)


async def _run(
    runner: CaptureRunner,
    executable: str,
    source: str,
    watchlist: WatchList,
    settings: RunSettings,
    selected: Sequence[WatchEntry],
    progress: Progress | None,
    stop: threading.Event,
    run_id: str,
    resume: str | None,
    abandon: threading.Event | None = None,
) -> RunResult:
    async with runner.open(executable, source) as cs:
        index = cs.index
        now = rfc3339(utc_now())
        if resume is None:
            result = _start(index, watchlist, settings, selected, now, run_id)
        else:
            result = _restart(index, watchlist, run_id, now)
        run = _Run(result, watchlist, settings, progress, stop, abandon)
        run.tell(RunEvent("started", result))
        todo = [er for er in result.entries if er.status != DONE]
        for er in todo:
            er.status = PENDING
        try:
            await gather_or_cancel([run.entry(cs, er) for er in todo])
        except BaseException:
            _finish(index, result, interrupted=True)
            raise
        _finish(index, result, interrupted=stop.is_set())
        run.tell(RunEvent("finished", result))
        return result


def _start(
    index: Index,
    watchlist: WatchList,
    settings: RunSettings,
    selected: Sequence[WatchEntry],
    now: str,
    run_id: str,
) -> RunResult:
    list_file = str(watchlist.path)
    index.create_run(
        {
            "id": run_id,
            "list_file": list_file,
            "list_sha256": watchlist.sha256,
            "started_at": now,
            "finished_at": None,
            "status": RUNNING,
            "operator": settings.operator,
            "case_id": settings.case,
            "only_tags": json.dumps(list(settings.only_tags)),
            "entries": len(selected),
            "ok": 0,
            "counts": json.dumps({}),
            "attempts": 0,
            "settings": json.dumps(_settings_record(settings, watchlist), ensure_ascii=False),
            "hostname": socket.gethostname(),
            "resumed_at": json.dumps([]),
        },
        [
            {
                "run_id": run_id,
                "entry_index": e.index,
                "name": e.name,
                "nip": e.nip,
                "unit": e.unit,
                "platform": e.platform,
                "handle": e.handle,
                "url": e.url,
                "tags": json.dumps(list(e.tags), ensure_ascii=False),
                "status": PENDING,
                "outcome": None,
                "reason": None,
                "capture_id": None,
                "attempts": 0,
                "updated_at": now,
            }
            for e in selected
        ],
    )
    return RunResult(
        run_id=run_id,
        list_file=list_file,
        list_sha256=watchlist.sha256,
        started_at=now,
        finished_at=None,
        status=RUNNING,
        entries=[EntryResult(e) for e in selected],
        open_breakers={},
    )


def _restart(index: Index, watchlist: WatchList, run_id: str, now: str) -> RunResult:
    row = index.resolve_run(run_id)
    check_resumable(row, watchlist)
    by_index = {e.index: e for e in watchlist.entries}
    entries: list[EntryResult] = []
    rows = index.run_entries(row["id"])
    finals = {
        r["id"]: r for r in index.captures(ids=[x["capture_id"] for x in rows if x["capture_id"]])
    }
    for r in rows:
        er = EntryResult(by_index[r["entry_index"]])
        er.earlier_attempts = r["attempts"] or 0
        if r["status"] == DONE:
            outcome = Outcome(r["outcome"]) if r["outcome"] else None
            er.status, er.outcome, er.reason = DONE, outcome, r["reason"] or ""
            er.capture_id = r["capture_id"]
            final = finals.get(r["capture_id"])
            if final is not None:
                er.folder = final["folder"]
                er.seconds = _seconds(final)
        entries.append(er)
    resumed = [*json.loads(row["resumed_at"] or "[]"), now]
    index.update_run(
        row["id"], {"status": RUNNING, "finished_at": None, "resumed_at": json.dumps(resumed)}
    )
    return RunResult(
        run_id=row["id"],
        list_file=row["list_file"],
        list_sha256=row["list_sha256"],
        started_at=row["started_at"],
        finished_at=None,
        status=RUNNING,
        entries=entries,
        open_breakers={},
    )


def check_resumable(row: dict[str, Any], watchlist: WatchList) -> None:
    if watchlist.sha256 != row["list_sha256"]:
        raise UsageError(
            f"cannot resume {row['id']}: {watchlist.path} changed since the run started "
            f"(SHA-256 {watchlist.sha256[:12]}…, the run used {row['list_sha256'][:12]}…); "
            "start a new run instead"
        )


def _finish(index: Index, result: RunResult, *, interrupted: bool) -> None:
    result.finished_at = rfc3339(utc_now())
    result.status = INTERRUPTED if interrupted and result.missing() else FINISHED
    counts = result.counts()
    index.update_run(
        result.run_id,
        {
            "finished_at": result.finished_at,
            "status": result.status,
            "counts": json.dumps(counts),
            "ok": counts.get(Outcome.OK, 0),
            "attempts": result.attempts,
        },
    )


def run_to_resume(store: EvidenceStore, run_id: str) -> dict[str, Any]:
    """The `runs` row of a run to resume (for its list file, case, operator, tags)."""
    if not store.index_path.exists():
        raise UsageError(f"no evidence store at {store.root} (no index.db): nothing to resume")
    with Index(store.index_path) as index:
        return index.resolve_run(run_id)


def resume_settings(row: dict[str, Any], settings: RunSettings) -> RunSettings:
    """A resumed run keeps its case and tag selection (and operator, unless given)."""
    return replace(
        settings,
        case=row["case_id"],
        operator=settings.operator or row["operator"],
        only_tags=tuple(json.loads(row["only_tags"] or "[]")),
    )
