"""Findings: the watched people find.js located in a capture, filed as evidence.

For each match (`PageCapture.matches`, see collector/capture/js/find.js) one `Finding`:
who (the subject: name, NIP, unit, the handle that matched), what was matched and the
whole enclosing item's text, where (CSS selector, XPath, box in page CSS px, and the
image that shows it: `screenshot.png` (or the shot after a consent click) or a scrolled
container's `container-N.png`, with the box in that image's pixels), the kind of
interaction and the rule that decided it (collector.sites.interactions), and a crop
`find-N.png` cut from that same image's bytes, losslessly (collector.evidence.png), plus
`find-N-annotated.png`, the same crop with a box drawn around the match: a derived
picture, never the evidence itself. Both are artifacts like any other: hashed as written,
in the manifest and SHA256SUMS. The manifest's `findings` lists the findings, `find` what
was looked for (so change detection knows whom a later capture looked for too).

One finding per person and item: a person's handle and name in the same comment are one
finding (the handle's), as are a name link and its avatar.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from collector.evidence.png import (
    PngError,
    RgbImage,
    decode_rgb_regions,
    draw_box,
    encode_png,
    png_size,
)
from collector.evidence.store import CaptureWriter
from collector.manifest import Manifest
from collector.models import CaptureJob, Finding, Outcome, PageCapture, Subject
from collector.sites.classify import job_platform
from collector.sites.interactions import LIST_KINDS, classify_kind

# Context around a match in a crop, CSS px; an item taller or wider than this is not
# cropped whole (a thread of 60 replies), only the part around the match.
CROP_MARGIN = 16
MAX_ITEM_HEIGHT = 600
MAX_ITEM_WIDTH = 2000
AROUND_MATCH = (320, 160)  # x, y context when the item is too large
MIN_CROP_WIDTH = 480
MAX_CROP_PIXELS = 4_000_000
MAX_CROPS = 300  # crops per capture; findings beyond it are kept, without a crop
BOX_COLOUR = (220, 0, 0)


def find_record(job: CaptureJob) -> dict[str, Any] | None:
    """The manifest's `find`: whom this capture looked for, and how."""
    if not job.find:
        return None
    entry = job.entry or {}
    return {
        "subjects": [subject_record(s) for s in job.subjects],
        "needles": [
            {"id": n.id, "kind": n.kind, "value": n.value, "platform": n.platform} for n in job.find
        ],
        "expect_find": job.expect_find,
        "list": entry.get("list"),
    }


def subject_record(subject: Subject) -> dict[str, Any]:
    return {
        "id": subject.id,
        "name": subject.name,
        "nip": subject.nip,
        "unit": subject.unit,
        "handles": [{"platform": p, "handle": h} for p, h in subject.handles],
        "looked_for": [n.value for n in subject.needles],
        "source": subject.source,
    }


def subject_key(subject: dict[str, Any]) -> str:
    """Who a finding is about, across captures and runs: the NIP, else the name, else
    the first handle."""
    if subject.get("nip"):
        return f"nip:{subject['nip']}"
    if subject.get("name"):
        return "name:" + " ".join(str(subject["name"]).casefold().split())
    handles = subject.get("handles") or []
    if handles:
        first = handles[0]
        return f"handle:{first.get('platform')}:{str(first.get('handle')).lower()}"
    looked = subject.get("looked_for") or []
    if looked:
        return "find:" + " ".join(str(looked[0]).casefold().split())
    return "subject:" + str(subject.get("id"))


def finding_identity(finding: dict[str, Any]) -> str:
    """What "the same finding" means in two captures of one page (change detection):
    the same person, kind and enclosing item's text, with white space collapsed, case
    folded and numbers left out ("2 j" becomes "3 j", like counts move)."""
    subject = finding.get("subject") or {}
    text = " ".join(str(finding.get("item_text") or "").casefold().split())
    text = re.sub(r"\d+([.,]\d+)*", "#", text)[:300]
    return json.dumps(
        [subject.get("key") or subject.get("id"), finding.get("kind"), text],
        ensure_ascii=False,
    )


