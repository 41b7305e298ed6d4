"""Custody anchors in RFC 3161 tokens (issue 12 item 3): with --tsa, the custody head after
each capture is stamped too, so the TSA's records hold it; `collector anchor --tsa` does it
on demand. `verify` checks every such token kept in the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from collector.evidence.rfc3161 import parse_response
from collector.evidence.store import canonical_json
from tests.support.helpers import run_cli, verify, writable
from tests.support.site import SiteServer
from tests.support.tsa_server import (  # noqa: F401
    TsaServer,
    tsa_pki_fixture,
    tsa_server_fixture,
    tsa_server_session_fixture,
)


def jsonl(store: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (store / "custody.jsonl").read_text("utf-8").splitlines()]


def tokens(store: Path) -> list[Path]:
    return sorted((store / "anchors").iterdir())


def test_each_capture_with_tsa_stamps_the_custody_head(
    site: SiteServer, store: Path, tsa_server: TsaServer
) -> None:
    result = run_cli("capture", site.url("/final"), "--tsa", tsa_server.url, store=store)
    assert result.exit_code == 0, result.output
    (folder,) = tokens(store)
    record = json.loads((folder / "anchor.json").read_text())
    head = jsonl(store)[-1]  # captured, then timestamped: the head after the capture
    assert (record["seq"], record["entry_hash"]) == (head["seq"], head["entry_hash"])
    info = parse_response((folder / "head.tsr").read_bytes())
    assert info.hashed_message.hex() == head["entry_hash"]  # the TSA signed the head
    assert len(tsa_server.received) == 2  # the manifest, then the head
    code, out = verify(store, "--tsa-ca", str(tsa_server.pki.ca_cert))
    assert code == 0, out
    assert "PASS  custody anchors: the log holds all 1" in out


def test_a_cut_tail_is_caught_by_the_stamped_head(
    site: SiteServer, store: Path, tsa_server: TsaServer
) -> None:
    assert run_cli("capture", site.url("/final"), store=store).exit_code == 0
    assert (
        run_cli("capture", site.url("/final"), "--tsa", tsa_server.url, store=store).exit_code == 0
    )
    kept = [e for e in jsonl(store) if e["seq"] <= 1]  # the second capture's entries cut
    writable(store / "custody.jsonl").write_bytes(b"".join(canonical_json(e) + b"\n" for e in kept))
    with sqlite3.connect(store / "index.db") as db:
        db.execute("DROP TRIGGER custody_events_no_delete")
        db.execute("DELETE FROM custody_events WHERE seq > 1")
    code, out = verify(store, "--no-record")
    assert code == 1
    assert "anchor RFC 3161 token anchors/" in out and "now ends at seq 1" in out


def test_anchor_on_demand_with_a_tsa(site: SiteServer, store: Path, tsa_server: TsaServer) -> None:
    assert run_cli("capture", site.url("/final"), store=store).exit_code == 0
    assert not (store / "anchors").exists()
    result = run_cli("anchor", "--tsa", tsa_server.url, store=store)
    assert result.exit_code == 0, result.output
    assert "RFC 3161 token from" in result.output
    (folder,) = tokens(store)
    assert json.loads((folder / "anchor.json").read_text())["seq"] == 1
    tsr = writable(folder / "head.tsr")
    tsr.write_bytes(tsr.read_bytes()[:-1] + b"\0")
    code, out = verify(store, "--no-record")
    assert code == 1 and "SHA256SUMS disagrees with the files" in out
