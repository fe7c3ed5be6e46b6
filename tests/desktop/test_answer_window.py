"""The answer window: coalesced incremental rendering, markdown, stop/copy/retry, placement."""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage, QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from kodesk.core.types import ChatStats
from kodesk.desktop.answer_window import AnswerWindow, fit_on_screen
from kodesk.desktop.i18n import EN, KO
from kodesk.desktop.plain_text import message_box, tooltip


def make(qtbot: QtBot) -> AnswerWindow:
    window = AnswerWindow(KO)
    qtbot.addWidget(window)
    window.begin("한 줄 요약", "exaone3.5:2.4b")
    window.show()
    return window


def test_deltas_are_coalesced_into_few_repaints(qtbot: QtBot) -> None:
    window = make(qtbot)
    flushes: list[int] = []
    window._flush_timer.timeout.connect(lambda: flushes.append(1))
    for ch in "서울은 한국의 수도입니다. " * 20:
        window.append(ch)
    assert window.body.toPlainText() == ""  # nothing painted synchronously
    qtbot.waitUntil(lambda: window.body.toPlainText().startswith("서울은"))
    assert len(flushes) == 1
    assert window.answer_text() == "서울은 한국의 수도입니다. " * 20


def test_markdown_paragraphs_render_and_tail_stays_plain(qtbot: QtBot) -> None:
    window = make(qtbot)
    window.append("**핵심**: 예산 증가\n\n- 항목 하나\n- 항목 둘\n\n마지막 문단 진행 중 **굵")
    qtbot.waitUntil(lambda: "마지막" in window.body.toPlainText())
    html = window.body.toHtml()
    assert "font-weight" in html  # **핵심** became bold
    text = window.body.toPlainText()
    assert "**핵심**" not in text and "**굵" in text  # the unfinished tail is raw text
    window.append("게**\n\n")
    qtbot.waitUntil(lambda: "**굵" not in window.body.toPlainText())


def test_code_fences_are_not_split(qtbot: QtBot) -> None:
    window = make(qtbot)
    window.append("a\n\n```\ncode\n\n**more**\n")
    window._flush()
    assert window.body.toPlainText() == "a\n```\ncode\n\n**more**\n"  # the fence is open
    window.append("```\n")
    window.finish(None)
    assert window.body.toPlainText() == "a\ncode\n\n**more**"


def test_streamed_answer_ends_as_the_answer_rendered_at_once(qtbot: QtBot) -> None:
    answer = (
        "## 요약\n\n**예산**이 늘었습니다.\n\n- 하나\n- 둘\n\n```\nx = 1\n\ny\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n마지막 *문단*"
    )
    at_once = make(qtbot)
    at_once.append(answer)
    at_once.finish(None)
    streamed = make(qtbot)
    rng = random.Random(7)
    pos = 0
    while pos < len(answer):
        step = rng.randint(1, 9)
        streamed.append(answer[pos : pos + step])
        streamed._flush()
        pos += step
    streamed.finish(None)
    assert streamed.body.toHtml() == at_once.body.toHtml()
    assert "**" not in streamed.body.toPlainText()  # the last paragraph is rendered too


def test_stop_and_escape(qtbot: QtBot) -> None:
    window = make(qtbot)
    assert window.streaming and window.stop_button.isVisible()
    with qtbot.waitSignal(window.stopRequested):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    with qtbot.waitSignal(window.stopRequested):
        window.stop_button.click()
    window.finish(None, stopped=True)
    assert not window.streaming and not window.stop_button.isVisible()
    assert window.status.text() == KO.stopped
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_copy_retry_paste_back(qtbot: QtBot) -> None:
    window = make(qtbot)
    window.append("  요약 문장입니다.  ")
    window.finish(
        ChatStats(
            done_reason="stop",
            prompt_eval_count=1234,
            eval_count=20,
            eval_duration=1_000_000_000,
            load_duration=2_500_000_000,
        )
    )
    window.copy_button.click()
    assert QGuiApplication.clipboard().text() == "요약 문장입니다."
    with qtbot.waitSignal(window.retryRequested):
        window.retry_button.click()
    with qtbot.waitSignal(window.pasteBackRequested) as blocker:
        window.paste_button.click()
    assert blocker.args == ["  요약 문장입니다.  "]
    assert window.footer.text() == "입력 1,234 · 출력 20 · 20.0 토큰/초 · 로드 2.5s"


def test_warnings_are_visible_and_cleared(qtbot: QtBot) -> None:
    window = AnswerWindow(EN)
    qtbot.addWidget(window)
    window.begin("Summary", "m")
    window.show()
    window.add_warning("The answer hit the length limit")
    window.add_warning("second")
    window.finish(ChatStats(done_reason="length", eval_count=3))
    assert window.warning.isVisible()
    assert window.warning.text() == "⚠ The answer hit the length limit\n⚠ second"
    window.begin("Summary", "m")
    assert not window.warning.isVisible()


