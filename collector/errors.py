"""The library's own exceptions. Only collector/cli/ turns them into exit codes
(`collector.cli.common.handle_errors`)."""

from __future__ import annotations


class CollectorError(Exception):
    """Base class: something the user should read, as one line."""


class UsageError(CollectorError):
    """The request itself is wrong (bad URL, refused scheme, bad option): exit 2."""


class TargetRefused(UsageError):
    """A URL whose scheme or form collector will not capture."""


class StoreError(CollectorError):
    """The evidence store cannot be used (unwritable, corrupt, locked)."""


class AnchorError(StoreError):
    """The custody log was appended to, but its anchor outside the store was not written."""


class CaptureNotFound(UsageError):
    """No capture matches the id (or the prefix matches several)."""


class BrowserNotFound(CollectorError):
    """No usable Chromium; the message says how to install one."""


class IndexError_(CollectorError):
    """The SQLite index is unusable or newer than this collector understands."""
