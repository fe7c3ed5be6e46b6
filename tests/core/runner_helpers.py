"""Running `TaskRunner` jobs against the fake Ollama server in tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kodesk.core.context_planner import ContextPolicy
from kodesk.core.runner import (
    JobDelta,
    JobEvent,
    JobFinished,
    JobNote,
    JobRequest,
    JobReset,
    JobStatus,
    JobWarning,
    TaskRunner,
)
from kodesk.core.tasks import BUILTIN_TASKS, Task, find_task
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.fake_ollama import FakeOllama

MODEL = "exaone3.5:2.4b"
SUMMARY = find_task(BUILTIN_TASKS, "summary")
TRANSLATE = find_task(BUILTIN_TASKS, "translate")


def run_job(
    fake: FakeOllama,
    text: str,
    *,
    task: Task = SUMMARY,
    policy: ContextPolicy | None = None,
    **job: Any,
) -> list[JobEvent]:
    """All events of one job, or the exception it raised (re-raised)."""

    async def go() -> list[JobEvent]:
        engine = OllamaEngine(fake.url)
        try:
            runner = TaskRunner(engine, policy=policy)
            return [e async for e in runner.run(JobRequest(task, text, MODEL, **job))]
        finally:
            await engine.aclose()

    return run_async(go())


def answer(events: list[JobEvent]) -> str:
    """The text the answer window ends up showing (JobReset clears it)."""
    shown = ""
    for event in events:
        if isinstance(event, JobReset):
            shown = ""
        elif isinstance(event, JobDelta):
            shown += event.text
    return shown


def statuses(events: list[JobEvent]) -> list[str]:
    return [e.text.ko for e in events if isinstance(e, JobStatus)]


def notes(events: list[JobEvent]) -> list[str]:
    return [e.text.ko for e in events if isinstance(e, JobNote)]


def warnings(events: list[JobEvent]) -> list[str]:
    return [e.text.en for e in events if isinstance(e, JobWarning)]


def finished(events: list[JobEvent]) -> JobFinished:
    last = events[-1]
    assert isinstance(last, JobFinished)
    return last


def by_content(
    rules: list[tuple[Callable[[str], bool], str]], default: str
) -> Callable[[dict[str, Any]], Any]:
    """A chat_handler answering with the first rule whose predicate matches the prompt."""
    from tests.fake_ollama import ChatScript

    def handler(body: dict[str, Any]) -> ChatScript:
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        for predicate, reply in rules:
            if predicate(prompt):
                return ChatScript(reply=reply, piece_size=7)
        return ChatScript(reply=default, piece_size=7)

    return handler
