"""Expanding what pages hide, in a real Chromium, on imitation Instagram, Facebook, X,
TikTok and forum pages (tests/support/interaction_site.py) in Indonesian and English:
the watched person's hidden item ends up in dom.html and text.txt, every click is logged,
inner scroll containers are loaded and shot whole, and no social control is ever hit."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from collector.capture import browser
from collector.capture.runner import CaptureRunner
from collector.capture.scripts import script
from collector.evidence.store import EvidenceStore
from collector.models import CaptureJob, CaptureOptions, Needle, PageCapture
from collector.sites.classify import classify_page
from tests.support import interaction_site as imitation
from tests.support.helpers import png_pixels, png_size, run_cli
from tests.support.interaction_site import SAID, InteractionSite

AVATAR = (204, 136, 170)  # .avatar{background:#c8a}
ROW = 57  # a people-list row: 40 px + 2 x 8 px padding + 1 px border


def options(site: InteractionSite, **kw: Any) -> CaptureOptions:
    base: dict[str, Any] = dict(
        proxy=site.proxy, ignore_https_errors=True, timeout_s=90, network_quiet_ms=100
    )
    return CaptureOptions(**{**base, **kw})


# name: (url, what the watched person wrote, the rules that must have been used,
#        the people list in a container: (list, size, position, person, dialog title))
CASES: dict[str, tuple[str, tuple[str, ...], set[str], tuple[str, int, int, str, str] | None]] = {
    "instagram-post-id": (
        imitation.IG_POST,
        (SAID["instagram"],),
        {
            "instagram.caption_more",
            "instagram.view_all_comments",
            "instagram.load_more_comments",
            "instagram.view_replies",
            "instagram.likes",
        },
        ("likers", 320, 250, "budi.santoso", "Suka"),
    ),
    "instagram-followers-en": (
        imitation.IG_FOLLOWERS + "?hl=en",
        (),
        set(),
        ("followers", 320, 230, "budi.santoso", "Followers"),
    ),
    "instagram-following-id": (
        imitation.IG_FOLLOWING,
        (),
        set(),
        ("following", 60, 45, "paslon.nomor1", "Mengikuti"),
    ),
    "facebook-post-en": (
        imitation.FB_POST + "?hl=en",
        (SAID["facebook"],),
        {
            "facebook.see_more",
            "facebook.previous_comments",
            "facebook.more_comments",
            "facebook.replies",
            "facebook.reactions",
        },
        ("reactions", 120, 97, "budi.santoso", "Reactions"),
    ),
    "facebook-post-id": (
        imitation.FB_POST,
        (SAID["facebook"],),
        {
            "facebook.see_more",
            "facebook.previous_comments",
            "facebook.more_comments",
            "facebook.replies",
            "facebook.reactions",
        },
        ("reactions", 120, 97, "budi.santoso", "Reaksi"),
    ),
    "x-post-id": (imitation.X_POST, (SAID["x"],), {"x.show_more", "x.show_more_replies"}, None),
    "x-post-en": (
        imitation.X_POST + "?hl=en",
        (SAID["x"],),
        {"x.show_more", "x.show_more_replies"},
        None,
    ),
    "tiktok-video-en": (
        imitation.TT_VIDEO + "?hl=en",
        (SAID["tiktok"],),
        {"tiktok.caption_more", "tiktok.view_replies"},
        None,
    ),
    "tiktok-video-id": (
        imitation.TT_VIDEO,
        (SAID["tiktok"],),
        {"tiktok.caption_more", "tiktok.view_replies"},
        None,
    ),
    "forum-id": (
        imitation.FORUM,
        (SAID["forum_details"], SAID["forum_aria"]),
        {"web.details", "web.aria_expanded"},
        None,
    ),
    "forum-en": (
        imitation.FORUM + "?hl=en",
        (SAID["forum_details"], SAID["forum_aria"]),
        {"web.details", "web.aria_expanded"},
        None,
    ),
    "likers-web-id": (
        imitation.LIKED,
        (),
        {"web.likes"},
        ("likers", 320, 250, "budi.santoso", "Suka"),
    ),
    "likers-web-en": (
        imitation.LIKED + "?hl=en",
        (),
        {"web.likes"},
        ("likers", 320, 250, "budi.santoso", "Likes"),
    ),
    "news-id": (imitation.NEWS, (SAID["news"],), {"web.comments", "web.replies"}, None),
    "news-en": (imitation.NEWS + "?hl=en", (SAID["news"],), {"web.comments", "web.replies"}, None),
}
# containers that are not people lists
OTHER_CONTAINERS = {"tiktok-video-en": "Comments", "tiktok-video-id": "Komentar"}


# session, not module: the tests that read pixels use pytest-playwright's `page`, and
# pytest groups those apart, which tore a module fixture down and captured it all again
@pytest.fixture(scope="session")
def captured(
    interaction_site: InteractionSite, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every imitation page, captured once with expansion on (two at a time)."""
    root = tmp_path_factory.mktemp("expand") / "evidence"
    hits_before = len(interaction_site.social_hits)
    jobs = [CaptureJob(url, options(interaction_site)) for url, *_ in CASES.values()]
    filed = CaptureRunner(EvidenceStore(root), concurrency=2).run(jobs)
    assert interaction_site.social_hits[hits_before:] == []
    return {name: (root / f.folder, f.manifest) for name, f in zip(CASES, filed, strict=True)}


