"""TaskRunner against the fake server: every decision, as the server sees it."""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kodesk.core.context_planner import MAP_SUMMARY_TEMPLATE, ContextPolicy
from kodesk.core.errors import ContextTooSmall, EngineHTTPError
from kodesk.core.runner import JobRequest, JobStatus, TaskRunner
from kodesk.core.tokenizer import EstimateTokenizer
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.core.planning_helpers import korean_text
from tests.core.runner_helpers import (
    MODEL,
    SUMMARY,
    TRANSLATE,
    answer,
    by_content,
    finished,
    notes,
    run_job,
    statuses,
    warnings,
)
from tests.fake_ollama import ChatScript, FakeOllama, wait_until

MAP_MARK = MAP_SUMMARY_TEMPLATE.split("{total}")[1][:12]  # "개 조각으로 나눈 것 중 "


@pytest.fixture
def fake(fake_ollama: FakeOllama) -> FakeOllama:
    """The fake with a 4096 default context, an 8192-token model and the estimate
    tokenizer on both sides (the model exposes no vocabulary)."""
    fake_ollama.default_num_ctx = 4096
    fake_ollama.models[MODEL].context_length = 8192
    fake_ollama.count_tokens = EstimateTokenizer().count
    return fake_ollama


def assert_nothing_cut(fake: FakeOllama, reserve: int) -> None:
    chats = fake.chat_requests()
    assert chats
    for rec in chats:
        assert rec.prompt_tokens is not None and rec.num_ctx is not None
        assert rec.prompt_tokens + reserve <= rec.num_ctx
        assert rec.truncated is False


def test_a_short_text_fits_and_num_ctx_is_sent_explicitly(fake: FakeOllama) -> None:
    fake.default_chat = ChatScript(reply="정부가 예산을 늘리기로 했다.")
    events = run_job(fake, korean_text(10))
    assert answer(events) == "정부가 예산을 늘리기로 했다."
    [chat] = fake.chat_requests()
    assert chat.body["options"]["num_ctx"] == 4096
    assert finished(events).plan is not None and finished(events).plan.decision == "fits"
    assert_nothing_cut(fake, SUMMARY.output_reserve)


def test_a_medium_text_raises_num_ctx_for_that_request(fake: FakeOllama) -> None:
    events = run_job(fake, korean_text(150))
    [chat] = fake.chat_requests()
    assert 4096 < chat.body["options"]["num_ctx"] <= 8192
    assert any("컨텍스트를 4,096 →" in s for s in statuses(events))
    assert_nothing_cut(fake, SUMMARY.output_reserve)


def test_a_loaded_models_context_is_the_server_default(fake: FakeOllama) -> None:
    fake.loaded[MODEL] = 8192
    run_job(fake, korean_text(150))
    [chat] = fake.chat_requests()
    assert chat.body["options"]["num_ctx"] == 8192


def test_refusal_sends_nothing_and_explains(fake: FakeOllama) -> None:
    policy = ContextPolicy(allow_raise=False, allow_split=False)
    with pytest.raises(ContextTooSmall) as caught:
        run_job(fake, korean_text(150), policy=policy)
    assert "context.allow_split" in caught.value.explain("ko")
    assert fake.chat_requests() == []


def test_map_reduce_summarizes_chunks_then_reduces_to_one_sentence(fake: FakeOllama) -> None:
    fake.chat_handler = by_content(
        [(lambda p: MAP_MARK in p, "이 부분은 예산과 물가를 다룬다. 정부 대책이 나왔다.")],
        "정부와 기관들이 예산 확대와 물가 대책을 잇달아 내놓았다.",
    )
    policy = ContextPolicy(max_num_ctx=4096)
    events = run_job(fake, korean_text(400), policy=policy)
    chats = fake.chat_requests()
    maps = [r for r in chats if MAP_MARK in r.body["messages"][-1]["content"]]
    assert len(maps) >= 3 and len(chats) == len(maps) + 1
    chunk_lines = [s for s in statuses(events) if s.startswith("조각")]
    assert [s.split(" · ")[0] for s in chunk_lines] == [
        f"조각 {i}/{len(maps)}" for i in range(1, len(maps) + 1)
    ]
    assert all(s.endswith("남음 (추정)") for s in chunk_lines)  # each with the time left
    reduce_prompt = chats[-1].body["messages"][-1]["content"]
    assert "[부분 1]" in reduce_prompt and f"[부분 {len(maps)}]" in reduce_prompt
    assert answer(events) == "정부와 기관들이 예산 확대와 물가 대책을 잇달아 내놓았다."
    assert all(r.body["options"]["num_predict"] == SUMMARY.output_reserve for r in maps)
    assert_nothing_cut(fake, SUMMARY.output_reserve)
    stats = finished(events).stats
    assert stats is not None and stats.prompt_eval_count == sum(r.prompt_tokens or 0 for r in chats)


def test_partial_summaries_that_do_not_fit_are_reduced_hierarchically(fake: FakeOllama) -> None:
    # Each partial summary is long (they cannot all fit), and not a copy of the input
    # (which would be stopped as a degenerate answer).
    letters = "가나다라마바사아자차카타파하"
    calls = iter(range(10_000))

    def long_partial() -> str:
        n = next(calls) * 40
        return " ".join(
            f"{letters[i % 14]}{letters[i * 5 % 14]} 항목의 요약 {i}번: 값은 {i * 37 % 101}이다."
            for i in range(n, n + 40)
        )

    def handler(body: dict[str, Any]) -> ChatScript:
        prompt = body["messages"][-1]["content"]
        if MAP_MARK in prompt and "[부분" not in prompt:
            return ChatScript(reply=long_partial(), piece_size=7)
        return ChatScript(reply="최종 한 문장이다.")

    fake.chat_handler = handler
    policy = ContextPolicy(max_num_ctx=2048, allow_raise=False)
    fake.default_num_ctx = 2048
    events = run_job(fake, korean_text(400), policy=policy)
    assert answer(events) == "최종 한 문장이다."
    assert any("단계" in s for s in statuses(events))
    assert_nothing_cut(fake, SUMMARY.output_reserve)


