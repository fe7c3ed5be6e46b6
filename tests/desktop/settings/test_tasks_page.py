"""Tasks page: built-in tasks read-only, add, edit with checks, duplicate, reorder, preview."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kodesk.core.tasks import BUILTIN_TASKS
from kodesk.desktop.settings.task_editor import SAMPLE_TEXT, TaskEditor
from kodesk.desktop.settings.tasks_page import TasksPage
from tests.desktop.settings.conftest import DialogHarness

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
CUSTOM = {
    "name": "polite",
    "title": "존댓말로 고치기",
    "system": "당신은 교정 전문가입니다.",
    "template": "다음 글을 존댓말로 고쳐 쓰세요.\n\n{text}",
    "model": "",
    "options": {"temperature": 0.2},
    "hotkey": "",
    "cleanup": True,
}


def _page(harness: DialogHarness) -> TasksPage:
    page = harness.dialog.show_page("tasks")
    assert isinstance(page, TasksPage)
    return page


def _titles(page: TasksPage) -> list[str]:
    return [page.list.item(i).text() for i in range(page.list.count())]


def _names(harness: DialogHarness) -> list[str]:
    return [t["name"] for t in harness.settings.get("tasks.custom")]


def test_builtin_tasks_are_read_only_but_previewed(harness: DialogHarness) -> None:
    page = _page(harness)
    assert _titles(page)[:3] == [
        "한 줄 요약 · 기본 제공",
        "번역 (한↔영) · 기본 제공",
        "토큰 설명 · 기본 제공",
    ]
    page.list.setCurrentRow(0)
    editor = page.editor
    assert not editor.name_edit.isEnabled() and not editor.template_edit.isEnabled()
    assert not page.save_button.isEnabled() and not page.remove_button.isEnabled()
    assert page.duplicate_button.isEnabled()
    preview = editor.preview.toPlainText()
    summary = BUILTIN_TASKS[0]
    expected = summary.messages(SAMPLE_TEXT, model="기본 모델")
    assert preview == "\n\n".join(f"[{m.role}]\n{m.content}" for m in expected)
    assert SAMPLE_TEXT in preview and preview.startswith("[system]\n")


def test_add_edit_and_save_a_task(harness: DialogHarness) -> None:
    page = _page(harness)
    page.add_button.click()
    assert _names(harness) == ["my-task"]
    editor: TaskEditor = page.editor
    assert editor.name_edit.isEnabled() and page.list.currentRow() == len(BUILTIN_TASKS)
    editor.name_edit.setText("polite")
    editor.title.setText("존댓말로 고치기")
    editor.system.setPlainText("당신은 교정 전문가입니다.")
    editor.template_edit.setPlainText("다음 글을 존댓말로 고쳐 쓰세요.\n\n{text}")
    editor.options_edit.setText("temperature = 0.2, num_ctx = 8192")
    editor.model.setCurrentIndex(editor.model.findData("exaone3.5:2.4b"))
    preview = editor.preview.toPlainText()
    assert "[user]\n다음 글을 존댓말로 고쳐 쓰세요.\n\n" + SAMPLE_TEXT in preview
    assert page.save_task()
    stored = harness.saved().get("tasks.custom")
    assert stored == [
        {
            "name": "polite",
            "title": "존댓말로 고치기",
            "system": "당신은 교정 전문가입니다.",
            "template": "다음 글을 존댓말로 고쳐 쓰세요.\n\n{text}",
            "model": "exaone3.5:2.4b",
            "options": {"temperature": 0.2, "num_ctx": 8192},
            "hotkey": "",
            "cleanup": True,
        }
    ]
    assert _titles(page)[-1] == "존댓말로 고치기"
    # The general page offers it as the main hotkey's task at once.
    combo = harness.dialog.general_page.task_combo
    assert combo.findData("polite") >= 0


def test_invalid_task_fields_are_refused_inline(harness: DialogHarness) -> None:
    harness.settings.set("tasks.custom", [CUSTOM])
    page = _page(harness)
    page.list.setCurrentRow(len(BUILTIN_TASKS))
    editor = page.editor
    editor.template_edit.setPlainText("존댓말로 고쳐 쓰세요.")
    editor.options_edit.setText("temperature = ")
    editor.name_edit.setText("summary")
    assert "미리 볼 수 있습니다" in editor.preview.toPlainText()  # no preview without {text}
    assert not page.save_task()
    assert editor.template.has_error and "{text}" in editor.template.error.text()
    assert editor.options.has_error
    editor.template_edit.setPlainText("{text}")
    editor.options_edit.setText("")
    assert not page.save_task()
    assert "같은 이름" in editor.name.error.text()  # "summary" is a built-in task
    assert harness.settings.get("tasks.custom") == [CUSTOM]


def test_duplicate_reorder_and_remove(harness: DialogHarness) -> None:
    harness.settings.set("tasks.custom", [CUSTOM])
    page = _page(harness)
    page.list.setCurrentRow(0)
    page.duplicate_button.click()
    assert _names(harness) == ["polite", "summary-copy"]
    copy = harness.settings.get("tasks.custom")[1]
    assert copy["title"] == "한 줄 요약 (복사본)" and copy["template"] == BUILTIN_TASKS[0].template
    assert page.list.currentRow() == len(BUILTIN_TASKS) + 1
    assert page.up_button.isEnabled() and not page.down_button.isEnabled()
    page.up_button.click()
    assert _names(harness) == ["summary-copy", "polite"]
    assert page.list.currentRow() == len(BUILTIN_TASKS)
    assert not page.up_button.isEnabled() and page.down_button.isEnabled()
    page.down_button.click()
    assert _names(harness) == ["polite", "summary-copy"]
    page.remove_button.click()
    assert _names(harness) == ["polite"]
    assert harness.saved().get("tasks.custom") == [CUSTOM]


def test_task_hotkey_conflicts_are_refused(harness: DialogHarness, qtbot: QtBot) -> None:
    harness.settings.set("tasks.custom", [CUSTOM])
    page = _page(harness)
    page.list.setCurrentRow(len(BUILTIN_TASKS))
    hotkey = page.editor.hotkey_edit
    qtbot.keyClick(hotkey, Qt.Key.Key_K, CTRL_ALT)  # the main hotkey
    assert "주 단축키" in page.editor.hotkey.error.text()
    qtbot.keyClick(hotkey, Qt.Key.Key_L, CTRL_ALT)  # lock screen
    assert "lock screen" in page.editor.hotkey.error.text()
    qtbot.keyClick(hotkey, Qt.Key.Key_J, CTRL_ALT)
    assert not page.editor.hotkey.has_error and hotkey.text() == "Ctrl+Alt+J"
    assert page.save_task()
    assert harness.settings.get("tasks.custom")[0]["hotkey"] == "ctrl+alt+j"


def test_a_builtin_tasks_hotkey_is_saved_at_once(harness: DialogHarness, qtbot: QtBot) -> None:
    page = _page(harness)
    page.list.setCurrentRow(1)  # translate
    hotkey = page.editor.hotkey_edit
    assert hotkey.isEnabled() and not page.editor.template_edit.isEnabled()
    qtbot.keyClick(hotkey, Qt.Key.Key_Y, CTRL_ALT)
    assert harness.saved().get("hotkey.tasks") == {"translate": "ctrl+alt+y"}
    page.list.setCurrentRow(0)
    qtbot.keyClick(hotkey, Qt.Key.Key_Y, CTRL_ALT)  # taken by translate now
    assert "'translate' 작업" in page.editor.hotkey.error.text()
    page.list.setCurrentRow(1)
    assert hotkey.text() == "Ctrl+Alt+Y"
    qtbot.keyClick(hotkey, Qt.Key.Key_Backspace)
    assert harness.settings.get("hotkey.tasks") == {}
