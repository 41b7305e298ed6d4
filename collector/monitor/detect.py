"""Change detection after each capture, and notifications about what changed.

`ChangeMonitor.after_filing` is a `CaptureRunner` after-filing hook. For each new
capture it finds the previous capture of the same page, compares the two with
`collector.monitor.changes.compare` and records one `changes` row (also when nothing changed:
"checked, unchanged" is worth knowing). "The same page" is the watch-list entry (name,
platform and URL) when the capture came from a run, else the requested URL
(`collector.records.rows.entry_key`): ad-hoc captures of a URL are compared with earlier ad-hoc
captures of that URL, not with a watch-list entry that happens to have the same URL.

Rules on top of `compare`:

* A capture that failed to observe the page (`UNOBSERVED_OUTCOMES`: timeout, network or
  browser failure, and the ways a platform keeps us out: rate limit, captcha, login or
  consent wall) says nothing about the page. It gets no `changes` row and is never the
  "previous" capture: a timeout between two good captures must not hide that a post was
  deleted in between.
* `http_error` with HTTP 404 or 410 counts as `not_found`, so `ok` -> 404 is reported as
  `disappeared` even without the platform classifier; the row keeps the recorded
  outcomes.
* The screenshot hashes are compared only when both were made the same way (same
  thumbnail method, width and CSS box width).
* Text comes from each capture's `text.txt`, only while it matches its recorded SHA-256.

`derive_changes` recomputes the same rows for `collector reindex`, in capture order. It
agrees with what the hook recorded except when captures of one page overlapped in time
(the hook compares with the previous capture already filed).
"""

from __future__ import annotations

import concurrent.futures
import json
import shlex
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collector.errors import UsageError
from collector.evidence.findings import finding_facts
from collector.evidence.store import load_manifest, read_verified_artifact
from collector.manifest import Manifest
from collector.models import Outcome
from collector.monitor.changes import CaptureFacts, ChangeSet, compare
from collector.records.rows import entry_key
from collector.timeutil import rfc3339, utc_now

if TYPE_CHECKING:
    from collector.models import CaptureJob, FiledCapture
    from collector.records.index import Index

__all__ = [
    "NOT_FOUND_STATUSES",
    "UNOBSERVED_OUTCOMES",
    "ChangeMonitor",
    "ChangeRecord",
    "Notifier",
    "compare_manifests",
    "derive_changes",
    "effective_outcome",
]

UNOBSERVED_OUTCOMES = frozenset(
    {
        Outcome.TIMEOUT,
        Outcome.NETWORK_ERROR,
        Outcome.BROWSER_ERROR,
        Outcome.RATE_LIMITED,
        Outcome.CAPTCHA,
        Outcome.LOGIN_WALL,
        Outcome.CONSENT_WALL,
    }
)
NOT_FOUND_STATUSES = frozenset({404, 410})
NOTIFY_TIMEOUT_S = 30.0

Log = Callable[[str], None]


def effective_outcome(manifest: Manifest) -> str:
    outcome = str(manifest["outcome"])
    response = manifest.get("response")
    status = response["status"] if response else None
    if outcome == Outcome.HTTP_ERROR and status in NOT_FOUND_STATUSES:
        return Outcome.NOT_FOUND.value
    return outcome


def _dhash(manifest: Manifest) -> tuple[int | None, tuple[Any, ...] | None]:
    shot = manifest.get("screenshot") or {}
    value, source = shot.get("dhash"), shot.get("dhash_source") or {}
    if not isinstance(value, str):
        return None, None
    try:
        number = int(value, 16)
    except ValueError:
        return None, None
    clip = source.get("css_clip") or [None, None, None, None]
    return number, (source.get("method"), source.get("png_width"), clip[2])


def _facts(manifest: Manifest, folder: Path, *, text: bool) -> CaptureFacts:
    page = manifest.get("page") or {}
    links = page.get("post_links")
    body = read_verified_artifact(folder, manifest, "text.txt") if text else None
    return CaptureFacts(
        capture_id=str(manifest["capture_id"]),
        captured_at=str(manifest["started_at"]),
        outcome=effective_outcome(manifest),
        title=str(page.get("title") or ""),
        final_url=str(manifest.get("final_url") or ""),
        text=body.decode("utf-8", errors="replace") if body is not None else None,
        screenshot_dhash=_dhash(manifest)[0],
        post_links=tuple(links) if isinstance(links, list) else None,
        **finding_facts(manifest),
    )


