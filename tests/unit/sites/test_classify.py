"""collector.sites.classify: the browser's observations -> an outcome with its evidence."""

from __future__ import annotations

from typing import Any

from collector.models import CaptureJob, CaptureOptions, MainResponse, Outcome, PageCapture
from collector.sites.classify import classify_page, job_platform


def page(
    url: str,
    text: str,
    *,
    status: int = 200,
    ctype: str = "text/html; charset=utf-8",
    outcome: Outcome = Outcome.OK,
    facts: dict[str, Any] | None = None,
    settle: dict[str, Any] | None = None,
    final_url: str | None = None,
) -> PageCapture:
    response = MainResponse(
        url=url,
        status=status,
        status_text="",
        headers=(("Content-Type", ctype),),
        server_ip=None,
        server_port=None,
        tls=None,
        body=b"",
        body_error=None,
    )
    return PageCapture(
        requested_url=url,
        started_at="2026-11-25T01:00:00.000Z",
        finished_at="2026-11-25T01:00:01.000Z",
        outcome=outcome,
        reason="" if outcome is Outcome.OK else "HTTP error",
        final_url=final_url or url,
        redirects=(),
        response=response,
        title="",
        user_agent=None,
        screenshot=None,
        screenshot_info={},
        dom=None,
        mhtml=None,
        text=text,
        settle=settle or {},
        dialogs=(),
        errors=(),
        page_facts={"present_selectors": [], "body_html_length": 300, **(facts or {})},
    )


LONG = "Kegiatan dinas hari ini berjalan lancar bersama warga. " * 30


def test_login_redirect_is_a_login_wall_with_its_marker() -> None:
    job = CaptureJob("https://www.instagram.com/budi/")
    judged = classify_page(
        job, page(job.url, "Log in", final_url="https://www.instagram.com/accounts/login/")
    )
    assert judged.outcome is Outcome.LOGIN_WALL
    assert judged.classification is not None
    assert judged.classification["platform"] == "instagram"
    assert judged.classification["markers"][0].startswith("instagram.login_url")
    assert judged.reason.endswith(
        "[instagram.login_url: url https://www.instagram.com/accounts/login]"
    )


def test_the_entry_platform_comes_first() -> None:
    job = CaptureJob("https://example.org/x", entry={"platform": "tiktok"})
    assert job_platform(job) == "tiktok"
    assert job_platform(CaptureJob("https://x.com/budi")) == "x"
    assert job_platform(CaptureJob("https://x.com/budi", platform="twitter")) == "x"


def test_http_errors_keep_the_browsers_reason_and_404_is_not_found() -> None:
    job = CaptureJob("https://example.org/x")
    error = classify_page(job, page(job.url, LONG, status=503, outcome=Outcome.HTTP_ERROR))
    assert error.outcome is Outcome.HTTP_ERROR and error.reason == "HTTP error"
    gone = classify_page(job, page(job.url, LONG, status=404, outcome=Outcome.HTTP_ERROR))
    assert gone.outcome is Outcome.NOT_FOUND


def test_pages_that_did_not_load_are_left_alone() -> None:
    job = CaptureJob("https://example.org/x")
    timeout = page(job.url, "", outcome=Outcome.TIMEOUT)
    assert classify_page(job, timeout) is timeout


def test_a_page_of_pictures_is_not_empty_but_a_bare_page_is() -> None:
    job = CaptureJob("https://example.org/galeri")
    pictures = classify_page(job, page(job.url, "Galeri", facts={"visible_media": 3}))
    assert pictures.outcome is Outcome.OK and pictures.reason == ""
    bare = classify_page(job, page(job.url, "Memuat…"))
    assert bare.outcome is Outcome.EMPTY
    assert bare.reason == "page is empty (7 chars of text, body 300 bytes)"


def test_expectations_make_success_explicit() -> None:
    options = CaptureOptions(expect_text="Budi Santoso", wait_for="article")
    job = CaptureJob("https://example.org/x", options)
    settled = {"wait_for": {"selector": "article", "found": False}}
    judged = classify_page(job, page(job.url, LONG, settle=settled))
    assert judged.outcome is Outcome.EXPECTATION_FAILED
    assert judged.reason == 'expect_text: "Budi Santoso" absent; wait_for: selector never appeared'
    ok = classify_page(
        job,
        page(
            job.url,
            LONG + " Budi Santoso",
            settle={"wait_for": {"selector": "article", "found": True}},
        ),
    )
    assert ok.outcome is Outcome.OK
    assert ok.classification is not None and len(ok.classification["markers"]) == 2
