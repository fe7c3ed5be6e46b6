"""Web-page cleanup against a corpus of select-all copies of Korean news pages.

Each `NAME.txt` in `data/webpages/` is a full Ctrl+A copy of a (fictional) article
page in one portal's or paper's layout; `NAME.expected.txt` is the title block and
body, one paragraph per line. Comparison is exact after stripping the final newline.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kodesk.core.web_cleanup import (
    _CAPTION_TAIL,
    _COUNT_BUTTON,
    _CREDITS,
    _DATE,
    _SCRIPT_MARK,
    _SHORT_JUNK,
    _SUBSCRIBE,
    Kind,
    _caption_tail,
    classify,
    clean_web_text,
)
from tests.core.planning_helpers import korean_text

PAGES = Path(__file__).parent / "data" / "webpages"
NAMES = sorted(
    p.name.removesuffix(".txt") for p in PAGES.glob("*.txt") if not p.name.endswith(".expected.txt")
)


def read(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def test_the_corpus_covers_portals_papers_and_a_long_page() -> None:
    assert len(NAMES) >= 11
    sizes = {name: len(read(f"{name}.txt")) for name in NAMES}
    assert all(1500 <= n <= 6000 for name, n in sizes.items() if name != "naver_long_feature")
    assert sizes["naver_long_feature"] >= 40_000


@pytest.mark.parametrize("name", NAMES)
def test_pages_are_cleaned_to_title_and_body(name: str) -> None:
    result = clean_web_text(read(f"{name}.txt"))
    assert result.text == read(f"{name}.expected.txt").rstrip("\n")
    assert result.changed and not result.fell_back
    assert result.after == len(result.text) < result.before


@pytest.mark.parametrize("name", NAMES)
def test_every_page_carries_typical_clutter(name: str) -> None:
    page = read(f"{name}.txt")
    markers = (
        "로그인",
        "구독",
        "댓글",
        "공유",
        "입력",
        "기자",
        "Copyright",
        "무단",
        "많이 본",
        "광고",
        "AD",
        "가가",
        "글자",
        "글씨",
        "관련",
        "인기",
        "제보",
        "@",
    )
    assert sum(marker in page for marker in markers) >= 6


def test_cleaning_the_cleaned_text_changes_nothing() -> None:
    cleaned = clean_web_text(read("naver_yonhap.txt")).text
    again = clean_web_text(cleaned)
    assert again.text == cleaned and not again.changed


def test_plain_text_is_returned_unchanged() -> None:
    text = korean_text(20)
    result = clean_web_text(text)
    assert result.text == text
    assert not result.changed and result.before == result.after == len(text)


def test_short_text_without_sentences_is_left_alone() -> None:
    for text in ("안녕하세요", "로그인", "정치 경제 사회", "회의 메모\n- 예산\n- 일정"):
        result = clean_web_text(text)
        assert result.text == text and not result.changed


def test_cleanup_that_would_leave_almost_nothing_falls_back() -> None:
    menu = "\n".join(["로그인", "구독", "정치", "경제", "댓글 3", "좋아요 12"] * 300)
    text = menu + "\n짧은 본문 문장이 여기 하나 있습니다. 정말 짧습니다.\n"
    result = clean_web_text(text)
    assert result.fell_back
    assert result.text == text and not result.changed


def test_a_dateline_is_removed_from_the_first_paragraph() -> None:
    page = (
        "로그인\n정치\n정부, 새 정책 발표\n입력 2026.11.28 10:00\n"
        "(서울=연합뉴스) 홍길동 기자 = 정부가 새 정책을 발표했다. 내용은 다음과 같다.\n"
        "두 번째 문단에서 정책의 세부 내용을 자세히 설명했다.\n"
        "hong@yna.co.kr\n저작권자(c) 연합뉴스, 무단 전재-재배포 금지\n"
    )
    assert clean_web_text(page).text == (
        "정부, 새 정책 발표\n정부가 새 정책을 발표했다. 내용은 다음과 같다.\n"
        "두 번째 문단에서 정책의 세부 내용을 자세히 설명했다."
    )


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("", Kind.BLANK),
        ("무단 전재 및 재배포 금지", Kind.END),
        ("Copyright ⓒ 연합뉴스. All rights reserved.", Kind.END),
        ("많이 본 뉴스", Kind.END),
        ("댓글 1,284", Kind.END),
        ("관련기사", Kind.RELATED),
        ("홍길동 기자 hong@example.com", Kind.JUNK),
        ("김철수 특파원", Kind.JUNK),
        ("입력 2026.11.28. 오후 2:31", Kind.JUNK),
        ("2026-11-28 14:32", Kind.JUNK),
        ("28일 서울 광화문광장에서 시민들이 걷고 있다. /뉴스1", Kind.JUNK),
        ("28일 서울 광화문광장에서 시민들이 걷고 있다. [사진=연합뉴스]", Kind.JUNK),
        ("▶ 이 기사 관련 다른 기사 보기", Kind.JUNK),
        ("좋아요 12", Kind.JUNK),
        ("가가가가가", Kind.JUNK),
        ("정치 > 국회", Kind.JUNK),
        ("홈 정치 경제 사회 국제 문화", Kind.JUNK),
        ("[앵커]", Kind.JUNK),
        ("정부는 내년 예산을 5% 늘리기로 했다고 28일 밝혔다.", Kind.BODY),
        ("정부 내년 예산 5% 증액", Kind.TEXT),
    ],
)
def test_line_classes(line: str, kind: Kind) -> None:
    assert classify(line) is kind


_TAIL_PIECES = st.sampled_from(
    [
        "/",
        "ⓒ",
        "Ⓒ",
        "©",
        " ",
        "=",
        "[",
        "]",
        "(",
        ")",
        ":",
        "기자",
        "특파원",
        "연합뉴스",
        "뉴시스",
        "뉴스1",
        "NEWS1",
        "로이터",
        "AP",
        "ap",
        "AFP",
        "EPA",
        "Epa",
        "DB",
        "db",
        "제공",
        "자료사진",
        "사진",
        "취재단",
        "홍길동",
        "한국일보",
        "서울신문",
        "게티이미지",
        "신화",
        "말했다.",
        "다",
        "x",
    ]
)


@given(st.lists(_TAIL_PIECES, max_size=12).map("".join))
def test_the_caption_tail_hint_never_skips_a_caption(window: str) -> None:
    assert _caption_tail(window) is (_CAPTION_TAIL.search(window) is not None)


def test_the_combined_short_line_expression_matches_where_one_of_its_parts_does() -> None:
    parts = (_CREDITS, _DATE, _SCRIPT_MARK, _SUBSCRIBE, _COUNT_BUTTON)
    lines = {
        line.strip()
        for name in NAMES
        for line in (PAGES / f"{name}.txt").read_text(encoding="utf-8").split("\n")
    }
    lines |= {"입력 2024.05.01 10:00", "[앵커]", "좋아요 12", "기자 구독", "영상편집: 홍길동"}
    hits = 0
    for line in lines:
        expected = any(p.match(line) for p in parts)
        assert (_SHORT_JUNK.match(line) is not None) is expected, line
        hits += expected
    assert hits >= 5
