"""Filing one capture: the page's bytes written and hashed, the WARC, the manifest (built
here and only here), then, with TSAs, RFC 3161 tokens over it; sealed into the store.

The manifest is built in two steps because the WARC sits between them: `build_provenance`
makes everything the capture observed (the WARC's metadata record repeats it), the WARC is
written from it, and `build_manifest` adds the WARC's own record. The store appends the
artifact list as it writes manifest.json. See collector.manifest for the record's types.
"""

from __future__ import annotations

import contextlib
import errno
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from collector import __version__
from collector.errors import StoreError
from collector.evidence.findings import file_findings, find_record
from collector.evidence.har import (
    FULL_HAR,
    HAR_MEDIA,
    HAR_NAME,
    RECORDED_HAR,
    har_json,
    pack_har,
)
from collector.evidence.hashing import sha256_bytes
from collector.evidence.png import png_size_fields
from collector.evidence.pool import blob_path
from collector.evidence.redact import redact_response_headers
from collector.evidence.stamps import (
    TsaSettings,
    records_from_document,
    stamp_capture,
    time_sources_record,
)
from collector.evidence.store import TIMESTAMPS, CaptureWriter, load_manifest
from collector.evidence.warc import (
    LEGACY_WARC_NAME,
    MIN_REVISIT_BYTES,
    ArchiveError,
    PriorLookup,
    PriorPayload,
    WarcInfo,
    WarcResource,
    har_without_bodies,
    response_bodies,
    response_payloads,
    warc_digest,
    warc_name,
    write_capture_warc,
)
from collector.evidence.warc_copy import response_payloads_in
from collector.manifest import (
    MANIFEST_VERSION,
    ArchiveRecord,
    EnvironmentRecord,
    ManifestDraft,
    Provenance,
    RedirectRecord,
    ResponseRecord,
    RunRecord,
    TimestampingRecord,
)
from collector.models import (
    BrowserInfo,
    CaptureJob,
    EarlierCapture,
    FiledCapture,
    Finding,
    PageCapture,
    RedirectHop,
    StoredPayload,
)
from collector.sites.platforms import PlatformError, detect_platform, resolve_platform
from collector.sites.posts import extract_post_links
from collector.sites.urls import redact_proxy, redact_url_credentials
from collector.timeutil import parse_rfc3339, rfc3339, utc_now

WARC_MEDIA = "application/warc"
# errors that mean the disk is full: a capture fails, never filed incomplete
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
CONSENT_SCREENSHOT = "screenshot-after-consent.png"
MAX_POST_LINKS = 500

# Content-Type -> (file name of the body as received, media type when none is given)
_BODY_NAMES = {
    "text/html": "response.html",
    "application/xhtml+xml": "response.xhtml",
    "application/json": "response.json",
    "text/plain": "response.txt",
    "application/xml": "response.xml",
    "text/xml": "response.xml",
    "image/png": "response.png",
    "image/jpeg": "response.jpg",
    "image/gif": "response.gif",
    "image/webp": "response.webp",
    "application/pdf": "response.pdf",
}


