"""collector.lists.format: loading, validation messages, filtering, CSV import."""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from pathlib import Path

import pytest

from collector.lists.format import (
    CheckRow,
    WatchEntry,
    WatchList,
    WatchListError,
    check_report,
    filter_entries,
    import_csv,
    load_watchlist,
    toml_string,
)

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "profiles" / "example.toml"


def write(tmp_path: Path, text: str, name: str = "list.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path | str) -> list[str]:
    with pytest.raises(WatchListError) as info:
        load_watchlist(path)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == "\n".join(info.value.errors)
    return list(info.value.errors)


def one_error(tmp_path: Path, text: str) -> str:
    errors = errors_of(write(tmp_path, text))
    assert len(errors) == 1, errors
    return errors[0]


def entry(body: str, name: str = "Budi S.") -> str:
    return f'[[entry]]\nname = "{name}"\n{body}\n'


# -- the example --------------------------------------------------------------


def test_example_loads_and_covers_every_platform() -> None:
    watchlist = load_watchlist(EXAMPLE)
    assert {e.platform for e in watchlist.entries} == {
        "instagram",
        "facebook",
        "x",
        "tiktok",
        "youtube",
        "threads",
        "web",
    }
    assert watchlist.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert [e.index for e in watchlist.entries] == list(range(1, len(watchlist.entries) + 1))
    text = EXAMPLE.read_text(encoding="utf-8")
    for e in watchlist.entries:
        assert e.line is not None
        assert text.splitlines()[e.line - 1].strip() == "[[entry]]"
        assert "contoh" in e.name or "example.org" in e.url  # obviously fake


def test_example_documents_every_entry_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in ("name", "nip", "unit", "platform", "handle", "url", "tags", "max_scrolls"):
        assert f"\n{key} = " in text, key
    for key in ("wait_for", "expect_text", "viewport", "expand", "[sessions]", "[proxy]"):
        assert key in text, key
    for key in ("[defaults]",):
        assert key in text, key


# -- a valid list, resolved ---------------------------------------------------

FULL = """\
[defaults]
platform = "instagram"
max_scrolls = 10
tags = ["asn"]
unit = "Pemkot Surakarta"
viewport = "1366x768"

[sessions]
instagram = "secrets/ig.json"

[proxy]
"*" = "socks5://tor:secret@127.0.0.1:9050"
x = "http://10.0.0.1:3128"

[[entry]]
name = "Budi S."
nip = "198703122010011003"
unit = "Dinas Pendidikan"
platform = "instagram"
handle = "budi.s"
tags = ["guru", "kecamatan-laweyan"]
max_scrolls = 5
wait_for = "article"
expect_text = "Budi"
viewport = "1280x800"

[[entry]]
name = "Ani R."
nip = "19900421 201503 2 002"
handle = "@Ani.R"

[[entry]]
name = "Ani R."
url = "https://mobile.twitter.com/Ani_R?lang=id"
tags = ["asn", "camat"]

[[entry]]
name = "Berita"
url = "https://Example.ORG/berita/asn#komentar"
"""


@pytest.fixture
def full(tmp_path: Path) -> WatchList:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "ig.json").write_text("{}", encoding="utf-8")
    return load_watchlist(write(tmp_path, FULL))


def test_full_list_resolves(full: WatchList, tmp_path: Path) -> None:
    budi, ani, ani_x, web = full.entries
    assert budi == WatchEntry(
        index=1,
        name="Budi S.",
        nip="198703122010011003",
        unit="Dinas Pendidikan",
        platform="instagram",
        handle="budi.s",
        url="https://www.instagram.com/budi.s/",
        tags=("asn", "guru", "kecamatan-laweyan"),
        max_scrolls=5,
        wait_for="article",
        expect_text="Budi",
        viewport=(1280, 800),
        line=15,
    )
    # Defaults fill what the entry leaves out; NIP spaces are dropped.
    assert (ani.platform, ani.handle, ani.url) == (
        "instagram",
        "ani.r",
        "https://www.instagram.com/ani.r/",
    )
    assert (ani.nip, ani.unit, ani.max_scrolls, ani.viewport) == (
        "199004212015032002",
        "Pemkot Surakarta",
        10,
        (1366, 768),
    )
    assert ani.tags == ("asn",)
    assert (ani.wait_for, ani.expect_text) == (None, None)
    # A url beats [defaults] platform: the host decides.
    assert (ani_x.platform, ani_x.handle, ani_x.url) == ("x", "ani_r", "https://x.com/ani_r")
    assert ani_x.tags == ("asn", "camat")
    assert (web.platform, web.handle, web.url) == ("web", None, "https://example.org/berita/asn")
    assert full.path == tmp_path / "list.toml"
    assert full.sha256 == hashlib.sha256(FULL.encode()).hexdigest()


