"""SHA-256 of the exact bytes written, computed while they are written."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

CHUNK = 1 << 20


def digest_label(hexdigest: str) -> str:
    """Self-describing digest, as warcio writes them: `sha256:<hex>`."""
    return f"sha256:{hexdigest}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> tuple[str, int]:
    """Stream a file through SHA-256; return (hex digest, size in bytes)."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


class Sink(Protocol):
    """Anything bytes can be written to: a binary file, or a HashingWriter around one."""

    def write(self, data: bytes, /) -> int: ...


class HashingWriter:
    """Wrap a binary file: every byte written is hashed on the way to disk."""

    def __init__(self, fh: Sink) -> None:
        self._fh = fh
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.size += len(data)
        return self._fh.write(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
