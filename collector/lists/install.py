"""`collector schedule`: the cron line and systemd units for one watch list, and
installing them. The text itself comes from the pure generators in `schedule.py`.

What a scheduled run executes: this install's Python (`sys.executable -m collector`,
an absolute path, so cron's minimal PATH does not matter) with `run LIST --store STORE`,
every path made absolute. Per list (its `name`, the file's stem by default) the store
holds the lock `locks/<name>.lock` (shared with `collector watch`, so the two never run
the list at once) and the log `logs/<name>.log`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from collector.errors import CollectorError, UsageError
from collector.lists.schedule import ScheduleError, cron_line, systemd_units

__all__ = [
    "SchedulePlan",
    "install_cron",
    "install_systemd",
    "lock_path",
    "merge_crontab",
    "plan_schedule",
    "run_argv",
    "schedule_name",
]

SYSTEM_UNIT_DIR = Path("/etc/systemd/system")


def schedule_name(list_path: Path) -> str:
    """A name for the list's lock, log and units: its file stem, made unit-safe."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", list_path.stem).strip("-.") or "list"
    return name if name[0].isalnum() else "list-" + name


def lock_path(store: Path, name: str) -> Path:
    return store.resolve() / "locks" / f"{name}.lock"


def log_path(store: Path, name: str) -> Path:
    return store.resolve() / "logs" / f"{name}.log"


def run_argv(
    list_path: Path,
    store: Path,
    *,
    case: str | None = None,
    operator: str | None = None,
    notify_command: str | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The `collector run` command line of a scheduled or watched run."""
    argv = [sys.executable, "-m", "collector", "run", str(list_path.resolve())]
    argv += ["--store", str(store.resolve())]
    if case:
        argv += ["--case", case]
    if operator:
        argv += ["--operator", operator]
    if notify_command:
        argv += ["--notify-command", notify_command]
    return argv + list(extra)


@dataclass(frozen=True)
class SchedulePlan:
    name: str
    every: timedelta
    argv: list[str]
    lock_path: Path
    log_path: Path
    working_dir: Path
    cron: str | None  # None when cron cannot keep this period (see cron_problem)
    cron_problem: str | None
    units: dict[str, str]  # file name -> content
    unit_dir: Path
    user_units: bool  # systemctl --user

    @property
    def systemctl(self) -> list[str]:
        return ["systemctl", "--user"] if self.user_units else ["systemctl"]

    def enable_commands(self) -> list[list[str]]:
        timer = next(name for name in self.units if name.endswith(".timer"))
        return [[*self.systemctl, "daemon-reload"], [*self.systemctl, "enable", "--now", timer]]


def default_unit_dir() -> tuple[Path, bool]:
    """(where units go, whether they are user units): system units as root."""
    if os.geteuid() == 0:
        return SYSTEM_UNIT_DIR, False
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user", True


def plan_schedule(
    list_path: Path,
    store: Path,
    every: timedelta,
    *,
    name: str | None = None,
    case: str | None = None,
    operator: str | None = None,
    notify_command: str | None = None,
    extra: Sequence[str] = (),
    unit_dir: Path | None = None,
    working_dir: Path | None = None,
) -> SchedulePlan:
    name = name or schedule_name(list_path)
    argv = run_argv(
        list_path, store, case=case, operator=operator, notify_command=notify_command, extra=extra
    )
    lock, log = lock_path(store, name), log_path(store, name)
    workdir = (working_dir or Path.cwd()).resolve()
    cron: str | None = None
    problem: str | None = None
    try:
        cron = cron_line(every, argv, lock, log, working_dir=workdir)
    except ScheduleError as exc:
        problem = str(exc)
    default_dir, user_units = default_unit_dir()
    try:
        units = systemd_units(every, argv, lock, log, workdir, name)
    except ScheduleError as exc:
        raise UsageError(str(exc)) from None
    return SchedulePlan(
        name=name,
        every=every,
        argv=argv,
        lock_path=lock,
        log_path=log,
        working_dir=workdir,
        cron=cron,
        cron_problem=problem,
        units=units,
        unit_dir=(unit_dir or default_dir).resolve(),
        user_units=user_units if unit_dir is None else os.geteuid() != 0,
    )


def _markers(name: str) -> tuple[str, str]:
    return f"# >>> collector schedule {name} >>>", f"# <<< collector schedule {name} <<<"


def merge_crontab(existing: str, plan: SchedulePlan) -> str:
    """The crontab with this list's block added, or replaced if it is already there."""
    if plan.cron is None:
        raise UsageError(plan.cron_problem or "cron cannot run this period")
    begin, end = _markers(plan.name)
    kept: list[str] = []
    inside = False
    for line in existing.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end and inside:
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise CollectorError(
            f"the crontab has {begin!r} without its end marker; fix it with `crontab -e` first"
        )
    while kept and not kept[-1].strip():
        kept.pop()
    block = [begin, *plan.cron.rstrip("\n").splitlines(), end]
    return "\n".join([*kept, *([""] if kept else []), *block]) + "\n"


def install_cron(plan: SchedulePlan) -> str:
    """Add (or replace) this list's entry in the user's crontab, via `crontab -l`/`-`."""
    crontab = shutil.which("crontab")
    if crontab is None:
        raise CollectorError(
            "no `crontab` command here; install cron (apt-get install -y cron) or use "
            "--scheduler systemd"
        )
    current = subprocess.run([crontab, "-l"], capture_output=True, text=True, check=False)
    if current.returncode != 0 and "no crontab" not in current.stderr.lower():
        raise CollectorError(f"`crontab -l` failed: {current.stderr.strip()}")
    merged = merge_crontab(current.stdout if current.returncode == 0 else "", plan)
    _prepare_store_dirs(plan)
    written = subprocess.run([crontab, "-"], input=merged, capture_output=True, text=True)
    if written.returncode != 0:
        raise CollectorError(f"`crontab -` refused the new crontab: {written.stderr.strip()}")
    return f"installed in the crontab of {_user()} (block '{plan.name}'); check with crontab -l"


def install_systemd(plan: SchedulePlan, *, enable: bool | None = None) -> list[str]:
    """Write the units; enable the timer when systemd runs here and the units went to
    its own folder (else say how)."""
    try:
        plan.unit_dir.mkdir(parents=True, exist_ok=True)
        for file_name, text in plan.units.items():
            (plan.unit_dir / file_name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CollectorError(f"cannot write units to {plan.unit_dir}: {exc.strerror}") from exc
    _prepare_store_dirs(plan)
    messages = [f"wrote {plan.unit_dir / name}" for name in plan.units]
    if enable is None:
        enable = (
            plan.unit_dir == default_unit_dir()[0].resolve()
            and Path("/run/systemd/system").is_dir()
            and shutil.which("systemctl") is not None
        )
    commands = plan.enable_commands()
    if not enable:
        messages.append("not enabled here (systemd is not running, or a custom --unit-dir):")
        messages += ["  " + " ".join(c) for c in commands]
        return messages
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CollectorError(f"`{' '.join(command)}` failed: {done.stderr.strip()}")
        messages.append("ran " + " ".join(command))
    return messages


def _prepare_store_dirs(plan: SchedulePlan) -> None:
    for folder in (plan.lock_path.parent, plan.log_path.parent):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CollectorError(f"cannot create {folder}: {exc.strerror}") from exc


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name
