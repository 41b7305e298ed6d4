"""Finding the watched person in real captures (real Chromium, imitation platforms).

Pages: tests/support/findings_pages.py, served at the platforms' own addresses through
the imitation platforms' proxy. Each test checks what a hearing would be shown: the
finding, its kind, and a crop whose pixels are the screenshot's pixels around the item.
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path
from typing import Any

from collector.evidence.png import decode_rgb_region, png_size
from collector.evidence.store import EvidenceStore
from collector.records.index import Index
from collector.review.report import gather, render
from tests.support import findings_pages as pages
from tests.support.helpers import capture_folders, run_cli, verify
from tests.support.platform_site import PlatformSite

FAST = ["--timeout", "20", "--max-scrolls", "3", "--ignore-https-errors"]
NIP = "198703122010011003"


def subjects_file(tmp_path: Path) -> Path:
    path = tmp_path / "asn.toml"
    accounts = [("instagram", "budi.asn"), ("x", "budi_asn"), ("facebook", "budi.asn")]
    accounts.append(("tiktok", "budi.asn"))
    body = "".join(
        f'[[entry]]\nname = "{pages.WATCHED_NAME}"\nnip = "{NIP}"\nunit = "Dinas Pendidikan"\n'
        f'platform = "{platform}"\nhandle = "{handle}"\n'
        + ('find = ["Budi Asn"]\n' if platform == "facebook" else "")
        + "\n"
        for platform, handle in accounts
    )
    path.write_text(body, "utf-8")
    return path


def manifests(store: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    out = {}
    for folder in capture_folders(store):
        m = json.loads((folder / "manifest.json").read_text("utf-8"))
        out[m["requested_url"]] = (folder, m)
    return out


def kinds_of(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["kind"], f["item_text"][:40]) for f in m["findings"]]


def has_colour(png: bytes, colour: tuple[int, int, int]) -> bool:
    width, height = png_size(png)
    image = decode_rgb_region(png, (0, 0, width, height), max_pixels=width * height)
    return any(bytes(colour) in row for row in image.rows)


def test_watched_person_found_with_kind_and_crop(
    platform_site: PlatformSite, store: Path, tmp_path: Path
) -> None:
    pages.serve(platform_site.pages)
    urls = [pages.IG_POST, pages.FB_POST, pages.X_POST, pages.TT_POST]
    result = run_cli(
        "capture",
        *urls,
        "--subjects",
        str(subjects_file(tmp_path)),
        "--case",
        "BAWASLU-11",
        "--proxy",
        platform_site.proxy,
        *FAST,
        store=store,
    )
    assert result.exit_code == 0, result.output
    assert "findings: " in result.output
    found = manifests(store)
    assert set(found) == set(urls)

    folder, ig = found[pages.IG_POST]
    kinds = [k for k, _ in kinds_of(ig)]
    # andi's comment names @budi.asn (a mention); Budi's own comment; his reply under
    # it; his like in the likers dialog. budi.asn2's comment is not his.
    assert sorted(kinds) == ["comment", "like", "mention", "reply"], kinds_of(ig)
    assert not any(
        bad in f["item_text"]
        for f in ig["findings"]
        for bad in ("saya bukan ASN", "akun tiruan", "trending hari ini")
    )
    by_kind = {f["kind"]: f for f in ig["findings"]}
    assert by_kind["mention"]["matched_text"] == "@budi.asn"
    assert "Hadir! cc @budi.asn dan @budi.asn2" in by_kind["mention"]["item_text"]
    comment = by_kind["comment"]
    assert comment["subject"]["nip"] == NIP and comment["subject"]["unit"] == "Dinas Pendidikan"
    assert comment["subject"]["key"] == f"nip:{NIP}"
    # the whole comment, replies included, hostile text kept as text
    assert pages.HOSTILE.replace("\x1b", "") in comment["item_text"].replace("\x1b", "")
    assert "terima kasih dukungannya" in comment["item_text"]
    assert by_kind["reply"]["item_text"].endswith("terima kasih dukungannya")
    assert by_kind["like"]["rule"] == "generic.likers: dialog 'Disukai oleh'"
    for f in ig["findings"]:
        assert f["selector"] and f["xpath"].startswith("/html[1]/body[1]/")
        assert f["box"]["width"] > 0 and f["box"]["height"] > 0

    # crops: the screenshot's own pixels around the item, hashed, listed everywhere
    sums = (folder / "SHA256SUMS").read_text("utf-8")
    listed = {a["name"]: a["sha256"] for a in ig["artifacts"]}
    shot = (folder / "screenshot.png").read_bytes()
    for key, f in (("ig-comment", comment), ("ig-reply", by_kind["reply"])):
        crop = f["crop"]
        name = crop["artifact"]
        data = (folder / name).read_bytes()
        assert listed[name] == crop["sha256"] and f"{crop['sha256']}  {name}" in sums
        assert crop["source"] == "screenshot.png"
        x0, y0, x1, y1 = crop["box"]
        assert png_size(data) == (x1 - x0, y1 - y0)
        region = decode_rgb_region(shot, (x0, y0, x1, y1))
        assert decode_rgb_region(data, (0, 0, x1 - x0, y1 - y0)) == region
        # the match's box lies inside the crop, and the crop shows Budi's own item
        b = f["surface_box"]
        assert x0 <= b["x"] and b["x"] + b["width"] <= x1
        assert y0 <= b["y"] and b["y"] + b["height"] <= y1
        assert has_colour(data, pages.COLOURS[key])
        annotated = crop["annotated"]["artifact"]
        assert annotated in listed and annotated == name.replace(".png", "-annotated.png")
    # a mention's crop shows andi's comment, not Budi's (whose comment may show in the
    # margin below): the match's own row has none of Budi's colour
    mention = by_kind["mention"]
    crop = mention["crop"]
    row_y = int(mention["surface_box"]["y"] + mention["surface_box"]["height"] / 2)
    mention_png = (folder / crop["artifact"]).read_bytes()
    width, _ = png_size(mention_png)
    row = decode_rgb_region(
        mention_png, (0, row_y - crop["box"][1], width, row_y - crop["box"][1] + 1)
    )
    assert bytes(pages.COLOURS["ig-comment"]) not in row.rows[0]
    # the like sits in the dialog's own scroll container, below its visible part:
    # shown by the container's whole-content shot when one was taken
    like = by_kind["like"]
    if like["surface"].startswith("container-"):
        assert like["crop"]["source"] == like["surface"] and "artifact" in like["crop"]
    else:
        assert "error" in like["crop"]

    _, fb = found[pages.FB_POST]
    assert sorted(kinds_of(fb)) == [
        ("comment", "Budi Asn Siap menangkan 01 Sari W. Manta"),
        ("mention", "Sari W. Mantap Budi Asn"),
    ]
    assert {f["rule"].split(":")[0] for f in fb["findings"]} == {
        "facebook.comment_label",
        "facebook.reply_label+body",
    }
    _, x = found[pages.X_POST]
    assert kinds_of(x) == [("reply", "Budi Asn @budi_asn Setuju, 01 pasti mena")]
    assert x["findings"][0]["rule"].startswith("x.reply_thread")
    _, tt = found[pages.TT_POST]
    assert kinds_of(tt) == [("reply", "budi.asn Dukung!")]

    code, output = verify(store)
    assert code == 0, output

    # the index, `collector findings`, `collector show`
    listed_rows = json.loads(
        run_cli("findings", "--case", "BAWASLU-11", "--json", store=store).output
    )
    assert len(listed_rows) == sum(len(m["findings"]) for _, m in found.values())
    replies = run_cli(
        "findings", "--subject", "19870312 2010011003", "--kind", "reply", store=store
    )
    assert replies.exit_code == 0
    assert replies.output.count(" reply ") == 3, replies.output
    none = run_cli("findings", "--subject", "budi.asn2", store=store)
    assert none.exit_code == 1
    show = run_cli("show", ig["capture_id"], store=store)
    assert "finding 1 " in show.output and "generic.likers" in show.output
    # hostile text is inert in the terminal: no raw escape or bidi override
    assert "\x1b" not in show.output and "\u202e" not in show.output
    assert "\\x1b[31mMERAH" in show.output and "\\u202e" in show.output

    # the case report: each finding with its crop and the enclosing text, escaped
    s = EvidenceStore(store)
    with Index(s.index_path) as index:
        report = render(gather(s, index, case="BAWASLU-11", operator="test"))
    assert "<script>alert(1)" not in report and "onerror=alert(2)>" not in report
    assert html.escape("<script>alert(1)</script>") in report
    assert "\u202e" not in report and "\x1b" not in report
    assert report.count('class="finding"') == len(listed_rows)
    assert 'Komentar</span> <span class="en">/ Comment' in report
    assert report.count("data:image/png;base64,") >= 1 + 5  # screenshots, crops


def test_following_list_and_changes_between_runs(
    platform_site: PlatformSite, store: Path, tmp_path: Path
) -> None:
    pages.serve(platform_site.pages)
    campaign = tmp_path / "kampanye.toml"
    campaign.write_text(
        '[defaults]\nplatform = "instagram"\n\n'
        '[[entry]]\nname = "Tim Pemenangan"\nhandle = "tim.pemenangan"\n\n'
        '[[entry]]\nname = "Paslon 01 Resmi"\nhandle = "paslon01.resmi"\n',
        "utf-8",
    )
    watch = tmp_path / "asn.toml"
    watch.write_text(
        f'[proxy]\n"*" = "{platform_site.proxy}"\n\n'
        f'[[entry]]\nname = "{pages.WATCHED_NAME}"\nnip = "{NIP}"\nplatform = "instagram"\n'
        f'handle = "{pages.WATCHED}"\nlists = ["following"]\n',
        "utf-8",
    )
    received = tmp_path / "notified.jsonl"
    notify = (
        f'{sys.executable} -c \'import sys; open(sys.argv[1], "ab")'
        f".write(sys.stdin.buffer.read())' {received}"
    )

    def run(*extra: str) -> str:
        result = run_cli(
            "run",
            str(watch),
            "--subjects",
            str(campaign),
            "--host-delay",
            "0",
            "--retries",
            "0",
            *FAST,
            *extra,
            store=store,
        )
        assert result.exit_code == 0, result.output
        return result.output

    first = run()
    assert pages.IG_FOLLOWING in first  # the list's own capture line
    assert "findings: 1 (1 following)" in first, first
    (row,) = json.loads(run_cli("findings", "--kind", "following", "--json", store=store).output)
    assert row["subject_name"] == "Tim Pemenangan" and row["list"] == "following"
    assert row["entry_name"] == pages.WATCHED_NAME
    assert row["rule"].startswith("list_capture.following")
    assert row["url"] == pages.IG_FOLLOWING
    # the profile's own capture and the list's are linked to the entry, not compared
    by_url = {m["requested_url"]: m for _, m in manifests(store).values()}
    assert by_url[pages.IG_FOLLOWING]["run"]["entry"]["profile_url"] == pages.IG_PROFILE
    assert by_url[pages.IG_PROFILE]["findings"] == []

    # between the runs Budi unfollows the campaign and follows the official candidate
    platform_site.pages[pages.IG_FOLLOWING] = (
        200,
        pages.instagram_following(["warga1", "paslon01.resmi", "dinas.pendidikan"]),
    )
    second = run("--notify-command", notify)
    assert "finding_removed" in second and "finding_added" in second, second
    changes = json.loads(run_cli("changes", "--json", store=store).output)
    (change,) = [c for c in changes if c["url"] == pages.IG_FOLLOWING]
    # listed first, before the text diff that also shows the list changed
    assert change["kinds"] == ["finding_removed", "finding_added", "text_changed"]
    details = {c["kind"]: c["details"] for c in change["details"]["changes"]}
    assert details["finding_removed"]["findings"] == [
        "Tim Pemenangan (following): tim.pemenangan Tim Pemenangan"
    ]
    assert details["finding_added"]["findings"] == [
        "Paslon 01 Resmi (following): paslon01.resmi Paslon01 Resmi"
    ]
    payloads = [json.loads(line) for line in received.read_text("utf-8").splitlines()]
    assert [p["kinds"] for p in payloads] == [change["kinds"]]
    # reindex derives the same findings and changes from the manifests
    before = json.loads(run_cli("findings", "--json", store=store).output)
    assert run_cli("reindex", store=store).exit_code == 0
    assert json.loads(run_cli("findings", "--json", store=store).output) == before
    again = json.loads(run_cli("changes", "--json", store=store).output)
    assert [c["kinds"] for c in again if c["url"] == pages.IG_FOLLOWING] == [change["kinds"]]


def test_expect_find_and_a_page_without_the_person(
    platform_site: PlatformSite, store: Path
) -> None:
    pages.serve(platform_site.pages)
    result = run_cli(
        "capture",
        pages.EMPTY_POST,
        "--find",
        "@budi.asn",
        "--expect-find",
        "--proxy",
        platform_site.proxy,
        *FAST,
        store=store,
    )
    assert result.exit_code == 4, result.output  # not_ok: captured, not what was expected
    assert "expectation_failed" in result.output
    assert "none of the people looked for was found" in result.output
    ((folder, m),) = manifests(store).values()
    assert m["outcome"] == "expectation_failed" and m["findings"] == []
    assert "none of the watched people was found" in m["outcome_reason"]
    assert m["find"]["expect_find"] is True
    assert not list(folder.glob("find-*.png"))
    # the campaign account itself heads its post: the author
    author = run_cli(
        "capture",
        pages.EMPTY_POST,
        "--find",
        "@tim.pemenangan",
        "--proxy",
        platform_site.proxy,
        *FAST,
        store=store,
    )
    assert author.exit_code == 0, author.output
    assert " author " in author.output
    bad = run_cli("capture", pages.EMPTY_POST, "--expect-find", store=store)
    assert bad.exit_code == 2 and "--expect-find needs --find or --subjects" in bad.output
