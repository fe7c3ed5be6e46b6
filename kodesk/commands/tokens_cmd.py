"""`kodesk tokens`: how many tokens a text is for a model, and which ones.

The vocabulary comes from a GGUF file (`--gguf`) or from Ollama (`--model`, through
`/api/show` with verbose on; cached per model digest in the user cache folder). When
neither is available the count is an estimate, and the output says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kodesk.commands.common import fail, load_settings, read_text_arg, run_command, server_options
from kodesk.core.errors import KodeskError
from kodesk.core.settings import Settings
from kodesk.core.token_report import TokenReport, build_report, piece_text
from kodesk.core.tokenizer import (
    EstimateTokenizer,
    Tokenizer,
    TokenizerUnavailable,
    tokenizer_from_gguf,
    tokenizer_or_estimate,
)
from kodesk.engines.factory import ollama_engine

#: Chips printed in the readable summary.
PREVIEW_TOKENS = 40


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "tokens",
        parents=[server_options()],
        help="count a text's tokens for a model (exactly, from its vocabulary)",
        description="Count the tokens of a text (--file, or standard input) for a model.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model", metavar="M", help="Ollama model (default: settings)")
    source.add_argument("--gguf", metavar="FILE", help="GGUF model file")
    parser.add_argument("--file", metavar="F", help="text file (default: standard input)")
    parser.add_argument(
        "--num-ctx", type=int, metavar="N", help="context size to compare with (share of num_ctx)"
    )
    parser.add_argument(
        "--json", action="store_true", help='print {"count", "ids", "pieces", "estimate"} as JSON'
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        text = read_text_arg(args.file)
    except KodeskError as exc:
        return fail(exc)
    settings, paths = load_settings(args)
    cache = paths.cache / "tokenizers"

    async def go() -> int:
        tokenizer, note = await _choose_tokenizer(args, settings, cache)
        if note:
            print(f"kodesk: {note}", file=sys.stderr)
        if args.json:
            print(json.dumps(_as_json(text, tokenizer, note), ensure_ascii=False))
        else:
            print(summary(build_report(text, tokenizer, args.num_ctx)))
        return 0

    return run_command(go)


async def _choose_tokenizer(
    args: argparse.Namespace, settings: Settings, cache: Path
) -> tuple[Tokenizer, str]:
    """The exact tokenizer when one can be had, else the estimate and why."""
    if args.gguf:
        try:
            return tokenizer_from_gguf(args.gguf, cache), ""
        except TokenizerUnavailable as exc:
            return EstimateTokenizer(), f"estimate — {exc.message('en')}"
    model = args.model or settings.get("model.default")
    if not model:
        return EstimateTokenizer(), "estimate — no model given (use --model or --gguf)"
    engine = ollama_engine(settings, args.host)
    try:
        return await tokenizer_or_estimate(engine, model, cache)
    finally:
        await engine.aclose()


def _as_json(text: str, tokenizer: Tokenizer, note: str) -> dict[str, Any]:
    if tokenizer.is_estimate:
        out: dict[str, Any] = {
            "count": tokenizer.count(text),
            "ids": [],
            "pieces": [],
            "estimate": True,
        }
    else:
        ids = tokenizer.encode(text)
        out = {
            "count": len(ids),
            "ids": ids,
            "pieces": [piece_text(p) for p in tokenizer.pieces(ids)],
            "estimate": False,
        }
    out["tokenizer"] = tokenizer.name
    if note:
        out["note"] = note
    return out


def summary(report: TokenReport) -> str:
    """The readable form: counts, ratios, context share and the first tokens."""
    kind = "ESTIMATE — no vocabulary" if report.estimate else "exact"
    lines = [
        f"tokenizer   {report.tokenizer_name} ({kind})",
        f"characters  {report.characters:,}",
        f"tokens      {report.tokens:,}"
        + ("  (estimated, on the high side)" if report.estimate else "  (with BOS/EOS)"),
    ]
    if report.tokens_per_syllable is not None:
        lines.append(
            f"Hangul      {report.hangul_syllables:,} syllables, "
            f"{report.tokens_per_syllable:.2f} tokens per syllable"
        )
    elif report.hangul_syllables:
        lines.append(f"Hangul      {report.hangul_syllables:,} syllables")
    if report.tokens_per_word is not None:
        lines.append(
            f"English     {report.english_words:,} words, "
            f"{report.tokens_per_word:.2f} tokens per word"
        )
    elif report.english_words:
        lines.append(f"English     {report.english_words:,} words")
    if report.context_share is not None:
        flag = "  OVER — Ollama would drop the middle" if report.over_context else ""
        lines.append(f"num_ctx     {report.num_ctx:,}: {report.context_share:.1%} used{flag}")
    if report.chips:
        shown = report.chips[:PREVIEW_TOKENS]
        rest = len(report.chips) + report.hidden_chips - len(shown)
        preview = "".join(f"[{c.label}]" for c in shown)
        lines.append(f"tokens      {preview}" + (f" … {rest:,} more" if rest else ""))
    return "\n".join(lines)
