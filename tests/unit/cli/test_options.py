"""Options that mean the same thing are one definition: --operator (with
COLLECTOR_OPERATOR) everywhere, --case for the capturing commands, --browser-path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from collector.cli import cli
from tests.support.helpers import run_cli


def commands(group: click.Group = cli, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")
        else:
            yield prefix + name, command


def options(name: str) -> dict[str, click.Parameter]:
    found = {}
    for command, cmd in commands():
        for param in cmd.params:
            if param.name == name:
                found[command] = param
    return found


def test_operator_is_one_option_read_from_the_environment_everywhere() -> None:
    found = options("operator")
    assert set(found) == {
        "capture",
        "run",
        "schedule",
        "watch",
        "note",
        "handover",
        "retire",
        "verify",
        "reindex",
        "export",
        "report",
        "timestamp",
    }
    for command, param in found.items():
        assert isinstance(param, click.Option)
        assert param.opts == ["--operator"] and param.envvar == "COLLECTOR_OPERATOR", command
        assert param.help and "env COLLECTOR_OPERATOR" in param.help, command


def test_capturing_commands_share_case_and_browser_path() -> None:
    case = options("case")
    assert case["capture"].help == case["run"].help
    browser = options("browser_path")
    assert set(browser) == {"capture", "run", "demo", "doctor", "session check", "serve"}
    assert {p.envvar for p in browser.values()} == {"COLLECTOR_BROWSER"}
    assert len({p.help for p in browser.values()}) == 1


def test_schedule_writes_the_operator_from_the_environment(tmp_path: Path) -> None:
    listed = tmp_path / "solo.toml"
    listed.write_text('[[entry]]\nname = "Budi"\nplatform = "web"\nurl = "http://127.0.0.1:9/"\n')
    result = run_cli(
        "schedule",
        str(listed),
        "--every",
        "6h",
        store=tmp_path / "evidence",
        env={"COLLECTOR_OPERATOR": "Sari"},
    )
    assert result.exit_code == 0, result.output
    (cron,) = [line for line in result.output.splitlines() if line.startswith("0 */6 * * *")]
    assert "--operator Sari" in cron  # cron has no COLLECTOR_OPERATOR of its own


def test_changes_kind_choices_are_the_monitors_kinds() -> None:
    # one vocabulary: a kind the monitor reports (finding_removed ...) can be asked for
    from collector.cli.common import cli as group
    from collector.monitor.changes import ChangeKind

    command = group.commands["changes"]
    kind = next(p for p in command.params if p.name == "kinds")
    assert isinstance(kind.type, click.Choice)
    assert list(kind.type.choices) == [k.value for k in ChangeKind]
