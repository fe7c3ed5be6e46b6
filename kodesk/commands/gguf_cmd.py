"""`kodesk gguf FILE [--json]`: what a GGUF model file is, read from its header only."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kodesk.core.errors import KodeskError

INPUT_ERROR = 2


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "gguf",
        help="describe a GGUF model file (architecture, size, quantization, template)",
        description="Describe a GGUF model file from its header: architecture, size, "
        "quantization, context length, tokenizer, special tokens and chat template. "
        "Exit code 2 when the file cannot be read as GGUF.",
    )
    parser.add_argument("file", metavar="FILE", help="the .gguf file")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def input_error(exc: KodeskError | str) -> int:
    """One line on stderr; exit code 2 (the input could not be read)."""
    text = exc.message("en") if isinstance(exc, KodeskError) else exc
    print(f"kodesk: {text}", file=sys.stderr)
    return INPUT_ERROR


def run(args: argparse.Namespace) -> int:
    from kodesk.core.gguf_info import GGUFError, inspect_gguf

    try:
        info = inspect_gguf(args.file)
    except GGUFError as exc:
        return input_error(exc)
    if args.json:
        print(json.dumps(info.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(describe(info.to_json()))
    return 0


def describe(data: dict[str, Any]) -> str:
    """The readable text of `kodesk gguf` (Korean / English labels)."""
    lines = [f"파일 / File: {data['path']} ({data['file_size'] / 1e9:.2f} GB)"]

    def row(label: str, value: object) -> None:
        lines.append(f"{label}: {'-' if value is None else value}")

    row("구조 / Architecture", data["architecture"])
    row("이름 / Name", data["name"])
    row("크기 / Size", f"{data['size_label'] or '?'} ({data['parameter_count']:,} parameters)")
    quant = data["quantization_explanation"]
    row("양자화 / Quantization", data["quantization"])
    if quant:
        lines += [f"  {quant['ko']}", f"  {quant['en']}"]
    if data["bits_per_weight"] is not None:
        lines.append(
            f"  파일 전체 평균 / whole-file average: {data['bits_per_weight']:.2f} bits per weight"
        )
    context = data["context_length"]
    row("학습 문맥 길이 / Trained context", f"{context:,} tokens" if context else None)
    vocab = data["vocab_size"]
    row(
        "토크나이저 / Tokenizer",
        f"{data['tokenizer_model'] or '?'}" + (f" ({vocab:,} tokens)" if vocab else ""),
    )
    specials = ", ".join(
        f"{role}={tok['text']!s} ({tok['id']})" for role, tok in data["special_tokens"].items()
    )
    row("특수 토큰 / Special tokens", specials or None)
    family = data["chat_template_family"]
    if family is None:
        row("채팅 템플릿 / Chat template", "없음 / none")
        lines += [
            "  채팅 템플릿이 없습니다: 지시를 따르지 않고 글을 이어 쓰는 기본(base) 모델일 "
            "가능성이 높습니다.",
            "  No chat template: most likely a base model that continues text instead of "
            "following instructions.",
        ]
    else:
        row("채팅 템플릿 / Chat template", family)
    return "\n".join(lines)
