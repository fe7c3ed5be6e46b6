"""The qasync loop survives a long token stream from a worker thread.

PySide6 6.12.0 lost a reference to True on every signal emitted from another thread
(qasync's call_soon_threadsafe) and to None on every Python timerEvent; on Python 3.11
a streamed answer of a few thousand tokens then crashed the app. pyproject.toml keeps
PySide6 below 6.12; this test fails on a PySide6 with that bug.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading

from PySide6.QtCore import QAbstractEventDispatcher

from tests.desktop.conftest import AsyncLoop

CALLS = 20_000


def test_many_threadsafe_calls_and_timer_events_keep_refcounts(aloop: AsyncLoop) -> None:
    async def scenario() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[int | None] = asyncio.Queue()
        true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)

        def worker() -> None:
            for i in range(CALLS):
                loop.call_soon_threadsafe(queue.put_nowait, i)
            loop.call_soon_threadsafe(queue.put_nowait, None)

        thread = threading.Thread(target=worker)
        thread.start()
        received = 0
        while await queue.get() is not None:
            received += 1
        thread.join()
        for _ in range(CALLS):
            await asyncio.sleep(0)
        assert received == CALLS
        return (sys.getrefcount(True) - true_before, sys.getrefcount(None) - none_before)

    true_delta, none_delta = aloop.run(scenario(), timeout=120)
    assert true_delta > -CALLS // 10
    assert none_delta > -CALLS // 10


def registered_timers(loop: asyncio.AbstractEventLoop) -> int:
    timers = loop._delayed  # type: ignore[attr-defined]
    return len(QAbstractEventDispatcher.instance().registeredTimers(timers))


def test_a_cancelled_timeout_leaves_no_timer_to_wake_the_idle_app(aloop: AsyncLoop) -> None:
    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        ran: list[str] = []
        baseline = registered_timers(loop)
        handles = [loop.call_later(30, ran.append, "cancelled") for _ in range(5)]
        assert registered_timers(loop) == baseline + 5
        for handle in handles:
            handle.cancel()
        assert registered_timers(loop) == baseline  # qasync kept them for 30 s
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.05):  # a timeout that fires, as asyncio's tests do
                await asyncio.Event().wait()
        async with asyncio.timeout(30):  # one that ends early: its timer goes at once
            await asyncio.sleep(0)
        assert registered_timers(loop) == baseline
        done = asyncio.Event()
        loop.call_later(0.01, done.set)
        await done.wait()
        return ran

    assert aloop.run(scenario(), timeout=30) == []
