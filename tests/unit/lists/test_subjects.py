"""Subjects: --find values, a watch list's find/lists, --subjects files."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.lists.format import WatchListError, import_csv, load_watchlist
from collector.lists.subjects import (
    all_needles,
    check_find_value,
    combine,
    load_subjects,
    needle_kind,
    subjects_from_find,
)

REPO = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, text: str, name: str = "list.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "value, kind",
    [
        ("@budi", "handle"),
        ("budi.santoso", "handle"),
        ("Budi Santoso", "text"),
        ("Tim Pemenangan 01", "text"),
        ("https://www.instagram.com/budi/", "profile_url"),
    ],
)
def test_needle_kinds(value: str, kind: str) -> None:
    assert needle_kind(value) == kind


def test_find_values_are_checked() -> None:
    assert check_find_value("  Budi   Santoso ") == "Budi Santoso"
    for bad, message in (
        ("", "empty"),
        ("@", "empty"),
        ("a\x00b", "single lines"),
        ("x" * 201, "longer than 200"),
        ("https://example.org/berita", "not a profile address"),
    ):
        with pytest.raises(ValueError, match=message):
            check_find_value(bad)


def test_find_values_are_one_person() -> None:
    (budi,) = subjects_from_find(
        ["@Budi", "Budi Santoso", "https://x.com/budi_s"], "instagram", "--find"
    )
    assert (budi.id, budi.name, budi.source) == ("s1", "Budi Santoso", "--find")
    assert [(n.id, n.kind, n.value, n.platform) for n in budi.needles] == [
        ("s1.1", "handle", "Budi", "instagram"),
        ("s1.2", "text", "Budi Santoso", None),
        ("s1.3", "profile_url", "https://x.com/budi_s", "x"),
    ]
    assert budi.handles == (("instagram", "budi"), ("x", "budi_s"))
    # on the plain web a handle has no platform: the common handle characters apply
    assert subjects_from_find(["@budi"], "web", "--find")[0].needles[0].platform is None
    assert subjects_from_find([], "instagram", "--find") == ()


SUBJECTS = """\
[defaults]
platform = "instagram"

[[entry]]
name = "Budi Santoso"
nip = "198703122010011003"
unit = "Dinas Pendidikan"
handle = "budi.s"
find = ["Budi Santoso"]

[[entry]]
name = "Budi Santoso"
nip = "19870312 201001 1 003"
platform = "x"
handle = "@budi_s"

[[entry]]
name = "Ani R."
url = "https://www.facebook.com/ani.r"
"""


def test_subjects_file_groups_accounts_by_nip(tmp_path: Path) -> None:
    subjects = load_subjects(write(tmp_path, SUBJECTS))
    budi, ani = subjects.subjects
    assert (budi.name, budi.nip, budi.unit) == (
        "Budi Santoso",
        "198703122010011003",
        "Dinas Pendidikan",
    )
    assert budi.handles == (("instagram", "budi.s"), ("x", "budi_s"))
    assert [(n.id, n.kind, n.value, n.platform) for n in budi.needles] == [
        ("s1.1", "handle", "budi.s", "instagram"),
        ("s1.2", "text", "Budi Santoso", None),
        ("s1.3", "handle", "budi_s", "x"),
    ]
    assert budi.source == "list.toml entries 1, 2"
    assert ani.handles == (("facebook", "ani.r"),) and ani.source == "list.toml entry 3"
    assert subjects.record()["sha256"] == subjects.sha256


def test_subjects_file_errors(tmp_path: Path) -> None:
    clash = SUBJECTS.replace(
        'name = "Budi Santoso"\nnip = "19870312 ', 'name = "Joko"\nnip = "19870312 '
    )
    with pytest.raises(WatchListError, match="share NIP 198703122010011003 but not the name"):
        load_subjects(write(tmp_path, clash))
    web = '[[entry]]\nname = "Berita"\nurl = "https://example.org/"\n'
    with pytest.raises(WatchListError, match="nothing to look for"):
        load_subjects(write(tmp_path, web, "web.toml"))


def test_combine_renumbers_and_drops_repeats() -> None:
    a = subjects_from_find(["@budi", "Budi Santoso"], "instagram", "entry find")
    b = subjects_from_find(["@BUDI"], "instagram", "--find")  # looked for already
    c = subjects_from_find(["@ani"], "instagram", "--find")
    combined = combine(a, b, c)
    assert [s.id for s in combined] == ["s1", "s2"]
    assert [n.id for n in all_needles(combined)] == ["s1.1", "s1.2", "s2.1"]
    assert [n.value for n in all_needles(combined)] == ["budi", "Budi Santoso", "ani"]


def test_watch_list_find_and_lists(tmp_path: Path) -> None:
    text = (
        '[defaults]\nplatform = "instagram"\nfind = ["@tim.pemenangan"]\n\n'
        '[[entry]]\nname = "Budi"\nhandle = "budi.s"\nfind = ["Paslon 01", "@tim.pemenangan"]\n'
        'lists = ["following", "Followers"]\n\n'
        '[[entry]]\nname = "Ani"\nplatform = "x"\nhandle = "ani_r"\n'
    )
    budi, ani = load_watchlist(write(tmp_path, text)).entries
    assert budi.find == ("@tim.pemenangan", "Paslon 01")
    assert budi.lists == ("following", "followers")
    assert ani.find == ("@tim.pemenangan",) and ani.lists == ()


@pytest.mark.parametrize(
    "body, message",
    [
        ('find = "@budi"', "find must be a list of strings"),
        ("find = [1]", "find values must be strings, not int"),
        ('find = [""]', "find value is empty"),
        ('lists = ["likes"]', 'unknown list "likes"'),
        ('lists = ["folowing"]', 'did you mean "following"'),
        ('platform = "youtube"\nlists = ["following"]', "youtube has no following list"),
    ],
)
def test_find_and_lists_errors(tmp_path: Path, body: str, message: str) -> None:
    if "platform" not in body:
        body = 'platform = "instagram"\n' + body
    path = write(tmp_path, f'[[entry]]\nname = "Budi"\nhandle = "budi"\n{body}\n')
    with pytest.raises(WatchListError) as info:
        load_watchlist(path)
    assert any(message in e for e in info.value.errors), info.value.errors


def test_csv_find_and_lists_columns(tmp_path: Path) -> None:
    csv = write(
        tmp_path,
        # the cell holding ";" is quoted, as a spreadsheet writes it
        'name;platform;handle;find;lists\nBudi;instagram;budi;"Budi, S.Pd.;@tim";following\n',
        "asn.csv",
    )
    text = import_csv(csv)
    assert 'find = ["Budi, S.Pd.", "@tim"]' in text
    assert 'lists = ["following"]' in text
    (entry,) = load_watchlist(write(tmp_path, text, "asn.toml")).entries
    assert entry.find == ("Budi, S.Pd.", "@tim")


def test_example_subjects_and_campaign_lists_load() -> None:
    subjects = load_subjects(REPO / "profiles" / "asn.toml")
    assert [s.name for s in subjects.subjects] == [
        "Budi Santoso (contoh)",
        "Siti Rahmawati (contoh)",
    ]
    campaign = load_watchlist(REPO / "profiles" / "kampanye.toml")
    assert campaign.entries[0].lists == ("followers",)
