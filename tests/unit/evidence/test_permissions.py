"""The store is not world-readable (issue 12 item 9): folders 0700 and files 0400/0600, or
with COLLECTOR_STORE_GROUP 2750 and 0440/0640 for one chosen group; `doctor` checks it and
says how to fix a store made before (which keeps working)."""

from __future__ import annotations

import grp
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.evidence.store import EvidenceStore
from collector.records.index import Index
from tests.support.helpers import run_cli, verify
from tests.support.synthetic import file_capture


@pytest.fixture(autouse=True)
def keep_umask() -> Iterator[None]:
    old = os.umask(0o022)  # what a shell usually has: files 0644, folders 0755
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def make_store(root: Path) -> str:
    s = EvidenceStore(root)
    s.ensure_writable()
    with Index(s.index_path) as index:
        cid = file_capture(s, index).capture_id
    assert run_cli("note", cid, "diperiksa", store=root).exit_code == 0
    return cid


def test_a_new_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    cid = make_store(root)
    folder = EvidenceStore(root).folder_for(cid)
    for path in (root, root / "captures", root / ".incoming", folder.parent, root / ".filing"):
        assert mode(path) == 0o700, path
    assert mode(folder) == 0o500
    assert {mode(p) for p in folder.iterdir()} == {0o400}
    assert mode(root / "custody.jsonl") == 0o400
    for name in ("index.db", ".custody.lock", "index.db.lock"):
        assert mode(root / name) == 0o600, name
    nothing_for_others = [p for p in [root, *root.rglob("*")] if p.stat().st_mode & 0o007]
    assert nothing_for_others == []
    line = doctor_line(root)
    assert line.startswith("ok ") and "owner only" in line


def test_a_chosen_group_may_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    group = grp.getgrgid(os.getgid()).gr_name
    monkeypatch.setenv("COLLECTOR_STORE_GROUP", group)
    root = tmp_path / "evidence"
    cid = make_store(root)
    folder = EvidenceStore(root).folder_for(cid)
    assert mode(root) == 0o2750 and root.stat().st_gid == os.getgid()
    assert mode(folder) == 0o550 and {mode(p) for p in folder.iterdir()} == {0o440}
    assert mode(root / "index.db") == 0o640 and mode(root / "custody.jsonl") == 0o440
    assert all(not p.stat().st_mode & 0o007 for p in [root, *root.rglob("*")])
    assert "owner and group" in doctor_line(root)


def test_an_unknown_group_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLECTOR_STORE_GROUP", "no-such-group-here")
    result = run_cli("list", store=tmp_path / "evidence")
    assert result.exit_code == 2 and "no such group" in result.output


def test_doctor_says_how_to_fix_an_older_world_readable_store(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    cid = make_store(root)
    folder = EvidenceStore(root).folder_for(cid)
    for path in (root, root / "captures", folder.parent):  # as collector made them before
        path.chmod(0o755)
    folder.chmod(0o555)
    for path in folder.iterdir():
        path.chmod(0o444)
    (root / "index.db").chmod(0o644)
    line = doctor_line(root)
    assert line.startswith("NO ") and f"chmod -R o-rwx {root}" in line
    assert verify(root)[0] == 0  # it keeps working meanwhile
    for path in [root, *root.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o007)
    assert doctor_line(root).startswith("ok ")


def doctor_line(root: Path) -> str:
    result = run_cli("doctor", "--min-free-disk", "0", store=root)
    return next(x for x in result.output.splitlines() if " access " in x)


def test_two_runs_creating_one_store_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the other run creates each folder between this run's check and its mkdir
    real_mkdir = Path.mkdir

    def raced(self: Path, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        real_mkdir(self, mode=0o700, parents=parents, exist_ok=True)
        raise FileExistsError(17, "File exists", str(self))

    monkeypatch.setattr(Path, "mkdir", raced)
    store = EvidenceStore(tmp_path / "evidence")
    store.ensure_writable()
    assert store.captures_dir.is_dir() and store.incoming_dir.is_dir()
