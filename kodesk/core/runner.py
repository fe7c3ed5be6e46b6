"""One job: a task applied to captured text, run against an engine, as a stream of events.

The desktop controller and `kodesk run` both consume `TaskRunner.run`, so the CLI
and the tray behave the same. A job:

1. cleans web-page clutter from the text when the task asks for it (`Task.cleanup`);
2. plans the request against the model's context (`ContextPlanner`): it fits, or
   num_ctx is raised, or the text is split and map-reduced, or the job is refused
   with `ContextTooSmall` — a prompt is never sent where Ollama would cut it;
3. streams the answer with thinking removed, retries once when the answer is in the
   wrong script, and warns when the server evaluated fewer prompt tokens than planned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from kodesk.core.answer_guard import ScriptCheck, ThinkFilter, expected_script
from kodesk.core.context_planner import ContextPlanner, ContextPolicy, server_truncated
from kodesk.core.engine import Engine
from kodesk.core.job_events import (
    LENGTH_WARNING,
    PLANNING,
    WAITING,
    WRONG_SCRIPT_RESET,
    WRONG_SCRIPT_WARNING,
    Answer,
    JobDelta,
    JobEvent,
    JobFinished,
    JobNote,
    JobRequest,
    JobReset,
    JobStatus,
    JobWarning,
    PlannedJob,
    cleanup_status,
    truncation_warning,
)
from kodesk.core.map_reduce import MapReduce
from kodesk.core.model_overrides import NOT_OPTIONS
from kodesk.core.model_profile import ModelProfiles
from kodesk.core.tasks import Task
from kodesk.core.token_drift import DriftLog, measure_drift
from kodesk.core.types import ChatMessage, ChatRequest, Delta, Done
from kodesk.core.web_cleanup import CleanupResult, clean_web_text

__all__ = [
    "JobDelta",
    "JobEvent",
    "JobFinished",
    "JobNote",
    "JobRequest",
    "JobReset",
    "JobStatus",
    "JobWarning",
    "PlannedJob",
    "TaskRunner",
    "merged_options",
]


log = logging.getLogger("kodesk")

#: Visible characters held back until the script check has seen them.
CHECK_AFTER_CHARS = 40


def bounded_options(options: Mapping[str, Any], num_ctx: int, reserve: int) -> dict[str, Any]:
    """The options sent: the planned num_ctx, and an answer limited to the tokens kept
    for it. Without a positive num_predict a model writes until the context is full,
    and the server then shifts the context, dropping the start of the prompt."""
    sent = {**options, "num_ctx": num_ctx}
    predict = sent.get("num_predict")
    if not isinstance(predict, int) or isinstance(predict, bool) or predict <= 0:
        sent["num_predict"] = reserve
    return sent


def merged_options(task: Task, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The task's options with the model's overrides on top (never `system` or
    `keep_alive`, which are not Ollama options)."""
    options = dict(task.options)
    options.update({k: v for k, v in overrides.items() if v is not None and k not in NOT_OPTIONS})
    return options


PolicySource = ContextPolicy | Callable[[], ContextPolicy]


