"""What the planner must know about a model before sending it a prompt.

`ModelProfiles.get(model)` gathers, for a model on an engine: the tokenizer (exact from
the GGUF tokenizer arrays that `show(verbose=True)` returns, else a visible estimate),
the trained context length, the num_ctx configured in the model's parameters, the
server's default context, and how many tokens the chat template adds around the
messages. The static part is cached in memory per model digest; the server default is
asked each time, because it changes when the model is loaded or unloaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kodesk.core.engine import Engine
from kodesk.core.errors import Text
from kodesk.core.instruction_guard import instruction_warning
from kodesk.core.tokenizer import (
    EstimateTokenizer,
    Tokenizer,
    TokenizerUnavailable,
    cached_vocab_exists,
    tokenizer_from_model_info,
)
from kodesk.core.types import ModelDetails

#: The context Ollama uses when nothing else is known (v0.6.7+; VRAM-dependent from
#: v0.15.5, where 4096 is the smallest, so the conservative choice).
ASSUMED_SERVER_DEFAULT = 4096
_OLD_SERVER_DEFAULT = 2048  # up to v0.6.6

TokenizerLoader = Callable[[Mapping[str, Any], str], Tokenizer]


@dataclass(frozen=True)
class TemplateOverhead:
    """Tokens a chat template adds: `fixed` once per prompt, `per_message` for each message."""

    fixed: int
    per_message: int

    def tokens(self, messages: int) -> int:
        return self.fixed + self.per_message * messages


@dataclass(frozen=True)
class ModelProfile:
    model: str
    digest: str
    tokenizer: Tokenizer
    #: `<arch>.context_length` from the GGUF; None when the engine does not say.
    trained_context: int | None
    #: `num_ctx` from the model's own parameters (Modelfile), if set.
    configured_num_ctx: int | None
    #: What the server uses when a request names no num_ctx, and where that came from.
    server_default_ctx: int
    server_default_source: str
    overhead: TemplateOverhead
    model_info: Mapping[str, Any]
    #: Shown before every answer when the model cannot follow instructions (a base model).
    instruction_warning: Text | None = None

    @property
    def estimate(self) -> bool:
        """True when token counts are estimates (no exact tokenizer for this model)."""
        return self.tokenizer.is_estimate


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def server_default_for_version(version: str) -> tuple[int, str]:
    """Ollama's default num_ctx by version (see ollama-notes.md), and a label for it."""
    parsed = parse_version(version)
    if parsed is None:
        return ASSUMED_SERVER_DEFAULT, "assumed (unknown version)"
    if parsed <= (0, 6, 6):
        return _OLD_SERVER_DEFAULT, f"Ollama {version} default"
    if parsed >= (0, 15, 5):
        return ASSUMED_SERVER_DEFAULT, f"Ollama {version} default (VRAM-dependent, ≥4096)"
    return ASSUMED_SERVER_DEFAULT, f"Ollama {version} default"


_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_BLOCK_START = re.compile(r"^(if|range|with|define|block)\b")
_PROMPT_ONLY = re.compile(r"^\s*\{\{-?\s*\.Prompt\s*-?\}\}\s*$")
#: Role names, BOS and separators the template's actions print for each message.
_ROLE_TOKENS = 4
_BOS_AND_GENERATION = 2


def template_overhead(template: str, count: Callable[[str], int]) -> TemplateOverhead:
    """A conservative estimate of the tokens a Go chat template adds.

    The fixed text outside `{{ range .Messages }}` counts once; the fixed text inside
    it counts for every message. Every branch counts as taken (tool and system
    sections too), so the estimate errs on the large side.
    """
    if not template.strip() or _PROMPT_ONLY.match(template):
        return TemplateOverhead(fixed=1, per_message=1)
    outside: list[str] = []
    inside: list[str] = []
    depth = 0
    range_depth: int | None = None
    position = 0
    for match in _ACTION.finditer(template):
        (inside if range_depth is not None else outside).append(template[position : match.start()])
        position = match.end()
        action = match.group(1)
        if _BLOCK_START.match(action):
            depth += 1
            if range_depth is None and re.match(r"range\b.*\.Messages\b", action):
                range_depth = depth
        elif action == "end":
            if range_depth == depth:
                range_depth = None
            depth = max(0, depth - 1)
    outside.append(template[position:])
    fixed = _literal_tokens("".join(outside), count) + _BOS_AND_GENERATION + _ROLE_TOKENS
    per_message = _literal_tokens("".join(inside), count) + _ROLE_TOKENS
    return TemplateOverhead(fixed=fixed, per_message=per_message)


def _literal_tokens(text: str, count: Callable[[str], int]) -> int:
    return count(text) if text else 0


