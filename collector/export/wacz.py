"""Export a case's captures as one WACZ 1.1.1 package (the format: export.wacz_writer).

    archive/<capture-id>.warc.gz   each capture's WARC, secrets redacted, its revisit
                                   records resolved to the full records (docs/storage.md)
    indexes/index.cdx              every response, resource and metadata record (CDXJ)
    pages/pages.jsonl              one page per capture whose page the index holds: url (the
                                   final URL, else the requested one, whichever has a response
                                   record), ts (started_at), title (and the outcome if not ok)
    datapackage.json               every file's SHA-256 and size, plus `case` (below)
    datapackage-digest.json        its SHA-256, signed when a key is given

Before anything is written, each capture is checked: its manifest must hash to what the
index recorded when it was filed, and its WARC to what the manifest lists. The stored
WARC is never changed: the package holds a copy in which the values of `Cookie`,
`Set-Cookie`, `Authorization` and `Proxy-Authorization` are replaced (collector.evidence.redact,
through collector.evidence.warc_copy `copy_warc`, as in the zip package); datapackage.json's
`case.captures[].warc` records the stored file's SHA-256, the copy's, and what was redacted,
so the copy can be tied back to the evidence.

As with the evidence package (collector.export.package), the custody chain must be intact to
export, retired captures are left out, and the export is an `exported` custody event
(`format: wacz`): no package leaves without it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collector import __version__
from collector.errors import CaptureNotFound, CollectorError, UsageError
from collector.evidence.hashing import sha256_file
from collector.evidence.redact import MARKER
from collector.evidence.store import MANIFEST, EvidenceStore, load_manifest
from collector.evidence.warc import ArchiveError, WarcSummary, capture_warc
from collector.evidence.warc_copy import EarlierPayloads, copy_warc
from collector.export.wacz_writer import Page, WaczSummary, WaczWarc, write_wacz
from collector.manifest import Manifest
from collector.records import custody
from collector.records.custody import Action, NewEvent
from collector.records.index import Index
from collector.timeutil import parse_rfc3339, rfc3339, utc_now


class ExportError(CollectorError):
    """The package cannot be made as asked."""


@dataclass(frozen=True)
class ExportedCapture:
    capture_id: str
    url: str
    warc_sha256: str  # of the stored WARC
    packaged_sha256: str  # of the copy inside the WACZ (differs only when redacted)
    redacted: tuple[str, ...]


@dataclass(frozen=True)
class WaczExport:
    wacz: WaczSummary
    captures: tuple[ExportedCapture, ...]
    skipped: tuple[str, ...]  # "<capture id>: why" (no WARC, or retired)
    entry: dict[str, Any] | None  # the `exported` custody entry; None: not recorded
    # captures in the archive without a page: no response for their page was archived
    # (a network error, a timeout before any answer); datapackage.json `case.not_in_pages`
    not_in_pages: tuple[dict[str, Any], ...] = ()


def export_wacz(
    store: EvidenceStore,
    index: Index,
    *,
    case: str,
    out: Path,
    capture_ids: Sequence[str] = (),
    sign_key: Path | None = None,
    operator: str | None = None,
    record: bool = True,
) -> WaczExport:
    """Package the case's captures (all, or those named) into a WACZ at `out`; with
    `record`, append the `exported` custody event (a read-only store cannot)."""
    actor = operator or custody.default_actor()
    rows = _select(index, case, capture_ids)
    chain = custody.verify_chain(store, index)
    if not chain.ok:
        raise ExportError(
            f"the custody log is broken (first broken entry seq {chain.first_broken}): "
            "run `collector verify`; nothing exported"
        )
    if out.exists():
        raise UsageError(f"{out} already exists; refusing to overwrite it")
    if not out.parent.is_dir():
        raise UsageError(f"folder {out.parent} does not exist")
    created = utc_now()
    skipped: list[str] = []
    exported: list[ExportedCapture] = []
    pages: list[Page] = []
    not_in_pages: list[dict[str, Any]] = []
    described: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="wacz-", dir=out.parent) as tmp:
        warcs: list[WaczWarc] = []
        for row in rows:
            if row.get("retired_at"):
                skipped.append(f"{row['id']}: retired {row['retired_at']}")
                continue
            folder = store.root / row["folder"]
            manifest, manifest_sha = _checked_manifest(folder, row)
            listed = {a["name"]: a for a in manifest.get("artifacts", [])}
            warc = capture_warc(manifest)
            if warc is None:
                skipped.append(f"{row['id']}: no WARC (captured before WARC support)")
                continue
            copy_path = Path(tmp) / f"{row['id']}.warc.gz"
            try:
                earlier = _earlier_payloads(folder, manifest, listed)
                with copy_path.open("xb") as fh:
                    copied = copy_warc(folder / warc, fh, redact=True, resolve=earlier)
            except (ArchiveError, OSError) as exc:
                raise ExportError(f"capture {row['id']}: {exc}") from exc
            if copied.source_sha256 != listed[warc]["sha256"]:
                raise ExportError(
                    f"{row['folder']}/{warc}: SHA-256 differs from the manifest "
                    "(modified); run `collector verify` — refusing to export it"
                )
            warcs.append(WaczWarc(copy_path.name, copy_path, copied.summary))
            url = page_url(manifest, copied.summary)
            if url is None:
                not_in_pages.append(
                    {
                        "capture_id": row["id"],
                        "requested_url": manifest["requested_url"],
                        "final_url": manifest.get("final_url"),
                        "outcome": manifest["outcome"],
                        "reason": "no HTTP response for the page in its WARC",
                    }
                )
                url = manifest["requested_url"]
            else:
                pages.append(
                    Page(
                        url, parse_rfc3339(manifest["started_at"]), page_title(manifest), row["id"]
                    )
                )
            exported.append(
                ExportedCapture(
                    row["id"], url, copied.source_sha256, copied.summary.sha256, copied.redacted
                )
            )
            described.append(
                {
                    "capture_id": row["id"],
                    "requested_url": manifest["requested_url"],
                    "final_url": manifest.get("final_url"),
                    "outcome": manifest["outcome"],
                    "started_at": manifest["started_at"],
                    "finished_at": manifest["finished_at"],
                    "operator": manifest.get("operator"),
                    "manifest_sha256": manifest_sha,
                    "warc": {
                        "path": f"archive/{copy_path.name}",
                        "stored_sha256": copied.source_sha256,
                        "packaged_sha256": copied.summary.sha256,
                        "redacted": list(copied.redacted),
                    },
                    "timestamps": [
                        {"tsa_url": t["tsa_url"], "gen_time": t["gen_time"], "tsr": t["tsr"]}
                        for t in index.timestamps(row["id"])
                    ],
                }
            )
        if not warcs:
            raise ExportError(
                f"nothing to export for case {case!r}: " + ("; ".join(skipped) or "no captures")
            )
        extra = {
            "case": {
                "id": case,
                "exported_by": actor,
                "exported_at": rfc3339(created),
                "captures": described,
                "skipped": skipped,
                "not_in_pages": not_in_pages,
                # the custody head at export (collector.records.anchor): `verify --anchor`
                "custody_anchor": {
                    "type": "collector-custody-anchor",
                    "seq": chain.head_seq,
                    "entry_hash": chain.head,
                    "at": rfc3339(created),
                },
                "redaction": (
                    "Values of Cookie, Set-Cookie, Authorization and Proxy-Authorization are "
                    f"replaced by '{MARKER}' in the packaged WARCs; the stored originals are "
                    "unchanged (stored_sha256 is the evidence file's SHA-256)."
                ),
            }
        }
        try:
            summary = write_wacz(
                out,
                warcs=warcs,
                pages=pages,
                title=f"Case {case}",
                description=(
                    f"Web captures preserved as evidence for case {case} by collector "
                    f"{__version__}: {len(warcs)} capture(s). Each WARC holds the page's HTTP "
                    "traffic, its screenshot, rendered DOM and MHTML, and the capture's "
                    "provenance."
                ),
                software=f"collector {__version__}",
                created=created,
                extra=extra,
                sign_key=sign_key,
            )
        except ArchiveError as exc:
            raise ExportError(str(exc)) from exc
    event = NewEvent(
        Action.EXPORTED,
        actor,
        tuple(c.capture_id for c in exported),
        {
            "case": case,
            "format": "wacz",
            "file": out.name,
            "package_sha256": summary.sha256,
            "datapackage_sha256": summary.datapackage_hash.removeprefix("sha256:"),
            "custody_head": chain.head,
            "custody_head_seq": chain.head_seq,
            "redactions": sum(len(c.redacted) for c in exported),
            "signed": sign_key is not None,
            "public_key": summary.public_key,
            "skipped": skipped,
        },
    )
    entry = None
    try:
        if record:
            entry = custody.CustodyLog(store, index).append([event])[0]
    except BaseException:
        out.unlink(missing_ok=True)  # no package leaves without its custody event
        raise
    return WaczExport(summary, tuple(exported), tuple(skipped), entry, tuple(not_in_pages))


def page_url(manifest: Manifest, summary: WarcSummary) -> str | None:
    """The URL pages.jsonl lists for a capture: one the index holds a response for, so a
    page in the list always replays. The final URL, else the requested one; None when the
    WARC has a response for neither (a failed capture's final URL can be Chromium's
    `chrome-error://chromewebdata/`, which no archive holds)."""
    answered = {r.uri for r in summary.records if r.record_type == "response"}
    for url in (manifest.get("final_url"), manifest["requested_url"]):
        if url and url in answered:
            return str(url)
    return None


def page_title(manifest: Manifest) -> str | None:
    """The page's title, with the outcome when it is not `ok`: a list of pages must not
    present a deleted post's error page as the post."""
    title = (manifest.get("page") or {}).get("title")
    outcome = manifest.get("outcome")
    if outcome == "ok":
        return title
    return f"{title} [{outcome}]" if title else f"[{outcome}]"


