"""Issue 14 item 12: the generated systemd unit and cron line, run for real, alert only when
a run failed. A run that captured every page and found one gone (exit 4) is a success for
systemd (SuccessExitStatus=) and silent for cron; a run that cannot work (exit 3) fails the
unit and prints the one line cron mails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from collector.lists.install import SchedulePlan, install_systemd, plan_schedule
from collector.lists.schedule import parse_every
from tests.support.schedulers import cron_command, exec_argv, success_statuses, unit_settings
from tests.support.site import SiteServer

pytestmark = [
    pytest.mark.slow,  # real `collector run` processes
    pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) not installed"),
]
FAST = ["--host-delay", "0", "--retries", "0", "--timeout", "20", "--max-scrolls", "2"]


def plan(site: SiteServer, store: Path, tmp_path: Path, extra: list[str]) -> SchedulePlan:
    listing = tmp_path / "pantau.toml"
    listing.write_text(
        f'[[entry]]\nname = "Beranda"\nplatform = "web"\nurl = "{site.url("/page/indonesian")}"\n'
        f'\n[[entry]]\nname = "Unggahan dihapus"\nplatform = "web"\n'
        f'url = "{site.url("/missing")}"\n',
        "utf-8",
    )
    return plan_schedule(
        listing,
        store,
        parse_every("6h"),
        extra=[*FAST, *extra],
        unit_dir=tmp_path / "units",
        working_dir=tmp_path,
    )


def run_service(plan: SchedulePlan, tmp_path: Path) -> tuple[int, set[int], str]:
    """Install the units (not enabled: no systemd runs here), check them with
    systemd-analyze when it is here, run ExecStart as systemd would (working directory,
    output appended to the log); return (status, the statuses the unit counts as success,
    the log)."""
    install_systemd(plan, enable=False)
    units = plan.units
    service = next(text for name, text in units.items() if name.endswith(".service"))
    folder = tmp_path / "units"
    if shutil.which("systemd-analyze"):
        done = subprocess.run(
            ["systemd-analyze", "verify", *(str(folder / n) for n in units)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    settings = unit_settings(service)
    log = Path(settings["StandardOutput"].removeprefix("append:"))
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        done = subprocess.run(
            exec_argv(settings["ExecStart"]),
            cwd=settings["WorkingDirectory"],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=300,
        )
    return done.returncode, success_statuses(service), log.read_text()


def run_cron(plan: SchedulePlan) -> tuple[int, str]:
    command = cron_command(plan.cron)
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_a_run_with_findings_is_success_for_systemd_and_silent_for_cron(
    site: SiteServer, store: Path, tmp_path: Path
) -> None:
    p = plan(site, store, tmp_path, [])
    status, success, log = run_service(p, tmp_path)
    assert status == 4, log  # one page ok, one gone (not_found): findings
    assert status in success
    assert "1 ok" in log and "not_found" in log
    status, mailed = run_cron(p)
    assert status == 4 and mailed == ""


def test_a_failed_run_fails_the_unit_and_mails_from_cron(
    site: SiteServer, store: Path, tmp_path: Path
) -> None:
    p = plan(site, store, tmp_path, ["--browser-path", str(tmp_path / "no-such-chromium")])
    status, success, log = run_service(p, tmp_path)
    assert status == 3, log  # collector cannot work here: no browser
    assert status not in success
    status, mailed = run_cron(p)
    assert status == 3
    log_path = p.log_path
    assert mailed == f"collector: scheduled run failed (exit 3); see {log_path}\n"
