"""The one URL policy: which URLs collector opens (capture targets and watch-list URLs
alike), and the one strict reading and redaction of proxy URLs.

Captured pages are hostile input, and so are the URLs people paste from chat messages.
The policy (docs/urls.md says why each rule is there):

- only `http` and `https`; `file:`, `javascript:`, `data:`, `chrome:`, `about:`,
  `view-source:`, `ftp:` and every other scheme are refused before a browser sees them.
  The scheme is read after Unicode NFKC, so `file:` written in full-width letters is `file:`, not a
  host name; the message quotes what was given;
- a URL without a scheme (`instagram.com/budi`) is taken as `https://`, as a browser would;
- a user name or password in the URL is refused (it would be sent to the site and written
  into the evidence); no message ever repeats it;
- no whitespace or control characters, a valid port, a valid host;
- the host must be plausible: it has a dot, or is `localhost`, or an IP address. A bare
  word (`notaurl`) is almost always a typo; callers may allow it (`--allow-bare-host`).

Proxy URLs (`--proxy`, a watch list's `[proxy]`) are read by `parse_proxy` only, and
shown or stored only as `redact_proxy` gives them: the server without credentials.

Browser endpoints (`--browser-endpoint`, docs/browsers.md) are read by
`parse_browser_endpoint` only: `ws://` or `wss://`, no user name or password; an
`executable=` query parameter is collector's own hint (what the worker's launch config
names; removed before connecting). They are shown or stored only as `redact_endpoint`
gives them: the path Playwright's server puts its random token in, and every other query
value, become `[redacted]`.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from collector.errors import TargetRefused, UsageError

__all__ = [
    "ALLOWED_SCHEMES",
    "PROXY_SCHEMES",
    "BrowserEndpoint",
    "Proxy",
    "check_url",
    "normalise_target",
    "parse_browser_endpoint",
    "parse_proxy",
    "redact_endpoint",
    "redact_proxy",
    "redact_url_credentials",
    "refused_scheme",
]

ALLOWED_SCHEMES: Final = frozenset({"http", "https"})
PROXY_SCHEMES: Final = ("http", "https", "socks4", "socks5")

# A scheme as RFC 3986 spells it, read at the start of the NFKC-normalised text.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def _has_space_or_control(text: str) -> bool:
    return any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text)


def check_url(raw: str, *, allow_bare_host: bool = False) -> SplitResult:
    """The parts of a URL collector may open (scheme lower-cased, `https` added when
    missing), or TargetRefused saying why, without repeating any credentials."""
    text = raw.strip()
    shown = _shown(text)
    if not text:
        raise TargetRefused("empty URL")
    if _has_space_or_control(text):
        raise TargetRefused(f'URL "{shown}" contains whitespace or control characters')
    folded = unicodedata.normalize("NFKC", text)
    hit = _SCHEME.match(folded)
    scheme = hit.group(1).lower() if hit else ""
    if "." in scheme:
        scheme = ""  # "www.x.com:8080/p" reads as scheme "www.x.com": it is a host and port
    if scheme and scheme not in ALLOWED_SCHEMES:
        raise TargetRefused(f'URL "{shown}" must be http or https, not "{scheme}:"')
    if not scheme:
        text = "https://" + text
    elif text[: len(scheme) + 1].lower() != scheme + ":":
        # NFKC made the scheme (full-width "https"): a browser would not read one there
        raise TargetRefused(f'URL "{shown}": write its scheme in plain letters')
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise TargetRefused(f'malformed URL "{shown}": {exc}') from None
    parts = parts._replace(scheme=parts.scheme.lower())
    host = parts.hostname
    if not host:
        raise TargetRefused(f'URL "{shown}" has no host')
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(
            f'URL "{shown}" must not contain credentials (a user name or password): '
            "they would be sent to the site and written into the evidence"
        )
    if not _valid_host(host):
        raise TargetRefused(f'URL "{shown}" has an invalid host "{host}"')
    if not allow_bare_host and not _plausible_host(host):
        raise TargetRefused(
            f'URL "{shown}": "{host}" is not a plausible host '
            "(no dot, not localhost, not an IP address)"
        )
    return parts


def normalise_target(raw: str, *, allow_bare_host: bool = False) -> str:
    """The URL to capture, as given but with its scheme (`https` when missing) in lower
    case and an empty path as `/`; or TargetRefused (see `check_url`)."""
    parts = check_url(raw, allow_bare_host=allow_bare_host)
    netloc, port = parts.netloc, parts.port
    if port is not None and not netloc.endswith(f":{port}"):
        host = parts.hostname or ""
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # ":080" -> ":80"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def refused_scheme(url: str) -> str | None:
    """The scheme of `url` (read after NFKC, lower-cased) when it is one collector refuses;
    None for http, https or no scheme at all."""
    # a browser drops tabs and line breaks anywhere in a URL: "java\nscript:" is javascript:
    text = re.sub(r"[\t\n\r]", "", url).strip()
    hit = _SCHEME.match(unicodedata.normalize("NFKC", text))
    if hit is None:
        return None
    scheme = hit.group(1).lower()
    return None if scheme in ALLOWED_SCHEMES else scheme


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


def _plausible_host(host: str) -> bool:
    name = host.rstrip(".")
    if "." in name or name.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _shown(text: str) -> str:
    """`text` fit for a message: whatever may be a user name or password becomes `***`.

    An unencoded "/", "?", "#" or "@" in a password moves where a parser ends the host, so
    when the part before the first "/" holds an "@", or a ":" that is not a port, the
    secret is taken to run to the last "@" of all: better too much hidden than a password
    shown."""
    head, sep, rest = text.partition("://")
    if not sep:
        head, rest = "", text
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo_like = "@" in authority or re.search(r":(?!\d*$)", authority) is not None
    if not userinfo_like or "@" not in rest:
        return text
    return f"{head}{sep}***@{rest[rest.rfind('@') + 1 :]}"


def redact_url_credentials(url: str) -> str:
    """`https://user:pw@tsa.example/x` -> `https://tsa.example/x`, for the manifest."""
    try:
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
    except ValueError:
        return _shown(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# -- proxies ------------------------------------------------------------------------


@dataclass(frozen=True)
class Proxy:
    """A proxy URL read strictly; `server` is the only form ever shown or stored."""

    scheme: str
    host: str  # an IPv6 address without brackets
    port: int | None
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def server(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + (f":{self.port}" if self.port is not None else "")

    def __str__(self) -> str:
        return self.server


def parse_proxy(text: str) -> Proxy:
    """`scheme://[user[:password]@]host[:port]`, or UsageError showing no secret.

    Ambiguous URLs are refused, not guessed: an unencoded "@" or "/" in a password makes
    `urlsplit` read part of the password as the host (a DNS lookup of a secret) and the
    rest as a path; they must be written %40 and %2F."""
    raw = text.strip()
    shown = _shown(raw)
    schemes = ", ".join(f"{s}://" for s in PROXY_SCHEMES)
    if not raw:
        raise UsageError("empty proxy URL")
    if _has_space_or_control(raw):
        raise UsageError(f'proxy "{shown}" contains whitespace or control characters')
    head, sep, rest = raw.partition("://")
    if not sep or head.lower() not in PROXY_SCHEMES:
        raise UsageError(f'proxy "{shown}" must be {schemes}host:port')
    cut = re.search(r"[/?#]", rest)
    authority, after = (rest[: cut.start()], rest[cut.start() :]) if cut else (rest, "")
    userinfo, at, hostport = authority.rpartition("@")
    if "@" in userinfo or "@" in after:
        raise UsageError(
            f'proxy "{shown}" is ambiguous: in its user name or password, write "@" as %40, '
            '"/" as %2F, "?" as %3F and "#" as %23'
        )
    if after not in ("", "/"):
        raise UsageError(f'proxy "{shown}" must be {schemes}host:port, with nothing after it')
    try:
        parts = urlsplit("//" + hostport)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f'malformed proxy "{shown}": {exc}') from None
    host = parts.hostname
    if not host:
        raise UsageError(f'proxy "{shown}" has no host')
    if not _valid_host(host):
        raise UsageError(f'proxy "{shown}" has an invalid host "{host}"')
    username: str | None = None
    password: str | None = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user)
        password = unquote(secret) if colon else None
    return Proxy(head.lower(), host, port, username, password)


def redact_proxy(text: str) -> str:
    """The one way a proxy is printed or stored: its server, without credentials (the
    manifest's `options.proxy`); a malformed one with its credentials masked."""
    try:
        return parse_proxy(text).server
    except UsageError:
        return _shown(text.strip())


# -- browser endpoints ---------------------------------------------------------------

ENDPOINT_SCHEMES: Final = ("ws", "wss")
REDACTED: Final = "[redacted]"
# a path segment or query value that may be a token: long, from a token's alphabet
_TOKENISH = re.compile(r"[A-Za-z0-9_\-.~+/=%]{12,}")


@dataclass(frozen=True)
class BrowserEndpoint:
    """A browser server to connect to; `shown` is the only form printed or stored."""

    url: str = field(repr=False)  # what Playwright connects to (may hold a token)
    shown: str  # redact_endpoint(url)
    executable: str | None = None  # the `executable=` hint, when given

    def __str__(self) -> str:
        return self.shown


def parse_browser_endpoint(text: str) -> BrowserEndpoint:
    """`ws[s]://host:port/path[?executable=/path/to/chromium]`, or UsageError showing no
    secret."""
    raw = text.strip()
    shown = redact_endpoint(raw)
    if not raw:
        raise UsageError("empty browser endpoint")
    if _has_space_or_control(raw):
        raise UsageError(f'browser endpoint "{shown}" contains whitespace or control characters')
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f'malformed browser endpoint "{shown}": {exc}') from None
    if parts.scheme.lower() not in ENDPOINT_SCHEMES:
        raise UsageError(
            f'browser endpoint "{shown}" must be ws://host:port/... or wss://host:port/... '
            "(what `playwright launch-server` prints)"
        )
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            f'browser endpoint "{shown}" has a user name or password: put the worker on a '
            "private network or behind a tunnel instead (docs/browsers.md)"
        )
    if not parts.hostname or not _valid_host(parts.hostname):
        raise UsageError(f'browser endpoint "{shown}" has no valid host')
    if port is None:
        raise UsageError(f'browser endpoint "{shown}" has no port')
    query = parse_qsl(parts.query, keep_blank_values=True)
    hints = [v for k, v in query if k == "executable"]
    rest = [(k, v) for k, v in query if k != "executable"]
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
    return BrowserEndpoint(url, redact_endpoint(url), hints[-1] if hints else None)


def redact_endpoint(text: str) -> str:
    """A browser endpoint fit for a manifest, a log line or a message: no user name or
    password, and every path segment or query value that may be a token `[redacted]`
    (`playwright launch-server` puts a random one in the path; anyone who has it can drive
    the browser). `executable=` stays: it names a file, not a secret."""
    try:
        parts = urlsplit(text.strip())
        netloc = parts.netloc.rsplit("@", 1)[-1]
        segments = [REDACTED if _TOKENISH.fullmatch(seg) else seg for seg in parts.path.split("/")]
        query = [
            (k, v if k == "executable" or not v else REDACTED)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
    except ValueError:
        return _shown(text.strip())
    shown_query = "&".join(f"{k}={v}" if v else k for k, v in query)
    return urlunsplit((parts.scheme, netloc, "/".join(segments), shown_query, ""))
