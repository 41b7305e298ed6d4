"""collector.evidence.findings: matches -> findings, crops filed as hashed artifacts."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from collector.evidence.findings import (
    crop_box,
    expect_found,
    file_findings,
    find_record,
    finding_facts,
    finding_identity,
    subject_key,
)
from collector.evidence.png import RgbImage, decode_rgb_region, encode_png, png_size
from collector.evidence.store import EvidenceStore
from collector.lists.subjects import all_needles, subjects_from_find
from collector.models import CaptureJob, CaptureOptions, Outcome, PageCapture, Subject

RED, WHITE, BLUE = bytes([255, 0, 0]), bytes([255, 255, 255]), bytes([0, 0, 255])


def canvas(width: int, height: int, paint: dict[tuple[int, int, int, int], bytes]) -> bytes:
    """A white PNG with rectangles (x0, y0, x1, y1) painted."""
    rows = []
    for y in range(height):
        row = bytearray(WHITE * width)
        for (x0, y0, x1, y1), colour in paint.items():
            if y0 <= y < y1:
                row[3 * x0 : 3 * x1] = colour * (x1 - x0)
        rows.append(bytes(row))
    return encode_png(RgbImage(width, height, tuple(rows)))


def page(matches: list[dict[str, Any]], **kw: Any) -> PageCapture:
    base: dict[str, Any] = dict(
        requested_url="https://www.instagram.com/p/Cx1/",
        started_at="2026-12-07T01:00:00.000Z",
        finished_at="2026-12-07T01:00:05.000Z",
        outcome=Outcome.OK,
        reason="",
        final_url="https://www.instagram.com/p/Cx1/",
        redirects=(),
        response=None,
        title="t",
        user_agent=None,
        screenshot=canvas(1000, 300, {(100, 100, 160, 120): RED}),
        screenshot_info={},
        dom="",
        mhtml=None,
        text="",
        settle={},
        dialogs=(),
        errors=(),
        page_facts={},
        matches=tuple(matches),
        matches_screenshot="screenshot.png",
    )
    base.update(kw)
    return PageCapture(**base)


def m(needle: str, x: float, y: float, **kw: Any) -> dict[str, Any]:
    box = {"x": x, "y": y, "width": 60, "height": 20}
    return {
        "needle": needle,
        "how": "text",
        "matched": "@budi",
        "item_text": "budi Mantap pak",
        "item_tag": "li",
        "selector": "li:nth-of-type(2) > a",
        "xpath": "/html[1]/body[1]/ul[1]/li[2]/a[1]/text()[1]",
        "item_xpath": f"/html[1]/body[1]/ul[1]/li[{int(y)}]",
        "box": box,
        "item_box": {"x": x - 10, "y": y - 5, "width": 200, "height": 30},
        "surface": "page",
        "surface_box": box,
        "surface_item_box": {"x": x - 10, "y": y - 5, "width": 200, "height": 30},
        "context": [{"level": 3, "source": "heading", "text": "Komentar"}],
        "items": [1],
        "lists": [2],
        "lead": True,
        **kw,
    }


def job(*values: str, platform: str = "instagram", **kw: Any) -> CaptureJob:
    subjects = subjects_from_find(values, platform, "--find")
    return CaptureJob(
        "https://www.instagram.com/p/Cx1/",
        find=all_needles(subjects),
        subjects=subjects,
        **kw,
    )


@pytest.fixture
def writer(tmp_path: Path) -> Any:
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    return store.begin("20261207T010000000Z-abcdef")


def test_a_finding_with_its_crop(writer: Any) -> None:
    findings = file_findings(writer, job("@budi"), page([m("s1.1", 100, 100)]))
    assert len(findings) == 1
    f = findings[0]
    assert (f.kind, f.rule) == ("comment", "generic.comments: heading 'Komentar'")
    assert f.subject["handle"] == "budi" and f.subject["key"] == "handle:instagram:budi"
    assert f.surface == "screenshot.png"
    crop = f.crop or {}
    # the item (90..290 x 95..125) plus a 16 px margin, widened to 480 px
    assert crop["box"] == [74, 79, 554, 141]
    data = (writer.folder / "find-1.png").read_bytes()
    assert crop["sha256"] == hashlib.sha256(data).hexdigest()
    assert png_size(data) == (480, 62)
    pixels = decode_rgb_region(data, (0, 0, 480, 62))
    # the red match sits 26 px in and 21 px down in the crop, as in the screenshot
    assert pixels.pixel(26, 21) == (255, 0, 0) and pixels.pixel(25, 21) == (255, 255, 255)
    # the annotated copy is derived, and named so; the crop itself is untouched
    annotated = crop["annotated"]
    assert annotated["derived_from"] == "find-1.png"
    marked = decode_rgb_region(
        (writer.folder / annotated["artifact"]).read_bytes(), (0, 0, 232, 62)
    )
    assert marked.pixel(24, 19) == (220, 0, 0)
    assert {a.name for a in writer.artifacts} == {"find-1.png", "find-1-annotated.png"}


def test_one_finding_per_person_and_item(writer: Any) -> None:
    subjects = (
        Subject(
            "s1",
            "Budi Santoso",
            "198703122010011003",
            "Dinas Pendidikan",
            (("instagram", "budi"),),
            tuple(all_needles(subjects_from_find(["@budi", "Budi Santoso"], "instagram", "x"))),
            "asn.toml entry 1",
        ),
    )
    # renumber the needles under s1
    from collector.lists.subjects import combine

    subjects = combine(subjects)
    j = CaptureJob("https://x.test/", find=all_needles(subjects), subjects=subjects)
    # the name comes first in the comment, the handle after it: the handle's match wins
    same_item = [m("s1.2", 100, 100, matched="Budi Santoso"), m("s1.1", 100, 100)]
    findings = file_findings(writer, j, page(same_item))
    assert [f.needle_id for f in findings] == ["s1.1"]
    assert findings[0].subject["handle"] == "budi"
    assert findings[0].subject["nip"] == "198703122010011003"
    assert findings[0].subject["key"] == "nip:198703122010011003"


def test_kind_from_a_list_capture_and_container_surfaces(writer: Any) -> None:
    container = canvas(300, 900, {(20, 800, 80, 820): BLUE})
    j = job("@tim.pemenangan", entry={"name": "Budi", "list": "following"})
    match = m(
        "s1.1",
        700,
        1000,
        surface="container-1",
        surface_box={"x": 20, "y": 800, "width": 60, "height": 20},
        surface_item_box={"x": 10, "y": 795, "width": 280, "height": 30},
        context=[{"level": 4, "source": "dialog", "text": "Disukai oleh"}],
    )
    p = page([match], container_shots=((container, {"mode": "test"}),))
    (f,) = file_findings(writer, j, p)
    assert (f.kind, f.surface) == ("following", "container-1.png")
    assert f.rule.startswith("list_capture.following")
    crop = f.crop or {}
    assert crop["source"] == "container-1.png"
    image = decode_rgb_region((writer.folder / "find-1.png").read_bytes(), (0, 0, 999, 999))
    assert image.pixel(20 - crop["box"][0], 800 - crop["box"][1]) == (0, 0, 255)


def test_a_list_opened_in_a_dialog_is_only_what_the_dialog_holds(writer: Any) -> None:
    # TikTok/Threads: the list's capture is the profile with the dialog over it; the
    # campaign named in the profile's bio behind the dialog is no `following`
    entry = {"name": "Budi", "list": "following", "list_in": "dialog"}
    j = job("@tim.pemenangan", platform="tiktok", entry=entry)
    in_dialog = m("s1.1", 100, 100, context=[{"level": 4, "source": "dialog", "text": "budi"}])
    in_bio = m("s1.1", 100, 200, context=[], items=[], lists=[], lead=False)
    shot = canvas(1000, 300, {(100, 100, 160, 120): RED, (100, 200, 160, 220): BLUE})
    found = file_findings(writer, j, page([in_dialog, in_bio], screenshot=shot))
    assert [(f.kind, f.rule.split(":")[0]) for f in found] == [
        ("following", "list_capture.following"),
        ("mention", "text.at_sign"),
    ]


def test_a_match_outside_the_shot_is_a_finding_without_a_crop(writer: Any) -> None:
    (f,) = file_findings(writer, job("@budi"), page([m("s1.1", 100, 5000)]))
    assert f.crop is not None and "outside screenshot.png" in f.crop["error"]
    assert writer.artifacts == []
    (g,) = file_findings(writer, job("@budi"), page([m("s1.1", 1, 1, surface="container-3")]))
    assert g.crop is not None and g.crop["error"] == "container-3.png was not taken: no crop"


def test_device_scale_factor(writer: Any) -> None:
    j = job("@budi", options=CaptureOptions(device_scale_factor=2.0))
    shot = canvas(800, 600, {(200, 200, 320, 240): RED})
    (f,) = file_findings(writer, j, page([m("s1.1", 100, 100)], screenshot=shot))
    assert f.surface_box == {"x": 200.0, "y": 200.0, "width": 120.0, "height": 40.0}
    crop = f.crop or {}
    # 480 CSS px wide is wider than the 400 CSS px page: all of it
    assert crop["box"] == [0, 158, 800, 282]


def test_crop_box_of_a_huge_item_stays_around_the_match() -> None:
    match = {"x": 100, "y": 5000, "width": 50, "height": 20}
    thread = {"x": 0, "y": 0, "width": 1200, "height": 20000}
    assert crop_box(match, thread, 1.0) == (-236, 4824, 486, 5196)


def test_crop_box_is_widened_within_the_image() -> None:
    row = {"x": 20, "y": 100, "width": 80, "height": 20}
    assert crop_box(row, row, 1.0, 1280) == (4, 84, 484, 136)
    near_edge = {"x": 1200, "y": 100, "width": 60, "height": 20}
    assert crop_box(near_edge, near_edge, 2.0, 2560) == (1600, 168, 2560, 272)


def test_expect_found() -> None:
    j = job("@budi", expect_find=True)
    missing = expect_found(j, page([]))
    assert missing.outcome is Outcome.EXPECTATION_FAILED
    assert "none of the watched people was found" in missing.reason and "budi" in missing.reason
    assert expect_found(j, page([m("s1.1", 1, 1)])).outcome is Outcome.OK
    assert expect_found(job("@budi"), page([])).outcome is Outcome.OK  # not asked
    blocked = page([], outcome=Outcome.LOGIN_WALL)
    assert expect_found(j, blocked).outcome is Outcome.LOGIN_WALL  # says more already


def test_manifest_records_and_identities() -> None:
    record = find_record(job("@budi", "Budi Santoso"))
    assert record is not None
    assert [s["looked_for"] for s in record["subjects"]] == [["budi", "Budi Santoso"]]
    assert [subject_key(s) for s in record["subjects"]] == ["name:budi santoso"]
    assert subject_key({"handles": [{"platform": "x", "handle": "Budi"}]}) == "handle:x:budi"
    assert subject_key({"looked_for": ["#Coblos01"]}) == "find:#coblos01"
    assert subject_key({"nip": "1", "name": "Budi"}) == "nip:1"
    assert find_record(CaptureJob("https://x.test/")) is None
    a = {"subject": {"key": "nip:1"}, "kind": "comment", "item_text": "budi  Mantap 2 j 1.204 suka"}
    b = {"subject": {"key": "nip:1"}, "kind": "comment", "item_text": "Budi mantap 3 j 1.310 suka"}
    assert finding_identity(a) == finding_identity(b)
    assert finding_identity(a) != finding_identity({**b, "kind": "reply"})
    facts = finding_facts({"find": record, "findings": [{**a, "subject": {"key": "nip:1"}}]})
    assert facts["find_subjects"] == {"name:budi santoso"}
    assert len(facts["findings"]) == 1
    assert finding_facts({"findings": []}) == {"findings": None, "find_subjects": None}


def test_many_findings_one_decode_and_a_crop_limit(
    writer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import collector.evidence.findings as findings_module

    monkeypatch.setattr(findings_module, "MAX_CROPS", 3)
    subjects = subjects_from_find([f"@warga{i}" for i in range(5)], "instagram", "--find")
    j = CaptureJob("https://x.test/", find=all_needles(subjects), subjects=subjects)
    matches = [m(f"s1.{i + 1}", 100, 40 + 50 * i) for i in range(5)]
    found = file_findings(writer, j, page(matches))
    assert [f.n for f in found] == [1, 2, 3, 4, 5]
    assert [bool((f.crop or {}).get("artifact")) for f in found] == [True] * 3 + [False] * 2
    assert (found[4].crop or {})["error"] == "more than 3 findings in one capture: no crop"
    # each crop is its own region of the one screenshot
    boxes = [(f.crop or {}).get("box") for f in found[:3]]
    assert [b[1] for b in boxes if b] == [19, 69, 119]


def test_a_handle_after_the_persons_own_name_heads_the_item(tmp_path: Path) -> None:
    # X: "Budi Santoso @budi_santoso Setuju ..." where the name is plain text
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    j = job("@budi_santoso", "Budi Santoso", platform="x")
    reply = m(
        "s1.1",
        100,
        100,
        matched="@budi_santoso",
        item_text="Budi Santoso @budi_santoso Setuju sekali",
        lead=False,
        context=[{"level": 1, "source": "attr", "text": "reply"}],
    )
    (f,) = file_findings(store.begin("20261207T010000000Z-aaaaaa"), j, page([reply]))
    assert f.kind == "reply"
    other = {**reply, "item_text": "Andi @budi_santoso Setuju sekali"}
    (g,) = file_findings(store.begin("20261207T010000000Z-bbbbbb"), j, page([other]))
    assert g.kind == "mention"
