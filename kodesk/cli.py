"""The `kodesk` command: headless subcommands, and the tray app when none is given."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from kodesk import __version__

#: `KODESK_DEBUG=1` does what `--debug` does.
DEBUG_ENV = "KODESK_DEBUG"

#: Modules that each add one subcommand through `register(subparsers)`.
COMMAND_MODULES: tuple[str, ...] = (
    "kodesk.commands.run_cmd",
    "kodesk.commands.models_cmd",
    "kodesk.commands.doctor_cmd",
    "kodesk.commands.gguf_cmd",
    "kodesk.commands.modelfile_cmd",
    "kodesk.commands.tokens_cmd",
    "kodesk.commands.plan_cmd",
    "kodesk.commands.selftest_cmd",
    "kodesk.commands.connection_cmd",
    "kodesk.commands.hf_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    from kodesk.commands.common import add_debug_option

    parser = argparse.ArgumentParser(
        prog="kodesk",
        description="A tray assistant for a local Korean-capable LLM. "
        "Without a command it starts the tray app.",
    )
    parser.add_argument("--version", action="version", version=f"kodesk {__version__}")
    parser.add_argument("--settings", metavar="FILE", help="settings file to use")
    parser.add_argument("--host", metavar="URL", help="Ollama URL for the tray app")
    add_debug_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` names (the tray app without one). No exception leaves as a
    traceback: kodesk errors are one line and a hint, anything else is reported as an
    internal error (see `commands.common.internal_error`)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(arguments)
    except KeyboardInterrupt:
        print("kodesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # Imported only now: the tray app starts without the command modules.
        from kodesk.commands.common import EXPECTED_FAILURES, expected_failure, internal_error

        if isinstance(exc, EXPECTED_FAILURES):
            return expected_failure(exc)
        return internal_error(exc, debug=debug_requested(arguments))


def debug_requested(arguments: Sequence[str]) -> bool:
    """`--debug` anywhere among the options (before a `--`), or KODESK_DEBUG=1."""
    options = arguments[: arguments.index("--")] if "--" in arguments else arguments
    return "--debug" in options or os.environ.get(DEBUG_ENV, "") == "1"


def _dispatch(arguments: list[str]) -> int:
    # Without a command this is the tray app: skip importing every command module
    # (and the Ollama client they pull in) so the tray icon appears sooner.
    app_only = argparse.ArgumentParser(add_help=False)
    app_only.add_argument("--settings")
    app_only.add_argument("--host")
    app_only.add_argument("--debug", action="store_true")
    known, rest = app_only.parse_known_args(arguments)
    if not rest:
        from kodesk.app import run_app

        return run_app(known)
    args = build_parser().parse_args(arguments)
    if args.command is None:
        from kodesk.app import run_app

        return run_app(args)
    code: int = args.func(args)
    return code
