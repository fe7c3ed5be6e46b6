"""`kodesk doctor`: is the engine there, which version, which models, is the default there.

For Ollama also every candidate endpoint (setting, OLLAMA_HOST, localhost, WSL distros)
with a fix; for the embedded engine its models folder and llama.cpp version.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from kodesk.commands.common import (
    engine_options,
    load_settings,
    open_engine,
    run_command,
    server_options,
)
from kodesk.core.engine import Engine
from kodesk.core.errors import KodeskError
from kodesk.core.settings import Settings, default_model_key
from kodesk.core.terminal_text import printable_for_terminal
from kodesk.engines.connection_doctor import ConnectionReport, diagnose
from kodesk.engines.discovery import Discovery


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "doctor",
        parents=[server_options(), engine_options()],
        help="check the engine (the connection to Ollama, or the embedded one) and the models",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


async def basic_checks(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Version, models and the default model (its setting for this engine) of `engine`."""
    default = settings.get(default_model_key(engine.kind))
    report: dict[str, Any] = {
        "engine": engine.kind,
        "endpoint": engine.location,
        "reachable": False,
        "version": None,
        "latency_ms": None,
        "models": [],
        "default_model": default or None,
        "default_model_present": None,
        "problems": [],
    }
    embedded = engine.kind == "embedded"
    try:
        started = time.perf_counter()
        report["version"] = await engine.version()
        report["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        report["reachable"] = True
        report["models"] = [m.name for m in await engine.list_models()]
        if default:
            report["default_model_present"] = default in report["models"]
            if not report["default_model_present"]:
                report["problems"].append(
                    f"default model {default!r} is not among the GGUF files "
                    f"(embedded.default_model; models folder {engine.location})"
                    if embedded
                    else f"default model {default!r} is not installed (ollama pull {default})"
                )
        if not report["models"]:
            report["problems"].append(
                f"no GGUF models in {engine.location}"
                if embedded
                else "no models installed (try: ollama pull exaone3.5:2.4b)"
            )
    except KodeskError as exc:
        report["problems"].append(exc.explain("en"))
    return report


async def connection_checks(args: argparse.Namespace, settings: Settings) -> ConnectionReport:
    """Every candidate endpoint (setting, OLLAMA_HOST, localhost, WSL distros) probed."""
    return await diagnose(Discovery(configured=args.host or settings.get("ollama.endpoint")))


def run(args: argparse.Namespace) -> int:
    settings, paths = load_settings(args)

    async def go() -> int:
        engine = open_engine(args, settings, paths)
        connection: ConnectionReport | None = None
        try:
            if engine.kind == "embedded":
                report = await basic_checks(engine, settings)
            else:
                report, connection = await asyncio.gather(
                    basic_checks(engine, settings), connection_checks(args, settings)
                )
        finally:
            await engine.aclose()
        details = connection.to_json() if connection is not None else {"candidates": []}
        report["candidates"] = details.pop("candidates")
        report["connection"] = details or None
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            _print(report)
            if connection is not None:
                print(printable_for_terminal(connection.render_text("en")))
        return 0 if report["reachable"] and not report["problems"] else 1

    return run_command(go)


def _print(report: dict[str, Any]) -> None:
    mark = "✓" if report["reachable"] else "✗"
    embedded = report["engine"] == "embedded"
    where = f"embedded engine, models in {report['endpoint']}" if embedded else "endpoint"
    line = f"{mark} {where}" if embedded else f"{mark} {where} {report['endpoint']}"
    if report["reachable"]:
        server = report["version"] if embedded else f"Ollama {report['version']}"
        line += f" — {server} ({report['latency_ms']} ms)"
    lines = [line]
    if report["reachable"]:
        lines.append(f"✓ {len(report['models'])} model(s): {', '.join(report['models']) or '-'}")
    lines += [f"✗ {problem}" for problem in report["problems"]]
    print(printable_for_terminal("\n".join(lines)))