def test_translation_chunks_are_concatenated_in_order(fake: FakeOllama) -> None:
    counter = iter(range(1, 1000))
    fake.chat_handler = lambda body: ChatScript(reply=f"Part {next(counter)} in English.")
    policy = ContextPolicy(max_num_ctx=4096)
    events = run_job(fake, korean_text(400), task=TRANSLATE, policy=policy)
    chats = fake.chat_requests()
    assert len(chats) >= 2
    expected = "\n\n".join(f"Part {i} in English." for i in range(1, len(chats) + 1))
    assert answer(events) == expected
    assert_nothing_cut(fake, TRANSLATE.output_reserve)


def chunk_of(body: dict[str, Any]) -> str:
    prompt = str(body["messages"][-1]["content"])
    return prompt.split("<text>\n", 1)[1].rsplit("\n</text>", 1)[0]


def test_concurrent_chunks_still_show_in_order(fake: FakeOllama) -> None:
    def handler(body: dict[str, Any]) -> ChatScript:
        chunk = chunk_of(body)
        slow = zlib.crc32(chunk.encode()) % 2 == 0
        return ChatScript(
            reply=f"Part {zlib.crc32(chunk.encode())}.", first_delay=0.1 if slow else 0.0
        )

    fake.chat_handler = handler
    policy = ContextPolicy(max_num_ctx=4096, split_concurrency=3)
    events = run_job(fake, korean_text(400), task=TRANSLATE, policy=policy)
    plan = finished(events).plan
    assert plan is not None and len(plan.chunk_texts) >= 3
    assert answer(events) == "\n\n".join(
        f"Part {zlib.crc32(c.encode())}." for c in plan.chunk_texts
    )
    assert len(fake.chat_requests()) == len(plan.chunk_texts)


def test_cancelling_mid_map_reduce_stops_all_requests(fake: FakeOllama) -> None:
    fake.default_chat = ChatScript(reply="부분 요약입니다. " * 5, delay=0.05, piece_size=2)
    policy = ContextPolicy(max_num_ctx=4096, split_concurrency=2)

    async def go() -> int:
        engine = OllamaEngine(fake.url)
        runner = TaskRunner(engine, policy=policy)
        seen: list[str] = []

        async def consume() -> None:
            async for event in runner.run(JobRequest(SUMMARY, korean_text(400), MODEL)):
                if isinstance(event, JobStatus):
                    seen.append(event.text.ko)

        job = asyncio.create_task(consume())
        while "조각 2/" not in " ".join(seen) or len(fake.chat_requests()) < 2:
            await asyncio.sleep(0.01)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        # No task is left that could send anything later: nothing new after the cancel.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await engine.aclose()
        return len(others)

    assert run_async(go()) == 0
    chats = fake.chat_requests()
    assert len(chats) == 2  # concurrency 2: the third chunk never started
    assert wait_until(lambda: all(r.aborted for r in chats))  # both streams were closed


def test_the_server_cutting_anyway_yields_a_warning(fake: FakeOllama) -> None:
    fake.count_tokens = lambda text: 10  # the server "evaluated" far fewer tokens
    events = run_job(fake, korean_text(150))  # near num_ctx: an estimate may overflow
    assert any("may have cut the prompt" in w for w in warnings(events))


def test_a_short_count_for_a_small_prompt_is_the_prompt_cache_not_a_cut(fake: FakeOllama) -> None:
    fake.count_tokens = lambda text: 10
    events = run_job(fake, korean_text(20))
    assert warnings(events) == []


def test_a_failing_chunk_stops_the_job_and_its_other_requests(fake: FakeOllama) -> None:
    fake.chat_scripts.extend(
        [
            ChatScript(reply="첫 조각 요약입니다."),
            ChatScript(status=500, error="model runner crashed"),
        ]
    )
    fake.default_chat = ChatScript(reply="느린 조각 요약입니다. " * 5, delay=0.05)
    policy = ContextPolicy(max_num_ctx=4096, split_concurrency=1)

    async def go() -> int:
        engine = OllamaEngine(fake.url)
        runner = TaskRunner(engine, policy=policy)
        try:
            with pytest.raises(EngineHTTPError, match="crashed"):
                async for _ in runner.run(JobRequest(SUMMARY, korean_text(400), MODEL)):
                    pass
            left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            return len(left)
        finally:
            await engine.aclose()

    assert run_async(go()) == 0
    assert len(fake.chat_requests()) == 2  # the third chunk never started


def test_cleanup_can_be_turned_off_per_task(fake: FakeOllama) -> None:
    page = (Path(__file__).parent / "data" / "webpages" / "naver_yonhap.txt").read_text(
        encoding="utf-8"
    )
    raw = replace(SUMMARY, cleanup=False)
    events = run_job(fake, page, task=raw)
    [chat] = fake.chat_requests()
    assert "무단 전재" in chat.body["messages"][-1]["content"]
    assert not any(s.startswith("정리됨") for s in notes(events))
    run_job(fake, page)
    cleaned = fake.chat_requests()[-1].body["messages"][-1]["content"]
    assert "무단 전재" not in cleaned and "한국은행이 기준금리를" in cleaned
