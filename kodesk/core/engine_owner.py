"""Who owns the engine of a long-running front end (the tray), and its background tasks.

`EngineOwner` is the one owner of the current engine and its runner: reading `current`
has no side effects, `get()` builds the engine once on first use, `switch()` builds the
new engine before closing the old one (a failed build keeps the old engine), and
`aclose()` closes it. `BackgroundTasks` keeps every fire-and-forget task the shell starts,
retrieves (and logs) their exceptions, and cancels and awaits them all at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from kodesk.core.engine import Engine

if TYPE_CHECKING:  # the runner (planning, tokenizers) loads with the first job
    from kodesk.core.runner import TaskRunner

log = logging.getLogger("kodesk")


class BackgroundTasks:
    """Tasks started without waiting for them, kept until they end."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    async def aclose(self) -> None:
        """Cancel every task still running and wait until each has ended."""
        while self._tasks:
            pending = list(self._tasks)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


class EngineOwner:
    """The current engine, built by `build`, and one `TaskRunner` per engine (so model
    profiles and tokenizers are loaded once)."""

    def __init__(
        self,
        build: Callable[[], Engine],
        runner: Callable[[Engine], TaskRunner],
        background: BackgroundTasks,
    ) -> None:
        self._build = build
        self._make_runner = runner
        self._background = background
        self._engine: Engine | None = None
        self._runner: TaskRunner | None = None

    @property
    def current(self) -> Engine | None:
        """The engine, if one has been built (never builds one)."""
        return self._engine

    def get(self) -> Engine:
        """The engine, built now if there is none yet (raises the build's KodeskError)."""
        if self._engine is None:
            self._engine = self._build()
        return self._engine

    def runner(self) -> TaskRunner:
        engine = self.get()
        if self._runner is None or self._runner.engine is not engine:
            self._runner = self._make_runner(engine)
        return self._runner

    def switch(self) -> Engine:
        """Build the engine the settings now ask for, then close the old one."""
        engine = self._build()
        old, self._engine = self._engine, engine
        if old is not None and old is not engine:
            self._background.spawn(old.aclose(), "close the previous engine")
        return engine

    async def aclose(self) -> None:
        engine, self._engine, self._runner = self._engine, None, None
        if engine is not None:
            await engine.aclose()
