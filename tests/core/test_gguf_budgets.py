"""GGUF reading has per-file budgets (items walked, memory kept, time), not only checks
of each count, and never opens a FIFO or device: hostile files fail fast and small."""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gguf import GGUFValueType

from kodesk.core.gguf_budget import GGUFLimits
from kodesk.core.gguf_header import read_header
from kodesk.core.gguf_info import GGUFError, inspect_gguf, read_metadata
from tests.gguf_factory import (
    preset,
    raw_array_head,
    raw_header,
    raw_key,
    raw_string,
    write_gguf,
    write_raw,
)

#: Every way the app reads a GGUF header: inspection, the tokenizer's arrays, everything.
READERS: dict[str, Callable[[Path], Any]] = {
    "inspect": inspect_gguf,
    "tokenizer": lambda path: read_metadata(path, ["tokenizer.ggml.tokens"]),
    "everything": lambda path: read_header(path, arrays="all"),
}
SECONDS = 2.0
PEAK_BYTES = 64 << 20


def _measured(read: Callable[[], Any]) -> tuple[BaseException | None, float, int]:
    """What `read` raised, how long it took and its tracemalloc peak."""
    tracemalloc.start()
    started = time.monotonic()
    error: BaseException | None = None
    try:
        read()
    except Exception as exc:  # the caller checks the type
        error = exc
    finally:
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, elapsed, peak


def _empty_strings(path: Path, count: int, key: str = "tokenizer.ggml.tokens") -> Path:
    head = raw_header(raw_key(key) + raw_array_head(GGUFValueType.STRING, count))
    return write_raw(path, head, zeros=8 * count)


@pytest.mark.parametrize("reader", READERS)
def test_ten_million_empty_strings_fail_fast_and_small(tmp_path: Path, reader: str) -> None:
    path = _empty_strings(tmp_path / "empty.gguf", 10_000_000)
    error, elapsed, peak = _measured(lambda: READERS[reader](path))
    assert isinstance(error, GGUFError), error
    assert "more than 2097152 items" in error.detail and "budget" in error.detail
    assert elapsed < SECONDS
    assert peak < PEAK_BYTES


@pytest.mark.parametrize("reader", READERS)
def test_the_item_budget_is_for_the_whole_file(tmp_path: Path, reader: str) -> None:
    """Many keys, each far under every per-array limit, still add up to the budget."""
    keys = [f"tokenizer.ggml.tokens{'' if i == 0 else i}" for i in range(60)]
    array = raw_array_head(GGUFValueType.STRING, 1000) + raw_string("") * 1000
    body = b"".join(raw_key(key) + array for key in keys)
    path = write_raw(tmp_path / "many.gguf", raw_header(body, kv_count=len(keys)))
    limits = GGUFLimits(max_items=50_000)
    with pytest.raises(GGUFError, match="more than 50000 items"):
        read_header(path, arrays="all", limits=limits)
    with pytest.raises(GGUFError, match="more than 50000 items"):
        read_header(path, tensors=False, limits=limits)
    assert len(read_header(path, arrays="all").metadata) == len(keys)


def test_a_million_keys_are_refused_before_reading_any(tmp_path: Path) -> None:
    body = (raw_key("k") + struct.pack("<IB", GGUFValueType.UINT8, 0)) * 8
    path = write_raw(tmp_path / "keys.gguf", raw_header(body, kv_count=1_000_000))
    error, elapsed, peak = _measured(lambda: inspect_gguf(path))
    assert isinstance(error, GGUFError) and "1000000 metadata keys" in error.detail
    assert elapsed < SECONDS and peak < PEAK_BYTES


