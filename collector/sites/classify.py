"""What the rendered page really is: the browser's observations -> platforms.classify.

The browser says whether a page could be loaded (timeout, network error, refused target,
download); for a page that loaded, whatever its HTTP status, the platform markers decide:
a login wall, a "page isn't available" page answering 200, a 429 or a challenge page, a
captcha, a private account, a consent wall, an error, an empty shell or a page that lacks
the entry's expected text are never filed as `ok` (evidence rule 5). The verdict and the
markers that matched are recorded in the manifest (`classification`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from collector.models import CaptureJob, Outcome, PageCapture
from collector.sites.platforms import (
    PageEvidence,
    Verdict,
    classify,
    detect_platform,
    resolve_platform,
)

# Outcomes of pages that loaded: these are classified. The others (timeout, network
# error, refused target, download, browser failure) say what happened already.
CLASSIFIED = frozenset({Outcome.OK, Outcome.HTTP_ERROR})


def job_platform(job: CaptureJob) -> str:
    """Whose markers come first: the job's platform, its entry's, else the URL's host."""
    name = job.platform or (job.entry or {}).get("platform")
    return resolve_platform(name) if name else detect_platform(job.url)


def page_evidence(page: PageCapture) -> PageEvidence:
    facts = page.page_facts
    headers: dict[str, str] = {}
    if page.response is not None:
        for name, value in page.response.headers:
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return PageEvidence(
        status=page.response.status if page.response is not None else None,
        final_url=page.final_url or page.requested_url,
        title=page.title or "",
        text=page.text or "",
        present_selectors=frozenset(facts.get("present_selectors") or ()),
        body_html_length=int(facts.get("body_html_length") or 0),
        headers=headers,
        # a page showing pictures is not empty, as the core's judge always held; an
        # application shell is told by its large body (scripts), not by its logo
        visible_media=int(facts.get("visible_media") or 0),
    )


def wait_for_found(job: CaptureJob, page: PageCapture) -> bool | None:
    if not job.options.wait_for:
        return None
    waited = page.settle.get("wait_for") or {}
    if "found" in waited:
        return bool(waited["found"])
    found = page.page_facts.get("wait_for_found")
    return None if found is None else bool(found)


def classify_page(job: CaptureJob, page: PageCapture) -> PageCapture:
    """The capture's outcome from the page markers; the verdict goes into the manifest."""
    if page.outcome not in CLASSIFIED:
        return page
    platform = job_platform(job)
    verdict = classify(
        platform,
        page_evidence(page),
        expect_text=job.options.expect_text,
        wait_for_found=wait_for_found(job, page),
    )
    outcome = Outcome(verdict.outcome)
    if outcome is Outcome.OK:
        reason = ""
    elif outcome is Outcome.HTTP_ERROR and page.outcome is Outcome.HTTP_ERROR:
        reason = page.reason  # "HTTP 503 Service Unavailable": the browser's is fuller
    else:
        reason = verdict_reason(verdict)
    return replace(
        page,
        outcome=outcome,
        reason=reason,
        classification=classification_record(platform, verdict),
    )


def verdict_reason(verdict: Verdict) -> str:
    """One line: what the page is, and the first piece of evidence for it (the manifest's
    `classification.markers` has all of it)."""
    fallbacks = ("expect_text", "wait_for", "page.empty", "http.status")
    if not verdict.markers or verdict.markers[0].startswith(fallbacks):
        return verdict.reason  # says it all already
    marker, _, found = verdict.markers[0].partition(": ")
    first = found.split(" + ")[0]
    if first.startswith('text "') and '", "' in first:
        first = first.split('", "')[0] + '", …'
    return f"{verdict.reason} [{marker}: {first}]"


def classification_record(platform: str, verdict: Verdict) -> dict[str, Any]:
    return {
        "platform": platform,
        "outcome": verdict.outcome,
        "reason": verdict.reason,
        "markers": list(verdict.markers),
    }
