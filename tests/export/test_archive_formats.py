"""WARC per capture and WACZ export, checked with the web-archiving world's own tools."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from collector.export.wacz_writer import surt, verify_wacz_fixity, verify_wacz_signature
from tests.support.helpers import capture_folders, only_capture, run_cli
from tests.support.site import GZIP_HTML, SECRET_COOKIE, SECRET_TOKEN, SiteServer
from tests.support.tools import tool

WARCIO = tool("warcio")
WACZ = tool("wacz")


def capture(store: Path, *args: str) -> None:
    result = run_cli("capture", *args, store=store)
    assert result.exit_code == 0, result.output


def warc_records(warc: Path) -> list[Any]:
    """(type, uri, http headers, body) of every record, read by warcio."""
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

    out = []
    with warc.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            headers = rec.http_headers.headers if rec.http_headers else []
            out.append(
                (
                    rec.rec_type,
                    rec.rec_headers.get_header("WARC-Target-URI"),
                    headers,
                    rec.content_stream().read(),
                    rec.rec_headers,
                )
            )
    return out


def test_every_capture_has_a_warc_warcio_accepts(site: SiteServer, store: Path) -> None:
    url = site.url("/page/indonesian")
    capture(store, url, "--case", "BKPSDM-2024-017", "--operator", "Dwi A.")
    folder, m = only_capture(store)
    name = f"{m['capture_id']}.warc.gz"  # named after the capture: WARCs never collide
    warc = folder / name
    listed = {a["name"]: a for a in m["artifacts"]}
    assert "archive.warc.gz" not in listed
    assert listed[name]["media_type"] == "application/warc"
    assert listed[name]["sha256"] == hashlib.sha256(warc.read_bytes()).hexdigest()
    assert not warc.stat().st_mode & stat.S_IWUSR
    assert f"{listed[name]['sha256']}  {name}" in (folder / "SHA256SUMS").read_text()

    check = subprocess.run([WARCIO, "check", "-v", str(warc)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout.lower()
    index = subprocess.run(
        [WARCIO, "index", "-f", "warc-type,warc-target-uri,http:status", str(warc)],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in index.stdout.splitlines()]
    types = [line["warc-type"] for line in lines]
    assert types[0] == "warcinfo"
    assert {"request", "response", "resource", "metadata"} <= set(types)
    assert {"warc-type": "response", "warc-target-uri": url, "http:status": "200"} in lines
    resources = {line["warc-target-uri"] for line in lines if line["warc-type"] == "resource"}
    assert resources == {
        f"urn:collector:{m['capture_id']}/{name}"
        for name in ("screenshot.png", "dom.html", "page.mhtml")
    }

    records = warc_records(warc)
    info = next(r for r in records if r[0] == "warcinfo")[3].decode()
    assert "operator: Dwi A." in info and "software: collector/" in info
    assert "isPartOf: BKPSDM-2024-017" in info
    shot = next(r for r in records if (r[1] or "").endswith("/screenshot.png"))
    assert shot[3] == (folder / "screenshot.png").read_bytes()
    # the provenance: the manifest but for what is written after the WARC
    meta = json.loads(next(r for r in records if r[0] == "metadata")[3])
    prov = meta["provenance"]
    assert prov["capture_id"] == m["capture_id"] and prov["requested_url"] == url
    assert {k: v for k, v in m.items() if k not in ("artifacts", "archive")} == {
        k: v for k, v in prov.items() if k not in ("artifacts", "artifacts_note")
    }
    assert {a["name"] for a in prov["artifacts"]} == set(listed) - {name}
    assert all(a == listed[a["name"]] for a in prov["artifacts"])

    archive = m["archive"]
    assert archive["file"] == name and archive["manifest_in_warc"] is False
    assert archive["records"] == len(records) and archive["sha256"] == listed[warc.name]["sha256"]
    assert archive["record_types"]["response"] == archive["exchanges"] >= 1
    assert archive["missing_bodies"] == 0 and archive["skipped"] == []


def test_gzip_page_is_stored_decoded_in_the_warc(site: SiteServer, store: Path) -> None:
    url = site.url("/gzip")
    capture(store, url)
    folder, _m = only_capture(store)
    response = next(
        r
        for r in warc_records(folder / f"{folder.name}.warc.gz")
        if r[0] == "response" and r[1] == url
    )
    headers = {k.lower(): v for k, v in response[2]}
    assert "content-encoding" not in headers and "transfer-encoding" not in headers
    assert headers["content-length"] == str(len(GZIP_HTML))
    assert response[3] == GZIP_HTML == (folder / "response.html").read_bytes()
    assert headers["x-collector-original-content-encoding"] == "gzip"
    assert headers["x-collector-original-content-length"] == str(
        len(gzip.compress(GZIP_HTML, mtime=0))
    )


def test_redirect_chain_is_in_the_warc_hop_by_hop(site: SiteServer, store: Path) -> None:
    capture(store, site.url("/redirect/2"))
    folder, m = only_capture(store)
    statuses = [
        (r[1].removeprefix(site.base), r[4].get_header("WARC-Concurrent-To") is not None)
        for r in warc_records(folder / f"{folder.name}.warc.gz")
        if r[0] == "response"
    ]
    assert [s[0] for s in statuses] == ["/redirect/2", "/redirect/1", "/final"]
    assert all(s[1] for s in statuses)
    assert m["archive"]["exchanges"] == 3


@pytest.fixture(scope="module")
def p384_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = tmp_path_factory.mktemp("key") / "p384.pem"
    subprocess.run(
        [
            "openssl",
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-out",
            str(key),
        ],
        check=True,
        capture_output=True,
    )
    return key


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WACZ, "validate", "-f", str(path)], capture_output=True, text=True)


def test_wacz_export_validates_lists_the_page_and_is_signed(
    site: SiteServer, store: Path, tmp_path: Path, p384_key: Path
) -> None:
    urls = [site.url("/page/indonesian"), site.url("/redirect/1")]
    capture(store, *urls, "--case", "BAWASLU-7")
    out = tmp_path / "kasus.wacz"
    result = run_cli(
        "export",
        "--format",
        "wacz",
        "--case",
        "BAWASLU-7",
        "--out",
        str(out),
        "--sign-key",
        str(p384_key),
        "--operator",
        "Dwi A.",
        store=store,
    )
    assert result.exit_code == 0, result.output
    assert "2 capture(s)" in result.output and "signed, public key" in result.output
    assert "(exported)" in result.output
    (event,) = [
        e
        for e in json.loads(run_cli("custody", "--case", "BAWASLU-7", "--json", store=store).output)
        if e["action"] == "exported"
    ]
    assert event["details"]["format"] == "wacz" and event["details"]["file"] == "kasus.wacz"
    assert event["details"]["package_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert event["actor"] == "Dwi A." and len(event["capture_ids"]) == 2
    check = wacz_validate(out)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Validation succeeded" in check.stdout
    assert verify_wacz_fixity(out) == []
    assert verify_wacz_signature(out)

    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        warcs = [n for n in names if n.startswith("archive/")]
        assert len(warcs) == 2
        assert all(zf.getinfo(n).compress_type == zipfile.ZIP_STORED for n in warcs)
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
        cdxj = zf.read("indexes/index.cdx").decode()
        package = json.loads(zf.read("datapackage.json"))
        digest = json.loads(zf.read("datapackage-digest.json"))
    assert pages[0]["format"] == "json-pages-1.0"
    by_url = {p["url"]: p for p in pages[1:]}
    assert set(by_url) == {urls[0], site.url("/final")}  # the final URL of the redirect
    assert by_url[urls[0]]["title"] == "Pengumuman 📢 ASN"
    page_line = next(line for line in cdxj.splitlines() if line.startswith(surt(urls[0]) + " "))
    fields = json.loads(page_line.split(" ", 2)[2])
    assert fields["url"] == urls[0] and fields["status"] == "200"
    assert fields["filename"] in {w.removeprefix("archive/") for w in warcs}
    case = package["case"]
    assert case["id"] == "BAWASLU-7" and case["exported_by"] == "Dwi A."
    assert {c["requested_url"] for c in case["captures"]} == set(urls)
    for c in case["captures"]:
        folder = store / "captures" / c["started_at"][:10] / c["capture_id"]
        stored = hashlib.sha256((folder / f"{folder.name}.warc.gz").read_bytes()).hexdigest()
        assert c["warc"]["stored_sha256"] == stored == c["warc"]["packaged_sha256"]
        assert (
            c["manifest_sha256"]
            == hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
        )

    # the signature, checked with openssl alone
    signed = digest["signedData"]
    assert signed["created"] == package["created"]
    raw = base64.b64decode(signed["signature"])
    assert len(raw) == 96
    r, s = (int.from_bytes(raw[i : i + 48], "big") for i in (0, 48))
    der = _der_sig(r, s)
    (tmp_path / "sig.der").write_bytes(der)
    pub = base64.b64decode(signed["publicKey"])
    (tmp_path / "pub.der").write_bytes(pub)
    ok = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / "pub.der"),
            "-keyform",
            "DER",
            "-signature",
            str(tmp_path / "sig.der"),
        ],
        input=signed["hash"].encode(),
        capture_output=True,
    )
    assert ok.returncode == 0 and b"Verified OK" in ok.stdout, ok.stdout + ok.stderr

    # one byte changed anywhere in a packaged WARC: validation fails
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(tampered, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == warcs[0]:
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            zout.writestr(info, data)
    assert wacz_validate(tampered).returncode != 0
    assert verify_wacz_fixity(tampered) == [f"{warcs[0]}: sha256 does not match datapackage.json"]


def _der_sig(r: int, s: int) -> bytes:
    def integer(n: int) -> bytes:
        body = n.to_bytes((n.bit_length() + 8) // 8, "big")
        return b"\x02" + bytes([len(body)]) + body

    seq = integer(r) + integer(s)
    return b"\x30" + bytes([len(seq)]) + seq


def test_exported_wacz_redacts_secrets_the_store_keeps(
    site: SiteServer, store: Path, tmp_path: Path
) -> None:
    capture(store, site.url("/cookie"), "--case", "KUE")
    folder, m = only_capture(store)
    secrets = [SECRET_COOKIE.encode(), SECRET_TOKEN.encode()]
    stored = gzip.decompress((folder / f"{folder.name}.warc.gz").read_bytes())
    assert all(secret in stored for secret in secrets)  # as the page sent them
    out = tmp_path / "kue.wacz"
    result = run_cli("export", "--format", "wacz", "--case", "KUE", "--out", str(out), store=store)
    assert result.exit_code == 0, result.output
    assert "secret value(s) redacted" in result.output
    assert wacz_validate(out).returncode == 0
    with zipfile.ZipFile(out) as zf:
        (warc_name,) = [n for n in zf.namelist() if n.startswith("archive/")]
        packaged = zf.read(warc_name)
        package = json.loads(zf.read("datapackage.json"))
    assert not any(secret in gzip.decompress(packaged) for secret in secrets)
    assert b"[redacted by collector]" in gzip.decompress(packaged)
    copy = tmp_path / "copy.warc.gz"
    copy.write_bytes(packaged)
    check = subprocess.run([WARCIO, "check", str(copy)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    (entry,) = package["case"]["captures"]
    assert entry["warc"]["stored_sha256"] != entry["warc"]["packaged_sha256"]
    redacted = {line.rsplit(": ", 1)[1].lower() for line in entry["warc"]["redacted"]}
    # the provenance record holds the manifest's response headers, whose secret values
    # were already replaced by a hash when the page was captured: nothing left to redact
    assert redacted == {"set-cookie", "cookie", "authorization"}
    assert b"[redacted by collector] sha256:" in stored
    # the stored original is untouched
    assert hashlib.sha256((folder / f"{folder.name}.warc.gz").read_bytes()).hexdigest() == next(
        a["sha256"] for a in m["artifacts"] if a["name"] == f"{folder.name}.warc.gz"
    )


def test_export_refuses_tampered_evidence_and_bad_requests(
    site: SiteServer, store: Path, tmp_path: Path
) -> None:
    capture(store, site.url("/final"), "--case", "K1")
    (folder,) = capture_folders(store)
    out = tmp_path / "k1.wacz"
    assert (
        run_cli(
            "export", "--format", "wacz", "--case", "NOPE", "--out", str(out), store=store
        ).exit_code
        == 2
    )
    other = run_cli(
        "export",
        "--format",
        "wacz",
        "--case",
        "K2",
        "--capture",
        folder.name,
        "--out",
        str(out),
        store=store,
    )
    assert other.exit_code == 2 and "do not belong to case" in other.output
    out.write_bytes(b"")
    exists = run_cli("export", "--format", "wacz", "--case", "K1", "--out", str(out), store=store)
    assert exists.exit_code == 2 and "refusing to overwrite" in exists.output
    out.unlink()
    warc = folder / f"{folder.name}.warc.gz"
    folder.chmod(0o755)
    warc.chmod(0o644)
    data = bytearray(warc.read_bytes())
    data[-40] ^= 1
    warc.write_bytes(bytes(data))
    tampered = run_cli("export", "--format", "wacz", "--case", "K1", "--out", str(out), store=store)
    assert tampered.exit_code == 3 and f"{folder.name}.warc.gz" in tampered.output
    assert not out.exists() and not list(tmp_path.glob("wacz-*"))
    warc.unlink()  # the store teardown would (rightly) reject the tampered WARC


def test_a_store_written_before_with_archive_warc_gz_still_exports(
    site: SiteServer, store: Path, tmp_path: Path
) -> None:
    """Captures filed before WARCs were named after their capture hold `archive.warc.gz`:
    made here as that collector wrote them (manifest, SHA256SUMS, index), they still export."""
    capture(store, site.url("/final"), "--case", "LAMA")
    folder, m = only_capture(store)
    new = f"{m['capture_id']}.warc.gz"
    folder.chmod(0o755)
    for p in folder.iterdir():
        p.chmod(0o644)
    (folder / new).rename(folder / "archive.warc.gz")
    for artifact in m["artifacts"]:
        if artifact["name"] == new:
            artifact["name"] = "archive.warc.gz"
    m["archive"]["file"] = "archive.warc.gz"
    (folder / "manifest.json").write_text(json.dumps(m, indent=2, ensure_ascii=False), "utf-8")
    sums = (folder / "SHA256SUMS").read_text().replace(f"  {new}\n", "  archive.warc.gz\n")
    lines = [ln for ln in sums.splitlines() if not ln.endswith("  manifest.json")]
    digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    (folder / "SHA256SUMS").write_text("\n".join([*lines, f"{digest}  manifest.json"]) + "\n")
    assert run_cli("reindex", store=store).exit_code == 0
    assert "archive.warc.gz" in run_cli("show", m["capture_id"], store=store).output
    out = tmp_path / "lama.wacz"
    result = run_cli("export", "--format", "wacz", "--case", "LAMA", "--out", str(out), store=store)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        assert f"archive/{m['capture_id']}.warc.gz" in zf.namelist()
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()[1:]]
    assert [p["url"] for p in pages] == [site.url("/final")]
    assert wacz_validate(out).returncode == 0