@pytest.mark.parametrize("name", list(CASES))
def test_hidden_interactions_are_opened_and_logged(
    name: str, captured: dict[str, tuple[Path, dict[str, Any]]]
) -> None:
    folder, m = captured[name]
    _url, said, rules, people = CASES[name]
    assert m["outcome"] == "ok", m["outcome_reason"]
    assert m["errors"] == []
    assert m["options"]["expand"] is True and m["options"]["max_expand"] == 150
    text = (folder / "text.txt").read_text("utf-8")
    dom = (folder / "dom.html").read_text("utf-8")
    for words in said:
        assert words in text and words in dom, words
    e = m["expand"]
    assert e["enabled"] is True and e["stopped_by"] == "nothing_new"
    assert {c["rule"] for c in e["clicks"]} == rules
    for n, click in enumerate(e["clicks"], 1):
        assert click["n"] == n and click["at"].endswith("Z")
        assert (
            click["text"]
            and click["selector"]
            and click["rule"].split(".")[0] in m["final_url"] + "web"
        )
        loaded = click["loaded"]
        assert loaded["nodes"] > 0 or loaded["text_chars"] > 0, click  # each click opened something
        assert loaded["requests"] >= 0
    assert e["navigations"] == [] and e["refused_count"] == 0
    if name.startswith("news"):  # its last control opens on mousedown
        assert "Warga 11: tertib" in text
    # the page's own social controls were there, and none was clicked
    assert e["social_controls_on_page"] > 0 or name.startswith(("forum", "news"))
    if people is None and name not in OTHER_CONTAINERS:
        assert e["containers"] == [] and not list(folder.glob("container-*.png"))


