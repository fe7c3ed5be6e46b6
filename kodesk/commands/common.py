"""What the subcommands share: options, settings loading, engine creation, error output."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from kodesk.core.errors import InputRejected, KodeskError, Text
from kodesk.core.input_text import check_input
from kodesk.core.settings import Settings, SettingsStore
from kodesk.core.tasks import Task, TaskError, all_tasks, find_task
from kodesk.paths import AppPaths, default_paths


def server_options() -> argparse.ArgumentParser:
    """Parent parser for commands that talk to a server."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--host",
        metavar="URL",
        help="Ollama URL (default: settings, then OLLAMA_HOST, then http://127.0.0.1:11434)",
    )
    parent.add_argument("--settings", metavar="FILE", help="settings file to use")
    return parent


def load_settings(args: argparse.Namespace) -> tuple[Settings, AppPaths]:
    paths = default_paths(getattr(args, "settings", None))
    loaded = SettingsStore(paths.settings).load()
    for notice in loaded.notices:
        print(f"kodesk: {notice.en}", file=sys.stderr)
    return loaded.settings, paths


def read_text_arg(path: str | None) -> str:
    """The text of `--file`, or standard input; an unreadable file is an InputRejected."""
    try:
        data = Path(path).read_bytes() if path else sys.stdin.buffer.read()
    except OSError as exc:
        raise InputRejected(
            Text(
                ko=f"파일을 읽을 수 없습니다: {path} ({exc.strerror})",
                en=f"Cannot read {path}: {exc.strerror}",
            )
        ) from exc
    return data.decode("utf-8", errors="replace")


def task_and_text(args: argparse.Namespace, settings: Settings) -> tuple[Task, str]:
    """The task named by `args.task` and the checked input text (`--file` or stdin).

    Raises TaskError for an unknown task (exit code 2), KodeskError for bad input."""
    tasks, _ = all_tasks(settings.get("tasks.custom"))
    task = find_task(tasks, args.task)
    return task, check_input(read_text_arg(args.file)).text


def usage_error(exc: Exception) -> int:
    print(f"kodesk: {exc}", file=sys.stderr)
    return 2


def fail(exc: KodeskError | str) -> int:
    """One clear line (plus a hint line) on stderr; exit code 1."""
    if isinstance(exc, KodeskError):
        print(f"kodesk: {exc.message('en')}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint_text('en')}", file=sys.stderr)
    else:
        print(f"kodesk: {exc}", file=sys.stderr)
    return 1


def run_command(coro_factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run an async command; kodesk errors become one line and exit code 1, an unknown
    task name exit code 2."""
    try:
        return asyncio.run(coro_factory())
    except TaskError as exc:
        return usage_error(exc)
    except KodeskError as exc:
        return fail(exc)
    except OSError as exc:
        return fail(f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".strip(": "))
