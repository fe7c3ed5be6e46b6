"""What the subcommands share: options, settings loading, engine creation, input, error output."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from kodesk.core.engine import Engine
from kodesk.core.errors import InputRejected, KodeskError, Text
from kodesk.core.input_text import CleanInput, check_input, read_text_stream
from kodesk.core.settings import Settings, SettingsStore
from kodesk.core.tasks import Task, TaskError, all_tasks, find_task
from kodesk.core.terminal_text import printable_for_terminal
from kodesk.core.types import Progress
from kodesk.engines.endpoint import endpoint_warnings, resolve_host
from kodesk.engines.factory import engine_from_settings, engine_kind
from kodesk.paths import AppPaths, default_paths

log = logging.getLogger("kodesk")


def server_options() -> argparse.ArgumentParser:
    """Parent parser for commands that talk to a server."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--host",
        metavar="URL",
        help="Ollama URL (default: settings, then OLLAMA_HOST, then http://127.0.0.1:11434)",
    )
    parent.add_argument("--settings", metavar="FILE", help="settings file to use")
    add_debug_option(parent, default=argparse.SUPPRESS)
    return parent


def engine_options() -> argparse.ArgumentParser:
    """Parent parser for commands that work on a model: which engine, which GGUF file."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--engine",
        choices=("ollama", "embedded"),
        help="engine to use (default: from the settings)",
    )
    parent.add_argument(
        "--gguf",
        metavar="FILE",
        help="GGUF file for the embedded engine (implies --engine embedded)",
    )
    return parent


def add_debug_option(parser: argparse.ArgumentParser, default: Any = False) -> None:
    """`--debug` (read by `cli.debug_requested`): an internal error's traceback goes to
    stderr as well."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="on an internal error, print its traceback (also: KODESK_DEBUG=1)",
    )


def gguf_arg(args: argparse.Namespace) -> Path | None:
    gguf = getattr(args, "gguf", None)
    return Path(gguf) if gguf else None


def active_engine_kind(args: argparse.Namespace, settings: Settings) -> str:
    """The engine the command will use ("ollama" or "embedded"), from `--engine`, `--gguf`
    (commands with `engine_options` only) and the settings."""
    if not hasattr(args, "engine"):
        return str(settings.get("engine.kind"))
    return engine_kind(settings, args.engine, gguf_arg(args))


def load_settings(
    args: argparse.Namespace, *, check_endpoint: bool = True
) -> tuple[Settings, AppPaths]:
    """The settings (their notices printed). When the command will talk to Ollama and
    `check_endpoint` is on, the endpoint is checked now, before any text is read or sent:
    a malformed one raises EndpointError (naming the value and where it came from), and
    one off this machine prints its warnings (`endpoint_warnings`)."""
    paths = default_paths(getattr(args, "settings", None))
    loaded = SettingsStore(paths.settings).load()
    for notice in loaded.notices:
        print(f"kodesk: {printable_for_terminal(notice.en)}", file=sys.stderr)
    settings = loaded.settings
    if check_endpoint and active_engine_kind(args, settings) == "ollama":
        host = resolve_host(getattr(args, "host", None), settings.get("ollama.endpoint"))
        for warning in endpoint_warnings(host):
            warn(warning)
    return settings, paths


def open_engine(
    args: argparse.Namespace,
    settings: Settings,
    paths: AppPaths,
    progress: Callable[[Progress], None] | None = None,
) -> Engine:
    """The engine `--engine`/`--gguf`/`--host` and the settings ask for."""
    return engine_from_settings(
        settings,
        paths,
        kind=getattr(args, "engine", None),
        host=getattr(args, "host", None),
        gguf=gguf_arg(args),
        progress=progress,
    )


def warn(text: Text) -> None:
    print(f"kodesk: warning: {printable_for_terminal(text.en)}", file=sys.stderr)


def read_text_arg(path: str | None) -> CleanInput:
    """The text of `--file`, or standard input, read as a stream with the size cap and
    the not-text check of `read_text_stream` (a FIFO is read like a file; a device such
    as /dev/zero ends at once). `notes` says which bytes were replaced. An unreadable
    file, binary data or too much text is an InputRejected."""
    if not path:
        return read_text_stream(sys.stdin.buffer, Text(ko="표준 입력", en="Standard input"))
    try:
        with Path(path).open("rb") as stream:
            return read_text_stream(stream, Text(ko=f"파일 {path}", en=f"The file {path}"))
    except OSError as exc:
        raise InputRejected(
            Text(
                ko=f"파일을 읽을 수 없습니다: {path} ({exc.strerror or exc})",
                en=f"Cannot read {path}: {exc.strerror or exc}",
            )
        ) from exc


def task_and_text(args: argparse.Namespace, settings: Settings) -> tuple[Task, str]:
    """The task named by `args.task` and the checked input text (`--file` or stdin);
    what reading and cleaning changed is printed as warnings on stderr.

    Raises TaskError for an unknown task (exit code 2), KodeskError for bad input."""
    tasks, _ = all_tasks(settings.get("tasks.custom"))
    task = find_task(tasks, args.task)
    read = read_text_arg(args.file)
    clean = check_input(read.text)
    for note in (*read.notes, *clean.notes):
        warn(note)
    return task, clean.text


def usage_error(problem: Exception | str) -> int:
    print(f"kodesk: {printable_for_terminal(str(problem))}", file=sys.stderr)
    return 2


def fail(exc: KodeskError | str) -> int:
    """One clear line (plus a hint line) on stderr; exit code 1."""
    if isinstance(exc, KodeskError):
        print(f"kodesk: {printable_for_terminal(exc.message('en'))}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {printable_for_terminal(exc.hint_text('en'))}", file=sys.stderr)
    else:
        print(f"kodesk: {printable_for_terminal(exc)}", file=sys.stderr)
    return 1


#: The failures a command expects and explains; anything else is an internal error.
EXPECTED_FAILURES = (TaskError, KodeskError, OSError)


def expected_failure(exc: TaskError | KodeskError | OSError) -> int:
    """The message and exit code of an expected failure: 2 for an unknown task, else 1."""
    if isinstance(exc, TaskError):
        return usage_error(exc)
    if isinstance(exc, KodeskError):
        return fail(exc)
    return fail(f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".strip(": "))


def internal_error(exc: Exception, *, debug: bool) -> int:
    """An unexpected exception (a bug): one line and a hint on stderr, exit code 1.

    The traceback is logged at ERROR on the `kodesk` logger when logging is configured
    (a log file), and also printed on stderr with `--debug` or KODESK_DEBUG=1; without
    either it is not printed at all."""
    handler: logging.Handler | None = None
    if debug:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("kodesk: %(message)s"))
        log.addHandler(handler)
    try:
        if log.hasHandlers():
            log.error("internal error: %s: %s", type(exc).__name__, exc, exc_info=exc)
    finally:
        if handler is not None:
            log.removeHandler(handler)
    print(f"kodesk: internal error - please report it: {type(exc).__name__}", file=sys.stderr)
    print(
        "  hint: run it again with --debug (or KODESK_DEBUG=1) to see the traceback, "
        "and include it in the report.",
        file=sys.stderr,
    )
    return 1


def run_command(coro_factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run an async command; kodesk errors become one line and exit code 1, an unknown
    task name exit code 2. Other exceptions go up to `cli.main` (internal error)."""
    try:
        return asyncio.run(coro_factory())
    except EXPECTED_FAILURES as exc:
        return expected_failure(exc)
