"""One job: a task applied to captured text, run against an engine, as a stream of events.

The desktop controller and `kodesk run` both consume `TaskRunner.run`, so the CLI
and the tray behave the same. Thinking text never reaches the answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kodesk.core.engine import Engine
from kodesk.core.errors import Text
from kodesk.core.tasks import Task
from kodesk.core.types import ChatRequest, ChatStats, Delta, Done


@dataclass(frozen=True)
class JobStatus:
    """What the job is doing now ("모델 불러오는 중…", "2/5 조각")."""

    text: Text


@dataclass(frozen=True)
class JobDelta:
    """Answer text to append."""

    text: str


@dataclass(frozen=True)
class JobReset:
    """Discard the answer shown so far (a retry follows)."""

    reason: Text


@dataclass(frozen=True)
class JobWarning:
    text: Text


@dataclass(frozen=True)
class JobFinished:
    stats: ChatStats | None
    model: str


JobEvent = JobStatus | JobDelta | JobReset | JobWarning | JobFinished


@dataclass(frozen=True)
class JobRequest:
    task: Task
    text: str
    model: str
    #: Per-model overrides from the settings; they win over the task's defaults.
    overrides: Mapping[str, Any] = field(default_factory=dict)
    keep_alive: str | int | None = None


WAITING = Text(ko="응답을 기다리는 중… (모델을 처음 불러올 때는 오래 걸릴 수 있습니다)",
               en="Waiting for the model… (the first load can take a while)")
LENGTH_WARNING = Text(
    ko="답변이 길이 제한(num_predict)에 걸려 중간에 끊겼습니다.",
    en="The answer was cut off by the length limit (num_predict).",
)


def merged_options(task: Task, overrides: Mapping[str, Any]) -> dict[str, Any]:
    options = dict(task.options)
    options.update({k: v for k, v in overrides.items() if v is not None})
    return options


class TaskRunner:
    """Runs jobs on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def run(self, job: JobRequest) -> AsyncIterator[JobEvent]:
        request = ChatRequest(
            model=job.model,
            messages=job.task.messages(job.text, model=job.model),
            options=merged_options(job.task, job.overrides),
            keep_alive=job.keep_alive,
            think=False,
        )
        yield JobStatus(WAITING)
        stats: ChatStats | None = None
        async for event in self.engine.chat(request):
            if isinstance(event, Delta):
                yield JobDelta(event.text)
            elif isinstance(event, Done):
                stats = event.stats
        if stats is not None and stats.truncated_by_length:
            yield JobWarning(LENGTH_WARNING)
        yield JobFinished(stats, job.model)
