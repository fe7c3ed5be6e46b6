"""Running engine work from widgets without blocking the UI thread.

The app runs asyncio on Qt (qasync). A page starts a coroutine with `Jobs.start`:
the given widgets are disabled while it runs, a `KodeskError` goes to the page's
error handler, and `Jobs.cancel_all` (called when the page or dialog closes)
cancels whatever is still running — which closes any stream being read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import shiboken6
from PySide6.QtWidgets import QWidget

from kodesk.core.engine import Engine
from kodesk.core.errors import KodeskError

#: Gives the engine to use now. The engine belongs to the caller (the app rebuilds it when
#: the endpoint or engine kind changes); the dialog never closes it.
EngineFactory = Callable[[], Engine]
ErrorHandler = Callable[[KodeskError], None]


class Jobs:
    """The asyncio tasks one page started."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        """True until every started task has ended and its widgets are enabled again."""
        return bool(self._tasks)

    def start(
        self,
        work: Coroutine[Any, Any, None],
        *,
        on_error: ErrorHandler,
        busy: Sequence[QWidget] = (),
    ) -> asyncio.Task[None]:
        """Run `work`; disable `busy` until it ends; report a KodeskError to `on_error`."""
        for widget in busy:
            widget.setEnabled(False)

        def finished(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            for widget in busy:
                if shiboken6.isValid(widget):
                    widget.setEnabled(True)
            if task.cancelled():
                return
            error = task.exception()
            if isinstance(error, KodeskError):
                on_error(error)
            elif error is not None:
                raise error

        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(finished)
        return task

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
