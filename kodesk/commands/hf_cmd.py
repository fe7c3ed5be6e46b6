"""`kodesk hf REPO`: a Hugging Face repository's GGUF files, and pulling or downloading one.

    kodesk hf beomi/Llama-3-Open-Ko-8B-gguf           # list: quantization, size, fits
    kodesk hf REPO --pull Q4_K_M                      # through Ollama (hf.co/REPO:Q4_K_M)
    kodesk hf REPO --download Q4_K_M [--to-ollama]    # into the embedded models folder

Before a pull or download the chosen file's header is read remotely; a base model (no
chat template) is refused before anything big is downloaded. The hub is `HF_ENDPOINT`
(default huggingface.co).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from kodesk.commands.common import load_settings, run_command, server_options, usage_error
from kodesk.core.types import Progress


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "hf",
        parents=[server_options()],
        help="list a Hugging Face repository's GGUF files; pull or download one",
        description="List the GGUF files of a Hugging Face repository (quantization, size, "
        "split parts, whether it fits this machine), and pull one through Ollama or "
        "download it for the embedded engine. A base model is refused before download.",
    )
    parser.add_argument("repo", metavar="REPO", help="owner/name on Hugging Face")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--pull", metavar="QUANT", help="pull through Ollama as hf.co/REPO:QUANT")
    action.add_argument(
        "--download", metavar="QUANT", help="download into the embedded engine's models folder"
    )
    parser.add_argument(
        "--to-ollama", action="store_true", help="with --download: also create it in Ollama"
    )
    parser.add_argument("--name", help="with --to-ollama: the new Ollama model's name")
    parser.set_defaults(func=run)


STREAMING = frozenset({"downloading", "uploading"})


class ProgressLine:
    """Download progress on stderr, rewritten in place at most ~4 times a second."""

    def __init__(self) -> None:
        self._shown = 0.0

    def show(self, progress: Progress) -> None:
        now = time.monotonic()
        final = progress.status not in STREAMING
        if not final and now - self._shown < 0.25:
            return
        self._shown = now
        done = (progress.completed or 0) / 1e6
        total = (progress.total or 0) / 1e6
        percent = f" {progress.fraction:.0%}" if progress.fraction is not None else ""
        print(
            f"\r{progress.status}: {done:,.1f} / {total:,.1f} MB{percent}   ",
            end="\n" if final else "",
            file=sys.stderr,
            flush=True,
        )


async def _follow(stream: AsyncIterator[Progress], line: ProgressLine) -> None:
    async for progress in stream:
        line.show(progress)


def _describe(groups: list[dict[str, Any]], header: dict[str, Any] | None, repo: str) -> str:
    from kodesk.core.human_format import human_size

    lines = [f"{repo}: {len(groups)} GGUF"]
    if header is not None and "error" in header:
        lines.append(f"  {header['error']}")
    elif header is not None and header["base_model"]:
        lines += [
            "  ⚠ 기본(base) 모델입니다: 채팅 템플릿이 없어 지시를 따르지 않습니다.",
            "  ⚠ A base model: no chat template, so it will not follow instructions.",
        ]
    elif header is not None:
        lines.append(f"  chat template / 채팅 템플릿: {header['chat_template_family']}")
    for g in groups:
        split = f" ({len(g['parts'])} parts)" if g["split"] else ""
        lines.append(
            f"{g['quantization'] or '?':<8} {human_size(g['size']):>9}{split}  "
            f"fits: {g['fits']:<3} speed: {g['speed']:<9} {g['name']}"
        )
        if g["quantization_explanation"]:
            lines.append(f"         {g['quantization_explanation']['en']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if (args.to_ollama or args.name) and not args.download:
        return usage_error(ValueError("--to-ollama and --name go with --download QUANT"))
    settings, paths = load_settings(args)

    async def go() -> int:
        from kodesk.core.model_catalog import assess, this_machine
        from kodesk.engines import hf_import
        from kodesk.engines.hf_repo import check_repo_id, find_group, list_gguf

        repo = check_repo_id(args.repo)
        groups = await list_gguf(repo)
        wanted = args.pull or args.download
        if wanted is None:
            machine = await asyncio.to_thread(this_machine)
            rows = [g.to_json() | assess(g.size, machine).to_json() for g in groups]
            singles = [g for g in groups if not g.split]
            header = await _header_of(repo, singles[0]) if singles else None
            if args.json:
                data = {"repo": repo, "header": header, "files": rows}
                print(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                print(_describe(rows, header, repo))
            return 0
        group = find_group(groups, wanted, repo)
        await hf_import.check_instruction_model(repo, group)
        line = ProgressLine()
        if args.pull:
            from kodesk.engines.factory import ollama_engine

            engine = ollama_engine(settings, args.host)
            try:
                await _follow(engine.pull(hf_import.pull_name(repo, group)), line)
            finally:
                await engine.aclose()
            print(hf_import.pull_name(repo, group))
            return 0
        folder = settings.get("embedded.models_dir")
        models_dir = Path(folder) if folder else paths.models
        target = models_dir / hf_import.local_name(group)
        try:
            await _follow(hf_import.download_group(repo, group, models_dir), line)
        except asyncio.CancelledError:
            print(
                f"\nkodesk: download stopped; run the same command to resume ({target}.part)",
                file=sys.stderr,
            )
            raise
        print(target)
        if args.to_ollama:
            return await _to_ollama(args, settings, target, group, line)
        return 0

    return run_command(go)


async def _header_of(repo: str, group: Any) -> dict[str, Any]:
    """What the smallest file's header says (a base model?), or why it cannot be read."""
    from kodesk.core.gguf_header import GGUFError
    from kodesk.engines import hf_import

    try:
        remote = await hf_import.check_header(repo, group)
    except GGUFError as exc:
        return {"file": group.name, "error": exc.message("en")}
    return {
        "file": group.name,
        "chat_template_family": remote.template_family,
        "base_model": remote.is_base_model,
    }


async def _to_ollama(
    args: argparse.Namespace, settings: Any, target: Path, group: Any, line: ProgressLine
) -> int:
    from kodesk.engines import hf_import
    from kodesk.engines.factory import ollama_engine

    spec = await hf_import.ollama_spec(target, args.name or hf_import.ollama_model_name(group))
    engine = ollama_engine(settings, args.host)
    try:
        async for progress in engine.create(spec):
            if progress.total:
                line.show(progress)
            else:
                print(progress.status, file=sys.stderr)
    finally:
        await engine.aclose()
    print(spec.name)
    return 0