def test_errors_stop_streaming(qtbot: QtBot) -> None:
    window = make(qtbot)
    window.show_error("Ollama에 연결할 수 없습니다", "ollama serve 를 실행하세요")
    assert not window.streaming and window.error.isVisible()
    assert "ollama serve" in window.error.text()


def test_placement_is_kept_on_screen() -> None:
    screen = QRect(0, 0, 1280, 800)
    assert fit_on_screen(QRect(100, 100, 400, 300), screen) == QPoint(100, 100)
    assert fit_on_screen(QRect(1200, 700, 400, 300), screen) == QPoint(880, 500)
    assert fit_on_screen(QRect(-50, -20, 400, 300), screen) == QPoint(0, 0)
    assert fit_on_screen(QRect(10, 10, 2000, 300), screen) == QPoint(0, 10)


def test_window_is_a_frameless_tool_window(qtbot: QtBot) -> None:
    window = make(qtbot)
    flags = window.windowFlags()
    assert flags & Qt.WindowType.Tool and flags & Qt.WindowType.FramelessWindowHint
    assert flags & Qt.WindowType.WindowStaysOnTopHint


def hostile_text(tmp_path: Path) -> str:
    """An error that, read as HTML, would load a 300-pixel picture from disk (plain text
    wraps to a few lines, under 250 pixels)."""
    image = QImage(300, 300, QImage.Format.Format_RGB32)
    image.fill(0)
    image.save(str(tmp_path / "x.png"))
    return f'<img src="file://{tmp_path}/x.png"> <b>bold</b> & <i>server</i>'


def test_server_text_in_the_window_is_plain_text(qtbot: QtBot, tmp_path: Path) -> None:
    hostile = hostile_text(tmp_path)
    as_html = QLabel(hostile)
    assert as_html.sizeHint().height() >= 300  # the test can fail: HTML loads the picture
    window = AnswerWindow(EN)
    qtbot.addWidget(window)
    window.begin("Summary", hostile)
    window.show()
    window.add_note(hostile)
    window.add_warning(hostile)
    window.set_details(hostile)
    window.details_button.setChecked(True)
    window.show_error(hostile, hostile)
    for label in (window.header, window.note, window.warning, window.error, window.details):
        assert hostile in label.text()
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.sizeHint().height() < 250
    window.set_status(hostile)
    assert window.status.sizeHint().height() < 250


def test_server_text_in_a_message_box_is_plain_text(qtbot: QtBot, tmp_path: Path) -> None:
    hostile = hostile_text(tmp_path)
    box = message_box(QMessageBox.Icon.Warning, "kodesk", hostile)
    qtbot.addWidget(box)
    box.setInformativeText(hostile)
    labels = [
        label
        for label in box.findChildren(QLabel)
        if label.objectName() in ("qt_msgbox_label", "qt_msgbox_informativelabel")
    ]
    assert len(labels) == 2
    for label in labels:
        assert label.text() == hostile and label.sizeHint().height() < 250


def test_tooltips_show_server_text_literally() -> None:
    document = QTextDocument()
    document.setHtml(tooltip("<b>모델</b> & <img src='x'>"))
    assert document.toPlainText() == "<b>모델</b> & <img src='x'>"


def test_a_long_warning_and_its_fix_sit_above_the_answer_unsqueezed(qtbot: QtBot) -> None:
    window = make(qtbot)
    window.resize(480, 240)
    warning = (
        "'gemma-3-270m'은(는) 지시를 따르지 못하는 기본 모델(base model)입니다: GGUF에 채팅 "
        "템플릿이 없어 요약·번역 지시 대신 글을 이어 쓰거나 되풀이합니다.\n한국어 지시 모델을 "
        "받으세요: 설정 → 모델 → 추천 한국어 모델, 또는 터미널에서 `kodesk models --recommended`."
    )
    window.add_warning(warning)
    window.offer_fix("instruction_model")
    window.append("한국과 일본은 20일 양국 정상이 수시로 오가는 셔틀외교를 이어가기로 했다.")
    qtbot.waitUntil(lambda: window.body.toPlainText() != "")
    label, button, body = window.warning, window.fix_button, window.body
    assert window.height() > 240  # it grew to fit
    assert label.height() >= label.heightForWidth(label.width())  # every line shows
    assert label.geometry().bottom() < button.geometry().top()
    assert button.geometry().bottom() < body.geometry().top()  # before the answer
    assert window.focusWidget() is button  # Enter or Space takes the fix
    fixes: list[str] = []
    window.fixRequested.connect(fixes.append)
    button.click()
    assert fixes == ["instruction_model"]
