"""`kodesk plan TASK`: how a text would be sent to a model, without sending it.

Shows the decision (fits / raise_ctx / map_reduce / refuse), the prompt's tokens,
the tokens kept for the answer, the num_ctx that would be sent, the model's trained
context and the chunk sizes — the same plan `kodesk run` and the tray app follow.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from kodesk.commands.common import (
    engine_options,
    load_settings,
    open_engine,
    run_command,
    server_options,
    task_and_text,
)
from kodesk.core.job_setup import job_request
from kodesk.core.runner import PlannedJob
from kodesk.engines.factory import task_runner


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "plan",
        parents=[server_options(), engine_options()],
        help="show how a text would be sent (fits, raised num_ctx, split, refused)",
        description="Plan a task on a text (--file, or standard input) for a model, "
        "without running it.",
    )
    parser.add_argument("task", help="summary, translate, tokens or a custom task name")
    parser.add_argument("--model", "-m", help="model to use (default: from the settings)")
    parser.add_argument("--file", "-f", help="read the text from this file (default: stdin)")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the plan as a JSON object (decision, prompt_tokens, "
        "output_reserve, num_ctx, trained_context, chunks, estimate)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings, paths = load_settings(args)

    async def go() -> int:
        task, text = task_and_text(args, settings)
        engine = open_engine(args, settings, paths)
        try:
            request = await job_request(engine, settings, task, text, args.model)
            planned = await task_runner(engine, settings, paths).prepare(request)
        finally:
            await engine.aclose()
        if args.json:
            print(json.dumps(plan_json(task.name, request.model, planned), ensure_ascii=False))
        else:
            print(describe(task.name, request.model, planned))
        return 0

    return run_command(go)


def plan_json(task: str, model: str, planned: PlannedJob) -> dict[str, Any]:
    data = planned.plan.as_dict()
    cleanup = planned.cleanup
    data.update(
        task=task,
        model=model,
        characters=len(planned.text),
        cleanup=None
        if cleanup is None or not cleanup.changed
        else {"before": cleanup.before, "after": cleanup.after},
    )
    return data


def describe(task: str, model: str, planned: PlannedJob) -> str:
    plan = planned.plan
    estimate = " (estimated: no vocabulary for this model)" if plan.estimate else ""
    lines = [f"task {task} on {model}; tokenizer: {plan.tokenizer}{estimate}"]
    cleanup = planned.cleanup
    if cleanup is not None and cleanup.changed:
        lines.append(f"cleanup: {cleanup.before:,} → {cleanup.after:,} characters")
    lines.append(f"decision: {plan.decision} — {plan.describe().en}")
    lines.append(
        f"prompt tokens: {plan.prompt_tokens:,} + {plan.output_reserve:,} kept for the answer"
    )
    trained = f"{plan.trained_context:,}" if plan.trained_context else "unknown"
    lines.append(
        f"num_ctx: {plan.num_ctx:,} (base {plan.base_num_ctx:,} from "
        f"{plan.base_source}; trained context {trained})"
    )
    if plan.chunks:
        lines.append(
            f"chunks ({len(plan.chunks)}): "
            + ", ".join(f"{n:,}" for n in plan.chunks)
            + " prompt tokens"
        )
    if plan.decision == "refuse" and plan.hint is not None:
        lines.append(f"hint: {plan.hint.en}")
    return "\n".join(lines)
