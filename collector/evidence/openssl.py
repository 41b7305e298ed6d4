"""The `openssl` command line, run the one way collector runs it (signing, key handling).

Callers pass their own time limit and exception class, so a missing or hanging openssl
surfaces as the error of whatever they were doing (a package, a WACZ).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable


def run(
    args: list[str],
    data: bytes = b"",
    *,
    timeout: float,
    error: Callable[[str], Exception],
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["openssl", *args], input=data, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise error("the openssl command is not installed (apt-get install openssl)") from exc
    except subprocess.TimeoutExpired as exc:
        raise error("openssl did not finish in time") from exc


def stderr_of(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", "replace").strip()
