"""A small fictional social-media site bundled with collector, served on localhost.

It lets a newcomer run the whole job (watch list -> captures -> index -> verify) on a
fresh machine without touching any real account.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

SITE = Path(__file__).parent / "site"
DEMO_PATHS = ("/", "/post/1.html", "/post/2.html", "/feed.html", "/hilang.html")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextmanager
def serve_demo(port: int = 0) -> Iterator[str]:
    """Serve the demo site on 127.0.0.1; yield its base URL (no trailing slash)."""
    handler = partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
