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
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from kodesk.core.answer_stream import AnswerStream, planned_request
from kodesk.core.context_planner import ContextPlanner, ContextPolicy
from kodesk.core.engine import Engine
from kodesk.core.job_events import (
    PLANNING,
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
)
from kodesk.core.map_reduce import MapReduce
from kodesk.core.model_overrides import NOT_OPTIONS
from kodesk.core.model_profile import ModelProfiles
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
        warning = planned.planner.profile.instruction_warning
        if warning is not None:  # a base model: say so before its answer
            yield JobWarning(warning)
        if plan.decision != "fits":
            yield JobStatus(plan.describe())
        yield JobStatus(WAITING)
        answers = AnswerStream(self.engine, self.drift, model=job.model, keep_alive=job.keep_alive)
        if plan.decision == "map_reduce":
            map_reduce = MapReduce(answers, planned, concurrency=self.policy().split_concurrency)
            async for event in map_reduce.run():
                yield event
            yield JobFinished(map_reduce.stats, job.model, plan)
            return
        answer = Answer()
        messages = planned.task.messages(planned.text, model=job.model)
        request = planned_request(planned, messages, planned.text)
        async for event in answers.stream(request, answer):
            yield event
        yield JobFinished(answer.stats, job.model, plan)
