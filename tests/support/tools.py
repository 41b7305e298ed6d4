"""Test-only validators from the web-archiving world, found beside the running Python."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def tool(name: str) -> str:
    """A console script of a test dependency (warcio, wacz, cdxj-indexer) in this venv."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install the test extras, pip install -e '.[test]'")
    return found


def warc_problems(path: Path) -> list[str]:
    """What `warcio check` would report, in-process: every record's digests must pass."""
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

    problems: list[str] = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh, check_digests=True)
        for record in it:
            stream = record.content_stream()
            while stream.read(1 << 20):
                pass
            rec_type = record.rec_headers.get_header("WARC-Type")
            if record.digest_checker.passed is not True:
                problems.append(
                    f"{path.name} offset {it.get_record_offset()} {rec_type}: "
                    f"{list(record.digest_checker.problems) or 'digest not checked'}"
                )
    return problems
