"""What cron and systemd do with the lines collector generates, done here to test them:
cron's `%` handling before /bin/sh, and reading a service unit's settings and ExecStart."""

from __future__ import annotations

import shlex


def cron_preprocess(command: str) -> tuple[str, str]:
    """What cron does before /bin/sh: `\\%` -> `%`, first bare `%` starts stdin.

    Port of the loop in Vixie/Debian cron's do_command.c (cronie's is the same).
    """
    out: list[str] = []
    escaped = False
    for i, ch in enumerate(command):
        if escaped:
            escaped = False
            if ch == "%":
                out[-1] = "%"
                continue
            out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            out.append(ch)
            continue
        if ch == "%":
            return "".join(out), command[i + 1 :]
        out.append(ch)
    return "".join(out), ""


def cron_command(entry: str) -> str:
    """The /bin/sh command of a crontab entry (comment line, then the schedule line)."""
    schedule_line = next(line for line in entry.splitlines() if not line.startswith("#"))
    command, stdin = cron_preprocess(schedule_line.split(" ", 5)[5])
    assert stdin == "", "a `%` leaked through as cron's stdin separator"
    return command


def unit_settings(text: str) -> dict[str, str]:
    """`Key=value` lines of a unit file (the last one wins; comments skipped)."""
    settings: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        settings[key.strip()] = value.strip()
    return settings


def exec_argv(exec_start: str) -> list[str]:
    """ExecStart= as systemd splits it, for the words collector writes: double quotes with
    backslash escapes, `%%` and `$$` for a literal `%` and `$`."""
    return [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(exec_start)]


def success_statuses(text: str) -> set[int]:
    """The exit statuses systemd counts as success for a service: 0 and SuccessExitStatus=."""
    extra = unit_settings(text).get("SuccessExitStatus", "")
    return {0, *(int(word) for word in extra.split())}
