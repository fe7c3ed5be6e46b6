"""Running a `map_reduce` plan: the task on every chunk, then one final form.

Chunks run with bounded concurrency (`context.split_concurrency`) and report
progress as "조각 2/5". For `reduce == "concat"` (translation) each chunk's answer is
shown as soon as it and every chunk before it are done, in order. For
`reduce == "summarize"` the partial summaries go into one final request (the task's
own prompt); when they do not fit in it, they are summarized again in groups
(hierarchically) until they do. Cancelling the consumer cancels every chunk request
still running; no task outlives the job.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence

from kodesk.core import waiting
from kodesk.core.answer_stream import AnswerStream, planned_request
from kodesk.core.context_ladder import format_seconds
from kodesk.core.context_planner import map_messages, reduce_text
from kodesk.core.errors import ContextTooSmall, Text
from kodesk.core.job_events import (
    LENGTH_WARNING,
    Answer,
    JobDelta,
    JobEvent,
    JobProgress,
    JobPrompt,
    JobStatus,
    JobWarning,
    PlannedJob,
)
from kodesk.core.types import ChatStats

#: Rounds of summarizing partial summaries before giving up.
MAX_REDUCE_LEVELS = 4

COMBINING = Text(ko="부분 요약을 하나로 합치는 중…", en="Combining the partial summaries…")
NO_REDUCE = Text(
    ko="부분 요약이 너무 많아 하나로 합칠 수 없습니다.",
    en="There are too many partial summaries to combine into one.",
)
NO_REDUCE_HINT = Text(
    ko="설정에서 최대 num_ctx(context.max_num_ctx)를 늘리거나 글의 일부만 선택하세요.",
    en="Raise the largest num_ctx (context.max_num_ctx) in the settings, or select less text.",
)


def chunk_status(index: int, total: int, level: int, eta: str = "") -> Text:
    """ "조각 2/5 · ~1 min 남음 (추정)": which chunk started, and the time left."""
    left_ko = f" · {eta} 남음 (추정)" if eta else ""
    left_en = f" · {eta} left (estimated)" if eta else ""
    if level == 0:
        return Text(ko=f"조각 {index}/{total}{left_ko}", en=f"Chunk {index}/{total}{left_en}")
    return Text(
        ko=f"부분 요약 묶음 {index}/{total} ({level}단계){left_ko}",
        en=f"Partial summaries, group {index}/{total} (round {level}){left_en}",
    )


class ChunkClock:
    """Time left in a map round: the expected seconds of the chunks not finished yet,
    scaled by how the finished ones compared with their expectation."""

    def __init__(
        self, expected: Sequence[float], concurrency: int, clock: Callable[[], float]
    ) -> None:
        self.expected = list(expected)
        self.concurrency = concurrency
        self._clock = clock
        self._start = clock()
        self._done: set[int] = set()

    def finished(self, index: int) -> None:
        self._done.add(index)

    def left(self, extra: float = 0.0) -> str:
        done_expected = sum(self.expected[i] for i in self._done)
        elapsed = self._clock() - self._start
        pace = elapsed / done_expected if done_expected > 0 else 1.0
        todo = sum(e for i, e in enumerate(self.expected) if i not in self._done)
        return format_seconds(pace * todo / self.concurrency + extra)


def combine_stats(stats: Sequence[ChatStats]) -> ChatStats | None:
    """Totals over several requests; the last request's done_reason."""
    if not stats:
        return None

    def total(name: str) -> int | None:
        values = [getattr(s, name) for s in stats if getattr(s, name) is not None]
        return sum(values) if values else None

    return ChatStats(
        done_reason=stats[-1].done_reason,
        prompt_eval_count=total("prompt_eval_count"),
        eval_count=total("eval_count"),
        total_duration=total("total_duration"),
        load_duration=total("load_duration"),
        prompt_eval_duration=total("prompt_eval_duration"),
        eval_duration=total("eval_duration"),
    )


