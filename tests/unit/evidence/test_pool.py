"""The pool of shared artifact files: identical bytes linked once, damaged pool files never
linked, files nothing links any more released, sizes with and without sharing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from collector.evidence.pool import blob_path, pool_stats, release, share

DATA = b"tangkapan layar yang sama " * 200


def folder_with(root: Path, name: str, data: bytes = DATA) -> tuple[Path, tuple[str, str, int]]:
    folder = root / "captures" / name
    folder.mkdir(parents=True)
    (folder / "screenshot.png").write_bytes(data)
    (folder / "screenshot.png").chmod(0o400)
    return folder, ("screenshot.png", hashlib.sha256(data).hexdigest(), len(data))


def test_identical_files_end_up_as_one_inode(tmp_path: Path) -> None:
    a, listed = folder_with(tmp_path, "a")
    b, _ = folder_with(tmp_path, "b")
    assert share(tmp_path, a, [listed], 0o700) == 0  # the first is pooled, nothing to link
    assert share(tmp_path, b, [listed], 0o700) == 1
    blob = blob_path(tmp_path, listed[1])
    assert os.path.samestat(blob.stat(), (a / "screenshot.png").stat())
    assert os.path.samestat(blob.stat(), (b / "screenshot.png").stat())
    assert blob.stat().st_nlink == 3
    assert (b / "screenshot.png").read_bytes() == DATA
    assert sorted(p.name for p in b.iterdir()) == ["screenshot.png"]  # no temporary left
    stats = pool_stats(tmp_path)
    assert stats.disk_bytes == len(DATA) and stats.unshared_bytes == 2 * len(DATA)
    assert stats.ratio == 0.5 and stats.orphans == 0


def test_a_damaged_pool_file_is_never_linked(tmp_path: Path) -> None:
    a, listed = folder_with(tmp_path, "a")
    share(tmp_path, a, [listed], 0o700)
    blob = blob_path(tmp_path, listed[1])
    blob.chmod(0o600)
    blob.write_bytes(DATA[:-1] + b"X")  # the same inode as a's file: a is damaged too
    b, _ = folder_with(tmp_path, "b")
    assert share(tmp_path, b, [listed], 0o700) == 0
    assert (b / "screenshot.png").read_bytes() == DATA  # b keeps its own good copy
    assert not os.path.samestat(blob.stat(), (b / "screenshot.png").stat())


def test_release_removes_only_what_nothing_links(tmp_path: Path) -> None:
    a, listed = folder_with(tmp_path, "a")
    b, _ = folder_with(tmp_path, "b")
    share(tmp_path, a, [listed], 0o700)
    share(tmp_path, b, [listed], 0o700)
    blob = blob_path(tmp_path, listed[1])
    (a / "screenshot.png").unlink()
    assert release(tmp_path, [listed[1]]) == 0  # b still links it
    assert blob.exists() and (b / "screenshot.png").read_bytes() == DATA
    (b / "screenshot.png").unlink()
    assert pool_stats(tmp_path).orphans == 1
    assert release(tmp_path, [listed[1]]) == 1
    assert not blob.exists()


def test_different_contents_are_not_shared(tmp_path: Path) -> None:
    a, first = folder_with(tmp_path, "a")
    b, second = folder_with(tmp_path, "b", DATA + b"!")
    share(tmp_path, a, [first], 0o700)
    assert share(tmp_path, b, [second], 0o700) == 0
    assert (a / "screenshot.png").stat().st_ino != (b / "screenshot.png").stat().st_ino
