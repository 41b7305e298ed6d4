"""RFC 3161 timestamps on captures, against a local TSA made with `openssl ts -reply`."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import only_capture, run_cli, verify
from tests.support.site import SiteServer
from tests.support.tsa_server import (  # noqa: F401
    TsaServer,
    tsa_pki_fixture,
    tsa_server_fixture,
    tsa_server_session_fixture,
)


def sha256sum_c(folder: Path) -> str:
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    return check.stdout


def verify_json(store: Path, *args: str) -> dict[str, Any]:
    result = run_cli("verify", "--json", *args, store=store)
    data: dict[str, Any] = json.loads(result.output)
    return data


def make_writable(path: Path) -> None:
    path.parent.chmod(0o755)
    path.chmod(0o644)


def flip_last_byte(path: Path) -> None:
    make_writable(path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))


def test_capture_with_two_tsas_stores_tokens_that_verify(
    site: SiteServer, store: Path, tsa_server: TsaServer
) -> None:
    result = run_cli(
        "capture",
        site.url("/page/indonesian"),
        "--tsa",
        tsa_server.url,
        "--tsa",
        tsa_server.url,
        store=store,
    )
    assert result.exit_code == 0, result.output
    assert "[timestamped by 2 of 2 TSA]" in result.output
    folder, m = only_capture(store)
    assert m["timestamping"] == {
        "tsa_urls": [tsa_server.url, tsa_server.url],
        "record": "timestamps.json",
    }
    names = {"manifest.tsq", "manifest.tsr", "manifest.2.tsq", "manifest.2.tsr", "timestamps.json"}
    assert names <= {p.name for p in folder.iterdir()}
    assert all(not (folder / n).stat().st_mode & stat.S_IWUSR for n in names)
    checked = sha256sum_c(folder)
    for name in names | {"manifest.json", f"{m['capture_id']}.warc.gz"}:
        assert f"{name}: OK" in checked
    assert not names & {a["name"] for a in m["artifacts"]}  # written after the manifest
    record = json.loads((folder / "timestamps.json").read_text())
    assert record["failures"] == [] and len(record["tokens"]) == 2
    manifest_sha = record["manifest"]["sha256"]
    token = record["tokens"][0]
    assert token["tsr"] == "manifest.tsr" and token["tsa_url"] == tsa_server.url
    assert token["manifest_sha256"] == manifest_sha and token["skew_ms"] == 0
    assert m["finished_at"] <= token["requested_at"] <= token["received_at"]
    # what the TSA received is the .tsq we kept, over SHA-256(manifest.json)
    assert tsa_server.received[0].body == (folder / "manifest.tsq").read_bytes()
    assert tsa_server.received[0].content_type == "application/timestamp-query"

    # openssl alone, as an outsider would
    ca = str(tsa_server.pki.ca_cert)
    by_hand = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-in",
            "manifest.tsr",
            "-data",
            "manifest.json",
            "-CAfile",
            ca,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert by_hand.returncode == 0 and "Verification: OK" in by_hand.stdout, by_hand.stderr

    code, out = verify(store, "--tsa-ca", ca)
    assert code == 0, out
    assert out.count("token PASS") == 2 and "Verification: OK" in out
    code, out = verify(store)
    assert code == 0, out
    assert out.count("token NOT CHECKED") == 2 and "--tsa-ca" in out
    tokens = verify_json(store)["captures"][0]["tokens"]
    # one vocabulary with verify-package --json: pass, fail, not_checked
    assert [t["status"] for t in tokens] == ["not_checked", "not_checked"]

    show = run_cli("show", m["capture_id"], store=store)
    assert show.output.count(f"by {tsa_server.url}") == 2

    # custody: the capture, then one `timestamped` event per token, in the same append
    log = json.loads(run_cli("custody", m["capture_id"], "--json", store=store).output)
    assert [e["action"] for e in log[:3]] == ["captured", "timestamped", "timestamped"]
    stamped = log[1]["details"]
    assert stamped["token"].endswith("/manifest.tsr") and stamped["late"] is False
    assert stamped["manifest_sha256"] == manifest_sha and stamped["tsa_url"] == tsa_server.url
    assert (
        stamped["token_sha256"] == token["tsr_sha256"] and stamped["gen_time"] == token["gen_time"]
    )

    # reindex rebuilds the timestamps table from the files
    assert run_cli("reindex", store=store).exit_code == 0
    assert verify(store, "--tsa-ca", ca)[0] == 0


@pytest.mark.parametrize(
    ("mode", "kind"), [("wrong-nonce", "mismatch-nonce"), ("wrong-imprint", "mismatch-imprint")]
)
def test_tsa_answers_that_do_not_fit_are_rejected_and_recorded(
    site: SiteServer, store: Path, tsa_server: TsaServer, mode: str, kind: str
) -> None:
    tsa_server.mode = mode
    result = run_cli("capture", site.url("/final"), "--tsa", tsa_server.url, store=store)
    assert result.exit_code == 0, result.output  # the capture itself is fine
    assert "[timestamped by 0 of 1 TSA]" in result.output
    assert "collector timestamp ID" in result.output
    folder, m = only_capture(store)
    assert m["outcome"] == "ok"
    assert not list(folder.glob("*.tsr")) and not list(folder.glob("*.tsq"))
    record = json.loads((folder / "timestamps.json").read_text())
    assert record["tokens"] == []
    (failure,) = record["failures"]
    assert failure["kind"] == kind and failure["tsa_url"] == tsa_server.url
    assert ("nonce differs" if mode == "wrong-nonce" else "imprint differs") in failure["message"]
    assert "timestamps.json: OK" in sha256sum_c(folder)
    code, out = verify(store, "--tsa-ca", str(tsa_server.pki.ca_cert))
    assert code == 0, out


def test_hanging_tsa_does_not_hang_the_capture(
    site: SiteServer, store: Path, tsa_server: TsaServer
) -> None:
    tsa_server.mode = "hang"
    tsa_server.hang_seconds = 30
    start = time.monotonic()
    result = run_cli(
        "capture",
        site.url("/final"),
        "--tsa-timeout",
        "1",
        store=store,
        env={"COLLECTOR_TSA": tsa_server.url},  # the environment works as --tsa
    )
    elapsed = time.monotonic() - start
    assert result.exit_code == 0, result.output
    assert elapsed < 15, f"capture took {elapsed:.1f} s"
    folder, _ = only_capture(store)
    (failure,) = json.loads((folder / "timestamps.json").read_text())["failures"]
    assert failure["kind"] == "transport" and "timed out" in failure["message"]


def test_timestamp_later_adds_a_token_outside_the_sealed_folder(
    site: SiteServer, store: Path, tsa_server: TsaServer
) -> None:
    assert run_cli("capture", site.url("/final"), store=store).exit_code == 0
    folder, m = only_capture(store)
    cid = m["capture_id"]
    before = sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir())

    no_tsa = run_cli("timestamp", cid, store=store)
    assert no_tsa.exit_code == 2 and "--tsa" in no_tsa.output
    tsa_server.mode = "http-500"
    failing = run_cli("timestamp", cid, "--tsa", tsa_server.url, store=store)
    assert failing.exit_code == 1 and "FAILED" in failing.output and "HTTP 500" in failing.output
    failing = run_cli("timestamp", cid, "--json", "--tsa", tsa_server.url, store=store)
    assert failing.exit_code == 1
    [failed] = json.loads(failing.stdout)
    assert failed["status"] == "failed" and failed["tokens"] == []
    assert "HTTP 500" in failed["failures"][0]["message"]
    assert not list((store / "timestamps").rglob("*.tsr"))

    tsa_server.mode = "ok"
    result = run_cli("timestamp", "--missing", "--tsa", tsa_server.url, store=store)
    assert result.exit_code == 0, result.output
    assert f"{cid}  timestamped" in result.output
    late = store / "timestamps" / cid / "001"
    assert sorted(p.name for p in late.iterdir()) == [
        "SHA256SUMS",
        "manifest.tsq",
        "manifest.tsr",
        "timestamp.json",
    ]
    assert not late.stat().st_mode & stat.S_IWUSR
    assert sha256sum_c(late).count(": OK") == 3
    assert sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir()) == before
    entry = json.loads((late / "timestamp.json").read_text())
    assert entry["capture_id"] == cid and entry["tsa_url"] == tsa_server.url
    by_hand = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-in",
            str(late / "manifest.tsr"),
            "-data",
            str(folder / "manifest.json"),
            "-CAfile",
            str(tsa_server.pki.ca_cert),
        ],
        capture_output=True,
        text=True,
    )
    assert by_hand.returncode == 0, by_hand.stdout + by_hand.stderr

    again = run_cli("timestamp", "--missing", "--tsa", tsa_server.url, store=store)
    assert "every capture already has a timestamp token" in again.output
    skipped = run_cli("timestamp", cid, "--tsa", tsa_server.url, store=store)
    assert "already timestamped" in skipped.output
    more = run_cli("timestamp", cid, "--again", "--json", "--tsa", tsa_server.url, store=store)
    assert more.exit_code == 0 and (store / "timestamps" / cid / "002").is_dir()
    [done] = json.loads(more.stdout)  # --json: nothing but the JSON on standard output
    assert done["id"] == cid and done["status"] == "timestamped" and done["failures"] == []
    [token] = done["tokens"]
    assert token["folder"] == f"timestamps/{cid}/002" and token["tsr"] == "manifest.tsr"
    assert token["late"] is True and token["tsa_url"] == tsa_server.url
    assert token["gen_time"].endswith("Z") and len(token["tsr_sha256"]) == 64

    report = verify_json(store, "--tsa-ca", str(tsa_server.pki.ca_cert))
    assert report["ok"], report
    tokens = report["captures"][0]["tokens"]
    assert [(t["late"], t["status"]) for t in tokens] == [(True, "pass"), (True, "pass")]
    assert "(obtained later)" in run_cli("show", cid, store=store).output
    log = json.loads(run_cli("custody", cid, "--json", store=store).output)
    late_events = [e for e in log if e["action"] == "timestamped"]
    assert [e["details"]["token"] for e in late_events] == [
        f"timestamps/{cid}/001/manifest.tsr",
        f"timestamps/{cid}/002/manifest.tsr",
    ]
    assert all(e["details"]["late"] for e in late_events)
    assert "(obtained later)" in run_cli("custody", cid, store=store).output
    assert run_cli("reindex", store=store).exit_code == 0
    assert verify_json(store, "--tsa-ca", str(tsa_server.pki.ca_cert))["ok"]

    # tampering with a late token is caught
    flip_last_byte(late / "manifest.tsr")
    code, out = verify(store)
    assert code == 1 and "timestamps/" in out and "manifest.tsr" in out


def test_tampering_with_tokens_fails_verify(
    site: SiteServer, store: Path, tsa_server: TsaServer
) -> None:
    ca = str(tsa_server.pki.ca_cert)
    assert (
        run_cli("capture", site.url("/final"), "--tsa", tsa_server.url, store=store).exit_code == 0
    )
    folder, _ = only_capture(store)
    assert verify(store, "--tsa-ca", ca)[0] == 0

    # a modified token: named, with or without the CA
    original = (folder / "manifest.tsr").read_bytes()
    flip_last_byte(folder / "manifest.tsr")
    for args in ((), ("--tsa-ca", ca)):
        code, out = verify(store, *args)
        assert code == 1 and "VERIFICATION FAILED" in out
        assert "token FAIL" in out and "manifest.tsr" in out

    # the token files and their record removed, SHA256SUMS rewritten to match: still caught
    (folder / "manifest.tsr").write_bytes(original)
    for name in ("manifest.tsr", "manifest.tsq", "timestamps.json"):
        (folder / name).unlink()
    sums = folder / "SHA256SUMS"
    make_writable(sums)
    kept = [line for line in sums.read_text().splitlines() if "ts" not in line.split("  ")[1]]
    sums.write_text("".join(line + "\n" for line in kept))
    code, out = verify(store)
    assert code == 1
    assert "timestamps.json: missing (the manifest says timestamps were requested)" in out
    assert "index: timestamps rows disagree" in out


def test_clock_skew_between_sources_is_a_warning(site: SiteServer, store: Path) -> None:
    url = site.url("/date?offset=-3600")
    assert run_cli("capture", url, store=store).exit_code == 0
    _, m = only_capture(store)
    server = m["time_sources"]["server_date"]
    assert server["skew_ms"] < -3_500_000 and server["header"].endswith(" GMT")
    assert m["time_sources"]["system_clock"]["started_at"] == m["started_at"]
    code, out = verify(store)
    assert code == 0, out  # a warning, not a failure
    assert re.search(r"WARN  \S+: clock skew: server Date is -35\d\d\.\d s off system clock", out)
    code, out = verify(store, "--max-clock-skew", "7200")
    assert code == 0 and "WARN" not in out
