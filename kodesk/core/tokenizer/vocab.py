"""A model's vocabulary as llama.cpp reads it from the GGUF `tokenizer.ggml.*` keys.

The same keys come from a GGUF file and from Ollama's `/api/show` (`model_info`, with
`verbose: true`), so one builder serves both. Defaults follow `llama_vocab::load`:
SentencePiece (`llama`) vocabularies default to BOS id 1, EOS 2, UNK 0, a BOS token
and a leading space; byte-level BPE (`gpt2`) ones to BOS/EOS 11, no BOS (the Llama-3
pre-tokenizer turns it on) and no leading space. Explicit keys win.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from kodesk.core.errors import KodeskError, Text
from kodesk.core.tokenizer.pretokenize import UnknownPreTokenizer, pre_tokenizer

KEY_PREFIX = "tokenizer.ggml."

#: The metadata keys a tokenizer needs (the arrays are the large ones).
TOKENIZER_KEYS: tuple[str, ...] = tuple(
    KEY_PREFIX + k
    for k in (
        "model",
        "pre",
        "tokens",
        "scores",
        "token_type",
        "merges",
        "bos_token_id",
        "eos_token_id",
        "unknown_token_id",
        "add_bos_token",
        "add_eos_token",
        "add_space_prefix",
    )
)

SUPPORTED_MODELS = ("llama", "gpt2")


class TokenizerUnavailable(KodeskError):
    """The model's vocabulary is missing or of a kind kodesk cannot tokenize exactly."""

    code = "tokenizer"

    def __init__(self, detail_en: str, detail_ko: str) -> None:
        super().__init__(
            Text(
                ko=f"이 모델의 토크나이저를 쓸 수 없습니다: {detail_ko}",
                en=f"This model's tokenizer cannot be used: {detail_en}",
            ),
            Text(
                ko="토큰 수는 추정값으로 계산됩니다(실제보다 조금 많게 셉니다).",
                en="Token counts fall back to an estimate (which errs on the high side).",
            ),
        )


@dataclass(frozen=True)
class Vocab:
    """Everything the tokenizers need; plain data so it can be cached on disk."""

    model: str
    pre: str
    tokens: list[str]
    scores: list[float]
    token_types: list[int]
    merges: list[str]
    bos_id: int | None
    eos_id: int | None
    unk_id: int | None
    add_bos: bool
    add_eos: bool
    add_space_prefix: bool

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> Vocab:
        """Build from GGUF-style keys; raises `TokenizerUnavailable` when unusable."""
        model = str(meta.get(KEY_PREFIX + "model") or "")
        tokens = meta.get(KEY_PREFIX + "tokens")
        if not tokens:
            raise TokenizerUnavailable(
                "the vocabulary (tokenizer.ggml.tokens) is missing",
                "어휘 목록(tokenizer.ggml.tokens)이 없습니다",
            )
        if model not in SUPPORTED_MODELS:
            raise TokenizerUnavailable(
                f"tokenizer type {model!r} is not supported (only llama/SentencePiece and "
                "gpt2/byte-level BPE)",
                f"토크나이저 종류 {model!r}는 지원하지 않습니다 (llama, gpt2만 지원)",
            )
        n = len(tokens)
        pre = str(meta.get(KEY_PREFIX + "pre") or "")
        spm = model == "llama"
        add_bos, add_space_prefix = spm, spm
        if not spm:
            try:
                add_bos = pre_tokenizer(pre).add_bos
            except UnknownPreTokenizer:
                raise TokenizerUnavailable(
                    f"pre-tokenizer {pre!r} is not supported",
                    f"프리토크나이저 {pre!r}는 지원하지 않습니다",
                ) from None
        scores = meta.get(KEY_PREFIX + "scores") or [0.0] * n
        types = meta.get(KEY_PREFIX + "token_type") or [1] * n
        if len(scores) < n or len(types) < n:
            raise TokenizerUnavailable(
                "scores or token types are shorter than the vocabulary",
                "점수 또는 토큰 종류 배열이 어휘보다 짧습니다",
            )
        return cls(
            model=model,
            pre=pre,
            tokens=[str(t) for t in tokens],
            scores=[float(s) for s in scores[:n]],
            token_types=[int(t) for t in types[:n]],
            merges=[str(m) for m in meta.get(KEY_PREFIX + "merges") or []],
            bos_id=_special_id(meta, "bos_token_id", 1 if spm else 11, n),
            eos_id=_special_id(meta, "eos_token_id", 2 if spm else 11, n),
            unk_id=_special_id(meta, "unknown_token_id", 0 if spm else None, n),
            add_bos=_flag(meta, "add_bos_token", add_bos),
            add_eos=_flag(meta, "add_eos_token", False),
            add_space_prefix=_flag(meta, "add_space_prefix", add_space_prefix),
        )

    def to_record(self) -> dict[str, Any]:
        """Plain data for `marshal`, with the big lists packed so they load fast."""
        record = asdict(self)
        record["tokens"] = _pack_strings(self.tokens)
        record["merges"] = _pack_strings(self.merges)
        record["scores"] = array("f", self.scores).tobytes()
        record["token_types"] = array("i", self.token_types).tobytes()
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Vocab:
        fields = dict(record)
        fields["tokens"] = _unpack_strings(record["tokens"])
        fields["merges"] = _unpack_strings(record["merges"])
        scores, types = array("f"), array("i")
        scores.frombytes(record["scores"])
        types.frombytes(record["token_types"])
        fields["scores"], fields["token_types"] = scores.tolist(), types.tolist()
        return cls(**fields)


_SEP = "\x00"


def _pack_strings(items: list[str]) -> str | list[str]:
    """One NUL-joined string (a list when an item holds a NUL itself)."""
    if not items:
        return []
    joined = _SEP.join(items)
    return items if joined.count(_SEP) != len(items) - 1 else joined


def _unpack_strings(packed: str | list[str]) -> list[str]:
    return packed.split(_SEP) if isinstance(packed, str) else list(packed)


def _special_id(meta: Mapping[str, Any], key: str, default: int | None, n: int) -> int | None:
    value = meta.get(KEY_PREFIX + key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n:
        return value
    return default if default is not None and default < n else None


def _flag(meta: Mapping[str, Any], key: str, default: bool) -> bool:
    value = meta.get(KEY_PREFIX + key)
    return value if isinstance(value, bool) else default
