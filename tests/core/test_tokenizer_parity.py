"""The same token ids as llama.cpp's own tokenizer (llama-cpp-python, `vocab_only`).

Vocabularies: the real Gemma 3 GGUF (SentencePiece, no leading space), the same
vocabulary with `add_space_prefix` on (how Llama-2, SOLAR and EEVE are set up), and a
byte-level BPE trained at test time, written with each supported pre-tokenizer.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from kodesk.core.gguf_info import read_metadata
from kodesk.core.tokenizer import TOKENIZER_KEYS, tokenizer_from_gguf
from kodesk.core.tokenizer.base import VocabTokenizer
from tests.core.tokenizer_ggufs import load_corpus, real_gemma, train_bpe, write_bpe_gguf
from tests.gguf_factory import GGUFSpec, write_gguf

CORPUS = load_corpus()
MODES = [(True, True), (False, True), (True, False), (False, False)]


def _random_texts(seed: int, count: int) -> list[str]:
    """Mixed-script strings built from the corpus' characters and special-token text."""
    rng = random.Random(seed)
    alphabet = sorted(set("".join(CORPUS)))
    words = [w for line in CORPUS for w in line.split(" ") if w]
    # "> " and "▁" exercise the SentencePiece cut (Gemma never cuts between ">" and "▁").
    pieces = [
        "<start_of_turn>",
        "<|eot_id|>",
        "<bos>",
        "  ",
        "\n\n",
        "\t",
        " ",
        "'s",
        "<0x41>",
        "> ",
        "<table> ",
        "\u2581",
        "\u2581\u2581",
        "'LL",
        "'Ve",
        *"\r\x0b\x0c\x1c\x85\xa0\u2000\u2028\u3000\u200b\u00ad０１٣४",
        *"ⓐ①Ⅷ½²µßÆ\u0301\u1100\u1161\u11a8👍🏽\U000e0001\ue000\U0010fffd",
    ]
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 25)):
            kind = rng.random()
            if kind < 0.5:
                parts.append(rng.choice(words))
            elif kind < 0.8:
                parts.append("".join(rng.choices(alphabet, k=rng.randint(1, 6))))
            else:
                parts.append(rng.choice(pieces))
        out.append("".join(parts))
    return out


RANDOM = _random_texts(20261129, 150)


class Reference:
    def __init__(self, llama_cpp: ModuleType, path: Path) -> None:
        self.llm = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)

    def ids(self, text: str, add_special: bool, parse_special: bool) -> list[int]:
        return list(
            self.llm.tokenize(text.encode("utf-8"), add_bos=add_special, special=parse_special)
        )


def _mismatches(
    ours: VocabTokenizer, ref: Reference, texts: list[str]
) -> list[tuple[str, bool, bool, list[int], list[int]]]:
    bad = []
    for text in texts:
        for add, special in MODES:
            expected = ref.ids(text, add, special)
            got = ours.encode(text, add_special=add, parse_special=special)
            if got != expected:
                bad.append((text, add, special, expected, got))
    return bad


@pytest.fixture(scope="module")
def reference(llama_cpp: ModuleType) -> Callable[[Path], Reference]:
    """llama.cpp's own tokenizer for a GGUF."""
    return lambda path: Reference(llama_cpp, path)


