"""A small fictional social-media site bundled with collector, served on localhost.

It lets a newcomer run the whole job (watch list -> captures -> index -> verify) on a
fresh machine without touching any real account.
"""

from __future__ import annotations

import dataclasses
import errno
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collector.lists.format import WatchList

SITE = Path(__file__).parent / "site"
DEMO_PATHS = ("/", "/post/1.html", "/post/2.html", "/feed.html", "/hilang.html")
# The demo watch list (profiles/demo.toml links here) names the site at this address.
DEMO_LIST = Path(__file__).parent / "demo.toml"
DEMO_PORT = 8765
DEMO_ORIGIN = f"http://127.0.0.1:{DEMO_PORT}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextmanager
def serve_demo(port: int = 0) -> Iterator[str]:
    """Serve the demo site on 127.0.0.1; yield its base URL (no trailing slash)."""
    yield from _serving(_server(port))


@contextmanager
def serve_demo_site() -> Iterator[str]:
    """Serve the demo site at DEMO_ORIGIN, or on a free port when 8765 is taken."""
    try:
        server = _server(DEMO_PORT)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        server = _server(0)
    yield from _serving(server)


def _server(port: int) -> http.server.ThreadingHTTPServer:
    handler = partial(_QuietHandler, directory=str(SITE))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def _serving(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def demo_watchlist(base: str) -> WatchList:
    """The demo watch list, its URLs moved to `base` when the site is not on 8765."""
    from collector.lists.format import load_watchlist

    watchlist = load_watchlist(DEMO_LIST)
    if base == DEMO_ORIGIN:
        return watchlist
    entries = tuple(
        dataclasses.replace(e, url=base + e.url.removeprefix(DEMO_ORIGIN))
        for e in watchlist.entries
    )
    return dataclasses.replace(watchlist, entries=entries)
