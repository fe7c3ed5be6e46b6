"""Server faults (issue 10 item 1): each ends in one typed error, in bounded time and memory."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from kodesk.core.errors import (
    EngineHTTPError,
    EngineTimeout,
    EngineUnreachable,
    HostNotFound,
    OversizedLine,
    ServerBusy,
    StreamDisconnected,
    StreamError,
)
from kodesk.core.types import ChatMessage, ChatRequest, Delta, Done, StreamEvent
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.fake_ollama import ChatScript, FakeOllama, Fault

MODEL = "exaone3.5:2.4b"
T = TypeVar("T")


def ask(**options: object) -> ChatRequest:
    return ChatRequest(MODEL, (ChatMessage("user", "안녕"),), options=options)


def with_engine(engine: OllamaEngine, use: Callable[[OllamaEngine], Awaitable[T]]) -> T:
    async def scenario() -> T:
        try:
            return await use(engine)
        finally:
            await engine.aclose()

    return run_async(scenario())


async def events_of(engine: OllamaEngine, request: ChatRequest) -> list[StreamEvent]:
    return [event async for event in engine.chat(request)]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"error": None}, "no details"),
        ({"error": ""}, "no details"),
        ({"error": 42}, "42"),
        ({"error": {"message": "out of memory"}}, '{"message": "out of memory"}'),
        ({"error": ["a", "b"]}, '["a", "b"]'),
        ({"message": "not the usual field"}, '{"message": "not the usual field"}'),
        (["not", "an", "object"], '["not", "an", "object"]'),
        (None, "no details"),
    ],
)
def test_odd_error_bodies_give_a_readable_http_error(
    fake_ollama: FakeOllama, body: Any, detail: str
) -> None:
    fake_ollama.chat_scripts.append(ChatScript(status=500, error_json=body))
    fake_ollama.faults["/api/tags"].append(Fault(500, body))
    engine = OllamaEngine(fake_ollama.url)
    with pytest.raises(EngineHTTPError) as chat:
        with_engine(engine, lambda e: events_of(e, ask()))
    with pytest.raises(EngineHTTPError) as tags:
        with_engine(OllamaEngine(fake_ollama.url), lambda e: e.list_models())
    for error in (chat.value, tags.value):
        assert error.status == 500 and error.detail == detail
        assert "None" not in error.message("en") and error.hint_text("ko")


def test_an_error_line_with_a_null_error(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(
        ChatScript(reply="가나다", piece_size=1, error_after=1, error_line=None)
    )
    with pytest.raises(StreamError) as info:
        with_engine(OllamaEngine(fake_ollama.url), lambda e: events_of(e, ask()))
    assert info.value.detail == "no details" and info.value.partial == "가"


def test_show_with_nulls_where_values_are_expected(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model(
        "broken",
        show_override={
            "modelfile": None,
            "parameters": None,
            "template": 7,
            "system": ["x"],
            "license": None,
            "details": None,
            "model_info": None,
            "capabilities": None,
        },
    )
    fake_ollama.add_model(
        "half",
        show_override={
            "model_info": {"general.architecture": None, "tokenizer.ggml.tokens": None},
            "capabilities": ["completion", None, 3],
        },
    )
    details = with_engine(OllamaEngine(fake_ollama.url), lambda e: e.show("broken"))
    assert (details.modelfile, details.parameters, details.system, details.license) == ("",) * 4
    assert details.template == "7"
    assert details.details == {} and details.model_info == {} and details.capabilities == ()
    assert details.context_length is None and details.parameter_values() == {}
    half = with_engine(OllamaEngine(fake_ollama.url), lambda e: e.show("half", verbose=True))
    assert half.context_length is None and half.capabilities == ("completion",)


def test_503_while_a_model_loads_is_retried(fake_ollama: FakeOllama) -> None:
    for _ in range(2):
        fake_ollama.faults["/api/chat"].append(Fault(503, {"error": "loading model"}))
    engine = OllamaEngine(fake_ollama.url, busy_backoff=0.01)
    events = with_engine(engine, lambda e: events_of(e, ask()))
    assert isinstance(events[-1], Done)
    assert len(fake_ollama.chat_requests()) == 3


def test_503_that_does_not_end_gives_up_with_a_message(fake_ollama: FakeOllama) -> None:
    for _ in range(10):
        fake_ollama.faults["/api/show"].append(Fault(503, {"error": "loading model"}))
    engine = OllamaEngine(fake_ollama.url, busy_retries=2, busy_backoff=0.01)
    started = time.monotonic()
    with pytest.raises(ServerBusy) as info:
        with_engine(engine, lambda e: e.show(MODEL))
    assert time.monotonic() - started < 3
    assert len(fake_ollama.received("/api/show")) == 3  # bounded: 1 + 2 retries
    error = info.value
    assert isinstance(error, EngineHTTPError) and error.status == 503 and error.attempts == 3
    assert "loading model" in error.message("en") and "3" in error.message("ko")
    assert error.hint_text("en") and error.hint_text("ko")


def test_an_unresolvable_host_says_so() -> None:
    host = "http://kodesk-no-such-host.invalid:11434"
    for call in (
        lambda e: e.list_models(),
        lambda e: events_of(e, ask()),
    ):
        with pytest.raises(HostNotFound) as info:
            with_engine(OllamaEngine(host), call)
        error = info.value
        assert isinstance(error, EngineUnreachable) and error.host == host
        assert "Cannot resolve" in error.message("en") and "refused" not in error.message("en")
        assert "kodesk-no-such-host.invalid" in error.message("ko")


def test_a_server_that_never_answers_times_out_as_configured(fake_ollama: FakeOllama) -> None:
    fake_ollama.faults["/api/tags"].append(Fault(hang=True))
    started = time.monotonic()
    with pytest.raises(EngineTimeout) as info:
        with_engine(OllamaEngine(fake_ollama.url, connect_timeout=0.3), lambda e: e.list_models())
    assert time.monotonic() - started < 2
    assert info.value.kind == "response" and info.value.seconds == 0.3
    assert "0.3" in info.value.message("en") and "0.3" in info.value.message("ko")
    assert fake_ollama.wait_client_gone(path="/api/tags")


def test_a_chat_without_headers_waits_for_the_first_token_timeout(fake_ollama: FakeOllama) -> None:
    fake_ollama.faults["/api/chat"].append(Fault(hang=True))
    engine = OllamaEngine(fake_ollama.url, connect_timeout=0.2, first_token_timeout=0.6)
    started = time.monotonic()
    with pytest.raises(EngineTimeout) as info:
        with_engine(engine, lambda e: events_of(e, ask()))
    assert 0.55 <= time.monotonic() - started < 3
    assert info.value.kind == "first_token" and info.value.seconds == 0.6
    assert fake_ollama.wait_client_gone(path="/api/chat")


@pytest.mark.parametrize("size", [None, 16 << 20], ids=["endless", "16-MiB"])
def test_an_oversized_line_fails_fast_with_flat_memory(
    fake_ollama: FakeOllama, size: int | None
) -> None:
    fake_ollama.chat_scripts.append(
        ChatScript(reply="가나다", piece_size=1, oversized_after=1, oversized_bytes=size)
    )
    limit = 256 << 10
    engine = OllamaEngine(fake_ollama.url, max_line=limit)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(OversizedLine) as info:
            with_engine(engine, lambda e: events_of(e, ask()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 4 * limit + (1 << 20), f"peak {peak:,} bytes"
    assert info.value.partial == "가" and info.value.limit == limit
    assert "oversized line" in info.value.message("en")
    assert fake_ollama.wait_client_gone(path="/api/chat")


def test_a_server_that_ignores_num_predict_is_cut_off(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(
        ChatScript(reply="가" * 200, piece_size=1, delay=0.005, ignore_num_predict=True)
    )
    events = with_engine(OllamaEngine(fake_ollama.url), lambda e: events_of(e, ask(num_predict=12)))
    deltas = [e for e in events if isinstance(e, Delta)]
    assert len(deltas) == 12
    done = events[-1]
    assert isinstance(done, Done) and done.stats.done_reason == "length"
    assert done.stats.truncated_by_length and done.stats.eval_count == 12
    assert fake_ollama.wait_client_gone(path="/api/chat")  # the stream was closed early


def test_a_server_that_keeps_num_predict_is_not_cut(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="가" * 12, piece_size=1))
    events = with_engine(OllamaEngine(fake_ollama.url), lambda e: events_of(e, ask(num_predict=12)))
    done = events[-1]
    assert isinstance(done, Done) and done.stats.done_reason == "stop"
    assert sum(isinstance(e, Delta) for e in events) == 12


def test_the_fake_stops_at_num_predict_like_ollama(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="가" * 40, piece_size=1))
    events = with_engine(OllamaEngine(fake_ollama.url), lambda e: events_of(e, ask(num_predict=7)))
    done = events[-1]
    assert isinstance(done, Done) and done.stats.done_reason == "length"
    assert done.stats.eval_count == 7 and sum(isinstance(e, Delta) for e in events) == 7
    assert fake_ollama.chat_requests()[-1].finished  # the server ended it, not the client


def test_a_drop_mid_stream_keeps_the_text_received(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="가나다라", piece_size=1, disconnect_after=3))
    with pytest.raises(StreamDisconnected) as info:
        with_engine(OllamaEngine(fake_ollama.url), lambda e: events_of(e, ask()))
    assert info.value.partial == "가나다"


def test_a_stall_mid_stream_keeps_the_text_received(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(
        ChatScript(reply="가나다라", piece_size=2, stall_after=1, stall_seconds=5)
    )
    engine = OllamaEngine(fake_ollama.url, stall_timeout=0.3)
    with pytest.raises(EngineTimeout) as info:
        with_engine(engine, lambda e: events_of(e, ask()))
    assert info.value.kind == "stall" and info.value.partial == "가나"
    assert fake_ollama.wait_client_gone(path="/api/chat")


def test_cancelling_while_the_server_reads_the_prompt(fake_ollama: FakeOllama) -> None:
    """Before the headers (a slow prompt evaluation), cancelling still closes the request."""
    fake_ollama.chat_scripts.append(ChatScript(first_delay=30))

    async def scenario(engine: OllamaEngine) -> None:
        task = asyncio.ensure_future(events_of(engine, ask()))
        await asyncio.to_thread(fake_ollama.wait_request, "/api/chat")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with_engine(OllamaEngine(fake_ollama.url), scenario)
    assert fake_ollama.wait_client_gone(path="/api/chat")
