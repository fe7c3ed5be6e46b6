"""Korean sentence splitting: where pieces end, and that nothing is ever lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kodesk.core.sentences import split_lines, split_oversize, split_sentences


def stripped(text: str) -> list[str]:
    return [p.strip() for p in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "정부가 발표했다. 야당은 반대했어요. 왜 그럴까? 그렇죠. 끝!",
            ["정부가 발표했다.", "야당은 반대했어요.", "왜 그럴까?", "그렇죠.", "끝!"],
        ),
        (
            "성장률은 3.5%였고 수출은 1.2배 늘었다. 다음 문장이다.",
            ["성장률은 3.5%였고 수출은 1.2배 늘었다.", "다음 문장이다."],
        ),
        (
            "U.S. 정부와 Dr. Kim, J. Smith가 만났다. 오후 3시 30분에 끝났다.",
            ["U.S. 정부와 Dr. Kim, J. Smith가 만났다.", "오후 3시 30분에 끝났다."],
        ),
        (
            "그는 “내일 간다. 꼭 간다.”라고 말했다. 모두 웃었다.",
            ["그는 “내일 간다. 꼭 간다.”라고 말했다.", "모두 웃었다."],
        ),
        ("“정말 그랬나요?” 기자가 물었다.", ["“정말 그랬나요?”", "기자가 물었다."]),
        (
            '그는 "됐다. 이제 끝이다"라고 했다. 다음.',
            ['그는 "됐다. 이제 끝이다"라고 했다.', "다음."],
        ),
        (
            "‘작은 변화’가 시작됐다. 「보고서」는 말한다. 그렇다.",
            ["‘작은 변화’가 시작됐다.", "「보고서」는 말한다.", "그렇다."],
        ),
        (
            "그런데… 아니었다. 정말 그랬다... 이어서 왔다.",
            ["그런데… 아니었다.", "정말 그랬다...", "이어서 왔다."],
        ),
        (
            "긴 글의 제목\n\n본문 첫 문장이다. 둘째 문장이다.\n소제목\n마지막이다.",
            ["긴 글의 제목", "본문 첫 문장이다.", "둘째 문장이다.", "소제목", "마지막이다."],
        ),
        ("했다.그러나 이어졌다.", ["했다.", "그러나 이어졌다."]),
        ("1. 첫째 항목이다. 2. 둘째 항목이다.", ["1. 첫째 항목이다.", "2. 둘째 항목이다."]),
        (
            "The U.S. economy grew. It was 2.5% in Q3. Next.",
            ["The U.S. economy grew.", "It was 2.5% in Q3.", "Next."],
        ),
    ],
)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert stripped(text) == expected


def test_whitespace_and_blank_lines_stay_with_the_piece_before() -> None:
    text = "제목\n\n\n첫 문장이다.  둘째 문장이다.\n"
    assert split_sentences(text) == ["제목\n\n\n", "첫 문장이다.  ", "둘째 문장이다.\n"]


def test_spaces_before_a_line_break_stay_with_the_sentence_before_it() -> None:
    assert split_sentences("첫 문장이다. \n둘째 문장이다.\t셋째.") == [
        "첫 문장이다. \n",
        "둘째 문장이다.\t",
        "셋째.",
    ]
    assert split_sentences("그가 “간다. 온다.” 했다. 끝") == ["그가 “간다. 온다.” ", "했다. ", "끝"]


@given(st.text(alphabet=st.sampled_from(list('가다요 .?!…"“”「」\n\r\t3U.x')), max_size=300))
def test_lines_split_into_sentences_are_the_sentences_of_the_text(text: str) -> None:
    lines = split_lines(text)
    assert "".join(lines) == text
    assert [s for line in lines for s in split_sentences(line)] == split_sentences(text)


def test_empty_text_has_no_pieces() -> None:
    assert split_sentences("") == []


@given(st.text(alphabet=st.sampled_from(list('가나다요죠까 .?!…"“”‘’「」\n3U.Sx,')), max_size=300))
def test_splitting_then_joining_loses_no_characters(text: str) -> None:
    assert "".join(split_sentences(text)) == text


@given(st.text(max_size=200))
def test_any_unicode_text_round_trips(text: str) -> None:
    pieces = split_sentences(text)
    assert "".join(pieces) == text
    assert all(pieces)


def count(text: str) -> int:
    return len(text)


def test_oversize_sentences_are_cut_at_clauses_first() -> None:
    sentence = (
        "정부는 내년 예산을 늘리기로 했으며, 지방 재정을 보강하고, 청년 일자리를 "
        "만들겠다고 밝혔지만 야당은 반대했다."
    )
    parts = split_oversize(sentence, 30, count)
    assert "".join(parts) == sentence
    assert all(len(p) <= 30 for p in parts)
    assert parts[0].endswith(", ")


def test_text_without_spaces_is_cut_by_characters_as_a_last_resort() -> None:
    blob = "가" * 100
    parts = split_oversize(blob, 30, count)
    assert "".join(parts) == blob
    assert [len(p) for p in parts] == [30, 30, 30, 10]


@given(st.text(max_size=300), st.integers(min_value=1, max_value=40))
def test_oversize_splitting_is_lossless_and_within_budget(text: str, budget: int) -> None:
    parts = split_oversize(text, budget, count) if text else [text]
    assert "".join(parts) == text
    assert all(count(p) <= budget for p in parts)


def test_oversize_rejects_a_zero_budget() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_oversize("가나다", 0, count)
