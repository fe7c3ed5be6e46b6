"""Tokenizer loading, caching, special tokens, pieces and the estimate (no llama.cpp here;
the id-for-id comparison with llama.cpp is in test_tokenizer_parity.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from kodesk.core.gguf_info import read_metadata
from kodesk.core.tokenizer import (
    TOKENIZER_KEYS,
    EstimateTokenizer,
    Tokenizer,
    TokenizerUnavailable,
    cached_vocab_exists,
    loading,
    tokenizer_from_gguf,
    tokenizer_from_model_info,
)
from kodesk.core.tokenizer.base import VocabTokenizer
from tests.core.tokenizer_ggufs import (
    TrainedBpe,
    load_corpus,
    real_gemma,
    train_bpe,
    write_bpe_gguf,
)
from tests.gguf_factory import GGUFSpec, preset, write_gguf


@pytest.fixture(scope="module")
def bpe() -> TrainedBpe:
    return train_bpe()


@pytest.fixture(scope="module")
def llama3_gguf(bpe: TrainedBpe, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bpe_gguf(tmp_path_factory.mktemp("bpe") / "llama3.gguf", bpe, "llama-bpe")


@pytest.fixture(scope="module")
def gemma_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_gemma(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def gemma(gemma_path: Path, tmp_path_factory: pytest.TempPathFactory) -> VocabTokenizer:
    return tokenizer_from_gguf(gemma_path, tmp_path_factory.mktemp("cache"))


def _ollama_model_info(path: Path) -> dict[str, Any]:
    """What `/api/show` with verbose=true sends: the GGUF keys, through JSON."""
    meta = read_metadata(path, TOKENIZER_KEYS)
    info = {"general.architecture": "llama", "llama.context_length": 8192, **meta}
    loaded: dict[str, Any] = json.loads(json.dumps(info))
    return loaded


def test_exact_tokenizers_satisfy_the_protocol(llama3_gguf: Path) -> None:
    tok = tokenizer_from_gguf(llama3_gguf)
    assert isinstance(tok, Tokenizer)
    assert isinstance(EstimateTokenizer(), Tokenizer)
    assert tok.is_estimate is False
    assert tok.name == "llama3.gguf"


def test_model_info_from_ollama_gives_the_same_ids_as_the_gguf(
    llama3_gguf: Path, tmp_path: Path
) -> None:
    from_file = tokenizer_from_gguf(llama3_gguf)
    from_info = tokenizer_from_model_info(_ollama_model_info(llama3_gguf), "sha256:abc", tmp_path)
    for text in load_corpus():
        assert from_info.encode(text) == from_file.encode(text)


def test_model_info_cache_serves_the_short_model_info(llama3_gguf: Path, tmp_path: Path) -> None:
    digest = "sha256:" + "1" * 64
    assert not cached_vocab_exists(tmp_path, digest)
    full = tokenizer_from_model_info(_ollama_model_info(llama3_gguf), digest, tmp_path)
    assert cached_vocab_exists(tmp_path, digest)
    short = {"general.architecture": "llama"}  # non-verbose show: no arrays
    again = tokenizer_from_model_info(short, digest, tmp_path, name="llama3:8b")
    assert again.name == "llama3:8b"
    assert again.encode("안녕하세요 world") == full.encode("안녕하세요 world")
    with pytest.raises(TokenizerUnavailable):
        tokenizer_from_model_info(short, "sha256:" + "2" * 64, tmp_path)


def test_second_load_comes_from_the_cache_without_reading_the_gguf(
    gemma_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = gemma_path
    start = time.perf_counter()
    cold = tokenizer_from_gguf(path, tmp_path)
    cold_s = time.perf_counter() - start

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the GGUF was read again")

    monkeypatch.setattr(loading, "read_metadata", no_reading)
    start = time.perf_counter()
    warm = tokenizer_from_gguf(path, tmp_path)
    warm_s = time.perf_counter() - start
    assert warm.encode("캐시 테스트입니다") == cold.encode("캐시 테스트입니다")
    assert warm_s < cold_s


def test_damaged_cache_is_rebuilt(llama3_gguf: Path, tmp_path: Path) -> None:
    tokenizer_from_gguf(llama3_gguf, tmp_path)
    (cache_file,) = tmp_path.glob("vocab-*.marshal")
    cache_file.write_bytes(b"\x00garbage")
    tok = tokenizer_from_gguf(llama3_gguf, tmp_path)
    assert tok.count("hello") > 0
    assert cache_file.stat().st_size > 100


def test_special_tokens_in_text_are_single_tokens(llama3_gguf: Path, bpe: TrainedBpe) -> None:
    tok = tokenizer_from_gguf(llama3_gguf)
    eot = bpe.tokens.index("<|eot_id|>")
    ids = tok.encode("안녕<|eot_id|>", add_special=False)
    assert ids[-1] == eot
    plain = tok.encode("안녕<|eot_id|>", add_special=False, parse_special=False)
    assert eot not in plain
    assert b"".join(tok.pieces(plain)) == "안녕<|eot_id|>".encode()


def test_bos_follows_the_pre_tokenizer_and_the_gguf_key(bpe: TrainedBpe, tmp_path: Path) -> None:
    bos = bpe.tokens.index("<|begin_of_text|>")
    llama3 = tokenizer_from_gguf(write_bpe_gguf(tmp_path / "a.gguf", bpe, "llama-bpe"))
    qwen = tokenizer_from_gguf(write_bpe_gguf(tmp_path / "b.gguf", bpe, "qwen2"))
    forced = tokenizer_from_gguf(write_bpe_gguf(tmp_path / "c.gguf", bpe, "qwen2", add_bos=True))
    assert llama3.encode("x")[0] == bos
    assert bos not in qwen.encode("x")
    assert forced.encode("x")[0] == bos
    assert llama3.encode("x", add_special=False)[0] != bos
    assert llama3.count("x") == len(llama3.encode("x"))


def test_pieces_show_hangul_split_into_bytes(gemma: VocabTokenizer) -> None:
    ids = gemma.encode("龘", add_special=False)  # a rare Hanja: byte fallback
    assert gemma.pieces(ids) == [b"\xe9", b"\xbe", b"\x98"]
    ids = gemma.encode("대한민국", add_special=False)
    assert b"".join(gemma.pieces(ids)).decode() == "대한민국"
    assert gemma.pieces([2]) == [b"<bos>"]
    with pytest.raises(ValueError, match="outside the vocabulary"):
        gemma.pieces([10**7])


def test_gemma_user_defined_tokens_are_cut_out_even_without_parse_special(
    gemma: VocabTokenizer,
) -> None:
    ids = gemma.encode("가\n\n나  다", add_special=False, parse_special=False)
    assert gemma.pieces(ids) == ["가".encode(), b"\n\n", "나".encode(), b"  ", "다".encode()]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (GGUFSpec(tokenizer_model="bert"), "not supported"),
        (preset("llama3", extra_metadata={"tokenizer.ggml.pre": "martian"}), "martian"),
        (GGUFSpec(tokens=()), "missing"),
    ],
)
def test_unusable_vocabularies_are_explained(spec: GGUFSpec, message: str, tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "x.gguf", spec)
    with pytest.raises(TokenizerUnavailable, match=message) as info:
        tokenizer_from_gguf(path)
    assert "토크나이저" in info.value.message("ko")


def test_estimate_over_counts_natural_text_for_both_vocabularies(
    gemma: VocabTokenizer, llama3_gguf: Path
) -> None:
    from benchmarks.bench_tokenizer import korean_text

    estimate = EstimateTokenizer()
    bpe_tok = tokenizer_from_gguf(llama3_gguf)
    texts = [*load_corpus(), *korean_text(5000, seed=1).split("\n\n")]
    for exact in (gemma, bpe_tok):
        under = [t for t in texts if estimate.count(t) < exact.count(t)]
        assert under == [], exact.name


def test_estimate_is_marked_and_consistent() -> None:
    est = EstimateTokenizer()
    assert est.is_estimate is True
    assert est.count("") == 1
    korean, english = est.count("가" * 100), est.count("a" * 100)
    assert korean > 2 * english
    ids = est.encode("안녕하세요")
    assert len(ids) == est.count("안녕하세요")
    assert est.pieces(ids) == [b""] * len(ids)
