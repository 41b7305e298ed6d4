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
            if rec_type == "revisit" and record.digest_checker.passed is None:
                continue  # warcio leaves revisits unchecked: their blocks are checked below
            if record.digest_checker.passed is not True:
                problems.append(
                    f"{path.name} offset {it.get_record_offset()} {rec_type}: "
                    f"{list(record.digest_checker.problems) or 'digest not checked'}"
                )
    return problems + _revisit_problems(path)


def _revisit_problems(path: Path) -> list[str]:
    """Revisit records (docs/storage.md), which warcio does not check: the block digest,
    and the profile and fields a revisit must carry to be resolved."""
    from collector.evidence.warc import REVISIT_PROFILE, warc_digest
    from collector.evidence.warc_copy import read_records

    problems = []
    for fields, block, offset, _ in read_records(path):
        named = {n.lower(): v for n, v in fields}
        if named.get("warc-type") != "revisit":
            continue
        if named.get("warc-block-digest") != warc_digest(block):
            problems.append(f"{path.name} offset {offset} revisit: block digest differs")
        wanted = ("warc-refers-to", "warc-refers-to-target-uri", "warc-refers-to-date")
        if named.get("warc-profile") != REVISIT_PROFILE or not all(named.get(w) for w in wanted):
            problems.append(f"{path.name} offset {offset} revisit: profile or reference missing")
    return problems