def test_sessions_and_proxies(full: WatchList, tmp_path: Path) -> None:
    assert dict(full.sessions) == {"instagram": tmp_path / "secrets" / "ig.json"}
    assert full.session_for("instagram") == tmp_path / "secrets" / "ig.json"
    assert full.session_for("x") is None
    assert full.proxy_for("x") == "http://10.0.0.1:3128"
    assert full.proxy_for("instagram") == "socks5://tor:secret@127.0.0.1:9050"


def test_records_are_frozen(full: WatchList) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.entries[0].url = "https://example.org/"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.entries = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        full.sessions["x"] = Path("y")  # type: ignore[index]


def test_check_report(full: WatchList, tmp_path: Path) -> None:
    rows = check_report(full)
    assert [r.url for r in rows] == [e.url for e in full.entries]
    assert rows[0] == CheckRow(
        index=1,
        name="Budi S.",
        platform="instagram",
        handle="budi.s",
        url="https://www.instagram.com/budi.s/",
        tags=("asn", "guru", "kecamatan-laweyan"),
        session=tmp_path / "secrets" / "ig.json",
        proxy="socks5://127.0.0.1:9050",  # redact_proxy: the server, no credentials
        line=15,
    )
    assert rows[2].proxy == "http://10.0.0.1:3128"
    assert rows[2].session is None
    assert all("secret" not in (r.proxy or "") for r in rows)


# -- filtering ----------------------------------------------------------------


def test_filter_entries(full: WatchList) -> None:
    assert filter_entries(full, []) == full.entries
    assert [e.index for e in filter_entries(full, ["guru"])] == [1]
    assert [e.index for e in filter_entries(full, ["GURU", "camat"])] == [1, 3]
    assert [e.index for e in filter_entries(full, ["asn"])] == [1, 2, 3, 4]


def test_filter_entries_unknown_tag_is_an_error(full: WatchList) -> None:
    with pytest.raises(WatchListError) as info:
        filter_entries(full, ["gurru"])
    assert info.value.errors == (f'{full.path}: no entry has tag "gurru" (did you mean "guru"?)',)


# -- the exact message from the brief --------------------------------------------


def test_unknown_platform_message_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [
        entry(f'platform = "x"\nhandle = "akun{i}"', name=f"Orang {i}") for i in range(1, 14)
    ]
    entries.append('[[entry]]\nname = "Budi S."\nplatform = "instgram"\nhandle = "budi.s"\n')
    text = "# Solo\n\n" + "\n".join(entries)
    write(tmp_path / "profiles", text, name="solo.toml")
    monkeypatch.chdir(tmp_path)
    line = text.splitlines().index('platform = "instgram"') + 1
    assert errors_of("profiles/solo.toml") == [
        'profiles/solo.toml: entry 14 ("Budi S."): unknown platform "instgram" '
        f'(did you mean "instagram"?) (line {line})'
    ]


