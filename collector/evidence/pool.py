"""The store's pool of shared artifact files: identical bytes kept once on disk.

    <store>/blobs/sha256-<hex>    one hard link per distinct artifact content

When a capture is sealed (collector.evidence.store), every artifact it wrote is looked up
here by the SHA-256 it was hashed to while being written. A new content is linked into the
pool; a content the pool already has replaces the capture's own copy with a hard link to
the pooled file, after the pooled file is hashed again and found equal. The bytes in the
capture folder are the same either way (same hash, recorded before sharing); only how many
times the disk holds them changes. See docs/storage.md for why hard links:

* a hard link is a regular file: every reader (sha256sum -c, a viewer, `collector verify`,
  the zip package) sees an ordinary file, and verify's refusal of symlinks still holds;
* one inode: tampering with a shared file changes it in every capture that holds it, so
  every one of them fails verify;
* link counts: deleting a capture folder (retire --delete-files) removes only its links;
  the others keep the bytes. A pooled file no capture links any more (link count 1) is
  removed by `release`.

Sharing is an optimisation, never a condition: a file system without hard links, a pool
file that does not hash to its name, or any OS error leaves the capture's own copy.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from collector.evidence.hashing import sha256_file

__all__ = ["POOL_DIR", "PoolStats", "blob_path", "pool_stats", "release", "share"]

POOL_DIR = "blobs"
_HEX = re.compile(r"[0-9a-f]{64}")


def blob_path(root: Path, sha256: str) -> Path:
    if not _HEX.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    # one flat folder, the algorithm in the name: fan-out folders would cost a disk block
    # each, more than most of what a repeat capture adds (file systems index large
    # folders: ext4 htree, xfs)
    return root / POOL_DIR / f"sha256-{sha256}"


def pooled_copy(root: Path, sha256: str, size: int) -> Path | None:
    """The pooled file for a content, only if it still hashes to its name."""
    path = blob_path(root, sha256)
    try:
        if path.stat().st_size != size or sha256_file(path)[0] != sha256:
            return None
    except OSError:
        return None
    return path


def share(
    root: Path,
    folder: Path,
    artifacts: Iterable[tuple[str, str, int]],
    dir_mode: int,
    gid: int | None = None,
) -> int:
    """Share a sealed-but-not-yet-filed capture's artifacts (name, sha256, size) through
    the pool; returns how many now link to an earlier identical file."""
    linked = 0
    for name, sha256, size in artifacts:
        path = folder / name
        blob = blob_path(root, sha256)
        try:
            if blob.exists():
                if pooled_copy(root, sha256, size) is None:
                    continue  # a damaged pool file is never linked (verify names it)
                if os.path.samestat(blob.stat(), path.stat()):
                    continue
                tmp = folder / f".{name}.shared"
                os.link(blob, tmp)
                os.replace(tmp, path)  # same bytes: hashed equal above
                linked += 1
            else:
                _make_dirs(blob.parent, dir_mode, gid)
                os.link(path, blob)
        except OSError:
            with contextlib.suppress(OSError):
                (folder / f".{name}.shared").unlink()
            continue
    return linked


def release(root: Path, hashes: Iterable[str]) -> int:
    """Remove pooled files of these contents that no capture links any more."""
    removed = 0
    for sha256 in set(hashes):
        try:
            blob = blob_path(root, sha256)
            if blob.stat().st_nlink <= 1:
                blob.unlink()
                removed += 1
        except (OSError, ValueError):
            continue
    return removed


@dataclass(frozen=True)
class PoolStats:
    """What the store holds on disk against what it would hold without sharing."""

    files: int  # files under the store, outside the pool
    disk_bytes: int  # sizes of all files, each inode once (what `du --apparent-size` counts)
    unshared_bytes: int  # every file outside the pool in full, as if nothing were shared
    orphans: int  # pooled files no capture links any more

    @property
    def ratio(self) -> float:
        return self.disk_bytes / self.unshared_bytes if self.unshared_bytes else 1.0


def pool_stats(root: Path) -> PoolStats:
    """Walk the store: bytes on disk (hard links counted once) and as if unshared."""
    seen: set[tuple[int, int]] = set()
    disk = unshared = files = orphans = 0
    pool = root / POOL_DIR
    for path, is_pool in _files(root, pool):
        try:
            st = path.lstat()
        except OSError:
            continue
        if is_pool and st.st_nlink <= 1:
            orphans += 1
        key = (st.st_dev, st.st_ino)
        if not is_pool:
            unshared += st.st_size
            files += 1
        if key not in seen:
            seen.add(key)
            disk += st.st_size
    return PoolStats(files, disk, unshared, orphans)


def _files(root: Path, pool: Path) -> Iterator[tuple[Path, bool]]:
    for here, _dirs, names in os.walk(root):
        is_pool = Path(here).is_relative_to(pool)
        for name in names:
            yield Path(here) / name, is_pool


def _make_dirs(path: Path, mode: int, gid: int | None) -> None:
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=mode)
            folder.chmod(mode)  # mkdir's mode passes through the umask
            if gid is not None:
                os.chown(folder, -1, gid)