def _select(index: Index, case: str, capture_ids: Sequence[str]) -> list[dict[str, Any]]:
    if capture_ids:
        rows = [index.resolve(ref) for ref in capture_ids]
        others = [r["id"] for r in rows if r["case_id"] != case]
        if others:
            raise UsageError(f"capture(s) {', '.join(others)} do not belong to case {case!r}")
        seen: dict[str, dict[str, Any]] = {r["id"]: r for r in rows}
        return sorted(seen.values(), key=lambda r: (r["started_at"], r["id"]))
    rows = index.captures(case=case)
    if not rows:
        raise CaptureNotFound(f"no captures for case {case!r}")
    return rows


def _earlier_payloads(
    folder: Path, manifest: Manifest, listed: dict[str, Any]
) -> EarlierPayloads | None:
    """The earlier WARCs a capture's revisit records point into (hard links in its own
    folder, docs/storage.md), each checked against its listed SHA-256 before it is read:
    the package holds full records, so it replays without the store."""
    names = (manifest.get("archive") or {}).get("refers_to") or []
    for name in names:
        digest = sha256_file(folder / name)[0] if name in listed else None
        if digest != listed.get(name, {}).get("sha256"):
            raise ExportError(
                f"{folder.name}/{name}: missing or SHA-256 differs from the manifest "
                "(modified); run `collector verify` — refusing to export it"
            )
    return EarlierPayloads([folder / n for n in names]) if names else None


def _checked_manifest(folder: Path, row: dict[str, Any]) -> tuple[Manifest, str]:
    if not (folder / MANIFEST).is_file():
        raise ExportError(f"{row['folder']}/{MANIFEST} is missing; run `collector verify`")
    manifest, digest = load_manifest(folder)
    if digest != row["manifest_sha256"]:
        raise ExportError(
            f"{row['folder']}/{MANIFEST} does not match the SHA-256 indexed when it was filed; "
            "run `collector verify` — refusing to export it"
        )
    return manifest, digest
