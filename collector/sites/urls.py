"""What collector agrees to capture: public http(s) URLs, nothing else.

Captured pages are hostile input, and so are the URLs people paste from chat messages:
`file:`, `javascript:`, `data:`, `chrome:`, `about:` and the like are refused before a
browser ever sees them.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from collector.errors import TargetRefused

ALLOWED_SCHEMES = frozenset({"http", "https"})


def normalise_target(raw: str) -> str:
    """Return the URL to capture, or raise TargetRefused saying why.

    A bare host such as `instagram.com/akun` is taken as https, as a browser would.
    """
    text = raw.strip()
    if not text:
        raise TargetRefused("empty URL")
    if any(ch in text for ch in "\x00\r\n\t") or any(ord(ch) < 0x20 for ch in text):
        raise TargetRefused(f"URL contains control characters: {text!r}")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if not scheme or (scheme not in ALLOWED_SCHEMES and "." in scheme):
        # "instagram.com/x" has no scheme; "www.x.com:8080/p" parses as scheme "www.x.com"
        parts = urlsplit("https://" + text)
        scheme = "https"
    if scheme not in ALLOWED_SCHEMES:
        raise TargetRefused(
            f"refusing {scheme}: URL {text!r}: only http and https pages are captured"
        )
    host = parts.hostname
    if not host:
        raise TargetRefused(f"URL has no host: {text!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"URL has an invalid port: {text!r}") from exc
    if not _valid_host(host):
        raise TargetRefused(f"URL has an invalid host {host!r}: {text!r}")
    netloc = parts.netloc.rsplit("@", 1)[-1]  # never carry credentials into evidence
    if port is not None and f":{port}" not in netloc:
        netloc = f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def is_capturable(url: str) -> bool:
    try:
        normalise_target(url)
    except TargetRefused:
        return False
    return True


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if len(host) > 253:
        return False
    labels = host.rstrip(".").split(".")
    for label in labels:
        if not label or len(label) > 63 or label.startswith("-") or label.endswith("-"):
            return False
        if not all(ch.isalnum() or ch in "-_" for ch in label):
            return False
    return True


def redact_url_credentials(url: str) -> str:
    """`socks5://user:pw@host:1080` -> `socks5://host:1080`, for the manifest."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
