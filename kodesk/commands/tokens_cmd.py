"""`kodesk tokens`: how many tokens a text is for a model, and which ones.

The vocabulary comes from a GGUF file (`--gguf`), or from the model (`--model`, else the
settings' default model for the engine in use, else its first model) through the engine:
Ollama's `/api/show` with verbose on (cached per model digest in the user cache folder),
or the embedded engine's GGUF. When none is available the count is an estimate, and the
output says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kodesk.commands.common import (
    engine_options,
    load_settings,
    open_engine,
    read_text_arg,
    run_command,
    server_options,
    usage_error,
    warn,
)
from kodesk.core.errors import KodeskError
from kodesk.core.job_setup import choose_model
from kodesk.core.settings import Settings, default_model_key
from kodesk.core.terminal_text import printable_for_terminal
from kodesk.core.token_report import TokenReport, build_report, piece_text
from kodesk.core.tokenizer import (
    EstimateTokenizer,
    Tokenizer,
    TokenizerUnavailable,
    tokenizer_from_gguf,
    tokenizer_or_estimate,
)
from kodesk.paths import AppPaths

#: Chips printed in the readable summary.
PREVIEW_TOKENS = 40


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "tokens",
        parents=[server_options(), engine_options()],
        help="count a text's tokens for a model (exactly, from its vocabulary)",
        description="Count the tokens of a text (--file, or standard input) for a model: "
        "--gguf FILE, --model M, or the default model of the engine in use.",
    )
    parser.add_argument(
        "--model",
        "-m",
        metavar="M",
        help="model (default: the settings' default model for the engine, else its first)",
    )
    parser.add_argument("--file", metavar="F", help="text file (default: standard input)")
    parser.add_argument(
        "--num-ctx", type=int, metavar="N", help="context size to compare with (share of num_ctx)"
    )
    parser.add_argument(
        "--json", action="store_true", help='print {"count", "ids", "pieces", "estimate"} as JSON'
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.model and args.gguf:
        return usage_error("tokens: give --model or --gguf, not both")
    settings, paths = load_settings(args)
    read = read_text_arg(args.file)
    for change in read.notes:
        warn(change)
    text = read.text

    async def go() -> int:
        tokenizer, note = await _choose_tokenizer(args, settings, paths)
        if note:
            print(f"kodesk: {printable_for_terminal(note)}", file=sys.stderr)
        if args.json:
            print(json.dumps(_as_json(text, tokenizer, note), ensure_ascii=False))
        else:
            print(summary(build_report(text, tokenizer, args.num_ctx)))
        return 0

    return run_command(go)


async def _choose_tokenizer(
    args: argparse.Namespace, settings: Settings, paths: AppPaths
) -> tuple[Tokenizer, str]:
    """The exact tokenizer when one can be had, else the estimate and why: the vocabulary
    of `--gguf` (read from the file, no engine needed), or of the model through the
    engine - `--model`, else the default model setting of that engine, else its first."""
    cache = paths.cache / "tokenizers"
    if args.gguf:
        try:
            return tokenizer_from_gguf(args.gguf, cache), ""
        except TokenizerUnavailable as exc:
            return EstimateTokenizer(), f"estimate — {exc.message('en')}"
    engine = open_engine(args, settings, paths)
    try:
        try:
            model = await choose_model(
                engine, args.model, settings.get(default_model_key(engine.kind))
            )
        except KodeskError as exc:
            return EstimateTokenizer(), f"estimate — {exc.message('en')}"
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
