"""The tokenizer of a model served by an engine (vocabulary from `show(verbose=True)`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kodesk.core.errors import EngineUnreachable
from kodesk.core.gguf_info import read_metadata
from kodesk.core.tokenizer import (
    TOKENIZER_KEYS,
    tokenizer_for_model,
    tokenizer_from_gguf,
    tokenizer_or_estimate,
)
from kodesk.core.types import ModelDetails, ModelInfo
from tests.conftest import run_async
from tests.core.tokenizer_ggufs import train_bpe, write_bpe_gguf


class ShowOnlyEngine:
    """The two calls the tokenizer needs, recorded; `down` makes both fail."""

    def __init__(self, models: dict[str, tuple[str, dict[str, Any]]], down: bool = False):
        self.models = models
        self.down = down
        self.shows: list[tuple[str, bool]] = []

    async def list_models(self) -> list[ModelInfo]:
        if self.down:
            raise EngineUnreachable("http://127.0.0.1:9")
        return [ModelInfo(name=n, digest=d) for n, (d, _) in self.models.items()]

    async def show(self, model: str, *, verbose: bool = False) -> ModelDetails:
        self.shows.append((model, verbose))
        _, info = self.models[model]
        return ModelDetails(name=model, model_info=info if verbose else {})


@pytest.fixture(scope="module")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bpe_gguf(tmp_path_factory.mktemp("bpe") / "m.gguf", train_bpe(), "qwen2")


@pytest.fixture
def engine(gguf: Path) -> ShowOnlyEngine:
    info = json.loads(json.dumps(read_metadata(gguf, TOKENIZER_KEYS)))
    return ShowOnlyEngine(
        {
            "qwen-ko:latest": ("c" * 64, info),
            "novocab:7b": ("d" * 64, {"general.architecture": "x"}),
        }
    )


def test_vocabulary_is_fetched_once_then_cached(
    engine: ShowOnlyEngine, gguf: Path, tmp_path: Path
) -> None:
    tok = run_async(tokenizer_for_model(engine, "qwen-ko", tmp_path))
    assert engine.shows == [("qwen-ko:latest", True)]
    assert tok.encode("서울 날씨 3.5%") == tokenizer_from_gguf(gguf).encode("서울 날씨 3.5%")
    assert tok.name == "qwen-ko"
    again = run_async(tokenizer_for_model(engine, "qwen-ko:latest", tmp_path))
    assert engine.shows == [("qwen-ko:latest", True)]
    assert again.count("서울") == tok.count("서울")


def test_fallbacks_name_their_reason(engine: ShowOnlyEngine, tmp_path: Path) -> None:
    tok, note = run_async(tokenizer_or_estimate(engine, "novocab:7b", tmp_path))
    assert tok.is_estimate and "tokenizer.ggml.tokens" in note
    engine.down = True
    tok, note = run_async(tokenizer_or_estimate(engine, "qwen-ko", tmp_path))
    assert tok.is_estimate and "not reachable" in note
    engine.down = False
    tok, note = run_async(tokenizer_or_estimate(engine, "qwen-ko", tmp_path))
    assert not tok.is_estimate and note == ""