@pytest.fixture(scope="module")
def gemma_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_gemma(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def gemma(gemma_path: Path, tmp_path_factory: pytest.TempPathFactory) -> VocabTokenizer:
    return tokenizer_from_gguf(gemma_path, tmp_path_factory.mktemp("cache"))


def test_gemma_corpus_matches_llama_cpp(
    gemma_path: Path, gemma: VocabTokenizer, reference: Callable[[Path], Reference]
) -> None:
    assert _mismatches(gemma, reference(gemma_path), CORPUS) == []


def test_gemma_random_mixed_text_matches_llama_cpp(
    gemma_path: Path, gemma: VocabTokenizer, reference: Callable[[Path], Reference]
) -> None:
    assert _mismatches(gemma, reference(gemma_path), RANDOM) == []


def test_gemma_korean_news_sample(
    gemma_path: Path, gemma: VocabTokenizer, reference: Callable[[Path], Reference]
) -> None:
    """A known sentence, pinned so a change in either tokenizer is noticed."""
    text = "한국은행은 기준금리를 연 3.50%로 동결했다."
    ids = gemma.encode(text)
    assert ids == reference(gemma_path).ids(text, True, True)
    assert ids[0] == 2  # Gemma's <bos>
    assert b"".join(gemma.pieces(ids[1:])).decode("utf-8") == text


@pytest.fixture(scope="module")
def spm_with_space_prefix(gemma_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    meta = read_metadata(gemma_path, TOKENIZER_KEYS)
    spec = GGUFSpec(
        architecture="llama",
        tokenizer_model="llama",
        tokens=tuple(meta["tokenizer.ggml.tokens"]),
        token_types=tuple(meta["tokenizer.ggml.token_type"]),
        scores=tuple(meta["tokenizer.ggml.scores"]),
        special_ids={"bos": 2, "eos": 1, "unk": 3},
        extra_metadata={"tokenizer.ggml.add_space_prefix": True},
    )
    return write_gguf(tmp_path_factory.mktemp("spm") / "spm-prefix.gguf", spec)


def test_sentencepiece_with_leading_space_matches_llama_cpp(
    spm_with_space_prefix: Path, reference: Callable[[Path], Reference]
) -> None:
    ours = tokenizer_from_gguf(spm_with_space_prefix)
    assert ours.vocab.add_space_prefix
    ref = reference(spm_with_space_prefix)
    assert _mismatches(ours, ref, CORPUS + RANDOM[:60]) == []


#: The same line at the start, after text and after a special token (whole lines
#: between special tokens are cached; a leading space changes them).
_REPEATED_LINES = [
    "같은 줄이다.",
    "<start_of_turn>같은 줄이다.\n같은 줄이다.",
    "같은 줄이다.<start_of_turn>같은 줄이다.",
    "앞 글\n같은 줄이다.\n\n같은 줄이다. ",
]


def test_lines_seen_before_elsewhere_match_llama_cpp(
    gemma_path: Path, spm_with_space_prefix: Path, reference: Callable[[Path], Reference]
) -> None:
    for path in (gemma_path, spm_with_space_prefix):
        ours = tokenizer_from_gguf(path)
        assert _mismatches(ours, reference(path), _REPEATED_LINES * 2) == []


PRE_TOKENIZERS = ["llama-bpe", "qwen2", "exaone", "gpt-2", "default", "smollm", "falcon"]


@pytest.fixture(scope="module")
def bpe_ggufs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    bpe = train_bpe()
    folder = tmp_path_factory.mktemp("bpe")
    yield {pre: write_bpe_gguf(folder / f"{pre}.gguf", bpe, pre) for pre in PRE_TOKENIZERS}


@pytest.mark.parametrize("pre", PRE_TOKENIZERS)
def test_byte_level_bpe_matches_llama_cpp(
    pre: str, bpe_ggufs: dict[str, Path], reference: Callable[[Path], Reference]
) -> None:
    path = bpe_ggufs[pre]
    assert _mismatches(tokenizer_from_gguf(path), reference(path), CORPUS + RANDOM) == []


def test_trained_bpe_splits_rare_hangul_into_bytes(bpe_ggufs: dict[str, Path]) -> None:
    """The test vocabulary is realistic: common syllables merge, a rare one stays bytes."""
    ours = tokenizer_from_gguf(bpe_ggufs["llama-bpe"])
    common = ours.encode("서울", add_special=False)
    rare = ours.encode("쮜", add_special=False)  # not in the training text
    assert len(common) < len("서울".encode())
    assert len(rare) >= 2
    assert b"".join(ours.pieces(rare)) == "쮜".encode()
