"""What a rendered page really is: the browser's observations -> an outcome, with the
markers (``collector.sites.markers``) that decided it.

The browser says whether a page could be loaded (timeout, network error, refused target,
download); for a page that loaded, whatever its HTTP status, ``classify_page`` asks
``classify``. A login wall, a "page isn't available" page answering 200, a 429 or a
challenge page, a captcha, a private account, a consent wall, an error, an empty shell or
a page that lacks the entry's expected text is never filed as ``ok`` (evidence rule 5).
The verdict and the markers that matched are recorded in the manifest
(``classification``).

``classify`` reads a ``PageEvidence`` (HTTP status, final URL, title, visible text, which
of ``marker_selectors()`` are present, body size, response headers) and returns a
``Verdict``. Markers applied: those of the requested platform, those of the platform the
final URL belongs to (a redirect to another site's login page still counts), then the
generic ``web`` markers, which apply everywhere.

Outcome precedence (first match wins; ``PRECEDENCE`` is in this order):

1. ``rate_limited``  HTTP 429, Cloudflare/Google/platform challenge pages;
2. ``captcha``       a captcha that replaces the content;
3. ``login_wall``    redirected to, or replaced by, a login form; HTTP 401;
4. ``not_found``     account/post gone: HTTP 404/410 or the platform's own
                     "page isn't available" page, even when served with 200;
5. ``private``       a private/protected account or video;
6. ``consent_wall``  a consent/cookie interstitial instead of the content;
7. ``http_error``    any other HTTP status >= 400;
8. ``empty``         (almost) no visible text, a nearly empty body and no
                     visible media;
9. ``expectation_failed``  ``expect_text`` absent or ``wait_for`` never
                     appeared (both are named in the reason);
10. ``ok``.

Walls and challenges come first because they explain everything after them:
a challenge page served with 403 is a challenge, not an HTTP error, and a
login page that happens to say "page isn't available" is still a login page.
``Verdict.markers`` lists every matched marker of the winning outcome as
``"<marker id>: <what matched>"``, for the capture manifest, e.g.
``'instagram.private: text "Akun ini bersifat pribadi"'``; the fallbacks use
``http.status``, ``page.empty``, ``expect_text`` and ``wait_for``. An ``ok``
verdict lists the expectations that held.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from collector.models import CaptureJob, Outcome, PageCapture
from collector.sites.markers import MARKER_OUTCOMES, MARKERS, Marker
from collector.sites.platforms import detect_platform, resolve_platform

__all__ = [
    "CLASSIFIED",
    "PRECEDENCE",
    "PageEvidence",
    "Verdict",
    "classification_record",
    "classify",
    "classify_page",
    "job_platform",
    "marker_selectors",
    "page_evidence",
    "verdict_reason",
    "wait_for_found",
]

#: Every outcome ``classify`` can give, in precedence order (first match wins).
PRECEDENCE: Final = (
    *MARKER_OUTCOMES,
    Outcome.HTTP_ERROR,
    Outcome.EMPTY,
    Outcome.EXPECTATION_FAILED,
    Outcome.OK,
)

#: ``empty``: at most this much visible text and a body smaller than this.
EMPTY_TEXT_CHARS: Final = 20  # room for a "Loading…" / "Memuat…" leftover
EMPTY_BODY_BYTES: Final = 2048


# -- one page's evidence -> a verdict -----------------------------------------------


@dataclass(frozen=True)
class PageEvidence:
    """What the browser saw once the page settled."""

    status: int | None  # main-document HTTP status; None if unknown
    final_url: str  # after redirects
    title: str
    text: str  # visible text (document.body.innerText)
    present_selectors: frozenset[str]  # the subset of marker_selectors() present
    body_html_length: int  # len(document.body.innerHTML)
    headers: Mapping[str, str] = field(default_factory=dict)  # main-document response
    visible_media: int = 0  # images/videos/canvases shown: a photo-only page is not empty


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str
    markers: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK


@dataclass(frozen=True)
class _Prepared:
    status: int | None
    url: str
    text: str  # normalised title + text, for phrase search
    text_chars: int  # visible text length, whitespace collapsed
    selectors: frozenset[str]
    headers: Mapping[str, str]  # lower-case names


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})


@functools.cache
def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(folded.split())


def _prepare(evidence: PageEvidence) -> _Prepared:
    visible = " ".join(evidence.text.split())
    return _Prepared(
        status=evidence.status,
        url=evidence.final_url,
        text=_norm(evidence.title + "\n" + evidence.text),
        text_chars=len(visible),
        selectors=evidence.present_selectors,
        headers={k.lower(): v for k, v in evidence.headers.items()},
    )


def _markers_for(platform: str, final_url: str) -> list[Marker]:
    names = [platform, detect_platform(final_url), "web"]
    markers: list[Marker] = []
    for name in dict.fromkeys(names):  # ordered, without repeats
        markers.extend(MARKERS[name])
    return markers


def _match(marker: Marker, page: _Prepared) -> tuple[str, ...] | None:
    """What matched, one item per condition; None if any condition fails."""
    found: list[str] = []
    if marker.statuses:
        if page.status not in marker.statuses:
            return None
        found.append(f"HTTP {page.status}")
    if marker.header is not None:
        name, value = marker.header
        got = page.headers.get(name)
        if got is None or got.strip().lower() != value:
            return None
        found.append(f"header {name}: {value}")
    if marker.url is not None:
        hit = re.search(marker.url, page.url, re.IGNORECASE)
        if hit is None:
            return None
        found.append(f"url {hit.group(0)}")
    if marker.selectors:
        present = [s for s in marker.selectors if s in page.selectors]
        if not present:
            return None
        found.append("selector " + ", ".join(present))
    if marker.phrases:
        said = [p for p in marker.phrases if _norm(p) in page.text]
        if not said:
            return None
        found.append("text " + ", ".join(f'"{p}"' for p in said))
    if marker.max_text is not None:
        if page.text_chars > marker.max_text:
            return None
        found.append(f"{page.text_chars} chars of text")
    return tuple(found)


def marker_selectors() -> frozenset[str]:
    """Every CSS selector any marker uses: the browser tests them all in one evaluate()."""
    return frozenset(s for markers in MARKERS.values() for m in markers for s in m.selectors)


def classify(
    platform: str,
    evidence: PageEvidence,
    expect_text: str | None = None,
    wait_for_found: bool | None = None,
) -> Verdict:
    """Decide what a rendered page is; precedence in the module docstring.

    ``wait_for_found`` is None when no wait_for selector was requested.
    """
    page = _prepare(evidence)
    hits: dict[Outcome, list[tuple[Marker, tuple[str, ...]]]] = {}
    for marker in _markers_for(resolve_platform(platform), evidence.final_url):
        found = _match(marker, page)
        if found is not None:
            hits.setdefault(marker.outcome, []).append((marker, found))
    for outcome in MARKER_OUTCOMES:
        if outcome in hits:
            matched = hits[outcome]
            reason = "; ".join(dict.fromkeys(m.why for m, _ in matched))
            names = tuple(f"{m.id}: {' + '.join(found)}" for m, found in matched)
            return Verdict(outcome, reason, names)

    if evidence.status is not None and evidence.status >= 400:
        return Verdict(
            Outcome.HTTP_ERROR, f"HTTP {evidence.status}", (f"http.status: {evidence.status}",)
        )
    if (
        page.text_chars <= EMPTY_TEXT_CHARS
        and evidence.body_html_length < EMPTY_BODY_BYTES
        and not evidence.visible_media
    ):
        detail = f"{page.text_chars} chars of text, body {evidence.body_html_length} bytes"
        return Verdict(Outcome.EMPTY, f"page is empty ({detail})", (f"page.empty: {detail}",))

    failed: list[str] = []
    passed: list[str] = []
    if expect_text:
        if _norm(expect_text) in page.text:
            passed.append(f'expect_text: "{expect_text}" present')
        else:
            failed.append(f'expect_text: "{expect_text}" absent')
    if wait_for_found is True:
        passed.append("wait_for: selector appeared")
    elif wait_for_found is False:
        failed.append("wait_for: selector never appeared")
    if failed:
        return Verdict(Outcome.EXPECTATION_FAILED, "; ".join(failed), tuple(failed))
    return Verdict(Outcome.OK, "no blocking markers", tuple(passed))


# -- a capture's page -> its outcome ------------------------------------------------

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
    outcome = verdict.outcome
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
        "outcome": verdict.outcome.value,
        "reason": verdict.reason,
        "markers": list(verdict.markers),
    }