@pytest.mark.parametrize(
    "name", [n for n, case in CASES.items() if case[3]] + list(OTHER_CONTAINERS)
)
def test_inner_scroll_containers_load_fully_and_are_shot_whole(
    name: str, captured: dict[str, tuple[Path, dict[str, Any]]], page: Any
) -> None:
    folder, m = captured[name]
    people = CASES[name][3]
    (container,) = m["expand"]["containers"]
    assert container["artifact"] == "container-1.png"
    assert container["stopped_by"] == "bottom" and container["loads"] >= 1
    shot = container["shot"]
    assert shot["taken"] is True and shot["truncated"] is False and shot["gaps"] == []
    assert "stacked" in shot["method"] and shot["tiles"] > 1
    png = folder / "container-1.png"
    data = png.read_bytes()
    assert (
        png_size(png)
        == (shot["css_width"], container["height"])
        == (
            shot["png_width"],
            shot["png_height"],
        )
    )
    # hashed like every artifact: manifest, SHA256SUMS; screenshot.png is its own file
    (art,) = [a for a in m["artifacts"] if a["name"] == "container-1.png"]
    assert art["sha256"] == hashlib.sha256(data).hexdigest() and art["media_type"] == "image/png"
    assert f"{art['sha256']}  container-1.png" in (folder / "SHA256SUMS").read_text()
    assert (folder / "screenshot.png").read_bytes() != data
    if people is None:
        assert container["name"] == OTHER_CONTAINERS[name] and not container["in_dialog"]
        return
    _list, size, position, who, title = people
    assert container["in_dialog"] is True and container["name"] == title
    assert container["height"] == size * ROW
    dom = (folder / "dom.html").read_text("utf-8")
    rows = re.findall(r'<div class="row"><span class="avatar"></span><a href="/([^/"]+)/?"', dom)
    assert len(rows) == size and rows.index(who) == position - 1
    assert who in (folder / "text.txt").read_text("utf-8")
    # every row of the list is in the stitched picture, one row every 57 px: no row lost
    # or doubled where two tiles meet
    ys = [k * ROW + 28 for k in range(0, size, 7)] + [(size - 1) * ROW + 28]
    colours = png_pixels(page, png, [(22, y) for y in ys] + [(3, y) for y in ys])
    avatars, margins = colours[: len(ys)], colours[len(ys) :]
    assert all(max(abs(a - b) for a, b in zip(c, AVATAR, strict=True)) <= 8 for c in avatars)
    assert all(c == (255, 255, 255) for c in margins)


def test_trap_page_social_controls_and_forms_are_never_touched(
    interaction_site: InteractionSite, tmp_path: Path
) -> None:
    hits_before = len(interaction_site.social_hits)
    root = tmp_path / "evidence"
    filed = CaptureRunner(EvidenceStore(root)).run(
        [CaptureJob(imitation.TRAP, options(interaction_site))]
    )
    assert interaction_site.social_hits[hits_before:] == []
    m = filed[0].manifest
    assert m["outcome"] == "ok"
    e = m["expand"]
    # the safe "Lihat selengkapnya" opened; the control whose handler submits a form was
    # clicked, and its submission cancelled; the controls whose scripts submit a form
    # with form.submit(), open a popup or set location were clicked, and what they asked
    # for never left the browser
    assert [c["rule"] for c in e["clicks"]] == [
        "web.comments",
        "web.comments",
        "web.comments",
        "web.replies",
        "web.more",
    ]
    # (a popup's request may reach the guard after its click was measured: it is then
    # put on the click that follows)
    flags = [c.get("navigation_blocked", False) for c in e["clicks"]]
    assert flags[:2] == [False, True] and flags[3:] == [True, False]
    assert sorted((b["method"], b["url"]) for b in e["navigations_blocked"]) == [
        ("GET", "http://forum.contoh.id/trap/like-get"),
        ("GET", "http://forum.contoh.id/trap/popup-follow"),
        ("POST", "http://forum.contoh.id/form/gabung"),
    ]
    # each control clicked once
    assert len({c["selector"] for c in e["clicks"]}) == len(e["clicks"])
    assert e["form_submissions_blocked"] == 1
    assert SAID["trap"] in (root / filed[0].folder / "text.txt").read_text("utf-8")
    assert e["refused_by_reason"] == {
        "a toggle": 2,
        "inside a label": 1,
        "navigates": 2,
        "opens a menu": 1,
        "social": 10,
        "submits a form": 2,
    }
    assert e["refused_count"] == 18 and len(e["refused"]) == 18
    assert {r["text"] for r in e["refused"] if r["reason"] == "submits a form"} == {
        "lihat selengkapnya",
        "view more comments",
    }
    assert e["social_controls_on_page"] >= 26
    assert e["navigations"] == []
    assert all(
        not url.endswith(("/trap/nav-hit", "/trap/new-window"))
        for _, url in interaction_site.requests
    )


