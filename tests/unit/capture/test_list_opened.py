"""A list to open in its dialog that did not open is never a good capture of the list."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from collector.capture.expand import list_opened
from collector.models import CaptureJob, CaptureOptions, Outcome, PageCapture


def page(expand: dict[str, Any] | None, outcome: Outcome = Outcome.OK) -> PageCapture:
    return PageCapture(
        requested_url="https://www.tiktok.com/@budi",
        started_at="2026-12-07T01:00:00.000Z",
        finished_at="2026-12-07T01:00:05.000Z",
        outcome=outcome,
        reason="",
        final_url="https://www.tiktok.com/@budi",
        redirects=(),
        response=None,
        title="t",
        user_agent=None,
        screenshot=None,
        screenshot_info={},
        dom="",
        mhtml=None,
        text="",
        settle={},
        dialogs=(),
        errors=(),
        page_facts={},
        expand=expand,
    )


JOB = CaptureJob("https://www.tiktok.com/@budi", CaptureOptions(open_list="following"))


def test_opened_list_stays_ok() -> None:
    opened = page({"list": {"opened": True}})
    assert list_opened(JOB, opened) is opened
    # opened again after a consent click, by the second pass
    later = page({"list": {"opened": False}, "after_consent": {"list": {"opened": True}}})
    assert list_opened(JOB, later).outcome is Outcome.OK


def test_a_list_that_did_not_open_is_expectation_failed() -> None:
    why = 'no element on the page shows a count and "following"'
    failed = list_opened(JOB, page({"list": {"opened": False, "reason": why}}))
    assert failed.outcome is Outcome.EXPECTATION_FAILED
    assert failed.reason == f"the following list could not be opened from the profile: {why}"
    # nothing ran at all
    assert list_opened(JOB, page(None)).outcome is Outcome.EXPECTATION_FAILED


def test_other_outcomes_and_other_captures_are_left_alone() -> None:
    wall = page(None, Outcome.LOGIN_WALL)
    assert list_opened(JOB, wall) is wall  # says more already
    plain = page(None)
    assert list_opened(replace(JOB, options=CaptureOptions()), plain) is plain
