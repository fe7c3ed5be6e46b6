"""Chat template families, for Jinja templates (GGUF `tokenizer.chat_template`) and Go
templates (a Modelfile's TEMPLATE), and the Go templates Ollama ships for them.

A family is recognised by the special tokens that frame a turn; the template
language does not matter. `OLLAMA_TEMPLATES` holds the text of Ollama's
`template/<name>.gotmpl` files and the stop tokens of `template/<name>.json`
(ollama/ollama; llama3-instruct at 888b6fbb, chatml at 9fbfa742, gemma-instruct at
41f885f2, mistral-instruct at 75d1b796 — mistral-instruct has no .json in the repo,
its stops are those of Ollama's `mistral` model).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

Family = Literal["llama3", "chatml", "gemma", "mistral", "other", "none"]

#: Markers that identify a family; the first family with a marker present wins.
_MARKERS: tuple[tuple[Family, tuple[str, ...]], ...] = (
    ("llama3", ("<|start_header_id|>", "<|eot_id|>")),
    ("chatml", ("<|im_start|>", "<|im_end|>")),
    ("gemma", ("<start_of_turn>", "<end_of_turn>")),
    ("mistral", ("[INST]", "[/INST]")),
)


def template_family(template: str | None) -> Family:
    """The family of a Jinja or Go chat template; "none" when empty or absent."""
    if template is None or not template.strip():
        return "none"
    for family, markers in _MARKERS:
        if any(marker in template for marker in markers):
            return family
    return "other"


def vocab_family(special_tokens: Collection[str]) -> Family | None:
    """The family whose turn markers are special tokens of a vocabulary (a base model
    has no chat template, but a Llama-3 base vocabulary still has `<|eot_id|>`)."""
    for family, markers in _MARKERS:
        if all(marker in special_tokens for marker in markers):
            return family
    return None


#: Model-name patterns → the chat format such models use ("other": their own format).
_NAME_PATTERNS: tuple[tuple[Family, re.Pattern[str]], ...] = (
    ("other", re.compile(r"eeve|exaone|solar", re.IGNORECASE)),
    ("llama3", re.compile(r"llama[-_ .]?3|bllossom", re.IGNORECASE)),
    ("chatml", re.compile(r"qwen|yi[-_]|hermes|chatml", re.IGNORECASE)),
    ("gemma", re.compile(r"gemma", re.IGNORECASE)),
    ("mistral", re.compile(r"mistral|mixtral", re.IGNORECASE)),
)


def family_from_name(name: str) -> Family | None:
    """A guess from a model or file name (`Llama-3-Open-Ko-8B-Q8_0.gguf` → "llama3")."""
    for family, pattern in _NAME_PATTERNS:
        if pattern.search(name):
            return family
    return None


_TOKEN_LIKE = re.compile(r"<\|[^|<>\s]+\|>|</?[A-Za-z_][A-Za-z0-9_]*>|\[/?INST\]")


def template_tokens(template: str) -> list[str]:
    """Special-token-looking strings a template writes (`<s>`, `<|eot_id|>`, `[INST]`),
    in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _TOKEN_LIKE.finditer(template):
        seen.setdefault(match.group(0), None)
    return list(seen)


@dataclass(frozen=True)
class OllamaTemplate:
    """One of Ollama's built-in templates: its name, Go template text and stop tokens."""

    name: str
    family: Family
    template: str
    stop: tuple[str, ...]


OLLAMA_TEMPLATES: dict[Family, OllamaTemplate] = {
    "llama3": OllamaTemplate(
        name="llama3-instruct",
        family="llama3",
        template=(
            "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n"
            "{{ .Content }}<|eot_id|>\n"
            "{{- end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
        ),
        stop=("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"),
    ),
    "chatml": OllamaTemplate(
        name="chatml",
        family="chatml",
        template=(
            "{{- range .Messages }}<|im_start|>{{ .Role }}\n"
            "{{ .Content }}<|im_end|>\n"
            "{{ end }}<|im_start|>assistant\n"
        ),
        stop=("<|im_start|>", "<|im_end|>"),
    ),
    "gemma": OllamaTemplate(
        name="gemma-instruct",
        family="gemma",
        template=(
            '{{- $system := "" }}\n'
            "{{- range .Messages }}\n"
            '{{- if eq .Role "system" }}\n'
            "{{- if not $system }}{{ $system = .Content }}\n"
            '{{- else }}{{ $system = printf "%s\\n\\n%s" $system .Content }}\n'
            "{{- end }}\n"
            "{{- continue }}\n"
            '{{- else if eq .Role "user" }}<start_of_turn>user\n'
            "{{- if $system }}\n"
            "{{ $system }}\n"
            '{{- $system = "" }}\n'
            "{{- end }}\n"
            '{{- else if eq .Role "assistant" }}<start_of_turn>model\n'
            "{{- end }}\n"
            "{{ .Content }}<end_of_turn>\n"
            "{{ end }}<start_of_turn>model\n"
        ),
        stop=("<start_of_turn>", "<end_of_turn>"),
    ),
    "mistral": OllamaTemplate(
        name="mistral-instruct",
        family="mistral",
        template=(
            "[INST] {{ range $index, $_ := .Messages }}\n"
            '{{- if eq .Role "system" }}{{ .Content }}\n\n'
            '{{ else if eq .Role "user" }}{{ .Content }}[/INST]\n'
            '{{- else if eq .Role "assistant" }} {{ .Content }}</s>[INST] {{ end }}\n'
            "{{- end }}"
        ),
        stop=("[INST]", "[/INST]"),
    ),
}


def ollama_template(family: Family) -> OllamaTemplate | None:
    """Ollama's built-in template for a family, or None for "other"/"none"."""
    return OLLAMA_TEMPLATES.get(family)
