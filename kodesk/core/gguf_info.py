"""What a GGUF model file is: architecture, size, quantization, context, tokenizer, chat template.

`inspect_gguf` reads only the header (see `gguf_header`), so it takes well under a
second even for a multi-gigabyte file, and a malformed, truncated or hostile file
raises `GGUFError` in bounded time and memory.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gguf.constants import TokenType

from kodesk.core.chat_templates import Family, template_family
from kodesk.core.gguf_budget import DEFAULT_LIMITS, GGUFLimits
from kodesk.core.gguf_header import (
    GGUFError,
    GGUFHeader,
    read_array_items,
    read_header,
    read_metadata,
)
from kodesk.core.quantization import (
    QuantizationInfo,
    describe_quantization,
    file_type_name,
    tensor_type_name,
)

__all__ = ["GGUFError", "GGUFInfo", "GGUFLimits", "inspect_gguf", "read_metadata"]

TOKENS_KEY = "tokenizer.ggml.tokens"
TOKEN_TYPE_KEY = "tokenizer.ggml.token_type"
CHAT_TEMPLATE_KEY = "tokenizer.chat_template"

#: Role → metadata key of the special token ids worth showing.
SPECIAL_TOKEN_KEYS: dict[str, str] = {
    "bos": "tokenizer.ggml.bos_token_id",
    "eos": "tokenizer.ggml.eos_token_id",
    "eot": "tokenizer.ggml.eot_token_id",
    "eom": "tokenizer.ggml.eom_token_id",
    "unk": "tokenizer.ggml.unknown_token_id",
    "sep": "tokenizer.ggml.seperator_token_id",
    "pad": "tokenizer.ggml.padding_token_id",
    "mask": "tokenizer.ggml.mask_token_id",
}

#: Token types that mark a token as special (never produced by splitting plain text).
_SPECIAL_TYPES = frozenset({int(TokenType.CONTROL), int(TokenType.USER_DEFINED)})


@dataclass(frozen=True)
class GGUFInfo:
    """A GGUF file, described from its header.

    `special_tokens`: role ("bos", "eos", "eot", …) → (token id, token text or None
    when the id is outside the vocabulary). `control_tokens`: the text of every
    control or user-defined token (`<|eot_id|>`, `<start_of_turn>`, …).
    `bits_per_weight`: measured over all tensors (nominal figures: `quantization`).
    `metadata`: every scalar and string key (arrays are left out).
    """

    path: str
    file_size: int
    architecture: str | None
    name: str | None
    size_label: str | None
    parameter_count: int
    file_type: int | None
    quantization: str | None
    bits_per_weight: float | None
    context_length: int | None
    tokenizer_model: str | None
    vocab_size: int | None
    special_tokens: Mapping[str, tuple[int, str | None]]
    control_tokens: frozenset[str]
    chat_template: str | None
    chat_template_family: Family
    metadata: Mapping[str, Any] = field(repr=False)

    @property
    def has_chat_template(self) -> bool:
        return self.chat_template_family != "none"

    def quantization_info(self) -> QuantizationInfo | None:
        if self.quantization is None:
            return None
        return describe_quantization(self.quantization, file_size=self.file_size)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what `kodesk gguf --json` prints)."""
        quant = self.quantization_info()
        return {
            "path": self.path,
            "file_size": self.file_size,
            "architecture": self.architecture,
            "name": self.name,
            "size_label": self.size_label,
            "parameter_count": self.parameter_count,
            "file_type": self.file_type,
            "quantization": self.quantization,
            "bits_per_weight": (
                None if self.bits_per_weight is None else round(self.bits_per_weight, 3)
            ),
            "quantization_explanation": (
                None if quant is None else {"ko": quant.explanation.ko, "en": quant.explanation.en}
            ),
            "context_length": self.context_length,
            "tokenizer_model": self.tokenizer_model,
            "vocab_size": self.vocab_size,
            "special_tokens": {
                role: {"id": token_id, "text": text}
                for role, (token_id, text) in self.special_tokens.items()
            },
            "chat_template_family": (
                None if self.chat_template_family == "none" else self.chat_template_family
            ),
            "chat_template": self.chat_template,
        }


def inspect_gguf(path: str | Path, limits: GGUFLimits = DEFAULT_LIMITS) -> GGUFInfo:
    """Describe the GGUF file at `path` from its header. Raises `GGUFError`."""
    header = read_header(path, arrays=(TOKEN_TYPE_KEY,), tensors=True, limits=limits)
    meta = header.metadata
    arch = _str(meta.get("general.architecture"))
    ids = {role: meta[key] for role, key in SPECIAL_TOKEN_KEYS.items() if _is_int(meta.get(key))}
    tokens_ref = header.arrays.get(TOKENS_KEY)
    token_types = meta.get(TOKEN_TYPE_KEY)
    vocab = tokens_ref.length if tokens_ref else 0  # types past the vocabulary name no text
    special_indices = (
        {
            i
            for i, kind in enumerate(itertools.islice(token_types, vocab))
            if _is_int(kind) and kind in _SPECIAL_TYPES
        }
        if isinstance(token_types, list)
        else set()
    )
    texts = _token_texts(header, set(ids.values()) | special_indices)
    parameter_count = sum(t.n_elements for t in header.tensors)
    tensor_bytes = [t.n_bytes for t in header.tensors]
    bits = (
        sum(b for b in tensor_bytes if b is not None) * 8 / parameter_count
        if parameter_count and None not in tensor_bytes
        else None
    )
    file_type = meta.get("general.file_type")
    file_type = file_type if _is_int(file_type) else None
    template = _str(meta.get(CHAT_TEMPLATE_KEY))
    context = meta.get(f"{arch}.context_length") if arch else None
    return GGUFInfo(
        path=str(path),
        file_size=header.file_size,
        architecture=arch,
        name=_str(meta.get("general.name")),
        size_label=_str(meta.get("general.size_label")),
        parameter_count=parameter_count,
        file_type=file_type,
        quantization=file_type_name(file_type)
        if file_type is not None
        else _dominant_tensor_type(header),
        bits_per_weight=bits,
        context_length=context if _is_int(context) else None,
        tokenizer_model=_str(meta.get("tokenizer.ggml.model")),
        vocab_size=tokens_ref.length if tokens_ref else None,
        special_tokens={role: (token_id, texts.get(token_id)) for role, token_id in ids.items()},
        control_tokens=frozenset(texts[i] for i in special_indices if i in texts),
        chat_template=template,
        chat_template_family=template_family(template),
        metadata={k: v for k, v in meta.items() if not isinstance(v, list)},
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _token_texts(header: GGUFHeader, indices: set[int]) -> dict[int, str]:
    ref = header.arrays.get(TOKENS_KEY)
    if ref is None or not indices:
        return {}
    items = read_array_items(header.path, ref, indices)
    return {i: text for i, text in items.items() if isinstance(text, str)}


def _dominant_tensor_type(header: GGUFHeader) -> str | None:
    """The tensor type holding most weights of the matrices, for files without file_type."""
    weights: Counter[int] = Counter()
    for tensor in header.tensors:
        if len(tensor.shape) >= 2:
            weights[tensor.ggml_type] += tensor.n_elements
    if not weights:
        return None
    return tensor_type_name(weights.most_common(1)[0][0])