def file_capture(
    writer: CaptureWriter,
    job: CaptureJob,
    page: PageCapture,
    browser: BrowserInfo,
    environment: EnvironmentRecord,
    tsa: TsaSettings | None = None,
    earlier: EarlierLookup | None = None,
    previous: Callable[[], EarlierCapture | None] | None = None,
) -> FiledCapture:
    """Write every artifact (hashed as written), the WARC, the manifest, then, with TSAs,
    the timestamp tokens over the manifest; seal and rename into place.

    `earlier` opens the store's lookup of payloads stored in full by earlier captures
    (collector.records.index `earlier_payloads`): with it, the WARC stores those as
    revisit records. `previous` finds the previous capture of the same page in the same
    case with the same outcome (collector.records.index `previous_capture`): when this one
    rendered the very same bytes, that capture's MHTML snapshot is linked instead of filing
    a new one (`_reusable_snapshot`; docs/storage.md)."""
    har, raw_har = _read_har(writer)
    reuse = _reusable_snapshot(writer, page, har, previous)
    body_name, dom, reused = _write_artifacts(writer, page, har, raw_har, reuse)
    findings = file_findings(writer, job, page)  # find-N.png crops: collector.evidence.findings
    provenance = build_provenance(
        writer.capture_id, job, page, browser, environment, body_name, tsa, findings
    )
    with earlier() if earlier is not None else contextlib.nullcontext(None) as lookup:
        archive, payloads = write_archive(writer, job, page, provenance, dom, har, lookup, reused)
    if archive["file"] is None and raw_har is not None and har is not None:
        # no WARC holds the bodies network.har points to: keep the HAR as recorded
        writer.write_bytes(FULL_HAR, pack_har(raw_har), HAR_MEDIA)
    writer.write_manifest(build_manifest(provenance, archive))
    tokens = stamp_capture(writer, tsa) if tsa is not None and tsa.urls else []
    filed = replace(writer.seal(), payloads=payloads)
    if not tokens:
        return filed
    records = records_from_document({"tokens": tokens}, filed.capture_id, filed.folder)
    return replace(filed, timestamps=tuple(records))


MHTML = "page.mhtml"
MHTML_MEDIA = "multipart/related"


def refers_mhtml_name(sha256: str) -> str:
    """An earlier capture's MHTML snapshot, linked into a capture that rendered the same."""
    return f"refers-{sha256}.mhtml"


@dataclass(frozen=True)
class _Reuse:
    """An earlier capture's MHTML snapshot that this capture may link instead of its own."""

    compared_with: str  # the previous capture with this outcome, whose bytes this one's equal
    outcome: str
    from_capture: str  # the capture that took the snapshot (it may be older still)
    sha256: str
    size: int
    sources: tuple[Path, ...]  # where the snapshot is: the pool, the earlier folder
    payloads: int  # HTTP payloads compared
    name: str = ""  # once linked: its name in this capture

    def record(self) -> dict[str, Any]:
        """The manifest's `archive.mhtml_reused`: only when the snapshot was reused."""
        return {
            "file": self.name,
            "sha256": self.sha256,
            "from_capture": self.from_capture,
            "compared_with": self.compared_with,
            "payloads_compared": self.payloads,
            "reason": (
                f"dom.html, screenshot.png and all {self.payloads} HTTP payloads are "
                f"byte-identical to capture {self.compared_with}'s, the previous "
                f"{self.outcome} capture of this URL in this case; a new MHTML snapshot "
                "would differ only in Chromium's random MIME boundary, part ids and Date, so "
                f"none was filed: capture {self.from_capture}'s snapshot is linked here"
            ),
        }


def _reusable_snapshot(
    writer: CaptureWriter,
    page: PageCapture,
    har: dict[str, Any] | None,
    previous: Callable[[], EarlierCapture | None] | None,
) -> _Reuse | None:
    """The previous capture's snapshot, when this capture rendered exactly what it did:
    the same DOM, the same screenshot, and the same payload for every HTTP response (by
    URL and WARC-Payload-Digest, read back from its WARC after checking the WARC's hash).
    Anything missing, unreadable or different: None, and this capture files its own."""
    if (
        previous is None
        or har is None
        or page.mhtml is None
        or page.dom is None
        or page.screenshot is None
    ):
        return None
    prior = previous()
    if prior is None:
        return None
    dom = prior.artifact("dom.html")
    shot = prior.artifact("screenshot.png")
    if dom is None or dom[0] != sha256_bytes(page.dom.encode("utf-8")):
        return None
    if shot is None or shot[0] != sha256_bytes(page.screenshot):
        return None
    snapshots = [
        (n, sha, size)
        for n, sha, size in prior.artifacts
        if n == MHTML or (n.startswith("refers-") and n.endswith(".mhtml"))
    ]
    names = {n for n, _, _ in prior.artifacts}
    warcs = [n for n in (warc_name(prior.capture_id), LEGACY_WARC_NAME) if n in names]
    if len(snapshots) != 1 or not warcs:
        return None
    root = writer.store.root
    folder = root / prior.folder
    warc = prior.artifact(warcs[0])
    try:
        mine = response_payloads(har)
    except ArchiveError:
        return None
    if not mine or warc is None or response_payloads_in(folder / warcs[0], warc[0]) != mine:
        return None
    try:
        manifest, digest = load_manifest(folder)
    except (OSError, StoreError):
        return None
    if digest != prior.manifest_sha256:
        return None
    reused = (manifest.get("archive") or {}).get("mhtml_reused")
    origin = reused.get("from_capture") if isinstance(reused, dict) else None
    name, sha, size = snapshots[0]
    return _Reuse(
        compared_with=prior.capture_id,
        outcome=page.outcome.value,
        from_capture=str(origin or prior.capture_id),
        sha256=sha,
        size=size,
        sources=(blob_path(root, sha), folder / name),
        payloads=len(mine),
    )


