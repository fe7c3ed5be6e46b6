"""Reading a response body so that cancelling the reader never cancels httpcore.

httpcore 1.0.9 leaks a pool connection when a task is cancelled inside it: its cleanup
runs in an anyio shielded scope that a native asyncio cancellation still cuts short, so
the connection stays "active" for good (encode/httpcore#1093, #830, httpx#3782). A job
is cancelled whenever the user presses the hotkey again, so kodesk must never be inside
httpcore when that happens.

`BodyPump` reads the body in a task of its own that is never cancelled while it is in
httpcore: the consumer awaits a queue (cancelling that is harmless), and stopping early
lets the read in progress end first (a streaming server sends the next line soon) or
cancels the pump while it waits for room in the queue (outside httpcore). Only a
server silent in mid-stream makes a stop cancel a read (after `STOP_WAIT`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import httpx

#: Chunks read ahead of the consumer (memory stays bounded by this many chunks).
READ_AHEAD = 4
#: Seconds a stop waits for the read in progress to end before cancelling it after all.
STOP_WAIT = 1.0


class BodyPump:
    """The raw chunks of `response`'s body, read ahead by at most `READ_AHEAD` chunks."""

    def __init__(self, response: httpx.Response, pending: set[asyncio.Future[Any]]) -> None:
        """`pending` keeps the stop while it runs (its owner awaits what is left on close)."""
        self._response = response
        self._pending = pending
        self._chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._room = asyncio.Semaphore(READ_AHEAD)
        self._error: BaseException | None = None
        self._reading = False
        self._stopping = False
        self._task = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        source = aiter(self._response.aiter_raw())
        try:
            while True:
                await self._room.acquire()  # the only place the pump is ever cancelled
                self._reading = True
                try:
                    chunk = await anext(source)
                finally:
                    self._reading = False
                self._chunks.put_nowait(chunk)
                if self._stopping:
                    return
        except StopAsyncIteration:
            pass
        except Exception as exc:
            if not self._stopping:
                self._error = exc
        finally:
            self._chunks.put_nowait(None)

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """The chunks in order; the pump's read error, if any, is raised at its place."""
        while (chunk := await self._chunks.get()) is not None:
            self._room.release()
            yield chunk
        if self._error is not None:
            raise self._error

    async def aclose(self) -> None:
        """Stop reading and close the response; safe to await from a cancelled task."""
        self._stopping = True
        stopping = asyncio.ensure_future(self._stop())
        self._pending.add(stopping)
        stopping.add_done_callback(self._pending.discard)
        await asyncio.shield(stopping)

    async def _stop(self) -> None:
        if not self._reading:
            self._task.cancel()  # done, or waiting for room in the queue: not in httpcore
        else:  # it stops after the read it is in; a server gone silent is not waited for
            await asyncio.wait([self._task], timeout=STOP_WAIT)
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._response.aclose()
