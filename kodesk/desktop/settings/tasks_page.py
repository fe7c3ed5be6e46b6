"""Tasks page: the task list (built-in ones read-only), add, duplicate, edit, remove, reorder."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.errors import Text
from kodesk.core.hotkey_rules import hotkey_problem, hotkeys_in_use
from kodesk.core.tasks import BUILTIN_TASKS, Task, task_from_table, task_to_table
from kodesk.desktop.settings.page import PageContext, SettingsPage, message_label
from kodesk.desktop.settings.task_editor import TaskEditor

NEW_TEMPLATE = "다음 글을 읽고 답하세요.\n\n<글>\n{text}\n</글>"


class TasksPage(SettingsPage):
    title = Text("작업", "Tasks")

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        t = self.labels
        self.list = QListWidget()
        self.list.setObjectName("task-list")
        self.list.currentRowChanged.connect(self._selected)
        self.add_button = QPushButton(t.mnemonic("추가", "&Add"))
        self.duplicate_button = QPushButton(t.mnemonic("복제", "D&uplicate"))
        self.remove_button = QPushButton(t.mnemonic("삭제", "&Remove"))
        self.up_button = QPushButton(t.mnemonic("위로", "Move u&p"))
        self.down_button = QPushButton(t.mnemonic("아래로", "Move do&wn"))
        self.save_button = QPushButton(t.mnemonic("저장", "&Save"))
        self.add_button.clicked.connect(self.add_task)
        self.duplicate_button.clicked.connect(self.duplicate_task)
        self.remove_button.clicked.connect(self.remove_task)
        self.up_button.clicked.connect(lambda: self.move_task(-1))
        self.down_button.clicked.connect(lambda: self.move_task(1))
        self.save_button.clicked.connect(self.save_task)
        self.editor = TaskEditor(t, self._hotkey_problem)
        self.editor.builtinHotkeyChosen.connect(self._builtin_hotkey)
        self.message = message_label()
        self.message.hide()
        ctx.catalog.changed.connect(self._models_changed)
        self.editor.set_models(ctx.catalog.names())
        self._build_layout()
        self._fill()
        self.list.setCurrentRow(0)
        stop_observing = ctx.settings.observe(self._setting_changed)
        self.destroyed.connect(lambda *_: stop_observing())

    def _models_changed(self) -> None:
        self.editor.set_models(self.ctx.catalog.names())

    def _setting_changed(self, key: str) -> None:
        """Follow task changes made elsewhere (this page re-selects after its own)."""
        if key == "tasks.custom":
            self._fill(
                min(self.list.currentRow(), len(BUILTIN_TASKS) + len(self.custom_tables()) - 1)
            )

    def _build_layout(self) -> None:
        buttons = QGridLayout()
        for i, button in enumerate(
            (
                self.add_button,
                self.duplicate_button,
                self.remove_button,
                self.up_button,
                self.down_button,
            )
        ):
            buttons.addWidget(button, i // 2, i % 2)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addLayout(buttons)
        scroll = QScrollArea()
        scroll.setWidget(self.editor)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        save_row = QHBoxLayout()
        save_row.addWidget(self.message, 1)
        save_row.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        right.addWidget(scroll, 1)
        right.addLayout(save_row)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 5)

    # -- the list -------------------------------------------------------------------
    def custom_tables(self) -> list[dict[str, Any]]:
        tables: list[dict[str, Any]] = self.ctx.settings.get("tasks.custom")
        return tables

    def _fill(self, select: int | None = None) -> None:
        t = self.labels
        self.list.blockSignals(True)
        self.list.clear()
        for task in BUILTIN_TASKS:
            item = QListWidgetItem(f"{t.text(task.title)} · {t('기본 제공', 'built-in')}")
            item.setData(Qt.ItemDataRole.UserRole, task.name)
            self.list.addItem(item)
        for table in self.custom_tables():
            item = QListWidgetItem(str(table.get("title") or table.get("name")))
            item.setData(Qt.ItemDataRole.UserRole, table.get("name"))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if select is not None:
            self.list.setCurrentRow(select)

    def _custom_index(self, row: int | None = None) -> int | None:
        """Index in `tasks.custom` of a list row (the selected one by default)."""
        index = (self.list.currentRow() if row is None else row) - len(BUILTIN_TASKS)
        return index if 0 <= index < len(self.custom_tables()) else None

    def _selected(self, row: int) -> None:
        index = self._custom_index(row)
        self.message.hide()
        if index is None:
            if 0 <= row < len(BUILTIN_TASKS):
                task = BUILTIN_TASKS[row]
                hotkey = self.ctx.settings.get("hotkey.tasks").get(task.name, "")
                self.editor.load(task, None, hotkey)
        else:
            table = self.custom_tables()[index]
            self.editor.load(task_from_table(table), table)
        self._update_buttons()

    def _update_buttons(self) -> None:
        index = self._custom_index()
        count = len(self.custom_tables())
        custom = index is not None
        self.remove_button.setEnabled(custom)
        self.save_button.setEnabled(custom)
        self.up_button.setEnabled(index is not None and index > 0)
        self.down_button.setEnabled(index is not None and index < count - 1)

    def selected_task(self) -> Task | None:
        row = self.list.currentRow()
        index = self._custom_index()
        if index is not None:
            return task_from_table(self.custom_tables()[index])
        return BUILTIN_TASKS[row] if 0 <= row < len(BUILTIN_TASKS) else None

    def _write(self, tables: list[dict[str, Any]], index: int) -> bool:
        """Store the custom tasks and select custom task `index` (-1: the last built-in)."""
        reason = self.ctx.binding.apply("tasks.custom", tables)
        if reason:
            self.show_error_text(reason)
            return False
        self._fill(len(BUILTIN_TASKS) + index)
        return True

    def show_error_text(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c62828;")
        self.message.show()

    def _unique_name(self, base: str) -> str:
        taken = {t.name for t in BUILTIN_TASKS} | {str(x.get("name")) for x in self.custom_tables()}
        name, n = base, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        return name

    # -- actions --------------------------------------------------------------------
    def add_task(self) -> None:
        tables = self.custom_tables()
        name = self._unique_name("my-task")
        tables.append(
            {
                "name": name,
                "title": self.labels("새 작업", "New task"),
                "system": "",
                "template": NEW_TEMPLATE,
                "model": "",
                "options": {},
                "hotkey": "",
                "cleanup": True,
            }
        )
        self._write(tables, len(tables) - 1)

    def duplicate_task(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        table = task_to_table(task)
        table["name"] = self._unique_name(f"{task.name}-copy")
        table["title"] = self.labels(f"{task.title.ko} (복사본)", f"{task.title.en} (copy)")
        table["hotkey"] = ""
        tables = self.custom_tables()
        tables.append(table)
        self._write(tables, len(tables) - 1)

    def remove_task(self) -> None:
        index = self._custom_index()
        if index is None:
            return
        tables = self.custom_tables()
        del tables[index]
        self._write(tables, index - 1)

    def move_task(self, step: int) -> None:
        index = self._custom_index()
        tables = self.custom_tables()
        if index is None or not 0 <= index + step < len(tables):
            return
        tables[index], tables[index + step] = tables[index + step], tables[index]
        self._write(tables, index + step)

    def save_task(self) -> bool:
        """Validate the form and store the task; problems are shown under the fields."""
        index = self._custom_index()
        table = self.editor.table()
        if index is None or table is None:
            return False
        tables = self.custom_tables()
        names = {t.name for t in BUILTIN_TASKS} | {
            str(x.get("name")) for i, x in enumerate(tables) if i != index
        }
        if table["name"] in names:
            self.editor.name.set_error(
                self.labels(
                    "같은 이름의 작업이 이미 있습니다.", "A task with this name already exists."
                )
            )
            return False
        tables[index] = {**tables[index], **table}
        if self._write(tables, index):
            self.message.setStyleSheet("")
            self.message.setText(self.labels("저장했습니다.", "Saved."))
            self.message.show()
            return True
        return False

    def _builtin_hotkey(self, name: str, combo: str) -> None:
        """A built-in task's hotkey lives in `hotkey.tasks`; it is saved at once."""
        table = self.ctx.settings.get("hotkey.tasks")
        if combo:
            table[name] = combo
        else:
            table.pop(name, None)
        reason = self.ctx.binding.apply("hotkey.tasks", table)
        self.editor.hotkey.set_error(reason)

    def _hotkey_problem(self, task_name: str, combo: str) -> Text | None:
        index = self._custom_index()
        others = [x for i, x in enumerate(self.custom_tables()) if i != index]
        return hotkey_problem(combo, task_name, hotkeys_in_use(self.ctx.settings, others))
