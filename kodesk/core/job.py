"""One job, end to end — the one path both front ends run.

    captured text ─▶ input checks ─▶ model and overrides ─▶ token counts (when the task
    uses them) ─▶ plan ─▶ one request or map-reduce ─▶ answer ─▶ history (opt-in)

The tray's controller and `kodesk run` differ only in where the text comes from (the
clipboard or a selection; a file or standard input) and where the events go (the answer
window; stdout and stderr). Everything in between is `run_job`, so the two behave the
same by construction: same checks, same requests, same warnings.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator

from kodesk.core.errors import InternalError, KodeskError, Text
from kodesk.core.history import HistoryStore
from kodesk.core.input_text import check_input
from kodesk.core.job_events import (
    JobDelta,
    JobEvent,
    JobFinished,
    JobModel,
    JobReset,
    JobTokens,
    JobWarning,
)
from kodesk.core.job_setup import job_request
from kodesk.core.runner import TaskRunner
from kodesk.core.settings import Settings
from kodesk.core.tasks import Task
from kodesk.core.token_explainer import uses_token_counts, with_token_counts

log = logging.getLogger("kodesk")


async def run_job(
    runner: TaskRunner,
    settings: Settings,
    task: Task,
    text: str | None,
    *,
    model: str | None = None,
    had_other_content: bool = False,
    history: HistoryStore | None = None,
) -> AsyncIterator[JobEvent]:
    """Run `task` on `text` with `runner`'s engine.

    Raises the job's KodeskError (bad input, engine failure, a text that cannot fit);
    any other exception is logged with its traceback and raised as `InternalError`.
    """
    try:
        async for event in _job(runner, settings, task, text, model, had_other_content, history):
            yield event
    except (KodeskError, asyncio.CancelledError, GeneratorExit):
        raise
    except Exception as exc:
        log.exception("job %s: internal error", task.name)
        raise InternalError(exc) from exc


async def _job(
    runner: TaskRunner,
    settings: Settings,
    task: Task,
    text: str | None,
    model: str | None,
    had_other_content: bool,
    history: HistoryStore | None,
) -> AsyncIterator[JobEvent]:
    clean = check_input(text, had_other_content=had_other_content)
    for note in clean.notes:
        yield JobWarning(note)
    request = await job_request(runner.engine, settings, task, clean.text, model)
    yield JobModel(request.model)
    if uses_token_counts(request.task):
        report, request = await with_token_counts(runner.profiles, request)
        yield JobTokens(report)
    log.info("job %s started on %s (%d characters)", task.name, request.model, len(clean.text))
    answer: list[str] = []
    async for event in runner.run(request):
        if isinstance(event, JobDelta):
            answer.append(event.text)
        elif isinstance(event, JobReset):
            answer.clear()
        elif isinstance(event, JobFinished) and history is not None:
            problem = await _record(
                history, settings, task.name, request.model, clean.text, answer, event
            )
            if problem is not None:
                yield JobWarning(problem)
        yield event


HISTORY_FAILED = Text(
    ko="답변을 기록에 저장하지 못했습니다.", en="The answer could not be saved in the history."
)


async def _record(
    history: HistoryStore,
    settings: Settings,
    task: str,
    model: str,
    source: str,
    answer: list[str],
    finished: JobFinished,
) -> Text | None:
    """Keep the finished answer in the history when the user turned history on; a
    history that cannot be written is a warning, not a failed job."""
    text = "".join(answer).strip()
    if not settings.get("history.enabled") or not text:
        return None
    stats = finished.stats
    try:
        await asyncio.to_thread(
            history.add,
            task,
            model,
            source,
            text,
            stats.prompt_eval_count if stats else None,
            stats.eval_count if stats else None,
        )
    except (sqlite3.Error, OSError) as exc:
        log.warning("history not saved: %s", exc)
        return HISTORY_FAILED
    return None
