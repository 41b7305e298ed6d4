"""Following lists that have no address of their own (TikTok, Threads): a watch list's
`lists = ["following"]` opens them in their dialog from the profile's count, scrolls the
dialog's list to its end and finds the campaign account far down it; a second run after
an unfollow reports the change; nothing social is ever clicked.

Pages: tests/support/list_dialogs.py, served by tests/support/interaction_site.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.capture.test_findings_hidden import check_crop
from tests.support import list_dialogs as ld
from tests.support.helpers import capture_folders, run_cli
from tests.support.interaction_site import InteractionSite


def write_lists(tmp_path: Path, site: InteractionSite, entries: list[tuple[str, str]]) -> Path:
    path = tmp_path / "asn.toml"
    body = f'[proxy]\n"*" = "{site.proxy}"\n\n'
    for platform, handle in entries:
        name = ld.WATCHED["name"] + (" (en)" if handle == ld.ENGLISH else "")
        body += (
            f'[[entry]]\nname = "{name}"\nplatform = "{platform}"\n'
            f'handle = "{handle}"\nlists = ["following"]\n\n'
        )
    path.write_text(body, "utf-8")
    return path


def write_campaign(tmp_path: Path) -> Path:
    path = tmp_path / "kampanye.toml"
    body = ""
    for who in (ld.CAMPAIGN, ld.CAMPAIGN2):
        for platform in ("tiktok", "threads"):
            body += (
                f'[[entry]]\nname = "{who["name"]}"\nplatform = "{platform}"\n'
                f'handle = "{who["handle"]}"\n\n'
            )
    path.write_text(body, "utf-8")
    return path


def run(watch: Path, campaign: Path, store: Path, *extra: str) -> str:
    result = run_cli(
        "run",
        str(watch),
        "--subjects",
        str(campaign),
        "--host-delay",
        "0",
        "--retries",
        "0",
        "--timeout",
        "90",
        "--ignore-https-errors",
        *extra,
        store=store,
    )
    assert result.exit_code == 0, result.output
    return result.output


def captures(store: Path) -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for folder in capture_folders(store):
        out.append((folder, json.loads((folder / "manifest.json").read_text("utf-8"))))
    return out


def list_captures(store: Path) -> dict[str, list[tuple[Path, dict[str, Any]]]]:
    """The list captures by profile URL, oldest first."""
    out: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for folder, m in sorted(captures(store), key=lambda c: c[1]["started_at"]):
        if (m.get("run") or {}).get("entry", {}).get("list"):
            out.setdefault(m["requested_url"], []).append((folder, m))
    return out


def test_following_list_in_a_dialog_found_and_changes_between_runs(
    interaction_site: InteractionSite, store: Path, tmp_path: Path
) -> None:
    # TikTok in Indonesian and English, Threads in English: the count opens the dialog
    # (on Threads only "N followers" exists: its dialog's Following tab is picked)
    watch = write_lists(
        tmp_path,
        interaction_site,
        [("tiktok", ld.WATCHED["handle"]), ("tiktok", ld.ENGLISH), ("threads", ld.ENGLISH)],
    )
    campaign = write_campaign(tmp_path)
    interaction_site.unfollowed = False
    try:
        first = run(watch, campaign, store)
        assert "findings: 3 (3 following)" in first, first
        lists = list_captures(store)
        assert sorted(lists) == [ld.TH_PROFILE_EN, ld.TT_PROFILE_EN, ld.TT_PROFILE]
        expected_clicks = {
            ld.TT_PROFILE: [("240 mengikuti", "tiktok.following")],
            ld.TT_PROFILE_EN: [("240 following", "tiktok.following")],
            ld.TH_PROFILE_EN: [
                ("4.5k followers", "threads.following.via_other_count"),
                ("following 240", "threads.following.tab"),
            ],
        }
        for url, ((folder, m),) in lists.items():
            assert m["outcome"] == "ok", (url, m["outcome_reason"])
            entry = m["run"]["entry"]
            assert entry["list"] == "following" and entry["list_in"] == "dialog"
            assert entry["profile_url"] == url and m["options"]["open_list"] == "following"
            opened = m["expand"]["list"]
            assert opened["opened"] is True and opened["dialog"]["shows"] is True
            # every click is in the manifest, with the rule that matched it
            clicks = [(c["text"], c["rule"]) for c in m["expand"]["clicks"]]
            assert clicks == expected_clicks[url], clicks
            assert m["expand"]["navigations"] == []
            if url in (ld.TH_PROFILE_EN, ld.TT_PROFILE_EN):
                # the dialog wrote its address into the history: the same document
                opened_by = "/followers" if url == ld.TH_PROFILE_EN else "/following"
                assert m["expand"]["clicks"][0]["url_after"] == url + opened_by
                (changed,) = m["expand"]["url_changes"]
                assert changed["from"] == url and changed["to"] == url + opened_by
            # the dialog's list was scrolled to its end: all 240 rows, in its shot
            (box,) = m["expand"]["containers"]
            assert box["in_dialog"] and box["stopped_by"] == "bottom" and box["loads"] >= 11
            dom = (folder / "dom.html").read_text("utf-8")
            assert dom.count('class="row"') == ld.TOTAL
            (f,) = m["findings"]
            assert f["kind"] == "following" and f["subject"]["name"] == ld.CAMPAIGN["name"]
            assert f["rule"].startswith("list_capture.following")
            assert f["surface"].startswith("container-")  # row 210 of 240, in the dialog
            assert ld.CAMPAIGN["handle"] in f["item_text"]
            check_crop(folder, f)
        rows = json.loads(run_cli("findings", "--kind", "following", "--json", store=store).output)
        assert {(r["url"], r["list"], r["subject_name"]) for r in rows} == {
            (ld.TT_PROFILE, "following", ld.CAMPAIGN["name"]),
            # the page's address when it was shot (the dialog wrote its own)
            (ld.TH_PROFILE_EN + "/followers", "following", ld.CAMPAIGN["name"]),
            (ld.TT_PROFILE_EN + "/following", "following", ld.CAMPAIGN["name"]),
        }
        # the profiles' own captures are not the list: nothing found, no dialog opened
        for _, m in captures(store):
            if not m["run"]["entry"].get("list"):
                assert m["findings"] == [] and "list" not in m["expand"]
                assert m["options"]["open_list"] is None

        # between the runs Budi unfollows the campaign and follows its volunteers
        interaction_site.unfollowed = True
        second = run(watch, campaign, store)
    finally:
        interaction_site.unfollowed = False
    assert "finding_removed" in second and "finding_added" in second, second
    changes = json.loads(run_cli("changes", "--json", store=store).output)
    by_capture = {c["capture_id"]: c for c in changes}
    for url, runs in list_captures(store).items():
        (_, old), (_, new) = runs
        # compared with the previous capture of the same list, not with the profile
        change = by_capture[new["capture_id"]]
        assert change["previous_id"] == old["capture_id"], (url, change)
        assert change["kinds"][:2] == ["finding_removed", "finding_added"], change
        details = {c["kind"]: c["details"] for c in change["details"]["changes"]}
        assert details["finding_removed"]["findings"][0].startswith(
            f"{ld.CAMPAIGN['name']} (following)"
        )
        assert details["finding_added"]["findings"][0].startswith(
            f"{ld.CAMPAIGN2['name']} (following)"
        )
    # the profiles' captures were compared with each other: unchanged
    for _, m in captures(store):
        if not m["run"]["entry"].get("list") and m["capture_id"] in by_capture:
            change = by_capture[m["capture_id"]]
            assert "finding_removed" not in change["kinds"], change
    # reindex derives the same changes from the manifests
    assert run_cli("reindex", store=store).exit_code == 0
    again = json.loads(run_cli("changes", "--json", store=store).output)
    assert sorted((c["capture_id"], c["kinds"]) for c in again) == sorted(
        (c["capture_id"], c["kinds"]) for c in changes
    )
    assert interaction_site.social_hits == []


def test_no_count_no_click_and_not_a_good_capture(
    interaction_site: InteractionSite, store: Path, tmp_path: Path
) -> None:
    # only bare Follow/Following/Ikuti/Mengikuti controls and counts inside unsafe ones
    watch = write_lists(tmp_path, interaction_site, [("tiktok", ld.TRAP), ("threads", ld.TRAP)])
    result = run_cli(
        "run",
        str(watch),
        "--subjects",
        str(write_campaign(tmp_path)),
        "--host-delay",
        "0",
        "--retries",
        "0",
        "--timeout",
        "60",
        "--ignore-https-errors",
        store=store,
    )
    assert interaction_site.social_hits == []
    lists = list_captures(store)
    assert sorted(lists) == [ld.TH_TRAP, ld.TT_TRAP], result.output
    for url, ((_, m),) in lists.items():
        # filed, but never as a good capture of the list (evidence rule 5)
        assert m["outcome"] == "expectation_failed", (url, m["outcome"])
        assert "following list could not be opened" in m["outcome_reason"]
        opened = m["expand"]["list"]
        assert opened["opened"] is False and "opener_click" not in opened
        assert m["expand"]["clicks"] == []
        reasons = {(r["text"], r["reason"]) for r in m["expand"]["refused"]}
        for word in ("following", "mengikuti"):
            assert (f"240 {word}", "social") in reasons  # inside an "Unfollow" control
            assert (f"240 {word}", "navigates") in reasons  # a link to another page
            assert (f"12 {word}", "social") in reasons  # wraps a bare followed-state button
    assert "expectation_failed" in result.output
    assert result.exit_code == 4, result.output  # not_ok: captured, not what was expected


def test_a_page_that_marks_nothing_and_no_expansion(
    interaction_site: InteractionSite, store: Path, tmp_path: Path
) -> None:
    # no role=dialog, no role=tab (bare words, an "active" class), only the count's word
    # listens for the click; and the entries turn expansion off: the list is still
    # opened and scrolled (it is the capture's purpose), no expansion rule clicks
    watch = write_lists(tmp_path, interaction_site, [("tiktok", ld.PLAIN), ("threads", ld.PLAIN)])
    watch.write_text(watch.read_text("utf-8").replace("lists =", "expand = false\nlists ="))
    run(watch, write_campaign(tmp_path), store)
    lists = list_captures(store)
    assert sorted(lists) == [
        f"https://www.threads.net/@{ld.PLAIN}",
        f"https://www.tiktok.com/@{ld.PLAIN}",
    ]
    for url, ((folder, m),) in lists.items():
        assert m["outcome"] == "ok", (url, m["outcome_reason"])
        opened = m["expand"]["list"]
        assert opened["opened"] is True and m["expand"]["enabled"] is False, opened
        assert m["expand"]["rules"] == []
        # the count's digits were clicked first, then its word, which opened the dialog
        assert opened["opener_click"]["loaded"]["nodes"] == 0
        assert opened["opener_click_word"]["target"].endswith("span:nth-of-type(1)")
        assert opened["dialog"]["tabs"] == 2
        (box,) = m["expand"]["containers"]
        assert box["stopped_by"] == "bottom"
        (f,) = m["findings"]
        assert f["kind"] == "following" and f["surface"].startswith("container-")
        check_crop(folder, f)
    assert interaction_site.social_hits == []
