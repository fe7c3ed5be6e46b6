"""`kodesk run TASK`: run a task on a file or standard input, streaming to stdout."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from kodesk.commands.common import (
    engine_options,
    load_settings,
    read_text_arg,
    run_command,
    server_options,
    warn,
)
from kodesk.commands.no_ollama import hint_for_this_machine, ollama_missing_here
from kodesk.commands.tokens_cmd import summary
from kodesk.core.errors import EngineUnreachable, KodeskError
from kodesk.core.history import HistoryStore
from kodesk.core.job import run_job
from kodesk.core.job_events import (
    JobDelta,
    JobEvent,
    JobFinished,
    JobModel,
    JobNote,
    JobProgress,
    JobPrompt,
    JobReset,
    JobStatus,
    JobTokens,
    JobWarning,
)
from kodesk.core.tasks import all_tasks, find_task
from kodesk.core.terminal_text import printable_for_terminal
from kodesk.core.types import Progress
from kodesk.engines.factory import engine_from_settings, task_runner


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "run",
        parents=[server_options(), engine_options()],
        help="run a task on a file or standard input",
    )
    parser.add_argument("task", help="summary, translate, tokens or a custom task name")
    parser.add_argument("--model", "-m", help="model to use (default: from the settings)")
    parser.add_argument("--file", "-f", help="read the text from this file (default: stdin)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no status lines on stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings, paths = load_settings(args)

    async def go() -> int:
        tasks, _ = all_tasks(settings.get("tasks.custom"))
        task = find_task(tasks, args.task)
        read = read_text_arg(args.file)
        for note in read.notes:
            warn(note)
        engine = engine_from_settings(
            settings,
            paths,
            kind=args.engine,
            host=args.host,
            gguf=Path(args.gguf) if args.gguf else None,
            progress=None if args.quiet else ProgressPrinter(),
        )
        output = AnswerOutput(quiet=args.quiet)
        try:
            runner = task_runner(engine, settings, paths)
            history = HistoryStore(paths.history)
            async for event in run_job(
                runner, settings, task, read.text, model=args.model, history=history
            ):
                output.emit(event)
        except EngineUnreachable as exc:
            output.end_line()
            if engine.kind == "ollama" and ollama_missing_here(exc.host):
                exc.hint = hint_for_this_machine(task.name)  # the first-run choices
            raise
        except KodeskError:
            output.end_line()  # what arrived stays on stdout; the error goes under it
            raise
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


#: Seconds between the progress lines printed while the model reads a long text.
PROGRESS_EVERY = 10.0


class AnswerOutput:
    """Prints a job's events: the answer on stdout (escape sequences and control
    characters dropped when stdout is a terminal), everything else on stderr (always
    neutralised; status lines only without --quiet)."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self._open_line = False
        self._terminal = sys.stdout.isatty()
        self._last_progress = -PROGRESS_EVERY

    def status(self, line: str, *, always: bool = False) -> None:
        if always or not self.quiet:
            print(printable_for_terminal(line), file=sys.stderr)

    def write(self, text: str) -> None:
        sys.stdout.write(printable_for_terminal(text) if self._terminal else text)
        sys.stdout.flush()
        if text:
            self._open_line = not text.endswith("\n")

    def end_line(self) -> None:
        if self._open_line:
            self.write("\n")

    def emit(self, event: JobEvent) -> None:
        if isinstance(event, JobDelta):
            self.write(event.text)
        elif isinstance(event, JobWarning):
            self.end_line()
            self.status(f"kodesk: warning: {event.text.en}", always=True)
        elif isinstance(event, JobReset):
            self.end_line()
            self.status(f"kodesk: {event.reason.en}")
        elif isinstance(event, JobStatus | JobNote):
            self.status(f"kodesk: {event.text.en}")
        elif isinstance(event, JobProgress):
            now = time.monotonic()
            if now - self._last_progress >= PROGRESS_EVERY:
                self._last_progress = now
                self.status(f"kodesk: {event.text.en}")
        elif isinstance(event, JobModel):
            self.status(f"kodesk: model {event.model}")
        elif isinstance(event, JobPrompt):
            self.status(f"kodesk: prompt format: {event.format}")
        elif isinstance(event, JobTokens):
            self.write(summary(event.report) + "\n\n")
        elif isinstance(event, JobFinished):
            self.end_line()
            if event.stats is not None:
                s = event.stats
                rate = f", {s.tokens_per_second:.1f} tok/s" if s.tokens_per_second else ""
                self.status(
                    f"kodesk: {event.model}: {s.prompt_eval_count} tokens in, "
                    f"{s.eval_count} out{rate}, done: {s.done_reason}"
                )