def finding_facts(manifest: Manifest) -> dict[str, Any]:
    """`findings` and `find_subjects` of collector.monitor.changes.CaptureFacts: what
    change detection compares (None: the capture looked for no one)."""
    find = manifest.get("find")
    if not isinstance(find, dict):
        return {"findings": None, "find_subjects": None}
    subjects = frozenset(subject_key(s) for s in find.get("subjects") or [] if isinstance(s, dict))
    found = []
    for f in manifest.get("findings") or []:
        if not isinstance(f, dict):
            continue
        subject = f.get("subject") or {}
        who = subject.get("name") or (f"@{subject['handle']}" if subject.get("handle") else "")
        text = " ".join(str(f.get("item_text") or "").split())
        summary = f"{who or subject.get('key')} ({f.get('kind')}): {text}"
        found.append((finding_identity(f), str(subject.get("key")), summary))
    return {"findings": tuple(found), "find_subjects": subjects}


def expect_found(job: CaptureJob, page: PageCapture) -> PageCapture:
    """`--expect-find`: an `ok` page on which none of the watched people was found is
    `expectation_failed`, like a missing `--expect-text`."""
    if not (job.expect_find and job.find) or page.outcome is not Outcome.OK or page.matches:
        return page
    names = [s.name or (s.handles[0][1] if s.handles else s.id) for s in job.subjects]
    shown = ", ".join(str(n) for n in names[:5]) + (", …" if len(names) > 5 else "")
    reason = f"none of the watched people was found on the page (--expect-find): {shown}"
    return replace(page, outcome=Outcome.EXPECTATION_FAILED, reason=reason)


def _in_dialog(match: Mapping[str, Any]) -> bool:
    """The match is in a dialog (find.js names it), or in a scrolled container: a list
    opened over a profile in a box the page does not mark as a dialog."""
    if any(isinstance(h, dict) and h.get("source") == "dialog" for h in match.get("context") or ()):
        return True
    return str(match.get("surface") or "page").startswith("container-")


def file_findings(writer: CaptureWriter, job: CaptureJob, page: PageCapture) -> list[Finding]:
    """Build the findings of a capture and write their crops (see the module docstring)."""
    if not job.find or not page.matches:
        return []
    by_needle: dict[str, Subject] = {n.id: s for s in job.subjects for n in s.needles}
    needles = {n.id: n for n in job.find}
    platform = job_platform(job)
    which = (job.entry or {}).get("list")
    list_kind = LIST_KINDS.get(which) if isinstance(which, str) else None
    # a list opened in a dialog over the profile: only what is in the dialog is the list
    in_dialog_only = (job.entry or {}).get("list_in") == "dialog"
    dsf = float(job.options.device_scale_factor or 1.0)
    findings: list[Finding] = []
    wanted: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    # the same person in the same item is one finding: the handle's match (what the
    # platform itself links to the account) rather than the name's, else the first
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for match in page.matches:
        needle = needles.get(str(match.get("needle") or ""))
        if needle is None:
            continue
        subject = by_needle.get(needle.id)
        item = str(match.get("item_xpath") or match.get("item_selector") or "")
        key = (subject.id if subject else needle.id, item)
        held = best.get(key)
        if held is None or (needles[held["needle"]].kind == "text" and needle.kind != "text"):
            best[key] = match
    for match in best.values():
        needle = needles[str(match["needle"])]
        needle_id = needle.id
        subject = by_needle.get(needle_id)
        if not match.get("lead") and subject is not None and _named_first(match, subject):
            match = {**match, "lead": True}
        listed = list_kind
        if in_dialog_only and not _in_dialog(match):
            listed = None  # on the profile behind the dialog: its own kind
        kind, rule = classify_kind(
            match, platform=platform, page_url=page.final_url, list_kind=listed
        )
        n = len(findings) + 1
        surface = str(match.get("surface") or "page")
        css = _box(match.get("surface_box"))
        crop: dict[str, Any] = {}  # filled in below, once every crop is known
        wanted.append((n, surface, match, crop))
        who: dict[str, Any] = {
            "id": subject.id if subject else None,
            "name": subject.name if subject else None,
            "nip": subject.nip if subject else None,
            "unit": subject.unit if subject else None,
            "platform": needle.platform,
            "handle": needle.value.lstrip("@") if needle.kind == "handle" else None,
            "looked_for": {"kind": needle.kind, "value": needle.value},
            "source": subject.source if subject else None,
        }
        who["key"] = subject_key(subject_record(subject)) if subject else f"find:{needle.value}"
        findings.append(
            Finding(
                n=n,
                needle_id=needle_id,
                subject=who,
                matched_text=str(match.get("matched") or ""),
                item_text=str(match.get("item_text") or ""),
                selector=str(match.get("selector") or ""),
                xpath=str(match.get("xpath") or ""),
                box=_box(match.get("box")),
                surface=_surface_name(surface, page),
                surface_box={k: round(v * dsf, 1) for k, v in css.items()},
                kind=kind,
                rule=rule,
                how=str(match.get("how") or "text"),
                crop=crop,
            )
        )
    _file_crops(writer, page, wanted, dsf)

    return findings