def kv_cache_bytes(
    model_info: Mapping[str, Any], num_ctx: int, *, bytes_per_value: int = 2
) -> int | None:
    """Memory the KV cache needs for `num_ctx` tokens (f16 by default), None if unknown.

    K and V each hold `n_head_kv × head_dim` values per layer per token. The head
    dimension is `<arch>.attention.key_length` when present, else the embedding
    length divided by the number of attention heads.
    """
    arch = model_info.get("general.architecture")
    if not isinstance(arch, str):
        return None

    def number(key: str) -> int | None:
        value = model_info.get(f"{arch}.{key}")
        if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
            return int(max(value))  # per-layer lists: take the largest, conservatively
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

    layers = number("block_count")
    heads = number("attention.head_count")
    kv_heads = number("attention.head_count_kv") or heads
    head_dim = number("attention.key_length")
    value_dim = number("attention.value_length") or head_dim
    if head_dim is None:
        embedding = number("embedding_length")
        if embedding is None or not heads:
            return None
        head_dim = value_dim = embedding // heads
    if not layers or not kv_heads or head_dim is None or value_dim is None:
        return None
    return layers * num_ctx * kv_heads * (head_dim + value_dim) * bytes_per_value


def configured_num_ctx(details: ModelDetails) -> int | None:
    values = details.parameter_values().get("num_ctx")
    if not values:
        return None
    try:
        return int(float(values[-1]))
    except ValueError:
        return None


class ModelProfiles:
    """Builds and caches `ModelProfile`s for one engine.

    `load_tokenizer(model_info, digest)` makes the exact tokenizer (default:
    `tokenizer_from_model_info`); when it fails, `estimate()` is used instead.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        load_tokenizer: TokenizerLoader | None = None,
        estimate: Callable[[], Tokenizer] = EstimateTokenizer,
        cache_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self._load = load_tokenizer or self._default_loader
        self._estimate = estimate
        self._cache_dir = cache_dir
        self._static: dict[str, ModelProfile] = {}
        self._version: str | None = None

    def _default_loader(self, model_info: Mapping[str, Any], digest: str) -> Tokenizer:
        return tokenizer_from_model_info(model_info, digest, cache_dir=self._cache_dir)

    async def get(self, model: str) -> ModelProfile:
        listed, digest = await self._listed(model)
        key = digest or f"name:{listed}"
        static = self._static.get(key)
        if static is None:
            static = await self._build(listed, digest)
            self._static[key] = static
        ctx, source = await self._server_default(model)
        return replace(static, model=model, server_default_ctx=ctx, server_default_source=source)

    async def _listed(self, model: str) -> tuple[str, str]:
        """The installed name (`x` is `x:latest`) and digest of `model`, if listed."""
        wanted = {model, model if ":" in model else f"{model}:latest"}
        for info in await self.engine.list_models():
            if info.name in wanted:
                return info.name, info.digest
        return model, ""

    async def _build(self, model: str, digest: str) -> ModelProfile:
        # The tokenizer arrays (megabytes) are only needed when the vocabulary of this
        # digest is not cached on disk yet.
        cached = cached_vocab_exists(self._cache_dir, digest)
        details = await self.engine.show(model, verbose=not cached)
        tokenizer = self._tokenizer(details.model_info, digest, cached=cached)
        if cached and tokenizer.is_estimate:  # the disk cache was unreadable after all
            details = await self.engine.show(model, verbose=True)
            tokenizer = self._tokenizer(details.model_info, digest, cached=False)
        overhead = template_overhead(
            details.template, lambda text: len(tokenizer.encode(text, add_special=False))
        )
        return ModelProfile(
            model=model,
            digest=digest,
            tokenizer=tokenizer,
            trained_context=details.context_length,
            configured_num_ctx=configured_num_ctx(details),
            server_default_ctx=ASSUMED_SERVER_DEFAULT,
            server_default_source="assumed",
            overhead=overhead,
            model_info=_without_arrays(details.model_info),
            instruction_warning=instruction_warning(details, self.engine.kind),
        )

    def _tokenizer(self, model_info: Mapping[str, Any], digest: str, *, cached: bool) -> Tokenizer:
        tokens = model_info.get("tokenizer.ggml.tokens")
        if cached or (isinstance(tokens, list) and tokens):
            try:
                return self._load(model_info, digest)
            except (TokenizerUnavailable, ValueError, KeyError):
                pass  # unsupported or damaged vocabulary: estimate, visibly
        return self._estimate()

    async def _server_default(self, model: str) -> tuple[int, str]:
        for loaded in await self.engine.list_loaded():
            if loaded.name in (model, f"{model}:latest") and loaded.context_length:
                return loaded.context_length, "loaded model (/api/ps)"
        if self.engine.kind != "ollama":
            return ASSUMED_SERVER_DEFAULT, "assumed"
        if self._version is None:
            self._version = await self.engine.version()
        return server_default_for_version(self._version)


def _without_arrays(model_info: Mapping[str, Any]) -> dict[str, Any]:
    """The model_info minus the (large) tokenizer arrays, for display and KV estimates."""
    return {k: v for k, v in model_info.items() if not isinstance(v, list) or len(v) < 64}
