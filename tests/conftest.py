"""Shared fixtures: the local test site (HTTP and HTTPS), the browser, the CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from collector.capture.browser import find_browser
from tests.support.interaction_site import InteractionSite
from tests.support.platform_site import PlatformSite
from tests.support.site import SiteServer, self_signed_context
from tests.support.tools import warc_problems

T = TypeVar("T")


@pytest.fixture(scope="session")
def browser_executable() -> str:
    path, _ = find_browser()
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_executable: str
) -> dict[str, Any]:
    # pytest-playwright cannot take a browser path on the command line (browser-facts)
    return {**browser_type_launch_args, "executable_path": browser_executable}


@pytest.fixture(scope="session")
def site() -> Iterator[SiteServer]:
    server = SiteServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    server = SiteServer(self_signed_context(tmp_path_factory.mktemp("tls")))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def platform_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformSite]:
    """Imitation platforms, reached as a proxy (see tests/support/platform_site.py)."""
    server = PlatformSite(tmp_path_factory.mktemp("platform-tls"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def interaction_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InteractionSite]:
    """Pages that hide interactions behind clicks and inner scroll containers, and a trap
    (see tests/support/interaction_site.py), reached as a proxy."""
    server = InteractionSite(tmp_path_factory.mktemp("interaction-tls"))
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    """A fresh store; afterwards, every WARC the test filed in it must pass `warcio check`."""
    root = tmp_path / "evidence"
    yield root
    problems = [
        p for warc in sorted(root.glob("captures/*/*/*.warc.gz")) for p in warc_problems(warc)
    ]
    assert not problems, problems
