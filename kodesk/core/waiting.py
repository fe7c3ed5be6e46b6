"""Honest waiting: what a job says while the model reads a long prompt.

`with_ticks` passes a stream's items through and adds a `None` every `interval` seconds
in which none arrived, so the consumer can update "reading the text… ~40 s left" while
it waits; `ReadingProgress` words that line from the expected time (labelled an
estimate). Cancelling the consumer cancels the pending read before the stream is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TypeVar

from kodesk.core.context_ladder import format_seconds
from kodesk.core.errors import Text

T = TypeVar("T")

#: Seconds between progress updates while nothing arrives.
TICK_SECONDS = 2.0


async def with_ticks(
    stream: AsyncIterator[T], interval: float, *, until: Callable[[T], bool]
) -> AsyncGenerator[T | None, None]:
    """`stream`'s items, with a None for every `interval` without one, until an item for
    which `until` is true has arrived (from then on the items pass straight through)."""
    iterator = aiter(stream)
    ticking = True
    pending: asyncio.Future[T] | None = None
    try:
        while ticking:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=interval)
            if not done:
                yield None
                continue
            finished, pending = pending, None
            try:
                item = finished.result()
            except StopAsyncIteration:
                return
            ticking = not until(item)
            yield item
        async for item in iterator:
            yield item
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending


class ReadingProgress:
    """The status line while the model has not answered yet."""

    def __init__(
        self,
        expected_seconds: float,
        *,
        measured: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.expected = expected_seconds
        self.measured = measured
        self._clock = clock
        self._start = clock()

    def text(self) -> Text:
        left = self.expected - (self._clock() - self._start)
        guess = "" if self.measured else ", 기본값 기준"
        guess_en = "" if self.measured else ", default speed"
        if left <= 1:
            return Text(
                ko=f"모델이 글을 읽는 중… 예상보다 오래 걸립니다 (추정{guess})",
                en=f"Reading the text… taking longer than expected (estimated{guess_en})",
            )
        eta = format_seconds(left)
        return Text(
            ko=f"모델이 글을 읽는 중… {eta} 남음 (추정{guess})",
            en=f"Reading the text… {eta} left (estimated{guess_en})",
        )
