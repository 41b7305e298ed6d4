"""`reindex` never launders a planted capture (issue 12 item 4).

A folder copied in under a new id, with its manifest's `capture_id` and its SHA256SUMS
fixed up, is flagged by `verify`; `reindex` lists it and adopts it only when told which
(`--adopt ID`) and why (`--reason`), recording both.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

from collector.evidence.store import EvidenceStore, new_capture_id
from collector.records.index import Index
from tests.support.helpers import run_cli, verify
from tests.support.synthetic import file_capture


def plant(store: Path) -> str:
    """Copy the one capture under a new id, consistent in itself (as a forger would)."""
    (original,) = sorted((store / "captures").glob("*/*"))
    fake_id = new_capture_id()
    fake = EvidenceStore(store).folder_for(fake_id)
    fake.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(original, fake)
    fake.chmod(0o755)
    for f in fake.iterdir():
        f.chmod(stat.S_IRUSR | stat.S_IWUSR)
    manifest = json.loads((fake / "manifest.json").read_text("utf-8"))
    manifest["capture_id"] = fake_id
    data = json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n"
    (fake / "manifest.json").write_bytes(data)
    sums = {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(fake.iterdir())
        if f.name != "SHA256SUMS"
    }
    (fake / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sums.items()))
    return fake_id


def actions(store: Path) -> list[str]:
    lines = (store / "custody.jsonl").read_text("utf-8").splitlines()
    return [json.loads(x)["action"] for x in lines]


def test_planted_folder_is_listed_not_adopted(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    s = EvidenceStore(store)
    s.ensure_writable()
    with Index(s.index_path) as index:
        file_capture(s, index)
    fake_id = plant(store)
    code, out = verify(store, "--no-record")
    assert code == 1 and fake_id in out
    assert f"collector reindex --adopt {fake_id} --reason WHY" in out  # exactly what to do
    # the advice before the fix, `collector reindex`, adopted it and verify then passed
    result = run_cli("reindex", store=store)
    assert result.exit_code == 1
    assert f"NOT ADOPTED {fake_id}" in result.output
    assert actions(store) == ["captured"]
    assert verify(store, "--no-record")[0] == 1


def test_adoption_needs_an_id_and_a_reason_and_records_both(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    s = EvidenceStore(store)
    s.ensure_writable()
    with Index(s.index_path) as index:
        file_capture(s, index)
    fake_id = plant(store)
    assert run_cli("reindex", "--adopt", fake_id, store=store).exit_code == 2  # no --reason
    assert run_cli("reindex", "--adopt", "nosuch", "--reason", "x", store=store).exit_code == 2
    assert actions(store) == ["captured"]
    result = run_cli(
        "reindex",
        "--adopt",
        fake_id,
        "--reason",
        "salinan dari laptop lama, BA 3/2024",
        "--operator",
        "Sari",
        store=store,
    )
    assert result.exit_code == 0, result.output
    entry = json.loads((store / "custody.jsonl").read_text("utf-8").splitlines()[-1])
    assert entry["action"] == "adopted" and entry["actor"] == "Sari"
    assert entry["capture_ids"] == [fake_id]
    assert entry["details"]["reason"] == "salinan dari laptop lama, BA 3/2024"
    assert entry["details"]["adopted_by"] == "reindex --adopt"
    assert verify(store)[0] == 0