# -- every validation message ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'platform = "myspace"\nhandle = "budi"',
            'unknown platform "myspace" (known: instagram, facebook',
        ),
        (
            'platform = "instagram"\nhandle = "budi"\nhandel = "x"',
            'unknown key "handel" (did you mean "handle"?)',
        ),
        (
            'platform = "instagram"\nhandle = "budi"\nurl = "https://x.com/budi"',
            'give either "handle" or "url", not both',
        ),
        ('platform = "instagram"', 'missing "handle" or "url"'),
        (
            'url = "file:///etc/passwd"',
            'URL "file:///etc/passwd" must be http or https, not "file:"',
        ),
        ('url = "javascript:alert(1)"', 'not "javascript:"'),
        ('url = "data:text/html,hi"', 'not "data:"'),
        ('url = "chrome://settings"', 'not "chrome:"'),
        ('url = "about:blank"', 'not "about:"'),
        ('url = "notaurl"', '"notaurl" is not a plausible host'),
        ('url = "http://[::1"', 'malformed URL "http://[::1"'),
        ('url = "\uff46\uff49\uff4c\uff45:///etc/passwd"', 'not "file:"'),
        ('url = "https://user:pw@example.org/"', "must not contain credentials"),
        (
            'url = "https://example.org/"\nnip = "1987031220100110"',
            'nip "1987031220100110" must be 18 digits',
        ),
        ('url = "https://example.org/"\nnip = "19870312201001100X"', "must be 18 digits"),
        (
            'url = "https://example.org/"\nnip = 198703122010011003',
            'nip must be quoted text, e.g. nip = "198703122010011003"',
        ),
        (
            'url = "https://example.org/"\nviewport = "1280*800"',
            'viewport "1280*800" must be WIDTHxHEIGHT, e.g. "1280x800"',
        ),
        (
            'url = "https://example.org/"\nviewport = "100x800"',
            'viewport "100x800": width and height must be 200..10000',
        ),
        ('url = "https://example.org/"\nmax_scrolls = 501', "max_scrolls 501 is outside 0..500"),
        ('url = "https://example.org/"\nmax_scrolls = -1', "max_scrolls -1 is outside 0..500"),
        (
            'url = "https://example.org/"\nmax_scrolls = "5"',
            "max_scrolls must be a whole number, not str",
        ),
        (
            'url = "https://example.org/"\nmax_scrolls = true',
            "max_scrolls must be a whole number, not a boolean",
        ),
        (
            'url = "https://example.org/"\nmax_scrolls = 2.5',
            "max_scrolls must be a whole number, not a number",
        ),
        (
            'url = "https://example.org/"\ntags = "guru"',
            'tags must be a list of strings, e.g. tags = ["guru"], not str',
        ),
        (
            'url = "https://example.org/"\ntags = ["guru sd"]',
            'tag "guru sd" must not contain spaces, "," or ";"',
        ),
        ('url = "https://example.org/"\ntags = ["guru", 3]', "tag must be a string, not a number"),
        ('url = "https://example.org/"\nwait_for = ""', "wait_for is empty"),
        (
            'url = "https://example.org/"\nexpect_text = "a\\nb"',
            "expect_text must be a single line of text",
        ),
        ('url = "https://example.org/"\nunit = 5', "unit must be a string, not a number"),
        (
            'platform = "instagram"\nhandle = "budi s"',
            'invalid instagram handle "budi s": expected 1-30 letters',
        ),
        ('platform = "x"\nhandle = "https://x.com/budi"', "looks like a URL, not a handle"),
        ('platform = "web"\nhandle = "budi"', 'platform "web" has no handles; give a URL instead'),
        ('handle = "budi"', 'no platform: set "platform" here or in [defaults]'),
        (
            'platform = "instagram"\nurl = "https://x.com/budi"',
            'platform is "instagram" but the URL is on x',
        ),
        (
            'platform = "tiktok"\nurl = "https://example.org/"',
            'platform is "tiktok" but the URL is not on tiktok',
        ),
    ],
)
def test_entry_errors(tmp_path: Path, body: str, message: str) -> None:
    text = "# list\n" + entry(body)
    error = one_error(tmp_path, text)
    prefix = f'{tmp_path / "list.toml"}: entry 1 ("Budi S."): '
    assert error.startswith(prefix), error
    assert message in error, error
    assert error.endswith(")")  # the line


def test_a_url_without_scheme_is_https_as_for_capture(tmp_path: Path) -> None:
    # the one URL policy (collector.sites.urls): a bare host is https, as a browser takes it
    path = write(tmp_path, entry('url = "www.instagram.com/Budi"'))
    (only,) = load_watchlist(path).entries
    assert (only.platform, only.handle, only.url) == (
        "instagram",
        "budi",
        "https://www.instagram.com/budi/",
    )


