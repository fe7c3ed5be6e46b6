"""`kodesk models`: the models the engine offers (Ollama's installed models, or the
embedded engine's GGUF files)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from kodesk.commands.common import (
    engine_options,
    load_settings,
    open_engine,
    run_command,
    server_options,
)
from kodesk.core.human_format import human_size
from kodesk.core.terminal_text import printable_for_terminal


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "models", parents=[server_options(), engine_options()], help="list installed models"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--recommended", action="store_true", help="recommended Korean models for this machine"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.recommended:
        from kodesk.commands.recommended_models import print_recommended

        return print_recommended(args.json)
    settings, paths = load_settings(args)

    async def go() -> int:
        engine = open_engine(args, settings, paths)
        try:
            models = await engine.list_models()
        finally:
            await engine.aclose()
        if args.json:
            print(json.dumps([asdict(m) for m in models], ensure_ascii=False, indent=2))
            return 0
        if not models:
            if engine.kind == "embedded":
                print(f"No GGUF models in {engine.location}.")
            else:
                print("No models installed. Try: ollama pull exaone3.5:2.4b")
            return 0
        width = max(len(m.name) for m in models)
        for m in models:
            line = (
                f"{m.name:<{width}}  {m.parameter_size:>6}  {m.quantization_level:<7}  "
                f"{human_size(m.size):>8}  {m.modified_at[:10]}"
            )
            print(printable_for_terminal(line))
        return 0

    return run_command(go)
