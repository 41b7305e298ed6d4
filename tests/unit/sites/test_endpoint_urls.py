"""Browser endpoints: the one strict reading, and the one redaction (tokens never shown)."""

from __future__ import annotations

import pytest

from collector.errors import UsageError
from collector.sites.urls import parse_browser_endpoint, redact_endpoint

TOKEN = "1effcd484bfb1b42c17d9671cac07353"  # what launch-server puts in the path


def test_the_servers_token_and_query_values_are_redacted() -> None:
    assert redact_endpoint(f"ws://127.0.0.1:36937/{TOKEN}") == "ws://127.0.0.1:36937/[redacted]"
    assert (
        redact_endpoint(f"wss://w1.lan:443/pw/{TOKEN}?token=abc&executable=/usr/bin/chromium")
        == "wss://w1.lan:443/pw/[redacted]?token=[redacted]&executable=/usr/bin/chromium"
    )
    assert redact_endpoint("ws://agen:rahasia@h.example:9/x") == "ws://h.example:9/x"


def test_the_executable_hint_is_read_and_kept_out_of_the_connect_url() -> None:
    e = parse_browser_endpoint(
        f"ws://10.8.0.2:3000/{TOKEN}?executable=/usr/lib/chromium/chromium-headless-shell"
    )
    assert e.executable == "/usr/lib/chromium/chromium-headless-shell"
    assert e.url == f"ws://10.8.0.2:3000/{TOKEN}"
    assert e.shown == str(e) == "ws://10.8.0.2:3000/[redacted]"
    assert TOKEN not in repr(e)
    plain = parse_browser_endpoint(f"ws://10.8.0.2:3000/{TOKEN}")
    assert plain.executable is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("http://127.0.0.1:3000/x", "must be ws://"),
        ("ws://agen:rahasia@127.0.0.1:3000/x", "user name or password"),
        ("ws://127.0.0.1/x", "no port"),
        ("ws://127.0.0.1:99999/x", "malformed"),
        ("ws://bad host:3/x", "whitespace"),
        ("", "empty"),
    ],
)
def test_what_is_not_an_endpoint_is_refused_without_its_secret(text: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_browser_endpoint(text)
    assert says in str(caught.value)
    assert "rahasia" not in str(caught.value)
