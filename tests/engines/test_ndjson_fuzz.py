"""Fuzzing the chat stream reader: any bytes, cut anywhere, give events or typed errors only."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kodesk.core.errors import KodeskError
from kodesk.core.types import Delta, Done, StreamEvent, Thinking
from kodesk.engines.ndjson import LineSplitter, ndjson_objects
from kodesk.engines.ollama_engine import chat_events

MAX_LINE = 512

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
messages = values | st.fixed_dictionaries(
    {}, optional={"role": values, "content": values, "thinking": values}
)
objects = st.fixed_dictionaries(
    {},
    optional={
        "message": messages,
        "done": values,
        "error": values,
        "done_reason": values,
        "eval_count": values,
        "prompt_eval_count": values,
        "eval_duration": values,
    },
)
lines = objects.map(lambda obj: json.dumps(obj).encode() + b"\n")
pieces = st.lists(
    st.one_of(lines, st.binary(max_size=40), st.just(b"\n"), st.just(b"x" * 600)), max_size=10
)


async def _chunks(data: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        yield data[start:cut]
        start = cut
    yield data[start:]


async def _read(data: bytes, cuts: list[int], num_predict: int | None) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    async for event in chat_events(ndjson_objects(_chunks(data, cuts), MAX_LINE), num_predict, []):
        events.append(event)
    return events


# The time bound is asserted per input; generating inputs on a busy machine may be slow.
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces, st.lists(st.integers(min_value=0), max_size=8), st.none() | st.integers(-2, 5))
def test_any_stream_gives_events_or_a_typed_error(
    parts: list[bytes], cuts: list[int], num_predict: int | None
) -> None:
    data = b"".join(parts)
    started = time.monotonic()
    try:
        events = asyncio.run(_read(data, cuts, num_predict))
    except KodeskError as exc:
        assert exc.message("en") and exc.message("ko")
    else:
        assert all(isinstance(e, Delta | Thinking | Done) for e in events)
        assert isinstance(events[-1], Done)  # a stream without a done line is an error
        assert not any(isinstance(e, Done) for e in events[:-1])
        assert all(isinstance(e.text, str) and e.text for e in events if not isinstance(e, Done))
    assert time.monotonic() - started < 1.0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_the_splitter_never_holds_more_than_its_cap(chunks: list[bytes]) -> None:
    splitter = LineSplitter(max_line=256)
    out: list[bytes] = []
    try:
        for chunk in chunks:
            out.extend(splitter.feed(chunk))
            assert len(splitter._buffer) <= 256
    except KodeskError as exc:
        assert exc.code == "oversized_line"
        return
    last = splitter.end()
    joined = b"".join(chunks)
    expected = [line for line in joined.split(b"\n") if line.strip()]
    assert out + ([last] if last is not None else []) == expected
