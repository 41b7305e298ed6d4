"""Running captures' coroutines: all or none left running, also under a running loop."""

from __future__ import annotations

import asyncio

import pytest

from collector.capture.loop import gather_or_cancel, run_to_completion
from tests.support.helpers import run_async


def test_a_failure_cancels_the_others_and_waits_for_them() -> None:
    events: list[str] = []

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(0.01)  # cleanup takes a moment; it must still finish
            events.append("slow cleaned up")
            raise

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("browser gone")

    async def main() -> None:
        await gather_or_cancel([slow(), failing(), slow()])

    with pytest.raises(RuntimeError, match="browser gone"):
        run_to_completion(main())
    assert events == ["slow cleaned up", "slow cleaned up"]  # before the error reached us


def test_run_to_completion_inside_a_running_loop() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def outer() -> int:
        # a loop already runs on this thread (a notebook, sync Playwright): the coroutine
        # gets its own loop in a worker thread instead of failing
        return run_to_completion(answer())

    assert run_async(outer()) == 42  # (in a thread: pytest-playwright may hold a loop here)
