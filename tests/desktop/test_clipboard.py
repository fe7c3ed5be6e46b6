"""Capture: the clipboard as it is, or the selection copied for the user and the clipboard
put back afterwards."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtGui import QGuiApplication

from kodesk.desktop.clipboard import ClipboardCapture
from tests.desktop.conftest import AsyncLoop


def test_clipboard_mode_reads_text(aloop: AsyncLoop) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("복사한 글")
    captured = aloop.run(ClipboardCapture(clipboard).capture("clipboard", 500))
    assert captured.text == "복사한 글" and not captured.had_other_content


def test_selection_mode_copies_then_restores_the_clipboard(aloop: AsyncLoop) -> None:
    clipboard = QGuiApplication.clipboard()
    previous = QMimeData()
    previous.setText("원래 있던 글")
    previous.setHtml("<b>원래 있던 글</b>")
    clipboard.setMimeData(previous)
    presses: list[str] = []

    def press_copy() -> None:  # the app under the cursor answers Ctrl+C a little later
        presses.append("ctrl+c")
        QTimer.singleShot(30, lambda: clipboard.setText("선택한 문장"))

    captured = aloop.run(ClipboardCapture(clipboard, press_copy).capture("selection", 2000))
    assert presses == ["ctrl+c"]
    assert captured.text == "선택한 문장" and not captured.used_existing_clipboard
    restored = clipboard.mimeData()
    assert restored.text() == "원래 있던 글" and "<b>" in restored.html()


def test_selection_mode_without_a_selection_uses_the_clipboard(aloop: AsyncLoop) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("이미 복사된 글")
    capture = ClipboardCapture(clipboard, press_copy=lambda: None)
    captured = aloop.run(capture.capture("selection", 100))
    assert captured.text == "이미 복사된 글" and captured.used_existing_clipboard


def test_paste_text_puts_the_answer_on_the_clipboard(aloop: AsyncLoop) -> None:
    clipboard = QGuiApplication.clipboard()
    pasted: list[str] = []
    ClipboardCapture(clipboard).paste_text("답", lambda: pasted.append(clipboard.text()))
    assert pasted == ["답"]