def _named_first(match: dict[str, Any], subject: Subject) -> bool:
    """The item starts with the person's own name and then the match ("Budi Santoso
    @budi_santoso · 2j Setuju ..."): they head the item, as its author, even where the
    name is not a link to their profile."""
    text = " ".join(str(match.get("item_text") or "").split()).casefold()
    matched = " ".join(str(match.get("matched") or "").split()).casefold()
    at = text.find(matched) if matched else -1
    if at <= 0:
        return False
    before = text[:at].strip()
    names = {" ".join(n.value.split()).casefold() for n in subject.needles if n.kind == "text"}
    if subject.name:
        names.add(" ".join(subject.name.split()).casefold())
    return before in names


def _surface_name(surface: str, page: PageCapture) -> str:
    if surface == "page":
        return page.matches_screenshot or "screenshot.png"
    return f"{surface}.png"


def _box(value: Any) -> dict[str, float]:
    box = value if isinstance(value, dict) else {}
    out = {}
    for key in ("x", "y", "width", "height"):
        try:
            out[key] = round(float(box.get(key) or 0.0), 1)
        except (TypeError, ValueError):
            out[key] = 0.0
    return out


def _surface_png(page: PageCapture, surface: str) -> bytes | None:
    if surface == "page":
        if page.matches_screenshot and page.matches_screenshot != "screenshot.png":
            return page.consent_screenshot
        return page.screenshot
    if surface.startswith("container-"):
        try:
            i = int(surface.split("-", 1)[1])
        except ValueError:
            return None
        if 1 <= i <= len(page.container_shots):
            return page.container_shots[i - 1][0]
    return None


def crop_box(
    match_box: dict[str, float],
    item_box: dict[str, float],
    dsf: float,
    image_width: int | None = None,
) -> tuple[int, int, int, int]:
    """Pixel box (x0, y0, x1, y1) to cut: the whole item with a margin when it is small
    enough, else the match with some context around it; at least MIN_CROP_WIDTH CSS px
    wide where the image allows (a list row's name alone says little)."""
    mx0, my0 = match_box["x"], match_box["y"]
    mx1, my1 = mx0 + match_box["width"], my0 + match_box["height"]
    if 0 < item_box["height"] <= MAX_ITEM_HEIGHT and 0 < item_box["width"] <= MAX_ITEM_WIDTH:
        x0, y0 = min(mx0, item_box["x"]), min(my0, item_box["y"])
        x1 = max(mx1, item_box["x"] + item_box["width"])
        y1 = max(my1, item_box["y"] + item_box["height"])
    else:
        dx, dy = AROUND_MATCH
        x0, y0, x1, y1 = mx0 - dx, my0 - dy, mx1 + dx, my1 + dy
    m = CROP_MARGIN
    x0, y0, x1, y1 = x0 - m, y0 - m, x1 + m, y1 + m
    if image_width is not None and x1 - x0 < MIN_CROP_WIDTH:
        css_width = image_width / dsf
        x1 = min(x0 + MIN_CROP_WIDTH, css_width)
        x0 = max(min(x0, x1 - MIN_CROP_WIDTH), 0.0)
    return (int(x0 * dsf), int(y0 * dsf), int(x1 * dsf + 0.999), int(y1 * dsf + 0.999))


