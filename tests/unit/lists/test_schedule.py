"""collector.lists.schedule: period parsing, crontab lines and systemd units."""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from collector.lists.schedule import (
    CALENDAR_PERIODS,
    FLOCK_CONFLICT_EXIT,
    ScheduleError,
    cron_line,
    format_every,
    parse_every,
    systemd_units,
)
from tests.support.schedulers import cron_preprocess

COLLECTOR = "/opt/collector/.venv/bin/collector"
LOCK = "/var/lib/collector/run.lock"
LOG = "/var/log/collector/run.log"

# --- parse_every ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6h", timedelta(hours=6)),
        ("30m", timedelta(minutes=30)),
        ("1d", timedelta(days=1)),
        ("1m", timedelta(minutes=1)),
        ("1h30m", timedelta(minutes=90)),
        ("2d12h", timedelta(hours=60)),
        (" 15M ", timedelta(minutes=15)),
        ("120s", timedelta(minutes=2)),
    ],
)
def test_parse_every(text: str, expected: timedelta) -> None:
    assert parse_every(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty period"),
        ("6", "cannot parse period '6'"),
        ("h", "cannot parse"),
        ("1.5h", "whole numbers only"),
        ("6 hours", "cannot parse"),
        ("30m1h", "largest unit first"),
        ("-5m", "cannot parse"),
        ("0m", "zero"),
        ("30s", "under the 1 minute minimum"),
        ("90s", "not a whole number of minutes"),
        ("99999999999999d", "too long"),
    ],
)
def test_parse_every_errors(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_every(text)


def test_parse_every_allow_seconds() -> None:
    assert parse_every("90s", allow_seconds=True) == timedelta(seconds=90)
    assert parse_every("1s", allow_seconds=True) == timedelta(seconds=1)
    with pytest.raises(ScheduleError, match="zero"):
        parse_every("0s", allow_seconds=True)


@pytest.mark.parametrize("text", ["6h", "30m", "1d", "1h30m", "1m30s", "2d3h4m5s"])
def test_format_every_round_trips(text: str) -> None:
    assert format_every(parse_every(text, allow_seconds=True)) == text


HOUR_MULTIPLES = [60, 120, 180, 240, 360, 480, 720]


def test_calendar_periods() -> None:
    minutes = [p // timedelta(minutes=1) for p in CALENDAR_PERIODS]
    # Divisors of an hour, divisors of a day, then a day and a week.
    assert minutes == [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, *HOUR_MULTIPLES, 1440, 10080]


# --- cron ----------------------------------------------------------------------------------


def test_cron_line_snapshot_6h() -> None:
    line = cron_line("6h", [COLLECTOR, "run", "--all"], LOCK, LOG)
    assert line == (
        "# collector every 6h: flock -n skips a run while the previous one holds "
        "/var/lib/collector/run.lock; output is appended to /var/log/collector/run.log; "
        "cron mails a line only when a run failed (exit status other than 0, 4, 75)\n"
        "0 */6 * * * /usr/bin/flock -n -E 75 /var/lib/collector/run.lock "
        "/opt/collector/.venv/bin/collector run --all >> /var/log/collector/run.log 2>&1; "
        "s=$?; case $s in 0|4|75) ;; *) echo 'collector: scheduled run failed (exit '\"$s\""
        "'); see /var/log/collector/run.log' ;; esac; exit $s\n"
    )


@pytest.mark.parametrize(
    ("every", "fields"),
    [
        ("1m", "* * * * *"),
        ("15m", "*/15 * * * *"),
        ("60m", "0 * * * *"),
        ("2h", "0 */2 * * *"),
        ("1d", "0 0 * * *"),
        ("24h", "0 0 * * *"),
        ("7d", "0 0 * * 1"),
    ],
)
def test_cron_schedule_fields(every: str, fields: str) -> None:
    line = cron_line(every, [COLLECTOR], LOCK, LOG).splitlines()[1]
    assert line.startswith(fields + " /usr/bin/flock ")


def test_cron_line_quotes_spaces_and_escapes_percent() -> None:
    line = cron_line(
        timedelta(minutes=30),
        ["/opt/my tools/collector", "run", "--note", "50% done", "it's", "a\\%b"],
        "/tmp/lock 1",
        "/tmp/log%.txt",
        working_dir="/srv/bukti 2026",
    )
    assert line.splitlines()[1] == (
        "*/30 * * * * cd '/srv/bukti 2026' && /usr/bin/flock -n -E 75 '/tmp/lock 1' "
        "'/opt/my tools/collector' run --note 50\\%' done' 'it'\"'\"'s' 'a\\'\\%b "
        ">> /tmp/log\\%.txt 2>&1; s=$?; case $s in 0|4|75) ;; *) echo 'collector: scheduled "
        "run failed (exit '\"$s\"'); see /tmp/log'\\%.txt ;; esac; exit $s"
    )


@pytest.mark.parametrize(
    ("every", "nearest"),
    [("7h", "6h or 8h"), ("90m", "1h or 2h"), ("45m", "30m or 1h"), ("2d", "1d or 7d")],
)
def test_cron_refuses_uneven_periods(every: str, nearest: str) -> None:
    with pytest.raises(ScheduleError, match=re.escape(f"Nearest: {nearest}. A systemd timer")):
        cron_line(every, [COLLECTOR], LOCK, LOG)


def test_cron_refuses_bad_input() -> None:
    with pytest.raises(ScheduleError, match="absolute"):
        cron_line("1h", ["collector", "run"], LOCK, LOG)
    with pytest.raises(ScheduleError, match=r"lock path 'run\.lock' must be absolute"):
        cron_line("1h", [COLLECTOR], "run.lock", LOG)
    with pytest.raises(ScheduleError, match="log path"):
        cron_line("1h", [COLLECTOR], LOCK, "logs/run.log")
    with pytest.raises(ScheduleError, match="control character"):
        cron_line("1h", [COLLECTOR, "a\nb"], LOCK, LOG)
    with pytest.raises(ScheduleError, match="non-empty"):
        cron_line("1h", [], LOCK, LOG)
    with pytest.raises(ScheduleError, match="non-empty"):
        cron_line("1h", COLLECTOR, LOCK, LOG)
    with pytest.raises(ScheduleError, match="whole number of minutes"):
        cron_line(timedelta(seconds=90), [COLLECTOR], LOCK, LOG)
    with pytest.raises(ScheduleError, match="flock path"):
        cron_line("1h", [COLLECTOR], LOCK, LOG, flock_path="flock")


TRICKY_ARGS = [
    "plain",
    "two words",
    "50%",
    "%",
    "%%d",
    "a\\%b",
    "ends\\",
    "it's",
    'say "hi"',
    "$HOME",
    "`id`",
    "*",
    ";",
    "&&",
    "",
    "ünïcödé",
    "~user",
]


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) not installed")
def test_cron_command_round_trips_through_cron_and_sh(tmp_path: Path) -> None:
    workdir = tmp_path / "kerja 100%"
    workdir.mkdir()
    log = tmp_path / "out %s.log"
    lock = tmp_path / "run.lock"
    program = "import json, os, sys; print(json.dumps([os.getcwd(), *sys.argv[1:]]))"
    argv = [sys.executable, "-c", program, *TRICKY_ARGS]
    flock = shutil.which("flock")
    assert flock is not None
    entry = cron_line("5m", argv, lock, log, working_dir=workdir, flock_path=flock)
    schedule_line = entry.splitlines()[1]
    command, stdin = cron_preprocess(schedule_line.split(" ", 5)[5])
    assert stdin == ""  # no `%` leaked through as cron's stdin separator

    done = subprocess.run(["/bin/sh", "-c", command], cwd=tmp_path, check=False)
    assert done.returncode == 0
    assert json.loads(log.read_text()) == [str(workdir), *TRICKY_ARGS]

    # While another run holds the lock, the new one is skipped with exit code 75.
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        skipped = subprocess.run(["/bin/sh", "-c", command], cwd=tmp_path, check=False)
    assert skipped.returncode == FLOCK_CONFLICT_EXIT
    assert len(log.read_text().splitlines()) == 1


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) not installed")
@pytest.mark.parametrize(
    ("status", "alerts"), [(0, False), (4, False), (1, True), (2, True), (3, True), (130, True)]
)
def test_cron_line_alerts_only_on_failure(tmp_path: Path, status: int, alerts: bool) -> None:
    # cron mails whatever a job prints; the run's own output goes to the log
    log = tmp_path / "run 5%.log"
    argv = [sys.executable, "-c", f"import sys; print('run output'); sys.exit({status})"]
    flock = shutil.which("flock")
    assert flock is not None
    entry = cron_line(
        "5m", argv, tmp_path / "run.lock", log, working_dir=tmp_path, flock_path=flock
    )
    command, _ = cron_preprocess(entry.splitlines()[1].split(" ", 5)[5])
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, check=False)
    assert done.returncode == status  # the line keeps the run's status
    assert log.read_text() == "run output\n"
    mailed = done.stdout + done.stderr
    if alerts:
        assert mailed == f"collector: scheduled run failed (exit {status}); see {log}\n"
    else:
        assert mailed == ""


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) not installed")
def test_cron_line_is_silent_when_the_previous_run_holds_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    flock = shutil.which("flock")
    assert flock is not None
    entry = cron_line("5m", [sys.executable, "-c", "1"], lock, tmp_path / "log", flock_path=flock)
    command, _ = cron_preprocess(entry.splitlines()[1].split(" ", 5)[5])
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True)
    assert done.returncode == FLOCK_CONFLICT_EXIT and done.stdout + done.stderr == ""


