"""The recommended Korean models (`core.model_catalog`) as a table on the Models page.

Signals: `pullRequested(str)` for an Ollama library name; `downloadRequested(str, str)`
with a Hugging Face repository and quantization for an embedded-engine GGUF.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.human_format import human_size
from kodesk.core.model_catalog import (
    FIT_TEXT,
    SPEED_TEXT,
    CatalogEntry,
    Machine,
    ModelCatalog,
    assess,
)
from kodesk.core.settings_labels import Labels


class RecommendedBox(QGroupBox):
    """Catalog entries with fit and expected speed for this machine, and a Get button."""

    pullRequested = Signal(str)
    downloadRequested = Signal(str, str)

    def __init__(
        self, labels: Labels, catalog: ModelCatalog, parent: QWidget | None = None
    ) -> None:
        t = self.labels = labels
        super().__init__(
            t(
                f"추천 한국어 모델 ({catalog.checked} 확인)",
                f"Recommended Korean models (checked {catalog.checked})",
            ),
            parent,
        )
        self.catalog = catalog
        self.ollama_active = True
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("recommended-models")
        self.table.setHorizontalHeaderLabels(
            [
                t("모델", "Model"),
                t("엔진", "Engine"),
                t("크기", "Size"),
                t("이 PC", "This PC"),
                t("예상 속도", "Expected speed"),
                t("라이선스", "Licence"),
                t("잘하는 것", "Good at"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(190)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.get_selected())
        self.get_button = QPushButton(t.mnemonic("받기", "&Get"))
        self.get_button.setObjectName("recommended-get")
        self.get_button.clicked.connect(self.get_selected)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.get_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.show_entries(None)

    def show_entries(self, machine: Machine | None) -> None:
        """Fill the table; fit and speed once `machine` is known ("…" until then)."""
        t = self.labels
        entries = self.catalog.entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            fit = speed = "…"
            if machine is not None:
                assessment = assess(entry.size, machine)
                fit = t.text(FIT_TEXT[assessment.fit])
                speed = t.text(SPEED_TEXT[assessment.speed])
            licence = entry.licence + (
                "" if entry.commercial else t(", 비상업용", ", non-commercial")
            )
            name = entry.file if entry.kind == "gguf" and entry.file else entry.name
            if not entry.confirmed:
                name += t(" (미확인)", " (unconfirmed)")
            cells = [
                name,
                "Ollama" if entry.kind == "ollama" else t("내장 엔진 (GGUF)", "embedded (GGUF)"),
                human_size(entry.size),
                fit,
                speed,
                licence,
                t.text(entry.good_at),
            ]
            tip = "\n".join([entry.repo or entry.name, *entry.sources])
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                self.table.setItem(row, column, item)
        self._selection_changed()

    def selected(self) -> CatalogEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.catalog.entries[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        for row, entry in enumerate(self.catalog.entries):
            if entry.name == name:
                self.table.selectRow(row)
                return
        raise KeyError(name)

    def set_ollama_active(self, active: bool) -> None:
        """Whether Ollama is the engine: its library models can be pulled only then."""
        self.ollama_active = active
        self._selection_changed()

    def _selection_changed(self) -> None:
        entry = self.selected()
        pullable = entry is not None and (entry.kind != "ollama" or self.ollama_active)
        self.get_button.setEnabled(pullable)
        self.get_button.setToolTip(
            ""
            if pullable or entry is None
            else self.labels(
                "Ollama 라이브러리 모델은 엔진이 Ollama일 때 받을 수 있습니다 "
                "(설정 → 일반 → 엔진). 내장 엔진에는 GGUF 모델을 고르세요.",
                "Ollama library models can be pulled when the engine is Ollama "
                "(Settings → General → Engine). For the embedded engine, pick a GGUF model.",
            )
        )

    def get_selected(self) -> None:
        entry = self.selected()
        if entry is None or not self.get_button.isEnabled():
            return
        if entry.kind == "ollama":
            self.pullRequested.emit(entry.name)
        elif entry.repo is not None:
            self.downloadRequested.emit(entry.repo, entry.quantization)