def test_credentials_in_a_url_are_refused_without_repeating_them(tmp_path: Path) -> None:
    for url in ("https://budi:rahasia9@example.org/", "https://budi:p@ss/rahasia9@example.org/"):
        error = one_error(tmp_path, entry(f'url = "{url}"'))
        assert "must not contain credentials" in error and "rahasia9" not in error, error


def test_missing_and_bad_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[entry]]\nurl = "https://example.org/"\n\n[[entry]]\nname = ""\nurl = "https://example.org/a"\n',
    )
    assert errors_of(path) == [
        f'{path}: entry 1: missing "name" (line 1)',
        f"{path}: entry 2: name is empty (line 5)",
    ]


def test_explicit_platform_web_may_hold_any_url(tmp_path: Path) -> None:
    path = write(tmp_path, entry('platform = "web"\nurl = "https://www.instagram.com/budi.s/"'))
    (only,) = load_watchlist(path).entries
    assert (only.platform, only.url) == ("web", "https://www.instagram.com/budi.s/")


def test_line_numbers_point_at_the_key(tmp_path: Path) -> None:
    text = (
        "[[entry]]\n"  # 1
        'name = "A"\n'  # 2
        'url = "https://example.org/a"\n'  # 3
        "\n"  # 4
        "[[entry]]\n"  # 5
        'name = "B"\n'  # 6
        "# a comment\n"  # 7
        'url = "ftp://example.org/b"\n'  # 8
        "max_scrolls = 9000\n"  # 9
        "\n"
        "[[entry]]\n"  # 11
        'name = "C"\n'  # 12
    )
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}: entry 2 ("B"): max_scrolls 9000 is outside 0..500 (line 9)',
        f'{path}: entry 2 ("B"): URL "ftp://example.org/b" must be http or https, '
        'not "ftp:" (line 8)',
        f'{path}: entry 3 ("C"): missing "handle" or "url" (line 11)',
    ]


def test_multiline_strings_do_not_confuse_line_numbers(tmp_path: Path) -> None:
    text = (
        "[[entry]]\n"  # 1
        'name = "A"\n'  # 2
        'url = "https://example.org/a"\n'  # 3
        'expect_text = """Budi\n'  # 4
        "[[entry]]\n"  # 5: inside the string, not a table
        'S."""\n'  # 6
        "\n"  # 7
        "[[entry]]\n"  # 8
        'name = "B"\n'  # 9
        'url = "about:blank"\n'  # 10
    )
    errors = errors_of(write(tmp_path, text))
    assert errors[0].endswith('entry 1 ("A"): expect_text must be a single line of text (line 4)')
    assert errors[1].endswith(
        'entry 2 ("B"): URL "about:blank" must be http or https, not "about:" (line 10)'
    )


def test_all_errors_are_collected(tmp_path: Path) -> None:
    text = (
        "[defaults]\nmax_scroll = 3\n\n"
        + entry('platform = "instgram"\nhandle = "budi"', "A")
        + entry('url = "javascript:x"\nnip = "123"\ncolour = "red"', "B")
        + entry('platform = "x"\nhandle = "a b"', "C")
    )
    errors = errors_of(write(tmp_path, text))
    assert len(errors) == 6, errors
    assert [e.split(": ", 2)[1] for e in errors] == [
        "[defaults]",
        'entry 1 ("A")',
        'entry 2 ("B")',
        'entry 2 ("B")',
        'entry 2 ("B")',
        'entry 3 ("C")',
    ]


# -- file-level and section errors ------------------------------------------------


def test_toml_syntax_error_has_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[[entry]]\nname = "A"\nurl "https://example.org/"\n')
    (error,) = errors_of(path)
    assert error.startswith(f"{path}: invalid TOML: ")
    assert "line 3" in error


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    (error,) = errors_of(missing)
    assert error.startswith(f"{missing}: cannot read: ")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[[entry]]\nname = "Jos\xe9"\nurl = "https://example.org/"\n')
    assert errors_of(latin) == [f"{latin}: not UTF-8 text (byte 21)"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + entry('url = "https://example.org/"').encode())
    assert load_watchlist(path).entries[0].name == "Budi S."


