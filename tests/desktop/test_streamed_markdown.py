"""Streamed markdown: the document after any chunking equals the one-go render."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QTextDocument

from kodesk.desktop.streamed_markdown import RAW_BLOCK_CHARS, StreamedMarkdown, render_markdown

pytestmark = pytest.mark.usefixtures("qapp")  # fonts need the application

ANSWERS = [
    "**핵심**: 예산 증가\n\n- 항목 하나\n- 항목 둘\n\n마지막 문단 진행 중 **굵게**",
    "# 제목\n\n본문 *기울임* 과 `코드`.\n\n```python\nx = 1\n\n\ny = 2\n```\n\n끝.\n",
    "표 위\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n소제목\n===\n\n"
    "1. 하나\n\n2. 둘\n\n   들여쓴 문단\n",
    "참고 [문서][doc] 와 [다른 것][x].\n\n> 인용\n> 계속\n\n[doc]: https://example.com/doc\n\n"
    "[X]: https://example.com/x '제목'\n\n뒤 문단 [doc].\n",
    "\n\n  앞 공백\n\n\n\n~~~\n물결 울타리\n\n~~~\n   \n- a\n  - b\n\n---\n\n끝 없는 줄",
]

#: One paragraph longer than a raw block, with a long word across a cut.
LONG = "한 문단 " * (RAW_BLOCK_CHARS // 3) + "가" * (RAW_BLOCK_CHARS + 5) + " 끝 **굵게**"


def html(document: QTextDocument) -> str:
    return document.toHtml()


def one_go(text: str, *, finished: bool = True) -> str:
    document = QTextDocument()
    render_markdown(document, text, finished=finished)
    return html(document)


def chunked(text: str, cuts: list[int]) -> StreamedMarkdown:
    stream = StreamedMarkdown(QTextDocument())
    previous = 0
    for cut in sorted(set(cuts)):
        stream.feed(text[previous:cut])
        previous = cut
    stream.feed(text[previous:])
    return stream


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([*ANSWERS, LONG]), st.lists(st.floats(0, 1), max_size=40))
def test_any_chunking_gives_the_one_go_document(answer: str, fractions: list[float]) -> None:
    cuts = [int(f * len(answer)) for f in fractions]
    stream = chunked(answer, cuts)
    assert html(stream._doc) == one_go(answer, finished=False)
    stream.finish()
    assert html(stream._doc) == one_go(answer)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(ANSWERS), st.lists(st.integers(1, 7), min_size=1, max_size=5))
def test_every_intermediate_document_equals_the_one_go_render_of_its_prefix(
    answer: str, steps: list[int]
) -> None:
    stream = StreamedMarkdown(QTextDocument())
    pos = 0
    for i in range(len(answer)):
        step = steps[i % len(steps)]
        if pos >= len(answer):
            break
        stream.feed(answer[pos : pos + step])
        pos += step
        assert html(stream._doc) == one_go(answer[:pos], finished=False)


def test_markdown_is_rendered_and_the_growing_paragraph_is_plain() -> None:
    document = QTextDocument()
    stream = StreamedMarkdown(document)
    stream.feed("# 제목\n\n**굵")
    assert document.toPlainText() == "제목\n**굵"
    stream.feed("게** 끝")
    stream.finish()
    assert document.toPlainText() == "제목\n굵게 끝"
    assert "font-weight:700" in document.toHtml()


def test_code_fences_keep_blank_lines_inside_one_block() -> None:
    document = QTextDocument()
    render_markdown(document, "```\ncode\n\n**not bold**\n```\n")
    assert "**not bold**" in document.toPlainText()


def test_a_reference_defined_later_becomes_a_link() -> None:
    document = QTextDocument()
    stream = StreamedMarkdown(document)
    stream.feed("보기 [문서][doc].\n\n중간 문단.\n\n")
    assert "href" not in document.toHtml()
    stream.feed("[doc]: https://example.com/doc\n\n끝.")
    stream.finish()
    assert 'href="https://example.com/doc"' in document.toHtml()
    assert document.toPlainText() == "보기 문서.\n중간 문단.\n끝."


def test_a_flush_only_appends_to_the_growing_paragraph() -> None:
    document = QTextDocument()
    stream = StreamedMarkdown(document)
    stream.feed("첫 문단\n\n" + "가" * 1000)
    document.documentLayout()  # changes are reported to a layout, as in the window
    changes: list[int] = []
    document.contentsChange.connect(lambda _pos, removed, added: changes.append(removed + added))
    stream.feed("나다")
    assert changes == [2]


def test_a_long_growing_paragraph_is_shown_in_bounded_blocks() -> None:
    document = QTextDocument()
    stream = StreamedMarkdown(document)
    for word in ["낱말 "] * (3 * RAW_BLOCK_CHARS):
        stream.feed(word)
    blocks = [document.findBlockByNumber(i).length() for i in range(document.blockCount())]
    assert len(blocks) > 1 and max(blocks) <= RAW_BLOCK_CHARS + 10
    stream.finish()
    assert document.blockCount() == 1  # rendered, it is one paragraph again
