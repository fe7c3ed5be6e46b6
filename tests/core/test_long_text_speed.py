"""Long texts at a real server's speed (the fake paces prompt reading, decoding and
reloads as a 2-core CPU does): no truncated request, no refusal, no avoidable reload,
progress with an estimate throughout; a refusal for length re-plans once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kodesk.core import waiting
from kodesk.core.context_planner import MAP_SUMMARY_TEMPLATE, REDUCE_INTRO, ContextPolicy
from kodesk.core.errors import PromptTooLong
from kodesk.core.job import run_job
from kodesk.core.job_events import (
    REPLANNING,
    JobDelta,
    JobEvent,
    JobFinished,
    JobNote,
    JobProgress,
    JobStatus,
)
from kodesk.core.runner import TaskRunner
from kodesk.core.settings import Settings
from kodesk.core.tasks import BUILTIN_TASKS, find_task
from kodesk.core.tokenizer import EstimateTokenizer
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.core.planning_helpers import korean_text
from tests.fake_ollama import ChatScript, FakeOllama, Fault, ServerSpeed
from tests.fake_ollama_data import TOO_LONG

MODEL = "exaone3.5:2.4b"
SUMMARY = find_task(BUILTIN_TASKS, "summary")
PAGE = Path(__file__).parent / "data" / "webpages" / "naver_long_feature.txt"
MAP_MARK = MAP_SUMMARY_TEMPLATE.split("{total}")[1][:12]
#: A 2-core CPU with a small model (issue 11), run 1000× faster than real time.
CPU = ServerSpeed(prompt_rate=150, decode_rate=10, load_seconds=2.5, time_scale=0.001)


def answer_by_role(body: dict[str, object]) -> ChatScript:
    prompt = str(body["messages"][-1]["content"])  # type: ignore[index]
    if MAP_MARK in prompt:
        return ChatScript(reply="이 부분은 지역 소멸과 주민들의 대응을 다룬다.", piece_size=6)
    if REDUCE_INTRO.strip() in prompt:
        return ChatScript(reply="주민들이 소멸 위기의 마을을 지키고 있다.", piece_size=6)
    return ChatScript(reply="짧은 글의 요약이다.", piece_size=6)


class Jobs:
    """Jobs run one after another on one engine and runner, as the tray does."""

    def __init__(self, fake: FakeOllama, policy: ContextPolicy) -> None:
        self.fake, self.policy = fake, policy

    def run(self, *texts: str) -> list[list[JobEvent]]:
        async def go() -> list[list[JobEvent]]:
            engine = OllamaEngine(self.fake.url)
            runner = TaskRunner(engine, policy=self.policy)
            settings = Settings({"model.default": MODEL})
            try:
                return [[e async for e in run_job(runner, settings, SUMMARY, t)] for t in texts]
            finally:
                await engine.aclose()

        return run_async(go())


@pytest.fixture
def cpu_fake(fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch) -> FakeOllama:
    fake_ollama.speed = CPU
    fake_ollama.count_tokens = EstimateTokenizer().count  # the server counts as kodesk does
    fake_ollama.chat_handler = answer_by_role
    monkeypatch.setattr(waiting, "TICK_SECONDS", 0.02)  # progress ticks, sped up too
    return fake_ollama


def test_a_40000_character_article_at_cpu_speed(cpu_fake: FakeOllama) -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert len(page) >= 40_000
    [events] = Jobs(cpu_fake, ContextPolicy()).run(page)

    chats = cpu_fake.chat_requests()
    assert len(chats) >= 3
    assert not any(r.truncated for r in chats)  # nothing cut
    assert not any(r.refused for r in chats)  # nothing refused for length
    assert {r.num_ctx for r in chats} == {chats[0].num_ctx}  # one size for every request
    assert cpu_fake.reloads == 1  # the first load only: no avoidable reload
    statuses = [e.text.en for e in events if isinstance(e, JobStatus)]
    chunk_lines = [s for s in statuses if s.startswith("Chunk ")]
    assert chunk_lines and all(s.endswith("left (estimated)") for s in chunk_lines)
    first_delta = next(i for i, e in enumerate(events) if isinstance(e, JobDelta))
    reading = [e for e in events[:first_delta] if isinstance(e, JobProgress)]
    assert reading and all("(estimated" in e.text.en for e in reading)
    finished = events[-1]
    assert isinstance(finished, JobFinished) and finished.plan is not None
    assert finished.plan.expected is not None


def test_a_short_text_after_a_long_one_does_not_reload(cpu_fake: FakeOllama) -> None:
    Jobs(cpu_fake, ContextPolicy()).run(korean_text(150), korean_text(5))
    long_chat, short_chat = cpu_fake.chat_requests()
    assert long_chat.num_ctx == 8192 and short_chat.num_ctx == 8192
    assert short_chat.reloaded is False and cpu_fake.reloads == 1


def test_the_second_job_estimates_from_measured_speed(cpu_fake: FakeOllama) -> None:
    first, second = Jobs(cpu_fake, ContextPolicy()).run(korean_text(20), korean_text(20))
    plans = [e.plan for e in (first[-1], second[-1]) if isinstance(e, JobFinished)]
    assert [p.expected.measured for p in plans if p and p.expected] == [False, True]


def test_a_long_plan_says_how_long_before_it_starts(cpu_fake: FakeOllama) -> None:
    [events] = Jobs(cpu_fake, ContextPolicy()).run(korean_text(400))
    notes = [e.text.en for e in events if isinstance(e, JobNote)]
    first_delta = next(i for i, e in enumerate(events) if isinstance(e, JobDelta))
    long_note = next(
        i for i, e in enumerate(events) if isinstance(e, JobNote) and "while" in e.text.en
    )
    assert long_note < first_delta
    assert any("expected" in n and "Esc" in n for n in notes)


def test_a_refusal_for_length_re_plans_once(cpu_fake: FakeOllama) -> None:
    cpu_fake.faults["/api/chat"].append(Fault(status=400, body={"error": TOO_LONG}))
    [events] = Jobs(cpu_fake, ContextPolicy()).run(korean_text(20))
    statuses = [e.text for e in events if isinstance(e, JobStatus)]
    assert REPLANNING in statuses
    assert isinstance(events[-1], JobFinished)
    first, second = cpu_fake.chat_requests()[-2:]
    assert first.body["truncate"] is False and second.body["truncate"] is False


def test_a_second_refusal_fails_with_the_explanation(cpu_fake: FakeOllama) -> None:
    for _ in range(2):
        cpu_fake.faults["/api/chat"].append(Fault(status=400, body={"error": TOO_LONG}))
    with pytest.raises(PromptTooLong) as caught:
        Jobs(cpu_fake, ContextPolicy()).run(korean_text(20))
    assert "refused" in caught.value.message("en") and caught.value.hint is not None