def test_memory_budget_counts_what_is_kept(tmp_path: Path) -> None:
    text = "가" * 3000  # 9000 bytes of UTF-8 each
    body = raw_key("tokenizer.ggml.tokens") + raw_array_head(GGUFValueType.STRING, 200)
    path = write_raw(tmp_path / "big.gguf", raw_header(body + raw_string(text) * 200))
    limits = GGUFLimits(max_memory=1 << 20)
    with pytest.raises(GGUFError, match="more than 1 MB of memory"):
        read_metadata(path, limits=limits)
    # skipped, the same strings keep nothing, so the budget allows them
    assert read_header(path, tensors=False, limits=limits).arrays["tokenizer.ggml.tokens"]
    # scalar arrays and plain strings count as well
    numbers = raw_key("scores") + raw_array_head(GGUFValueType.FLOAT32, 50_000)
    path = write_raw(tmp_path / "scores.gguf", raw_header(numbers), zeros=4 * 50_000)
    with pytest.raises(GGUFError, match="memory"):
        read_metadata(path, limits=limits)
    many = b"".join(raw_key(f"k{i}") + struct.pack("<I", 8) + raw_string(text) for i in range(200))
    path = write_raw(tmp_path / "strings.gguf", raw_header(many, kv_count=200))
    with pytest.raises(GGUFError, match="memory"):
        read_metadata(path, limits=limits)


def test_time_budget(tmp_path: Path) -> None:
    path = _empty_strings(tmp_path / "slow.gguf", 100_000)
    with pytest.raises(GGUFError, match="longer than 0 s"):
        read_metadata(path, limits=GGUFLimits(max_seconds=0.0))
    with pytest.raises(GGUFError, match="longer than 0 s"):
        read_header(path, tensors=False, limits=GGUFLimits(max_seconds=0.0))
    assert len(read_metadata(path)["tokenizer.ggml.tokens"]) == 100_000


def test_the_largest_accepted_file_is_still_cheap(tmp_path: Path) -> None:
    """Just under the item budget: read in bounded time, memory within the budget."""
    count = GGUFLimits().max_items - 1
    path = _empty_strings(tmp_path / "edge.gguf", count)
    started = time.monotonic()
    tokens = read_metadata(path)["tokenizer.ggml.tokens"]
    elapsed = time.monotonic() - started
    assert len(tokens) == count
    assert elapsed < 5 * SECONDS  # a few hundred ms on an idle machine


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "model.gguf"
    os.mkfifo(path)
    yield path
    # a reader blocked in open() would be released by a writer; with none, ENXIO
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def _finishes(call: Callable[[], Any]) -> BaseException | None:
    """Run `call` on a thread; fail the test if it does not return within 5 s."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except Exception as exc:  # the caller checks the type
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive(), "reading blocked"
    return outcome[0]


@pytest.mark.parametrize("reader", READERS)
def test_fifo_is_refused_without_blocking(fifo: Path, reader: str) -> None:
    error = _finishes(lambda: READERS[reader](fifo))
    assert isinstance(error, GGUFError)
    assert "FIFO" in error.detail and "FIFO" in error.message("ko")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_refused(device: str) -> None:
    error = _finishes(lambda: inspect_gguf(device))
    assert isinstance(error, GGUFError) and "character device" in error.detail


def test_real_shaped_files_are_within_every_budget(tmp_path: Path) -> None:
    spec = preset("gemma", tokens=tuple(f"tok{i}" for i in range(50_000)), scores=None)
    path = write_gguf(tmp_path / "m.gguf", spec)
    assert inspect_gguf(path).vocab_size == 50_000
    assert len(read_metadata(path)["tokenizer.ggml.tokens"]) == 50_000


def test_token_types_past_the_vocabulary_cost_nothing(tmp_path: Path) -> None:
    """A short vocabulary with a huge token-type array: only the vocabulary's types count."""
    types = 1_500_000
    body = (
        raw_key("tokenizer.ggml.tokens")
        + raw_array_head(GGUFValueType.STRING, 2)
        + raw_string("<s>")
        + raw_string("a")
        + raw_key("tokenizer.ggml.token_type")
        + raw_array_head(GGUFValueType.INT32, types)
        + struct.pack("<i", 3) * types  # CONTROL
    )
    path = write_raw(tmp_path / "types.gguf", raw_header(body, kv_count=2))
    tracemalloc.start()
    started = time.monotonic()
    try:
        info = inspect_gguf(path)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.control_tokens == frozenset({"<s>", "a"})
    assert elapsed < SECONDS and peak < PEAK_BYTES
