"""Models page: installed and loaded models, pull with progress, delete, details; the
recommended Korean models and the Hugging Face import dialog."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.errors import KodeskError, Text
from kodesk.core.human_format import human_size, local_time
from kodesk.core.model_catalog import Machine, load_catalog, this_machine
from kodesk.core.transfer_meter import TransferMeter
from kodesk.core.types import LoadedModel, ModelInfo
from kodesk.desktop.plain_text import message_box
from kodesk.desktop.settings.details_dialog import ModelDetailsDialog
from kodesk.desktop.settings.hf_dialog import HFImportDialog
from kodesk.desktop.settings.page import PageContext, SettingsPage, message_label
from kodesk.desktop.settings.recommended_box import RecommendedBox


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.setTabKeyNavigation(False)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c and text[:1].isdigit():
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def _selected_name(table: QTableWidget) -> str | None:
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    item = table.item(rows[0].row(), 0)
    return item.text() if item else None


class ModelsPage(SettingsPage):
    title = Text("모델", "Models")

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        t = self.labels
        self.installed = _table(
            [
                t("이름", "Name"),
                t("계열", "Family"),
                t("크기", "Parameters"),
                t("양자화", "Quantization"),
                t("디스크", "On disk"),
                t("수정한 때", "Modified"),
            ]
        )
        self.installed.setObjectName("installed-models")
        self.refresh_button = QPushButton(t.mnemonic("새로 고침", "&Refresh"))
        self.details_button = QPushButton(t.mnemonic("자세히…", "&Details…"))
        self.delete_button = QPushButton(t.mnemonic("삭제…", "De&lete…"))
        self.refresh_button.clicked.connect(self.reload)
        self.details_button.clicked.connect(self.open_details)
        self.delete_button.clicked.connect(self.ask_delete)
        self.installed.itemSelectionChanged.connect(self._selection_changed)
        self.installed.doubleClicked.connect(lambda _index: self.open_details())

        self.loaded = _table(
            [
                t("메모리에 올라온 모델", "Loaded model"),
                "VRAM",
                t("컨텍스트", "Context"),
                t("내려가는 때", "Expires"),
            ]
        )
        self.loaded.setObjectName("loaded-models")
        self.loaded.setMaximumHeight(110)
        self.unload_button = QPushButton(t.mnemonic("메모리에서 내리기", "&Unload"))
        self.unload_button.clicked.connect(self.unload_selected)

        self.pull_name = QLineEdit()
        self.pull_name.setPlaceholderText(t("예: exaone3.5:7.8b", "e.g. exaone3.5:7.8b"))
        self.pull_name.returnPressed.connect(self.start_pull)
        self.pull_button = QPushButton(t.mnemonic("받기", "&Pull"))
        self.pull_button.clicked.connect(self.start_pull)
        self.cancel_button = QPushButton(t.mnemonic("취소", "&Cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_pull)
        self.pull_box = QGroupBox()
        self.pull_bar = QProgressBar()
        self.pull_bar.setTextVisible(True)
        self.pull_bar.hide()
        self.pull_status = message_label()
        self.pull_status.setObjectName("pull-status")
        self.message = message_label()
        self.message.setObjectName("models-message")
        self.message.hide()
        self._pull_task: asyncio.Task[None] | None = None
        self._details: list[ModelDetailsDialog] = []
        self.recommended = RecommendedBox(t, load_catalog())
        self.recommended.pullRequested.connect(self.start_pull)
        self.recommended.downloadRequested.connect(self.open_hf_dialog)
        self.hf_button = QPushButton(t.mnemonic("Hugging Face에서…", "From &Hugging Face…"))
        self.hf_button.clicked.connect(lambda: self.open_hf_dialog())
        self.machine: Machine | None = None
        self._hf_dialogs: list[HFImportDialog] = []
        self.jobs.start(self._probe_machine(), on_error=self._error)
        self._build_layout()
        self._show_engine()
        self._selection_changed()
        ctx.catalog.changed.connect(self._show_installed)
        self._show_installed()

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.refresh_button, self.details_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.unload_button)
        pull_box = self.pull_box
        pull_row = QHBoxLayout()
        pull_row.addWidget(self.pull_name, 1)
        pull_row.addWidget(self.pull_button)
        pull_row.addWidget(self.cancel_button)
        pull_row.addWidget(self.hf_button)
        pull_layout = QVBoxLayout(pull_box)
        pull_layout.addLayout(pull_row)
        pull_layout.addWidget(self.pull_bar)
        pull_layout.addWidget(self.pull_status)
        layout = QVBoxLayout(self)
        layout.addWidget(self.installed, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.loaded)
        layout.addWidget(self.recommended)
        layout.addWidget(pull_box)

    # -- listing --------------------------------------------------------------------
    def reload(self) -> None:
        self._show_engine()
        self.jobs.start(self._reload(), busy=[self.refresh_button], on_error=self._error)

    def _show_engine(self) -> None:
        """No Ollama pull while the embedded engine is in use (the GGUF import stays)."""
        t = self.labels
        ollama = self.ctx.settings.get("engine.kind") != "embedded"
        self.pull_name.setVisible(ollama)
        self.pull_button.setVisible(ollama)
        self.cancel_button.setVisible(ollama or self._pull_task is not None)
        self.pull_box.setTitle(
            t("모델 받기 (Ollama 라이브러리)", "Pull a model (Ollama library)")
            if ollama
            else t("GGUF 가져오기 (내장 엔진)", "Import a GGUF (embedded engine)")
        )
        self.recommended.set_ollama_active(ollama)

    async def _reload(self) -> None:
        await self.ctx.catalog.refresh()
        engine = self.ctx.engine_factory()
        loaded = await engine.list_loaded()
        self._show_loaded(loaded)

    def _show_installed(self) -> None:
        models: list[ModelInfo] = self.ctx.catalog.models
        _fill(
            self.installed,
            [
                [
                    m.name,
                    m.family,
                    m.parameter_size,
                    m.quantization_level,
                    human_size(m.size),
                    local_time(m.modified_at),
                ]
                for m in models
            ],
        )
        self._selection_changed()

    def _show_loaded(self, loaded: list[LoadedModel]) -> None:
        _fill(
            self.loaded,
            [
                [
                    m.name,
                    human_size(m.size_vram),
                    f"{m.context_length:,}" if m.context_length else "",
                    local_time(m.expires_at),
                ]
                for m in loaded
            ],
        )
        self.unload_button.setEnabled(bool(loaded))

    def _selection_changed(self) -> None:
        chosen = _selected_name(self.installed) is not None
        self.details_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def select_model(self, name: str) -> None:
        for row in range(self.installed.rowCount()):
            item = self.installed.item(row, 0)
            if item and item.text() == name:
                self.installed.selectRow(row)
                return
        raise KeyError(name)

    def _error(self, error: KodeskError) -> None:
        self.show_error(self.message, error)

    # -- delete ---------------------------------------------------------------------
    def ask_delete(self) -> QMessageBox | None:
        """Ask before deleting the selected model; the box is returned for tests."""
        name = _selected_name(self.installed)
        if name is None:
            return None
        t = self.labels
        box = message_box(
            QMessageBox.Icon.Warning,
            t("모델 삭제", "Delete model"),
            t(
                f"'{name}' 모델을 삭제할까요? 다시 쓰려면 새로 받아야 합니다.",
                f"Delete the model '{name}'? You will have to pull it again.",
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setProperty("model", name)
        box.buttonClicked.connect(self._delete_answered)
        box.open()
        return box

    def _delete_answered(self, button: QAbstractButton) -> None:
        box = button.window()
        assert isinstance(box, QMessageBox)
        name = str(box.property("model"))
        if box.standardButton(button) == QMessageBox.StandardButton.Yes:
            self.jobs.start(self._delete(name), busy=[self.delete_button], on_error=self._error)

    async def _delete(self, name: str) -> None:
        self.message.hide()
        try:
            engine = self.ctx.engine_factory()
            await engine.delete(name)
        finally:
            await self._reload()
            self.ctx.catalog.mutated.emit()
        self.show_info(
            self.message, self.labels(f"'{name}' 모델을 삭제했습니다.", f"Deleted '{name}'.")
        )

    # -- unload ---------------------------------------------------------------------
    def unload_selected(self) -> None:
        name = _selected_name(self.loaded)
        if name is None and self.loaded.rowCount():
            item = self.loaded.item(0, 0)
            name = item.text() if item else None
        if name:
            self.jobs.start(self._unload(name), busy=[self.unload_button], on_error=self._error)

    async def _unload(self, name: str) -> None:
        engine = self.ctx.engine_factory()
        await engine.unload(name)
        loaded = await engine.list_loaded()
        self._show_loaded(loaded)

    # -- pull -----------------------------------------------------------------------
    def start_pull(self, name: str | None = None) -> None:
        model = (name or self.pull_name.text()).strip()
        if not model:
            self.pull_status.setText(
                self.labels("받을 모델 이름을 쓰세요.", "Type the name of a model to pull.")
            )
            return
        self.pull_bar.setRange(0, 0)
        self.pull_bar.show()
        self.pull_status.setStyleSheet("")
        self.pull_status.setText(self.labels(f"{model} 받는 중…", f"Pulling {model}…"))
        self.cancel_button.setEnabled(True)
        self._pull_task = self.jobs.start(
            self._pull(model), busy=[self.pull_button, self.pull_name], on_error=self._pull_error
        )
        self._pull_task.add_done_callback(lambda _t: self._pull_ended())

    async def _pull(self, model: str) -> None:
        meter = TransferMeter()
        engine = self.ctx.engine_factory()
        async for progress in engine.pull(model):
            meter.update(progress.digest or progress.status, progress.completed, progress.total)
            if meter.total:
                self.pull_bar.setRange(0, 100)
                self.pull_bar.setValue(meter.percent)
            detail = meter.describe()
            self.pull_status.setText(f"{self.labels.progress(progress.status)}  {detail}".strip())
        self.pull_bar.setValue(100)
        self.pull_status.setText(self.labels(f"{model} 받기 완료", f"Pulled {model}"))
        await self._reload()
        self.ctx.catalog.mutated.emit()

    def _pull_error(self, error: KodeskError) -> None:
        self.pull_bar.hide()
        self.show_error(self.pull_status, error)

    def cancel_pull(self) -> None:
        """Stop the pull: cancelling the task closes the download stream."""
        if self._pull_task is not None:
            self._pull_task.cancel()
            self.pull_bar.hide()
            self.pull_status.setText(self.labels("받기를 취소했습니다.", "Pull cancelled."))

    def _pull_ended(self) -> None:
        self.cancel_button.setEnabled(False)
        self._pull_task = None

    # -- details --------------------------------------------------------------------
    def open_details(self) -> ModelDetailsDialog | None:
        name = _selected_name(self.installed)
        if name is None:
            return None
        dialog = ModelDetailsDialog(name, self.ctx, self)
        self._details.append(dialog)
        dialog.finished.connect(lambda _r: self._details.remove(dialog))
        dialog.show()
        return dialog

    # -- recommended models and Hugging Face ---------------------------------------------
    async def _probe_machine(self) -> None:
        self.machine = await asyncio.to_thread(this_machine)
        self.recommended.show_entries(self.machine)

    def models_dir(self) -> Path:
        """The embedded engine's models folder (setting, else the user data folder's)."""
        from kodesk.paths import default_paths

        folder = self.ctx.settings.get("embedded.models_dir")
        return Path(folder) if folder else default_paths().models

    def open_hf_dialog(self, repo: str = "", quant: str = "") -> HFImportDialog:
        """The import dialog; with `repo` it lists at once, and with `quant` selects it."""
        dialog = HFImportDialog(
            self.labels,
            self.ctx.engine_factory,
            self.models_dir(),
            self.machine or Machine(ram=None, cores=1),
            ollama_active=self.ctx.settings.get("engine.kind") != "embedded",
            parent=self,
        )
        self._hf_dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._hf_dialogs.remove(dialog))
        dialog.imported.connect(lambda _name: self.reload())
        dialog.imported.connect(lambda _name: self.ctx.catalog.mutated.emit())
        dialog.show()
        if repo:
            dialog.open_repo(repo, quant)
        return dialog

    def shutdown(self) -> None:
        super().shutdown()
        for dialog in [*self._details, *self._hf_dialogs]:
            dialog.close()
