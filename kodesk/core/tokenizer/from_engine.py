"""The tokenizer of a model an engine serves (Ollama: `/api/show` with verbose on).

The vocabulary is fetched once per model digest and kept in `cache_dir`; later calls
only list the models to learn the digest. Used by `kodesk tokens` and by the app when
it plans a prompt.
"""

from __future__ import annotations

from pathlib import Path

from kodesk.core.engine import Engine
from kodesk.core.errors import KodeskError
from kodesk.core.tokenizer.base import Tokenizer
from kodesk.core.tokenizer.estimate import EstimateTokenizer
from kodesk.core.tokenizer.loading import cached_vocab_exists, tokenizer_from_model_info


async def tokenizer_for_model(
    engine: Engine, model: str, cache_dir: str | Path | None
) -> Tokenizer:
    """The exact tokenizer of `model`; raises a `KodeskError` (unreachable server,
    unknown model, missing or unsupported vocabulary)."""
    installed = {m.name: m.digest for m in await engine.list_models()}
    name = model if model in installed or ":" in model else f"{model}:latest"
    digest = installed.get(name, "")
    if digest and cached_vocab_exists(cache_dir, digest):
        return tokenizer_from_model_info({}, digest, cache_dir, name=model)
    details = await engine.show(name if name in installed else model, verbose=True)
    return tokenizer_from_model_info(details.model_info, digest, cache_dir, name=model)


async def tokenizer_or_estimate(
    engine: Engine, model: str, cache_dir: str | Path | None
) -> tuple[Tokenizer, str]:
    """Like `tokenizer_for_model`, but falls back to `EstimateTokenizer`, with the reason
    (empty when the tokenizer is exact)."""
    try:
        return await tokenizer_for_model(engine, model, cache_dir), ""
    except KodeskError as exc:
        return EstimateTokenizer(), f"estimate — {exc.message('en')}"