def _file_crops(
    writer: CaptureWriter,
    page: PageCapture,
    wanted: list[tuple[int, str, dict[str, Any], dict[str, Any]]],
    dsf: float,
) -> None:
    """Cut every finding's crop: one pass over each source image, however many crops
    it gives (a list of 300 followers is one decode, not 300)."""
    by_surface: dict[str, list[tuple[int, dict[str, Any], dict[str, Any]]]] = {}
    for count, (n, surface, match, crop) in enumerate(wanted):
        source_name = _surface_name(surface, page)
        crop["source"] = source_name
        if count >= MAX_CROPS:
            crop["error"] = f"more than {MAX_CROPS} findings in one capture: no crop"
            continue
        if _surface_png(page, surface) is None:
            crop["error"] = f"{source_name} was not taken: no crop"
            continue
        by_surface.setdefault(surface, []).append((n, match, crop))
    for surface, requests in by_surface.items():
        png = _surface_png(page, surface)
        assert png is not None
        source_name = _surface_name(surface, page)
        try:
            width, height = png_size(png)
            boxes = [
                crop_box(_box(m.get("surface_box")), _box(m.get("surface_item_box")), dsf, width)
                for _, m, _ in requests
            ]
            images = decode_rgb_regions(png, boxes, max_pixels=MAX_CROP_PIXELS)
        except PngError as exc:
            for _, _, crop in requests:
                crop["error"] = f"cannot crop {source_name}: {exc}"
            continue
        for (n, match, crop), wanted_box, image in zip(requests, boxes, images, strict=True):
            if isinstance(image, PngError):
                outside = "outside" in str(image)
                crop["error"] = (
                    f"the match lies outside {source_name} ({width}x{height} px; "
                    "a truncated or clipped screenshot)"
                    if outside
                    else f"cannot crop {source_name}: {image}"
                )
                continue
            origin = (max(0, wanted_box[0]), max(0, wanted_box[1]))
            crop.update(_write_crop(writer, n, image, origin, _box(match.get("surface_box")), dsf))


def _write_crop(
    writer: CaptureWriter,
    n: int,
    image: RgbImage,
    origin: tuple[int, int],
    match_box: dict[str, float],
    dsf: float,
) -> dict[str, Any]:
    name = f"find-{n}.png"
    artifact = writer.write_bytes(name, encode_png(image), "image/png")
    box = (origin[0], origin[1], origin[0] + image.width, origin[1] + image.height)
    mark = (
        int(match_box["x"] * dsf) - box[0] - 2,
        int(match_box["y"] * dsf) - box[1] - 2,
        int((match_box["x"] + match_box["width"]) * dsf) - box[0] + 3,
        int((match_box["y"] + match_box["height"]) * dsf) - box[1] + 3,
    )
    thickness = max(2, round(2 * dsf))
    annotated = encode_png(draw_box(image, mark, colour=BOX_COLOUR, thickness=thickness))
    derived = writer.write_bytes(f"find-{n}-annotated.png", annotated, "image/png")
    return {
        "artifact": name,
        "sha256": artifact.sha256,
        "box": list(box),  # pixels of the source image: x0, y0, x1, y1 (exclusive)
        "width": image.width,
        "height": image.height,
        "method": "decoded from the source PNG, cut, re-encoded losslessly (8-bit RGB)",
        "annotated": {
            "artifact": derived.name,
            "sha256": derived.sha256,
            "derived_from": name,
            "box": list(mark),  # where the box is drawn, in the crop's pixels
            "note": "a copy of the crop with a red box drawn around the match",
        },
    }
