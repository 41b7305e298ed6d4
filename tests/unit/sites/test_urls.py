"""collector.sites.urls: the one URL policy, and the one reading and redaction of proxies."""

from __future__ import annotations

import pytest

from collector.errors import TargetRefused, UsageError
from collector.sites.urls import (
    Proxy,
    check_url,
    normalise_target,
    parse_proxy,
    redact_proxy,
    redact_url_credentials,
    refused_scheme,
)

# -- the URL policy -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.instagram.com/budi.s/", "https://www.instagram.com/budi.s/"),
        ("instagram.com/budi.s", "https://instagram.com/budi.s"),
        ("  http://x.org  ", "http://x.org/"),
        ("https://x.org/p?q=1#f", "https://x.org/p?q=1#f"),
        ("HTTPS://X.org:8443/a", "https://X.org:8443/a"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("https://contoh.go.id/berita", "https://contoh.go.id/berita"),
        ("www.x.com:8080/p", "https://www.x.com:8080/p"),
        ("http://localhost:8000/a", "http://localhost:8000/a"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/"),
        ("https://www.tiktok.com/@budi", "https://www.tiktok.com/@budi"),
    ],
)
def test_normalise_target(raw: str, expected: str) -> None:
    assert normalise_target(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "chrome://settings",
        "about:blank",
        "blob:https://x.org/1",
        "view-source:https://x.org",
        "ftp://x.org/",
        "ws://x.org/",
        "http://",
        "http://exa mple.com",
        "http://x.org:99999/",
        "http://-bad-.org/",
        "https://x.org/\nSet-Cookie:a",
        "http://[::1",
        "\uff46\uff49\uff4c\uff45:///etc/passwd",  # full-width "file"
        "file\uff1a///etc/passwd",  # full-width colon
        "\uff48\uff54\uff54\uff50\uff53://x.org/",  # full-width "https"
        "notaurl",
        "https://user:pw@x.org/p?q=1#f",
    ],
)
def test_refused_targets(raw: str) -> None:
    with pytest.raises(TargetRefused):
        normalise_target(raw)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", 'must be http or https, not "file:"'),
        ("javascript:alert(1)", 'not "javascript:"'),
        ("data:text/html,<h1>hi</h1>", 'not "data:"'),
        ("chrome://settings", 'not "chrome:"'),
        ("about:blank", 'not "about:"'),
        ("ftp://example.org/x", 'not "ftp:"'),
        ("view-source:https://example.org", 'not "view-source:"'),
        ("https://", "has no host"),
        ("https://user:secret@example.org/", "must not contain credentials"),
        ("https://example.org/a b", "whitespace"),
        ("", "empty URL"),
        ("https://example.org:99999/", "malformed URL"),
        ("http://[::1", 'malformed URL "http://\\[::1"'),
        ("https://-x-.org/", 'invalid host "-x-.org"'),
        ("notaurl", '"notaurl" is not a plausible host'),
        ("https://intranet/berita", '"intranet" is not a plausible host'),
    ],
)
def test_check_url_refuses_saying_why(url: str, message: str) -> None:
    with pytest.raises(TargetRefused, match=message):
        check_url(url)


def test_full_width_file_url_is_refused_as_file_and_quoted_as_given() -> None:
    given = "\uff46\uff49\uff4c\uff45:///etc/passwd"
    with pytest.raises(TargetRefused) as caught:
        normalise_target(given)
    assert str(caught.value) == f'URL "{given}" must be http or https, not "file:"'


def test_a_bare_host_is_refused_unless_allowed() -> None:
    with pytest.raises(TargetRefused, match="not a plausible host"):
        normalise_target("notaurl")
    assert normalise_target("notaurl", allow_bare_host=True) == "https://notaurl/"
    assert normalise_target("http://arsip/x", allow_bare_host=True) == "http://arsip/x"
    # localhost and IP literals are plausible without being allowed
    for url in ("http://localhost/", "http://LOCALHOST./", "http://10.0.0.1/", "http://[::1]/"):
        assert check_url(url).hostname is not None
    # allowing a bare host allows nothing else
    with pytest.raises(TargetRefused):
        normalise_target("file:///etc/passwd", allow_bare_host=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://budi:rahasia-sekali@x.org/",
        "https://budi:rahasia-sekali@ss/w0rd@x.org/",  # an unencoded "/" in the password
        "https://budi:rahasia@sekali@x.org/",  # an unencoded "@"
        "ftp://budi:rahasia-sekali@x.org/",  # refused for its scheme: still not echoed
        "budi:rahasia-sekali@x.org/p",  # no scheme at all
    ],
)
def test_credentials_are_refused_and_never_repeated(url: str) -> None:
    with pytest.raises(TargetRefused) as caught:
        normalise_target(url)
    assert "rahasia" not in str(caught.value) and "sekali" not in str(caught.value)


