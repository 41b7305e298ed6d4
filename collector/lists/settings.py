"""How a watch-list run captures: `RunSettings` and its defaults.

Apart from the run itself (collector.lists.run) so that the CLI can show the defaults in
`--help` without loading the run's machinery (the runner, the browser, the index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from collector.capture.admission import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MIN_AVAILABLE_MB,
    DEFAULT_MIN_FREE_DISK_MB,
)
from collector.models import CaptureOptions, Subject

if TYPE_CHECKING:
    from collector.evidence.stamps import TsaSettings

DEFAULT_HOST_DELAY_S = 5.0
DEFAULT_JITTER = 0.5
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_S = 5.0
DEFAULT_MAX_RETRY_AFTER_S = 120.0
DEFAULT_BREAKER = 3


@dataclass(frozen=True)
class RunSettings:
    """How a run captures. Entry settings (max_scrolls, wait_for, expect_text, viewport,
    from the entry or the list's [defaults]) win over `options`; `storage_state` and
    `proxy`, when given, win over the list's [sessions] and [proxy]."""

    case: str | None = None
    operator: str | None = None
    only_tags: tuple[str, ...] = ()
    options: CaptureOptions = field(default_factory=CaptureOptions)
    storage_state: str | None = None
    proxy: str | None = None
    browser_path: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    min_available_mb: int = DEFAULT_MIN_AVAILABLE_MB
    min_free_disk_mb: int = DEFAULT_MIN_FREE_DISK_MB
    host_delay_s: float = DEFAULT_HOST_DELAY_S
    jitter: float = DEFAULT_JITTER
    retries: int = DEFAULT_RETRIES
    backoff_s: float = DEFAULT_BACKOFF_S
    max_retry_after_s: float = DEFAULT_MAX_RETRY_AFTER_S
    breaker: int = DEFAULT_BREAKER  # 0: never stop a platform
    tsa: TsaSettings | None = None  # RFC 3161 authorities for each capture's manifest
    # people looked for in every capture (--find, --subjects), on top of each entry's `find`
    find: tuple[str, ...] = ()
    subjects: tuple[Subject, ...] = ()
    subjects_file: dict[str, str] | None = None  # {file, sha256} of --subjects
    expect_find: bool = False  # a capture that finds none of them is expectation_failed
