"""Desktop test fixtures: a qasync event loop shared by Qt and asyncio, as in the app."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from kodesk.desktop.event_loop import create_event_loop

T = TypeVar("T")


class AsyncLoop:
    """Drives the qasync loop from a test: run a coroutine, or run until a condition."""

    def __init__(self, loop: qasync.QEventLoop) -> None:
        self.loop = loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        try:
            result: T = self.loop.run_until_complete(asyncio.wait_for(coro, timeout))
        finally:
            self.keep_running()
        return result

    def keep_running(self) -> None:
        """Mark the loop running between runs too, as the app's loop is for its whole life.

        qasync marks it only inside `run_until_complete`, but its callbacks are Qt timers
        that fire whenever Qt processes events: in a qtbot wait, a widget call, pytest-qt's
        teardown. Unmarked, they would run with no running asyncio loop, which the app never
        does (httpx's stream finalizers and anyio's cancel scopes then fail).
        """
        asyncio._set_running_loop(self.loop)

    def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        async def poll() -> None:
            while not predicate():
                await asyncio.sleep(0.01)

        self.run(poll(), timeout)


@pytest.fixture
def aloop(qapp: QApplication) -> Iterator[AsyncLoop]:
    loop = create_event_loop(qapp)
    asyncio.set_event_loop(loop)
    driver = AsyncLoop(loop)
    driver.keep_running()
    try:
        yield driver
    finally:
        asyncio._set_running_loop(None)
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
        # Collect the closed loop here, on the GUI thread: left in a reference cycle it
        # could be collected later in a worker thread, stopping Qt timers from there.
        gc.collect()
        sys.set_asyncgen_hooks(None, None)