def _link_snapshot(writer: CaptureWriter, reuse: _Reuse) -> _Reuse | None:
    """Link the earlier snapshot in (hashed after linking, as every shared file); None
    when no source links and hashes as recorded: the capture then files its own."""
    name = refers_mhtml_name(reuse.sha256)
    for source in reuse.sources:
        if source.is_file() and writer.link_earlier(name, source, reuse.sha256, MHTML_MEDIA):
            return replace(reuse, name=name)
    return None


def _read_har(writer: CaptureWriter) -> tuple[dict[str, Any] | None, bytes | None]:
    """The HAR Playwright wrote into the folder (parsed, and its bytes), taken out of the
    folder: it is filed again, compressed, without the bodies the WARC holds
    (`_write_artifacts`). A HAR that does not parse stays as it is, and is filed as it is."""
    path = writer.folder / RECORDED_HAR
    if not path.is_file():
        return None, None
    raw = path.read_bytes()
    try:
        har = json.loads(raw)
    except ValueError:
        return None, None
    if not isinstance(har, dict):
        return None, None
    path.unlink()
    return har, raw


def _write_artifacts(
    writer: CaptureWriter,
    page: PageCapture,
    har: dict[str, Any] | None,
    raw_har: bytes | None,
    reuse: _Reuse | None = None,
) -> tuple[str | None, bytes | None, _Reuse | None]:
    """The page's own files, in a fixed order; returns the body's file name, the DOM and
    the earlier snapshot linked instead of page.mhtml, if one was (`reuse`, when it links).
    network.har.gz: the HAR without the response bodies the WARC holds (each replaced by
    its payload digest: a body is stored once per capture), compressed."""
    reused = None
    body_name = None
    dom = page.dom.encode("utf-8") if page.dom is not None else None
    if page.screenshot is not None:
        writer.write_bytes("screenshot.png", page.screenshot, "image/png")
    if page.response is not None and page.response.body is not None:
        body_name, media = body_artifact_name(page.response.header("content-type"))
        writer.write_bytes(body_name, page.response.body, media)
    if dom is not None:
        writer.write_bytes("dom.html", dom, "text/html; charset=utf-8")
    if reuse is not None:
        reused = _link_snapshot(writer, reuse)
    if page.mhtml is not None and reused is None:
        writer.write_bytes(MHTML, page.mhtml, MHTML_MEDIA)
    if page.text is not None:
        writer.write_bytes("text.txt", page.text.encode("utf-8"), "text/plain; charset=utf-8")
    if har is not None and raw_har is not None:
        stripped, pointed = har_without_bodies(har)
        # nothing to point to: the bytes Playwright wrote
        data = har_json(stripped) if pointed else raw_har
        writer.write_bytes(HAR_NAME, pack_har(data), HAR_MEDIA)
    else:
        writer.adopt(RECORDED_HAR, "application/json")  # unreadable: filed as Playwright wrote it
    # the screenshot after a consent click, the inner containers' whole-content shots
    # (named in the manifest's `expand`), and files the page triggered
    if page.consent_screenshot is not None:
        writer.write_bytes(CONSENT_SCREENSHOT, page.consent_screenshot, "image/png")
    for i, (png, _info) in enumerate(page.container_shots, 1):
        writer.write_bytes(f"container-{i}.png", png, "image/png")
    for download in page.downloads:
        if download.get("status") == "saved":
            # saved into the folder by the browser, like the HAR: hashed from disk
            writer.adopt(download["artifact"], download["media_type"])
    return body_name, dom, reused


