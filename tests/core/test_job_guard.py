"""A base model is named before its answer; a looping answer is stopped, not run to the
length limit — in every job, through the one job path."""

from __future__ import annotations

import pytest

from kodesk.core.context_planner import ContextPolicy
from kodesk.core.degeneration import DegenerateAnswer
from kodesk.core.job import run_job
from kodesk.core.job_events import JobDelta, JobEvent, JobWarning
from kodesk.core.runner import TaskRunner
from kodesk.core.settings import Settings
from kodesk.core.tasks import BUILTIN_TASKS, find_task
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.core.planning_helpers import korean_text
from tests.fake_ollama import ChatScript, FakeOllama

SUMMARY = find_task(BUILTIN_TASKS, "summary")
LOOP = "내가 왜 그렇게 생각하는지? 나는 지금이 가장 행복한 날이다. "


def events_of(fake: FakeOllama, model: str, text: str, sink: list[JobEvent]) -> None:
    async def go() -> None:
        engine = OllamaEngine(fake.url)
        try:
            runner = TaskRunner(engine, policy=ContextPolicy())
            job = run_job(runner, Settings({"model.default": model}), SUMMARY, text)
            async for event in job:
                sink.append(event)
        finally:
            await engine.aclose()

    run_async(go())


def test_a_base_model_is_named_before_its_answer(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model("llama3-open-ko:8b", template="{{ .Prompt }}")
    fake_ollama.default_chat = ChatScript(reply="정부가 예산을 늘렸다.")
    events: list[JobEvent] = []
    events_of(fake_ollama, "llama3-open-ko:8b", korean_text(10), events)
    first_delta = next(i for i, e in enumerate(events) if isinstance(e, JobDelta))
    before = [e.text for e in events[:first_delta] if isinstance(e, JobWarning)]
    assert any("llama3-open-ko:8b" in w.en and "instructions" in w.en for w in before)
    assert any("지시" in w.ko for w in before)


def test_an_instruction_model_gets_no_such_warning(fake_ollama: FakeOllama) -> None:
    fake_ollama.default_chat = ChatScript(reply="정부가 예산을 늘렸다.")
    events: list[JobEvent] = []
    events_of(fake_ollama, "exaone3.5:2.4b", korean_text(10), events)
    assert not [e for e in events if isinstance(e, JobWarning)]


def test_a_looping_answer_is_stopped_early(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model("gemma-base", template="{{ .Prompt }}")
    # Paced, so the server is still writing when the client stops reading.
    fake_ollama.default_chat = ChatScript(reply=LOOP * 60, piece_size=4, delay=0.01)
    events: list[JobEvent] = []
    with pytest.raises(DegenerateAnswer) as caught:
        events_of(fake_ollama, "gemma-base", korean_text(10), events)
    shown = "".join(e.text for e in events if isinstance(e, JobDelta))
    assert len(shown) < len(LOOP) * 6  # stopped after a few repeats, not at the limit
    assert "repeating" in caught.value.message("en")
    assert caught.value.hint is not None  # names a model that follows instructions
    assert fake_ollama.wait_client_gone(path="/api/chat")  # the stream was closed early
