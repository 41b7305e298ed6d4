from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.evidence.warc import ArchiveError
from collector.export.wacz_writer import (
    INDEX_PATH,
    Page,
    WaczSummary,
    WaczWarc,
    cdxj_index,
    public_key_b64,
    surt,
    verify_wacz_fixity,
    verify_wacz_signature,
    write_wacz,
)
from tests.support.tools import tool
from tests.support.warc_fixtures import (
    API_URL,
    CAPTURE_ID,
    IMAGE_URL,
    PAGE_URL,
    REDIRECT_URL,
    STARTED,
    Capture,
    write_capture,
)

WACZ = tool("wacz")
CDXJ_INDEXER = tool("cdxj-indexer")
CREATED = datetime(2026, 11, 25, 1, 16, 2, 500000, tzinfo=UTC)
PAGE = Page(url=PAGE_URL, ts=STARTED, title="Postingan Caleg 🇮🇩", id="page-1")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.Example.com/Path/A?b=2&a=1#frag", "com,example)/path/a?a=1&b=2"),
        ("http://example.com", "com,example)/"),
        ("https://www2.example.com:443/", "com,example)/"),
        ("http://m.facebook.com:8080/Foo?Z=1&a=2", "com,facebook,m:8080)/foo?a=2&z=1"),
        ("https://www.instagram.com/p/ABC123/", "com,instagram)/p/abc123/"),
        ("https://x.com/Bawaslu_RI/status/1?s=20&t=x", "com,x)/bawaslu_ri/status/1?s=20&t=x"),
        ("https://wwwx.example.com/", "com,example,wwwx)/"),
        ("https://example.com./a?", "com,example)/a"),
        ("urn:collector:abc/screenshot.png", "urn:collector:abc/screenshot.png"),
    ],
)
def test_surt(url: str, key: str) -> None:
    assert surt(url) == key


@pytest.fixture
def capture(tmp_path: Path) -> Capture:
    return write_capture(tmp_path)


@pytest.fixture(params=["genpkey", "ecparam"])
def p384_key(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """PKCS#8 and SEC1 ("EC PRIVATE KEY") encodings both have to work."""
    key = tmp_path / f"{request.param}.pem"
    if request.param == "genpkey":
        cmd = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
    else:
        cmd = ["ecparam", "-name", "secp384r1", "-genkey", "-noout"]
    subprocess.run(["openssl", *cmd, "-out", str(key)], check=True, capture_output=True)
    return key


def build(capture: Capture, out: Path, sign_key: Path | None = None) -> WaczSummary:
    return write_wacz(
        out,
        warcs=[WaczWarc("capture.warc.gz", capture.warc, capture.summary)],
        pages=[PAGE],
        title="Bukti: postingan kampanye",
        description="Tangkapan halaman publik untuk perkara **12/PL/PP/2029**.",
        software="collector 0.1.0",
        created=CREATED,
        extra={"case": {"number": "12/PL/PP/2029", "capture_id": CAPTURE_ID}},
        sign_key=sign_key,
    )


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WACZ, "validate", "-f", str(path)], capture_output=True, text=True, check=False
    )


