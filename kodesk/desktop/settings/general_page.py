"""General page: main hotkey, start at login, language, history, engine, defaults."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from kodesk.core.errors import Text
from kodesk.core.hotkey_rules import MAIN, hotkey_problem, hotkeys_in_use
from kodesk.core.tasks import all_tasks
from kodesk.desktop.autostart import apply_at_login, launch_command, platform_autostart
from kodesk.desktop.settings.fields import SchemaForm, ValidatedField
from kodesk.desktop.settings.hotkey_edit import HotkeyEdit
from kodesk.desktop.settings.page import PageContext, SettingsPage


class GeneralPage(SettingsPage):
    title = Text("일반", "General")

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        t = self.labels
        self.form = SchemaForm(ctx.binding, t)
        self.hotkey = HotkeyEdit(ctx.settings.get("hotkey.main"))
        self.hotkey.setObjectName("hotkey.main")
        self.hotkey.setToolTip(
            t(
                "누르는 키 조합이 그대로 기록됩니다. Backspace로 지웁니다.",
                "Press the combination to record it; Backspace clears it.",
            )
        )
        self.hotkey.hotkeyChosen.connect(self.choose_hotkey)
        self.hotkey_field = ValidatedField(self.hotkey)
        self.form.add_row(t.setting("hotkey.main"), self.hotkey_field)
        self.task_combo = QComboBox()
        self.task_combo.setObjectName("task.default")
        self.task_combo.activated.connect(
            lambda _i: ctx.binding.apply("task.default", self.task_combo.currentData())
        )
        self.form.add_row(t.setting("task.default"), self.task_combo)
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("model.default")
        self.model_combo.activated.connect(
            lambda _i: ctx.binding.apply("model.default", self.model_combo.currentData())
        )
        self.form.add_row(t.setting("model.default"), self.model_combo)
        self.form.add_setting("capture.mode")
        self.form.add_setting("engine.kind")
        self.form.add_setting("ui.language")
        self.form.add_setting("history.enabled")
        self.form.add_setting("startup.at_login")
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addStretch(1)
        ctx.catalog.changed.connect(self._fill_models)
        stop_observing = ctx.settings.observe(self._changed)
        self.destroyed.connect(lambda *_: stop_observing())
        self._fill_tasks()
        self._fill_models()

    def choose_hotkey(self, combo: str) -> bool:
        """Take `combo` as the main hotkey unless it clashes; True when it was saved."""
        problem = hotkey_problem(combo, MAIN, hotkeys_in_use(self.ctx.settings))
        if combo == "":
            problem = Text("주 단축키는 비워 둘 수 없습니다.", "The main hotkey cannot be empty.")
        reason = (
            self.labels.text(problem) if problem else self.ctx.binding.apply("hotkey.main", combo)
        )
        self.hotkey_field.set_error(reason)
        if reason is None:
            self.hotkey.set_value(combo)
        return reason is None

    def _fill_tasks(self) -> None:
        tasks, _problems = all_tasks(self.ctx.settings.get("tasks.custom"))
        self.task_combo.clear()
        for task in tasks:
            self.task_combo.addItem(self.labels.text(task.title), task.name)
        self.task_combo.setCurrentIndex(
            max(0, self.task_combo.findData(self.ctx.settings.get("task.default")))
        )

    def _fill_models(self) -> None:
        self.model_combo.clear()
        self.model_combo.addItem(
            self.labels("(첫 번째 설치된 모델)", "(first installed model)"), ""
        )
        current = self.ctx.settings.get("model.default")
        names = self.ctx.catalog.names()
        for name in [*names, *([current] if current and current not in names else [])]:
            self.model_combo.addItem(name, name)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(current)))

    def _changed(self, key: str) -> None:
        if key == "tasks.custom":
            self._fill_tasks()
        elif key == "hotkey.main":
            self.hotkey.set_value(self.ctx.settings.get(key))
        elif key == "startup.at_login":
            self._apply_at_login(self.ctx.settings.get(key))

    def _apply_at_login(self, enabled: bool) -> None:
        """Write or remove the login entry (Run key / XDG autostart) to match the setting."""
        if self.ctx.autostart is None:
            self.ctx.autostart = platform_autostart()
        try:
            apply_at_login(self.ctx.autostart, enabled, launch_command())
        except OSError as exc:
            self.form.fields["startup.at_login"].set_error(
                self.labels(
                    f"로그인 시 시작을 설정하지 못했습니다: {exc}",
                    f"Could not change starting at login: {exc}",
                )
            )