def body_artifact_name(content_type: str | None) -> tuple[str, str]:
    media = (content_type or "").split(";")[0].strip().lower()
    return _BODY_NAMES.get(media, "response.bin"), (content_type or "application/octet-stream")


def build_provenance(
    capture_id: str,
    job: CaptureJob,
    page: PageCapture,
    browser: BrowserInfo,
    environment: EnvironmentRecord,
    body_artifact: str | None,
    tsa: TsaSettings | None = None,
    findings: Sequence[Finding] = (),
) -> Provenance:
    """Everything one capture observed, and how: the manifest but for its WARC record
    (`build_manifest`) and its artifact list (appended by the store)."""
    options = asdict(job.options)
    options["viewport"] = str(job.options.viewport)
    options["proxy"] = redact_proxy(job.options.proxy) if job.options.proxy else None
    if job.options.storage_state:
        options["storage_state"] = Path(job.options.storage_state).name
    facts = dict(page.page_facts)
    links = facts.pop("links", None)  # kept in the DOM; too bulky for the manifest
    if links is not None:
        facts.update(post_link_facts(job, page, links))
    return {
        "manifest_version": MANIFEST_VERSION,
        "capture_id": capture_id,
        "requested_url": page.requested_url,
        "final_url": page.final_url,
        "outcome": page.outcome.value,
        "outcome_reason": page.reason,
        "started_at": page.started_at,
        "finished_at": page.finished_at,
        "case": job.case,
        "operator": job.operator,
        "note": job.note,
        "redirects": [_redirect_record(hop) for hop in page.redirects],
        "response": _response_record(page, body_artifact),
        "page": {"title": page.title, "user_agent": page.user_agent, **facts},
        "screenshot": _screenshot_record(page),
        "settle": page.settle,
        "dialogs": list(page.dialogs),
        # what was done to open what the page hides: collector.capture.expand
        "expand": page.expand,
        "errors": list(page.errors),
        "options": options,
        "browser": _browser_record(browser, job),
        "software": {"collector": __version__, "playwright": browser.playwright_version},
        "environment": environment,
        "run": _run_record(job),
        "time_sources": time_sources_record(
            page.started_at,
            page.finished_at,
            page.response,
            str(environment.get("hostname") or ""),
        ),
        "classification": page.classification,
        "consent": _consent_record(page),
        "downloads": list(page.downloads),
        # which investigator session was loaded (file name, SHA-256), never its cookies
        "session": page.session,
        "timestamping": _timestamping_record(tsa),
        # whom the capture looked for, and where they were found (collector.evidence.findings)
        "find": find_record(job),
        "findings": [f.as_dict() for f in findings],
    }


def build_manifest(provenance: Provenance, archive: ArchiveRecord) -> ManifestDraft:
    """The provenance plus the WARC's record; a WARC that failed is also one more error."""
    errors = provenance["errors"]
    if archive.get("error"):
        errors = [*errors, archive["error"]]
    return {**provenance, "errors": errors, "archive": archive}


def _redirect_record(hop: RedirectHop) -> RedirectRecord:
    return {
        "url": hop.url,
        "status": hop.status,
        "status_text": hop.status_text,
        "location": hop.location,
    }


def _response_record(page: PageCapture, body_artifact: str | None) -> ResponseRecord | None:
    if page.response is None:
        return None
    r = page.response
    return {
        "url": r.url,
        "status": r.status,
        "status_text": r.status_text,
        # secret values (Set-Cookie...) as a hash: collector.evidence.redact
        "headers": redact_response_headers(r.headers),
        "content_type": r.header("content-type"),
        "content_encoding": r.header("content-encoding"),
        # Playwright hands over the body already decoded from any Content-Encoding
        "body_decoded": True,
        "body_artifact": body_artifact,
        "body_error": r.body_error,
        "server_ip": r.server_ip,
        "server_port": r.server_port,
        "tls": r.tls,
    }