def test_port_written_oddly_is_normalised() -> None:
    assert normalise_target("http://x.org:080/a") == "http://x.org:80/a"
    assert normalise_target("http://[::1]:080/a") == "http://[::1]:80/a"


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        ("  JavaScript:alert(1)", "javascript"),
        ("java\nscript:alert(1)", "javascript"),  # browsers drop line breaks in URLs
        ("view-source:http://x.org/", "view-source"),
        ("ftp://x.org/", "ftp"),
        ("\uff46\uff49\uff4c\uff45:///etc/passwd", "file"),
        ("https://x.org/", None),
        ("HTTP://x.org/", None),
        ("/relative/path", None),
        ("", None),
    ],
)
def test_refused_scheme(url: str, scheme: str | None) -> None:
    assert refused_scheme(url) == scheme


def test_redact_url_credentials() -> None:
    assert redact_url_credentials("socks5://u:rahasia@10.0.0.1:1080") == "socks5://10.0.0.1:1080"
    assert redact_url_credentials("http://proxy:3128") == "http://proxy:3128"
    assert "rahasia" not in redact_url_credentials("http://u:rahasia@[::1")


# -- proxies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "server", "username", "password"),
    [
        ("http://127.0.0.1:3128", "http://127.0.0.1:3128", None, None),
        ("HTTP://proxy.example:3128/", "http://proxy.example:3128", None, None),
        ("socks5://tor:secret@127.0.0.1:9050", "socks5://127.0.0.1:9050", "tor", "secret"),
        ("socks4://10.0.0.1:1080", "socks4://10.0.0.1:1080", None, None),
        ("https://agen@proxy.example", "https://proxy.example", "agen", None),
        # "@" and "/" in a password, written as the URL standard asks
        (
            "http://agen:p%40ss%2Fw0rd9@127.0.0.1:8080",
            "http://127.0.0.1:8080",
            "agen",
            "p@ss/w0rd9",
        ),
        ("http://a:b:c@127.0.0.1:8080", "http://127.0.0.1:8080", "a", "b:c"),
        ("http://[::1]:3128", "http://[::1]:3128", None, None),
    ],
)
def test_parse_proxy(text: str, server: str, username: str | None, password: str | None) -> None:
    proxy = parse_proxy(text)
    assert (proxy.server, proxy.username, proxy.password) == (server, username, password)
    assert redact_proxy(text) == str(proxy) == server
    assert "secret" not in repr(proxy) and "w0rd" not in repr(proxy)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://agen:p@ss/w0rd9@127.0.0.1:8080", "ambiguous"),
        ("http://agen:pa@ssw0rd9@127.0.0.1:8080", "ambiguous"),
        ("http://agen:pass/w0rd9@127.0.0.1:8080", "ambiguous"),
        ("http://agen:pass#w0rd9@127.0.0.1:8080", "ambiguous"),
        ("ftp://agen:w0rd9@127.0.0.1:21", "must be http://, https://, socks4://, socks5://"),
        ("agen:w0rd9@127.0.0.1:8080", "must be http://"),
        ("socks5://agen:w0rd9@", "has no host"),
        ("http://agen:w0rd9@127.0.0.1:99999", "malformed proxy"),
        ("http://127.0.0.1:3128/path", "with nothing after it"),
        ("http://agen:w0rd9@exa mple:1", "whitespace"),
        ("", "empty proxy URL"),
    ],
)
def test_ambiguous_or_bad_proxies_are_refused_showing_no_secret(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        parse_proxy(text)
    for secret in ("w0rd9", "p@ss", "pa@ss", "ss/w0rd"):
        assert secret not in str(caught.value)
        assert secret not in redact_proxy(text)


def test_the_ambiguous_proxy_of_the_review_is_not_read_with_host_ss() -> None:
    # urlsplit reads this as host "ss" and path "/w0rd@127.0.0.1:8080": a secret in DNS
    with pytest.raises(UsageError, match="%40") as caught:
        parse_proxy("http://agen:p@ss/w0rd@127.0.0.1:8080")
    assert '"http://***@127.0.0.1:8080"' in str(caught.value)


def test_proxy_records_are_frozen() -> None:
    proxy = parse_proxy("http://127.0.0.1:3128")
    assert isinstance(proxy, Proxy)
    with pytest.raises(AttributeError):
        proxy.host = "x"  # type: ignore[misc]
