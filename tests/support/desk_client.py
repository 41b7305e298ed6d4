"""A plain HTTP client for the review desk's tests: raw paths as given (no normalising of
`..` or `%2f`, which a browser would do), no redirects followed, cookies kept."""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class DeskClient:
    base: str  # http://127.0.0.1:PORT
    cookies: dict[str, str] = field(default_factory=dict)
    host_header: str | None = None

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        parts = urlsplit(self.base)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        body = urlencode(form).encode() if form is not None else None
        sent = dict(headers or {})
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.host_header:
            sent["Host"] = self.host_header
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return Reply(response.status, response.headers, data)

    def get(self, path: str, **kw: object) -> Reply:
        return self.request("GET", path, **kw)  # type: ignore[arg-type]

    def post(self, path: str, form: dict[str, str], **kw: object) -> Reply:
        return self.request("POST", path, form, **kw)  # type: ignore[arg-type]

    def csrf(self, path: str = "/") -> str:
        """The CSRF token the desk put in a page's forms."""
        page = self.get(path).text
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, f"no CSRF field on {path}"
        return match.group(1)

    def sign_in(self, name: str, password: str) -> Reply:
        token = self.csrf("/signin")
        return self.post("/signin", {"name": name, "password": password, "csrf": token})
