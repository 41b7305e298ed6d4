"""The watched person found behind expansion: the imitation pages of
tests/support/interaction_site.py (comments loaded on click, nested replies, "previous
comments", truncated comments, likers/followers/following dialogs with their own scroll
container, a thread with "show more replies" after window-scroll loading).

For each page: the person's item is in dom.html and text.txt, a finding says what kind of
interaction it is, and its crop is cut losslessly from the same render (screenshot.png or
the container's whole-content shot) and shows text where the match is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from collector.evidence.png import decode_rgb_region, png_size
from tests.support import interaction_site as site
from tests.support.helpers import capture_folders, run_cli
from tests.support.interaction_site import InteractionSite

NIP = "198703122010011003"


def write_subjects(path: Path, people: list[tuple[str, str | None, list[tuple[str, str]]]]) -> Path:
    body = ""
    for name, nip, accounts in people:
        for platform, handle in accounts:
            body += f'[[entry]]\nname = "{name}"\nplatform = "{platform}"\nhandle = "{handle}"\n'
            body += f'nip = "{nip}"\n' if nip else ""
            body += f'find = ["{name}"]\n\n' if platform == "facebook" else "\n"
    path.write_text(body, "utf-8")
    return path


def by_url(store: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    out = {}
    for folder in capture_folders(store):
        m = json.loads((folder / "manifest.json").read_text("utf-8"))
        out[m["requested_url"]] = (folder, m)
    return out


def check_crop(folder: Path, finding: dict[str, Any]) -> None:
    """The crop is the source image's own pixels, and text is drawn where the match is."""
    crop = finding["crop"]
    assert "artifact" in crop, crop
    assert crop["source"] == finding["surface"]
    source = (folder / crop["source"]).read_bytes()
    data = (folder / crop["artifact"]).read_bytes()
    x0, y0, x1, y1 = crop["box"]
    assert png_size(data) == (x1 - x0, y1 - y0)
    assert decode_rgb_region(data, (0, 0, x1 - x0, y1 - y0)) == decode_rgb_region(
        source, (x0, y0, x1, y1)
    )
    b = finding["surface_box"]
    match = decode_rgb_region(
        data,
        (int(b["x"]) - x0, int(b["y"]) - y0, int(b["x"] + b["width"]) - x0, int(b["y"] + b["height"]) - y0),
    )  # fmt: skip
    pixels = [sum(row[i : i + 3]) for row in match.rows for i in range(0, len(row), 3)]
    assert min(pixels) < 300 < max(pixels), "no text drawn where the match is"


def test_found_behind_expansion_with_kind_and_crop(
    interaction_site: InteractionSite, store: Path, tmp_path: Path
) -> None:
    asn = write_subjects(
        tmp_path / "asn.toml",
        [
            (
                site.WATCHED["name"],
                NIP,
                [
                    ("instagram", site.WATCHED["handle"]),
                    ("x", site.WATCHED["x_handle"]),
                    ("facebook", site.WATCHED["handle"]),
                    ("tiktok", site.WATCHED["handle"]),
                ],
            )
        ],
    )
    urls = [site.IG_POST, site.FB_POST, site.X_POST, site.TT_VIDEO, site.FORUM, site.IG_FOLLOWERS]
    result = run_cli(
        "capture",
        *urls,
        "--subjects",
        str(asn),
        "--expect-find",
        "--timeout",
        "90",
        *interaction_site.proxy_args(),
        store=store,
    )
    assert result.exit_code == 0, result.output
    assert interaction_site.social_hits == []
    found = by_url(store)
    expected = {
        site.IG_POST: {"reply", "like"},
        site.FB_POST: {"comment", "like"},
        site.X_POST: {"reply"},
        site.TT_VIDEO: {"reply"},
        site.FORUM: {"reply", "comment"},
        site.IG_FOLLOWERS: {"follower"},
    }
    said = {
        site.IG_POST: site.SAID["instagram"],
        site.FB_POST: site.SAID["facebook"],
        site.X_POST: site.SAID["x"],
        site.TT_VIDEO: site.SAID["tiktok"],
        site.FORUM: site.SAID["forum_details"],
    }
    for url, kinds in expected.items():
        folder, m = found[url]
        assert m["outcome"] == "ok", (url, m["outcome_reason"])
        got = {f["kind"] for f in m["findings"]}
        assert got == kinds, (
            url,
            [(f["kind"], f["rule"], f["item_text"][:60]) for f in m["findings"]],
        )
        for f in m["findings"]:
            assert f["subject"]["nip"] == NIP
            check_crop(folder, f)
        if url in said:
            assert said[url] in (folder / "dom.html").read_text("utf-8")
            assert said[url] in (folder / "text.txt").read_text("utf-8")
            assert any(said[url] in f["item_text"] for f in m["findings"]), url
    # the long lists live in dialogs that scroll on their own: shown by the container shots
    for url in (site.IG_POST, site.IG_FOLLOWERS):
        folder, m = found[url]
        (listed,) = [f for f in m["findings"] if f["kind"] in ("like", "follower")]
        assert listed["surface"].startswith("container-"), listed
        assert (folder / listed["surface"]).is_file()


def test_following_list_of_the_watched_person(
    interaction_site: InteractionSite, store: Path, tmp_path: Path
) -> None:
    # the list page itself (a watch list's `lists = ["following"]` captures it after the
    # profile: tests/capture/test_findings.py); here the dialog titles decide the kind
    campaign = write_subjects(
        tmp_path / "kampanye.toml",
        [(site.CAMPAIGN["name"], None, [("instagram", site.CAMPAIGN["handle"])])],
    )
    result = run_cli(
        "capture",
        site.IG_FOLLOWING,
        "--subjects",
        str(campaign),
        "--timeout",
        "90",
        *interaction_site.proxy_args(),
        store=store,
    )
    assert result.exit_code == 0, result.output
    assert interaction_site.social_hits == []
    folder, m = by_url(store)[site.IG_FOLLOWING]
    (f,) = m["findings"]
    assert f["kind"] == "following" and f["subject"]["name"] == site.CAMPAIGN["name"]
    assert f["surface"].startswith("container-")  # position 45 of 60, in the dialog
    check_crop(folder, f)
