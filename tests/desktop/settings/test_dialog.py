"""The dialog frame: pages, keyboard access, closing."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kodesk.core.settings import BY_KEY, Settings, SettingsStore
from kodesk.desktop.settings import PAGE_NAMES, SettingsDialog
from kodesk.desktop.settings.fields import SchemaForm
from kodesk.engines.ollama_engine import OllamaEngine
from tests.desktop.conftest import AsyncLoop
from tests.desktop.settings.conftest import DialogHarness


def test_pages_are_listed_in_korean(harness: DialogHarness) -> None:
    dialog = harness.dialog
    titles = [dialog.page_list.item(i).text() for i in range(dialog.page_list.count())]
    assert titles == ["연결", "모델", "GGUF로 모델 만들기", "매개변수", "긴 글", "작업", "일반"]
    for name in PAGE_NAMES:
        page = dialog.show_page(name)
        assert dialog.stack.currentWidget() is page
    assert not dialog.isModal()


def test_escape_closes_the_dialog(harness: DialogHarness, qtbot: QtBot) -> None:
    dialog = harness.dialog
    dialog.activateWindow()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_english_labels_when_the_setting_says_so(
    qtbot: QtBot, aloop: AsyncLoop, settings_path: Path
) -> None:
    settings = Settings({"ui.language": "en"})
    dialog = SettingsDialog(settings, SettingsStore(settings_path), lambda: OllamaEngine(""))
    try:
        titles = [dialog.page_list.item(i).text() for i in range(dialog.page_list.count())]
        assert titles == [
            "Connection",
            "Models",
            "Create from GGUF",
            "Parameters",
            "Long texts",
            "Tasks",
            "General",
        ]
        assert dialog.connection_page.test_button.text() == "&Test"
    finally:
        shiboken6.delete(dialog)


def test_setting_rows_show_the_words_of_their_schema_entry(harness: DialogHarness) -> None:
    shown = 0
    for name in PAGE_NAMES:
        form = getattr(harness.dialog.show_page(name), "form", None)
        if not isinstance(form, SchemaForm):
            continue
        for key, field in form.fields.items():
            setting = BY_KEY[key]
            assert field.editor.toolTip() == setting.description.ko, key
            label = form.layout_.labelForField(field)
            text = label.text() if isinstance(label, QLabel) else field.editor.text()  # type: ignore[attr-defined]
            assert text.startswith(setting.label.ko), key
            shown += 1
    assert shown >= 10
