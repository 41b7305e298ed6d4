"""Change detection learns findings: finding_removed / finding_added."""

from __future__ import annotations

from typing import Any

from collector.evidence.findings import finding_facts
from collector.monitor.changes import CaptureFacts, ChangeKind, compare


def facts(
    capture_id: str,
    at: str,
    findings: list[tuple[str, str, str]] | None,
    subjects: set[str] | None,
    outcome: str = "ok",
) -> CaptureFacts:
    return CaptureFacts(
        capture_id=capture_id,
        captured_at=at,
        outcome=outcome,
        title="Postingan",
        final_url="https://www.instagram.com/p/Cx1/",
        findings=tuple(findings) if findings is not None else None,
        find_subjects=frozenset(subjects) if subjects is not None else None,
    )


BUDI = ("k-budi-comment", "nip:1", "Budi (comment): budi Mantap pak")
ANI = ("k-ani-like", "nip:2", "Ani (like): ani")
T0, T1 = "2026-12-07T01:00:00.000Z", "2026-12-08T01:00:00.000Z"


def test_a_deleted_comment_is_finding_removed() -> None:
    before = facts("a", T0, [BUDI, ANI], {"nip:1", "nip:2"})
    after = facts("b", T1, [ANI], {"nip:1", "nip:2"})
    changes = compare(before, after)
    assert changes.kinds == (ChangeKind.FINDING_REMOVED,)
    change = changes.changes[0]
    assert change.summary == "1 finding(s) gone: Budi (comment): budi Mantap pak"
    assert change.to_dict()["details"]["findings"] == ["Budi (comment): budi Mantap pak"]


def test_a_new_follow_is_finding_added() -> None:
    before = facts("a", T0, [], {"nip:1"})
    after = facts("b", T1, [("k-follow", "nip:1", "Budi (following): tim.pemenangan")], {"nip:1"})
    changes = compare(before, after)
    assert changes.kinds == (ChangeKind.FINDING_ADDED,)
    assert "tim.pemenangan" in changes.changes[0].summary


def test_only_people_both_captures_looked_for() -> None:
    # the later capture did not look for Ani: her missing like says nothing
    before = facts("a", T0, [BUDI, ANI], {"nip:1", "nip:2"})
    after = facts("b", T1, [BUDI], {"nip:1"})
    assert compare(before, after).is_empty
    # a capture that looked for no one compares no findings
    assert compare(facts("a", T0, [BUDI], {"nip:1"}), facts("b", T1, None, None)).is_empty


def test_found_then_expectation_failed_still_reports_the_removal() -> None:
    before = facts("a", T0, [BUDI], {"nip:1"})
    after = facts("b", T1, [], {"nip:1"}, outcome="expectation_failed")
    kinds = compare(before, after).kinds
    assert ChangeKind.FINDING_REMOVED in kinds and ChangeKind.OUTCOME_CHANGED in kinds
    # a page that is gone says it by its outcome; its findings are not compared
    gone = facts("b", T1, [], {"nip:1"}, outcome="not_found")
    assert compare(before, gone).kinds == (ChangeKind.DISAPPEARED,)


def manifest(findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "find": {"subjects": [{"id": "s1", "nip": "1", "name": "Budi", "handles": []}]},
        "findings": findings,
    }


def test_same_finding_across_renders_despite_counts_and_times() -> None:
    one = {"subject": {"key": "nip:1", "name": "Budi"}, "kind": "comment"}
    a = finding_facts(manifest([{**one, "item_text": "budi Mantap pak 2 j 12 suka"}]))
    b = finding_facts(manifest([{**one, "item_text": "budi  Mantap pak\n5 j 14 suka"}]))
    before = CaptureFacts("a", T0, "ok", "t", "u", **a)
    after = CaptureFacts("b", T1, "ok", "t", "u", **b)
    assert compare(before, after).is_empty
    edited = finding_facts(manifest([{**one, "item_text": "budi Saya tidak mendukung siapa pun"}]))
    kinds = compare(before, CaptureFacts("b", T1, "ok", "t", "u", **edited)).kinds
    assert kinds == (ChangeKind.FINDING_REMOVED, ChangeKind.FINDING_ADDED)
