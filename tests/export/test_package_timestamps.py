"""RFC 3161 tokens over an evidence package's package.json (`export --tsa`), and their
checks in `verify-package`, against the local TSA made with `openssl ts -reply`."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from collector.evidence.rfc3161 import SHA256_OID, parse_request
from collector.records.custody import summary
from tests.export.test_package import rezip, unzip
from tests.support.helpers import run_cli
from tests.support.site import SiteServer
from tests.support.tsa_server import (  # noqa: F401
    TsaPki,
    TsaServer,
    openssl_query,
    tsa_pki_fixture,
    tsa_server_fixture,
    tsa_server_session_fixture,
)

CASE = "BKPSDM-2024-017"
TOKENS = {"package.tsq", "package.tsr", "package-timestamps.json"}


@pytest.fixture(scope="module")
def pristine(site: SiteServer, tmp_path_factory: pytest.TempPathFactory, tsa_pki: TsaPki) -> Path:
    """One capture, itself timestamped (its manifest.tsr travels in the package)."""
    store = tmp_path_factory.mktemp("pkgtsa") / "evidence"
    with TsaServer(tsa_pki) as tsa:
        result = run_cli(
            "capture",
            site.url("/page/indonesian"),
            "--case",
            CASE,
            "--operator",
            "Dwi A.",
            "--tsa",
            tsa.url,
            store=store,
        )
    assert result.exit_code == 0, result.output
    assert "[timestamped by 1 of 1 TSA]" in result.output
    return store


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "evidence"
    shutil.copytree(pristine, copy)
    return copy


@pytest.fixture(scope="module")
def stamped(pristine: Path, tmp_path_factory: pytest.TempPathFactory, tsa_pki: TsaPki) -> Path:
    """One package with one token (its own TSA: the shared one is reset per test)."""
    work = tmp_path_factory.mktemp("stamped")
    store = work / "evidence"
    shutil.copytree(pristine, store)
    out = work / "kasus.zip"
    with TsaServer(tsa_pki) as tsa:
        result = run_cli("export", "--case", CASE, "--out", str(out), "--tsa", tsa.url, store=store)
    assert result.exit_code == 0, result.output
    return out


def export(store: Path, out: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = run_cli("export", "--case", CASE, "--out", str(out), *args, store=store, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def verify_package(path: Path, *args: str) -> tuple[int, str]:
    result = run_cli("verify-package", str(path), *args)
    return result.exit_code, result.output


def members(package: Path) -> set[str]:
    with zipfile.ZipFile(package) as zf:
        return {n.split("/", 1)[1] for n in zf.namelist()}


def read_json(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return value


def last_custody_entry(store: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(
        (store / "custody.jsonl").read_text("utf-8").splitlines()[-1]
    )
    return value


def rewrite_sums(root: Path) -> None:
    """What a forger does: make SHA256SUMS agree with the files again."""
    (root / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(root).as_posix()}\n"
            for p in sorted(root.rglob("*"))
            if p.is_file() and p != root / "SHA256SUMS"
        )
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- tokens obtained ------------------------------------------------------------------------


def test_export_with_two_tsas_tokens_listed_and_verifiable(
    store: Path, tmp_path: Path, tsa_server: TsaServer
) -> None:
    out = tmp_path / "kasus.zip"
    output = export(store, out, "--tsa", tsa_server.url, "--tsa", tsa_server.url)
    assert f"timestamped  {tsa_server.url}  genTime " in output
    assert output.count("timestamped  ") == 2 and "package.2.tsr" in output
    assert len(tsa_server.received) == 2
    names = TOKENS | {"package.2.tsq", "package.2.tsr"}
    assert names <= members(out)

    root = unzip(out, tmp_path / "x")
    # every token file is in the top-level SHA256SUMS, and sha256sum -c agrees
    listed = {line.split("  ", 1)[1] for line in (root / "SHA256SUMS").read_text().splitlines()}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert listed == on_disk - {"SHA256SUMS"} and names <= listed
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=root, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    for name in names:
        assert f"{name}: OK" in check.stdout
    # the capture's own token (over its manifest) is packaged and checks in its folder
    (capture,) = (root / "captures").iterdir()
    assert {"manifest.tsq", "manifest.tsr", "timestamps.json"} <= {
        p.name for p in capture.iterdir()
    }
    check = subprocess.run(
        ["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"],
        cwd=capture,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0 and "manifest.tsr: OK" in check.stdout, check.stdout

    # package.json announces the tokens but cannot list them (they came after it)
    meta = read_json(root / "package.json")
    assert meta["timestamping"] == {
        "tsa_urls": [tsa_server.url, tsa_server.url],
        "record": "package-timestamps.json",
    }
    assert not names & set(meta["files"])

    pj_sha = sha256(root / "package.json")
    record = read_json(root / "package-timestamps.json")
    assert record["package_json"] == {"file": "package.json", "sha256": pj_sha}
    assert record["requested"] == [tsa_server.url, tsa_server.url]
    attempts = record["attempts"]
    assert [a["status"] for a in attempts] == ["ok", "ok"]
    assert [a["tsr"] for a in attempts] == ["package.tsr", "package.2.tsr"]
    for a in attempts:
        assert a["tsa_url"] == tsa_server.url and a["package_json_sha256"] == pj_sha
        assert a["tsq_sha256"] == sha256(root / a["tsq"])
        assert a["tsr_sha256"] == sha256(root / a["tsr"])
        assert a["gen_time"].endswith("Z") and a["serial"].isdigit()
        request = parse_request((root / a["tsq"]).read_bytes())
        assert request.hashed_message.hex() == pj_sha and request.cert_req
        assert isinstance(a["nonce"], str) and int(a["nonce"], 16) == request.nonce
    assert attempts[0]["serial"] != attempts[1]["serial"]

    # VERIFY.txt's step, exactly as written there, with the TSA's CA
    text = (root / "VERIFY.txt").read_text("utf-8")
    command = "openssl ts -verify -in package.tsr -data package.json -CAfile"
    assert text.count(command) == 2  # Bahasa Indonesia and English
    assert "Stempel waktu tepercaya" in text and "Trusted timestamps" in text
    assert "package.2.tsr" in text
    for tsr in ("package.tsr", "package.2.tsr"):
        done = subprocess.run(
            ["openssl", "ts", "-verify", "-in", tsr, "-data", "package.json", "-CAfile",
             str(tsa_server.pki.ca_cert)],
            cwd=root, capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stderr

    # verify-package: pass with the CA, "not checked" (not a failure) without it
    code, text = verify_package(out, "--tsa-ca", str(tsa_server.pki.ca_cert))
    assert code == 0, text
    assert "token PASS: package.tsr" in text and "token PASS: package.2.tsr" in text
    assert "openssl ts -verify: Verification: OK" in text
    assert text.splitlines()[-1].startswith("PASS") and "timestamp tokens: 2 pass" in text
    code, text = verify_package(out)
    assert code == 0, text
    assert "token NOT CHECKED: package.tsr" in text and "signature not checked" in text
    assert "timestamp tokens: 2 not checked" in text
    assert verify_package(root, "--tsa-ca", str(tsa_server.pki.ca_cert))[0] == 0
    data = json.loads(run_cli("verify-package", str(out), "--json").output)
    assert [t["status"] for t in data["timestamps"]] == ["not_checked", "not_checked"]

    # the export's custody event records the tokens
    entry = last_custody_entry(store)
    assert entry["action"] == "exported"
    assert entry["details"]["package_json_sha256"] == pj_sha
    assert entry["details"]["timestamp_failures"] == []
    assert entry["details"]["timestamps"] == [
        {
            "tsa_url": a["tsa_url"],
            "gen_time": a["gen_time"],
            "serial": a["serial"],
            "token": a["tsr"],
            "token_sha256": a["tsr_sha256"],
        }
        for a in attempts
    ]
    assert run_cli("verify", "--no-record", store=store).exit_code == 0
    assert "2 RFC 3161 token(s) over package.json" in summary(entry)


def test_package_without_tsa_has_no_timestamp_files(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "polos.zip"
    export(store, out)
    top = {n for n in members(out) if "/" not in n}  # capture folders keep their own tokens
    assert not {n for n in top if "tsq" in n or "tsr" in n or "timestamps" in n}
    root = unzip(out, tmp_path / "x")
    assert read_json(root / "package.json")["timestamping"] is None
    assert "openssl ts -verify" not in (root / "VERIFY.txt").read_text("utf-8")
    assert last_custody_entry(store)["details"]["timestamps"] == []


# --- a failing TSA never fails the export ---------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        ("wrong-imprint", "mismatch-imprint"),
        ("wrong-nonce", "mismatch-nonce"),
        ("hang", "transport"),
    ],
)
def test_failing_tsa_is_recorded_and_the_export_succeeds(
    store: Path, tmp_path: Path, tsa_server: TsaServer, mode: str, kind: str
) -> None:
    tsa_server.mode = mode
    tsa_server.hang_seconds = 4
    out = tmp_path / "kasus.zip"
    # the TSA from the environment, as for capture
    output = export(store, out, "--tsa-timeout", "1", env={"COLLECTOR_TSA": tsa_server.url})
    assert len(tsa_server.received) == 1
    assert f"TSA FAILED  {tsa_server.url}: " in output and "timestamped  " not in output
    assert out.is_file()
    names = members(out)
    assert "package-timestamps.json" in names
    assert not {n for n in names if "/" not in n and n.endswith((".tsq", ".tsr"))}
    root = unzip(out, tmp_path / "x")
    (attempt,) = read_json(root / "package-timestamps.json")["attempts"]
    assert attempt["status"] == kind == attempt["kind"]
    assert attempt["tsa_url"] == tsa_server.url and attempt["message"]
    if mode == "hang":
        assert "timed out" in attempt["message"]
    details = last_custody_entry(store)["details"]
    assert details["timestamps"] == []
    assert details["timestamp_failures"] == [{"tsa_url": tsa_server.url, "kind": kind}]
    # the package itself is fine; the failure is reported, not held against it
    code, text = verify_package(out, "--tsa-ca", str(tsa_server.pki.ca_cert))
    assert code == 0, text
    assert f"note  a TSA failed at export, no token from it: {tsa_server.url}: {kind}" in text


def test_unreachable_tsa_then_a_good_one(
    store: Path, tmp_path: Path, tsa_server: TsaServer
) -> None:
    out = tmp_path / "kasus.zip"
    dead = "http://127.0.0.1:9/tsa"
    output = export(store, out, "--tsa", dead, "--tsa", tsa_server.url, "--tsa-timeout", "2")
    assert f"TSA FAILED  {dead}: cannot reach TSA" in output
    assert f"timestamped  {tsa_server.url}" in output and "package.tsr" in output
    root = unzip(out, tmp_path / "x")
    attempts = read_json(root / "package-timestamps.json")["attempts"]
    assert [a["status"] for a in attempts] == ["transport", "ok"]
    assert attempts[1]["tsr"] == "package.tsr" and not (root / "package.2.tsr").exists()
    code, text = verify_package(out, "--tsa-ca", str(tsa_server.pki.ca_cert))
    assert code == 0 and "token PASS: package.tsr" in text, text


def test_tsa_with_wacz_is_a_usage_error_but_the_environment_is_not(
    store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "kasus.wacz"
    args = ["export", "--format", "wacz", "--case", CASE, "--out", str(out)]
    result = run_cli(*args, "--tsa", "http://127.0.0.1:9/tsa", store=store)
    assert result.exit_code == 2 and "--format zip" in result.output
    assert not out.exists()
    # COLLECTOR_TSA set for captures does not stop a WACZ export; it says so
    result = run_cli(*args, store=store, env={"COLLECTOR_TSA": "http://127.0.0.1:9/tsa"})
    assert result.exit_code == 0, result.output
    assert "COLLECTOR_TSA is set: a WACZ is not timestamped" in result.output
    assert out.is_file()


# --- tampering --------------------------------------------------------------------------------


def test_flipped_byte_in_the_token_is_named(stamped: Path, tmp_path: Path, tsa_pki: TsaPki) -> None:
    root = unzip(stamped, tmp_path / "x")
    tsr = root / "package.tsr"
    data = bytearray(tsr.read_bytes())
    data[len(data) // 2] ^= 0x01
    tsr.write_bytes(bytes(data))
    code, out = verify_package(
        rezip(root, tmp_path / "kasus.zip"), "--tsa-ca", str(tsa_pki.ca_cert)
    )
    assert code == 1, out
    assert "FAIL  package.tsr: SHA-256 does not match SHA256SUMS" in out
    assert "FAIL  package.tsr: SHA-256 differs from package-timestamps.json" in out
    assert out.splitlines()[-1].startswith("FAIL")


def test_consistent_forgery_of_the_token_needs_the_ca_to_be_caught(
    stamped: Path, tmp_path: Path, tsa_pki: TsaPki
) -> None:
    """Flip a bit of the TSA's signature and fix every hash list: only openssl sees it."""
    root = unzip(stamped, tmp_path / "x")
    tsr = root / "package.tsr"
    data = bytearray(tsr.read_bytes())
    data[-1] ^= 0x01  # the last bytes of a reply are the signer's signature
    tsr.write_bytes(bytes(data))
    record_path = root / "package-timestamps.json"
    record = read_json(record_path)
    record["attempts"][0]["tsr_sha256"] = sha256(tsr)
    record_path.write_text(json.dumps(record, indent=2))
    rewrite_sums(root)
    code, out = verify_package(root)
    assert code == 0 and "token NOT CHECKED: package.tsr" in out, out
    code, out = verify_package(root, "--tsa-ca", str(tsa_pki.ca_cert))
    assert code == 1, out
    assert "FAIL  package.tsr: openssl ts -verify: " in out
    assert "token FAIL: package.tsr" in out


