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

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from kodesk.core import waiting
from kodesk.core.answer_guard import ScriptCheck, ThinkFilter, expected_script
from kodesk.core.context_planner import server_truncated
from kodesk.core.degeneration import DegenerationDetector, detector_for
from kodesk.core.engine import Engine
from kodesk.core.errors import KodeskError
from kodesk.core.job_events import (
    LENGTH_WARNING,
    WRONG_SCRIPT_RESET,
    WRONG_SCRIPT_WARNING,
    Answer,
    JobDelta,
    JobEvent,
    JobProgress,
    JobPrompt,
    JobReset,
    JobWarning,
    PlannedJob,
    truncation_warning,
)
from kodesk.core.speed import SpeedBook
from kodesk.core.tasks import Task
from kodesk.core.token_drift import DriftLog, measure_drift
from kodesk.core.types import ChatMessage, ChatRequest, Delta, Done, PromptUsed, StreamEvent
from kodesk.core.waiting import ReadingProgress, with_ticks

log = logging.getLogger("kodesk")

#: Visible characters held back until the script check has seen them.
CHECK_AFTER_CHARS = 40
#: The first token may take this many times the expected reading time, plus the margin.
FIRST_TOKEN_FACTOR = 3.0
FIRST_TOKEN_MARGIN = 30.0


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
        self,
        engine: Engine,
        drift: DriftLog,
        *,
        model: str,
        keep_alive: str | int | None,
        speeds: SpeedBook | None = None,
        loaded_ctx: int | None = None,
    ) -> None:
        """`speeds` learns from every response; `loaded_ctx` is the context the model is
        loaded with before the first request (a request with another one reloads it)."""
        self.engine = engine
        self.drift = drift
        self.model = model
        self.keep_alive = keep_alive
        self.speeds = speeds if speeds is not None else SpeedBook()
        self.loaded_ctx = loaded_ctx

    def chat_request(
        self,
        messages: tuple[ChatMessage, ...],
        options: dict[str, Any],
        first_token_timeout: float | None = None,
    ) -> ChatRequest:
        return ChatRequest(
            model=self.model,
            messages=messages,
            options=options,
            keep_alive=self.keep_alive,
            think=False,
            first_token_timeout=first_token_timeout,
        )

    def reading(self, request: AnswerRequest) -> ReadingProgress:
        """How long the model should take to start answering `request` (load included
        when its num_ctx reloads the model)."""
        speed = self.speeds.get(self.model)
        seconds = speed.prompt_seconds(request.planned_tokens)
        if self.loaded_ctx != request.num_ctx:
            seconds += speed.load_seconds
        return ReadingProgress(seconds, measured=speed.measured)

    async def stream(
        self, request: AnswerRequest, answer: Answer, *, show: bool = True
    ) -> AsyncIterator[JobEvent]:
        """One request, streamed as JobDelta (or, with `show` off, only collected into
        `answer`; its warnings then stay in `answer.warnings` for the caller).

        The first visible characters are held back until the script check has judged
        them; a wrong script (then, or at the end) means one retry with a firmer
        instruction, announced by a JobReset when anything was shown. Until the first
        token, a JobProgress says every few seconds how long reading should still take.
        """
        options = bounded_options(request.options, request.num_ctx, request.reserve)
        messages = request.messages
        for attempt in range(2):
            watch = detector_for(request.task, request.text, messages) if request.task else None
            reading = _Attempt(request.check if attempt == 0 else None, watch, self.engine.kind)
            async for event in self._read(request, reading, messages, options, answer, show):
                yield event
            if reading.wrong and request.check is not None:
                if show and reading.shown:
                    yield JobReset(WRONG_SCRIPT_RESET)
                messages = request.check.firmer(messages)
                continue
            if reading.held and show:
                yield JobDelta(reading.held)
            answer.text = "".join(reading.shown) + reading.held
            break
        self.loaded_ctx = request.num_ctx
        self._judge(request, answer, options["num_ctx"])
        if show:
            for warning in answer.warnings:
                yield JobWarning(warning)

    async def _read(
        self,
        request: AnswerRequest,
        reading: _Attempt,
        messages: tuple[ChatMessage, ...],
        options: dict[str, Any],
        answer: Answer,
        show: bool,
    ) -> AsyncIterator[JobEvent]:
        """One attempt: the engine's stream read into `reading` and `answer`."""
        progress = self.reading(request)
        # Wait for the first token as long as reading the prompt should take, and more:
        # the machine may be busier than when its speed was measured.
        first_token = FIRST_TOKEN_FACTOR * progress.expected + FIRST_TOKEN_MARGIN
        answer.stats = None
        stream = self.engine.chat(self.chat_request(messages, dict(options), first_token))
        try:
            ticking = with_ticks(stream, waiting.TICK_SECONDS, until=_is_delta)
            async with contextlib.aclosing(ticking) as events:
                async for event in events:
                    if event is None:
                        if show:
                            yield JobProgress(progress.text())
                    elif isinstance(event, Done):
                        answer.stats = event.stats
                        if event.stats is not None:
                            self.speeds.observe(self.model, event.stats)
                    elif isinstance(event, PromptUsed):
                        if answer.prompt_format is None and show:
                            yield JobPrompt(event.format)
                        answer.prompt_format = event.format
                    elif isinstance(event, Delta):
                        text = reading.feed(event.text)
                        if reading.wrong:
                            return
                        if text:
                            if show:
                                yield JobDelta(text)
                            reading.shown.append(text)
            reading.finish()
        except KodeskError:
            if show and reading.held:  # what arrived before the failure stays in view
                yield JobDelta(reading.held)
            raise
        finally:
            await _close(stream)

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


def _is_delta(event: StreamEvent) -> bool:
    return isinstance(event, Delta)


class _Attempt:
    """The visible text of one attempt: thinking removed, held back until the script
    check has judged it, watched for loops and echoes."""

    def __init__(
        self, check: ScriptCheck | None, watch: DegenerationDetector | None, engine_kind: str
    ) -> None:
        self.check = check
        self.watch = watch
        self.engine_kind = engine_kind
        self.think = ThinkFilter()
        self.shown: list[str] = []
        self.held = ""
        self.wrong = False

    def feed(self, delta: str) -> str:
        """The text to show now ("" while it is held back); sets `wrong` on a wrong script,
        raises DegenerateAnswer when the answer turned degenerate."""
        visible = self.think.feed(delta)
        self.held += visible
        if self.watch is not None and (found := self.watch.feed(visible)) is not None:
            raise found.error(self.engine_kind)
        if self.check is not None and not self.shown:
            if len(self.held) < CHECK_AFTER_CHARS:
                return ""
            if self.check.is_wrong(self.held):
                self.wrong = True
                return ""
        text, self.held = self.held, ""
        return text

    def finish(self) -> None:
        """The stream ended: the held-back rest, and the script check on the whole."""
        self.held += self.think.finish()
        if self.check is not None:
            self.wrong = self.check.is_wrong("".join(self.shown) + self.held)
