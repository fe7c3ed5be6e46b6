"""Byte progress of a download or upload made of several parts (layers, blobs)."""

from __future__ import annotations

import time
from collections.abc import Callable

from kodesk.core.human_format import megabytes_of, speed


class TransferMeter:
    """Sums `completed`/`total` over parts and measures the speed since the first byte."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._totals: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._started: float | None = None
        self._baseline = 0

    def update(self, part: str, completed: int | None, total: int | None) -> None:
        if total:
            self._totals[part] = total
        if completed is not None:
            if self._started is None:
                self._started = self._clock()
                self._baseline = self.completed
            self._done[part] = completed

    @property
    def total(self) -> int:
        return sum(self._totals.values())

    @property
    def completed(self) -> int:
        return sum(self._done.values())

    @property
    def percent(self) -> int:
        return int(100 * self.completed / self.total) if self.total else 0

    def rate(self) -> float:
        """Bytes per second since the first progress report."""
        if self._started is None:
            return 0.0
        elapsed = self._clock() - self._started
        return (self.completed - self._baseline) / elapsed if elapsed > 0 else 0.0

    def describe(self) -> str:
        """ "120.0 / 4,920.0 MB · 12.3 MB/s" """
        if not self.total:
            return ""
        return f"{megabytes_of(self.completed, self.total)} · {speed(self.rate())}"
