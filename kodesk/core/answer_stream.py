"""The one stream consumer: one chat request of a job, from options to a checked answer.

Every request a job makes — the single request, each map chunk, each reduce round —
goes through `AnswerStream.stream`, so every one of them:

- carries a bounded `num_ctx` and `num_predict` (`bounded_options`): without a positive
  num_predict a model writes until the context is full and the server then shifts the
  context, dropping the start of the prompt;
- has thinking removed and its script checked (one retry with a firmer instruction when
  the answer is in the wrong script);
- is recorded in the drift log (planned prompt tokens against the server's count) and
  warns when the server evaluated fewer tokens than planned or the answer hit its limit;
- reports the prompt format the engine actually used (`PromptUsed` → `JobPrompt`);
- is stopped with `DegenerateAnswer` as soon as the answer repeats itself or echoes the
  prompt back (`DegenerationDetector`), instead of burning the length limit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from kodesk.core.answer_guard import ScriptCheck, ThinkFilter, expected_script
from kodesk.core.context_planner import server_truncated
from kodesk.core.degeneration import detector_for
from kodesk.core.engine import Engine
from kodesk.core.errors import KodeskError
from kodesk.core.job_events import (
    LENGTH_WARNING,
    WRONG_SCRIPT_RESET,
    WRONG_SCRIPT_WARNING,
    Answer,
    JobDelta,
    JobEvent,
    JobPrompt,
    JobReset,
    JobWarning,
    PlannedJob,
    truncation_warning,
)
from kodesk.core.tasks import Task
from kodesk.core.token_drift import DriftLog, measure_drift
from kodesk.core.types import ChatMessage, ChatRequest, Delta, Done, PromptUsed

log = logging.getLogger("kodesk")

#: Visible characters held back until the script check has seen them.
CHECK_AFTER_CHARS = 40


def bounded_options(options: Mapping[str, Any], num_ctx: int, reserve: int) -> dict[str, Any]:
    """The options sent: the planned num_ctx and an answer limited to the `reserve` tokens
    the plan kept free for it (a task's positive num_predict is its reserve)."""
    if num_ctx <= 0 or reserve <= 0:
        raise ValueError(f"unbounded request: num_ctx={num_ctx}, num_predict={reserve}")
    return {**options, "num_ctx": num_ctx, "num_predict": min(reserve, num_ctx)}


@dataclass(frozen=True)
class AnswerRequest:
    """One request of a job, as planned."""

    messages: tuple[ChatMessage, ...]
    #: The task's options with the model's overrides (num_ctx/num_predict are replaced).
    options: Mapping[str, Any]
    num_ctx: int
    #: Tokens kept for the answer: sent as num_predict.
    reserve: int
    #: Content tokens kodesk counted for `messages` (compared with prompt_eval_count).
    planned_tokens: int
    check: ScriptCheck | None
    #: The counts are estimates (no vocabulary): drift is judged more loosely.
    estimate: bool = False
    #: The task and the input text the messages carry (for the degeneration watch).
    task: Task | None = None
    text: str = ""


def planned_request(
    planned: PlannedJob, messages: tuple[ChatMessage, ...], text: str, num_ctx: int | None = None
) -> AnswerRequest:
    """The request for `messages` (made from `text`) under `planned`'s plan; `num_ctx`
    when this request was fitted on its own (a reduce round), else the plan's."""
    plan = planned.plan
    return AnswerRequest(
        messages=messages,
        options=planned.options,
        num_ctx=plan.num_ctx if num_ctx is None else num_ctx,
        reserve=plan.output_reserve,
        planned_tokens=planned.planner.content_tokens(messages),
        check=expected_script(planned.task, text),
        estimate=plan.estimate,
        task=planned.task,
        text=text,
    )


class AnswerStream:
    """Streams the requests of one job on `engine` for `model`."""

    def __init__(
        self, engine: Engine, drift: DriftLog, *, model: str, keep_alive: str | int | None
    ) -> None:
        self.engine = engine
        self.drift = drift
        self.model = model
        self.keep_alive = keep_alive

    def chat_request(
        self, messages: tuple[ChatMessage, ...], options: dict[str, Any]
    ) -> ChatRequest:
        return ChatRequest(
            model=self.model,
            messages=messages,
            options=options,
            keep_alive=self.keep_alive,
            think=False,
        )

    async def stream(
        self, request: AnswerRequest, answer: Answer, *, show: bool = True
    ) -> AsyncIterator[JobEvent]:
        """One request, streamed as JobDelta (or, with `show` off, only collected into
        `answer`; its warnings then stay in `answer.warnings` for the caller).

        The first visible characters are held back until the script check has judged
        them; a wrong script (then, or at the end) means one retry with a firmer
        instruction, announced by a JobReset when anything was shown.
        """
        options = bounded_options(request.options, request.num_ctx, request.reserve)
        check, messages = request.check, request.messages
        for attempt in range(2):
            retry_check = check if attempt == 0 else None
            shown: list[str] = []
            held, wrong = "", False
            think = ThinkFilter()
            watch = detector_for(request.task, request.text, messages) if request.task else None
            answer.stats = None
            stream = self.engine.chat(self.chat_request(messages, dict(options)))
            try:
                async for event in stream:
                    if isinstance(event, Done):
                        answer.stats = event.stats
                        continue
                    if isinstance(event, PromptUsed):
                        if answer.prompt_format is None and show:
                            yield JobPrompt(event.format)
                        answer.prompt_format = event.format
                        continue
                    if not isinstance(event, Delta):
                        continue
                    visible = think.feed(event.text)
                    held += visible
                    if watch is not None and (found := watch.feed(visible)) is not None:
                        raise found.error(self.engine.kind)
                    if retry_check is not None and not shown:
                        if len(held) < CHECK_AFTER_CHARS:
                            continue
                        if retry_check.is_wrong(held):
                            wrong = True
                            break
                    if held:
                        if show:
                            yield JobDelta(held)
                        shown.append(held)
                        held = ""
            except KodeskError:
                if show and held:  # what arrived before the failure stays in view
                    yield JobDelta(held)
                raise
            finally:
                await _close(stream)
            if not wrong:
                held += think.finish()
                wrong = retry_check is not None and retry_check.is_wrong("".join(shown) + held)
            if wrong and check is not None:
                if show and shown:
                    yield JobReset(WRONG_SCRIPT_RESET)
                messages = check.firmer(messages)
                continue
            if held and show:
                yield JobDelta(held)
            answer.text = "".join(shown) + held
            break
        self._judge(request, answer, options["num_ctx"])
        if show:
            for warning in answer.warnings:
                yield JobWarning(warning)

    def _judge(self, request: AnswerRequest, answer: Answer, num_ctx: int) -> None:
        """Warnings about the finished answer, and the drift record."""
        if request.check is not None and request.check.is_wrong(answer.text):
            answer.warnings.append(WRONG_SCRIPT_WARNING)
        stats = answer.stats
        if stats is None:
            return
        planned = request.planned_tokens
        drift = self.drift.add(measure_drift(planned, stats.prompt_eval_count, num_ctx))
        log.info(
            "prompt tokens: planned %d (content), server evaluated %s, num_ctx %d",
            drift.planned,
            drift.evaluated,
            num_ctx,
        )
        if server_truncated(planned, stats.prompt_eval_count, num_ctx, estimate=request.estimate):
            answer.warnings.append(truncation_warning(planned, stats.prompt_eval_count or 0))
        if stats.truncated_by_length:
            answer.warnings.append(LENGTH_WARNING)


async def _close(stream: AsyncIterator[Any]) -> None:
    """Close an engine stream early (its HTTP response goes with it)."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
