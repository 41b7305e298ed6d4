#!/usr/bin/env bash
# Start a browser worker for `collector --browser-endpoint` (docs/browsers.md).
#
#   bash bench/browser_worker.sh [PORT] [EXECUTABLE]
#
# Runs Playwright's own browser server (`playwright launch-server`, from the Python
# package collector already depends on) with the launch config collector would use for a
# browser it starts itself: the executable, headless, the same switches. It prints the
# ws://HOST:PORT/TOKEN URL to give to --browser-endpoint; anyone who has that URL can
# drive the browser: keep the port on a private network or behind an ssh tunnel.
# Stop it with Ctrl-C (or kill its pid): the browser exits with it.
set -euo pipefail
port="${1:-0}"
exe="${2:-}"
py="${PYTHON:-python3}"
if [ -z "$exe" ]; then
  for c in /usr/lib/chromium/chromium-headless-shell /usr/lib/chromium/chromium; do
    if [ -x "$c" ]; then exe="$c"; break; fi
  done
fi
[ -n "$exe" ] || { echo "no Chromium found: give its path as the second argument" >&2; exit 1; }
cfg="$(mktemp "${TMPDIR:-/tmp}/collector-worker.XXXXXX.json")"
trap 'rm -f "$cfg"' EXIT
"$py" - "$exe" "$port" > "$cfg" <<'PY'
import json, sys
try:
    from collector.capture.browser import worker_config
    cfg = worker_config(sys.argv[1])
except ImportError:  # a worker without collector installed: the same, minus its switches
    cfg = {"executablePath": sys.argv[1], "headless": True}
if int(sys.argv[2]):
    cfg["port"] = int(sys.argv[2])
print(json.dumps(cfg))
PY
echo "worker config: $(cat "$cfg")" >&2
echo "give collector: --browser-endpoint 'ws://THIS-HOST:PORT/TOKEN?executable=$exe' (the URL below)" >&2
"$py" -m playwright launch-server --browser chromium --config "$cfg"