# --- systemd ---------------------------------------------------------------------------

SERVICE_6H = """\
# Generated by collector: one collection run, started by collector-bawaslu.timer.
[Unit]
Description=collector scheduled run: bawaslu
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User=collector
WorkingDirectory=/srv/evidence
ExecStart=/usr/bin/flock -n -E 75 /var/lib/collector/run.lock \
/opt/collector/.venv/bin/collector run --all
# 4: the run worked and found pages that are not ok (a result); 75: the previous run still held the lock (skipped). Only a failed run marks the unit failed.
SuccessExitStatus=4 75
StandardOutput=append:/var/log/collector/run.log
StandardError=inherit
"""

TIMER_6H = """\
# Generated by collector: starts collector-bawaslu.service every 6h.
[Unit]
Description=Run collector-bawaslu.service every 6h

[Timer]
OnCalendar=*-*-* 00/6:00:00
# Catch up at boot on a run missed while the machine was off.
Persistent=true
RandomizedDelaySec=1min
AccuracySec=1s

[Install]
WantedBy=timers.target
"""

TIMER_7H = """\
# Generated by collector: starts collector-x.service every 7h.
[Unit]
Description=Run collector-x.service every 7h

[Timer]
# Not a calendar period: first run after boot, then one period after each start.
OnBootSec=2min
OnUnitActiveSec=7h
RandomizedDelaySec=1min
AccuracySec=1s

[Install]
WantedBy=timers.target
"""