def _screenshot_record(page: PageCapture) -> dict[str, Any]:
    """How the screenshot was taken, its PNG size, and the perceptual hash of its top."""
    record = dict(page.screenshot_info)
    if page.screenshot is not None:
        record.update(png_size_fields(page.screenshot))
    if page.thumbnail is not None:
        record.update(screenshot_fingerprint(page.thumbnail, page.thumbnail_info))
    return record


def _consent_record(page: PageCapture) -> dict[str, Any] | None:
    """The consent click, with the size and file name of the screenshot taken after it."""
    if page.consent_screenshot is None or not page.consent:
        return page.consent
    consent = dict(page.consent)
    consent["screenshot"] = {
        **consent.get("screenshot", {}),
        **png_size_fields(page.consent_screenshot),
        "artifact": CONSENT_SCREENSHOT,
    }
    return consent


def _timestamping_record(tsa: TsaSettings | None) -> TimestampingRecord | None:
    if tsa is None or not tsa.urls:
        return None
    return {"tsa_urls": [redact_url_credentials(u) for u in tsa.urls], "record": TIMESTAMPS}


def _browser_record(browser: BrowserInfo, job: CaptureJob) -> dict[str, Any]:
    """The browser that rendered the page. On a browser endpoint (another machine): its
    URL as redact_endpoint shows it, and the endpoints that went away while this capture
    ran on them before (`handed_over_from`); a launched browser's record is as before."""
    record = asdict(browser)
    if browser.endpoint is None:
        del record["endpoint"]
    else:
        # fonts and OS are the worker's: `environment` is the machine that filed it
        record["rendered_on"] = "the endpoint's machine, not the one in `environment`"
    if job.handoffs:
        record["handed_over_from"] = [dict(h) for h in job.handoffs]
    return record


def _run_record(job: CaptureJob) -> RunRecord | None:
    if not job.run_id:
        return None
    record: RunRecord = {"run_id": job.run_id, "entry": job.entry}
    if job.attempt is not None:
        record["attempt"] = job.attempt
    if job.watchlist is not None:
        record["watchlist"] = job.watchlist
    return record


def post_link_facts(job: CaptureJob, page: PageCapture, links: list[str]) -> dict[str, Any]:
    """The posts a rendered profile links to, for `posts_added`/`posts_removed`.

    The platform is the watch-list entry's when there is one (a test or mirror host can
    then stand in for the real site), else the one the final URL belongs to.
    """
    platform = None
    entry_platform = (job.entry or {}).get("platform")
    if isinstance(entry_platform, str):
        try:
            platform = resolve_platform(entry_platform)
        except PlatformError:
            platform = None
    base = page.final_url or page.requested_url
    if platform is None:
        platform = detect_platform(base)
    posts = extract_post_links(platform, base, (h for h in links if isinstance(h, str)))
    return {
        "post_links": posts[:MAX_POST_LINKS],
        "post_links_platform": platform,
        "post_links_truncated": len(posts) > MAX_POST_LINKS,
    }


def screenshot_fingerprint(thumbnail: bytes, info: dict[str, Any]) -> dict[str, Any]:
    """`dhash` of the Chromium-made thumbnail, and how it was made (manifest `screenshot`).

    A comparison aid, not evidence: the thumbnail is not kept, only its hash and size;
    the evidence is screenshot.png.
    """
    from collector.evidence.png import PngError, decode_grey
    from collector.monitor.changes import ChangesError, dhash

    source = {**info, "png_sha256": sha256_bytes(thumbnail), "hash": "dhash 9x8 box filter"}
    try:
        image = decode_grey(thumbnail, max_pixels=200_000)
        value = dhash(image.rows, image.width, image.height)
    except (PngError, ChangesError) as exc:
        return {"dhash": None, "dhash_source": {**source, "error": str(exc)}}
    source.update({"png_width": image.width, "png_height": image.height})
    return {"dhash": f"{value:016x}", "dhash_source": source}


