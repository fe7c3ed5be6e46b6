"""`kodesk run TASK`: run a task on a file or standard input, streaming to stdout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kodesk.commands.common import (
    load_settings,
    run_command,
    server_options,
    task_and_text,
)
from kodesk.core.job_events import (
    JobDelta,
    JobFinished,
    JobNote,
    JobReset,
    JobStatus,
    JobWarning,
)
from kodesk.core.job_setup import job_request
from kodesk.core.types import Progress
from kodesk.engines.factory import engine_from_settings, task_runner


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "run", parents=[server_options()], help="run a task on a file or standard input"
    )
    parser.add_argument("task", help="summary, translate, tokens or a custom task name")
    parser.add_argument("--model", "-m", help="model to use (default: from the settings)")
    parser.add_argument("--file", "-f", help="read the text from this file (default: stdin)")
    parser.add_argument(
        "--engine",
        choices=("ollama", "embedded"),
        help="engine to use (default: from the settings)",
    )
    parser.add_argument("--gguf", metavar="FILE", help="GGUF file for the embedded engine")
    parser.add_argument("--quiet", "-q", action="store_true", help="no status lines on stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings, paths = load_settings(args)

    async def go() -> int:
        task, text = task_and_text(args, settings)
        engine = engine_from_settings(
            settings,
            paths,
            kind=args.engine,
            host=args.host,
            gguf=Path(args.gguf) if args.gguf else None,
            progress=None if args.quiet else ProgressPrinter(),
        )
        try:
            request = await job_request(engine, settings, task, text, args.model)
            async for event in task_runner(engine, settings, paths).run(request):
                _emit(event, quiet=args.quiet)
        finally:
            await engine.aclose()
        return 0

    return run_command(go)


class ProgressPrinter:
    """Prints preparation progress (the built-in model's first use) at each 10%."""

    def __init__(self) -> None:
        self._last = -1

    def __call__(self, progress: Progress) -> None:
        fraction = progress.fraction
        if fraction is None:
            print(f"kodesk: {progress.status}", file=sys.stderr)
            return
        step = int(fraction * 10)
        if step != self._last:
            self._last = step
            print(f"kodesk: {progress.status} {fraction:.0%}", file=sys.stderr)


def _emit(event: object, *, quiet: bool) -> None:
    if isinstance(event, JobDelta):
        sys.stdout.write(event.text)
        sys.stdout.flush()
    elif isinstance(event, JobWarning):
        print(f"\nkodesk: warning: {event.text.en}", file=sys.stderr)
    elif isinstance(event, JobReset):
        sys.stdout.write("\n")
        if not quiet:
            print(f"kodesk: {event.reason.en}", file=sys.stderr)
    elif isinstance(event, JobStatus | JobNote) and not quiet:
        print(f"kodesk: {event.text.en}", file=sys.stderr)
    elif isinstance(event, JobFinished):
        sys.stdout.write("\n")
        if not quiet and event.stats is not None:
            s = event.stats
            rate = f", {s.tokens_per_second:.1f} tok/s" if s.tokens_per_second else ""
            print(
                f"kodesk: {event.model}: {s.prompt_eval_count} tokens in, "
                f"{s.eval_count} out{rate}, done: {s.done_reason}",
                file=sys.stderr,
            )
