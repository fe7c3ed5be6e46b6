"""Every request of every task — built-in or custom, single, map or reduce — carries a
bounded num_ctx and num_predict, and the prompt plus the answer fits in num_ctx."""

from __future__ import annotations

from typing import Any

import pytest

from kodesk.core.answer_stream import bounded_options
from kodesk.core.context_planner import ContextPolicy
from kodesk.core.job import run_job
from kodesk.core.job_events import JobEvent, JobTokens
from kodesk.core.runner import TaskRunner
from kodesk.core.settings import Settings
from kodesk.core.tasks import BUILTIN_TASKS, Task, find_task, task_from_table
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.core.planning_helpers import korean_text
from tests.core.runner_helpers import MODEL
from tests.fake_ollama import ChatScript, FakeOllama

CUSTOM_SUMMARY = task_from_table(
    {"name": "요점", "template": "다음 글의 요점을 세 줄로 쓰세요:\n{text}", "output_reserve": 200}
)
CUSTOM_CONCAT = task_from_table(
    {
        "name": "교정",
        "template": "맞춤법을 고치세요:\n{text}",
        "reduce": "concat",
        "output_reserve": 300,
    }
)
CUSTOM_COUNTS = task_from_table(
    {"name": "길이", "template": "이 글은 {token_count}토큰, 컨텍스트 {num_ctx}.\n{text}"}
)
TASKS: list[Task] = [
    *(find_task(BUILTIN_TASKS, n) for n in ("summary", "translate", "tokens")),
    CUSTOM_SUMMARY,
    CUSTOM_CONCAT,
    CUSTOM_COUNTS,
]
SHORT, LONG = korean_text(8), korean_text(400)


def events_of(fake: FakeOllama, task: Task, text: str, policy: ContextPolicy) -> list[JobEvent]:
    async def go() -> list[JobEvent]:
        engine = OllamaEngine(fake.url)
        try:
            runner = TaskRunner(engine, policy=policy)
            settings = Settings({"model.default": MODEL})
            return [e async for e in run_job(runner, settings, task, text)]
        finally:
            await engine.aclose()

    return run_async(go())


def assert_bounded(fake: FakeOllama) -> list[dict[str, Any]]:
    chats = fake.chat_requests()
    assert chats
    for rec in chats:
        options = rec.body["options"]
        num_ctx, num_predict = options.get("num_ctx"), options.get("num_predict")
        assert isinstance(num_ctx, int) and num_ctx > 0, rec.body
        assert isinstance(num_predict, int) and 0 < num_predict <= num_ctx, rec.body
        assert rec.prompt_tokens is not None and rec.prompt_tokens + num_predict <= num_ctx
        assert rec.truncated is False
        content = "\n".join(m["content"] for m in rec.body["messages"])
        assert "{token_count}" not in content and "{num_ctx}" not in content
    return [r.body["options"] for r in chats]


@pytest.mark.parametrize("task", TASKS, ids=[t.name for t in TASKS])
def test_a_short_text_sends_one_bounded_request(fake_ollama: FakeOllama, task: Task) -> None:
    fake_ollama.default_chat = ChatScript(reply="답입니다.")
    events_of(fake_ollama, task, SHORT, ContextPolicy())
    [options] = assert_bounded(fake_ollama)
    assert options["num_predict"] == (task.options.get("num_predict") or task.output_reserve)


@pytest.mark.parametrize("task", TASKS, ids=[t.name for t in TASKS])
def test_a_long_text_sends_only_bounded_requests(fake_ollama: FakeOllama, task: Task) -> None:
    fake_ollama.default_chat = ChatScript(reply="부분의 답입니다.")
    events = events_of(fake_ollama, task, LONG, ContextPolicy(max_num_ctx=4096))
    sent = assert_bounded(fake_ollama)
    if task.name != "tokens":  # the token explainer sends only the head of a long text
        assert len(sent) >= 3  # map requests, and the reduce request for summaries
    reserve = task.options.get("num_predict") or task.output_reserve
    assert {o["num_predict"] for o in sent} == {reserve}
    if "{token_count}" in task.template:
        assert any(isinstance(e, JobTokens) for e in events)


@pytest.mark.parametrize(
    ("given", "sent"),
    [({}, 300), ({"num_predict": 40}, 300), ({"num_predict": -1}, 300), ({"num_ctx": 99}, 300)],
)
def test_bounded_options_send_the_planned_reserve(given: dict[str, int], sent: int) -> None:
    options = bounded_options({"temperature": 0.1, **given}, 4096, 300)
    assert options == {"temperature": 0.1, "num_ctx": 4096, "num_predict": sent}


@pytest.mark.parametrize(("num_ctx", "reserve"), [(0, 300), (4096, 0), (4096, -1)])
def test_an_unbounded_request_is_never_made(num_ctx: int, reserve: int) -> None:
    with pytest.raises(ValueError, match="unbounded"):
        bounded_options({}, num_ctx, reserve)
