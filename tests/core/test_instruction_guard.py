"""The base-model guard: from `show`'s answer (Ollama or the embedded engine) to a warning
with the fix, checked on made-up details and on the real built-in Gemma 3 270M."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kodesk.core.chat_templates import OLLAMA_TEMPLATES, OllamaTemplate
from kodesk.core.gguf_info import inspect_gguf
from kodesk.core.instruction_guard import (
    OLLAMA_RECOMMENDED,
    instruction_warning,
    is_prompt_only,
    judge,
)
from kodesk.core.types import ModelDetails
from kodesk.engines.embedded import create_embedded_engine

LLAMA3_JINJA = (
    "{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>"
    "\n\n{{ message['content'] }}<|eot_id|>{% endfor %}"
)


@pytest.mark.parametrize("template", ["{{ .Prompt }}", "{{- .Prompt -}}\n", "  ", ""])
def test_ollama_prompt_only_template_cannot_follow(template: str) -> None:
    details = ModelDetails("llama3-ko-base", template=template, capabilities=("completion",))
    verdict = judge(details, "ollama")
    assert not verdict.follows_instructions
    assert verdict.reason == "prompt_only_template"
    warning = instruction_warning(details, "ollama")
    assert warning is not None
    assert "llama3-ko-base" in warning.en and "{{ .Prompt }}" in warning.en
    assert f"ollama pull {OLLAMA_RECOMMENDED}" in warning.ko
    assert f"ollama pull {OLLAMA_RECOMMENDED}" in warning.en
    assert "지시를 따르지 못할" in warning.ko


@pytest.mark.parametrize("template", list(OLLAMA_TEMPLATES.values()), ids=lambda t: t.name)
def test_ollama_chat_templates_pass(template: OllamaTemplate) -> None:
    details = ModelDetails(
        "exaone3.5:2.4b", template=template.template, capabilities=("completion",)
    )
    assert judge(details, "ollama").follows_instructions
    assert instruction_warning(details, "ollama") is None


def test_embedding_model_cannot_answer() -> None:
    details = ModelDetails("nomic-embed-text", template="", capabilities=("embedding",))
    verdict = judge(details, "ollama")
    assert verdict.reason == "not_generative"
    assert verdict.message is not None and "embedding" in verdict.message.en


def test_embedded_gguf_with_and_without_chat_template() -> None:
    base = ModelDetails("ko-base", template="", capabilities=("completion",))
    chat = ModelDetails("ko-chat", template=LLAMA3_JINJA, capabilities=("completion",))
    verdict = judge(base, "embedded")
    assert verdict.reason == "no_chat_template"
    warning = verdict.warning()
    assert warning is not None
    assert "kodesk models --recommended" in warning.en
    assert "설정 → 모델 → 추천 한국어 모델" in warning.ko
    assert "ollama pull" not in warning.en  # the embedded engine cannot pull
    assert instruction_warning(chat, "embedded") is None


def test_nothing_known_means_no_warning() -> None:
    assert instruction_warning(None, "ollama") is None


def test_prompt_only_is_exact() -> None:
    assert is_prompt_only("{{ .Prompt }}")
    assert not is_prompt_only("{{ .System }}\n{{ .Prompt }}<|eot_id|>")
    assert not is_prompt_only(OLLAMA_TEMPLATES["chatml"].template)


@pytest.mark.slow
def test_the_built_in_gemma_is_a_base_model(tmp_path: Path) -> None:
    """The real built-in model, through the embedded engine's own `show` (its GGUF header)."""

    async def details() -> tuple[ModelDetails, Path]:
        engine = create_embedded_engine(
            gguf=None, models_dir=tmp_path / "models", cache_dir=tmp_path / "cache"
        )
        try:
            name = engine.catalog.default_name()
            assert name is not None and "gemma" in name
            shown = await engine.show(name)
            return shown, await engine.catalog.path_of(engine.catalog.find(name))
        finally:
            await engine.aclose()

    shown, path = asyncio.run(details())
    info = inspect_gguf(path)
    assert info.architecture == "gemma3"
    assert info.chat_template is None and not info.has_chat_template
    verdict = judge(shown, "embedded")
    assert not verdict.follows_instructions and verdict.reason == "no_chat_template"
    warning = instruction_warning(shown, "embedded")
    assert warning is not None
    assert "cannot follow instructions" in warning.en
    assert "지시를 따르지 못하는" in warning.ko
