"""The `tokens` task: counts are computed offline; the model only explains them.

The model gets the numbers (filled into the task's template) and the beginning of
the text, never the whole of a long text: explaining tokens does not need it.
"""

from __future__ import annotations

from dataclasses import replace

from kodesk.core.tasks import Task
from kodesk.core.token_report import TokenReport

#: Characters of the text shown to the model as an example.
HEAD_CHARS = 600


def explanation_request(
    task: Task, text: str, report: TokenReport, model: str, num_ctx: int
) -> tuple[Task, str]:
    """The task with its numbers filled in, and the text to send with it."""
    template = (
        task.template.replace("{token_count}", f"{report.tokens:,}")
        .replace("{num_ctx}", f"{num_ctx:,}")
        .replace("{model}", model)
    )
    head = text if len(text) <= HEAD_CHARS else text[:HEAD_CHARS] + "…"
    return replace(task, template=template), head
