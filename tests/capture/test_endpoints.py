"""Browsers on other machines: captures rendered by `playwright launch-server` workers
(here on loopback), filed, hashed and indexed by this process (docs/browsers.md)."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.capture.runner import CaptureRunner
from collector.evidence.store import EvidenceStore
from collector.models import CaptureJob, CaptureOptions
from collector.sites.urls import parse_browser_endpoint
from tests.lists.test_run import db_rows, manifests
from tests.support.helpers import run_cli, verify
from tests.support.site import SiteServer
from tests.support.workers import BrowserWorker


@pytest.fixture
def workers(browser_executable: str, tmp_path: Path) -> Iterator[list[BrowserWorker]]:
    started = [BrowserWorker(browser_executable, tmp_path / f"worker-{i}") for i in (1, 2)]
    yield started
    for w in started:
        w.kill()


def _stored_files(store: Path) -> list[tuple[Path, bytes]]:
    out = []
    for path in store.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            out.append((path, gzip.decompress(data) if path.suffix == ".gz" else data))
    return out


@pytest.mark.slow
def test_two_endpoints_file_into_one_store_with_their_provenance(
    workers: list[BrowserWorker], site: SiteServer, store: Path
) -> None:
    one, two = workers
    runner = CaptureRunner(
        EvidenceStore(store),
        endpoints=[parse_browser_endpoint(one.hinted), parse_browser_endpoint(two.url)],
        per_endpoint=1,
    )
    options = CaptureOptions(timeout_s=20)
    jobs = [CaptureJob(site.url(f"/page/indonesian?n={i}"), options) for i in range(5)]
    jobs.append(CaptureJob(site.url("/download"), options))
    filed = runner.run(jobs)
    assert len(filed) == 6
    by_url = {m["requested_url"]: m for m in manifests(store)}
    assert len(by_url) == 6
    shown = {one.url.rsplit("/", 1)[0] + "/[redacted]", two.url.rsplit("/", 1)[0] + "/[redacted]"}
    used = set()
    for url, m in by_url.items():
        b = m["browser"]
        assert b["endpoint"] in shown, b
        used.add(b["endpoint"])
        assert b["version"] and b["source"] == "endpoint"
        if b["endpoint"].startswith(one.url.rsplit("/", 1)[0]):
            assert b["executable_path"] == one.executable  # the ?executable= hint
        else:
            assert b["executable_path"] == "reported: unknown"
        names = {a["name"] for a in m["artifacts"]}
        # the HAR is written by Playwright's client: here, in the capture's folder
        assert "network.har.gz" in names and any(n.endswith(".warc.gz") for n in names), names
        if "download" in url:
            assert m["outcome"] == "download"
            [d] = m["downloads"]
            assert d["status"] == "saved" and d["artifact"] in names  # save_as, remotely
        else:
            assert m["outcome"] == "ok", m["outcome_reason"]
            assert {"screenshot.png", "dom.html", "page.mhtml"} <= names
    assert used == shown  # spread over both
    code, output = verify(store)
    assert code == 0, output
    # the servers' tokens (anyone who has one drives that browser) are nowhere
    for path, data in _stored_files(store):
        for w in workers:
            assert w.token.encode() not in data, path


@pytest.mark.slow
def test_killing_one_endpoint_mid_run_loses_no_entry(
    workers: list[BrowserWorker], site: SiteServer, store: Path, tmp_path: Path
) -> None:
    one, two = workers
    entries = "".join(
        f'[[entry]]\nname = "Akun {i}"\nplatform = "web"\n'
        f'url = "{site.url(f"/slow?ms=1200&n={i}")}"\n\n'
        for i in range(8)
    )
    listed = tmp_path / "daftar.toml"
    listed.write_text(
        f'[browsers]\nendpoints = ["{one.url}", "{two.url}"]\nper_endpoint = 2\n\n{entries}'
    )
    # the first worker dies (browser and all) while its first pages are still loading: once
    # four captures are under way (two on each worker; each page takes 1.2 s to answer)
    done = threading.Event()

    def kill_when_busy() -> None:
        while not done.wait(0.02):
            if len(list((store / ".incoming").glob("*"))) >= 4:
                one.kill()
                return

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    try:
        result = run_cli("run", str(listed), "--host-delay", "0", "--retries", "0", store=store)
    finally:
        done.set()
        killer.join()
    assert one.proc.poll() is not None, "the worker was never killed"
    assert result.exit_code == 0, result.output
    assert "went away" in result.output
    found = manifests(store)
    assert sorted(m["run"]["entry"]["name"] for m in found) == [f"Akun {i}" for i in range(8)]
    assert all(m["outcome"] == "ok" for m in found)
    two_shown = two.url.rsplit("/", 1)[0] + "/[redacted]"
    one_shown = one.url.rsplit("/", 1)[0] + "/[redacted]"
    handed = [m for m in found if m["browser"].get("handed_over_from")]
    assert handed, "a capture in flight on the killed worker must be handed over"
    for m in handed:
        assert m["browser"]["endpoint"] == two_shown
        [h] = m["browser"]["handed_over_from"]
        assert h["endpoint"] == one_shown and "went away" in h["reason"] and h["at"]
    [run] = db_rows(store, "SELECT * FROM runs")
    assert run["status"] == "finished"
    assert json.loads(run["settings"])["browser_endpoints"] == [one_shown, two_shown]
    rows = db_rows(store, "SELECT * FROM run_entries")
    assert len(rows) == 8 and {r["status"] for r in rows} == {"done"}
    assert not list((store / ".incoming").glob("*"))  # the abandoned halves are gone
    code, output = verify(store)
    assert code == 0, output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_only_endpoint_is_one_clear_line_and_exit_3(
    site: SiteServer, store: Path
) -> None:
    token = "0123456789abcdef0123456789abcdef"
    endpoint = f"ws://127.0.0.1:{_closed_port()}/{token}"
    result = run_cli(
        "capture", site.url("/page/indonesian"), "--browser-endpoint", endpoint, store=store
    )
    assert result.exit_code == 3, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert "refused" in lines[0] and "[redacted]" in lines[0] and "docs/browsers.md" in lines[0]
    assert token not in result.output
    assert not list(store.glob("captures/*/*"))


@pytest.mark.slow
def test_doctor_checks_each_endpoint(workers: list[BrowserWorker], store: Path) -> None:
    one, _ = workers
    dead = f"ws://127.0.0.1:{_closed_port()}/0123456789abcdef0123"
    result = run_cli("doctor", "--browser-endpoint", f"{one.hinted},{dead}", store=store)
    assert result.exit_code == 3, result.output
    [good] = [line for line in result.output.splitlines() if line.startswith("ok  endpoint")]
    assert "Chromium 156" in good or "Chromium " in good
    assert f"executable {one.executable}" in good and "connect " in good and " ms" in good
    [bad] = [line for line in result.output.splitlines() if line.startswith("NO  endpoint")]
    assert "refused" in bad
    assert one.token not in result.output