def test_a_click_that_would_navigate_is_refused_at_the_network_and_recorded(
    interaction_site: InteractionSite, tmp_path: Path
) -> None:
    root = tmp_path / "evidence"
    filed = CaptureRunner(EvidenceStore(root)).run(
        [CaptureJob(imitation.NAVIGATES, options(interaction_site))]
    )
    m = filed[0].manifest
    folder = root / filed[0].folder
    assert m["outcome"] == "ok" and m["final_url"] == imitation.NAVIGATES
    # the request never left the browser: the server did not see it, nothing to undo
    assert not any(url.endswith("/lain") for _, url in interaction_site.requests)
    assert m["expand"]["navigations"] == []
    (blocked,) = m["expand"]["navigations_blocked"]
    assert blocked["url"] == "http://forum.contoh.id/lain" and blocked["method"] == "GET"
    (navigated,) = [c for c in m["expand"]["clicks"] if c.get("navigation_blocked")]
    assert navigated["text"] == "show more" and navigated["rule"] == "web.more"
    # clicked once, never again; the page's own content opened in the same document
    assert [c["rule"] for c in m["expand"]["clicks"]].count("web.more") == 1
    assert SAID["navigasi"] in (folder / "text.txt").read_text("utf-8")
    assert "Halaman yang berpindah" in (folder / "response.html").read_text("utf-8")


def test_an_address_changed_by_the_history_api_is_not_a_navigation(
    interaction_site: InteractionSite, tmp_path: Path
) -> None:
    root = tmp_path / "evidence"
    (filed,) = CaptureRunner(EvidenceStore(root)).run(
        [CaptureJob(imitation.ADDRESSES, options(interaction_site))]
    )
    e = filed.manifest["expand"]
    assert filed.manifest["outcome"] == "ok"
    assert e["navigations"] == [] and e["navigations_blocked"] == []
    ((click, change),) = [(c, u) for c in e["clicks"] for u in e["url_changes"]]
    assert click["url_after"] == change["to"] == imitation.ADDRESSES + "?comment_id=42"
    assert change["from"] == imitation.ADDRESSES and change["control"] == "lihat 2 balasan"
    # nothing reloaded: what the click opened is in the capture
    assert SAID["alamat"] in (root / filed.folder / "text.txt").read_text("utf-8")


def test_a_handler_that_never_returns_is_stopped_and_the_page_still_shot(
    interaction_site: InteractionSite, tmp_path: Path
) -> None:
    root = tmp_path / "evidence"
    (filed,) = CaptureRunner(EvidenceStore(root)).run(
        [CaptureJob(imitation.FREEZES, options(interaction_site, timeout_s=40))]
    )
    m = filed.manifest
    folder = root / filed.folder
    assert m["outcome"] == "ok", m["outcome_reason"]
    assert m["expand"]["stopped_by"] == "page_unresponsive"
    assert SAID["beku"] in (folder / "text.txt").read_text("utf-8")
    assert png_size(folder / "screenshot.png")[1] > 0
    assert (folder / "dom.html").stat().st_size > 0


def test_the_jobs_platform_chooses_the_rules_over_the_address(
    interaction_site: InteractionSite, tmp_path: Path
) -> None:
    # an Instagram imitation on a host of its own (--platform instagram)
    (filed,) = CaptureRunner(EvidenceStore(tmp_path / "evidence")).run(
        [CaptureJob(imitation.NEWS, options(interaction_site), platform="instagram")]
    )
    e = filed.manifest["expand"]
    assert e["platform"] == "instagram" and e["rules"][0].startswith("instagram.")
    assert {c["rule"] for c in e["clicks"]} == {"web.comments", "web.replies"}