def test_no_entries_and_wrong_shapes(tmp_path: Path) -> None:
    path = write(tmp_path, '[defaults]\nplatform = "x"\n')
    assert errors_of(path) == [f"{path}: no [[entry]] tables: nothing to capture"]
    path = write(tmp_path, 'entry = "budi"\n')
    assert errors_of(path) == [f"{path}: entries must be [[entry]] tables"]
    path = write(tmp_path, "defaults = 3\n" + entry('url = "https://example.org/"'))
    assert errors_of(path) == [f"{path}: [defaults]: must be a table, not a number"]


def test_unknown_top_level_table(tmp_path: Path) -> None:
    path = write(tmp_path, '[[entries]]\nname = "A"\nurl = "https://example.org/"\n')
    assert errors_of(path) == [
        f'{path}: unknown table "entries" (did you mean "entry"?) (line 1)',
        f"{path}: no [[entry]] tables: nothing to capture",
    ]


def test_defaults_errors(tmp_path: Path) -> None:
    text = (
        '[defaults]\nplatform = "instgram"\nhandle = "budi"\nmax_scroll = 3\ntags = ["a b"]\n\n'
        + entry('handle = "budi"')
    )
    path = write(tmp_path, text)
    # No cascade: the entry relying on the broken default platform is not blamed.
    assert errors_of(path) == [
        f'{path}: [defaults]: unknown platform "instgram" (did you mean "instagram"?) (line 2)',
        f'{path}: [defaults]: "handle" belongs in each [[entry]], not in [defaults] (line 3)',
        f'{path}: [defaults]: unknown key "max_scroll" (did you mean "max_scrolls"?) (line 4)',
        f'{path}: [defaults]: tag "a b" must not contain spaces, "," or ";" (line 5)',
    ]


def test_sessions_errors(tmp_path: Path) -> None:
    text = '[sessions]\ninstagram = "missing.json"\ninstgram = "x.json"\nx = 5\n\n' + entry(
        'url = "https://example.org/"'
    )
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f"{path}: [sessions]: instagram: storage-state file not found: "
        f"{tmp_path / 'missing.json'} (line 2)",
        f'{path}: [sessions]: unknown platform "instgram" (did you mean "instagram"?) (line 3)',
        f"{path}: [sessions]: x must be a string, not a number (line 4)",
    ]


def test_session_alias_and_absolute_path(tmp_path: Path) -> None:
    state = tmp_path / "elsewhere" / "x.json"
    state.parent.mkdir()
    state.write_text("{}", encoding="utf-8")
    path = write(
        tmp_path, f'[sessions]\ntwitter = "{state}"\n\n' + entry('url = "https://x.com/budi"')
    )
    assert load_watchlist(path).session_for("x") == state


def test_ambiguous_proxy_passwords_are_refused_showing_no_secret(tmp_path: Path) -> None:
    # an unencoded "@" or "/" in the password: urlsplit would take "ss" for the host
    text = (
        '[proxy]\n"*" = "http://agen:p@ss/w0rd9@127.0.0.1:8080"\n'
        'x = "http://agen:pa@ssword9@127.0.0.1:8080"\n\n' + entry('url = "https://example.org/"')
    )
    errors = errors_of(write(tmp_path, text))
    assert len(errors) == 2 and all("ambiguous" in e and "%40" in e for e in errors), errors
    for secret in ("w0rd9", "ssword9", "p@ss", "pa@ss"):
        assert not any(secret in e for e in errors), errors


def test_encoded_proxy_passwords_load_and_are_never_shown(tmp_path: Path) -> None:
    proxy = "http://agen:p%40ss%2Fw0rd9@127.0.0.1:8080"
    watchlist = load_watchlist(
        write(tmp_path, f'[proxy]\n"*" = "{proxy}"\n\n' + entry('url = "https://example.org/"'))
    )
    assert watchlist.proxy_for("web") == proxy
    (row,) = check_report(watchlist)
    assert row.proxy == "http://127.0.0.1:8080"


