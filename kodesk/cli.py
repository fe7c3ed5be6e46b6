"""The `kodesk` command: headless subcommands, and the tray app when none is given."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kodesk import __version__

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
    parser = argparse.ArgumentParser(
        prog="kodesk",
        description="A tray assistant for a local Korean-capable LLM. "
        "Without a command it starts the tray app.",
    )
    parser.add_argument("--version", action="version", version=f"kodesk {__version__}")
    parser.add_argument("--settings", metavar="FILE", help="settings file to use")
    parser.add_argument("--host", metavar="URL", help="Ollama URL for the tray app")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Without a command this is the tray app: skip importing every command module
    # (and the Ollama client they pull in) so the tray icon appears sooner.
    app_only = argparse.ArgumentParser(add_help=False)
    app_only.add_argument("--settings")
    app_only.add_argument("--host")
    known, rest = app_only.parse_known_args(arguments)
    if not rest:
        from kodesk.app import run_app

        return run_app(known)
    args = build_parser().parse_args(arguments)
    if args.command is None:
        from kodesk.app import run_app

        return run_app(args)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print("kodesk: interrupted", file=sys.stderr)
        return 130
    return code
