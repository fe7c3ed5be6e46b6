"""The one asyncio loop of the app, running on Qt's event loop (qasync)."""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QObject, QTimerEvent


class _Timers(QObject):
    """One Qt timer per delayed asyncio callback, killed as soon as it is cancelled.

    qasync keeps the Qt timer of a cancelled callback running until its time, so every
    timeout that ended early (httpx/anyio set one for each connect, read and pool wait)
    still woke the idle app once, seconds later.
    """

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, asyncio.TimerHandle] = {}
        self._ids: dict[int, int] = {}  # id(handle) -> Qt timer id

    def start(self, handle: asyncio.TimerHandle, delay: float) -> None:
        timer = self.startTimer(int(max(0.0, delay) * 1000))
        self._handles[timer] = handle
        self._ids[id(handle)] = timer

    def cancel(self, handle: asyncio.TimerHandle) -> None:
        timer = self._ids.pop(id(handle), None)
        if timer is not None:
            self.killTimer(timer)
            del self._handles[timer]

    def stop(self) -> None:
        for timer in self._handles:
            self.killTimer(timer)
        self._handles.clear()
        self._ids.clear()

    def timerEvent(self, event: QTimerEvent) -> None:
        timer = event.timerId()
        self.killTimer(timer)
        handle = self._handles.pop(timer, None)
        if handle is not None:
            del self._ids[id(handle)]
            if not handle.cancelled():
                handle._run()


class _EventLoop(qasync.QEventLoop):  # type: ignore[misc]  # qasync has no type hints
    """qasync's loop with delayed callbacks that leave no timer behind when cancelled."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._delayed = _Timers()
        self._completing = False

    # qasync's run_until_complete processes Qt events once more after run_forever has
    # unset the running loop, so the callbacks that pass runs with no running asyncio
    # loop (httpx, anyio and asyncio.current_task() then fail). Keep it set until then.
    def run_forever(self) -> Any:
        try:
            return super().run_forever()
        finally:
            if not self._completing:
                asyncio.events._set_running_loop(None)

    def _after_run_forever(self) -> None:
        super()._after_run_forever()
        asyncio.events._set_running_loop(self)

    def run_until_complete(self, future: Any) -> Any:
        self._completing = True
        try:
            return super().run_until_complete(future)
        finally:
            self._completing = False
            asyncio.events._set_running_loop(None)

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        if delay <= 0:  # call_soon: qasync's path, it runs on the next iteration
            return super().call_later(delay, callback, *args, context=context)  # type: ignore[no-any-return]
        handle = asyncio.TimerHandle(self.time() + delay, callback, args, self, context)
        self._delayed.start(handle, delay)
        return handle

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        self._delayed.cancel(handle)

    def close(self) -> None:
        if not self.is_running():
            self._delayed.stop()
        super().close()


def create_event_loop(app: QCoreApplication) -> Any:
    """A qasync loop that also finalizes abandoned async generators.

    qasync does not install asyncio's async-generator hooks (asyncio.run and
    BaseEventLoop.run_forever do). Without them a generator dropped mid-iteration is
    closed by the garbage collector outside the loop; with them the loop closes it.
    """
    loop = _EventLoop(app)
    sys.set_asyncgen_hooks(
        firstiter=loop._asyncgen_firstiter_hook, finalizer=loop._asyncgen_finalizer_hook
    )
    return loop
