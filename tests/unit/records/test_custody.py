"""Custody chain checks, on synthetic data (no browser, no store)."""

from __future__ import annotations

from collector.evidence.store import canonical_json
from collector.records.custody import (
    GENESIS,
    Located,
    check_chain,
    entry_hash,
    history_of,
    parse_jsonl,
)


def chain(n: int) -> list[dict[str, object]]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        e: dict[str, object] = {
            "seq": seq,
            "at": f"2026-01-01T00:00:0{seq}.000Z",
            "actor": "a",
            "action": "note",
            "capture_ids": ["c1"],
            "details": {"text": f"n{seq}"},
            "prev_hash": prev,
        }
        e["entry_hash"] = prev = entry_hash(e)
        out.append(e)
    return out


def located(entries: list[dict[str, object]]) -> list[Located]:
    return [Located(f"line {i}", e) for i, e in enumerate(entries, 1)]


def test_entry_hash_is_sha256_of_canonical_json_without_itself() -> None:
    import hashlib

    e = chain(1)[0]
    body = {k: v for k, v in e.items() if k != "entry_hash"}
    assert e["entry_hash"] == hashlib.sha256(canonical_json(body)).hexdigest()
    assert entry_hash({**e, "entry_hash": "x"}) == e["entry_hash"]


def test_intact_chain_has_no_problems() -> None:
    assert check_chain(located(chain(5))) == []


def test_edited_entry_names_its_seq() -> None:
    entries = chain(4)
    entries[2] = {**entries[2], "actor": "b"}
    problems = check_chain(located(entries))
    assert [p.seq for p in problems] == [3] and "entry edited" in problems[0].message


def test_removed_entry_breaks_sequence_and_link() -> None:
    entries = chain(4)
    del entries[1]
    problems = check_chain(located(entries))
    assert problems[0].seq == 2 and "seq 3 where 2 was expected" in problems[0].message
    assert any("prev_hash does not link" in p.message for p in problems)


def test_withheld_stubs_keep_the_links_checkable() -> None:
    entries = chain(4)
    stub = {k: entries[1][k] for k in ("seq", "prev_hash", "entry_hash")} | {"withheld": True}
    mixed = [entries[0], stub, entries[2], entries[3]]
    assert check_chain(located(mixed), allow_withheld=True) == []
    assert check_chain(located(mixed))  # not accepted in a store's own log
    forged = {**stub, "entry_hash": "f" * 64}
    assert check_chain(located([entries[0], forged, entries[2]]), allow_withheld=True)


def test_segment_starting_mid_chain() -> None:
    entries = chain(5)
    assert (
        check_chain(located(entries[2:]), first_seq=3, first_prev=str(entries[1]["entry_hash"]))
        == []
    )


def test_parse_jsonl_reports_a_cut_last_line() -> None:
    data = b"".join(canonical_json(e) + b"\n" for e in chain(3))
    items = parse_jsonl(data[:-20])
    assert items[-1].entry is None and "truncated?" in (items[-1].error or "")
    items = parse_jsonl(data[:-1])
    assert items[-1].error and "no newline" in items[-1].error


def test_history_skips_store_wide_verifications_before_filing() -> None:
    log = [
        {"seq": 1, "action": "verified", "capture_ids": [], "details": {}},
        {"seq": 2, "action": "captured", "capture_ids": ["c1"], "details": {}},
        {"seq": 3, "action": "verified", "capture_ids": [], "details": {}},
        {"seq": 4, "action": "note", "capture_ids": ["c2"], "details": {}},
    ]
    assert [e["seq"] for e in history_of(log, {"c1"})] == [2, 3]
