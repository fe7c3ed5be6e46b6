"""The form for one task, with inline checks and a preview of the exact messages sent."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from typing import Any

import tomli_w
from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from kodesk.core.errors import Text
from kodesk.core.settings_labels import Labels
from kodesk.core.tasks import Task, TaskError, task_from_table
from kodesk.desktop.settings.fields import ValidatedField
from kodesk.desktop.settings.hotkey_edit import HotkeyEdit

SAMPLE_TEXT = (
    "서울시는 내년부터 시내버스 전 노선에 저상버스를 도입한다고 밝혔다. "
    "시는 휠체어 이용자와 노약자의 이동 편의를 높이기 위해 3년간 1,200억 원을 투입할 계획이다."
)
#: Checks a hotkey for the task being edited: (task name, hotkey) → problem or None.
HotkeyCheck = Callable[[str, str], Text | None]


def options_text(options: Mapping[str, Any]) -> str:
    """Options as one TOML-like line: `temperature = 0.2, num_ctx = 8192`."""
    return ", ".join(tomli_w.dumps({k: v}).strip() for k, v in options.items())


def parse_options(text: str) -> dict[str, Any]:
    """The inverse of `options_text`; raises ValueError with the reason."""
    try:
        return dict(tomllib.loads(f"options = {{ {text} }}")["options"]) if text.strip() else {}
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None


def _text_box(lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 12)
    return box


class TaskEditor(QWidget):
    """Edits a task table. Built-in tasks are shown read-only.

    Signals: `edited()` whenever a field changes (the preview follows it);
    `builtinHotkeyChosen(name, hotkey)` when a built-in task's hotkey is accepted.
    """

    edited = Signal()
    builtinHotkeyChosen = Signal(str, str)

    def __init__(
        self, labels: Labels, hotkey_check: HotkeyCheck, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.labels = t = labels
        self._hotkey_check = hotkey_check
        self.name = ValidatedField(QLineEdit())
        self.title = QLineEdit()
        self.system = _text_box(3)
        self.template = ValidatedField(_text_box(5))
        self.model = QComboBox()
        self.options = ValidatedField(QLineEdit())
        self.options.editor.setToolTip("temperature = 0.2, num_ctx = 8192")
        self.hotkey_edit = HotkeyEdit()
        self.hotkey = ValidatedField(self.hotkey_edit)
        self.hotkey_edit.hotkeyChosen.connect(self._hotkey_chosen)
        self.cleanup = QCheckBox(
            t.mnemonic("웹 페이지 군더더기 지우기", "Remove web page &clutter")
        )
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setObjectName("task-preview")
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.addRow(t.mnemonic("이름", "&Name"), self.name)
        form.addRow(t.mnemonic("제목", "T&itle"), self.title)
        form.addRow(t.mnemonic("시스템 프롬프트", "&System prompt"), self.system)
        form.addRow(
            t.mnemonic("템플릿 ({text} 필수)", "Te&mplate ({text} required)"), self.template
        )
        form.addRow(t.mnemonic("모델", "M&odel"), self.model)
        form.addRow(t.mnemonic("옵션", "O&ptions"), self.options)
        form.addRow(t.mnemonic("단축키", "&Hotkey"), self.hotkey)
        form.addRow("", self.cleanup)
        form.addRow(t("보낼 메시지 미리 보기", "Preview of the messages sent"), self.preview)
        self._builtin: Task | None = None
        for signal in (
            self.name_edit.textChanged,
            self.title.textChanged,
            self.options_edit.textChanged,
            self.system.textChanged,
            self.template_edit.textChanged,
            self.cleanup.toggled,
            self.model.currentIndexChanged,
        ):
            signal.connect(self._changed)

    @property
    def name_edit(self) -> QLineEdit:
        editor = self.name.editor
        assert isinstance(editor, QLineEdit)
        return editor

    @property
    def template_edit(self) -> QPlainTextEdit:
        editor = self.template.editor
        assert isinstance(editor, QPlainTextEdit)
        return editor

    @property
    def options_edit(self) -> QLineEdit:
        editor = self.options.editor
        assert isinstance(editor, QLineEdit)
        return editor

    def set_models(self, names: list[str]) -> None:
        current = self.model.currentData()
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItem(self.labels("기본 모델", "Default model"), "")
        for name in names:
            self.model.addItem(name, name)
        self.model.setCurrentIndex(max(0, self.model.findData(current)))
        self.model.blockSignals(False)

    def load(self, task: Task, table: Mapping[str, Any] | None, hotkey: str = "") -> None:
        """Show `task`; editable when `table` (its settings table) is given. A built-in
        task is read-only except its `hotkey` (kept in the `hotkey.tasks` setting)."""
        self._builtin = None if table is not None else task
        widgets: list[QWidget] = [
            self.name_edit,
            self.title,
            self.system,
            self.template_edit,
            self.model,
            self.options_edit,
            self.hotkey_edit,
            self.cleanup,
        ]
        for widget in widgets:
            widget.blockSignals(True)
        self.name_edit.setText(task.name)
        self.title.setText(self.labels.text(task.title))
        self.system.setPlainText(task.system)
        self.template_edit.setPlainText(task.template)
        if self.model.findData(task.model) < 0:
            self.model.addItem(task.model, task.model)
        self.model.setCurrentIndex(self.model.findData(task.model))
        self.options_edit.setText(options_text(task.options))
        self.hotkey_edit.set_value(task.hotkey if table is not None else hotkey)
        self.cleanup.setChecked(task.cleanup)
        for widget in widgets:
            widget.blockSignals(False)
            widget.setEnabled(table is not None or widget is self.hotkey_edit)
        for field in (self.name, self.template, self.options, self.hotkey):
            field.set_error(None)
        self._changed()

    def table(self) -> dict[str, Any] | None:
        """The edited task as a settings table, or None (problems shown under the fields)."""
        t = self.labels
        name = self.name_edit.text().strip()
        self.name.set_error(None if name else t("이름을 쓰세요.", "Enter a name."))
        template = self.template_edit.toPlainText()
        self.template.set_error(
            None
            if "{text}" in template
            else t(
                "템플릿에 입력 글이 들어갈 자리 {text}가 있어야 합니다.",
                "The template must contain {text}, where the input goes.",
            )
        )
        try:
            options = parse_options(self.options_edit.text())
            self.options.set_error(None)
        except ValueError as exc:
            options = {}
            self.options.set_error(
                t(f"옵션 형식이 잘못되었습니다: {exc}", f"The options cannot be read: {exc}")
            )
        if any(f.has_error for f in (self.name, self.template, self.options, self.hotkey)):
            return None
        return {
            "name": name,
            "title": self.title.text().strip() or name,
            "system": self.system.toPlainText(),
            "template": template,
            "model": self.model.currentData() or "",
            "options": options,
            "hotkey": self.hotkey_edit.value,
            "cleanup": self.cleanup.isChecked(),
        }

    def current_task(self) -> Task | None:
        """The task as edited so far (for the preview), or None while it is invalid."""
        if self._builtin is not None:
            return self._builtin
        try:
            options = parse_options(self.options_edit.text())
            return task_from_table(
                {
                    "name": self.name_edit.text().strip(),
                    "title": self.title.text(),
                    "system": self.system.toPlainText(),
                    "template": self.template_edit.toPlainText(),
                    "options": options,
                }
            )
        except (TaskError, ValueError):
            return None

    def _hotkey_chosen(self, combo: str) -> None:
        problem = self._hotkey_check(self.name_edit.text().strip(), combo)
        self.hotkey.set_error(self.labels.text(problem) if problem else None)
        if problem is None:
            self.hotkey_edit.set_value(combo)
            if self._builtin is not None:
                self.builtinHotkeyChosen.emit(self._builtin.name, combo)
            self._changed()

    def _changed(self) -> None:
        task = self.current_task()
        if task is None:
            self.preview.setPlainText(
                self.labels(
                    "(이름과 {text}가 든 템플릿이 있어야 미리 볼 수 있습니다)",
                    "(a name and a template with {text} are needed for the preview)",
                )
            )
        else:
            model = self.model.currentData() or self.labels("기본 모델", "default model")
            messages = task.messages(SAMPLE_TEXT, model=model)
            self.preview.setPlainText("\n\n".join(f"[{m.role}]\n{m.content}" for m in messages))
        self.edited.emit()
