"""A real store (captured by the CLI from the local test site, one watch-list run among
them) and the review desk served over a copy of it, for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.desk import auth
from collector.desk.app import DeskSettings, running_desk
from collector.desk.intake import IntakeSettings
from collector.evidence.store import EvidenceStore
from collector.models import CaptureOptions
from collector.records.index import Index
from tests.support.desk_client import DeskClient
from tests.support.helpers import run_cli, store_copy
from tests.support.site import SiteServer

CASE = "DESK-1"
FAST = CaptureOptions(timeout_s=20, max_scrolls=3, network_quiet_ms=100)
PASSWORD = "kata-sandi-rahasia"
USERS = {"boss": "admin", "dwi": "investigator", "rina": "reviewer"}


def _watch_list(path: Path, site: SiteServer) -> Path:
    path.write_text(
        "[defaults]\ntags = ['uji']\n\n"
        "[[entry]]\nname = 'Budi Santoso (fiktif)'\n"
        f"url = '{site.url('/page/indonesian')}'\n\n"
        "[[entry]]\nname = 'Akun yang hilang'\n"
        f"url = '{site.url('/missing')}'\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def filled(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Captures of case DESK-1: a page twice (so a change record), the hostile /xss page,
    a 404; a run of a two-entry watch list; one capture of case DESK-2."""
    folder = tmp_path_factory.mktemp("desk")
    store = folder / "evidence"
    first = run_cli(
        "capture",
        site.url("/page/indonesian"),
        site.url("/xss"),
        site.url("/missing"),
        "--case",
        CASE,
        "--operator",
        "tester",
        store=store,
    )
    assert first.exit_code == 4, first.output  # /missing is not ok: a finding
    again = run_cli("capture", site.url("/page/indonesian"), "--case", CASE, store=store)
    assert again.exit_code == 0, again.output
    other = run_cli("capture", site.url("/final"), "--case", "DESK-2", store=store)
    assert other.exit_code == 0, other.output
    listed = _watch_list(folder / "uji.toml", site)
    run = run_cli("run", str(listed), "--case", CASE, "--host-delay", "0", store=store)
    assert run.exit_code == 4, run.output  # one entry not_found: a finding
    return store


@pytest.fixture
def desk_store(filled: Path, tmp_path: Path) -> Iterator[Path]:
    with store_copy(filled, tmp_path / "evidence") as copy:
        yield copy


def _settings() -> DeskSettings:
    return DeskSettings(intake=IntakeSettings(options=FAST, host_delay_s=0, idle_close_s=5))


@pytest.fixture
def desk(desk_store: Path) -> Iterator[str]:
    """The desk on 127.0.0.1 without users (the local operator); its base URL."""
    with running_desk(desk_store, port=0, settings=_settings()) as server:
        yield server.url.rstrip("/")


@pytest.fixture
def users_desk(desk_store: Path) -> Iterator[str]:
    """The desk with an admin (boss), an investigator (dwi) and a reviewer (rina)."""
    with Index(EvidenceStore(desk_store).index_path) as index:
        for name, role in USERS.items():
            auth.add_user(index, name, role, PASSWORD)
    with running_desk(desk_store, port=0, settings=_settings()) as server:
        yield server.url.rstrip("/")


@pytest.fixture
def client(desk: str) -> DeskClient:
    return DeskClient(desk)