def compare_manifests(
    previous: Manifest, previous_folder: Path, current: Manifest, current_folder: Path
) -> ChangeSet:
    """`compare` two captures from their manifests and folders (older one first)."""
    both_ok = effective_outcome(previous) == effective_outcome(current) == Outcome.OK
    before = _facts(previous, previous_folder, text=both_ok)
    after = _facts(current, current_folder, text=both_ok)
    (_, way_before), (_, way_after) = _dhash(previous), _dhash(current)
    if way_before != way_after:
        before = _without_dhash(before)
        after = _without_dhash(after)
    return compare(before, after)


def _without_dhash(facts: CaptureFacts) -> CaptureFacts:
    from dataclasses import replace

    return replace(facts, screenshot_dhash=None)


def change_row(previous: Manifest, current: Manifest, changeset: ChangeSet) -> dict[str, Any]:
    """The `changes` row for one comparison (docs/monitoring.md explains each column)."""
    run = current.get("run")
    entry = (run["entry"] if run else None) or {}
    return {
        "capture_id": current["capture_id"],
        "previous_id": previous["capture_id"],
        "entry_key": entry_key(current),
        "entry_name": entry.get("name") if isinstance(entry, dict) else None,
        "url": (entry.get("url") if isinstance(entry, dict) else None) or current["requested_url"],
        "case_id": current.get("case"),
        "run_id": run["run_id"] if run else None,
        "captured_at": current["started_at"],
        "previous_at": previous["started_at"],
        "outcome": current["outcome"],
        "previous_outcome": previous["outcome"],
        "changed": int(not changeset.is_empty),
        "kinds": ",".join(str(kind) for kind in changeset.kinds),
        "summary": "; ".join(change.summary for change in changeset.changes),
        "screenshot_distance": changeset.screenshot_distance,
        "details": changeset.to_json(),
        "created_at": rfc3339(utc_now()),
    }


@dataclass(frozen=True)
class ChangeRecord:
    """One comparison the monitor made: the stored row and the ChangeSet behind it."""

    row: dict[str, Any]
    changeset: ChangeSet
    folder: Path  # the current capture's folder

    @property
    def changed(self) -> bool:
        return not self.changeset.is_empty

    def payload(self, current: Manifest) -> dict[str, Any]:
        """What `--notify-command` reads on standard input (one JSON object)."""
        run = current.get("run")
        return {
            "event": "collector.change",
            "capture_id": self.row["capture_id"],
            "previous_capture_id": self.row["previous_id"],
            "captured_at": self.row["captured_at"],
            "previous_captured_at": self.row["previous_at"],
            "entry_key": self.row["entry_key"],
            "entry": run["entry"] if run else None,
            "run_id": run["run_id"] if run else None,
            "case": current.get("case"),
            "url": self.row["url"],
            "final_url": current.get("final_url"),
            "outcome": self.row["outcome"],
            "previous_outcome": self.row["previous_outcome"],
            "kinds": self.row["kinds"].split(",") if self.row["kinds"] else [],
            "summary": self.row["summary"],
            "changes": self.changeset.to_dict(),
            "folder": str(self.folder),
        }


def detect(index: Index, filed: FiledCapture) -> ChangeRecord | None:
    """Compare a just-indexed capture with the previous one of its page; record the row."""
    current = filed.manifest
    if current["outcome"] in UNOBSERVED_OUTCOMES:
        return None
    root = index.root
    previous_row = index.previous_capture(
        entry_key(current), current["started_at"], current["capture_id"], UNOBSERVED_OUTCOMES
    )
    if previous_row is None:
        return None  # the first capture of this page
    previous_folder = root / previous_row["folder"]
    previous, _ = load_manifest(previous_folder)
    changeset = compare_manifests(previous, previous_folder, current, root / filed.folder)
    row = change_row(previous, current, changeset)
    index.record_change(row)
    return ChangeRecord(row, changeset, root / filed.folder)


def derive_changes(
    root: Path,
    captures: Iterable[tuple[Manifest, str, str]],
    warn: Log | None = None,
) -> Iterator[dict[str, Any]]:
    """Every `changes` row for (manifest, folder, digest) captures, for `reindex`."""
    latest: dict[str, tuple[Manifest, Path]] = {}
    ordered = sorted(captures, key=lambda c: (c[0]["started_at"], c[0]["capture_id"]))
    for manifest, folder, _ in ordered:
        if manifest["outcome"] in UNOBSERVED_OUTCOMES:
            continue
        key = entry_key(manifest)
        here = root / folder
        if key in latest:
            previous, previous_folder = latest[key]
            try:
                changeset = compare_manifests(previous, previous_folder, manifest, here)
            except (ValueError, OSError) as exc:
                if warn:
                    warn(f"changes: cannot compare {manifest['capture_id']}: {exc}")
            else:
                yield change_row(previous, manifest, changeset)
        latest[key] = (manifest, here)