def test_systemd_units_snapshot_6h() -> None:
    units = systemd_units(
        "6h", [COLLECTOR, "run", "--all"], LOCK, LOG, "/srv/evidence", "bawaslu", user="collector"
    )
    assert units == {"collector-bawaslu.service": SERVICE_6H, "collector-bawaslu.timer": TIMER_6H}


def test_systemd_timer_for_non_calendar_period() -> None:
    units = systemd_units(timedelta(hours=7), [COLLECTOR], LOCK, LOG, "/srv", "x")
    assert units["collector-x.timer"] == TIMER_7H
    assert "User=" not in units["collector-x.service"]


@pytest.mark.parametrize(
    ("every", "trigger", "delay"),
    [
        ("1m", "OnCalendar=*-*-* *:*:00", "6s"),
        ("15m", "OnCalendar=*-*-* *:00/15:00", "1min"),
        ("1h", "OnCalendar=*-*-* *:00:00", "1min"),
        ("1d", "OnCalendar=*-*-* 00:00:00", "1min"),
        ("7d", "OnCalendar=Mon *-*-* 00:00:00", "1min"),
        ("90m", "OnUnitActiveSec=1h 30min", "1min"),
        ("5m", "OnCalendar=*-*-* *:00/5:00", "30s"),
    ],
)
def test_systemd_triggers(every: str, trigger: str, delay: str) -> None:
    timer = systemd_units(every, [COLLECTOR], LOCK, LOG, "/srv", "x")["collector-x.timer"]
    assert trigger in timer.splitlines()
    assert f"RandomizedDelaySec={delay}" in timer.splitlines()


