"""Model profiles: what the planner learns about a model, and the KV-cache estimate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kodesk.core.gguf_info import read_metadata
from kodesk.core.model_profile import (
    ASSUMED_SERVER_DEFAULT,
    ModelProfile,
    ModelProfiles,
    TemplateOverhead,
    configured_num_ctx,
    kv_cache_bytes,
    server_default_for_version,
    template_overhead,
)
from kodesk.core.tokenizer import TOKENIZER_KEYS
from kodesk.core.types import ModelDetails
from kodesk.engines.ollama_engine import OllamaEngine
from tests.conftest import run_async
from tests.core.tokenizer_ggufs import train_bpe, write_bpe_gguf
from tests.fake_ollama import FakeOllama

CHATML = (
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n"
    "{{ end }}<|im_start|>assistant\n"
)
LLAMA3 = (
    "{{- if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}"
    "<|eot_id|>{{- end }}{{- range .Messages }}<|start_header_id|>{{ .Role }}"
    "<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{- end }}"
    "<|start_header_id|>assistant<|end_header_id|>\n\n"
)


def chars(text: str) -> int:
    return len(text)


def test_prompt_only_templates_add_almost_nothing() -> None:
    assert template_overhead("{{ .Prompt }}", chars) == TemplateOverhead(1, 1)
    assert template_overhead("", chars) == TemplateOverhead(1, 1)


def test_the_text_inside_the_message_loop_counts_per_message() -> None:
    overhead = template_overhead(CHATML, chars)
    inside = len("<|im_start|>\n<|im_end|>\n")
    outside = len("<|im_start|>assistant\n")
    assert overhead.per_message == inside + 4
    assert overhead.fixed == outside + 6
    assert overhead.tokens(2) == overhead.fixed + 2 * overhead.per_message


def test_conditional_sections_count_as_taken() -> None:
    overhead = template_overhead(LLAMA3, chars)
    assert overhead.fixed > len("<|start_header_id|>system<|end_header_id|>")
    assert overhead.per_message >= len("<|start_header_id|><|end_header_id|>\n\n<|eot_id|>")


@pytest.mark.parametrize(
    ("version", "ctx"),
    [
        ("0.6.6", 2048),
        ("0.5.12", 2048),
        ("0.6.7", 4096),
        ("0.12.3", 4096),
        ("0.15.5", 4096),
        ("0.33.1", 4096),
        ("unknown", ASSUMED_SERVER_DEFAULT),
    ],
)
def test_server_default_by_version(version: str, ctx: int) -> None:
    assert server_default_for_version(version)[0] == ctx


def test_configured_num_ctx_comes_from_the_parameters_text() -> None:
    assert configured_num_ctx(ModelDetails("m", parameters='num_ctx 8192\nstop "<s>"')) == 8192
    assert configured_num_ctx(ModelDetails("m", parameters="temperature 0.2")) is None


def test_kv_cache_of_a_llama3_8b_at_8k_is_one_gib() -> None:
    info = {
        "general.architecture": "llama",
        "llama.block_count": 32,
        "llama.attention.head_count": 32,
        "llama.attention.head_count_kv": 8,
        "llama.embedding_length": 4096,
    }
    assert kv_cache_bytes(info, 8192) == 1 << 30
    assert kv_cache_bytes(info, 16384) == 2 << 30
    assert kv_cache_bytes(info, 8192, bytes_per_value=1) == 1 << 29


def test_kv_cache_uses_key_length_and_per_layer_lists() -> None:
    info = {
        "general.architecture": "gemma3",
        "gemma3.block_count": 18,
        "gemma3.attention.head_count": 4,
        "gemma3.attention.head_count_kv": [1] * 18,
        "gemma3.attention.key_length": 256,
        "gemma3.attention.value_length": 256,
        "gemma3.embedding_length": 640,
    }
    assert kv_cache_bytes(info, 1000) == 18 * 1000 * 1 * 512 * 2


def test_kv_cache_is_unknown_without_the_keys() -> None:
    assert kv_cache_bytes({}, 4096) is None
    assert kv_cache_bytes({"general.architecture": "llama"}, 4096) is None


def profile_of(fake: FakeOllama, model: str, tmp_path: Path, times: int = 1) -> list[ModelProfile]:
    async def go() -> list[ModelProfile]:
        engine = OllamaEngine(fake.url)
        try:
            profiles = ModelProfiles(engine, cache_dir=tmp_path)
            return [await profiles.get(model) for _ in range(times)]
        finally:
            await engine.aclose()

    return run_async(go())


def test_a_profile_without_vocabulary_is_a_visible_estimate(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    model = fake_ollama.models["exaone3.5:2.4b"]
    model.parameters = "num_ctx 6144"
    model.template = CHATML
    [profile] = profile_of(fake_ollama, "exaone3.5:2.4b", tmp_path)
    assert profile.estimate is True
    assert profile.trained_context == 32768
    assert profile.configured_num_ctx == 6144
    assert profile.server_default_ctx == 4096
    assert "0.33.1" in profile.server_default_source
    assert profile.overhead.per_message > 4


def test_profiles_are_cached_per_digest_but_the_server_default_is_fresh(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.loaded["exaone3.5:2.4b"] = 12288
    first, second = profile_of(fake_ollama, "exaone3.5:2.4b", tmp_path, times=2)
    shows = [r for r in fake_ollama.requests if r.path == "/api/show"]
    assert len(shows) == 1 and shows[0].body["verbose"] is True
    assert first.server_default_ctx == second.server_default_ctx == 12288
    assert second.server_default_source == "loaded model (/api/ps)"


@pytest.fixture(scope="module")
def bpe_info(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    gguf = write_bpe_gguf(tmp_path_factory.mktemp("bpe") / "ko-bpe.gguf", train_bpe(), "llama-bpe")
    info: dict[str, Any] = json.loads(json.dumps(read_metadata(gguf, TOKENIZER_KEYS)))
    return info


def test_an_exact_vocabulary_is_read_once_then_from_the_disk_cache(
    fake_ollama: FakeOllama, bpe_info: dict[str, Any], tmp_path: Path
) -> None:
    fake_ollama.add_model(
        "ko-bpe:latest", architecture="llama", digest="b" * 64, verbose_info=bpe_info
    )
    [first] = profile_of(fake_ollama, "ko-bpe", tmp_path)
    [second] = profile_of(fake_ollama, "ko-bpe", tmp_path)  # a new session, same cache
    assert not first.estimate and not second.estimate
    shows = [r.body["verbose"] for r in fake_ollama.requests if r.path == "/api/show"]
    assert shows == [True, False]
    assert first.tokenizer.encode("한국어 문장") == second.tokenizer.encode("한국어 문장")


def test_an_unreadable_disk_cache_asks_for_the_vocabulary_again(
    fake_ollama: FakeOllama,
    bpe_info: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_ollama.add_model(
        "ko-bpe:latest", architecture="llama", digest="b" * 64, verbose_info=bpe_info
    )
    monkeypatch.setattr("kodesk.core.model_profile.cached_vocab_exists", lambda *a: True)
    [profile] = profile_of(fake_ollama, "ko-bpe", tmp_path / "empty")
    assert not profile.estimate
    shows = [r.body["verbose"] for r in fake_ollama.requests if r.path == "/api/show"]
    assert shows == [False, True]