class Notifier:
    """Runs `--notify-command` once per changed page, with the change as JSON on stdin.

    No shell: the command is split like a shell would (shlex) and run directly, so
    nothing captured can ever reach a command line. One at a time, in a background
    thread, so a slow command never holds up the captures; each is bounded by
    `timeout_s`. A failure is logged, never fatal: the evidence is already safe.
    """

    def __init__(self, command: str, *, timeout_s: float = NOTIFY_TIMEOUT_S, log: Log) -> None:
        self.argv = parse_command(command)
        self.timeout_s = timeout_s
        self.log = log
        self.sent = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="notify")

    def submit(self, payload: dict[str, Any]) -> None:
        self._pool.submit(self._send, payload)

    def _send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
        what = f"notify command {self.argv[0]!r} for capture {payload.get('capture_id')}"
        try:
            result = subprocess.run(
                self.argv, input=data, capture_output=True, timeout=self.timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            self._failed(f"{what}: timed out after {self.timeout_s:g} s (killed)")
            return
        except OSError as exc:
            self._failed(f"{what}: could not run: {exc.strerror or exc}")
            return
        if result.returncode != 0:
            err = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
            detail = f": {err[-1][:200]}" if err else ""
            self._failed(f"{what}: exited with status {result.returncode}{detail}")
            return
        with self._lock:
            self.sent += 1

    def _failed(self, message: str) -> None:
        with self._lock:
            self.failures.append(message)
        self.log(message)

    def close(self) -> None:
        """Wait for every notification submitted so far."""
        self._pool.shutdown(wait=True)


def parse_command(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"--notify-command {command!r}: {exc}") from None
    if not argv:
        raise UsageError("--notify-command is empty")
    if shutil.which(argv[0]) is None:
        raise UsageError(
            f"--notify-command: {argv[0]!r} is not an executable (not found on PATH or not "
            "executable)"
        )
    return argv


class ChangeMonitor:
    """The after-filing hook: `CaptureRunner(..., after_filing=[monitor.after_filing])`,
    then `monitor.close()` once the runner returns.

    The hook itself only hands the filed capture to one worker thread, which compares
    it through its own connection to the same index (SQLite WAL; writes queue on the
    busy timeout): reading two texts and diffing a long profile can take a few hundred
    milliseconds, which must not stall the capture loop. One worker, in filing order,
    so "the previous capture" is always one already filed and compared. A comparison
    that fails is reported in `problems` and never stops the captures: the capture
    itself is already filed and indexed, and `collector reindex` can compare it later.
    `background=False` compares on the caller's thread with the caller's Index.
    """

    def __init__(self, *, notifier: Notifier | None = None, background: bool = True) -> None:
        self.notifier = notifier
        self.records: list[ChangeRecord] = []
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._pool = (
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="changes")
            if background
            else None
        )
        self._index: Index | None = None  # the worker's own connection

    def after_filing(self, index: Index, job: CaptureJob | None, filed: FiledCapture) -> None:
        if self._pool is None:
            self._compare(index, filed)
        else:
            self._pool.submit(self._in_worker, index.path, filed)

    def _in_worker(self, path: Path, filed: FiledCapture) -> None:
        from collector.records.index import Index

        try:
            if self._index is None:
                self._index = Index(path)
        except Exception as exc:
            self._problem(filed, exc)
            return
        self._compare(self._index, filed)

    def _compare(self, index: Index, filed: FiledCapture) -> None:
        try:
            record = detect(index, filed)
        except Exception as exc:  # analysis must never cost the run its other captures
            self._problem(filed, exc)
            return
        if record is None:
            return
        with self._lock:
            self.records.append(record)
        if record.changed and self.notifier is not None:
            self.notifier.submit(record.payload(filed.manifest))

    def _problem(self, filed: FiledCapture, exc: Exception) -> None:
        with self._lock:
            self.problems.append(f"{filed.capture_id}: change detection failed: {exc}")

    @property
    def changed(self) -> list[ChangeRecord]:
        return [r for r in self.records if r.changed]

    def close(self) -> None:
        """Wait for every comparison, then every notification."""
        if self._pool is not None:
            self._pool.submit(self._close_index)  # its connection belongs to the worker
            self._pool.shutdown(wait=True)
        if self.notifier is not None:
            self.notifier.close()

    def _close_index(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
