"""The settings window: a page list on the left, the chosen page on the right."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.settings import Settings, SettingsStore
from kodesk.core.settings_labels import Labels
from kodesk.desktop.autostart import Autostart
from kodesk.desktop.i18n import pick_language
from kodesk.desktop.settings.connection_page import ConnectionPage
from kodesk.desktop.settings.context_page import ContextPage
from kodesk.desktop.settings.create_page import CreatePage
from kodesk.desktop.settings.fields import SettingsBinding
from kodesk.desktop.settings.general_page import GeneralPage
from kodesk.desktop.settings.jobs import EngineFactory
from kodesk.desktop.settings.models_page import ModelsPage
from kodesk.desktop.settings.page import ModelCatalog, PageContext, SettingsPage
from kodesk.desktop.settings.parameters_page import ParametersPage
from kodesk.desktop.settings.tasks_page import TasksPage

PAGE_NAMES = ("connection", "models", "create", "parameters", "context", "tasks", "general")


class SettingsDialog(QDialog):
    """Non-modal settings window. Every accepted change is applied and saved at once.

    Signals: `modelsChanged()` after a pull, create or delete; `endpointChanged(str)`
    when `ollama.endpoint` changes (other settings reach the app through
    `Settings.observe`). Closing (Esc) cancels any running pull or create.
    `autostart` is where "start at login" is written (default: this platform's).
    """

    modelsChanged = Signal()
    endpointChanged = Signal(str)

    def __init__(
        self,
        settings: Settings,
        store: SettingsStore,
        engine_factory: EngineFactory,
        parent: QWidget | None = None,
        *,
        autostart: Autostart | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModal(False)
        self._settings = settings
        self.catalog = ModelCatalog(engine_factory, self)
        self.catalog.mutated.connect(self.modelsChanged)
        self._ctx = PageContext(
            settings,
            SettingsBinding(settings, store),
            engine_factory,
            Labels(pick_language(settings.get("ui.language"))),
            self.catalog,
            autostart,
        )
        self.page_list = QListWidget()
        self.stack = QStackedWidget()
        self.page_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.buttons = QDialogButtonBox()
        self.buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.pages: dict[str, SettingsPage] = {}
        self._build_pages()
        stop_observing = settings.observe(self._setting_changed)
        self.destroyed.connect(lambda *_: stop_observing())
        self.resize(1000, 700)

    def _build_pages(self) -> None:
        """(Re)create the pages in the current language, keeping the chosen page."""
        row = max(0, self.page_list.currentRow())
        for page in self.pages.values():
            page.shutdown()
            self.stack.removeWidget(page)
            page.deleteLater()
        ctx = self._ctx
        labels = ctx.labels
        self.setWindowTitle(labels("kodesk 설정", "kodesk settings"))
        self.connection_page = ConnectionPage(ctx)
        self.models_page = ModelsPage(ctx)
        self.create_page = CreatePage(ctx)
        self.parameters_page = ParametersPage(ctx)
        self.context_page = ContextPage(ctx)
        self.tasks_page = TasksPage(ctx)
        self.general_page = GeneralPage(ctx)
        self.pages = dict(
            zip(
                PAGE_NAMES,
                (
                    self.connection_page,
                    self.models_page,
                    self.create_page,
                    self.parameters_page,
                    self.context_page,
                    self.tasks_page,
                    self.general_page,
                ),
                strict=True,
            )
        )
        self.page_list.blockSignals(True)
        self.page_list.clear()
        for page in self.pages.values():
            self.page_list.addItem(labels.text(page.title))
            self.stack.addWidget(page)
        self.page_list.blockSignals(False)
        self.page_list.setFixedWidth(self.page_list.sizeHintForColumn(0) + 36)
        self.page_list.setCurrentRow(row)
        self.stack.setCurrentIndex(row)
        self.buttons.clear()
        close = self.buttons.addButton(
            labels("닫기", "Close"), QDialogButtonBox.ButtonRole.RejectRole
        )
        close.setAutoDefault(False)

    def show_page(self, name: str) -> SettingsPage:
        """Switch to the page called `name` (one of PAGE_NAMES)."""
        self.page_list.setCurrentRow(PAGE_NAMES.index(name))
        return self.pages[name]

    def refresh_models(self) -> None:
        """Reload the installed and loaded models (done on open and after changes)."""
        self.models_page.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh_models()

    def hideEvent(self, event: QHideEvent) -> None:
        """Closing (not minimizing) the window cancels running work."""
        if not event.spontaneous():
            for page in self.pages.values():
                page.shutdown()
        super().hideEvent(event)

    def _setting_changed(self, key: str) -> None:
        if key == "ollama.endpoint":
            self.endpointChanged.emit(self._settings.get(key))
            self.refresh_models()
        elif key == "ui.language":
            labels = Labels(pick_language(self._settings.get(key)))
            if labels.lang != self._ctx.labels.lang:
                self._ctx.labels = labels
                # Later: the change comes from a combo box on a page about to be replaced.
                QTimer.singleShot(0, self._relabel)

    def _relabel(self) -> None:
        self._build_pages()
        if self.isVisible():
            self.refresh_models()
