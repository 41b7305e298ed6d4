#!/usr/bin/env python3
"""Do captures stay complete when more pages are open than there are cores?

    .venv/bin/python bench/heavy_feed.py [--pages 16] [--concurrency 3 8] [--load-ms 1500]

Serves N copies of a script-heavy infinite feed on 127.0.0.1: each burns `--load-ms` of CPU
on load, then on every scroll to its end burns `--step-ms` more and fetches 4 posts (8
times, 32 posts in all). For each concurrency it runs one `collector capture` over all N
and reports the wall time, the outcomes and how many captures hold all 32 posts and were
scrolled to the real bottom. This is the measurement behind collector.capture.admission's choice
not to hold pages back for CPU.
"""

from __future__ import annotations

import argparse
import collections
import http.server
import json
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEED_PAGES, POSTS_PER_PAGE = 8, 4

PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Umpan berat</title>
<style>article{height:500px;border:1px solid #ccc;margin:10px}</style></head>
<body><h1>Umpan</h1><div id="feed"></div><div id="end" style="height:10px"></div><script>
function burn(ms) { const end = performance.now() + ms; let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1); return x; }
burn(LOAD_MS);
let page = 0;
async function more() {
  if (page >= FEED_PAGES) return;
  page++; burn(STEP_MS);
  const posts = await (await fetch('/posts?p=' + page)).json();
  for (const p of posts) {
    const a = document.createElement('article'); a.textContent = p;
    document.getElementById('feed').appendChild(a);
  }
}
new IntersectionObserver(es => { if (es.some(e => e.isIntersecting)) more(); })
  .observe(document.getElementById('end'));
</script></body></html>"""


def serve(load_ms: int, step_ms: int) -> tuple[http.server.ThreadingHTTPServer, str]:
    page = (
        PAGE.replace("LOAD_MS", str(load_ms))
        .replace("STEP_MS", str(step_ms))
        .replace("FEED_PAGES", str(FEED_PAGES))
        .encode()
    )

    class Feed(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/posts"):
                n = int(self.path.split("=")[1])
                time.sleep(0.15)  # a feed API is not instant
                body = json.dumps([f"unggahan {n}-{i}" for i in range(POSTS_PER_PAGE)]).encode()
                kind = "application/json"
            else:
                body, kind = page, "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[3, 8])
    parser.add_argument("--load-ms", type=int, default=1500)
    parser.add_argument("--step-ms", type=int, default=300)
    args = parser.parse_args()

    server, base = serve(args.load_ms, args.step_ms)
    urls = [f"{base}/profil{n}" for n in range(args.pages)]
    want = FEED_PAGES * POSTS_PER_PAGE
    cpu_s = (args.load_ms + FEED_PAGES * args.step_ms) / 1000
    print(f"{args.pages} pages, each ~{cpu_s:g} s of script CPU and {want} posts")
    print(f"{'concurrency':>11}  {'wall s':>7}  {'complete':>8}  outcomes")
    for concurrency in args.concurrency:
        with tempfile.TemporaryDirectory(prefix="collector-heavy-") as store:
            start = time.monotonic()
            subprocess.run(
                [
                    str(ROOT / ".venv" / "bin" / "collector"),
                    "capture",
                    *urls,
                    "--store",
                    store,
                    "--concurrency",
                    str(concurrency),
                ],
                stdout=subprocess.DEVNULL,
                check=False,
            )
            wall = time.monotonic() - start
            outcomes: collections.Counter[str] = collections.Counter()
            complete = 0
            for manifest_path in Path(store).glob("captures/*/*/manifest.json"):
                m = json.loads(manifest_path.read_text("utf-8"))
                outcomes[m["outcome"]] += 1
                text = (manifest_path.parent / "text.txt").read_text("utf-8")
                scroll = (m.get("settle") or {}).get("scroll") or {}
                if text.count("unggahan ") == want and scroll.get("stopped_by") == "bottom":
                    complete += 1
        print(
            f"{concurrency:>11}  {wall:>7.1f}  {complete:>4}/{args.pages:<3}  "
            + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        )
    server.shutdown()


if __name__ == "__main__":
    main()
