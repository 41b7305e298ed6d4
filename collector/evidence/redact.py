"""Secrets out of evidence: the one list of secret HTTP headers, the one marker, and one
function per format, all built on the same core.

What is a secret here: the value of every HTTP header named in `SECRET_HEADERS` (`Cookie`,
`Set-Cookie`, `Authorization`, `Proxy-Authorization`, any case) and every value in a HAR's
`cookies` lists. Credentials inside URLs (a proxy's `user:password@`) are
`collector.sites.urls.redact_url_credentials`: the watch-list code needs it too, and it comes
earlier in the data flow than this package.

Where each format is redacted, and when:

* manifest.json, at capture time: the main response's secret header values become
  `[redacted by collector] sha256:<hex>` (`redact_response_headers`). The header name stays,
  and the SHA-256 of the value (UTF-8) lets a value seen elsewhere (a HAR, a server log) be
  matched with it without the manifest holding it. The WARC's provenance record is written
  from the manifest, so it holds the same form.
* network.har, at capture time with an investigator session (`--storage-state`): every secret
  header value and cookie value becomes the marker before the HAR is hashed
  (`redact_har_file`): those are the investigator's keys to the account.
* Exports (the zip package, WACZ): copies of network.har.gz (`redact_har`), of manifests filed
  before capture-time redaction (`redact_manifest`) and of the capture's WARC (request and
  response header lines, `redact_http_message`; the metadata record's provenance,
  `redact_provenance`, used by collector.evidence.warc_copy). The stored originals are
  never changed.

A value already redacted (the marker, the hashed form, or the spellings earlier versions
wrote: `[REDACTED by collector]`, `[redacted: investigator session]`) is left as it is and not
counted, so redacting twice changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from collector.evidence.har import har_json
from collector.evidence.hashing import sha256_bytes
from collector.evidence.store import manifest_json

__all__ = [
    "MARKER",
    "SECRET_HEADERS",
    "hashed_marker",
    "is_redacted",
    "is_secret_header",
    "redact_har",
    "redact_har_file",
    "redact_http_message",
    "redact_manifest",
    "redact_provenance",
    "redact_response_headers",
]

SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})
MARKER = "[redacted by collector]"
# what earlier versions wrote in place of a secret: still recognised as redacted
_EARLIER_MARKERS = frozenset({"[REDACTED by collector]", "[redacted: investigator session]"})
_HASHED = re.compile(re.escape(MARKER) + r" sha256:[0-9a-f]{64}")
_CRLF = b"\r\n"


def is_secret_header(name: object) -> bool:
    return isinstance(name, str) and name.strip().lower() in SECRET_HEADERS


def is_redacted(value: object) -> bool:
    """The marker, the hashed form, or an earlier spelling of the marker."""
    return isinstance(value, str) and (
        value == MARKER or value in _EARLIER_MARKERS or _HASHED.fullmatch(value) is not None
    )


def hashed_marker(value: str) -> str:
    """The marker with the SHA-256 of the value (UTF-8): matchable, not readable."""
    return f"{MARKER} sha256:{sha256_bytes(value.encode('utf-8', 'surrogatepass'))}"


def _plain(_: str) -> str:
    return MARKER


# --- the core: headers in any of the shapes collector stores -----------------------------


def _redact_headers(headers: object, replace: Callable[[str], str] = _plain) -> list[str]:
    """Secret header values, in place, in `[{"name", "value"}, ...]` (HAR) or
    `[[name, value], ...]` (manifest, WARC provenance); the names of the headers changed."""
    changed: list[str] = []
    if not isinstance(headers, list):
        return changed
    for h in headers:
        if isinstance(h, dict):
            name, value = h.get("name"), h.get("value")
            if is_secret_header(name) and isinstance(value, str) and not is_redacted(value):
                h["value"] = replace(value)
                changed.append(str(name))
        elif isinstance(h, list) and len(h) == 2:
            name, value = h
            if is_secret_header(name) and isinstance(value, str) and not is_redacted(value):
                h[1] = replace(value)
                changed.append(str(name))
    return changed


def _redact_cookie_list(cookies: object) -> int:
    """Every value in a HAR `cookies` list (request cookies sent, response cookies set)."""
    count = 0
    for c in cookies if isinstance(cookies, list) else []:
        if isinstance(c, dict) and isinstance(c.get("value"), str) and not is_redacted(c["value"]):
            c["value"] = MARKER
            count += 1
    return count


# --- one function per format -------------------------------------------------------------


def _redact_har_document(har: object) -> int:
    count = 0
    log = har.get("log") if isinstance(har, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        for part in ("request", "response"):
            message = entry.get(part) if isinstance(entry, dict) else None
            if isinstance(message, dict):
                count += len(_redact_headers(message.get("headers")))
                count += _redact_cookie_list(message.get("cookies"))
    return count


def redact_har(data: bytes) -> tuple[bytes, int]:
    """A HAR with every secret header and cookie value replaced: (bytes, values redacted).
    Nothing to redact: the same bytes. Not JSON: ValueError."""
    har = json.loads(data)
    count = _redact_har_document(har)
    return (har_json(har), count) if count else (data, 0)


def redact_har_file(path: Path) -> int:
    """Redact a HAR in place, before it is hashed (a capture with an investigator session);
    the number of values redacted. Rewritten only when something was redacted."""
    data, count = redact_har(path.read_bytes())
    if count:
        tmp = path.with_name(path.name + ".redacting")
        tmp.write_bytes(data)
        tmp.replace(path)
    return count


def redact_manifest(data: bytes) -> tuple[bytes, int]:
    """A manifest whose `response.headers` still hold secret values (filed before they were
    redacted at capture time), redacted for an export copy: (bytes, values redacted)."""
    manifest = json.loads(data)
    response = manifest.get("response") if isinstance(manifest, dict) else None
    count = len(_redact_headers(response.get("headers"))) if isinstance(response, dict) else 0
    return (manifest_json(manifest), count) if count else (data, 0)


def redact_response_headers(headers: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The main response's headers as the manifest stores them (`[[name, value], ...]`),
    secret values replaced by the hashed marker."""
    pairs = [[name, value] for name, value in headers]
    _redact_headers(pairs, hashed_marker)
    return pairs


def redact_http_message(block: bytes) -> tuple[bytes, list[str]]:
    """An HTTP/1.x message as a WARC request/response record holds it (head, blank line,
    body): secret header lines get the marker, the body is untouched. (block, names changed)."""
    head, sep, body = block.partition(_CRLF + _CRLF)
    lines = head.decode("utf-8", "surrogateescape").split("\r\n")
    changed: list[str] = []
    out = lines[:1]
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and is_secret_header(name) and not is_redacted(value.strip()):
            changed.append(name)
            line = f"{name}: {MARKER}"
        out.append(line)
    if not changed:
        return block, []
    return "\r\n".join(out).encode("utf-8", "surrogateescape") + sep + body, changed


def redact_provenance(document: object) -> list[str]:
    """In place: the secret header values in a WARC metadata record's
    `provenance.response.headers`; one line per value changed ("provenance <name>")."""
    provenance = document.get("provenance") if isinstance(document, dict) else None
    response = provenance.get("response") if isinstance(provenance, dict) else None
    headers = response.get("headers") if isinstance(response, dict) else None
    return [f"provenance {name}" for name in _redact_headers(headers)]
