"""The fake server behaves like a real Ollama 0.12.11 with long texts (issue 11), and the
engine's truncation guard: `truncate: false` where the server knows it."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from kodesk.core.errors import EngineTimeout, PromptTooLong, StreamError
from kodesk.core.types import ChatMessage, ChatRequest, Delta, Done, StreamEvent
from kodesk.engines.ollama_engine import OllamaEngine
from kodesk.engines.ollama_wire import supports_truncate
from tests.conftest import run_async
from tests.fake_ollama import ChatScript, FakeOllama, ServerSpeed
from tests.fake_ollama_data import RUNNER_EOF, TOO_LONG

MODEL = "exaone3.5:2.4b"


def ask(model: str = MODEL, text: str = "안녕", **options: object) -> ChatRequest:
    return ChatRequest(model, (ChatMessage("user", text),), options=options)


async def chat_all(engine: OllamaEngine, *requests: ChatRequest) -> list[list[StreamEvent]]:
    try:
        return [[event async for event in engine.chat(r)] for r in requests]
    finally:
        await engine.aclose()


def final(events: list[StreamEvent]) -> Done:
    done = events[-1]
    assert isinstance(done, Done)
    return done


def test_a_num_ctx_change_reloads_the_runner(fake_ollama: FakeOllama) -> None:
    fake_ollama.speed = ServerSpeed(load_seconds=2.5, time_scale=0.01)
    engine = OllamaEngine(fake_ollama.url)
    first, same, bigger = run_async(
        chat_all(engine, ask(num_ctx=2048), ask(num_ctx=2048), ask(num_ctx=8192))
    )
    assert [r.reloaded for r in fake_ollama.chat_requests()] == [True, False, True]
    assert fake_ollama.reloads == 2
    assert final(first).stats.load_duration == 2_500_000_000
    assert final(same).stats.load_duration == ChatScript().load_duration
    assert final(bigger).stats.load_seconds == pytest.approx(2.5)

    async def ps() -> list[tuple[str, int | None]]:
        engine = OllamaEngine(fake_ollama.url)
        try:
            return [(m.name, m.context_length) for m in await engine.list_loaded()]
        finally:
            await engine.aclose()

    assert run_async(ps()) == [(MODEL, 8192)]


def test_without_num_ctx_the_server_default_is_loaded(fake_ollama: FakeOllama) -> None:
    run_async(chat_all(OllamaEngine(fake_ollama.url), ask()))
    assert fake_ollama.loaded == {MODEL: 4096}
    assert fake_ollama.chat_requests()[-1].num_ctx == 4096


def test_two_names_over_one_blob_share_a_runner(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model("gemma-base", blob="sha256:" + "c" * 64)
    fake_ollama.add_model("gemma-copy", blob="sha256:" + "c" * 64)
    fake_ollama.add_model("other")
    run_async(
        chat_all(
            OllamaEngine(fake_ollama.url),
            ask("gemma-base", num_ctx=2048),
            ask("gemma-copy", num_ctx=2048),
            ask("other", num_ctx=2048),
        )
    )
    assert [r.reloaded for r in fake_ollama.chat_requests()] == [True, False, True]
    assert fake_ollama.loaded == {"gemma-copy": 2048, "other": 2048}


def test_an_old_server_cuts_the_middle_silently(fake_ollama: FakeOllama) -> None:
    fake_ollama.version = "0.12.5"  # before `truncate` existed
    fake_ollama.count_tokens = len  # one token per character, here and in the test
    text = "가" * 300
    events = run_async(chat_all(OllamaEngine(fake_ollama.url), ask(text=text, num_ctx=128)))[0]
    rec = fake_ollama.chat_requests()[-1]
    assert "truncate" not in rec.body
    assert rec.truncated and not rec.refused
    assert final(events).stats.prompt_eval_count == 128
    assert fake_ollama.log == ["truncating input prompt limit=128 prompt=300 keep=4 new=128"]


def test_a_new_server_refuses_instead_and_the_engine_says_why(fake_ollama: FakeOllama) -> None:
    fake_ollama.version = "0.12.11"
    fake_ollama.count_tokens = len
    with pytest.raises(PromptTooLong) as info:
        run_async(chat_all(OllamaEngine(fake_ollama.url), ask(text="가" * 300, num_ctx=128)))
    rec = fake_ollama.chat_requests()[-1]
    assert rec.body["truncate"] is False
    assert rec.refused and not rec.truncated and fake_ollama.log == []
    error = info.value
    assert error.code == "prompt_too_long" and error.num_ctx == 128 and error.model == MODEL
    assert "128" in error.message("en") and "128" in error.message("ko")
    assert error.hint_text("en") and error.hint_text("ko")


def test_a_text_that_fits_is_answered_with_the_guard_on(fake_ollama: FakeOllama) -> None:
    fake_ollama.count_tokens = len
    engine = OllamaEngine(fake_ollama.url)
    events = run_async(chat_all(engine, ask(text="가" * 100, num_ctx=128), ask(num_ctx=128)))
    assert all(r.body["truncate"] is False for r in fake_ollama.chat_requests())
    assert final(events[0]).stats.prompt_eval_count == 100
    assert len(fake_ollama.received("/api/version")) == 1  # read once per engine


@pytest.mark.parametrize(
    ("version", "guarded"),
    [
        ("0.12.5", False),
        ("0.12.6", True),
        ("0.12.11", True),
        ("0.13.0-rc1", True),
        ("1.0", True),
        ("0.0.0", True),  # a development build
        ("0.6.8", False),
        ("not a version", False),
        ("", False),
    ],
)
def test_truncate_is_sent_from_0_12_6(version: str, guarded: bool) -> None:
    assert supports_truncate(version) is guarded


def test_prompt_and_decode_rates_pace_the_stream(fake_ollama: FakeOllama) -> None:
    # 2,000 tokens at 1,000 tokens/s and 10 tokens at 20 tokens/s: 2.5 s of server time,
    # played 10x faster.
    fake_ollama.speed = ServerSpeed(prompt_rate=1000, decode_rate=20, time_scale=0.1)
    fake_ollama.count_tokens = len
    fake_ollama.loaded[MODEL] = 4096  # already loaded: no load time
    fake_ollama.chat_scripts.append(ChatScript(reply="0123456789", piece_size=1))
    started = time.monotonic()
    events = run_async(chat_all(OllamaEngine(fake_ollama.url), ask(text="x" * 2000, num_ctx=4096)))[
        0
    ]
    elapsed = time.monotonic() - started
    stats = final(events).stats
    assert stats.prompt_eval_duration == 2_000_000_000
    assert stats.eval_count == 10 and stats.eval_duration == 500_000_000
    assert stats.tokens_per_second == pytest.approx(20)
    assert stats.load_duration == ChatScript().load_duration  # no reload
    assert elapsed >= 0.2 + 0.045  # prompt reading, then 9 gaps between 10 tokens


def _raw(fake: FakeOllama, path: str, body: dict[str, object]) -> httpx.Response:
    with httpx.Client(base_url=fake.url) as client:
        return client.post(path, json=body)


def test_show_of_a_gguf_without_chat_template(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model(
        "gemma3-base",
        template="{{ .Prompt }}",  # what Ollama sets when the GGUF has no chat template
        verbose_info={"tokenizer.ggml.tokens": ["<pad>", "a"]},
    )
    plain = _raw(fake_ollama, "/api/show", {"model": "gemma3-base"}).json()
    assert plain["template"] == "{{ .Prompt }}"
    assert "parameters" not in plain
    assert plain["capabilities"] == ["completion"]
    assert plain["model_info"]["tokenizer.ggml.tokens"] is None
    assert plain["tensors"]
    verbose = _raw(fake_ollama, "/api/show", {"model": "gemma3-base", "verbose": True}).json()
    assert verbose["model_info"]["tokenizer.ggml.tokens"] == ["<pad>", "a"]


def test_an_error_mid_stream_ends_without_a_done_line(fake_ollama: FakeOllama) -> None:
    script = ChatScript(reply="가나다라", piece_size=1, error_after=2)
    fake_ollama.chat_scripts.extend([script, script])
    response = _raw(fake_ollama, "/api/chat", {"model": MODEL, "messages": []})
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[-1] == {"error": RUNNER_EOF}
    assert not any(line.get("done") for line in lines)
    with pytest.raises(StreamError) as info:
        run_async(chat_all(OllamaEngine(fake_ollama.url), ask()))
    assert info.value.partial == "가나" and RUNNER_EOF in info.value.message("en")


def test_the_refusal_is_a_plain_json_400(fake_ollama: FakeOllama) -> None:
    fake_ollama.count_tokens = len
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "x" * 50}],
        "options": {"num_ctx": 10},
        "truncate": False,
    }
    response = _raw(fake_ollama, "/api/chat", body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": TOO_LONG}


def test_stream_text_is_kept_before_an_error(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.append(ChatScript(reply="가나다라마바", piece_size=2, error_after=2))
    seen: list[str] = []

    async def scenario() -> None:
        engine = OllamaEngine(fake_ollama.url)
        try:
            async for event in engine.chat(ask()):
                if isinstance(event, Delta):
                    seen.append(event.text)
        finally:
            await engine.aclose()

    with pytest.raises(StreamError) as info:
        run_async(scenario())
    assert info.value.partial == "가나다라" == "".join(seen)


def test_concurrent_first_requests_read_the_version_once(fake_ollama: FakeOllama) -> None:
    async def scenario() -> list[list[StreamEvent]]:
        engine = OllamaEngine(fake_ollama.url)
        try:
            return list(
                await asyncio.gather(*([_events(engine, ask(num_ctx=2048)) for _ in range(3)]))
            )
        finally:
            await engine.aclose()

    results = run_async(scenario())
    assert all(isinstance(events[-1], Done) for events in results)
    assert len(fake_ollama.received("/api/version")) == 1
    assert all(r.body["truncate"] is False for r in fake_ollama.chat_requests())


async def _events(engine: OllamaEngine, request: ChatRequest) -> list[StreamEvent]:
    return [event async for event in engine.chat(request)]


def test_a_request_may_wait_longer_for_its_first_token(fake_ollama: FakeOllama) -> None:
    """A long prompt read slowly: the request's own first-token wait, never a shorter one."""
    fake_ollama.speed = ServerSpeed(prompt_rate=100)
    fake_ollama.count_tokens = len
    fake_ollama.loaded[MODEL] = 4096
    engine = OllamaEngine(fake_ollama.url, first_token_timeout=0.2)
    prompt = (ChatMessage("user", "x" * 60),)
    slow = ChatRequest(MODEL, prompt, {"num_ctx": 4096}, first_token_timeout=2.0)
    events = run_async(chat_all(engine, slow))[0]  # 0.6 s of reading
    assert final(events).stats.prompt_eval_count == 60
    short = ChatRequest(MODEL, prompt, {"num_ctx": 4096}, first_token_timeout=0.1)
    with pytest.raises(EngineTimeout) as info:
        run_async(chat_all(OllamaEngine(fake_ollama.url, first_token_timeout=0.2), short))
    assert info.value.kind == "first_token" and info.value.seconds == 0.2
