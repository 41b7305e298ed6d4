"""The manifest of a real capture keeps its layout: the same keys in the same order, the
same JSON form: one top-level field per line, an artifact per line (docs/storage.md)."""

from __future__ import annotations

import json
from pathlib import Path

from collector.evidence.store import manifest_json
from tests.support.helpers import only_capture, run_cli
from tests.support.manifest_layout import ARCHIVE_KEYS, MANIFEST_KEYS, RESPONSE_KEYS
from tests.support.site import SiteServer
from tests.support.tsa_server import (  # noqa: F401
    TsaServer,
    tsa_pki_fixture,
    tsa_server_fixture,
    tsa_server_session_fixture,
)


def test_a_capture_manifest_keeps_its_keys_and_their_order(
    site: SiteServer, store: Path, tsa_server: TsaServer
) -> None:
    url = site.url("/redirect/1")
    result = run_cli(
        "capture", url, "--case", "K-9", "--operator", "Dwi", "--tsa", tsa_server.url, store=store
    )
    assert result.exit_code == 0, result.output
    folder, m = only_capture(store)
    assert (folder / "manifest.json").read_bytes() == manifest_json(m)
    assert list(m) == MANIFEST_KEYS
    assert list(m["response"]) == RESPONSE_KEYS
    assert [list(hop) for hop in m["redirects"]] == [["url", "status", "status_text", "location"]]
    assert list(m["archive"]) == ARCHIVE_KEYS
    assert list(m["software"]) == ["collector", "playwright"]
    assert list(m["environment"]) == ["hostname", "os", "python", "fonts"]
    assert list(m["timestamping"]) == ["tsa_urls", "record"]
    # what filing adds to the browser's screenshot record comes last, in this order
    assert list(m["screenshot"])[-4:] == ["png_width", "png_height", "dhash", "dhash_source"]
    assert list(m["page"])[:2] == ["title", "user_agent"]
    assert [a["name"] for a in m["artifacts"]] == [
        "screenshot.png",
        "response.html",
        "dom.html",
        "page.mhtml",
        "text.txt",
        "network.har.gz",
        f"{m['capture_id']}.warc.gz",  # named after the capture
    ]
    assert json.loads((folder / "timestamps.json").read_bytes())["tokens"]
