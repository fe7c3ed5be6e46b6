"""The Ollama engine against the fake server: streaming, options, every failure."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from pathlib import Path

import pytest

from kodesk.core.errors import (
    EngineHTTPError,
    EngineTimeout,
    EngineUnreachable,
    MalformedResponse,
    ModelNotFound,
    StreamDisconnected,
    StreamError,
)
from kodesk.core.types import (
    ChatMessage,
    ChatRequest,
    Delta,
    Done,
    ModelSpec,
    Progress,
    StreamEvent,
    Thinking,
)
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.fake_ollama import ChatScript, FakeOllama, PullScript

MODEL = "exaone3.5:2.4b"


def request(**kwargs: object) -> ChatRequest:
    return ChatRequest(MODEL, (ChatMessage("user", "안녕하세요"),), **kwargs)  # type: ignore[arg-type]


async def collect(engine: OllamaEngine, req: ChatRequest) -> list[StreamEvent]:
    try:
        return [event async for event in engine.chat(req)]
    finally:
        await engine.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_chat_streams_deltas_and_final_stats(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="서울은 한국의 수도입니다.", thinking="음"))
    events = run_async(collect(OllamaEngine(fake_ollama.url), request()))
    deltas = [e.text for e in events if isinstance(e, Delta)]
    assert len(deltas) > 1
    assert "".join(deltas) == "서울은 한국의 수도입니다."
    assert [e.text for e in events if isinstance(e, Thinking)] == ["음"]
    done = events[-1]
    assert isinstance(done, Done)
    assert done.stats.done_reason == "stop"
    assert done.stats.eval_count == len(deltas)
    assert done.stats.tokens_per_second == pytest.approx(len(deltas) / 0.5)
    assert done.stats.prompt_eval_count is not None and done.stats.prompt_eval_count > 0


def test_chat_sends_options_keep_alive_and_think(fake_ollama: FakeOllama) -> None:
    req = request(
        options={"temperature": 0.2, "num_ctx": 8192, "seed": None}, keep_alive="10m", think=False
    )
    run_async(collect(OllamaEngine(fake_ollama.url), req))
    body = fake_ollama.chat_requests()[-1].body
    assert body["options"] == {"temperature": 0.2, "num_ctx": 8192}
    assert body["keep_alive"] == "10m"
    assert body["think"] is False
    assert body["messages"] == [{"role": "user", "content": "안녕하세요"}]
    assert fake_ollama.chat_requests()[-1].num_ctx == 8192


def test_length_stop_is_reported(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="길다", done_reason="length"))
    events = run_async(collect(OllamaEngine(fake_ollama.url), request()))
    assert isinstance(events[-1], Done) and events[-1].stats.truncated_by_length


def test_connection_refused_is_unreachable() -> None:
    host = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(EngineUnreachable) as info:
        run_async(collect(OllamaEngine(host), request()))
    assert host in info.value.message("en")
    assert "kodesk doctor" in info.value.hint_text("en")
    assert "kodesk doctor" in info.value.hint_text("ko")


def test_list_models_connection_refused() -> None:
    engine = OllamaEngine(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EngineUnreachable):
        run_async(engine.list_models())


def test_unknown_model_is_model_not_found(fake_ollama: FakeOllama) -> None:
    req = ChatRequest("missing:7b", (ChatMessage("user", "x"),))
    with pytest.raises(ModelNotFound) as info:
        run_async(collect(OllamaEngine(fake_ollama.url), req))
    assert info.value.model == "missing:7b"
    assert "ollama pull missing:7b" in info.value.hint_text("en")


def test_http_error_before_stream(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(status=500, error="llama runner crashed"))
    with pytest.raises(EngineHTTPError) as info:
        run_async(collect(OllamaEngine(fake_ollama.url), request()))
    assert info.value.status == 500 and "llama runner crashed" in info.value.detail


def test_error_line_mid_stream(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="가나다라마바사", piece_size=1, error_after=3))
    with pytest.raises(StreamError) as info:
        run_async(collect(OllamaEngine(fake_ollama.url), request()))
    assert "unexpected EOF" in info.value.message("en")
    assert info.value.partial == "가나다"


def test_malformed_line(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="가나다라", piece_size=1, malformed_after=2))
    with pytest.raises(MalformedResponse):
        run_async(collect(OllamaEngine(fake_ollama.url), request()))


def test_disconnect_mid_stream(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="가나다라", piece_size=1, disconnect_after=2))
    with pytest.raises(StreamDisconnected):
        run_async(collect(OllamaEngine(fake_ollama.url), request()))


def test_stall_between_chunks_times_out(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(
        ChatScript(reply="가나다라", piece_size=1, stall_after=2, stall_seconds=5)
    )
    engine = OllamaEngine(fake_ollama.url, stall_timeout=0.3)
    with pytest.raises(EngineTimeout) as info:
        run_async(collect(engine, request()))
    assert info.value.kind == "stall"


def test_first_token_timeout(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(first_delay=5))
    engine = OllamaEngine(fake_ollama.url, first_token_timeout=0.3)
    with pytest.raises(EngineTimeout) as info:
        run_async(collect(engine, request()))
    assert info.value.kind == "first_token"


def test_cancel_closes_the_http_stream(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="가" * 200, piece_size=1, delay=0.02))

    async def scenario() -> list[str]:
        engine = OllamaEngine(fake_ollama.url)
        seen: list[str] = []
        three = asyncio.Event()

        async def consume() -> None:
            async for event in engine.chat(request()):
                if isinstance(event, Delta):
                    seen.append(event.text)
                    if len(seen) == 3:
                        three.set()

        task = asyncio.ensure_future(consume())
        await asyncio.wait_for(three.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await engine.aclose()
        return seen

    seen = run_async(scenario())
    assert 3 <= len(seen) < 200
    assert fake_ollama.wait_client_gone(timeout=5, path="/api/chat")
    assert not fake_ollama.chat_requests()[-1].finished


def test_models_show_ps_version_delete(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model(
        "llama3-ko:8b",
        family="llama",
        parameter_size="8.0B",
        verbose_info={"tokenizer.ggml.tokens": ["a", "b"]},
    )

    async def scenario() -> None:
        engine = OllamaEngine(fake_ollama.url)
        models = await engine.list_models()
        assert [m.name for m in models] == [MODEL, "llama3-ko:8b"]
        assert models[1].family == "llama" and models[1].quantization_level == "Q4_K_M"
        assert await engine.version() == "0.33.1"
        details = await engine.show("llama3-ko:8b")
        assert details.context_length == 32768
        assert details.model_info["tokenizer.ggml.tokens"] is None
        verbose = await engine.show("llama3-ko:8b", verbose=True)
        assert verbose.model_info["tokenizer.ggml.tokens"] == ["a", "b"]
        async for _ in engine.chat(
            ChatRequest("llama3-ko:8b", (ChatMessage("user", "x"),), options={"num_ctx": 2048})
        ):
            pass
        loaded = await engine.list_loaded()
        assert [(m.name, m.context_length) for m in loaded] == [("llama3-ko:8b", 2048)]
        await engine.unload("llama3-ko:8b")
        assert await engine.list_loaded() == []
        await engine.delete("llama3-ko:8b")
        with pytest.raises(ModelNotFound):
            await engine.delete("llama3-ko:8b")
        with pytest.raises(ModelNotFound):
            await engine.show("nope")
        await engine.aclose()

    run_async(scenario())


def test_pull_reports_progress(fake_ollama: FakeOllama) -> None:
    fake_ollama.pullable.add("exaone3.5:7.8b")
    fake_ollama.pull_script = PullScript(total=1000, steps=4)

    async def scenario() -> list[Progress]:
        engine = OllamaEngine(fake_ollama.url)
        try:
            return [p async for p in engine.pull("exaone3.5:7.8b")]
        finally:
            await engine.aclose()

    progress = run_async(scenario())
    assert progress[0].status == "pulling manifest"
    fractions = [p.fraction for p in progress if p.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert progress[-1].status == "success"
    assert "exaone3.5:7.8b" in fake_ollama.models


def test_pull_error_line(fake_ollama: FakeOllama) -> None:
    async def scenario() -> None:
        engine = OllamaEngine(fake_ollama.url)
        try:
            async for _ in engine.pull("no-such-model"):
                pass
        finally:
            await engine.aclose()

    with pytest.raises(StreamError) as info:
        run_async(scenario())
    assert "file does not exist" in info.value.message("en")


def test_create_uploads_the_blob_then_creates(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF" + bytes(range(256)) * 20_000)
    digest = "sha256:" + hashlib.sha256(gguf.read_bytes()).hexdigest()
    spec = ModelSpec(
        "my-ko",
        from_gguf=str(gguf),
        system="한국어로 답하세요.",
        parameters={"num_ctx": 8192, "stop": ["<|eot_id|>"]},
    )

    async def scenario() -> list[Progress]:
        engine = OllamaEngine(fake_ollama.url)
        try:
            return [p async for p in engine.create(spec)]
        finally:
            await engine.aclose()

    progress = run_async(scenario())
    statuses = [p.status for p in progress]
    assert "uploading" in statuses and statuses[-1] == "success"
    uploads = [p for p in progress if p.status == "uploading"]
    assert uploads[-1].completed == gguf.stat().st_size
    assert fake_ollama.blobs[digest] == gguf.stat().st_size
    create = next(r for r in fake_ollama.requests if r.path == "/api/create")
    assert create.body["files"] == {"model.gguf": digest}
    assert create.body["parameters"] == {"num_ctx": 8192, "stop": ["<|eot_id|>"]}
    assert "my-ko" in fake_ollama.models
    # A second create finds the blob on the server and does not upload again.
    run_async(scenario())
    assert (
        sum(
            1
            for r in fake_ollama.requests
            if r.method == "POST" and r.path.startswith("/api/blobs/")
        )
        == 1
    )
