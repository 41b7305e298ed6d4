"""Time: every stored time is UTC, RFC 3339 with milliseconds; WIB only for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """`2026-11-25T01:15:30.123Z`: UTC, milliseconds, `Z` suffix."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: refusing to guess its time zone")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_rfc3339(text: str) -> datetime:
    """Parse a stored timestamp (or a date, taken as midnight UTC)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def wib(moment: datetime | str) -> str:
    """Human-facing local time in Western Indonesia (UTC+7)."""
    if isinstance(moment, str):
        moment = parse_rfc3339(moment)
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S WIB")
