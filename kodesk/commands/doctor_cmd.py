"""`kodesk doctor`: is the server reachable, which version, which models, is the default there."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from kodesk.commands.common import load_settings, run_command, server_options
from kodesk.core.errors import KodeskError
from kodesk.engines.connection_doctor import ConnectionReport, diagnose
from kodesk.engines.discovery import Discovery
from kodesk.engines.factory import ollama_engine


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "doctor", parents=[server_options()], help="check the connection to Ollama and the models"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


async def basic_checks(args: argparse.Namespace) -> dict[str, Any]:
    settings, _ = load_settings(args)
    engine = ollama_engine(settings, args.host)
    default = settings.get("model.default")
    report: dict[str, Any] = {
        "endpoint": engine.location,
        "reachable": False,
        "version": None,
        "latency_ms": None,
        "models": [],
        "default_model": default or None,
        "default_model_present": None,
        "problems": [],
    }
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
                    f"default model {default!r} is not installed (ollama pull {default})"
                )
        if not report["models"]:
            report["problems"].append("no models installed (try: ollama pull exaone3.5:2.4b)")
    except KodeskError as exc:
        report["problems"].append(exc.explain("en"))
    finally:
        await engine.aclose()
    return report


async def connection_checks(args: argparse.Namespace) -> ConnectionReport:
    """Every candidate endpoint (setting, OLLAMA_HOST, localhost, WSL distros) probed."""
    settings, _ = load_settings(args)
    return await diagnose(Discovery(configured=args.host or settings.get("ollama.endpoint")))


def run(args: argparse.Namespace) -> int:
    async def go() -> int:
        report, connection = await asyncio.gather(basic_checks(args), connection_checks(args))
        details = connection.to_json()
        report["candidates"] = details.pop("candidates")
        report["connection"] = details
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            _print(report)
            print(connection.render_text("en"))
        return 0 if report["reachable"] and not report["problems"] else 1

    return run_command(go)


def _print(report: dict[str, Any]) -> None:
    mark = "✓" if report["reachable"] else "✗"
    print(f"{mark} endpoint {report['endpoint']}", end="")
    if report["reachable"]:
        print(f" — Ollama {report['version']} ({report['latency_ms']} ms)")
        print(f"✓ {len(report['models'])} model(s): {', '.join(report['models']) or '-'}")
    else:
        print()
    for problem in report["problems"]:
        print(f"✗ {problem}")
