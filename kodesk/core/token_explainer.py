"""Token counts for a job: the report of the text, and the counts filled into the task.

A task whose template has `{token_count}` or `{num_ctx}` (the built-in `tokens` task, or
a custom one) gets them from an offline count with the model's tokenizer, never the raw
placeholders. The built-in `tokens` task only asks the model to explain the numbers, so
it sends the beginning of a long text, not the whole of it.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from kodesk.core.job_events import JobRequest
from kodesk.core.model_profile import ModelProfiles
from kodesk.core.tasks import Task
from kodesk.core.token_report import TokenReport, build_report

#: Characters of the text shown to the model as an example.
HEAD_CHARS = 600
PLACEHOLDERS = ("{token_count}", "{num_ctx}")


def uses_token_counts(task: Task) -> bool:
    return any(p in task.template for p in PLACEHOLDERS)


def explanation_request(
    task: Task, text: str, report: TokenReport, model: str, num_ctx: int
) -> tuple[Task, str]:
    """The task with its numbers filled in, and the text to send with it."""
    template = (
        task.template.replace("{token_count}", f"{report.tokens:,}")
        .replace("{num_ctx}", f"{num_ctx:,}")
        .replace("{model}", model)
    )
    head_only = task.builtin and task.name == "tokens"
    if head_only and len(text) > HEAD_CHARS:
        text = text[:HEAD_CHARS] + "…"
    return replace(task, template=template), text


async def with_token_counts(
    profiles: ModelProfiles, request: JobRequest
) -> tuple[TokenReport, JobRequest]:
    """Count `request`'s text with its model's tokenizer (in a worker thread: long texts
    take a noticeable moment) and fill the counts into its task."""
    profile = await profiles.get(request.model)
    num_ctx = profile.configured_num_ctx or profile.server_default_ctx
    report = await asyncio.to_thread(build_report, request.text, profile.tokenizer, num_ctx)
    task, text = explanation_request(request.task, request.text, report, request.model, num_ctx)
    return report, replace(request, task=task, text=text)
