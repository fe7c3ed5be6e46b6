"""Packing sentences into chunks: lossless, within the budget, few and even chunks, and
far fewer tokenizer calls than sentences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kodesk.core.sentence_packing import pack
from kodesk.core.sentences import split_sentences
from kodesk.core.tokenizer import EstimateTokenizer
from tests.core.planning_helpers import korean_text


class CountingLen:
    """One token per character (sums are exact), recording every call."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        return len(text)


def test_a_long_text_needs_far_fewer_counts_than_sentences() -> None:
    text = korean_text(2000)
    count = CountingLen()
    chunks = pack(text, 8000, count)
    assert "".join(chunks) == text
    assert count.calls < len(split_sentences(text)) / 5


def test_chunks_are_as_few_as_the_budget_allows_and_even() -> None:
    text = korean_text(1000)
    chunks = pack(text, 3000, CountingLen())
    assert len(chunks) == -(-len(text) // 3000)  # sentences are short: no room is lost
    sizes = [len(c) for c in chunks]
    assert max(sizes) <= 3000
    assert min(sizes) >= 0.9 * max(sizes)


@pytest.mark.slow
def test_chunks_end_at_sentence_ends() -> None:
    text = korean_text(600)
    ends = {sum(map(len, split_sentences(text)[:k])) for k in range(1, 700)}
    position = 0
    for chunk in pack(text, 2000, EstimateTokenizer().count):
        position += len(chunk)
        assert position in ends


def test_an_oversize_sentence_is_cut() -> None:
    text = "짧은 문장이다. " + "아주 긴 문장이 이어지고, " * 200 + "끝났다. 마지막이다."
    chunks = pack(text, 300, CountingLen())
    assert "".join(chunks) == text
    assert all(len(c) <= 300 for c in chunks)


@given(
    st.text(alphabet=st.sampled_from(list("가나다 .\n,다요")), max_size=2000),
    st.integers(min_value=1, max_value=400),
)
def test_packing_is_lossless_and_within_an_additive_budget(text: str, budget: int) -> None:
    chunks = pack(text, budget, len)
    position = 0
    for chunk in chunks:  # the text in order; only whitespace-only chunks dropped
        assert chunk.strip()
        found = text.index(chunk, position)
        assert not text[position:found].strip()
        position = found + len(chunk)
    assert not text[position:].strip()
    assert all(len(c) <= budget for c in chunks)
