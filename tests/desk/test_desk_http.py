"""The review desk over HTTP, without a browser: raw paths, refusals, the JSON API against
the CLI's --json output, `collector serve` and `collector users` themselves."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from collector.evidence.store import EvidenceStore
from collector.records.index import Index
from tests.desk.conftest import CASE, PASSWORD
from tests.support.desk_client import DeskClient
from tests.support.helpers import run_cli, verify


def ids(client: DeskClient) -> list[str]:
    return [r["id"] for r in json.loads(client.get("/api/captures").body)]


def test_traversal_on_artifact_urls_is_404(client: DeskClient) -> None:
    cid = ids(client)[0]
    assert client.get(f"/captures/{cid}/files/screenshot.png").status == 200
    for path in (
        f"/captures/{cid}/files/../../../index.db",
        f"/captures/{cid}/files/..%2f..%2f..%2findex.db",
        f"/captures/{cid}/files/..%2F..%2Fcustody.jsonl",
        f"/captures/{cid}/files/%2e%2e%2f%2e%2e%2findex.db",
        f"/captures/{cid}/files/%2fetc%2fpasswd",
        f"/captures/{cid}/files/..\\..\\index.db",
        f"/captures/{cid}/files/index.db",
        f"/captures/{cid}/files/screenshot.png%00",
        f"/captures/{cid}/files/nope.png",
        "/captures/..%2f..%2f/files/index.db",
        f"/captures/{cid}%2f..%2f..%2f/files/index.db",
        "/captures/../index.db",
        "/static/..%2f..%2frecords%2findex.py",
        "/static/../app.py",
    ):
        reply = client.get(path)
        assert reply.status == 404, (path, reply.status)
        assert b"SQLite format" not in reply.body and b"import" not in reply.body


def test_downloads_are_attachments_and_screenshots_png(
    client: DeskClient, desk_store: Path
) -> None:
    # the latest capture that filed its own snapshot: a repeat of an unchanged page links
    # the earlier one instead, as refers-<sha256>.mhtml (docs/storage.md; checked below)
    cid = next(c for c in ids(client) if list(desk_store.glob(f"captures/*/{c}/page.mhtml")))
    shot = client.get(f"/captures/{cid}/files/screenshot.png")
    assert shot.header("Content-Type") == "image/png"
    assert shot.body.startswith(b"\x89PNG")
    for name in ("response.html", "dom.html", "page.mhtml", "network.har.gz", f"{cid}.warc.gz"):
        reply = client.get(f"/captures/{cid}/files/{name}")
        assert reply.status == 200, name
        assert reply.header("Content-Type") == "application/octet-stream"
        assert reply.header("Content-Disposition") == f'attachment; filename="{cid}-{name}"'
        assert reply.header("X-Content-Type-Options") == "nosniff"
        assert "default-src 'none'" in (reply.header("Content-Security-Policy") or "")
    # a linked snapshot is served like any artifact of the capture that lists it
    snapshots = list(desk_store.glob("captures/*/*/refers-*.mhtml"))
    assert snapshots, "/page/indonesian, captured again unchanged, links its snapshot"
    for linked in snapshots:
        repeat, name = linked.parent.name, linked.name
        reply = client.get(f"/captures/{repeat}/files/{name}")
        assert reply.status == 200, name
        assert reply.body == linked.read_bytes()
        assert reply.header("Content-Disposition") == f'attachment; filename="{repeat}-{name}"'


def test_requests_without_csrf_session_or_role_are_refused(users_desk: str) -> None:
    anonymous = DeskClient(users_desk)
    assert anonymous.get("/").status == 302
    assert anonymous.get("/api/captures").status == 401
    assert anonymous.post(f"/cases/{CASE}/export", {"format": "zip"}).status == 401
    reviewer = DeskClient(users_desk)
    assert reviewer.sign_in("rina", PASSWORD).status == 302
    cid = json.loads(reviewer.get("/api/captures").body)[0]["id"]
    token = reviewer.csrf(f"/captures/{cid}")
    assert reviewer.post(f"/captures/{cid}/note", {"text": "tanpa token"}).status == 403
    assert reviewer.post(f"/captures/{cid}/note", {"text": "x", "csrf": "0" * 43}).status == 403
    for path, form in (
        (f"/cases/{CASE}/export", {"format": "zip"}),
        (f"/cases/{CASE}/handover", {"to": "Bawaslu", "reason": "sidang"}),
        (f"/captures/{cid}/retire", {"reason": "salah", "confirm": "yes"}),
        ("/report", {"urls": "https://example.org/"}),
        ("/users", {"name": "eve", "role": "admin", "password": "x" * 12, "password2": "x" * 12}),
    ):
        assert reviewer.post(path, {**form, "csrf": token}).status == 403, path
    assert reviewer.post(f"/captures/{cid}/note", {"text": "ok", "csrf": token}).status == 303
    admin = DeskClient(users_desk)
    admin.sign_in("boss", PASSWORD)
    stolen = admin.post(f"/captures/{cid}/note", {"text": "x", "csrf": token})
    assert stolen.status == 403  # another session's token does not do
    log = json.loads(admin.get(f"/api/captures/{cid}/custody").body)
    assert [(e["action"], e["actor"]) for e in log[-1:]] == [("note", "rina")]


def test_handover_and_retire_by_an_admin(users_desk: str, desk_store: Path) -> None:
    admin = DeskClient(users_desk)
    admin.sign_in("boss", PASSWORD)
    token = admin.csrf(f"/cases/{CASE}")
    done = admin.post(
        f"/cases/{CASE}/handover",
        {"csrf": token, "from": "boss", "to": "Bawaslu Kota", "reason": "surat 12/2026"},
    )
    assert done.status == 303 and "done=handover" in (done.header("Location") or "")
    cid = [r["id"] for r in json.loads(admin.get(f"/api/captures?case={CASE}").body)][-1]
    form = {"csrf": token, "reason": "salah tangkap", "confirm": "yes"}
    assert admin.post(f"/captures/{cid}/retire", form).status == 303
    log = json.loads(run_cli("custody", "--case", CASE, "--json", store=desk_store).output)
    assert [(e["action"], e["actor"]) for e in log[-2:]] == [
        ("handover", "boss"),
        ("retired", "boss"),
    ]
    code, output = verify(desk_store)
    assert code == 0, output


def test_reverify_button_records_a_verification(client: DeskClient, desk_store: Path) -> None:
    cid = ids(client)[0]
    token = client.csrf(f"/captures/{cid}")
    done = client.post(f"/captures/{cid}/verify", {"csrf": token})
    assert done.status == 303 and "result=pass" in (done.header("Location") or "")
    page = client.get(done.header("Location") or "").text
    assert "LULUS" in page
    log = json.loads(run_cli("custody", cid, "--json", store=desk_store).output)
    assert log[-1]["action"] == "verified" and log[-1]["capture_ids"] == [cid]


def _cli_json(store: Path, *args: str) -> object:
    result = run_cli(*args, "--json", store=store)
    return json.loads(result.output)


def test_api_shapes_match_the_cli(client: DeskClient, desk_store: Path) -> None:
    api_rows = json.loads(client.get("/api/captures?limit=1000").body)
    cli_rows = _cli_json(desk_store, "list")
    assert isinstance(cli_rows, list)
    assert sorted(api_rows, key=lambda r: r["id"]) == sorted(cli_rows, key=lambda r: r["id"])
    cid = api_rows[0]["id"]
    assert json.loads(client.get(f"/api/captures/{cid}").body) == _cli_json(desk_store, "show", cid)
    assert json.loads(client.get(f"/api/captures/{cid}/custody").body) == _cli_json(
        desk_store, "custody", cid
    )
    api_search = json.loads(client.get("/api/search?q=netralitas").body)
    assert api_search == _cli_json(desk_store, "search", "netralitas")
    assert json.loads(client.get("/api/changes").body) == _cli_json(desk_store, "changes")
    assert json.loads(client.get("/api/runs").body) == _cli_json(desk_store, "runs")
    run_id = json.loads(client.get("/api/runs").body)[0]["id"]
    assert json.loads(client.get(f"/api/runs/{run_id}").body) == _cli_json(
        desk_store, "runs", run_id
    )
    assert json.loads(client.get(f"/api/captures/{cid}/findings").body) == []


def test_runs_and_changes_pages(client: DeskClient) -> None:
    runs = client.get("/runs").text
    run_id = re.search(r'href="/runs/(run-[^"]+)"', runs)
    assert run_id
    page = client.get(f"/runs/{run_id.group(1)}").text
    assert "Budi Santoso (fiktif)" in page and "Akun yang hilang" in page
    listed = client.get(f"/?run={run_id.group(1)}").text
    assert listed.count('<tr data-id="') == 2 and "Budi Santoso (fiktif)" in listed
    changes = client.get("/changes?all=1").text
    assert "/diff/" in changes


def test_serve_refuses_other_addresses_without_an_admin(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    refused = run_cli("serve", "--host", "0.0.0.0", "--port", "0", store=store)
    assert refused.exit_code == 2
    assert "refusing to serve on 0.0.0.0 without users" in refused.output
    added = subprocess.run(
        [sys.executable, "-m", "collector", "users", "add", "rina", "--role", "reviewer",
         "--password-stdin", "--store", str(store)],
        input=PASSWORD + "\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    refused = run_cli("serve", "--host", "0.0.0.0", "--port", "0", store=store)
    assert refused.exit_code == 2  # a reviewer is not enough: someone must manage it


def test_users_command(tmp_path: Path) -> None:
    store = tmp_path / "evidence"

    def users(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "collector", "users", *args, "--store", str(store)],
            input=password, capture_output=True, text=True, check=False,
        )  # fmt: skip

    first = users("add", "boss", "--role", "admin", "--password-stdin", password=PASSWORD + "\n")
    assert first.returncode == 0, first.stderr
    again = users("add", "boss", "--role", "admin", "--password-stdin", password=PASSWORD + "\n")
    assert again.returncode == 2 and "already exists" in again.stderr
    short = users("add", "dwi", "--role", "investigator", "--password-stdin", password="pendek\n")
    assert short.returncode == 2 and "at least 10" in short.stderr
    ok = users("add", "dwi", "--role", "investigator", "--password-stdin", password=PASSWORD + "\n")
    assert ok.returncode == 0, ok.stderr
    listed = json.loads(users("list", "--json").stdout)
    assert [(u["name"], u["role"]) for u in listed] == [("boss", "admin"), ("dwi", "investigator")]
    assert all("password" not in u for u in listed)
    assert PASSWORD not in Path(EvidenceStore(store).index_path).read_bytes().decode("latin-1")
    last = users("remove", "boss")
    assert last.returncode == 2 and "last admin" in last.stderr
    assert users("passwd", "dwi", "--password-stdin", password="kata-sandi-baru\n").returncode == 0
    assert users("role", "dwi", "admin").returncode == 0
    assert users("remove", "boss").returncode == 0
    assert users("remove", "nobody").returncode == 2


def test_an_older_index_gets_the_new_columns_and_still_verifies(desk_store: Path) -> None:
    """Migration 13 on a store indexed before it: platform and findings are backfilled
    from the manifests exactly as capture_row derives them (verify compares every column)."""
    path = EvidenceStore(desk_store).index_path
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP INDEX idx_captures_started_at_id; DROP INDEX idx_captures_platform_started_at;"
        "DROP INDEX captures_with_findings;"
        "ALTER TABLE captures DROP COLUMN platform; ALTER TABLE captures DROP COLUMN findings;"
        "DROP TABLE intake_items; DROP TABLE intake_reports; DROP TABLE desk_sessions;"
        "DROP TABLE desk_users; DELETE FROM migrations WHERE version = 13;"
    )
    conn.close()
    with Index(path) as index:
        rows = index.captures()
    assert {r["platform"] for r in rows} == {"web"}
    assert {r["findings"] for r in rows} == {0}
    code, output = verify(desk_store)
    assert code == 0, output


@pytest.mark.slow
def test_collector_serve_process(desk_store: Path) -> None:
    """The real command: prints where it listens, serves, stops cleanly on Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "collector", "serve", "--port", "0", "--store", str(desk_store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert match, line
        with urllib.request.urlopen(match.group(1)) as reply:
            page = reply.read().decode()
            assert reply.status == 200
            assert reply.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "Tangkapan" in page
    finally:
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
