"""The base-model guard and the degeneration detector on the real built-in Gemma 3 270M.

Asked for a one-line summary, the base model echoes the instruction over and over or
copies the article; the detector stops each of these answers long before the length
limit. (The runner will do the same once wired; this drives the engine directly.)
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import cast

import pytest

from kodesk.core.degeneration import Degeneration, detector_for
from kodesk.core.instruction_guard import instruction_warning, judge
from kodesk.core.tasks import BUILTIN_TASKS, find_task
from kodesk.core.types import ChatRequest, Delta, StreamEvent
from kodesk.engines.embedded import EmbeddedEngine
from tests.engines.conftest import EngineLoop

pytestmark = pytest.mark.inference

BASE = "gemma-3-270m-q4_k_m"
CHAT = "gemma-chat"
WEBPAGES = Path(__file__).parent.parent / "core" / "data" / "webpages"
SUMMARY = find_task(BUILTIN_TASKS, "summary")
NUM_PREDICT = 400


async def summarise(engine: EmbeddedEngine, text: str) -> tuple[str, Degeneration | None]:
    """Stream a summary of `text` through the detector; stop the stream when it fires."""
    messages = SUMMARY.messages(text)
    detector = detector_for(SUMMARY, text, messages)
    options = {"num_ctx": 2048, "temperature": 0.0, "seed": 7, "num_predict": NUM_PREDICT}
    answer = ""
    stream = cast(AsyncGenerator[StreamEvent], engine.chat(ChatRequest(BASE, messages, options)))
    async with aclosing(stream) as events:
        async for event in events:
            if isinstance(event, Delta):
                answer += event.text
                if detector.feed(event.text) is not None:
                    break
    return answer, detector.found


def test_the_guard_warns_about_the_base_model_only(
    engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    base = engine_loop.run(shared_engine.show(BASE))
    chat = engine_loop.run(shared_engine.show(CHAT))
    assert judge(base, shared_engine.kind).reason == "no_chat_template"
    warning = instruction_warning(base, shared_engine.kind)
    assert warning is not None and "cannot follow instructions" in warning.en
    assert instruction_warning(chat, shared_engine.kind) is None


@pytest.mark.parametrize("name", ["hani", "kbs", "mbc"])
def test_a_degenerate_summary_is_stopped_early(
    name: str, engine_loop: EngineLoop, shared_engine: EmbeddedEngine
) -> None:
    text = (WEBPAGES / f"{name}.expected.txt").read_text(encoding="utf-8")
    answer, found = engine_loop.run(summarise(shared_engine, text))
    assert found is not None, f"not stopped: {answer!r}"
    assert found.kind in ("repeated_sentence", "echo", "loop")
    # Stopped well before the length limit (a Korean token is about one or two characters).
    assert len(answer) < NUM_PREDICT
    assert "지시를 따르지 못하는" in found.message.ko
    assert "kodesk models --recommended" in found.error(shared_engine.kind).hint_text("en")
