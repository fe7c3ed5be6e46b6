"""The token explainer view (offscreen), and its screenshot under a real X server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from kodesk.core.token_report import build_report
from kodesk.core.tokenizer import EstimateTokenizer
from kodesk.core.tokenizer.base import VocabTokenizer
from kodesk.desktop.i18n import EN, KO
from kodesk.desktop.token_view import OVER_STYLE, TokenChipsView

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SAMPLE = (
    "서울=연합뉴스) 한국은행은 29일 기준금리를 연 3.50%로 동결했다.\n\n"
    '총재는 "물가 상승률이 목표치에 가까워지고 있다"고 말했다. 뷁! The Bank of Korea '
    "kept its key rate unchanged. 龘"
)


def bpe_tokenizer() -> VocabTokenizer:
    from tests.core.tokenizer_ggufs import trained_bpe_tokenizer  # trains on first use

    return trained_bpe_tokenizer()


@pytest.fixture(scope="module")
def tokenizer() -> VocabTokenizer:
    return bpe_tokenizer()


@pytest.fixture
def view(qtbot: QtBot) -> TokenChipsView:
    widget = TokenChipsView(KO)
    qtbot.addWidget(widget)
    widget.resize(640, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_counts_header_and_chips(view: TokenChipsView, tokenizer: VocabTokenizer) -> None:
    view.show_text(SAMPLE, tokenizer, num_ctx=4096)
    report = view.report
    assert report is not None
    header = view.header.text()
    assert f"문자 {len(SAMPLE):,}" in header and "characters" not in header  # Korean UI
    assert f"토큰 {report.tokens:,}" in header
    assert "한글 음절당 토큰" in header and "영어 단어당 토큰" in header
    shown = view.chips.toPlainText().replace("\n", "").replace("\u200a", "")
    assert "".join(c.label for c in report.chips) == shown
    assert view.context_bar.isVisible()
    assert view.context_bar.value() == round(report.tokens / 4096 * 1000)
    assert view.context_bar.property("over") is False


def test_over_context_turns_the_bar_red(view: TokenChipsView, tokenizer: VocabTokenizer) -> None:
    view.show_text(SAMPLE, tokenizer, num_ctx=10)
    assert view.context_bar.property("over") is True
    assert view.context_bar.styleSheet() == OVER_STYLE
    assert view.context_bar.value() == 1000
    assert "Ollama는 중간을 잘라 버립니다" in view.header.text()


def test_hover_finds_the_chip_and_its_byte_explanation(
    view: TokenChipsView, tokenizer: VocabTokenizer
) -> None:
    view.show_text("대 쮜", tokenizer)
    report = view.report
    assert report is not None
    byte_chips = [c for c in report.chips if c.kind == "bytes"]
    assert byte_chips and "part of '쮜'" in byte_chips[0].tooltip
    doc = view.chips.document()
    text = doc.toPlainText()
    start = text.index(byte_chips[0].label)
    from PySide6.QtGui import QTextCursor

    cursor = QTextCursor(doc)
    cursor.setPosition(start)
    rect = view.chips.cursorRect(cursor)
    found = view.chip_at(QPoint(rect.x() + 3, rect.center().y()))
    assert found == byte_chips[0]
    assert view.chip_at(QPoint(600, 380)) is None  # empty space below the text


def test_large_text_shows_a_capped_number_of_chips(
    view: TokenChipsView, tokenizer: VocabTokenizer
) -> None:
    text = SAMPLE * 400  # ~80k characters, tens of thousands of tokens
    report = build_report(text, tokenizer, num_ctx=8192)
    start = time.perf_counter()
    view.show_report(report)
    elapsed = time.perf_counter() - start
    assert len(report.chips) == 2000
    assert report.hidden_chips > 10_000
    assert f"… 외 {report.hidden_chips:,}개" in view.chips.toPlainText()
    assert elapsed < 5  # rendering only the capped chips keeps the UI responsive


def test_estimate_has_no_chips_and_says_so(view: TokenChipsView) -> None:
    view.show_text(SAMPLE, EstimateTokenizer(), num_ctx=4096)
    assert "추정" in view.header.text() and view.header.text().endswith("\n글자 종류별 추정")
    assert view.chips.toPlainText().startswith("추정치:")
    assert "Estimate" not in view.chips.toPlainText()  # one language at a time
    english = TokenChipsView(EN)
    english.show_text(SAMPLE, EstimateTokenizer(), num_ctx=4096)
    assert english.chips.toPlainText().startswith("Estimate:")
    assert english.header.text().endswith("\nestimate by script")
    english.deleteLater()


def test_header_without_context() -> None:
    report = build_report("hello", EstimateTokenizer())
    assert "num_ctx" not in KO.token_header(report)
    assert "num_ctx" not in EN.token_header(report)


@pytest.mark.e2e
@pytest.mark.inference  # the real Gemma vocabulary comes with the `embedded` extra
def test_screenshots_under_xvfb(
    xvfb_display: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Saves test-artifacts/token-view-gemma.png (the real Gemma 3 vocabulary) and
    token-view-bpe.png (a small BPE: many byte chips) for a person to look at."""
    from tests.core.tokenizer_ggufs import real_gemma

    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    gemma = real_gemma(tmp_path_factory.getbasetemp())
    for name, source in (("gemma", str(gemma)), ("bpe", "bpe")):
        target = ARTIFACTS / f"token-view-{name}.png"
        target.unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, __file__, str(target), source], env=env, check=True, timeout=120
        )
        assert target.stat().st_size > 10_000


def _screenshot(target: Path, source: str) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from kodesk.core.tokenizer import tokenizer_from_gguf

    app = QApplication([])
    view = TokenChipsView(KO)
    view.resize(720, 420)
    tok = bpe_tokenizer() if source == "bpe" else tokenizer_from_gguf(source)
    view.show_text(SAMPLE, tok, num_ctx=64 if source == "bpe" else 4096)
    view.show()
    if not QTest.qWaitForWindowExposed(view, 10_000):
        raise SystemExit("the token view was never shown")
    app.processEvents()
    target.parent.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(target))


if __name__ == "__main__":
    _screenshot(Path(sys.argv[1]), sys.argv[2])
