#!/usr/bin/env python3
"""Latency of the review desk (`collector serve`) over a store of 100,000 captures.

    .venv/bin/python bench/desk.py [--rows 100000] [--repeat 30] [--keep DIR]

Builds a store whose index holds N synthetic captures (rows in `captures`, their searchable
text in `capture_text` and its FTS5 index, one `captured` custody event each; no capture
folders: the desk's list and search pages read only the index), starts the desk on it
in this process, and times whole HTTP requests from a client on the same machine (a new
connection each, as a browser would open them), the median and the 90th percentile of
`--repeat` requests per page, after one warm-up request.

The texts are drawn from a vocabulary with a Zipf-like spread, so a query may match
nearly every capture ("asn"), a few percent ("kampanye") or a handful ("pemenangan").
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from collector.desk.app import DeskSettings, running_desk  # noqa: E402
from collector.evidence.store import EvidenceStore  # noqa: E402
from collector.records.fts import search_form  # noqa: E402
from collector.records.index import Index  # noqa: E402

COMMON = ["asn", "pegawai", "dinas", "kota", "hari", "ini", "yang", "dan", "di", "untuk"]
SOMETIMES = ["kampanye", "pilkada", "dukungan", "calon", "relawan", "netralitas", "bupati"]
RARE = ["pemenangan", "coblos", "baliho", "deklarasi"]
PLATFORMS = ["instagram", "facebook", "x", "tiktok", "youtube", "threads", "web"]
OUTCOMES = ["ok"] * 12 + ["not_found", "login_wall", "http_error", "timeout", "rate_limited"]


def words(rng: random.Random, n: int) -> str:
    filler = [f"kata{rng.randrange(5000)}" for _ in range(n)]
    for i in range(0, n, 3):
        filler[i] = rng.choice(COMMON)
    if rng.random() < 0.08:
        filler[rng.randrange(n)] = rng.choice(SOMETIMES)
    if rng.random() < 0.004:
        filler[rng.randrange(n)] = rng.choice(RARE)
    return " ".join(filler)


def build(store_root: Path, rows: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    EvidenceStore(store_root).root.mkdir(parents=True, exist_ok=True)
    path = EvidenceStore(store_root).index_path
    with Index(path):
        pass  # the schema, every migration applied
    start = datetime(2025, 1, 1, tzinfo=UTC)
    ids = []
    captures, texts, events = [], [], []
    for n in range(rows):
        at = start + timedelta(seconds=n * 300 + rng.randrange(300))
        stamp = at.strftime("%Y%m%dT%H%M%S") + f"{at.microsecond // 1000:03d}Z"
        cid = f"{stamp}-{n:06x}"
        ids.append(cid)
        when = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        platform = rng.choice(PLATFORMS)
        handle = f"akun{rng.randrange(3000)}"
        url = (
            f"https://www.{platform}.com/{handle}/"
            if platform != "web"
            else f"https://berita{rng.randrange(50)}.example/{handle}"
        )
        title = f"{handle.title()} • {words(rng, 6)}"
        case = f"BKPSDM-2025-{rng.randrange(400):03d}"
        captures.append(
            (
                cid, url, url, rng.choice(OUTCOMES), "", 200, title, case, "bench",
                None, when, when, f"captures/{when[:10]}/{cid}", f"{n:064x}", "0.1.0",
                "156.0", "bench", 2400, 0, None, None, platform, int(rng.random() < 0.02),
            )
        )  # fmt: skip
        texts.append((cid, f"url:{url}", search_form(title), url, search_form(words(rng, 80))))
        events.append(
            (
                n + 1,
                when,
                "bench",
                "captured",
                json.dumps([cid]),
                "{}",
                f"{n:064x}",
                f"{n + 1:064x}",
            )
        )
    conn = sqlite3.connect(path)
    with conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(captures)")]
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO captures ({', '.join(columns)}) VALUES ({marks})", captures)
        conn.executemany(
            "INSERT INTO capture_text (capture_id, entry_key, title, url, text) "
            "VALUES (?, ?, ?, ?, ?)",
            texts,
        )
        conn.executemany("INSERT INTO custody_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", events)
    conn.execute("ANALYZE")
    conn.close()
    return ids


def timed(base: str, path: str, repeat: int) -> tuple[float, float, int, int]:
    host, port = base.removeprefix("http://").rstrip("/").split(":")
    samples = []
    size = status = 0
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.request("GET", path)
        reply = conn.getresponse()
        body = reply.read()
        conn.close()
        elapsed = (time.perf_counter() - t0) * 1000
        status, size = reply.status, len(body)
        if i:  # the first request warms the caches
            samples.append(elapsed)
    samples.sort()
    p90 = samples[min(len(samples) - 1, int(len(samples) * 0.9))]
    return statistics.median(samples), p90, status, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--keep", type=Path, help="Build the store here and keep it (reused when it exists)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        store = args.keep or Path(tmp) / "evidence"
        t0 = time.perf_counter()
        if EvidenceStore(store).index_path.exists():
            with Index(EvidenceStore(store).index_path, read_only=True) as index:
                ids = sorted(index.all_ids())
            print(f"reusing {store}: {len(ids):,} rows")
        else:
            ids = build(store, args.rows)
            took = time.perf_counter() - t0
            print(f"built {args.rows:,} rows in {took:.1f} s")
        size_mb = EvidenceStore(store).index_path.stat().st_size / 1e6
        print(f"index.db {size_mb:.0f} MB")
        middle = ids[len(ids) // 2]
        with Index(EvidenceStore(store).index_path, read_only=True) as index:
            row = index.resolve(middle)
        cursor = quote(f"{row['started_at']}|{row['id']}")
        pages = [
            ("list, newest 50", "/"),
            ("list, page in the middle (keyset)", f"/?before={cursor}"),
            ("list, one case", "/?case=BKPSDM-2025-123"),
            ("list, platform + outcome", "/?platform=tiktok&outcome=not_found"),
            ("list, with findings", "/?findings=1"),
            ("list, date range", "/?since=2025-06-01&until=2025-06-30"),
            ("list, URL substring", "/?url=akun1234"),
            ("search, rare word", "/search?q=pemenangan"),
            ("search, 8% of captures", "/search?q=kampanye"),
            ("search, nearly all captures", "/search?q=asn"),
            ("search, prefix", "/search?q=netral*"),
            ("search, title column", "/search?q=title%3Aakun123*"),
            ("api captures, 100", "/api/captures"),
            ("capture page", f"/captures/{middle}"),
        ]
        with running_desk(store, port=0, settings=DeskSettings()) as server:
            base = server.url
            print(f"\n{'page':38} {'median ms':>10} {'p90 ms':>8} {'status':>7} {'bytes':>9}")
            for name, path in pages:
                median, p90, status, size = timed(base, path, args.repeat)
                print(f"{name:38} {median:10.1f} {p90:8.1f} {status:7} {size:9,}")


if __name__ == "__main__":
    main()