async def _close(stream: AsyncIterator[Any]) -> None:
    """Close an engine stream early (its HTTP response goes with it)."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _clean_and_plan(
    job: JobRequest, planner: ContextPlanner, options: dict[str, Any]
) -> PlannedJob:
    text = job.text
    cleanup: CleanupResult | None = None
    if job.task.cleanup:
        cleanup = clean_web_text(text)
        text = cleanup.text
    plan = planner.plan(job.task, text, options, model=job.model)
    return PlannedJob(text, cleanup, planner, plan, options)


class TaskRunner:
    """Runs jobs on one engine.

    `policy` is the context policy or a function returning the current one (so the
    settings can change between jobs); `profiles` caches model profiles (tokenizers)
    and may be shared with other users of the engine.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        policy: PolicySource | None = None,
        profiles: ModelProfiles | None = None,
    ) -> None:
        self.engine = engine
        #: Planned prompt sizes against the server's `prompt_eval_count`, recent requests.
        self.drift = DriftLog()
        self._policy: PolicySource = policy if policy is not None else ContextPolicy()
        self.profiles = profiles if profiles is not None else ModelProfiles(engine)

    def policy(self) -> ContextPolicy:
        return self._policy if isinstance(self._policy, ContextPolicy) else self._policy()

    async def prepare(self, job: JobRequest) -> PlannedJob:
        """Clean the text and plan the request(s); no chat request is made.

        Cleanup and counting run in a worker thread: on a long text they take a
        noticeable fraction of a second, which the event loop (the UI) must not wait.
        """
        profile = await self.profiles.get(job.model)
        planner = ContextPlanner(profile, self.policy())
        options = merged_options(job.task, job.overrides)
        return await asyncio.to_thread(_clean_and_plan, job, planner, options)

    async def run(self, job: JobRequest) -> AsyncIterator[JobEvent]:
        yield JobStatus(PLANNING)
        planned = await self.prepare(job)
        if planned.cleanup is not None and planned.cleanup.changed:
            yield JobNote(cleanup_status(planned.cleanup))
        plan = planned.plan
        if plan.decision == "refuse":
            raise plan.error()
        if plan.decision != "fits":
            yield JobStatus(plan.describe())
        yield JobStatus(WAITING)
        if plan.decision == "map_reduce":
            map_reduce = MapReduce(self, job, planned)
            async for event in map_reduce.run():
                yield event
            yield JobFinished(map_reduce.stats, job.model, plan)
            return
        answer = Answer()
        messages = job.task.messages(planned.text, model=job.model)
        async for event in self.stream_answer(
            job,
            messages,
            bounded_options(planned.options, plan.num_ctx, plan.output_reserve),
            planned.planner.content_tokens(messages),
            expected_script(job.task, planned.text),
            answer,
            estimate=plan.estimate,
        ):
            yield event
        yield JobFinished(answer.stats, job.model, plan)

    async def stream_answer(
        self,
        job: JobRequest,
        messages: tuple[ChatMessage, ...],
        options: Mapping[str, Any],
        planned_tokens: int,
        check: ScriptCheck | None,
        answer: Answer,
        *,
        show: bool = True,
        estimate: bool = False,
    ) -> AsyncIterator[JobEvent]:
        """One request, streamed as JobDelta (or only collected into `answer`).

        The first visible characters are held back until the script check has judged
        them; a wrong script (then, or at the end) means one retry with a firmer
        instruction, announced by a JobReset when anything was shown.
        """
        for attempt in range(2):
            retry_check = check if attempt == 0 else None
            shown: list[str] = []
            held, wrong = "", False
            think = ThinkFilter()
            answer.stats = None
            request = ChatRequest(
                model=job.model,
                messages=messages,
                options=dict(options),
                keep_alive=job.keep_alive,
                think=False,
            )
            stream = self.engine.chat(request)
            try:
                async for event in stream:
                    if isinstance(event, Done):
                        answer.stats = event.stats
                        continue
                    if not isinstance(event, Delta):
                        continue
                    held += think.feed(event.text)
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
        if check is not None and check.is_wrong(answer.text):
            answer.warnings.append(WRONG_SCRIPT_WARNING)
        stats = answer.stats
        num_ctx = int(options.get("num_ctx") or 0)
        if stats is not None:
            drift = self.drift.add(measure_drift(planned_tokens, stats.prompt_eval_count, num_ctx))
            log.info(
                "prompt tokens: planned %d (content), server evaluated %s, num_ctx %d",
                drift.planned,
                drift.evaluated,
                num_ctx,
            )
        if stats is not None and server_truncated(
            planned_tokens, stats.prompt_eval_count, num_ctx, estimate=estimate
        ):
            answer.warnings.append(truncation_warning(planned_tokens, stats.prompt_eval_count or 0))
        if stats is not None and stats.truncated_by_length:
            answer.warnings.append(LENGTH_WARNING)
        if show:
            for warning in answer.warnings:
                yield JobWarning(warning)
