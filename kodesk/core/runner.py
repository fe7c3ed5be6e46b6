"""Running a planned job on an engine, as a stream of events.

`TaskRunner.run` takes a `JobRequest` (task, text, model, overrides) and:

1. cleans web-page clutter from the text when the task asks for it (`Task.cleanup`);
2. plans the request against the model's context (`ContextPlanner`): it fits, or
   num_ctx is raised, or the text is split and map-reduced, or the job is refused
   with `ContextTooSmall` — a prompt is never sent where Ollama would cut it;
3. streams the answer through the job's one stream consumer (`AnswerStream`), which
   bounds every request's options, removes thinking, retries once when the answer is in
   the wrong script, and warns when the server evaluated fewer prompt tokens than planned.

The whole job — input checks, model choice, the token report — is `kodesk.core.job`;
both front ends (the tray's controller and `kodesk run`) run that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from kodesk.core.answer_stream import AnswerStream, planned_request
from kodesk.core.context_planner import ContextPlanner, ContextPolicy
from kodesk.core.engine import Engine
from kodesk.core.errors import KodeskError, PromptTooLong
from kodesk.core.job_events import (
    PLANNING,
    REPLANNING,
    WAITING,
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
    long_wait_note,
)
from kodesk.core.map_reduce import MapReduce
from kodesk.core.model_overrides import NOT_OPTIONS
from kodesk.core.model_profile import ModelProfiles
from kodesk.core.speed import SpeedBook
from kodesk.core.tasks import Task
from kodesk.core.token_drift import DriftLog
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


def merged_options(task: Task, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The task's options with the model's overrides on top (never `system` or
    `keep_alive`, which are not Ollama options)."""
    options = dict(task.options)
    options.update({k: v for k, v in overrides.items() if v is not None and k not in NOT_OPTIONS})
    return options


log = logging.getLogger("kodesk")

#: A re-plan after the server refused a prompt as too long counts every prompt this much
#: larger (the server's count exceeded ours by an unknown amount).
REPLAN_SAFETY = 1.25
#: Plans expected to take longer than this say so before they start.
LONG_WAIT_SECONDS = 60.0

PolicySource = ContextPolicy | Callable[[], ContextPolicy]


def _clean_and_plan(
    job: JobRequest, planner: ContextPlanner, options: dict[str, Any]
) -> PlannedJob:
    text = job.text
    cleanup: CleanupResult | None = None
    if job.task.cleanup:
        cleanup = clean_web_text(text)
        text = cleanup.text
    plan = planner.plan(job.task, text, options, model=job.model)
    return PlannedJob(text, cleanup, planner, plan, options, job.task)


class TaskRunner:
    """Runs jobs on one engine.

    `policy` is the context policy or a function returning the current one (so the
    settings can change between jobs); `profiles` caches model profiles (tokenizers)
    and may be shared with other users of the engine; `speeds` learns how fast each
    model reads and writes (persisted when it has a path).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        policy: PolicySource | None = None,
        profiles: ModelProfiles | None = None,
        speeds: SpeedBook | None = None,
    ) -> None:
        self.engine = engine
        #: Planned prompt sizes against the server's `prompt_eval_count`, recent requests.
        self.drift = DriftLog()
        self._policy: PolicySource = policy if policy is not None else ContextPolicy()
        self.profiles = profiles if profiles is not None else ModelProfiles(engine)
        self.speeds = speeds if speeds is not None else SpeedBook()

    def policy(self) -> ContextPolicy:
        return self._policy if isinstance(self._policy, ContextPolicy) else self._policy()

    async def prepare(self, job: JobRequest, *, safety: float = 1.0) -> PlannedJob:
        """Clean the text and plan the request(s); no chat request is made.

        The plan reuses the context the model is loaded with when the text fits in it,
        and weighs chunks against a reload with the model's speed. Cleanup and counting
        run in a worker thread: on a long text they take a noticeable fraction of a
        second, which the event loop (the UI) must not wait.
        """
        profile = await self.profiles.get(job.model)
        planner = ContextPlanner(
            profile,
            self.policy(),
            loaded_ctx=await self.loaded_context(job.model),
            speed=self.speeds.get(job.model),
            safety=safety,
        )
        options = merged_options(job.task, job.overrides)
        return await asyncio.to_thread(_clean_and_plan, job, planner, options)

    async def loaded_context(self, model: str) -> int | None:
        """The num_ctx `model` is loaded with now (`/api/ps`), None when not loaded."""
        try:
            loaded = await self.engine.list_loaded()
        except KodeskError:  # not worth failing the job for: plan as if not loaded
            return None
        names = {model, f"{model}:latest"}
        return next((m.context_length for m in loaded if m.name in names), None)

    async def run(self, job: JobRequest) -> AsyncIterator[JobEvent]:
        """The job's events. A server that refuses a prompt as too long (it would have cut
        it) makes the job re-plan once with every count inflated, then fail explaining."""
        shown = False
        for safety in (1.0, REPLAN_SAFETY):
            try:
                async for event in self._run_planned(job, safety):
                    shown = shown or isinstance(event, JobDelta)
                    yield event
                return
            except PromptTooLong:
                if safety != 1.0:
                    raise
                log.warning("server refused a prompt as too long; planning again, smaller")
                if shown:
                    yield JobReset(REPLANNING)
                else:
                    yield JobStatus(REPLANNING)

    async def _run_planned(self, job: JobRequest, safety: float) -> AsyncIterator[JobEvent]:
        yield JobStatus(PLANNING)
        planned = await self.prepare(job, safety=safety)
        if planned.cleanup is not None and planned.cleanup.changed:
            yield JobNote(cleanup_status(planned.cleanup))
        plan = planned.plan
        if plan.decision == "refuse":
            raise plan.error()
        warning = planned.planner.profile.instruction_warning
        if warning is not None:  # a base model: say so before its answer
            yield JobWarning(warning, fix="instruction_model")
        if plan.decision != "fits":
            yield JobStatus(plan.describe())
        if plan.expected is not None and plan.expected.seconds > LONG_WAIT_SECONDS:
            yield JobNote(long_wait_note(plan))
        yield JobStatus(WAITING)
        answers = AnswerStream(
            self.engine,
            self.drift,
            model=job.model,
            keep_alive=job.keep_alive,
            speeds=self.speeds,
            loaded_ctx=plan.loaded_ctx,
        )
        if plan.decision == "map_reduce":
            map_reduce = MapReduce(answers, planned, concurrency=self.policy().split_concurrency)
            async for event in map_reduce.run():
                yield event
            stats = map_reduce.stats
        else:
            answer = Answer()
            messages = planned.task.messages(planned.text, model=job.model)
            request = planned_request(planned, messages, planned.text)
            async for event in answers.stream(request, answer):
                yield event
            stats = answer.stats
        # Not in a `finally`: a stopped job has nothing new to keep, and must not wait.
        await asyncio.to_thread(self.speeds.save)
        yield JobFinished(stats, job.model, plan)
