"""Byte-level BPE vocabularies for tokenizer tests: trained at test time, written as GGUF.

`train_bpe` trains a real byte-level BPE (HF `tokenizers`, the same kind of training as
Llama-3's or Qwen's) on Korean and English text, so the merges look like a real
model's: frequent Hangul syllables become tokens, rare ones stay as UTF-8 bytes.
`write_bpe_gguf` stores it with `tests.gguf_factory` as `tokenizer.ggml.model = gpt2`
and the given `tokenizer.ggml.pre`, ready for llama.cpp (`vocab_only=True`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from kodesk.core.tokenizer.base import VocabTokenizer
from kodesk.core.tokenizer.loading import tokenizer_from_vocab
from kodesk.core.tokenizer.vocab import Vocab
from tests.gguf_factory import CONTROL, NORMAL, GGUFSpec, write_gguf

CORPUS_FILE = Path(__file__).parent / "data" / "tokenizer_corpus.json"

SPECIAL_TOKENS = (
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|im_start|>",
    "<|im_end|>",
)

_KOREAN = (
    "서울 시내 주요 도로가 출근 시간대에 극심한 정체를 보였다.",
    "정부는 내년 예산안을 국회에 제출하고 경제 활성화 방안을 발표했다.",
    "한국은행은 기준금리를 연 3.50%로 동결한다고 밝혔다.",
    "오늘은 날씨가 맑고 기온이 크게 올라 나들이 하기 좋겠습니다.",
    "이 기사는 인공지능 모델이 한국어 문장을 어떻게 처리하는지 설명한다.",
    "회의 결과를 세 줄로 요약해 주세요. 핵심 내용만 간단히 정리하면 됩니다.",
    "학생들은 도서관에서 시험 공부를 하며 밤늦게까지 남아 있었다.",
    "새로운 스마트폰은 배터리 성능과 카메라 화질이 크게 개선되었다.",
    '그는 "내일 다시 연락드리겠습니다"라고 말하고 전화를 끊었다.',
    "지난해 수출은 전년 대비 12.5% 증가해 사상 최대를 기록했다.",
)
_ENGLISH = (
    "The government announced a new economic plan on Tuesday.",
    "Please summarize the following article in three sentences.",
    "Large language models split text into tokens before processing it.",
    "It's a sunny day, and we're going to the park with the kids.",
    "The central bank kept its key interest rate unchanged at 3.5 percent.",
    "Researchers found that the new battery lasts twice as long.",
)


def training_text() -> list[str]:
    """Deterministic Korean + English lines (plus the parity corpus itself)."""
    lines = [f"{k} {e}" for k in _KOREAN for e in _ENGLISH]
    lines += [k + "\n" + k for k in _KOREAN] + list(_ENGLISH) * 5
    lines += json.loads(CORPUS_FILE.read_text(encoding="utf-8"))
    return lines


@dataclass(frozen=True)
class TrainedBpe:
    tokens: tuple[str, ...]
    merges: tuple[str, ...]


def train_bpe(vocab_size: int = 1200) -> TrainedBpe:
    """A byte-level BPE vocabulary (GPT-2 byte alphabet) with merges, specials last."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(training_text(), trainer)
    model = json.loads(tok.to_str())["model"]
    vocab: dict[str, int] = model["vocab"]
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    return TrainedBpe(tuple(tokens) + SPECIAL_TOKENS, tuple(merges))


def trained_bpe_tokenizer(name: str = "trained Korean/English BPE") -> VocabTokenizer:
    """kodesk's own tokenizer over the trained BPE vocabulary (no GGUF file needed)."""
    trained = train_bpe()
    n, s = len(trained.tokens), len(SPECIAL_TOKENS)
    vocab = Vocab(
        model="gpt2",
        pre="llama-bpe",
        tokens=list(trained.tokens),
        scores=[0.0] * n,
        token_types=[1] * (n - s) + [3] * s,
        merges=list(trained.merges),
        bos_id=n - s,
        eos_id=n - s + 1,
        unk_id=None,
        add_bos=True,
        add_eos=False,
        add_space_prefix=False,
    )
    return tokenizer_from_vocab(vocab, name)


def write_bpe_gguf(path: Path, bpe: TrainedBpe, pre: str, *, add_bos: bool | None = None) -> Path:
    """`bpe` as a Llama-architecture GGUF with byte-level BPE and pre-tokenizer `pre`."""
    n_normal = len(bpe.tokens) - len(SPECIAL_TOKENS)
    types = (NORMAL,) * n_normal + (CONTROL,) * len(SPECIAL_TOKENS)
    extra: dict[str, object] = {"tokenizer.ggml.pre": pre}
    if add_bos is not None:
        extra["tokenizer.ggml.add_bos_token"] = add_bos
    spec = GGUFSpec(
        architecture="llama",
        tokenizer_model="gpt2",
        tokens=bpe.tokens,
        token_types=types,
        merges=bpe.merges,
        special_ids={
            "bos": bpe.tokens.index("<|begin_of_text|>"),
            "eos": bpe.tokens.index("<|end_of_text|>"),
            "eot": bpe.tokens.index("<|eot_id|>"),
        },
        extra_metadata=extra,
    )
    return write_gguf(path, spec)


def real_gemma(base: Path) -> Path:
    """The real Gemma 3 270M GGUF, assembled once per test session under `base`
    (`tmp_path_factory.getbasetemp()`); later calls only re-check its digest."""
    from tests.gguf_factory import assemble_real_gemma

    folder = base / "real-gemma"
    folder.mkdir(exist_ok=True)
    return assemble_real_gemma(folder)


def load_corpus() -> list[str]:
    corpus: list[str] = json.loads(CORPUS_FILE.read_text(encoding="utf-8"))
    return corpus
