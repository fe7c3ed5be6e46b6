"""The estimate's character classes: the C-speed counting equals a plain per-character
classification (kept here as the reference) on every code point and on random text."""

from __future__ import annotations

import math
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kodesk.core.script import is_han, is_hangul
from kodesk.core.tokenizer.estimate import (
    RATIOS,
    SAFETY_MARGIN,
    SAFETY_TOKENS,
    CharClass,
    EstimateTokenizer,
    class_counts,
)
from tests.core.planning_helpers import korean_text
from tests.core.tokenizer_ggufs import load_corpus


def reference_class(ch: str) -> CharClass:
    if is_hangul(ch):
        return CharClass.HANGUL
    if ch.isascii():
        if ch.isalpha():
            return CharClass.LATIN
        if ch.isdigit():
            return CharClass.DIGIT
        if ch.isspace():
            return CharClass.SPACE
        return CharClass.PUNCT
    if ch.isspace():
        return CharClass.SPACE
    if is_han(ch):
        return CharClass.HAN
    if unicodedata.category(ch).startswith("L") and ord(ch) < 0x250:
        return CharClass.LATIN
    return CharClass.OTHER


def reference_counts(text: str) -> dict[CharClass, int]:
    counts = dict.fromkeys(CharClass, 0)
    for ch in text:
        counts[reference_class(ch)] += 1
    return counts


def reference_count(text: str) -> int:
    if not text:
        return 1
    raw = sum(RATIOS[c] * n for c, n in reference_counts(text).items())
    return math.ceil(raw * SAFETY_MARGIN) + SAFETY_TOKENS


@pytest.mark.slow
def test_every_code_point_up_to_the_han_extensions_is_classed_like_the_reference() -> None:
    for cp in range(0x30000):
        ch = chr(cp)
        assert class_counts(ch) == reference_counts(ch), hex(cp)


def test_code_points_beyond_are_classed_like_the_reference() -> None:
    for cp in [*range(0x30000, 0x110000, 251), 0x10FFFF, 0x2FA1F, 0x2FA20, 0x1F600]:
        ch = chr(cp)
        assert class_counts(ch) == reference_counts(ch), hex(cp)


def test_the_corpus_is_counted_like_the_reference() -> None:
    est = EstimateTokenizer()
    for text in [*load_corpus(), korean_text(400)]:
        assert class_counts(text) == reference_counts(text)
        assert est.count(text) == reference_count(text)


# Characters from the blocks where the classes change: ASCII, Latin-1 and Latin
# Extended, the wide spaces, jamo, CJK, the partial Hangul and Han blocks, surrogates,
# and beyond U+FFFF (emoji, Han Extension B and its end).
_MIXED = st.one_of(
    st.characters(max_codepoint=0x2FF),
    st.sampled_from("\u1680\u2000\u200a\u200b\u2028\u202f\u205f\u3000\u3001“”…·"),
    st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),
    st.characters(min_codepoint=0x3100, max_codepoint=0x31FF),
    st.characters(min_codepoint=0x4D00, max_codepoint=0x4EFF),
    st.characters(min_codepoint=0xA900, max_codepoint=0xA9FF),
    st.characters(min_codepoint=0xD700, max_codepoint=0xD8FF, categories=None),
    st.characters(min_codepoint=0xAC00, max_codepoint=0xAC20),
    st.sampled_from("\U0001f600\U00020000\U0002fa1f\U0002fa20\U00030000\ud83d\ude00"),
)


@given(st.lists(_MIXED, max_size=80).map("".join))
def test_random_mixed_text_is_counted_like_the_reference(text: str) -> None:
    assert class_counts(text) == reference_counts(text)
    assert EstimateTokenizer().count(text) == reference_count(text)


@given(st.text(max_size=60))
def test_any_text_is_counted_like_the_reference(text: str) -> None:
    assert class_counts(text) == reference_counts(text)


def test_custom_ratios_weigh_the_classes() -> None:
    only_hangul = dict.fromkeys(CharClass, 0.0) | {CharClass.HANGUL: 1.0}
    est = EstimateTokenizer(ratios=only_hangul, margin=1.0)
    assert est.count("가나다 abc 123") == 3 + SAFETY_TOKENS


def test_lines_counted_before_give_the_same_counts() -> None:
    est = EstimateTokenizer()
    text = korean_text(300)
    lines = text.split("\n")
    for t in (text, text, "\n".join(lines[5:40]), "머리말\n" + text + "\n\n끝 🙂", lines[7]):
        assert est.count(t) == reference_count(t)


@given(
    st.lists(
        st.sampled_from([korean_text(6), korean_text(5, start=9), "", "Ω 😀 abc"]), max_size=12
    ).map("\n".join)
)
def test_long_lines_in_any_order_are_counted_like_the_reference(text: str) -> None:
    assert EstimateTokenizer().count(text) == reference_count(text)
