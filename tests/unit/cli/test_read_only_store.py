"""Every read command works on a write-protected store (issue 12 item 7): an archived
case, a reviewer's mounted share. Tested on a real read-only bind mount (root ignores
file modes; skipped where mounting is not permitted) and through a seam that makes every
write into the store fail with EROFS or EACCES, as a read-only file system or missing
permissions would.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector.evidence.store import EvidenceStore
from collector.records.index import Index
from tests.support.helpers import run_cli
from tests.support.synthetic import file_capture


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    s = EvidenceStore(root)
    s.ensure_writable()
    with Index(s.index_path) as index:
        file_capture(s, index, text="Ajakan memilih pasangan calon")
    assert run_cli("note", capture_id(root), "diperiksa", store=root).exit_code == 0
    return root


def capture_id(store: Path) -> str:
    (folder,) = (store / "captures").glob("*/*")
    return folder.name


def read_commands(store: Path, out: Path) -> dict[str, list[str]]:
    cid = capture_id(store)
    return {
        "list": ["list"],
        "list --json": ["list", "--json"],
        "show": ["show", cid],
        "search": ["search", "memilih"],
        "custody": ["custody", cid],
        "runs": ["runs"],
        "changes": ["changes"],
        "sql": ["sql", "SELECT count(*) FROM captures"],
        "anchor": ["anchor"],
        "report": ["report", "--case", "KASUS-1", "--out", str(out / "report.html")],
        "export": ["export", "--case", "KASUS-1", "--out", str(out / "case.zip")],
        "verify --no-record": ["verify", "--no-record"],
    }


def check_read_commands(store: Path, out: Path) -> None:
    for name, argv in read_commands(store, out).items():
        result = run_cli(*argv, store=store)
        assert result.exit_code == 0, f"{name}: {result.output}"
        assert "Traceback" not in result.output and "index.db.lock" not in result.output, name
    assert (out / "report.html").is_file() and (out / "case.zip").is_file()
    result = run_cli("verify-package", str(out / "case.zip"))
    assert result.exit_code == 0, result.output
    # verify without --no-record verifies and says why nothing was recorded
    result = run_cli("verify", store=store)
    assert result.exit_code == 0, result.output
    assert "not recorded in the custody log: the store is read-only" in result.output
    result = run_cli("export", "--case", "KASUS-1", "--out", str(out / "again.zip"), store=store)
    assert "not recorded in the custody log: the store is read-only" in result.output


@pytest.fixture
def read_only_mount(store: Path, tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "ro"
    mount.mkdir()

    def run(*argv: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(argv, capture_output=True, check=False)

    done = run("mount", "--bind", str(store), str(mount))
    if done.returncode != 0:
        pytest.skip(f"mount --bind is not permitted here: {done.stderr.decode().strip()}")
    try:
        done = run("mount", "-o", "remount,ro,bind", str(mount))
        if done.returncode != 0:
            pytest.skip(f"read-only remount is not permitted: {done.stderr.decode().strip()}")
        yield mount
    finally:
        done = run("umount", str(mount))
        assert done.returncode == 0, done.stderr


def test_read_commands_work_on_a_read_only_mount(read_only_mount: Path, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        (read_only_mount / "probe").write_bytes(b"")  # really read-only, even for root
    out = tmp_path / "out"
    out.mkdir()
    check_read_commands(read_only_mount, out)
    result = run_cli("note", capture_id(read_only_mount), "x", store=read_only_mount)
    assert result.exit_code == 3 and "Traceback" not in result.output  # writing: refused


def _under(path: Any, root: Path) -> bool:
    if isinstance(path, int):
        return False
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    text = text.removeprefix("file:").split("?")[0]
    try:
        return Path(os.path.abspath(text)).is_relative_to(root)
    except ValueError:
        return False


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_read_commands_work_when_every_write_fails(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    """The seam: writes into the store fail as a read-only file system (EROFS) or missing
    permissions (EACCES) make them fail; reads go through."""
    root = store.absolute()
    real_os_open, real_io_open, real_connect, real_mkdir = (
        os.open,
        io.open,
        sqlite3.connect,
        os.mkdir,
    )
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def refuse(path: Any) -> OSError:
        return OSError(code, os.strerror(code), str(path))

    def os_open(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if flags & writes and _under(path, root):
            raise refuse(path)
        return real_os_open(path, flags, *args, **kw)

    def io_open(file: Any, mode: str = "r", *args: Any, **kw: Any) -> Any:
        if any(c in mode for c in "wax+") and _under(file, root):
            raise refuse(file)
        return real_io_open(file, mode, *args, **kw)

    def connect(database: Any, *args: Any, **kw: Any) -> sqlite3.Connection:
        if _under(database, root) and "mode=ro" not in str(database):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real_connect(database, *args, **kw)

    def mkdir(path: Any, *args: Any, **kw: Any) -> None:
        if _under(path, root):
            raise refuse(path)
        real_mkdir(path, *args, **kw)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(builtins, "open", io_open)
    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(os, "mkdir", mkdir)
    out = tmp_path / "out"
    out.mkdir()
    check_read_commands(store, out)
