"""The dialog frame: pages, keyboard access, closing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kodesk.desktop.settings import PAGE_NAMES
from tests.desktop.settings.conftest import DialogHarness


def test_pages_are_listed_in_korean(harness: DialogHarness) -> None:
    dialog = harness.dialog
    titles = [dialog.page_list.item(i).text() for i in range(dialog.page_list.count())]
    assert titles == ["연결", "모델", "GGUF로 모델 만들기", "매개변수", "작업", "일반"]
    for name in PAGE_NAMES:
        page = dialog.show_page(name)
        assert dialog.stack.currentWidget() is page
    assert not dialog.isModal()


def test_escape_closes_the_dialog(harness: DialogHarness, qtbot: QtBot) -> None:
    dialog = harness.dialog
    dialog.activateWindow()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
