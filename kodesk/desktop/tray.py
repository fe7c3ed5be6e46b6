"""The tray icon and its menu: tasks, models, engine, pause, settings, quit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from kodesk.core.errors import KodeskError
from kodesk.desktop.i18n import Labels

if TYPE_CHECKING:  # for types only: the tray icon does not wait for these imports
    import asyncio

    from kodesk.core.tasks import Task
    from kodesk.core.types import ModelInfo

    ListModels = Callable[[], Awaitable[list[ModelInfo]]]


def load_icon(pngs: Sequence[str]) -> QIcon:
    """An icon from pre-rendered PNG sizes: crisp at every size, and no SVG plugin to load
    before the tray appears."""
    icon = QIcon()
    for path in pngs:
        icon.addFile(path)
    return icon


class Tray(QObject):
    """Tray icon and menu.

    Signals:
        taskChosen(str): a task was checked; it becomes what the main hotkey runs.
        modelChosen(str): a model was picked in the Models submenu.
        engineChosen(str): "ollama" or "embedded".
        pauseToggled(bool): hotkeys paused (True) or resumed.
        settingsRequested: open the settings dialog.
        doctorRequested: open the connection doctor.
        quitRequested: quit the app.
        activated: the icon was clicked (show the last answer).
    """

    taskChosen = Signal(str)
    modelChosen = Signal(str)
    engineChosen = Signal(str)
    pauseToggled = Signal(bool)
    settingsRequested = Signal()
    doctorRequested = Signal()
    quitRequested = Signal()
    activated = Signal()

    def __init__(
        self,
        *,
        labels: Labels,
        icon: QIcon,
        paused_icon: QIcon,
        list_models: ListModels,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._labels = labels
        self._icon = icon
        self._paused_icon = paused_icon
        self._list_models = list_models
        self._model = ""
        self._engine = "ollama"
        self._hotkey = ""
        self._refresh: asyncio.Task[None] | None = None
        self._busy = False
        self.icon = QSystemTrayIcon(icon, self)
        self.menu = QMenu()
        self.tasks_menu_title = self.menu.addSection("")
        self._task_group = QActionGroup(self)
        self._task_group.setExclusive(True)
        self._task_actions: list[QAction] = []
        self._task_hotkeys: dict[str, str] = {}
        self._tasks_end = self.menu.addSeparator()
        self.models_menu = self.menu.addMenu("")
        self.models_menu.aboutToShow.connect(self.refresh_models)
        self._model_group = QActionGroup(self)
        self._model_group.setExclusive(True)
        self.engine_menu = self.menu.addMenu("")
        self._engine_group = QActionGroup(self)
        for kind in ("ollama", "embedded"):
            action = self.engine_menu.addAction("")
            action.setCheckable(True)
            action.setData(kind)
            self._engine_group.addAction(action)
        self._engine_group.triggered.connect(lambda a: self.engineChosen.emit(a.data()))
        self.pause_action = self.menu.addAction("")
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self._on_pause)
        self.hotkey_problem = self.menu.addAction("")
        self.hotkey_problem.setEnabled(False)
        self.hotkey_problem.setVisible(False)
        self.menu.addSeparator()
        self.doctor_action = self.menu.addAction("")
        self.doctor_action.triggered.connect(self.doctorRequested)
        self.settings_action = self.menu.addAction("")
        self.settings_action.triggered.connect(self.settingsRequested)
        self.quit_action = self.menu.addAction("")
        self.quit_action.triggered.connect(self.quitRequested)
        self.icon.setContextMenu(self.menu)
        self.set_labels(labels)
        self.icon.activated.connect(self._on_activated)

    # -- state from the app ---------------------------------------------------------
    def set_labels(self, labels: Labels) -> None:
        """Show the menu in `labels`' language (the language setting changed)."""
        self._labels = labels
        self.tasks_menu_title.setText(labels.tasks)
        self.models_menu.setTitle(labels.models)
        self.engine_menu.setTitle(labels.engine)
        for action in self._engine_group.actions():
            action.setText("Ollama" if action.data() == "ollama" else labels.use_embedded)
        self.pause_action.setText(labels.pause_hotkeys)
        self.doctor_action.setText(labels.connection_doctor)
        self.settings_action.setText(labels.settings)
        self.quit_action.setText(labels.quit)
        self._update_tooltip()

    def set_tasks(self, tasks: Sequence[Task], current: str, hotkeys: dict[str, str]) -> None:
        for action in self._task_actions:
            self._task_group.removeAction(action)
            self.menu.removeAction(action)
        self._task_actions = []
        for task in tasks:
            title = task.title.get(self._labels.lang)
            action = QAction(title, self.menu)
            action.setCheckable(True)
            action.setChecked(task.name == current)
            action.setData((task.name, title))
            action.triggered.connect(lambda _=False, n=task.name: self._choose_task(n))
            self._task_group.addAction(action)
            self.menu.insertAction(self._tasks_end, action)
            self._task_actions.append(action)
        self._task_hotkeys = dict(hotkeys)
        self._label_tasks()

    def _choose_task(self, name: str) -> None:
        self._label_tasks()
        self.taskChosen.emit(name)

    def _label_tasks(self) -> None:
        """Each task with its own hotkey; the checked one also shows the main hotkey."""
        for action in self._task_actions:
            name, title = action.data()
            key = self._task_hotkeys.get(name) or (self._hotkey if action.isChecked() else "")
            action.setText(f"{title}\t{key}" if key else title)

    def current_task(self) -> str:
        checked = self._task_group.checkedAction()
        return str(checked.data()[0]) if checked is not None else ""

    def set_model(self, model: str) -> None:
        self._model = model
        for action in self._model_group.actions():
            action.setChecked(action.data() == model)
        self._update_tooltip()

    def set_engine(self, kind: str) -> None:
        self._engine = kind
        for action in self._engine_group.actions():
            action.setChecked(action.data() == kind)
        self._update_tooltip()

    def set_hotkey(self, label: str) -> None:
        self._hotkey = label
        self._label_tasks()
        self._update_tooltip()

    def set_hotkey_problem(self, reason: str) -> None:
        text = f"{self._labels.hotkeys_unavailable}: {reason}" if reason else ""
        self.hotkey_problem.setText(text)
        self.hotkey_problem.setVisible(bool(reason))
        self._update_tooltip()

    def set_busy(self, busy: bool) -> None:
        """A job is running: say so in the tooltip (its window may be hidden)."""
        self._busy = busy
        self._update_tooltip()

    def set_paused(self, paused: bool) -> None:
        self.pause_action.setChecked(paused)

    def show(self) -> None:
        self.icon.show()

    def notify(self, title: str, message: str) -> None:
        self.icon.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 6000)

    # -- models submenu -------------------------------------------------------------
    def refresh_models(self) -> None:
        """Fill the Models submenu from the engine (called when it opens)."""
        if self._refresh is not None and not self._refresh.done():
            return
        import asyncio  # not at import time: the tray is shown before the event loop exists

        self._set_model_items([], placeholder=self._labels.models_loading)
        self._refresh = asyncio.ensure_future(self._load_models())

    async def _load_models(self) -> None:
        try:
            models = await self._list_models()
        except KodeskError as exc:
            self._set_model_items([], error=exc.message(self._labels.lang))
            return
        self._set_model_items(models, placeholder="" if models else self._labels.no_models)

    def _set_model_items(
        self, models: Sequence[ModelInfo], *, placeholder: str = "", error: str = ""
    ) -> None:
        for action in self._model_group.actions():
            self._model_group.removeAction(action)
        self.models_menu.clear()
        for model in models:
            detail = " · ".join(x for x in (model.parameter_size, model.quantization_level) if x)
            action = self.models_menu.addAction(f"{model.name}  {detail}".strip())
            action.setCheckable(True)
            action.setData(model.name)
            action.setChecked(model.name == self._model)
            action.triggered.connect(lambda _=False, n=model.name: self._choose_model(n))
            self._model_group.addAction(action)
        if placeholder:
            self.models_menu.addAction(placeholder).setEnabled(False)
        if error:
            self.models_menu.addAction(error).setEnabled(False)
            retry = self.models_menu.addAction(self._labels.unreachable_retry)
            retry.triggered.connect(self.refresh_models)
            doctor = self.models_menu.addAction(self._labels.connection_doctor)
            doctor.triggered.connect(self.doctorRequested)

    def _choose_model(self, name: str) -> None:
        self.set_model(name)
        self.modelChosen.emit(name)

    # -- internals ------------------------------------------------------------------
    def _on_pause(self, paused: bool) -> None:
        self.icon.setIcon(self._paused_icon if paused else self._icon)
        self.pauseToggled.emit(paused)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.activated.emit()

    def _update_tooltip(self) -> None:
        L = self._labels
        parts = ["kodesk"]
        engine = "Ollama" if self._engine == "ollama" else L.use_embedded
        parts.append(f"{L.models}: {self._model or '—'} ({engine})")
        if self.hotkey_problem.isVisible():
            parts.append(L.hotkeys_unavailable)
        elif self._hotkey:
            parts.append(self._hotkey)
        if self._busy:
            parts.append(L.answering)
        self.icon.setToolTip("\n".join(parts))