def test_systemd_escaping() -> None:
    units = systemd_units(
        "1h",
        ["/opt/my tools/collector", "run", "50%", "$HOME", "${X}", 'say "hi"', "a\\b", ";", ""],
        "/tmp/lock 1",
        "/tmp/log 100%.txt",
        "/srv/bukti 2026%",
        "x",
    )
    lines = units["collector-x.service"].splitlines()
    assert (
        'ExecStart=/usr/bin/flock -n -E 75 "/tmp/lock 1" "/opt/my tools/collector" run 50%% '
        '$$HOME "$${X}" "say \\"hi\\"" "a\\\\b" ";" ""'
    ) in lines
    assert "WorkingDirectory=/srv/bukti 2026%%" in lines
    assert "StandardOutput=append:/tmp/log 100%%.txt" in lines


def test_systemd_refuses_bad_input() -> None:
    with pytest.raises(ScheduleError, match="unit name"):
        systemd_units("1h", [COLLECTOR], LOCK, LOG, "/srv", "bad name")
    with pytest.raises(ScheduleError, match="unit name"):
        systemd_units("1h", [COLLECTOR], LOCK, LOG, "/srv", "tpl@x")
    with pytest.raises(ScheduleError, match="working directory 'srv' must be absolute"):
        systemd_units("1h", [COLLECTOR], LOCK, LOG, "srv", "x")
    with pytest.raises(ScheduleError, match="ends in whitespace"):
        systemd_units("1h", [COLLECTOR], LOCK, "/tmp/log ", "/srv", "x")
    with pytest.raises(ScheduleError, match="control character"):
        systemd_units("1h", [COLLECTOR, "a\tb"], LOCK, LOG, "/srv", "x")
    with pytest.raises(ScheduleError, match="user"):
        systemd_units("1h", [COLLECTOR], LOCK, LOG, "/srv", "x", user="root; rm")
    with pytest.raises(ScheduleError, match="1 minute minimum"):
        systemd_units("30s", [COLLECTOR], LOCK, LOG, "/srv", "x")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("every", ["6h", "7h", "1m"])
def test_systemd_analyze_verify(tmp_path: Path, every: str) -> None:
    flock = shutil.which("flock")
    if flock is None:
        pytest.skip("flock(1) not installed; verify checks ExecStart's executable exists")
    argv = [sys.executable, "-m", "collector", "run", "50%", "$HOME", "two words", ";", 'q"q']
    units = systemd_units(
        every,
        argv,
        tmp_path / "run.lock",
        tmp_path / "run 100%.log",
        tmp_path,
        "verify-test",
        flock_path=flock,
    )
    paths = []
    for filename, text in units.items():
        path = tmp_path / filename
        path.write_text(text)
        paths.append(str(path))
    done = subprocess.run(
        ["systemd-analyze", "verify", *paths], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "collector-verify-test" not in done.stderr, done.stderr
