"""A custom task's reserve is its num_predict; each response is recorded as drift."""

from __future__ import annotations

from kodesk.core.job_events import JobRequest
from kodesk.core.runner import TaskRunner
from kodesk.core.tasks import task_from_table
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.fake_ollama import ChatScript, FakeOllama


def test_custom_task_without_num_predict_gets_its_reserve(fake_ollama: FakeOllama) -> None:
    task = task_from_table(
        {"name": "교정", "template": "맞춤법을 고치세요:\n{text}", "output_reserve": 333}
    )
    fake_ollama.chat_scripts.append(ChatScript(reply="고친 글"))

    async def go() -> None:
        engine = OllamaEngine(fake_ollama.url)
        try:
            async for _ in TaskRunner(engine).run(JobRequest(task, "맞춤뻡", "exaone3.5:2.4b")):
                pass
        finally:
            await engine.aclose()

    run_async(go())
    options = fake_ollama.chat_requests()[-1].body["options"]
    assert options["num_predict"] == 333 and options["num_ctx"] >= 333


def test_each_response_records_its_drift(fake_ollama: FakeOllama) -> None:
    task = task_from_table({"name": "교정", "template": "맞춤법을 고치세요:\n{text}"})
    fake_ollama.chat_scripts.append(ChatScript(reply="고친 글"))

    async def go() -> TaskRunner:
        engine = OllamaEngine(fake_ollama.url)
        runner = TaskRunner(engine)
        try:
            async for _ in runner.run(JobRequest(task, "맞춤뻡 " * 50, "exaone3.5:2.4b")):
                pass
        finally:
            await engine.aclose()
        return runner

    runner = run_async(go())
    assert len(runner.drift) == 1
    # The estimate over-counts and the whole prompt fitted: no excess, no truncation.
    assert runner.drift.truncations == 0 and runner.drift.largest_excess() == 0
