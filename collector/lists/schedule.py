"""Text generators for running collections on a schedule: crontab lines, systemd units.

Pure functions: they build strings and never touch the system. Both schedulers wrap
the command in `flock -n LOCK` so a slow run is never overlapped by the next one; a
skipped run exits with `FLOCK_CONFLICT_EXIT` (75, EX_TEMPFAIL: "try again later").

Both alert only when a run failed (collector/exits.py): a run that worked and found pages
that are not `ok` (a deleted post: exit 4) is a result, not a failure, and a skipped run is
neither. The systemd service lists 4 and 75 in `SuccessExitStatus=`, so only a failure
marks the unit failed (`systemctl --failed`, `OnFailure=`). The cron line appends the
run's output to its log and prints one line, which cron mails (MAILTO), only on failure.

Times of day (hourly and longer schedules) are the scheduler's local time zone.

Calendar periods. Cron, and systemd's `OnCalendar=`, count minutes within the hour
and hours within the day, so only periods that divide an hour (1, 2, 3, 4, 5, 6, 10,
12, 15, 20, 30 min), divide a day (1, 2, 3, 4, 6, 8, 12 h), or are 1 day or 1 week run
at truly even intervals. `*/7` in the hour field, for instance, fires at 0, 7, 14 and
21 h: a 3 h gap every night. Rather than silently pick a nearby schedule (a report
would then state a monitoring interval that was not kept), `cron_line` refuses other
periods and names the nearest ones it can do. `systemd_units` handles any period:
calendar periods become `OnCalendar=` with `Persistent=true` (catches up on runs missed
while the machine was off or asleep); others become `OnBootSec=` plus
`OnUnitActiveSec=`, which keep exact spacing but pause while the machine sleeps.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from collector import exits

__all__ = [
    "CALENDAR_PERIODS",
    "FLOCK_CONFLICT_EXIT",
    "ScheduleError",
    "cron_line",
    "format_every",
    "parse_every",
    "systemd_units",
]

FLOCK_CONFLICT_EXIT = exits.SKIPPED_LOCKED
# Exit statuses of a scheduled run that are no failure, lowest first.
NOT_FAILURES = tuple(sorted(exits.SCHEDULE_SUCCESS))
DEFAULT_FLOCK = "/usr/bin/flock"
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
BOOT_DELAY = timedelta(minutes=2)
MAX_RANDOM_DELAY = timedelta(minutes=1)

_PERIOD = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,200}")
# Characters that need no quoting in an ExecStart= word (besides % and $, escaped apart).
_SYSTEMD_BARE = re.compile(r"[A-Za-z0-9_@%+=:,./$-]+")


class ScheduleError(ValueError):
    """A period or command that cannot be scheduled as asked."""


@dataclass(frozen=True)
class _Calendar:
    cron: str  # the five time fields
    on_calendar: str  # systemd calendar event


def _calendar_table() -> dict[int, _Calendar]:
    table: dict[int, _Calendar] = {}
    for m in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30):
        table[m] = (
            _Calendar("* * * * *", "*-*-* *:*:00")
            if m == 1
            else _Calendar(f"*/{m} * * * *", f"*-*-* *:00/{m}:00")
        )
    for h in (1, 2, 3, 4, 6, 8, 12):
        table[h * 60] = (
            _Calendar("0 * * * *", "*-*-* *:00:00")
            if h == 1
            else _Calendar(f"0 */{h} * * *", f"*-*-* 00/{h}:00:00")
        )
    table[24 * 60] = _Calendar("0 0 * * *", "*-*-* 00:00:00")
    table[7 * 24 * 60] = _Calendar("0 0 * * 1", "Mon *-*-* 00:00:00")
    return table


_CALENDAR = _calendar_table()
#: Periods that cron and OnCalendar= can run at even intervals.
CALENDAR_PERIODS: tuple[timedelta, ...] = tuple(timedelta(minutes=m) for m in sorted(_CALENDAR))


# --- periods -----------------------------------------------------------------------


def parse_every(text: str, *, allow_seconds: bool = False) -> timedelta:
    """Parse a period such as `6h`, `30m`, `1d`, `90s` or `1h30m` (units d, h, m, s).

    By default the period must be a whole number of minutes, at least one: cron and
    systemd timers here work in minutes. `allow_seconds=True` (for `watch` loops and
    tests) accepts any whole number of seconds from 1 up.
    """
    spec = text.strip().lower()
    if not spec:
        raise ScheduleError("empty period: use e.g. 30m, 6h or 1d")
    match = _PERIOD.fullmatch(spec)
    if match is None or not any(match.groups()):
        hint = " (whole numbers only: 90m, not 1.5h)" if re.search(r"[.,]", spec) else ""
        raise ScheduleError(
            f"cannot parse period {text!r}{hint}: write a whole number and a unit "
            "s, m, h or d, largest unit first, e.g. 90s, 30m, 6h, 1d or 1h30m"
        )
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    try:
        period = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError as exc:
        raise ScheduleError(f"period {text!r} is too long") from exc
    if period <= timedelta(0):
        raise ScheduleError(f"period {text!r} is zero; it must be positive")
    if not allow_seconds:
        if period < MINUTE:
            raise ScheduleError(f"period {text!r} is under the 1 minute minimum")
        if period % MINUTE:
            raise ScheduleError(
                f"period {text!r} is not a whole number of minutes; scheduled runs work in minutes"
            )
    return period


def format_every(every: timedelta) -> str:
    """Compact form that `parse_every` reads back: 1h30m, 6h, 1d, 90s -> 1m30s."""
    total = _whole_seconds(every)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _whole_seconds(every: timedelta) -> int:
    if every <= timedelta(0) or every % SECOND:
        raise ScheduleError(f"period {every} must be a positive whole number of seconds")
    return every // SECOND


def _period(every: timedelta | str) -> timedelta:
    period = parse_every(every) if isinstance(every, str) else every
    if period < MINUTE or period % MINUTE:
        raise ScheduleError(
            f"scheduled runs need a whole number of minutes, at least 1; got {period}"
        )
    return period


# --- cron --------------------------------------------------------------------------


def cron_line(
    every: timedelta | str,
    command_argv: Sequence[str],
    lock_path: str | os.PathLike[str],
    log_path: str | os.PathLike[str],
    *,
    working_dir: str | os.PathLike[str] | None = None,
    flock_path: str = DEFAULT_FLOCK,
) -> str:
    """A crontab entry: one comment line explaining it, then the schedule line.

    The result ends with a newline (crontab ignores a final line without one). All
    paths must be absolute, since cron starts jobs in $HOME with PATH=/usr/bin:/bin.
    Every word is quoted for /bin/sh and `%`, which cron would turn into a newline,
    is escaped as `\\%`. Periods cron cannot keep evenly raise `ScheduleError`.

    The run's output goes to the log; the line prints (so cron mails) one message only
    when the run failed, and exits with the run's status.
    """
    period = _period(every)
    calendar = _CALENDAR.get(period // MINUTE)
    if calendar is None:
        raise ScheduleError(_not_calendar_message(period))
    argv = _check_argv(command_argv)
    lock = _absolute(lock_path, "lock path")
    log = _absolute(log_path, "log path")
    flock = _check_flock(flock_path)
    words = [flock, "-n", "-E", str(FLOCK_CONFLICT_EXIT), lock, *argv]
    command = " ".join(_cron_word(word) for word in words)
    command += f" >> {_cron_word(log)} 2>&1"
    if working_dir is not None:
        command = f"cd {_cron_word(_absolute(working_dir, 'working directory'))} && {command}"
    fine = "|".join(str(s) for s in NOT_FAILURES)
    # quoted in two pieces, so that $s (the run's status) between them expands
    alert = (
        _cron_word("collector: scheduled run failed (exit ") + '"$s"' + _cron_word(f"); see {log}")
    )
    command += f"; s=$?; case $s in {fine}) ;; *) echo {alert} ;; esac; exit $s"
    comment = (
        f"# collector every {format_every(period)}: flock -n skips a run while the "
        f"previous one holds {lock}; output is appended to {log}; cron mails a line only "
        f"when a run failed (exit status other than {', '.join(map(str, NOT_FAILURES))})"
    )
    return f"{comment}\n{calendar.cron} {command}\n"


def _not_calendar_message(period: timedelta) -> str:
    below = [p for p in CALENDAR_PERIODS if p < period]
    above = [p for p in CALENDAR_PERIODS if p > period]
    nearest = " or ".join(format_every(p) for p in (below[-1:] + above[:1]))
    return (
        f"cron cannot run every {format_every(period)} at even intervals: its fields "
        "restart every hour and day, so the period must divide an hour or a day, or be "
        f"1d or 7d. Nearest: {nearest}. A systemd timer can run any period."
    )


def _cron_word(word: str) -> str:
    """Quote for /bin/sh, then escape `%` for cron.

    Cron turns `\\%` into `%` and any other `%` into a newline before the shell sees
    the line, regardless of shell quoting. A `%` is therefore written outside the
    quotes, between separately quoted pieces, so that no backslash belonging to the
    word can end up in front of it (cron would read `\\\\%` as a backslash and a
    newline).
    """
    if "%" not in word:
        return shlex.quote(word)
    return "\\%".join(shlex.quote(piece) if piece else "" for piece in word.split("%"))


# --- systemd -----------------------------------------------------------------------


def systemd_units(
    every: timedelta | str,
    command_argv: Sequence[str],
    lock_path: str | os.PathLike[str],
    log_path: str | os.PathLike[str],
    working_dir: str | os.PathLike[str],
    name: str,
    *,
    user: str | None = None,
    flock_path: str = DEFAULT_FLOCK,
) -> dict[str, str]:
    """`{"collector-<name>.service": ..., "collector-<name>.timer": ...}`.

    Install both, then `systemctl enable --now collector-<name>.timer` (or with
    `--user` from ~/.config/systemd/user/). As a system unit without `user`, the
    collection runs as root; pass `user` to set `User=`.
    """
    period = _period(every)
    if not _UNIT_NAME.fullmatch(name):
        raise ScheduleError(
            f"unit name {name!r}: use letters, digits, '_', '.' and '-' "
            "(starting with a letter or digit)"
        )
    if user is not None and not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", user):
        raise ScheduleError(f"invalid user name {user!r}")
    argv = _check_argv(command_argv)
    lock = _absolute(lock_path, "lock path")
    log = _absolute(log_path, "log path")
    workdir = _absolute(working_dir, "working directory")
    flock = _check_flock(flock_path)
    for label, path in (("lock path", lock), ("log path", log), ("working directory", workdir)):
        if path != path.strip() or path.endswith("\\"):
            # The unit-file parser strips outer whitespace and joins `\`-ended lines.
            raise ScheduleError(f"{label} {path!r} ends in whitespace or a backslash")

    unit = f"collector-{name}"
    words = [_systemd_word(w) for w in (str(FLOCK_CONFLICT_EXIT), lock, *argv)]
    exec_start = f"{flock} -n -E {' '.join(words)}"
    service_lines = [
        f"# Generated by collector: one collection run, started by {unit}.timer.",
        "[Unit]",
        f"Description=collector scheduled run: {name}",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        *([f"User={user}"] if user else []),
        f"WorkingDirectory={_systemd_path(workdir)}",
        f"ExecStart={exec_start}",
        f"# {exits.NOT_OK}: the run worked and found pages that are not ok (a result);"
        f" {FLOCK_CONFLICT_EXIT}: the previous run still held the lock (skipped). Only a"
        " failed run marks the unit failed.",
        "SuccessExitStatus=" + " ".join(str(s) for s in NOT_FAILURES if s != 0),
        f"StandardOutput=append:{_systemd_path(log)}",
        "StandardError=inherit",
    ]

    calendar = _CALENDAR.get(period // MINUTE)
    if calendar is not None:
        trigger = [
            f"OnCalendar={calendar.on_calendar}",
            "# Catch up at boot on a run missed while the machine was off.",
            "Persistent=true",
        ]
    else:
        trigger = [
            "# Not a calendar period: first run after boot, then one period after each start.",
            f"OnBootSec={_systemd_span(BOOT_DELAY)}",
            f"OnUnitActiveSec={_systemd_span(period)}",
        ]
    # A small random delay spreads load; capped at a tenth of the period.
    delay = min(MAX_RANDOM_DELAY, period / 10) // SECOND * SECOND
    timer_lines = [
        f"# Generated by collector: starts {unit}.service every {format_every(period)}.",
        "[Unit]",
        f"Description=Run {unit}.service every {format_every(period)}",
        "",
        "[Timer]",
        *trigger,
        f"RandomizedDelaySec={_systemd_span(delay)}",
        # The default 1min slack is as long as the shortest period.
        "AccuracySec=1s",
        "",
        "[Install]",
        "WantedBy=timers.target",
    ]
    return {
        f"{unit}.service": "\n".join(service_lines) + "\n",
        f"{unit}.timer": "\n".join(timer_lines) + "\n",
    }


def _systemd_word(word: str) -> str:
    """One ExecStart= argument.

    systemd splits on whitespace, honours double quotes with C escapes inside, expands
    `%` specifiers and `$VAR` inside or outside quotes (`%%` and `$$` are literal) and
    treats a lone unquoted `;` as a command separator.
    """
    if not _SYSTEMD_BARE.fullmatch(word):
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word.replace("%", "%%").replace("$", "$$")


def _systemd_path(path: str) -> str:
    # Path settings expand specifiers but take the rest of the line verbatim.
    return path.replace("%", "%%")


def _systemd_span(span: timedelta) -> str:
    total = _whole_seconds(span) if span else 0
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0"


# --- shared checks -----------------------------------------------------------------


def _check_text(value: str, label: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        # Neither a crontab line nor a unit-file line can carry a newline or NUL.
        raise ScheduleError(f"{label} {value!r} contains a control character")
    return value


def _absolute(path: str | os.PathLike[str], label: str) -> str:
    text = _check_text(os.fspath(path), label)
    if not os.path.isabs(text):
        raise ScheduleError(f"{label} {text!r} must be absolute")
    return text


def _check_argv(argv: Sequence[str]) -> list[str]:
    if isinstance(argv, str) or not argv:
        raise ScheduleError("command_argv must be a non-empty sequence of arguments")
    words = [_check_text(word, "argument") for word in argv]
    if not os.path.isabs(words[0]):
        raise ScheduleError(
            f"command {words[0]!r} must be an absolute path: schedulers run with a "
            "minimal PATH (use e.g. shutil.which('collector') or sys.executable -m collector)"
        )
    return words


def _check_flock(flock_path: str) -> str:
    # The executable word gets no quoting or escaping: keep it plain.
    if not os.path.isabs(flock_path) or not re.fullmatch(r"[A-Za-z0-9_@+=:,./-]+", flock_path):
        raise ScheduleError(f"flock path {flock_path!r} must be a plain absolute path")
    return flock_path