def write_archive(
    writer: CaptureWriter,
    job: CaptureJob,
    page: PageCapture,
    provenance: Provenance,
    dom: bytes | None,
    har_read: dict[str, Any] | None = None,
    earlier: PriorLookup | None = None,
    reused: _Reuse | None = None,
) -> tuple[ArchiveRecord, tuple[StoredPayload, ...]]:
    """`<capture id>.warc.gz`: the page's HTTP traffic (from the HAR), the screenshot, DOM and
    MHTML (this capture's, or the earlier one `reused` in its place) as resource records,
    the provenance as the metadata record.

    The manifest cannot be inside the WARC and also list the WARC's hash, so the metadata
    record holds the provenance (every manifest field but `artifacts` and `archive`) plus
    the artifacts written before the WARC, with their hashes; manifest.json then lists the
    WARC's hash. Returns the manifest's `archive` section and the payloads the WARC stores
    in full. A WARC that cannot be written is recorded (`error`), not raised: the rest of
    the capture stands. With `earlier`, payloads an earlier capture stored become revisit
    records, and the WARCs they point into are linked in as `refers-<sha256>.warc.gz`.
    """
    har_path = writer.folder / RECORDED_HAR  # read here only when it did not parse
    har: dict[str, Any] = {"log": {"entries": []}}
    har_problem = None
    if har_read is not None:
        har = har_read
    elif har_path.is_file():
        try:
            har = json.loads(har_path.read_bytes())
        except ValueError as exc:
            har_problem = f"network.har is not valid JSON ({exc}): the WARC has no HTTP records"
    else:
        har_problem = "network.har was not written: the WARC has no HTTP records"
    cid = writer.capture_id
    warc = warc_name(cid)  # after the capture: WARCs gathered from many never collide
    when = parse_rfc3339(page.finished_at)
    resources = []
    for name, data, media in (
        ("screenshot.png", page.screenshot, "image/png"),
        ("dom.html", dom, "text/html; charset=utf-8"),
        (MHTML, page.mhtml if reused is None else None, MHTML_MEDIA),
    ):
        if data is not None:
            resources.append(WarcResource(f"urn:collector:{cid}/{name}", media, when, data=data))
    if reused is not None:
        # the earlier snapshot linked in its place (the record becomes a revisit of its own)
        uri, path = f"urn:collector:{cid}/{reused.name}", writer.folder / reused.name
        resources.append(WarcResource(uri, MHTML_MEDIA, when, path))
    metadata = {
        **provenance,
        "artifacts": [a.as_dict() for a in writer.artifacts],
        "artifacts_note": (
            "The artifacts written before this WARC, with their SHA-256. manifest.json is "
            f"written after the WARC and lists these plus {warc}; it is not inside "
            "the WARC (it could not then record the WARC's hash)."
        ),
    }
    metadata_uri = f"urn:collector:{cid}/provenance.json"
    info = WarcInfo(
        software=f"collector/{__version__}",
        operator=job.operator or "not recorded",
        hostname=str(provenance["environment"].get("hostname") or ""),
        user_agent=page.user_agent or "",
        created=utc_now(),
        filename=warc,
        description=f"Capture {cid} of {page.requested_url}",
        is_part_of=job.case or cid,
    )
    prior = None
    if earlier is not None:
        try:
            wanted = [*response_bodies(har), *((warc_digest(d), len(d)) for d in _read(resources))]
        except ArchiveError:
            wanted = []  # nothing planned, nothing linked: stored in full
        prior = _Referrals(writer, earlier, wanted)
    try:
        with writer.open_stream(warc, WARC_MEDIA) as out:
            summary = write_capture_warc(
                out,
                har=har,
                resources=resources,
                metadata=metadata,
                metadata_uri=metadata_uri,
                info=info,
                prior=prior,
            )
            if (summary.sha256, summary.size) != (out.hexdigest(), out.size):
                raise ArchiveError("the bytes written differ from the bytes described")
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise  # a full disk fails the capture: never filed as if only the WARC was bad
        return {"file": None, "error": f"{warc} could not be written: {exc}"}, ()
    except ArchiveError as exc:
        return {"file": None, "error": f"{warc} could not be written: {exc}"}, ()
    counts: dict[str, int] = {}
    for written in summary.records:
        counts[written.record_type] = counts.get(written.record_type, 0) + 1
    record: ArchiveRecord = {
        "file": warc,
        "format": "WARC/1.1 (ISO 28500), one gzip member per record",
        "size": summary.size,
        "sha256": summary.sha256,
        "records": len(summary.records),
        "record_types": counts,
        "har_entries": summary.har_entries,
        "exchanges": summary.response_count,
        "missing_bodies": summary.missing_bodies,
        # of those, responses left out of the WARC (not redirects): never an empty 200
        "responses_left_out": summary.responses_left_out,
        "lost_bodies": [
            {"index": x.index, "url": x.url, "status": x.status, "written": x.written}
            for x in summary.lost_bodies
        ],
        "skipped": [{"index": e.index, "url": e.url, "reason": e.reason} for e in summary.skipped],
        "resources": [r.uri for r in resources],
        "metadata_uri": metadata_uri,
        "manifest_in_warc": False,
        "problem": har_problem,
    }
    if summary.refers_to:
        # present only when the WARC has revisit records (docs/storage.md)
        record["refers_to"] = [refers_name(sha) for sha in summary.refers_to]
    if reused is not None:
        record["mhtml_reused"] = reused.record()
    payloads = tuple(
        StoredPayload(r.payload_digest, r.payload_size, r.record_id, r.uri, rfc3339(r.date))
        for r in summary.records
        if r.record_type in ("response", "resource")
        and r.payload_digest
        and r.uri
        and r.payload_size is not None
        and r.payload_size >= MIN_REVISIT_BYTES
    )
    return record, payloads


