"""Token report: counts, ratios, chips and their tooltips (no screen needed)."""

from __future__ import annotations

import pytest

from kodesk.core.token_report import build_report, piece_text
from kodesk.core.tokenizer import EstimateTokenizer
from kodesk.core.tokenizer.base import VocabTokenizer
from kodesk.core.tokenizer.loading import tokenizer_from_vocab
from kodesk.core.tokenizer.vocab import Vocab
from tests.core.tokenizer_ggufs import trained_bpe_tokenizer


@pytest.fixture(scope="module")
def bpe() -> VocabTokenizer:
    return trained_bpe_tokenizer("trained-bpe")


def _spm_with_space_prefix() -> VocabTokenizer:
    """A tiny Llama-2-style vocabulary: adds "▁" in front, knows only a few pieces."""
    tokens = [
        "<unk>",
        "<s>",
        "</s>",
        *[f"<0x{b:02X}>" for b in range(256)],
        "▁",
        "▁대",
        "한",
        "▁대한",
    ]
    types = [2, 3, 3, *[6] * 256, 1, 1, 1, 1]
    scores = [0.0] * 259 + [-1.0, -2.0, -3.0, -1.5]
    vocab = Vocab(
        model="llama",
        pre="default",
        tokens=tokens,
        scores=scores,
        token_types=types,
        merges=[],
        bos_id=1,
        eos_id=2,
        unk_id=0,
        add_bos=True,
        add_eos=False,
        add_space_prefix=True,
    )
    return tokenizer_from_vocab(vocab, "tiny-spm")


def test_counts_and_ratios(bpe: VocabTokenizer) -> None:
    text = "서울 날씨 hello world"
    report = build_report(text, bpe, num_ctx=100)
    assert report.characters == len(text)
    assert report.tokens == bpe.count(text)  # includes the BOS
    assert report.hangul_syllables == 4
    assert report.english_words == 2
    assert report.tokens_per_syllable == report.hangul_tokens / 4
    assert report.tokens_per_word == report.english_tokens / 2
    assert report.context_share == pytest.approx(report.tokens / 100)
    assert not report.over_context
    assert len(report.chips) == len(bpe.encode(text, add_special=False))
    ids = [c.token_id for c in report.chips]
    assert b"".join(bpe.pieces(ids)) == text.encode()
    assert report.chips[0].label == "서울"


def test_over_context_and_chip_cap(bpe: VocabTokenizer) -> None:
    text = "가나다라 마바사 " * 500
    report = build_report(text, bpe, num_ctx=50, max_chips=100)
    assert report.over_context
    assert len(report.chips) == 100
    assert report.hidden_chips == len(bpe.encode(text, add_special=False)) - 100


def test_split_syllable_chips_name_their_character(bpe: VocabTokenizer) -> None:
    report = build_report("쮜", bpe)  # not in the training text: byte tokens
    assert all(c.kind == "bytes" for c in report.chips)
    assert report.chips[0].label.startswith("<EC")
    assert "part of '쮜'" in report.chips[0].tooltip
    assert "byte 1" in report.chips[0].tooltip
    assert "EC" in report.chips[0].tooltip
    assert report.tokens_per_syllable == len(report.chips)


def test_added_leading_space_still_aligns() -> None:
    tok = _spm_with_space_prefix()
    report = build_report("대한 대", tok)
    assert [c.label for c in report.chips] == [" 대한", " 대"]
    assert report.hangul_tokens == 2
    report = build_report("뷁", tok)  # unknown: byte fallback after the "▁"
    assert [c.label for c in report.chips] == [" ", "<EB>", "<B7>", "<81>"]
    assert "part of '뷁' (byte 2 of 3)" in report.chips[2].tooltip


def test_whitespace_is_visible_on_chips(bpe: VocabTokenizer) -> None:
    labels = [c.label for c in build_report("가\n\n\t나", bpe).chips]
    assert "↵↵" in "".join(labels)
    assert "⇥" in "".join(labels)


def test_estimate_report_has_counts_but_no_chips() -> None:
    report = build_report("안녕하세요 hello", EstimateTokenizer(), num_ctx=4096)
    assert report.estimate
    assert report.chips == ()
    assert report.tokens == EstimateTokenizer().count("안녕하세요 hello")
    assert report.tokens_per_syllable is None
    assert report.tokens_per_word is None


@pytest.mark.parametrize(
    ("piece", "shown"),
    [("대".encode(), "대"), (b"\xeb", "<0xEB>"), (b" \xec", " <0xEC>"), (b"", "")],
)
def test_piece_text(piece: bytes, shown: str) -> None:
    assert piece_text(piece) == shown
