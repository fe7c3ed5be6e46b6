"""Chat template families for Jinja and Go templates, and Ollama's template table."""

from __future__ import annotations

import pytest

from kodesk.core.chat_templates import (
    OLLAMA_TEMPLATES,
    family_from_name,
    ollama_template,
    template_family,
    template_tokens,
    vocab_family,
)
from kodesk.core.modelfile import parse_modelfile
from tests.core.modelfile_fixtures import COMMUNITY_LLAMA3_KO
from tests.gguf_factory import preset


@pytest.mark.parametrize("family", ["llama3", "chatml", "gemma", "mistral"])
def test_jinja_templates_of_each_family(family: str) -> None:
    assert template_family(preset(family).chat_template) == family


@pytest.mark.parametrize("family", ["llama3", "chatml", "gemma", "mistral"])
def test_ollama_go_templates_are_recognised(family: str) -> None:
    template = OLLAMA_TEMPLATES[family]  # type: ignore[index]
    assert template_family(template.template) == family
    assert set(template.stop) <= set(template_tokens(template.template)) | {"[INST]"}


def test_go_template_from_a_modelfile() -> None:
    assert template_family("{{ .Prompt }}") == "other"
    assert template_family(parse_modelfile(COMMUNITY_LLAMA3_KO).template) == "other"
    assert (
        template_family("{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>{{ end }}")
        == "chatml"
    )


@pytest.mark.parametrize("template", [None, "", "  \n"])
def test_no_template(template: str | None) -> None:
    assert template_family(template) == "none"


def test_ollama_template_table() -> None:
    assert ollama_template("llama3").name == "llama3-instruct"  # type: ignore[union-attr]
    assert ollama_template("gemma").stop == ("<start_of_turn>", "<end_of_turn>")  # type: ignore[union-attr]
    assert ollama_template("chatml").stop == ("<|im_start|>", "<|im_end|>")  # type: ignore[union-attr]
    assert ollama_template("other") is None and ollama_template("none") is None


def test_vocab_family() -> None:
    assert vocab_family(preset("llama3").tokens) == "llama3"
    assert vocab_family({"<start_of_turn>", "<end_of_turn>", "<bos>"}) == "gemma"
    assert vocab_family({"<start_of_turn>"}) is None
    assert vocab_family({"<s>", "</s>"}) is None


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Llama-3-Open-Ko-8B-Q8_0.gguf", "llama3"),
        ("llama3.1:8b", "llama3"),
        ("llama-3-Korean-Bllossom-8B", "llama3"),
        ("EEVE-Korean-Instruct-10.8B-v1.0-Q4_K_M.gguf", "other"),
        ("exaone3.5:7.8b", "other"),
        ("qwen2.5:7b", "chatml"),
        ("gemma-3-270m-q4_k_m.gguf", "gemma"),
        ("mistral:7b", "mistral"),
        ("model.gguf", None),
    ],
)
def test_family_from_name(name: str, family: str | None) -> None:
    assert family_from_name(name) == family


def test_template_tokens() -> None:
    assert template_tokens(parse_modelfile(COMMUNITY_LLAMA3_KO).template or "") == ["<s>", "</s>"]
    assert template_tokens("[INST] {{ .Prompt }} [/INST]<|eot_id|>") == [
        "[INST]",
        "[/INST]",
        "<|eot_id|>",
    ]
    assert template_tokens("a < b > c") == []