def refers_name(warc_sha256: str) -> str:
    """An earlier WARC linked into a capture for its revisit records to point into."""
    return f"refers-{warc_sha256}.warc.gz"


EarlierLookup = Callable[[], contextlib.AbstractContextManager[PriorLookup]]


def _read(resources: Sequence[WarcResource]) -> Iterator[bytes]:
    for resource in resources:
        yield resource.read()


# Linking an earlier WARC into a capture costs about a kilobyte of listings (manifest,
# SHA256SUMS, index rows): one is linked only when the payloads it spares this capture
# add up to more than that is worth (docs/storage.md).
MIN_LINKED_BYTES = 4096


class _Referrals:
    """The `prior` lookup handed to the WARC writer: an earlier record counts only once
    the WARC holding it is linked into this capture and hashes as recorded, and a WARC is
    linked only when the payloads (digest, size) this capture stores that it holds add up
    to at least MIN_LINKED_BYTES (a css file alone is stored again instead)."""

    def __init__(
        self, writer: CaptureWriter, lookup: PriorLookup, payloads: Sequence[tuple[str, int]]
    ) -> None:
        self.writer = writer
        self.lookup = lookup
        self.linked: dict[str, bool] = {}
        spared: dict[str, int] = {}
        for digest, size in dict(payloads).items():  # each payload once
            found = lookup(digest, size) if size >= MIN_REVISIT_BYTES else None
            if found is not None:
                spared[found.warc_sha256] = spared.get(found.warc_sha256, 0) + size
        self.worth = {sha for sha, total in spared.items() if total >= MIN_LINKED_BYTES}

    def __call__(self, digest: str, size: int) -> PriorPayload | None:
        found = self.lookup(digest, size)
        if found is None or found.warc_sha256 not in self.worth:
            return None
        if found.warc_sha256 not in self.linked:
            self.linked[found.warc_sha256] = self._link(found)
        return found if self.linked[found.warc_sha256] else None

    def _link(self, found: PriorPayload) -> bool:
        root = self.writer.store.root
        name = refers_name(found.warc_sha256)
        # the pooled copy outlives the capture that wrote it (retired, files deleted)
        folder = root / found.folder
        # the pool first; then the earlier folder's WARC, by either name it may have
        candidates = (blob_path(root, found.warc_sha256), folder / warc_name(folder.name))
        for source in (*candidates, folder / LEGACY_WARC_NAME):
            if source.is_file() and self.writer.link_earlier(
                name, source, found.warc_sha256, WARC_MEDIA
            ):
                return True
        return False
