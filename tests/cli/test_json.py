"""`--json` for scripts, against real captures: a new capture's id without parsing text, a
run as `runs --json` shows it, an export, doctor; the same keys for the same record."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from collector.cli import shapes
from tests.support.helpers import run_cli
from tests.support.site import SiteServer


def as_json(*args: str, store: Path | None = None, status: int = 0) -> Any:
    result = run_cli(*args, store=store)
    assert result.exit_code == status, result.output
    return json.loads(result.stdout)  # standard output holds nothing but the JSON


def test_capture_json_gives_the_new_capture_as_list_shows_it(site: SiteServer, store: Path) -> None:
    first = as_json("capture", site.url("/final"), "--case", "KASUS-J", "--json", store=store)
    assert first["exit_status"] == 0 and first["changes"] == []
    [capture] = first["captures"]
    assert capture["outcome"] == "ok" and capture["case_id"] == "KASUS-J"
    listed = as_json("list", "--json", store=store)
    assert listed == [capture]  # the same record, the same keys and values
    assert list(capture) == list(shapes.capture_columns())

    # a deleted page: filed, exit 4 (not_ok), and still only JSON on standard output
    gone = as_json("capture", site.url("/missing"), "--json", store=store, status=4)
    assert gone["exit_status"] == 4 and gone["captures"][0]["outcome"] == "not_found"


def test_run_json_is_the_run_as_runs_shows_it(
    site: SiteServer, store: Path, tmp_path: Path
) -> None:
    listing = tmp_path / "daftar.toml"
    listing.write_text(
        f'[[entry]]\nname = "Beranda"\nplatform = "web"\nurl = "{site.url("/final")}"\n'
        f'\n[[entry]]\nname = "Hilang"\nplatform = "web"\nurl = "{site.url("/missing")}"\n',
        "utf-8",
    )
    result = run_cli(
        "run", str(listing), "--json", "--host-delay", "0", "--retries", "0", store=store
    )
    assert result.exit_code == 4, result.output
    data = json.loads(result.stdout)
    assert "run run-" in result.stderr and "not ok" in result.stderr  # progress and summary
    assert data["exit_status"] == 4 and data["changes"] == []
    shown = as_json("runs", data["run"]["id"], "--json", store=store)
    assert {k: data[k] for k in ("run", "entries", "attempts")} == shown
    outcomes = {e["name"]: e["outcome"] for e in data["entries"]}
    assert outcomes == {"Beranda": "ok", "Hilang": "not_found"}
    ids = {e["capture_id"] for e in data["entries"]}
    assert ids == {c["id"] for c in as_json("list", "--json", store=store)}


def test_export_json(site: SiteServer, store: Path, tmp_path: Path) -> None:
    as_json("capture", site.url("/final"), "--case", "KASUS-E", "--json", store=store)
    package = tmp_path / "kasus.zip"
    done = as_json("export", "--case", "KASUS-E", "--out", str(package), "--json", store=store)
    assert done["format"] == "zip" and done["path"] == str(package)
    assert len(done["captures"]) == 1 and done["custody_entry"]["action"] == "exported"
    import hashlib

    assert done["sha256"] == hashlib.sha256(package.read_bytes()).hexdigest()
    with zipfile.ZipFile(package) as zf:
        name = next(n for n in zf.namelist() if n.endswith("/package.json"))
        assert hashlib.sha256(zf.read(name)).hexdigest() == done["package_json_sha256"]
    wacz = tmp_path / "kasus.wacz"
    archived = as_json(
        "export", "--case", "KASUS-E", "--format", "wacz", "--out", str(wacz), "--json", store=store
    )
    assert archived["format"] == "wacz" and archived["size"] == wacz.stat().st_size
    assert [c["id"] for c in archived["captures"]] == done["captures"]


@pytest.mark.parametrize("healthy", [True, False])
def test_doctor_json(tmp_path: Path, healthy: bool) -> None:
    args = ["doctor", "--json"] + ([] if healthy else ["--browser-path", "/tidak/ada/chromium"])
    data = as_json(*args, store=tmp_path / "evidence", status=0 if healthy else 3)
    assert data["ok"] is healthy
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["browser"]["ok"] is healthy
    assert {"collector", "playwright", "browser", "fonts", "store"} <= set(checks)