class MapReduce:
    """One map-reduce job. Iterate `run()`; afterwards `stats` holds the totals.

    Every request goes through `answers` (the job's one stream consumer) with the plan's
    num_ctx and answer reserve; at most `concurrency` chunk requests run at once.
    """

    def __init__(
        self,
        answers: AnswerStream,
        planned: PlannedJob,
        *,
        concurrency: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.answers = answers
        self.clock = clock
        self.planned = planned
        self.task = planned.task
        self.concurrency = max(1, concurrency)
        self.stats: ChatStats | None = None
        self._all_stats: list[ChatStats] = []
        self._prompt_shown = False

    async def run(self) -> AsyncIterator[JobEvent]:
        plan = self.planned.plan
        partials: list[str] = []
        concat = self.task.reduce == "concat"
        async for event in self._map(plan.chunk_texts, partials, emit=concat, level=0):
            yield event
        if not concat:
            async for event in self._reduce(partials):
                yield event
        self.stats = combine_stats(self._all_stats)

    async def _map(
        self, chunks: Sequence[str], results: list[str], *, emit: bool, level: int
    ) -> AsyncIterator[JobEvent]:
        task, model = self.task, self.answers.model
        total = len(chunks)
        speed = self.answers.speeds.get(model)
        reserve = self.planned.plan.output_reserve
        prompts = self.planned.plan.chunks if level == 0 else ()
        if len(prompts) != total:
            prompts = tuple(self.planned.planner.count_text(c) for c in chunks)
        clock = ChunkClock(
            [speed.request_seconds(n, reserve, reload=False) for n in prompts],
            self.concurrency,
            self.clock,
        )
        reduce_seconds = (
            0.0 if emit else speed.request_seconds(reserve * total, reserve, reload=False)
        )
        queue: asyncio.Queue[tuple[int, Answer | BaseException | None]] = asyncio.Queue()
        limit = asyncio.Semaphore(self.concurrency)

        async def work(index: int) -> None:
            async with limit:
                queue.put_nowait((index, None))
                messages = map_messages(task, chunks[index], index + 1, total, model=model)
                answer = Answer()
                request = planned_request(self.planned, messages, chunks[index])
                try:
                    async for _ in self.answers.stream(request, answer, show=False):
                        pass
                except Exception as exc:  # handed to the consumer, which raises it
                    queue.put_nowait((index, exc))
                    return
                queue.put_nowait((index, answer))

        workers = [asyncio.create_task(work(i)) for i in range(total)]
        answers: dict[int, Answer] = {}
        next_shown = 0
        running = 1
        try:
            while len(answers) < total:
                try:
                    index, outcome = await asyncio.wait_for(queue.get(), waiting.TICK_SECONDS)
                except TimeoutError:  # still reading or writing: the time left, updated
                    eta = clock.left(reduce_seconds)
                    yield JobProgress(chunk_status(running, total, level, eta))
                    continue
                if outcome is None:
                    running = index + 1
                    eta = clock.left(reduce_seconds)
                    yield JobStatus(chunk_status(running, total, level, eta))
                    continue
                if isinstance(outcome, BaseException):
                    raise outcome
                clock.finished(index)
                answers[index] = outcome
                if outcome.stats is not None:
                    self._all_stats.append(outcome.stats)
                if outcome.prompt_format is not None and not self._prompt_shown:
                    self._prompt_shown = True
                    yield JobPrompt(outcome.prompt_format)
                for warning in outcome.warnings:
                    if emit or warning != LENGTH_WARNING:
                        yield JobWarning(warning)
                while emit and next_shown in answers:
                    text = answers[next_shown].text.strip()
                    yield JobDelta(("\n\n" if next_shown else "") + text)
                    next_shown += 1
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        results[:] = [answers[i].text.strip() for i in range(total)]

    async def _reduce(self, partials: list[str]) -> AsyncIterator[JobEvent]:
        task, model, planner = self.task, self.answers.model, self.planned.planner
        plan = self.planned.plan
        for level in range(1, MAX_REDUCE_LEVELS + 2):
            text = reduce_text(partials)
            messages = task.messages(text, model=model)
            fit = planner.plan_messages(
                messages,
                plan.output_reserve,
                self.planned.options,
                loaded_ctx=self.answers.loaded_ctx,  # the map requests loaded this one
            )
            if fit is not None:
                yield JobStatus(COMBINING)
                answer = Answer()
                async for event in self.answers.stream(
                    planned_request(self.planned, messages, text, fit[1]), answer
                ):
                    yield event
                if answer.stats is not None:
                    self._all_stats.append(answer.stats)
                return
            chunked = planner.chunk(
                task, "\n".join(partials), plan.num_ctx, plan.output_reserve, model=model
            )
            if chunked is None or len(chunked[0]) >= len(partials) or level > MAX_REDUCE_LEVELS:
                break
            grouped: list[str] = []
            async for event in self._map(chunked[0], grouped, emit=False, level=level):
                yield event
            partials = grouped
        raise ContextTooSmall(NO_REDUCE, NO_REDUCE_HINT)
