"""`collector schedule` (printed lines, --install into a fake crontab or a unit folder) and
`collector watch` as a real process (two short periods; SIGTERM)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.cli import cli
from tests.support.helpers import run_cli

LIST = """\
[[entry]]
name = "Budi Santoso (contoh)"
platform = "web"
url = "http://127.0.0.1:9/profil/budi"
"""


@pytest.fixture
def watch_list(tmp_path: Path) -> Path:
    path = tmp_path / "profiles" / "solo kota.toml"
    path.parent.mkdir()
    path.write_text(LIST, "utf-8")
    return path


@pytest.fixture
def fake_crontab(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A `crontab` on PATH that keeps the table in a file (never the real one)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    table = tmp_path / "crontab.txt"
    tool = bin_dir / "crontab"
    tool.write_text(
        "#!/bin/sh\n"
        f'T="{table}"\n'
        'if [ "$1" = "-l" ]; then [ -f "$T" ] && cat "$T" && exit 0; '
        'echo "no crontab for $(id -un)" >&2; exit 1; fi\n'
        'if [ "$1" = "-" ]; then cat > "$T"; exit 0; fi\n'
        "exit 2\n"
    )
    tool.chmod(0o755)
    return table, {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def test_schedule_prints_cron_and_systemd(watch_list: Path, store: Path) -> None:
    result = run_cli(
        "schedule",
        str(watch_list),
        "--every",
        "6h",
        "--case",
        "BKPSDM-2024-017",
        "--operator",
        "Dwi A.",
        "--store",
        str(store),
        "--",  # the rest goes to `collector run`
        "--only",
        "guru",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    lock = store.resolve() / "locks" / "solo-kota.lock"
    log = store.resolve() / "logs" / "solo-kota.log"
    (cron,) = [line for line in out.splitlines() if line.startswith("0 */6 * * *")]
    assert cron.startswith(
        f"0 */6 * * * cd {Path.cwd().resolve()} && /usr/bin/flock -n -E 75 {lock} "
    )
    assert (
        f"{sys.executable} -m collector run '{watch_list.resolve()}' --store {store.resolve()}"
        in cron
    )
    assert "--case BKPSDM-2024-017 --operator 'Dwi A.' --only guru" in cron
    run_part, alert = cron.split(" 2>&1; ", 1)
    assert run_part.endswith(f">> {log}")
    # only a failure (not 0, not 4 = findings, not 75 = skipped) prints the line cron mails
    assert alert.startswith("s=$?; case $s in 0|4|75) ;; *) echo ")
    assert alert.endswith(f"see {log}' ;; esac; exit $s")
    assert "SuccessExitStatus=4 75" in out
    assert "[Service]" in out and "Type=oneshot" in out
    assert f"ExecStart=/usr/bin/flock -n -E 75 {lock} {sys.executable} -m collector run" in out
    assert f'"{watch_list.resolve()}"' in out  # the space in the name is quoted for systemd
    assert f"StandardOutput=append:{log}" in out
    assert "OnCalendar=*-*-* 00/6:00:00" in out and "Persistent=true" in out
    assert "collector-solo-kota.timer" in out
    assert "enable --now collector-solo-kota.timer" in out
    assert not (store / "locks").exists()  # printing changes nothing


def test_schedule_period_cron_cannot_keep(watch_list: Path, store: Path) -> None:
    result = run_cli("schedule", str(watch_list), "--every", "7h", store=store)
    assert result.exit_code == 0, result.output
    assert "# not possible: cron cannot run every 7h" in result.output
    assert "OnUnitActiveSec=7h" in result.output
    bad = run_cli("schedule", str(watch_list), "--every", "90s", store=store)
    assert bad.exit_code == 2 and "--every" in bad.output


def test_schedule_refuses_an_invalid_list(tmp_path: Path, store: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[[entry]]\nname = "X"\nplatform = "instgram"\nhandle = "x"\n')
    result = run_cli("schedule", str(broken), "--every", "6h", store=store)
    assert result.exit_code == 2
    assert 'unknown platform "instgram" (did you mean "instagram"?)' in result.output


def test_schedule_install_cron(
    watch_list: Path, store: Path, fake_crontab: tuple[Path, dict[str, str]]
) -> None:
    table, env = fake_crontab
    table.write_text("MAILTO=tim@example.org\n5 4 * * * /usr/bin/backup\n")
    refused = run_cli(
        "schedule", str(watch_list), "--every", "6h", "--install", store=store, env=env
    )
    assert refused.exit_code == 2 and "not installed" in refused.output  # no confirmation
    assert "collector" not in table.read_text()

    for every in ("6h", "30m"):  # installing again replaces the list's block
        result = run_cli(
            "schedule",
            str(watch_list),
            "--every",
            every,
            "--install",
            "--yes",
            store=store,
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert "installed in the crontab" in result.output
    text = table.read_text()
    assert text.startswith("MAILTO=tim@example.org\n5 4 * * * /usr/bin/backup\n")
    assert text.count("# >>> collector schedule solo-kota >>>") == 1
    assert "*/30 * * * *" in text and "0 */6 * * *" not in text
    assert (store / "locks").is_dir() and (store / "logs").is_dir()


def test_schedule_install_systemd_units(watch_list: Path, store: Path, tmp_path: Path) -> None:
    units = tmp_path / "units"
    argv = [
        "schedule",
        str(watch_list),
        "--every",
        "1d",
        "--install",
        "--scheduler",
        "systemd",
        "--unit-dir",
        str(units),
        "--store",
        str(store),
    ]
    declined = CliRunner().invoke(cli, argv, input="n\n")
    assert declined.exit_code == 2 and not units.exists()
    result = CliRunner().invoke(cli, argv, input="y\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Install the systemd schedule above" in result.output
    service = (units / "collector-solo-kota.service").read_text()
    timer = (units / "collector-solo-kota.timer").read_text()
    assert "ExecStart=/usr/bin/flock" in service and "OnCalendar=*-*-* 00:00:00" in timer
    assert (
        "not enabled here" in result.output
        and "enable --now collector-solo-kota.timer" in result.output
    )