def test_changed_package_json_breaks_the_token(stamped: Path, tmp_path: Path) -> None:
    root = unzip(stamped, tmp_path / "x")
    pj = root / "package.json"
    pj.write_bytes(pj.read_bytes().replace(b'"Dwi A."', b'"Orang Lain"', 1))
    rewrite_sums(root)
    code, out = verify_package(root)
    assert code == 1, out
    assert "FAIL  package.json: SHA-256 does not match" not in out  # SHA256SUMS was redone
    assert "FAIL  package-timestamps.json: is for package.json sha256:" in out
    assert "FAIL  package.tsr: not a token over this package.json" in out


def test_removed_tokens_are_detected(stamped: Path, tmp_path: Path) -> None:
    root = unzip(stamped, tmp_path / "x")
    for name in TOKENS:
        (root / name).unlink()
    rewrite_sums(root)
    code, out = verify_package(root)
    assert code == 1
    assert "FAIL  package-timestamps.json: missing (package.json says timestamps" in out


def test_swapped_request_is_named(stamped: Path, tmp_path: Path) -> None:
    """A request with another nonce in place of package.tsq (hash lists fixed)."""
    root = unzip(stamped, tmp_path / "x")
    tsq = root / "package.tsq"
    tsq.write_bytes(openssl_query(sha256(root / "package.json")))
    record_path = root / "package-timestamps.json"
    record = read_json(record_path)
    record["attempts"][0]["tsq_sha256"] = sha256(tsq)
    record_path.write_text(json.dumps(record, indent=2))
    rewrite_sums(root)
    code, out = verify_package(root)
    assert code == 1
    assert "FAIL  package.tsq: its nonce is not the one package-timestamps.json records" in out


def test_parse_request_reads_what_openssl_writes() -> None:
    digest = hashlib.sha256(b"package.json").hexdigest()
    request = parse_request(openssl_query(digest))
    assert request.hash_algorithm == SHA256_OID and request.hashed_message.hex() == digest
    assert request.nonce is not None and request.cert_req
    assert parse_request(openssl_query(digest, nonce=False)).nonce is None


def test_changed_capture_token_is_named(stamped: Path, tmp_path: Path) -> None:
    root = unzip(stamped, tmp_path / "x")
    (capture,) = (root / "captures").iterdir()
    tsr = capture / "manifest.tsr"
    data = bytearray(tsr.read_bytes())
    data[-1] ^= 0x01
    tsr.write_bytes(bytes(data))
    rewrite_sums(root)
    code, out = verify_package(root)
    rel = tsr.relative_to(root).as_posix()
    assert code == 1 and f"FAIL  {rel}: SHA-256 does not match the capture's SHA256SUMS" in out