def test_proxy_errors(tmp_path: Path) -> None:
    text = (
        '[proxy]\n"*" = "ftp://127.0.0.1:21"\ninstagram = "socks5://u:pw@"\nmyspace = "http://p:1"\n\n'
        + entry('url = "https://example.org/"')
    )
    path = write(tmp_path, text)
    schemes = "http://, https://, socks4://, socks5://host:port"
    assert errors_of(path) == [
        f'{path}: [proxy]: *: proxy "ftp://127.0.0.1:21" must be {schemes} (line 2)',
        f'{path}: [proxy]: instagram: proxy "socks5://***@" has no host (line 3)',
        f'{path}: [proxy]: unknown platform "myspace" (known: instagram, facebook, x, tiktok, '
        "youtube, threads, web) (line 4)",
    ]


# -- duplicates -------------------------------------------------------------------


def test_duplicate_urls(tmp_path: Path) -> None:
    text = (
        entry('platform = "instagram"\nhandle = "ani.r"', "Ani")  # 1
        + entry('url = "https://example.org/"', "Berita")  # 2
        + entry('url = "https://www.instagram.com/Ani.R/?hl=id"', "Ani Rahma")  # 3
        + entry('url = "https://EXAMPLE.org/#x"', "Berita lagi")  # 4
    )
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}: entry 3 ("Ani Rahma"): duplicate of entry 1 '
        "(same URL https://www.instagram.com/ani.r/) (line 8)",
        f'{path}: entry 4 ("Berita lagi"): duplicate of entry 2 '
        "(same URL https://example.org/) (line 11)",
    ]


def test_duplicate_name_and_platform(tmp_path: Path) -> None:
    text = (
        entry('platform = "instagram"\nhandle = "ani.r"', "Ani")
        + entry('platform = "x"\nhandle = "ani_r"', "Ani")  # other platform: fine
        + entry('platform = "instagram"\nhandle = "ani.kedua"', " ani ")
        + entry('url = "https://www.instagram.com/p/CxAAA111/"', "Ani")  # a post: fine
        + entry('url = "https://example.org/a"', "Ani")  # pages: fine
        + entry('url = "https://example.org/b"', "Ani")
    )
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}: entry 3 ("ani"): duplicate of entry 1 (same name and platform "instagram"; '
        "give a second account a distinct name) (line 9)"
    ]


# -- TOML writing -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        'Budi "Bud" S.',
        "C:\\Users\\budi\\",
        "tab\there\nnew line\r\x00\x1f\x7f\b\f",
        "Müller — Пётр 北京 🙂",
        "\\u0041 is not an escape here",
        '\'single\' and """ triple',
        "".join(chr(i) for i in range(128)),
    ],
)
def test_toml_string_round_trips(value: str) -> None:
    encoded = toml_string(value)
    assert "\n" not in encoded
    assert tomllib.loads(f"k = {encoded}")["k"] == value


# -- CSV import -------------------------------------------------------------------

CSV_SEMICOLON = (
    "\ufeffNAME;NIP;Unit;Platform;Handle;URL;Tags;Max_Scrolls;Wait_For;Expect_Text;Viewport\r\n"
    'Budi "Bud" S.;19870312 201001 1 003;Dinas Pendidikan;instagram;@budi.s;;guru;5;article;'
    "Budi;1280x800\r\n"
    ";;;;;;;;;;\r\n"
    'Siti Rahmawati;;"Kecamatan Banjarsari; Surakarta";;;https://www.facebook.com/siti.r;"asn,camat";;;;\r\n'
    "Agus \\ Prasetyo;;Dinas Kesehatan;twitter;agus_p;;asn;;;Agus \u2014 Pr\u00e9;\r\n"
)


