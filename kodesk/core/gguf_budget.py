"""The budgets of reading one GGUF header: limits on what a header may claim, and on
the work one read may do (items walked one by one, memory kept, seconds).

Per-count checks alone let millions of empty strings through (each array under its
limit, the file under every size check) at the cost of a gigabyte or half a minute;
these budgets count across the whole file and fail before the work is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class GGUFLimits:
    """Upper bounds on what a header may claim, and the budgets of one read of a file;
    beyond them the file is rejected.

    `max_items`: keys, strings, nested arrays and tensors walked one by one (a real
    262k-token vocabulary with its merges is well under a million). `max_memory`:
    bytes the kept values take as Python objects (estimated before they are made; the
    real Gemma 3 tokenizer needs about 40 MB). `max_seconds`: wall-clock time.
    """

    max_kv_count: int = 1 << 16
    max_tensor_count: int = 1 << 16
    max_key_bytes: int = 1 << 16
    max_string_bytes: int = 64 << 20
    max_array_length: int = 1 << 24
    max_array_depth: int = 2
    max_items: int = 1 << 21
    max_memory: int = 256 << 20
    max_seconds: float = 10.0


DEFAULT_LIMITS = GGUFLimits()


#: Estimated bytes of one kept value as a Python object in a list or dict (without
#: a string's text): a `str` header or a boxed number, and its slot.
STR_OVERHEAD = 64
SCALAR_OVERHEAD = 32
TENSOR_OVERHEAD = 256
#: Items walked between two looks at the clock.
CLOCK_EVERY = 1 << 16


class ReadBudget:
    """What one read of a file has used of its budgets. `fail(detail_en, detail_ko)`
    makes the error raised when a budget is exceeded."""

    def __init__(self, limits: GGUFLimits, fail: Callable[[str, str], Exception]) -> None:
        self.limits = limits
        self.fail = fail
        self.items = 0
        self.memory = 0
        self.deadline = time.monotonic() + limits.max_seconds
        self.next_clock = 0

    def memory_room(self) -> int:
        return self.limits.max_memory - self.memory

    def spend(self, items: int, memory: int = 0) -> None:
        """Count `items` walked and `memory` kept against the budgets of this read."""
        self.items += items
        self.memory += memory
        limits = self.limits
        if self.items > limits.max_items:
            raise self.fail(
                f"the metadata holds more than {limits.max_items} items (keys, strings, "
                "arrays, tensors): over the budget for one file",
                f"메타데이터 항목이 한 파일의 한도({limits.max_items}개)보다 많습니다",
            )
        if self.memory > limits.max_memory:
            megabytes = limits.max_memory >> 20
            raise self.fail(
                f"the metadata would take more than {megabytes} MB of memory: over the "
                "budget for one file",
                f"메타데이터가 한 파일의 메모리 한도({megabytes} MB)보다 큽니다",
            )
        if self.items >= self.next_clock:
            self.next_clock = self.items + CLOCK_EVERY
            self.check_clock()

    def check_clock(self) -> None:
        if time.monotonic() >= self.deadline:
            seconds = f"{self.limits.max_seconds:g}"
            raise self.fail(
                f"reading the metadata took longer than {seconds} s: over the time "
                "budget for one file",
                f"메타데이터를 읽는 데 한 파일의 시간 한도({seconds}초)보다 오래 걸렸습니다",
            )
