"""`kodesk modelfile check|render`: validate a Modelfile against its model, or print it canonically.

Exit codes of `check`: 0 no error findings, 1 at least one error finding, 2 the input
could not be read (unreadable file, Modelfile parse error with line:col, bad GGUF,
Ollama not reachable for `--model`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kodesk.commands.common import server_options
from kodesk.commands.gguf_cmd import INPUT_ERROR, input_error
from kodesk.core.errors import KodeskError

if TYPE_CHECKING:
    from kodesk.core.modelfile import Modelfile
    from kodesk.core.modelfile_doctor import Finding, ModelFacts

_SEVERITY_KO = {"error": "오류", "warning": "경고", "info": "정보"}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "modelfile",
        help="check or render an Ollama Modelfile",
        description="Check an Ollama Modelfile against its model, or print it in canonical form.",
    )
    actions = parser.add_subparsers(dest="modelfile_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: _usage(parser))

    check = actions.add_parser(
        "check",
        parents=[server_options()],
        help="find problems and their fixes",
        description="Report problems (severity, code, message, fix) of a Modelfile. The model "
        "is described by --gguf, by --model (asks Ollama's /api/show), or by the GGUF file "
        "FROM names when it exists. Exit 0: no errors; 1: errors found; 2: unreadable input.",
    )
    check.add_argument("file", metavar="FILE", help="the Modelfile")
    source = check.add_mutually_exclusive_group()
    source.add_argument("--gguf", metavar="G", help="the GGUF file the Modelfile is for")
    source.add_argument("--model", metavar="NAME", help="an installed Ollama model to compare")
    check.add_argument(
        "--input-tokens",
        type=int,
        default=None,
        metavar="N",
        help="expected input size in tokens (default: a Korean news article, 6000)",
    )
    check.add_argument(
        "--fixed", action="store_true", help="also print the Modelfile with the fixes applied"
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(func=run_check)

    render = actions.add_parser("render", help="print the Modelfile in canonical form")
    render.add_argument("file", metavar="FILE", help="the Modelfile")
    render.set_defaults(func=run_render)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return INPUT_ERROR


def _load(path: str) -> Modelfile:
    from kodesk.core.modelfile import parse_modelfile, read_modelfile

    return parse_modelfile(read_modelfile(path))


def run_render(args: argparse.Namespace) -> int:
    from kodesk.core.modelfile import render_modelfile

    try:
        sys.stdout.write(render_modelfile(_load(args.file)))
    except KodeskError as exc:
        return input_error(exc)
    return 0


def run_check(args: argparse.Namespace) -> int:
    from kodesk.core.modelfile_doctor import DEFAULT_INPUT_TOKENS, diagnose, fixed_modelfile

    try:
        modelfile = _load(args.file)
        facts = _facts(args, modelfile)
    except KodeskError as exc:
        return input_error(exc)
    tokens = args.input_tokens if args.input_tokens is not None else DEFAULT_INPUT_TOKENS
    findings = diagnose(modelfile, facts, input_tokens=tokens)
    fixed = fixed_modelfile(modelfile, facts, findings) if args.fixed else None
    if args.json:
        print(json.dumps(_json(modelfile, findings, fixed), ensure_ascii=False, indent=2))
    else:
        print(_text(findings, facts, fixed))
    return 1 if any(f.severity == "error" for f in findings) else 0


def _facts(args: argparse.Namespace, modelfile: Modelfile) -> ModelFacts | None:
    """The model's facts from --gguf, --model, or the local file FROM names."""
    from kodesk.core.gguf_info import inspect_gguf
    from kodesk.core.modelfile_create import from_file
    from kodesk.core.modelfile_doctor import ModelFacts

    if args.model:
        return ModelFacts.from_details(_show(args, args.model))
    gguf = args.gguf
    if gguf is None:
        local = from_file(modelfile, Path(args.file).parent)
        gguf = str(local) if local else None
    return ModelFacts.from_gguf(inspect_gguf(gguf)) if gguf else None


def _show(args: argparse.Namespace, model: str) -> Any:
    import asyncio

    from kodesk.commands.common import load_settings
    from kodesk.engines.factory import ollama_engine

    settings, _ = load_settings(args)

    async def fetch() -> Any:
        engine = ollama_engine(settings, args.host)
        try:
            return await engine.show(model, verbose=True)
        finally:
            await engine.aclose()

    return asyncio.run(fetch())


def _json(modelfile: Modelfile, findings: list[Finding], fixed: Modelfile | None) -> dict[str, Any]:
    from kodesk.core.modelfile import render_modelfile

    data: dict[str, Any] = {
        "modelfile": {
            "from": modelfile.from_,
            "parameters": [list(p) for p in modelfile.parameters],
            "template": modelfile.template,
            "system": modelfile.system,
            "adapters": modelfile.adapters,
            "license": modelfile.licenses,
            "messages": [list(m) for m in modelfile.messages],
        },
        "findings": [f.to_json() for f in findings],
    }
    if fixed is not None:
        data["fixed_modelfile"] = render_modelfile(fixed)
    return data


def _text(findings: list[Finding], facts: ModelFacts | None, fixed: Modelfile | None) -> str:
    from kodesk.core.modelfile import render_modelfile

    lines = [f"모델 정보 / Model: {facts.source if facts else '없음 / none (FROM 이름으로 추정)'}"]
    for f in findings:
        where = f" (line {f.line})" if f.line else ""
        lines += [
            "",
            f"[{_SEVERITY_KO[f.severity]} / {f.severity}] {f.code}{where}",
            f"  {f.message.ko}",
            f"  {f.message.en}",
            *(
                f"  고치기: {line}" if i == 0 else f"    {line}"
                for i, line in enumerate(f.fix.ko.splitlines())
            ),
            *(
                f"  Fix: {line}" if i == 0 else f"    {line}"
                for i, line in enumerate(f.fix.en.splitlines())
            ),
        ]
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    lines += [
        "",
        f"오류 {counts['error']}, 경고 {counts['warning']}, 정보 {counts['info']} / "
        f"{counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['info']} info",
    ]
    if fixed is not None:
        lines += ["", "# 고친 Modelfile / Fixed Modelfile", render_modelfile(fixed).rstrip("\n")]
    return "\n".join(lines)