def test_import_csv_semicolon_bom_round_trip(tmp_path: Path) -> None:
    csv_path = tmp_path / "daftar.csv"
    csv_path.write_bytes(CSV_SEMICOLON.encode("utf-8"))  # headers in any case, with a BOM
    text = import_csv(csv_path)
    assert text.startswith("# Watch list imported from daftar.csv.\n")
    loaded = load_watchlist(write(tmp_path, text, "daftar.toml"))
    got = [dataclasses.replace(e, line=None) for e in loaded.entries]
    assert got == [
        WatchEntry(
            index=1,
            name='Budi "Bud" S.',
            nip="198703122010011003",
            unit="Dinas Pendidikan",
            platform="instagram",
            handle="budi.s",
            url="https://www.instagram.com/budi.s/",
            tags=("guru",),
            max_scrolls=5,
            wait_for="article",
            expect_text="Budi",
            viewport=(1280, 800),
            line=None,
        ),
        WatchEntry(
            index=2,
            name="Siti Rahmawati",
            nip=None,
            unit="Kecamatan Banjarsari; Surakarta",
            platform="facebook",
            handle="siti.r",
            url="https://www.facebook.com/siti.r",
            tags=("asn", "camat"),
            max_scrolls=None,
            wait_for=None,
            expect_text=None,
            viewport=None,
            line=None,
        ),
        WatchEntry(
            index=3,
            name="Agus \\ Prasetyo",
            nip=None,
            unit="Dinas Kesehatan",
            platform="x",
            handle="agus_p",
            url="https://x.com/agus_p",
            tags=("asn",),
            max_scrolls=None,
            wait_for=None,
            expect_text="Agus \u2014 Pr\u00e9",
            viewport=None,
            line=None,
        ),
    ]
    # The CSV line of each row is kept as a comment above its entry.
    assert '# daftar.csv line 4\n[[entry]]\nname = "Siti Rahmawati"' in text


def test_import_csv_comma_delimited(tmp_path: Path) -> None:
    csv_path = tmp_path / "list.csv"
    csv_path.write_text(
        'name,platform,handle,tags\nAni,tiktok,@ani.r,"guru;kelurahan-kauman"\nDodi,youtube,dodi-tv,\n',
        encoding="utf-8",
    )
    loaded = load_watchlist(write(tmp_path, import_csv(csv_path)))
    assert [(e.name, e.url, e.tags) for e in loaded.entries] == [
        ("Ani", "https://www.tiktok.com/@ani.r", ("guru", "kelurahan-kauman")),
        ("Dodi", "https://www.youtube.com/@dodi-tv", ()),
    ]


def test_import_csv_single_column_file(tmp_path: Path) -> None:
    csv_path = tmp_path / "names.csv"
    csv_path.write_text("name\nAni\n", encoding="utf-8")
    with pytest.raises(WatchListError) as info:
        import_csv(csv_path)
    assert info.value.errors == (f'{csv_path}: line 2 ("Ani"): missing "handle" or "url"',)


def test_import_csv_windows_1252(tmp_path: Path) -> None:
    csv_path = tmp_path / "ansi.csv"
    csv_path.write_bytes("name;url\r\nJos\u00e9 Rizal;https://example.org/\r\n".encode("cp1252"))
    text = import_csv(csv_path)
    assert "decoded as Windows-1252" in text
    assert load_watchlist(write(tmp_path, text)).entries[0].name == "Jos\u00e9 Rizal"


def test_import_csv_row_errors_name_the_line(tmp_path: Path) -> None:
    csv_path = tmp_path / "rows.csv"
    csv_path.write_text(
        "name;platform;handle;url;nip;max_scrolls\n"  # 1
        "Budi S.;instgram;budi.s;;;\n"  # 2
        '"Ani\nRahma";x;ani;;;\n'  # 3-4: a cell with a line break
        "Cici;;;javascript:alert(1);1,98703E+17;lima\n"  # 5
        "Dodi;x;dodi;;;;extra\n"  # 6
        "Eka;x;eka;;;\n"  # 7
        "Eka lagi;;;https://x.com/EKA;;\n",  # 8
        encoding="utf-8",
    )
    with pytest.raises(WatchListError) as info:
        import_csv(csv_path)
    assert info.value.errors == (
        f'{csv_path}: line 2 ("Budi S."): unknown platform "instgram" (did you mean "instagram"?)',
        f'{csv_path}: line 3 ("Ani\nRahma"): name must be a single line of text',
        f'{csv_path}: line 5 ("Cici"): nip "1,98703E+17" was turned into a number by the '
        "spreadsheet; format the column as Text and export again",
        f'{csv_path}: line 5 ("Cici"): max_scrolls "lima" must be a whole number',
        f'{csv_path}: line 5 ("Cici"): URL "javascript:alert(1)" must be http or https, '
        'not "javascript:"',
        f"{csv_path}: line 6: 7 cells but 6 columns",
        f'{csv_path}: line 8 ("Eka lagi"): duplicate of line 7 (same URL https://x.com/eka)',
    )


