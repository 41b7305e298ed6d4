"""How a capture's page reached the browser, as a court asks about it: the redirect chain,
TLS, and whether certificate checks were on. One reading of the manifest for `collector
show` and the case report, with the warnings to put in front of a reader when something
weakens the evidence (checks off, a certificate outside its validity, HTTPS given up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Warning_:
    """A fact that weakens the evidence, in Bahasa Indonesia and English."""

    key: str
    id: str
    en: str


@dataclass(frozen=True)
class Transport:
    redirects: tuple[Mapping[str, Any], ...]  # each hop: url, status, status_text, location
    tls: Mapping[str, Any] | None  # protocol, issuer, subjectName, validFrom, validTo
    scheme: str  # of the final URL
    checks_off: bool  # --ignore-https-errors
    warnings: tuple[Warning_, ...]

    def tls_line(self) -> str:
        """One line, English: protocol, issuer, subject, validity; or why there is none."""
        if self.tls:
            t = self.tls
            return (
                f"{t.get('protocol') or '?'}, issuer {t.get('issuer') or '?'}, subject "
                f"{t.get('subjectName') or '?'}, valid {t.get('validFrom') or '?'} to "
                f"{t.get('validTo') or '?'}"
            )
        if self.scheme == "http":
            return "none: plain HTTP"
        return "not recorded"


CHECKS_OFF = Warning_(
    "certificate_checks_off",
    "Pemeriksaan sertifikat DIMATIKAN (--ignore-https-errors): peramban menerima sertifikat "
    "apa pun, jadi identitas server tidak diverifikasi dan halaman bisa saja disajikan oleh "
    "pihak di tengah jalur.",
    "Certificate checks were OFF (--ignore-https-errors): the browser accepted any "
    "certificate, so the server's identity was not verified and the page could have been "
    "served by someone in between.",
)


def transport(manifest: Mapping[str, Any]) -> Transport:
    response = manifest.get("response") or {}
    options = manifest.get("options") or {}
    redirects = tuple(manifest.get("redirects") or ())
    tls = response.get("tls") or None
    final = str(manifest.get("final_url") or manifest.get("requested_url") or "")
    scheme = urlsplit(final).scheme.lower()
    warnings: list[Warning_] = []
    checks_off = bool(options.get("ignore_https_errors"))
    if checks_off:
        warnings.append(CHECKS_OFF)
    started = str(manifest.get("started_at") or "")
    if tls and started:
        valid_from, valid_to = str(tls.get("validFrom") or ""), str(tls.get("validTo") or "")
        # RFC 3339 UTC strings of one format compare as times
        if (valid_to and started > valid_to) or (valid_from and started < valid_from):
            warnings.append(
                Warning_(
                    "certificate_not_valid",
                    f"Sertifikat server TIDAK BERLAKU pada waktu perekaman (berlaku "
                    f"{valid_from} s.d. {valid_to}).",
                    f"The server's certificate was NOT VALID at capture time (valid "
                    f"{valid_from} to {valid_to}).",
                )
            )
    schemes = [urlsplit(str(manifest.get("requested_url") or "")).scheme.lower()]
    schemes += [urlsplit(str(hop.get("url") or "")).scheme.lower() for hop in redirects]
    schemes.append(scheme)
    if "https" in schemes and scheme == "http":
        warnings.append(
            Warning_(
                "https_downgrade",
                "Pengalihan dari HTTPS ke HTTP biasa: halaman akhir datang tanpa enkripsi.",
                "Redirected from HTTPS to plain HTTP: the final page came unencrypted.",
            )
        )
    return Transport(redirects, tls, scheme, checks_off, tuple(warnings))
