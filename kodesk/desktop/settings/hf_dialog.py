"""Hugging Face import dialog: list a repository's GGUF files, then pull or download one.

The work is `kodesk.engines.hf_import` (the same path as `kodesk hf`): listing, the remote
header check that refuses a base model before any download, the Ollama pull by
`hf.co/REPO:QUANT`, the resumable sha256-checked download into the embedded models
folder and the optional Ollama create with the doctor's template. This dialog only shows
it, with progress and Cancel (which leaves a partial download to resume).

Signals: `imported(str)` with the model's name after a pull, download or create.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.errors import KodeskError
from kodesk.core.human_format import human_size
from kodesk.core.model_catalog import FIT_TEXT, SPEED_TEXT, Machine, assess
from kodesk.core.settings_labels import Labels
from kodesk.core.transfer_meter import TransferMeter
from kodesk.core.types import Progress
from kodesk.desktop.settings.jobs import EngineFactory, Jobs
from kodesk.desktop.settings.page import message_label
from kodesk.engines.hf_repo import GGUFGroup


class HFImportDialog(QDialog):
    """Pick a GGUF of a Hugging Face repository and bring it to Ollama or the embedded engine."""

    imported = Signal(str)

    def __init__(
        self,
        labels: Labels,
        engine_factory: EngineFactory,
        models_dir: Path,
        machine: Machine,
        *,
        ollama_active: bool,
        endpoint: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        t = self.labels = labels
        self.setWindowTitle(t("Hugging Face에서 GGUF 가져오기", "Import a GGUF from Hugging Face"))
        self.resize(820, 460)
        self.engine_factory = engine_factory
        self.models_dir = models_dir
        self.machine = machine
        self.endpoint = endpoint
        self.jobs = Jobs()
        self.groups: list[GGUFGroup] = []
        self.repo_id = ""
        self.repo = QLineEdit()
        self.repo.setObjectName("hf-repo")
        self.repo.setPlaceholderText(t("예: bartowski/EXAONE-3.5-2.4B-Instruct-GGUF", "owner/name"))
        self.repo.returnPressed.connect(self.start_listing)
        self.list_button = QPushButton(t.mnemonic("목록 보기", "&List files"))
        self.list_button.clicked.connect(self.start_listing)
        self.files = QTableWidget(0, 6)
        self.files.setObjectName("hf-files")
        self.files.setHorizontalHeaderLabels(
            [
                t("양자화", "Quantization"),
                t("크기", "Size"),
                t("파일", "Files"),
                t("이 PC", "This PC"),
                t("예상 속도", "Expected speed"),
                t("설명", "What it means"),
            ]
        )
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.verticalHeader().hide()
        self.files.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.files.horizontalHeader().setStretchLastSection(True)
        self.files.itemSelectionChanged.connect(self._update_buttons)
        self.pull_button = QPushButton(t.mnemonic("Ollama로 받기", "&Pull with Ollama"))
        self.pull_button.clicked.connect(self.start_pull)
        self.pull_button.setVisible(ollama_active)
        self.download_button = QPushButton(
            t.mnemonic("내려받기 (내장 엔진)", "&Download (embedded)")
        )
        self.download_button.clicked.connect(self.start_download)
        self.to_ollama = QCheckBox(t("Ollama에도 모델 만들기", "Also create it in Ollama"))
        self.to_ollama.setVisible(ollama_active)
        self.cancel_button = QPushButton(t.mnemonic("취소", "&Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = message_label()
        self.status.setObjectName("hf-status")
        self._task: asyncio.Task[None] | None = None
        self._build_layout()
        self._update_buttons()

    def _build_layout(self) -> None:
        row = QHBoxLayout()
        row.addWidget(QLabel(self.labels("저장소", "Repository")))
        row.addWidget(self.repo, 1)
        row.addWidget(self.list_button)
        actions = QHBoxLayout()
        actions.addWidget(self.pull_button)
        actions.addWidget(self.download_button)
        actions.addWidget(self.to_ollama)
        actions.addStretch(1)
        actions.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.files, 1)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

    # -- state ----------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._task is not None

    def selected(self) -> GGUFGroup | None:
        rows = self.files.selectionModel().selectedRows()
        return self.groups[rows[0].row()] if rows else None

    def select_quant(self, quant: str) -> None:
        for row, group in enumerate(self.groups):
            if (group.quantization or "").upper() == quant.upper():
                self.files.selectRow(row)
                return
        raise KeyError(quant)

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None and not self.busy
        self.pull_button.setEnabled(chosen)
        self.download_button.setEnabled(chosen and not self.selected_split())
        self.list_button.setEnabled(not self.busy)
        self.cancel_button.setEnabled(self.busy)

    def selected_split(self) -> bool:
        group = self.selected()
        return group is not None and group.split

    def _run(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        self.status.setStyleSheet("")
        self._task = self.jobs.start(work, on_error=self._failed)
        self._task.add_done_callback(lambda _t: self._ended())
        self._update_buttons()
        return self._task

    def _ended(self) -> None:
        self._task = None
        if shiboken6.isValid(self):  # the task may end after the dialog was destroyed
            self.progress.hide()
            self._update_buttons()

    def _failed(self, error: KodeskError) -> None:
        self.status.setText(error.explain(self.labels.lang))
        self.status.setStyleSheet("color: #c62828;")

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status.setText(
                self.labels(
                    "취소했습니다. 받던 파일은 남겨 두어 다음에 이어받습니다.",
                    "Cancelled. A partial download is kept and resumed next time.",
                )
            )

    def done(self, result: int) -> None:
        self.jobs.cancel_all()
        super().done(result)

    # -- listing --------------------------------------------------------------------
    def open_repo(self, repo: str, quant: str = "") -> asyncio.Task[None]:
        """List `repo` at once and, when it has one, select the `quant` file group."""
        self.repo.setText(repo)
        listing = self.start_listing()

        def select(task: asyncio.Task[None]) -> None:
            listed = not task.cancelled() and task.exception() is None
            if not listed or not shiboken6.isValid(self):
                return
            if quant and any(g.quantization == quant for g in self.groups):
                self.select_quant(quant)

        listing.add_done_callback(select)
        return listing

    def start_listing(self) -> asyncio.Task[None]:
        return self._run(self._list(self.repo.text()))

    async def _list(self, repo: str) -> None:
        from kodesk.engines.hf_repo import check_repo_id, list_gguf

        t = self.labels
        self.repo_id = check_repo_id(repo)
        self.status.setText(t(f"{self.repo_id} 목록을 받는 중…", f"Listing {self.repo_id}…"))
        self.groups = await list_gguf(self.repo_id, endpoint=self.endpoint)
        self.files.setRowCount(len(self.groups))
        for row, group in enumerate(self.groups):
            fit = assess(group.size, self.machine)
            explanation = group.explanation()
            cells = [
                group.quantization or "?",
                human_size(group.size),
                t(f"{len(group.parts)}개로 나뉨", f"split in {len(group.parts)}")
                if group.split
                else Path(group.first.path).name,
                t.text(FIT_TEXT[fit.fit]),
                f"{t.text(SPEED_TEXT[fit.speed])} ({_rate(fit.tokens_per_second, t)})",
                t.text(explanation) if explanation else "",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(cells[-1] or group.name)
                self.files.setItem(row, column, item)
        if not self.groups:
            self.status.setText(t("GGUF 파일이 없습니다.", "No GGUF files in this repository."))
            return
        self.status.setText(
            t(f"GGUF {len(self.groups)}개. 하나를 고르세요.", f"{len(self.groups)} GGUF. Pick one.")
        )

    # -- pull / download ------------------------------------------------------------
    def start_pull(self) -> asyncio.Task[None] | None:
        group = self.selected()
        return self._run(self._pull(group)) if group is not None else None

    def start_download(self) -> asyncio.Task[None] | None:
        group = self.selected()
        return self._run(self._download(group)) if group is not None else None

    async def _checked(self, group: GGUFGroup) -> None:
        from kodesk.engines.hf_import import check_instruction_model

        self.status.setText(
            self.labels("모델 머리말을 확인하는 중…", "Checking the model's header…")
        )
        await check_instruction_model(self.repo_id, group, endpoint=self.endpoint)

    async def _pull(self, group: GGUFGroup) -> None:
        from kodesk.engines.hf_import import pull_name

        await self._checked(group)
        name = pull_name(self.repo_id, group)
        await self._follow(self.engine_factory().pull(name), name)
        self._finished(name)

    async def _download(self, group: GGUFGroup) -> None:
        from kodesk.engines.hf_import import (
            download_group,
            local_name,
            ollama_model_name,
            ollama_spec,
        )

        await self._checked(group)
        await self._follow(download_group(self.repo_id, group, self.models_dir), group.name)
        target = self.models_dir / local_name(group)
        if not self.to_ollama.isChecked():
            self._finished(target.stem, target)
            return
        spec = await ollama_spec(target, ollama_model_name(group))
        await self._follow(self.engine_factory().create(spec), spec.name)
        self._finished(spec.name)

    async def _follow(self, stream: AsyncIterator[Progress], what: str) -> None:
        meter = TransferMeter()
        self.progress.setRange(0, 0)
        self.progress.show()
        async for progress in stream:
            meter.update(progress.digest or progress.status, progress.completed, progress.total)
            if meter.total:
                self.progress.setRange(0, 100)
                self.progress.setValue(meter.percent)
            status = self.labels.progress(progress.status)
            self.status.setText(f"{what}: {status}  {meter.describe()}".strip())

    def _finished(self, name: str, path: Path | None = None) -> None:
        t = self.labels
        text = t(f"'{name}' 준비 완료", f"'{name}' is ready")
        if path is not None:
            text += t(
                f" (내장 엔진의 모델 폴더: {path})",
                f" (in the embedded engine's models folder: {path})",
            )
        self.status.setText(text)
        self.imported.emit(name)


def _rate(tokens_per_second: float, labels: Labels) -> str:
    unit = labels("토큰/초", "tok/s")
    return f"~{tokens_per_second:.0f} {unit}" if tokens_per_second < 1000 else f"> 1000 {unit}"