def test_import_csv_header_errors(tmp_path: Path) -> None:
    csv_path = tmp_path / "header.csv"
    csv_path.write_text("nama;handel;platform;Platform\nBudi;budi;x;x\n", encoding="utf-8")
    with pytest.raises(WatchListError) as info:
        import_csv(csv_path)
    assert info.value.errors == (
        f'{csv_path}: line 1: unknown column "nama" (did you mean "name"?)',
        f'{csv_path}: line 1: unknown column "handel" (did you mean "handle"?)',
        f'{csv_path}: line 1: column "platform" appears twice',
        f'{csv_path}: line 1: no "name" column',
    )


def test_import_csv_empty_inputs(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(WatchListError, match="empty file"):
        import_csv(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("name;handle\n;\n", encoding="utf-8")
    with pytest.raises(WatchListError, match="no rows below the header"):
        import_csv(header_only)
    with pytest.raises(WatchListError, match="cannot read"):
        import_csv(tmp_path / "missing.csv")


def test_import_csv_tab_delimited(tmp_path: Path) -> None:
    csv_path = tmp_path / "tabs.csv"
    csv_path.write_text(
        "name\tplatform\thandle\tunit\nAni; S.Pd\tx\tani\tDinas, Bidang; Seksi\n", encoding="utf-8"
    )
    (only,) = load_watchlist(write(tmp_path, import_csv(csv_path))).entries
    assert (only.name, only.url, only.unit) == (
        "Ani; S.Pd",
        "https://x.com/ani",
        "Dinas, Bidang; Seksi",
    )


# -- expand: open what the page hides, or not ---------------------------------------


def test_expand_per_entry_and_in_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
[defaults]
platform = "instagram"
expand = false

[[entry]]
name = "Budi"
handle = "budi"

[[entry]]
name = "Siti"
handle = "siti"
expand = true

[[entry]]
name = "Berita"
url = "https://example.org/berita"
""",
    )
    entries = load_watchlist(path).entries
    assert [e.expand for e in entries] == [False, True, False]
    no_defaults = write(tmp_path, '[[entry]]\nname = "B"\nplatform = "x"\nhandle = "b"\n', "b.toml")
    assert load_watchlist(no_defaults).entries[0].expand is None


def test_expand_must_be_a_boolean(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[defaults]\nexpand = "no"\n\n[[entry]]\nname = "B"\nplatform = "x"\nhandle = "b"\n'
        "expand = 0\n",
    )
    problems = errors_of(path)
    assert any("[defaults]: expand must be true or false, not str" in p for p in problems), problems
    assert any('entry 1 ("B"): expand must be true or false, not a number' in p for p in problems)


def test_csv_expand_column(tmp_path: Path) -> None:
    csv_path = tmp_path / "daftar.csv"
    csv_path.write_text(
        "name;platform;handle;expand\nBudi;instagram;budi;tidak\nSiti;x;siti;ya\nRudi;x;rudi;\n",
        encoding="utf-8",
    )
    text = import_csv(csv_path)
    assert "expand = false" in text and "expand = true" in text
    assert [e.expand for e in load_watchlist(write(tmp_path, text, "out.toml")).entries] == [
        False,
        True,
        None,
    ]
    csv_path.write_text("name;platform;handle;expand\nBudi;instagram;budi;mungkin\n", "utf-8")
    with pytest.raises(WatchListError, match='expand "mungkin" must be true or false'):
        import_csv(csv_path)
