"""Real inference through the embedded engine on the real Gemma 3 270M GGUF (no mocks).

The session engine keeps the model loaded; tests that need another context size or
keep_alive run last, so the model is loaded only a few times.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kodesk.core.errors import ContextTooSmall
from kodesk.core.types import (
    ChatMessage,
    ChatRequest,
    ChatStats,
    Delta,
    Done,
    PromptUsed,
    StreamEvent,
)
from kodesk.engines.chat_prompt import PLAIN_FORMAT
from kodesk.engines.embedded import EmbeddedEngine
from kodesk.engines.embedded_errors import ChatTemplateError
from kodesk.engines.gguf_catalog import GGUFCatalog
from tests.engines.conftest import SMALL, EngineLoop, copy_with_metadata

pytestmark = pytest.mark.inference

BASE = "gemma-3-270m-q4_k_m"
CHAT = "gemma-chat"
COUNTING = "Count: 1, 2, 3, 4, 5,"


def request(
    text: str = COUNTING, model: str = BASE, system: str | None = None, **options: Any
) -> ChatRequest:
    messages = ((ChatMessage("system", system),) if system else ()) + (ChatMessage("user", text),)
    return ChatRequest(model, messages, options={**SMALL, **options})


async def collect(
    engine: EmbeddedEngine,
    req: ChatRequest,
) -> tuple[list[tuple[float, StreamEvent]], str, ChatStats]:
    """Every event with its arrival time, the answer text and the final statistics."""
    events: list[tuple[float, StreamEvent]] = []
    async for event in engine.chat(req):
        events.append((time.perf_counter(), event))
    last = events[-1][1]
    assert isinstance(last, Done)
    assert isinstance(events[0][1], PromptUsed)  # the prompt comes before any text
    assert all(isinstance(e, Delta) for _, e in events[1:-1])
    text = "".join(e.text for _, e in events if isinstance(e, Delta))
    return events, text, last.stats


def chat(
    engine_loop: EngineLoop,
    engine: EmbeddedEngine,
    req: ChatRequest,
) -> tuple[list[tuple[float, StreamEvent]], str, ChatStats]:
    return engine_loop.run(collect(engine, req))


def test_deltas_stream_incrementally_in_order(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    events, text, stats = chat(engine_loop, shared_engine, request(num_predict=12))
    deltas = [(t, e) for t, e in events if isinstance(e, Delta)]
    assert len(deltas) > 1
    times = [t for t, _ in deltas]
    assert times == sorted(times)
    assert times[-1] - times[0] > 0.001  # spread over the generation, not one burst
    assert stats.done_reason == "length" and stats.eval_count == 12
    assert stats.prompt_eval_count and stats.prompt_eval_count > 5
    assert stats.eval_duration and stats.prompt_eval_duration and stats.total_duration
    assert stats.load_duration is not None
    assert text.strip()
    prompt = events[0][1]
    assert isinstance(prompt, PromptUsed)
    assert prompt.format == PLAIN_FORMAT
    assert prompt.text == COUNTING + "\n"


def test_fixed_seed_is_deterministic(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    greedy = [chat(engine_loop, shared_engine, request())[1] for _ in range(2)]
    chat(engine_loop, shared_engine, request("Something else entirely."))
    greedy.append(chat(engine_loop, shared_engine, request())[1])
    assert greedy[0] == greedy[1] == greedy[2] and greedy[0]
    sampled = [
        chat(engine_loop, shared_engine, request(temperature=1.0, seed=1234))[1] for _ in range(2)
    ]
    assert sampled[0] == sampled[1] and sampled[0]


def test_output_matches_llama_cpp_python_itself(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine, gemma_gguf: Path, llama_cpp: ModuleType
) -> None:
    """Same model, prompt tokens and greedy sampling: the same text as llama-cpp-python's
    own `create_completion`, so detokenizing and option mapping lose nothing."""
    ours_runs = [
        chat(engine_loop, shared_engine, request("한국의 수도는", num_predict=16)) for _ in range(2)
    ]  # the second run must not depend on the first's cache
    _, ours, stats = ours_runs[0]
    assert ours_runs[1][1] == ours
    llama = llama_cpp.Llama(str(gemma_gguf), n_ctx=1024, n_threads=1, verbose=False)
    try:
        tokens = [llama.token_bos(), *llama.tokenize("한국의 수도는\n".encode(), add_bos=False)]
        assert len(tokens) == stats.prompt_eval_count
        direct = llama.create_completion(
            tokens,
            max_tokens=16,
            temperature=0.0,
            repeat_penalty=1.1,
            top_k=40,
            top_p=0.9,
            min_p=0.0,
        )
    finally:
        llama.close()
    assert ours == direct["choices"][0]["text"]


def test_num_predict_limits_the_answer(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    _, _, stats = chat(engine_loop, shared_engine, request(num_predict=5))
    assert stats.eval_count == 5
    assert stats.done_reason == "length"


def test_stop_sequence_ends_the_answer_before_it(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    _, full, _ = chat(engine_loop, shared_engine, request())
    stop = full.strip()[2:5]  # a piece from inside the greedy answer
    assert len(stop) == 3
    _, text, stats = chat(engine_loop, shared_engine, request(stop=[stop]))
    assert text == full[: full.index(stop)]
    assert stats.done_reason == "stop"
    assert stats.eval_count is not None and stats.eval_count < 16


def test_cancel_mid_stream_is_prompt_and_frees_the_worker(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    async def cancel_after_first_delta() -> tuple[float, int]:
        first = asyncio.Event()
        received = 0

        async def consume() -> None:
            nonlocal received
            async for event in shared_engine.chat(request(num_predict=400)):
                if isinstance(event, Delta):
                    received += 1
                    first.set()

        task = asyncio.ensure_future(consume())
        await first.wait()
        started = time.perf_counter()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.perf_counter() - started, received

    latency, received = engine_loop.run(cancel_after_first_delta())
    assert latency < 5.0
    assert received < 400
    _, text, stats = chat(engine_loop, shared_engine, request(num_predict=3))
    assert stats.eval_count == 3 and text


def test_cancel_during_prompt_evaluation_aborts_llama_cpp(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    """A long prompt takes seconds to evaluate; cancelling must not wait for it to finish."""
    text = "서울시는 내년부터 시내버스 노선을 개편한다. " * 35  # ~450 tokens: one batch
    _, _, stats = chat(engine_loop, shared_engine, request(text, num_predict=1))
    assert stats.prompt_eval_duration
    evaluation = stats.prompt_eval_duration / 1e9

    async def cancel_while_evaluating() -> float:
        task = asyncio.ensure_future(collect(shared_engine, request(text + "!", num_predict=1)))
        await asyncio.sleep(evaluation * 0.2)
        started = time.perf_counter()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.perf_counter() - started

    latency = engine_loop.run(cancel_while_evaluating())
    # without aborting inside llama.cpp the cancel would wait for ~80% of the evaluation
    assert latency < evaluation * 0.25
    assert chat(engine_loop, shared_engine, request(num_predict=2))[2].eval_count == 2


def test_gguf_chat_template_is_rendered_and_its_special_tokens_parsed(
    engine_loop: EngineLoop,
    shared_engine: EmbeddedEngine,
    gemma_chat_gguf: Path,
    llama_cpp: ModuleType,
) -> None:
    events, text, stats = chat(
        engine_loop, shared_engine, request("Say hello.", model=CHAT, system="Be brief.")
    )
    prompt = events[0][1]
    assert isinstance(prompt, PromptUsed) and prompt.format == "chat template: gemma"
    assert prompt.text == (
        "<bos><start_of_turn>system\nBe brief.<end_of_turn>\n"
        "<start_of_turn>user\nSay hello.<end_of_turn>\n"
        "<start_of_turn>model\n"
    )
    llama = llama_cpp.Llama(
        str(gemma_chat_gguf), n_ctx=256, n_threads=1, verbose=False, vocab_only=True
    )
    try:
        parsed = llama.tokenize(prompt.text.encode(), add_bos=False, special=True)
        as_text = llama.tokenize(prompt.text.encode(), add_bos=False, special=False)
    finally:
        llama.close()
    assert stats.prompt_eval_count == len(parsed) < len(as_text)  # one BOS, turns as tokens
    assert text is not None and stats.eval_count


def test_prompt_never_cut_silently(engine_loop: EngineLoop, shared_engine: EmbeddedEngine) -> None:
    with pytest.raises(ContextTooSmall):
        chat(engine_loop, shared_engine, request(num_predict=1020))
    long_text = "가나다라마바사 " * 400
    with pytest.raises(ContextTooSmall) as caught:
        chat(engine_loop, shared_engine, request(long_text, num_predict=None))
    assert "1024" in caught.value.message("en")
    # still usable afterwards
    assert chat(engine_loop, shared_engine, request(num_predict=2))[2].eval_count == 2


def test_changing_num_ctx_reloads_the_model(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    _, _, stats = chat(engine_loop, shared_engine, request(num_ctx=512, num_predict=2))
    assert stats.load_duration and stats.load_duration > 0
    loaded = engine_loop.run(shared_engine.list_loaded())
    assert [(m.name, m.context_length, m.expires_at) for m in loaded] == [(BASE, 512, "")]
    _, _, again = chat(engine_loop, shared_engine, request(num_ctx=512, num_predict=2))
    assert again.load_duration == 0


def loaded_names(engine_loop: EngineLoop, engine: EmbeddedEngine) -> list[str]:
    return [m.name for m in engine_loop.run(engine.list_loaded())]


@pytest.mark.parametrize("keep_alive", [0, "0s"])
def test_keep_alive_zero_unloads_after_the_answer(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine, keep_alive: int | str
) -> None:
    req = request(num_predict=2)
    req = ChatRequest(req.model, req.messages, req.options, keep_alive=keep_alive)
    chat(engine_loop, shared_engine, req)
    assert loaded_names(engine_loop, shared_engine) == []


def test_keep_alive_timer_unloads_later_and_explicit_unload_works(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    base = request(num_predict=2)
    chat(
        engine_loop,
        shared_engine,
        ChatRequest(base.model, base.messages, base.options, keep_alive="1s"),
    )
    loaded = engine_loop.run(shared_engine.list_loaded())
    assert [m.name for m in loaded] == [BASE] and loaded[0].expires_at
    deadline = time.monotonic() + 10
    while loaded_names(engine_loop, shared_engine) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert loaded_names(engine_loop, shared_engine) == []
    chat(engine_loop, shared_engine, base)  # the session default: keep forever
    assert loaded_names(engine_loop, shared_engine) == [BASE]
    engine_loop.run(shared_engine.unload("some-other-model"))
    assert loaded_names(engine_loop, shared_engine) == [BASE]
    engine_loop.run(shared_engine.unload(BASE))
    assert loaded_names(engine_loop, shared_engine) == []


HOSTILE_TEMPLATE = (
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}"
    "{% for m in messages %}{{ m.content }}{% endfor %}"
)


def test_hostile_template_in_a_gguf_is_refused(gemma_gguf: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = copy_with_metadata(
        gemma_gguf,
        tmp_path / "hostile.gguf",
        {"tokenizer.chat_template": HOSTILE_TEMPLATE.replace("MARKER", str(marker))},
    )
    engine = EmbeddedEngine(GGUFCatalog(tmp_path / "models", files=(hostile,)), n_threads=1)

    events: list[StreamEvent] = []

    async def attempt() -> None:
        try:
            async for event in engine.chat(request(model="hostile")):
                events.append(event)
        finally:
            await engine.aclose()

    with pytest.raises(ChatTemplateError, match="internals"):
        asyncio.run(attempt())
    assert not marker.exists()
    assert events == []  # no prompt was reported, nothing was generated
