"""What a court asks about how a page arrived (issue 14, item 6): the redirect chain, TLS,
and certificate checks switched off, shown in `collector show` and the case report, with a
warning first when something weakens the evidence."""

from __future__ import annotations

import html
import re
from pathlib import Path

from collector.review.transport import transport
from tests.support.helpers import capture_folders, run_cli
from tests.support.site import SiteServer


def capture(store: Path, url: str, *args: str) -> str:
    result = run_cli("capture", url, "--case", "TLS-1", *args, store=store)
    assert result.exit_code == 0, result.output
    folder = next(f for f in capture_folders(store) if url in (f / "manifest.json").read_text())
    return folder.name


def report_text(store: Path, tmp_path: Path) -> str:
    out = tmp_path / "laporan.html"
    assert run_cli("report", "--case", "TLS-1", "--out", str(out), store=store).exit_code == 0
    page = html.unescape(re.sub(r"<[^>]+>", " ", out.read_text("utf-8")))
    return " ".join(page.split())


def test_certificate_checks_off_are_shown_first(
    tls_site: SiteServer, site: SiteServer, store: Path, tmp_path: Path
) -> None:
    insecure = capture(store, tls_site.url("/page/indonesian"), "--ignore-https-errors")
    plain = capture(store, site.url("/page/indonesian"))

    shown = run_cli("show", insecure, store=store).output
    lines = shown.splitlines()
    warning = next(i for i, line in enumerate(lines) if line.startswith("WARNING"))
    assert "Certificate checks were OFF (--ignore-https-errors)" in lines[warning]
    assert "Pemeriksaan sertifikat DIMATIKAN" in lines[warning + 1]
    assert warning < next(i for i, line in enumerate(lines) if line.startswith("requested"))
    tls_line = next(line for line in lines if line.startswith("tls "))
    assert tls_line.startswith("tls       TLS 1.3, issuer 127.0.0.1, subject 127.0.0.1, valid 2")
    assert "certs     checks OFF (--ignore-https-errors)" in shown

    other = run_cli("show", plain, store=store).output
    assert "WARNING" not in other
    assert "tls       none: plain HTTP" in other
    assert "certs     checked by the browser" in other

    text = report_text(store, tmp_path)
    assert text.count("PERINGATAN: Pemeriksaan sertifikat DIMATIKAN") == 1  # that capture only
    assert "WARNING: Certificate checks were OFF (--ignore-https-errors)" in text
    assert "(LIHAT PERINGATAN / SEE WARNING)" in text  # in the summary table too
    assert "Pemeriksaan sertifikat / Certificate checks DIMATIKAN / OFF" in text
    assert "Tidak ada: HTTP biasa, tanpa enkripsi / None: plain HTTP, unencrypted" in text
    assert "TLS TLS 1.3 Penerbit / Issuer : 127.0.0.1 Subjek / Subject : 127.0.0.1" in text


def test_redirect_chain_in_show_and_report(site: SiteServer, store: Path, tmp_path: Path) -> None:
    cid = capture(store, site.url("/redirect/2"))
    shown = run_cli("show", cid, store=store).output
    assert "redirects 2, in order:" in shown
    hops = [line for line in shown.splitlines() if line.startswith("  via")]
    assert hops == [
        f"  via     302 {site.url('/redirect/2')} -> /redirect/1",
        f"  via     307 {site.url('/redirect/1')} -> /final",
    ]
    text = report_text(store, tmp_path)
    assert "Pengalihan / Redirects" in text
    assert site.url("/redirect/2") in text and site.url("/redirect/1") in text
    assert "WARNING" not in text


def test_warnings_from_the_manifest() -> None:
    base = {
        "requested_url": "https://a.example/",
        "final_url": "https://a.example/",
        "started_at": "2026-11-25T05:03:05.090Z",
        "options": {"ignore_https_errors": False},
        "response": {
            "tls": {
                "protocol": "TLS 1.3",
                "issuer": "CA",
                "subjectName": "a.example",
                "validFrom": "2026-01-01T00:00:00.000Z",
                "validTo": "2026-06-01T00:00:00.000Z",
            }
        },
    }
    assert [w.key for w in transport(base).warnings] == ["certificate_not_valid"]
    downgraded = {
        **base,
        "final_url": "http://a.example/",
        "response": {"tls": None},
        "redirects": [
            {"url": "https://a.example/", "status": 301, "location": "http://a.example/"}
        ],
    }
    assert [w.key for w in transport(downgraded).warnings] == ["https_downgrade"]
    fine = {
        **base,
        "response": {"tls": {**base["response"]["tls"], "validTo": "2027-01-01T00:00:00.000Z"}},
    }  # type: ignore[dict-item]
    assert transport(fine).warnings == ()
