"""collector.sites.markers: the marker tables, consent knowledge and session probes (data)."""

from __future__ import annotations

import pytest

from collector.models import Outcome
from collector.sites.markers import (
    CONSENT_LABELS,
    CONSENT_SELECTORS,
    MARKER_OUTCOMES,
    MARKERS,
    SESSION_PROBES,
    Marker,
)
from collector.sites.platforms import PlatformError, detect_platform


def test_marker_ids_are_unique_and_outcomes_known() -> None:
    seen: set[str] = set()
    for name, markers in MARKERS.items():
        for marker in markers:
            assert marker.id not in seen
            seen.add(marker.id)
            assert marker.outcome in MARKER_OUTCOMES
            assert isinstance(marker.outcome, Outcome)
            assert marker.id.split(".")[0] == name
            # Text-only login walls would misfire on posts about logging in.
            if marker.outcome == "login_wall" and marker.phrases:
                assert marker.url or marker.selectors or marker.id == "youtube.age_gate"


def test_marker_with_bad_outcome_is_refused() -> None:
    with pytest.raises(PlatformError):
        Marker(id="x.bad", outcome=Outcome.OK, why="no")


def test_session_probes_are_logged_in_only_pages_of_their_platform() -> None:
    for name, probe in SESSION_PROBES.items():
        assert detect_platform(probe.url) == name, name
        assert probe.cookies and probe.cookie_domain in probe.url


def test_consent_knowledge_is_nonempty_and_unique() -> None:
    assert len(set(CONSENT_LABELS)) == len(CONSENT_LABELS)
    assert {"Terima semua", "Setuju", "Accept all", "Allow all cookies"} <= set(CONSENT_LABELS)
    assert '[data-cookiebanner="accept_button"]' in CONSENT_SELECTORS
