"""What every settings page shares: the context it works in and its base class."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from kodesk.core.errors import KodeskError, Text
from kodesk.core.settings import Settings
from kodesk.core.settings_labels import Labels
from kodesk.core.types import ModelInfo
from kodesk.desktop.autostart import Autostart
from kodesk.desktop.plain_text import plain_label
from kodesk.desktop.settings.fields import SettingsBinding
from kodesk.desktop.settings.jobs import EngineFactory, Jobs


class ModelCatalog(QObject):
    """The installed models, shared by the pages that offer a model choice.

    Signals: `changed()` after each refresh; `mutated()` after a pull, create or
    delete (the dialog turns it into `modelsChanged` for the tray).
    """

    changed = Signal()
    mutated = Signal()

    def __init__(self, engine_factory: EngineFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = engine_factory
        self.models: list[ModelInfo] = []

    def names(self) -> list[str]:
        return [m.name for m in self.models]

    async def refresh(self) -> None:
        engine = self._factory()
        self.models = await engine.list_models()
        self.changed.emit()


@dataclass
class PageContext:
    settings: Settings
    binding: SettingsBinding
    engine_factory: EngineFactory
    labels: Labels
    catalog: ModelCatalog
    #: Where "start at login" is written; None: this platform's (made when first needed).
    autostart: Autostart | None = None


class SettingsPage(QWidget):
    """One page of the dialog. `title` names it in the page list."""

    title = Text("", "")

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.labels = ctx.labels
        self.jobs = Jobs()

    def shutdown(self) -> None:
        """Cancel running work (the dialog is closing)."""
        self.jobs.cancel_all()

    def show_error(self, label: QLabel, error: KodeskError) -> None:
        label.setText(error.explain(self.labels.lang))
        label.setStyleSheet("color: #c62828;")
        label.show()

    def show_info(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setStyleSheet("")
        label.show()


def message_label(*, wrap: bool = True) -> QLabel:
    """A selectable label for results and errors.

    In a form row, pass `wrap=False` and wrap only long texts: a wrapping label there
    makes its row taller than its text.
    """
    label = plain_label()
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label
