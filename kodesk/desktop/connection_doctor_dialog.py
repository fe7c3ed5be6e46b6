"""The connection doctor as a dialog: every candidate endpoint, what is wrong, the fix.

Runs `connection_doctor.diagnose` on the app's asyncio loop (qasync), fills a table
(status icon, endpoint, where it came from, what answered, the fix), and offers
"Use this endpoint" (sets `ollama.endpoint`) and, when nothing answers but a WSL
distro has ollama, "Start Ollama in WSL" with a progress bar and the server's log
tail on failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.errors import Language, Text
from kodesk.core.settings import Settings
from kodesk.desktop.plain_text import plain_label, tooltip
from kodesk.engines.connection_doctor import ConnectionReport, sources_label, status_label
from kodesk.engines.wsl import StartStatus

Diagnose = Callable[[], Awaitable[ConnectionReport]]
StartInWsl = Callable[[str], AsyncIterator[StartStatus]]

COLUMNS = (
    Text(ko="상태", en="Status"),
    Text(ko="주소", en="Endpoint"),
    Text(ko="출처", en="Source"),
    Text(ko="결과", en="Result"),
    Text(ko="해결 방법", en="Fix"),
)


class ConnectionDoctorDialog(QDialog):
    """Signals: `endpointChosen(str)` after "Use this endpoint" stored a URL in the
    `ollama.endpoint` setting."""

    endpointChosen = Signal(str)

    def __init__(
        self,
        diagnose: Diagnose,
        start_in_wsl: StartInWsl,
        settings: Settings,
        loop: asyncio.AbstractEventLoop,
        lang: Language = "en",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._diagnose = diagnose
        self._start_in_wsl = start_in_wsl
        self._settings = settings
        self._loop = loop
        self._lang = lang
        self.report: ConnectionReport | None = None
        self.task: asyncio.Task[None] | None = None
        self.setWindowTitle(self._t("kodesk 연결 점검", "kodesk connection doctor"))
        self.resize(900, 480)

        self.status = plain_label()
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c.get(lang) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()

        self.distro = QComboBox()
        self.start_button = QPushButton(self._t("WSL에서 Ollama 시작", "Start Ollama in WSL"))
        self.use_button = QPushButton(self._t("이 주소 사용", "Use this endpoint"))
        self.recheck_button = QPushButton(self._t("다시 점검", "Re-check"))
        close_button = QPushButton(self._t("닫기", "Close"))
        self.start_button.clicked.connect(self.start_selected_distro)
        self.use_button.clicked.connect(self.use_selected)
        self.recheck_button.clicked.connect(self.recheck)
        close_button.clicked.connect(self.close)

        buttons = QHBoxLayout()
        for widget in (self.distro, self.start_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        for widget in (self.use_button, self.recheck_button, close_button):
            buttons.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.details, 2)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        self._show_start(False)
        self.use_button.setEnabled(False)

    def _t(self, ko: str, en: str) -> str:
        return Text(ko=ko, en=en).get(self._lang)

    def recheck(self) -> asyncio.Task[None]:
        """Run the diagnosis again (in the background); the task is kept in `task`."""
        return self._run(self.refresh())

    def start_selected_distro(self) -> asyncio.Task[None]:
        return self._run(self.start_ollama(self.distro.currentText()))

    def _run(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        if self.task and not self.task.done():
            self.task.cancel()
        self.task = self._loop.create_task(coro)
        return self.task

    async def refresh(self) -> None:
        self._busy(True, self._t("연결을 점검하는 중…", "Checking the connection…"))
        try:
            report = await self._diagnose()
        finally:
            self._busy(False)
        self.show_report(report)

    def show_report(self, report: ConnectionReport) -> None:
        self.report = report
        lang = self._lang
        self.table.setRowCount(len(report.candidates))
        style = self.style()
        best_row = -1
        for row, candidate in enumerate(report.candidates):
            probe = candidate.probe
            if probe.ok:
                icon = style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
                best_row = row if best_row < 0 else best_row
            elif probe.status in ("timeout", "not_ollama"):
                icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            else:
                icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
            cells = (
                status_label(probe, lang),
                probe.url or probe.candidate.raw,
                sources_label(probe, lang),
                candidate.summary.get(lang),
                candidate.fix.get(lang) if candidate.fix else "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tooltip(text))
                if column == 0:
                    item.setIcon(icon)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        if best_row >= 0:
            self.table.selectRow(best_row)
        findings = []
        for finding in report.findings:
            findings.append(f"• {finding.message.get(lang)}")
            if finding.fix:
                findings.append(f"  → {finding.fix.get(lang)}")
        self.details.setPlainText("\n".join(findings))
        embedded = next((f for f in report.findings if f.code == "embedded_engine"), None)
        if embedded is not None:
            self.status.setText(embedded.message.get(lang))
        elif report.best_url:
            self.status.setText(
                self._t(
                    f"사용할 수 있는 주소: {report.best_url}",
                    f"Working endpoint: {report.best_url}",
                )
            )
        else:
            self.status.setText(
                self._t("응답하는 Ollama 서버가 없습니다.", "No Ollama server answers.")
            )
        self.distro.clear()
        self.distro.addItems(report.start_offers)
        self._show_start(bool(report.start_offers))
        self._update_buttons()

    def selected_url(self) -> str | None:
        """The URL of the selected row when that endpoint answered."""
        if self.report is None:
            return None
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        for row in rows:
            probe = self.report.candidates[row].probe
            if probe.ok:
                return probe.url
        return None

    def use_selected(self) -> None:
        url = self.selected_url()
        if url is None:
            return
        self._settings.set("ollama.endpoint", url)
        self.status.setText(
            self._t(f"Ollama 주소를 {url} 로 설정했습니다.", f"The Ollama endpoint is now {url}.")
        )
        self.endpointChosen.emit(url)

    async def start_ollama(self, distro: str) -> None:
        self._busy(True, "")
        self.progress.setValue(0)
        self.progress.show()
        final: StartStatus | None = None
        try:
            async for status in self._start_in_wsl(distro):
                final = status
                self.status.setText(status.message.get(self._lang))
                if status.fraction is not None:
                    self.progress.setValue(round(status.fraction * 100))
        finally:
            self._busy(False)
        if final is not None and final.stage == "failed":
            self.progress.hide()
            log = final.log_tail.strip() or self._t("(로그 없음)", "(no log)")
            self.details.setPlainText(
                f"{final.message.get(self._lang)}\n\n"
                + self._t("Ollama 로그의 끝:", "End of the Ollama log:")
                + f"\n{log}"
            )
            return
        self.progress.setValue(100)
        await self.refresh()

    def _busy(self, busy: bool, message: str = "") -> None:
        if message:
            self.status.setText(message)
        self.recheck_button.setEnabled(not busy)
        self.start_button.setEnabled(not busy)
        self.use_button.setEnabled(not busy and self.selected_url() is not None)

    def _show_start(self, visible: bool) -> None:
        self.start_button.setVisible(visible)
        self.distro.setVisible(visible and self.distro.count() > 1)

    def _update_buttons(self) -> None:
        self.use_button.setEnabled(self.selected_url() is not None)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.task and not self.task.done():
            self.task.cancel()
        super().closeEvent(event)


def embedded_models_dir(settings: Settings, default: Path) -> str | None:
    """The embedded engine's models folder when that engine is chosen, else None.

    (`embedded.models_dir`, or `default`: the user data folder's `models`.)
    """
    if settings.get("engine.kind") != "embedded":
        return None
    return str(settings.get("embedded.models_dir") or default)


def connection_doctor(
    settings: Settings,
    configured: str,
    lang: Language,
    loop: asyncio.AbstractEventLoop,
    models_dir: Path | None = None,
) -> ConnectionDoctorDialog:
    """The dialog wired to real discovery (the endpoint setting, else `configured`) and to
    starting Ollama in WSL. `models_dir`: the embedded engine's default models folder
    (`AppPaths.models`; default: the user data folder's), reported when the embedded
    engine is chosen."""
    from kodesk.engines.connection_doctor import diagnose
    from kodesk.engines.discovery import Discovery
    from kodesk.engines.wsl import OllamaStarter, Wsl
    from kodesk.paths import default_paths

    wsl = Wsl()
    default_models = models_dir or default_paths().models

    async def run_diagnosis() -> ConnectionReport:
        endpoint = settings.get("ollama.endpoint") or configured
        return await diagnose(
            Discovery(configured=endpoint, wsl=wsl),
            embedded_models=embedded_models_dir(settings, default_models),
        )

    return ConnectionDoctorDialog(run_diagnosis, OllamaStarter(wsl).start, settings, loop, lang)


def run_connection_doctor(
    settings: Settings, save: Callable[[Settings], None], configured: str, lang: Language
) -> int:
    """Show the dialog on its own (`kodesk connection`, the installer's Start-menu entry)
    until it is closed; a chosen endpoint is saved with `save`."""
    import sys

    from PySide6.QtWidgets import QApplication

    from kodesk.desktop.event_loop import create_event_loop

    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = create_event_loop(app)
    asyncio.set_event_loop(loop)
    dialog = connection_doctor(settings, configured, lang, loop)
    dialog.endpointChosen.connect(lambda _url: save(settings))
    closed: asyncio.Future[None] = loop.create_future()

    def on_finished(_code: int) -> None:
        if not closed.done():
            closed.set_result(None)

    dialog.finished.connect(on_finished)
    with loop:
        dialog.show()
        dialog.recheck()
        loop.run_until_complete(closed)
    return 0
