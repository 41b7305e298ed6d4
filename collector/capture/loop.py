"""Running captures' coroutines from synchronous code: `run_to_completion` (asyncio.run that
also works under a running loop) and `gather_or_cancel` (all or none left running).

Used by the runner, session checks and watch-list runs; imports nothing of collector's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


async def gather_or_cancel(coros: Sequence[Coroutine[Any, Any, None]]) -> None:
    """Run them all; if one fails (or we are cancelled), cancel the rest and wait for them
    before raising, so no capture is left running behind the caller's back."""
    tasks = [asyncio.create_task(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def run_to_completion(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also from a thread that already runs a loop (a notebook, a test
    using sync Playwright): then the coroutine gets its own loop in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