def test_no_expand_captures_the_page_as_served(
    interaction_site: InteractionSite, tmp_path: Path
) -> None:
    store = tmp_path / "evidence"
    result = run_cli(
        "capture",
        imitation.FB_POST,
        "--no-expand",
        "--proxy",
        interaction_site.proxy,
        "--ignore-https-errors",
        store=store,
    )
    assert result.exit_code == 0, result.output
    (folder,) = [p.parent for p in store.glob("captures/*/*/manifest.json")]
    m = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert m["expand"] == {"enabled": False} and m["options"]["expand"] is False
    assert SAID["facebook"] not in (folder / "text.txt").read_text("utf-8")
    assert not list(folder.glob("container-*.png"))


def test_max_expand_bounds_the_clicks(interaction_site: InteractionSite, tmp_path: Path) -> None:
    filed = CaptureRunner(EvidenceStore(tmp_path / "evidence")).run(
        [CaptureJob(imitation.FB_POST, options(interaction_site, max_expand=3))]
    )
    e = filed[0].manifest["expand"]
    assert len(e["clicks"]) == 3 and e["stopped_by"] == "max_expand"


# find.js as the findings side will write it: reads the needles and the containers
_PROBE_FIND_JS = """(needles) => {
  const out = needles.map(n => ({id: n.id, kind: n.kind, value: n.value, platform: n.platform}));
  (globalThis.__collectorContainers || []).forEach((c, i) => {
    for (const n of needles) {
      const a = c.querySelector('a[href="/' + n.value + '/"]');
      if (!a) continue;
      const row = a.closest('.row'), r = row.getBoundingClientRect();
      const cr = c.getBoundingClientRect();
      out.push({id: n.id, container: i + 1, scroll_top: c.scrollTop,
                x: r.left - cr.left - c.clientLeft + c.scrollLeft,
                y: r.top - cr.top - c.clientTop + c.scrollTop});
    }
  });
  return out;
}"""


def test_find_js_gets_the_needles_and_the_containers_in_the_documented_geometry(
    interaction_site: InteractionSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: Any,
) -> None:
    monkeypatch.setattr(
        browser, "script", lambda name: _PROBE_FIND_JS if name == "find" else script(name)
    )
    seen: list[PageCapture] = []

    def judge(job: CaptureJob, observed: PageCapture) -> PageCapture:
        seen.append(observed)
        return classify_page(job, observed)

    needle = Needle("n1", "handle", "paslon.nomor1", "instagram")
    root = tmp_path / "evidence"
    filed = CaptureRunner(EvidenceStore(root), judge_page=judge).run(
        [
            CaptureJob(
                imitation.IG_FOLLOWING,
                options(interaction_site, device_scale_factor=2.0),
                find=(needle,),
            )
        ]
    )
    (observed,) = seen
    assert observed.matches_screenshot == "screenshot.png"
    echo, hit = observed.matches
    assert echo == {"id": "n1", "kind": "handle", "value": "paslon.nomor1", "platform": "instagram"}
    assert hit["container"] == 1 and hit["scroll_top"] == 0  # scrolled back to its top
    assert hit["y"] == 44 * ROW and hit["x"] == 0
    (png_bytes, info) = observed.container_shots[0]
    assert info["artifact"] == "container-1.png" and info["device_scale_factor"] == 2.0
    assert filed[0].manifest["expand"]["containers_registered_for_find"] == 1
    png = root / filed[0].folder / "container-1.png"
    assert png.read_bytes() == png_bytes
    width, height = png_size(png)
    assert (width, height) == (info["css_width"] * 2, 60 * ROW * 2)
    # pixel (px, py) = (x_in_content * dsf, y_in_content * dsf): the row's avatar
    dsf = 2
    (avatar, margin) = png_pixels(
        page,
        png,
        [
            ((hit["x"] + 22) * dsf, (hit["y"] + 28) * dsf),
            ((hit["x"] + 3) * dsf, (hit["y"] + 28) * dsf),
        ],
    )
    assert max(abs(a - b) for a, b in zip(avatar, AVATAR, strict=True)) <= 8
    assert margin == (255, 255, 255)
