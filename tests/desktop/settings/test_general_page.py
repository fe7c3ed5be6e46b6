"""General page: hotkey capture with conflict checks, and the schema-built fields."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox
from pytestqt.qtbot import QtBot

from kodesk.desktop.settings.general_page import GeneralPage
from kodesk.desktop.settings.hotkey_edit import combo_text
from tests.desktop.settings.conftest import DialogHarness

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def _page(harness: DialogHarness) -> GeneralPage:
    page = harness.dialog.show_page("general")
    assert isinstance(page, GeneralPage)
    return page


def test_pressing_keys_sets_the_main_hotkey(harness: DialogHarness, qtbot: QtBot) -> None:
    page = _page(harness)
    qtbot.keyClick(page.hotkey, Qt.Key.Key_J, CTRL_ALT)
    assert harness.settings.get("hotkey.main") == "ctrl+alt+j"
    assert harness.saved().get("hotkey.main") == "ctrl+alt+j"
    assert page.hotkey.text() == "Ctrl+Alt+J" and not page.hotkey_field.has_error
    qtbot.keyClick(page.hotkey, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)
    assert harness.settings.get("hotkey.main") == "shift+f9"


def test_os_shortcuts_and_kodesk_hotkeys_are_refused(harness: DialogHarness, qtbot: QtBot) -> None:
    harness.settings.set("hotkey.tasks", {"translate": "ctrl+alt+y"})
    harness.settings.set(
        "tasks.custom", [{"name": "polite", "template": "{text}", "hotkey": "ctrl+alt+j"}]
    )
    page = _page(harness)
    qtbot.keyClick(page.hotkey, Qt.Key.Key_T, CTRL_ALT)
    assert "terminal (Ubuntu)" in page.hotkey_field.error.text()
    assert "c62828" in page.hotkey.styleSheet()
    qtbot.keyClick(page.hotkey, Qt.Key.Key_Y, CTRL_ALT)
    assert "'translate' 작업" in page.hotkey_field.error.text()
    qtbot.keyClick(page.hotkey, Qt.Key.Key_J, CTRL_ALT)
    assert "'polite' 작업" in page.hotkey_field.error.text()
    qtbot.keyClick(page.hotkey, Qt.Key.Key_A)  # no modifier: would block typing
    assert "Ctrl, Alt or Win" in page.hotkey_field.error.text()
    qtbot.keyClick(page.hotkey, Qt.Key.Key_Backspace)
    assert "비워 둘 수 없습니다" in page.hotkey_field.error.text()
    assert harness.settings.get("hotkey.main") == "ctrl+alt+k"
    assert page.hotkey.text() == "Ctrl+Alt+K"
    assert not harness.store.path.exists()  # nothing refused was saved


def test_tab_still_moves_the_focus(harness: DialogHarness, qtbot: QtBot) -> None:
    page = _page(harness)
    harness.dialog.activateWindow()
    page.hotkey.setFocus()
    qtbot.keyClick(page.hotkey, Qt.Key.Key_Tab)
    assert harness.settings.get("hotkey.main") == "ctrl+alt+k"
    assert not page.hotkey_field.has_error


def test_combo_text_names_keys_like_kodesk() -> None:
    assert combo_text(CTRL_ALT, Qt.Key.Key_K) == "ctrl+alt+k"
    assert combo_text(Qt.KeyboardModifier.MetaModifier, Qt.Key.Key_Space) == "super+space"
    assert combo_text(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_PageDown) == (
        "ctrl+page_down"
    )
    assert combo_text(CTRL_ALT, Qt.Key.Key_Semicolon) == "ctrl+alt+;"
    assert combo_text(CTRL_ALT, Qt.Key.Key_Hangul) is None


def test_schema_fields_apply_and_save(harness: DialogHarness) -> None:
    page = _page(harness)
    fields = page.form.fields
    engine = fields["engine.kind"].editor
    assert isinstance(engine, QComboBox) and engine.currentText() == "Ollama (서버)"
    engine.setCurrentIndex(engine.findData("embedded"))
    for key in ("history.enabled", "startup.at_login"):
        box = fields[key].editor
        assert isinstance(box, QCheckBox)
        box.setChecked(True)
    saved = harness.saved()
    assert saved.get("engine.kind") == "embedded"
    assert saved.get("history.enabled") and saved.get("startup.at_login")
    entry = harness.store.path.parent / "xdg" / "autostart" / "kodesk.desktop"
    assert "-m kodesk" in entry.read_text(encoding="utf-8")
    at_login = fields["startup.at_login"].editor
    assert isinstance(at_login, QCheckBox)
    at_login.setChecked(False)
    assert not entry.exists()
    # A change made elsewhere shows up in the form.
    harness.settings.set("history.enabled", False)
    history = fields["history.enabled"].editor
    assert isinstance(history, QCheckBox) and not history.isChecked()


def test_switching_the_language_relabels_the_dialog_at_once(harness: DialogHarness) -> None:
    page = _page(harness)
    language = page.form.fields["ui.language"].editor
    assert isinstance(language, QComboBox)
    assert [language.itemData(i) for i in range(language.count())] == ["auto", "ko", "en"]
    language.setCurrentIndex(language.findData("en"))
    assert harness.saved().get("ui.language") == "en"
    dialog = harness.dialog
    harness.aloop.until(lambda: dialog.windowTitle() == "kodesk settings")
    assert dialog.page_list.item(0).text() == "Connection"
    assert dialog.stack.currentWidget() is dialog.general_page  # still on the same page
    assert dialog.general_page.hotkey.text() == "Ctrl+Alt+K"
    harness.settle()
    assert dialog.models_page.installed.rowCount() == 1
    assert dialog.models_page.installed.horizontalHeaderItem(0).text() == "Name"


def test_default_model_and_task_choices(harness: DialogHarness) -> None:
    page = _page(harness)
    models = [page.model_combo.itemData(i) for i in range(page.model_combo.count())]
    assert models == ["", "exaone3.5:2.4b"]
    page.model_combo.setCurrentIndex(1)
    page.model_combo.activated.emit(1)
    assert harness.settings.get("model.default") == "exaone3.5:2.4b"
    tasks = [page.task_combo.itemData(i) for i in range(page.task_combo.count())]
    assert tasks == ["summary", "translate", "tokens"]
    page.task_combo.setCurrentIndex(1)
    page.task_combo.activated.emit(1)
    assert harness.saved().get("task.default") == "translate"