def rewrite_zip(src: Path, dst: Path, change: Callable[[str, bytes], bytes]) -> None:
    """Copy a zip entry by entry, letting `change` alter contents; keeps entry order/modes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, change(info.filename, zin.read(info.filename)))


def flip_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_wacz_validate_passes(capture: Capture, tmp_path: Path) -> None:
    out = tmp_path / "bukti.wacz"
    summary = build(capture, out)
    result = validate(out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout
    assert summary.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert summary.public_key is None
    assert verify_wacz_fixity(out) == []
    assert not (tmp_path / "bukti.wacz.part").exists()


def test_layout_and_compression(capture: Capture, tmp_path: Path) -> None:
    out = tmp_path / "bukti.wacz"
    build(capture, out)
    with zipfile.ZipFile(out) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert list(infos) == [
            "archive/capture.warc.gz",
            "indexes/index.cdx",
            "pages/pages.jsonl",
            "datapackage.json",
            "datapackage-digest.json",
        ]
        assert infos["archive/capture.warc.gz"].compress_type == zipfile.ZIP_STORED
        # plain CDXJ named .cdx: what pywb's `wb-manager add --unpack-wacz` picks up (its
        # regex below) and what wabac.js (ReplayWeb.page) loads without a ZipNum .idx
        assert re.fullmatch(r".+\.cdx(\.gz)?", INDEX_PATH) and INDEX_PATH.endswith(".cdx")
        assert infos[INDEX_PATH].compress_type == zipfile.ZIP_DEFLATED
        assert zf.read("archive/capture.warc.gz") == capture.warc.read_bytes()
        package = json.loads(zf.read("datapackage.json"))
        digest = json.loads(zf.read("datapackage-digest.json"))
        for res in package["resources"]:
            data = zf.read(res["path"])
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert res["bytes"] == len(data)
        assert digest == {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest(),
        }
    assert package["profile"] == "data-package"
    assert package["wacz_version"] == "1.1.1"
    assert package["created"] == "2026-11-25T01:16:02.500Z"
    assert package["software"] == "collector 0.1.0"
    assert package["mainPageUrl"] == PAGE_URL
    assert package["mainPageDate"] == "2026-11-25T01:15:30.123Z"
    assert package["case"]["number"] == "12/PL/PP/2029"
    assert [r["path"] for r in package["resources"]] == [
        "archive/capture.warc.gz",
        "indexes/index.cdx",
        "pages/pages.jsonl",
    ]


def test_pages_jsonl(capture: Capture, tmp_path: Path) -> None:
    out = tmp_path / "bukti.wacz"
    build(capture, out)
    with zipfile.ZipFile(out) as zf:
        lines = zf.read("pages/pages.jsonl").decode("utf-8").splitlines()
    assert json.loads(lines[0]) == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    assert [json.loads(line) for line in lines[1:]] == [
        {
            "id": "page-1",
            "url": PAGE_URL,
            "ts": "2026-11-25T01:15:30.123Z",
            "title": "Postingan Caleg 🇮🇩",
        }
    ]


def test_cdxj_lists_the_page_and_matches_cdxj_indexer(capture: Capture, tmp_path: Path) -> None:
    out = tmp_path / "bukti.wacz"
    build(capture, out)
    with zipfile.ZipFile(out) as zf:
        text = zf.read("indexes/index.cdx").decode("utf-8")
    lines = text.splitlines()
    assert text.endswith("\n")
    assert lines == sorted(lines)
    entries = {}
    for line in lines:
        key, ts, blob = line.split(" ", 2)
        fields = json.loads(blob)
        entries[fields["url"]] = (key, ts, fields)

    key, ts, page = entries[PAGE_URL]
    assert key == "com,instagram)/p/abc123/"
    assert ts == "20261125011530"
    assert page["status"] == "200"
    assert page["mime"] == "text/html"
    assert page["filename"] == "capture.warc.gz"
    assert entries[REDIRECT_URL][2]["status"] == "301"
    assert entries[API_URL][0] == "com,instagram)/api/graphql?__wb_method=post"
    assert entries[f"urn:collector:{CAPTURE_ID}/screenshot.png"][2]["mime"] == "image/png"
    assert IMAGE_URL in entries

    # Offsets, lengths, statuses and payload digests must agree with pywb's indexer
    # reading the WARC itself.
    result = subprocess.run(
        [CDXJ_INDEXER, str(capture.warc)], capture_output=True, text=True, check=True
    )
    theirs = {}
    for line in result.stdout.splitlines():
        fields = json.loads(line.split(" ", 2)[2])
        theirs[fields["url"]] = fields
    assert set(theirs) == set(entries)
    for url, (_, _, ours) in entries.items():
        for name in ("offset", "length", "status", "mime"):
            assert ours.get(name) == theirs[url].get(name), (url, name)
        if not url.endswith("/metadata"):  # no payload digest in the WARC: it makes a sha1
            assert ours["digest"] == theirs[url]["digest"]


def test_cdxj_index_is_pure_function_of_summaries(capture: Capture) -> None:
    first = cdxj_index([("a.warc.gz", capture.warc, capture.summary)])
    assert first == cdxj_index([WaczWarc("a.warc.gz", capture.warc, capture.summary)])
    assert all('"filename": "a.warc.gz"' in line for line in first)


@pytest.mark.parametrize(
    ("where", "clean_report"),
    [
        # Byte 4 is the first gzip member's MTIME: gzip and the WARC digests cannot notice,
        # only the datapackage hash does.
        (lambda data: 4, True),
        # Mid-file the deflate stream breaks; py-wacz's frictionless step may then crash
        # instead of reporting, but it must still fail.
        (lambda data: len(data) // 2, False),
    ],
)
def test_one_byte_change_in_archived_warc_fails_validation(
    capture: Capture, tmp_path: Path, where: Callable[[bytes], int], clean_report: bool
) -> None:
    good = tmp_path / "bukti.wacz"
    bad = tmp_path / "tampered.wacz"
    build(capture, good)
    rewrite_zip(
        good,
        bad,
        lambda name, data: flip_byte(data, where(data)) if name.startswith("archive/") else data,
    )
    assert validate(good).returncode == 0
    result = validate(bad)
    assert result.returncode != 0
    if clean_report:
        assert "Validation failed" in result.stdout
    assert verify_wacz_fixity(bad) == [
        "archive/capture.warc.gz: sha256 does not match datapackage.json"
    ]


def _raw_to_der(raw: bytes) -> bytes:
    """Independent of the module under test: build the DER SEQUENCE of two INTEGERs."""

    def integer(value: int) -> bytes:
        body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # +1 keeps it positive
        return bytes([0x02, len(body)]) + body

    half = len(raw) // 2
    seq = integer(int.from_bytes(raw[:half], "big")) + integer(int.from_bytes(raw[half:], "big"))
    return bytes([0x30, len(seq)]) + seq


def test_signature_verifies_with_openssl(capture: Capture, tmp_path: Path, p384_key: Path) -> None:
    out = tmp_path / "signed.wacz"
    summary = build(capture, out, sign_key=p384_key)
    assert validate(out).returncode == 0

    with zipfile.ZipFile(out) as zf:
        datapackage = zf.read("datapackage.json")
        digest = json.loads(zf.read("datapackage-digest.json"))
    signed = digest["signedData"]
    dp_hash = "sha256:" + hashlib.sha256(datapackage).hexdigest()
    assert signed["hash"] == digest["hash"] == dp_hash == summary.datapackage_hash
    assert signed["created"] == json.loads(datapackage)["created"] == "2026-11-25T01:16:02.500Z"
    assert signed["software"] == "collector 0.1.0"
    assert signed["publicKey"] == summary.public_key == public_key_b64(p384_key)
    raw = base64.b64decode(signed["signature"])
    assert len(raw) == 96  # r||s, 48 bytes each

    # Verify by hand with openssl: public key from the private key, DER signature built here.
    pub = tmp_path / "pub.pem"
    subprocess.run(
        ["openssl", "pkey", "-in", str(p384_key), "-pubout", "-out", str(pub)], check=True
    )
    der_pub = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(pub), "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    assert base64.b64decode(signed["publicKey"]) == der_pub
    sig = tmp_path / "sig.der"
    sig.write_bytes(_raw_to_der(raw))
    check = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", str(pub), "-signature", str(sig)],
        input=dp_hash.encode(),
        capture_output=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert b"Verified OK" in check.stdout

    assert verify_wacz_signature(out) is True
    assert verify_wacz_signature(out, public_key=public_key_b64(p384_key)) is True


def test_signature_fails_after_tampering(capture: Capture, tmp_path: Path, p384_key: Path) -> None:
    out = tmp_path / "signed.wacz"
    build(capture, out, sign_key=p384_key)

    edited = tmp_path / "edited-datapackage.wacz"
    rewrite_zip(
        out,
        edited,
        lambda name, data: (
            data.replace(b"12/PL/PP/2029", b"13/PL/PP/2029") if name == "datapackage.json" else data
        ),
    )
    assert verify_wacz_signature(edited) is False
    assert validate(edited).returncode != 0  # digest no longer matches

    def resign_digest_only(name: str, data: bytes) -> bytes:
        # A forger who also updates the hash still cannot produce the signature.
        if name == "datapackage.json":
            return data.replace(b"12/PL/PP/2029", b"13/PL/PP/2029")
        if name == "datapackage-digest.json":
            with zipfile.ZipFile(out) as zf:
                forged = zf.read("datapackage.json").replace(b"12/PL/PP/2029", b"13/PL/PP/2029")
            new_hash = "sha256:" + hashlib.sha256(forged).hexdigest()
            digest = json.loads(data)
            digest["hash"] = digest["signedData"]["hash"] = new_hash
            return json.dumps(digest).encode()
        return data

    forged = tmp_path / "forged.wacz"
    rewrite_zip(out, forged, resign_digest_only)
    assert validate(forged).returncode == 0  # wacz validate skips the signature itself
    assert verify_wacz_signature(forged) is False

    def flip_signature(name: str, data: bytes) -> bytes:
        if name != "datapackage-digest.json":
            return data
        digest = json.loads(data)
        raw = base64.b64decode(digest["signedData"]["signature"])
        digest["signedData"]["signature"] = base64.b64encode(flip_byte(raw, 10)).decode()
        return json.dumps(digest).encode()

    bad_sig = tmp_path / "bad-signature.wacz"
    rewrite_zip(out, bad_sig, flip_signature)
    assert verify_wacz_signature(bad_sig) is False

    other_key = tmp_path / "other.pem"
    subprocess.run(
        ["openssl", "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", str(other_key)],
        check=True,
    )
    assert verify_wacz_signature(out, public_key=public_key_b64(other_key)) is False


def test_unsigned_wacz_does_not_verify(capture: Capture, tmp_path: Path) -> None:
    out = tmp_path / "unsigned.wacz"
    build(capture, out)
    assert verify_wacz_signature(out) is False
    not_zip = tmp_path / "not.wacz"
    not_zip.write_bytes(b"hello")
    with pytest.raises(ArchiveError):
        verify_wacz_signature(not_zip)


def test_rejects_wrong_curve_and_encrypted_keys(capture: Capture, tmp_path: Path) -> None:
    p256 = tmp_path / "p256.pem"
    subprocess.run(
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(p256)],
        check=True,
    )
    with pytest.raises(ArchiveError, match="P-384"):
        build(capture, tmp_path / "x.wacz", sign_key=p256)
    encrypted = tmp_path / "enc.pem"
    genpkey = ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
    subprocess.run(
        [*genpkey, "-aes256", "-pass", "pass:rahasia", "-out", str(encrypted)], check=True
    )
    with pytest.raises(ArchiveError, match="passphrase"):
        build(capture, tmp_path / "y.wacz", sign_key=encrypted)
    assert not (tmp_path / "x.wacz").exists()
    assert not (tmp_path / "y.wacz.part").exists()


def test_refuses_warc_that_does_not_match_its_summary(capture: Capture, tmp_path: Path) -> None:
    data = capture.warc.read_bytes()
    capture.warc.write_bytes(flip_byte(data, 100))
    with pytest.raises(ArchiveError, match="does not match"):
        build(capture, tmp_path / "bukti.wacz")
    assert not (tmp_path / "bukti.wacz").exists()
    assert not (tmp_path / "bukti.wacz.part").exists()


def test_argument_checks(capture: Capture, tmp_path: Path) -> None:
    common = {
        "pages": [PAGE],
        "title": "t",
        "description": "d",
        "software": "s",
        "created": CREATED,
    }
    with pytest.raises(ArchiveError):
        write_wacz(tmp_path / "a.wacz", warcs=[], **common)  # type: ignore[arg-type]
    with pytest.raises(ArchiveError):
        write_wacz(
            tmp_path / "a.wacz",
            warcs=[("../evil.warc.gz", capture.warc, capture.summary)],
            **common,  # type: ignore[arg-type]
        )
    with pytest.raises(ArchiveError):
        write_wacz(
            tmp_path / "a.wacz",
            warcs=[("a.warc.gz", capture.warc, capture.summary)],
            pages=[PAGE],
            title="t",
            description="d",
            software="s",
            created=datetime(2026, 11, 25),
        )
    with pytest.raises(ArchiveError, match="reserved"):
        write_wacz(
            tmp_path / "a.wacz",
            warcs=[("a.warc.gz", capture.warc, capture.summary)],
            extra={"resources": []},
            **common,  # type: ignore[arg-type]
        )


def documented_script() -> str:
    """check-wacz-signature.sh exactly as docs/archive.md prints it."""
    text = (Path(__file__).resolve().parents[3] / "docs" / "archive.md").read_text("utf-8")
    start = text.index("$ cat check-wacz-signature.sh\n") + len("$ cat check-wacz-signature.sh\n")
    end = text.index("$ sh check-wacz-signature.sh", start)
    return text[start:end]


@pytest.mark.parametrize("p384_key", ["genpkey"], indirect=True)
def test_documented_offline_signature_check_works(
    capture: Capture, tmp_path: Path, p384_key: Path
) -> None:
    """The recipient's offline check of an anonymous signature (wacz validate --verify-auth
    cannot do it): python3's standard library and openssl, run as the docs print it."""
    script = tmp_path / "check-wacz-signature.sh"
    script.write_text(documented_script())
    signed = tmp_path / "signed.wacz"
    summary = build(capture, signed, sign_key=p384_key)

    def run(wacz: Path) -> subprocess.CompletedProcess[str]:
        work = tmp_path / f"run-{wacz.stem}"
        work.mkdir()
        return subprocess.run(
            ["sh", str(script), str(wacz)], cwd=work, capture_output=True, text=True
        )

    ok = run(signed)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.endswith("Verified OK\n")
    assert f"public key {summary.public_key}\n" in ok.stdout
    assert "3 files match datapackage.json " + summary.datapackage_hash in ok.stdout

    def rewritten(name: str, change: Any) -> Path:
        out = tmp_path / name
        with zipfile.ZipFile(signed) as zin, zipfile.ZipFile(out, "w") as zout:
            for info in zin.infolist():
                zout.writestr(info, change(info.filename, zin.read(info.filename)))
        return out

    def other_signature(name: str, data: bytes) -> bytes:
        if name != "datapackage-digest.json":
            return data
        digest = json.loads(data)
        raw = base64.b64decode(digest["signedData"]["signature"])
        digest["signedData"]["signature"] = base64.b64encode(flip_byte(raw, 10)).decode()
        return json.dumps(digest).encode()

    forged = run(rewritten("forged.wacz", other_signature))
    assert forged.returncode != 0 and "Verified OK" not in forged.stdout
    assert "Verification failure" in forged.stdout + forged.stderr

    def other_warc(name: str, data: bytes) -> bytes:
        return flip_byte(data, 200) if name.startswith("archive/") else data

    changed = run(rewritten("changed.wacz", other_warc))
    assert changed.returncode != 0 and "Verified OK" not in changed.stdout
    assert "archive/capture.warc.gz differs from datapackage.json" in changed.stderr
