"""First run without Ollama: say so plainly and offer the three ways to get an answer.

`FirstRunDialog` (non-modal) says Ollama was not found on this machine (or is installed
but not running) and offers:

(a) install Ollama: the steps for this platform (a command to copy on Linux, the
    download page on macOS and Windows) and "Check again", which re-probes through the
    function passed in;
(b) download a recommended Korean instruction GGUF for the embedded engine, with its
    size (the download itself is the callback passed in);
(c) the built-in tiny model, labelled as a TEST model that cannot follow instructions.

Closing the dialog is not a dead end: `FirstRunOffer` stays pending until a choice is
made (for the download: until the model is in place) or Ollama answers, so the next
hotkey press can offer the same choices (`FirstRunOffer.should_offer()`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.errors import KodeskError, Language, Text
from kodesk.core.settings import Settings
from kodesk.engines.connection_doctor import install_ollama
from kodesk.engines.endpoint import resolve_host, server_version

#: Probes Ollama again; True when it answers now.
Recheck = Callable[[], Awaitable[bool]]

Choice = Literal["ollama", "download", "builtin"]


class FirstRunOffer:
    """Whether the first-run choices are still owed to the user (plain state, no Qt).

    `start()` when Ollama is found missing at start; `settle()` once a choice is made (a
    download: once it is done) or Ollama answers. `should_offer()` tells a hotkey press to
    show the choices instead of starting a job that can only fail.
    """

    def __init__(self) -> None:
        self._pending = False

    def start(self) -> None:
        self._pending = True

    def settle(self) -> None:
        self._pending = False

    def should_offer(self) -> bool:
        return self._pending


@dataclass(frozen=True)
class ModelDownload:
    """The recommended instruction GGUF for the embedded engine, and how to get it."""

    label: str
    size_bytes: int
    start: Callable[[], None]
    licence: str = ""
    #: False for a licence that forbids commercial use (EXAONE's): said before the download.
    commercial: bool = True

    def facts(self, lang: Language) -> str:
        """'약 1.6 GB, 라이선스 "EXAONE AI Model License 1.1 - NC": 비상업용' (the licence's
        own name, quoted, in either language)."""
        parts = [size_text(self.size_bytes, lang)]
        if self.licence:
            ko = lang == "ko"
            name = f'라이선스 "{self.licence}"' if ko else f'licence "{self.licence}"'
            limit = "" if self.commercial else (": 비상업용" if ko else ": non-commercial")
            parts.append(name + limit)
        return ", ".join(parts)


def size_text(size_bytes: int, lang: Language) -> str:
    """ "약 1.6 GB" / "about 1.6 GB" (MB under a gigabyte)."""
    if size_bytes >= 1_000_000_000:
        amount = f"{size_bytes / 1e9:.1f} GB"
    else:
        amount = f"{max(1, round(size_bytes / 1e6))} MB"
    return f"약 {amount}" if lang == "ko" else f"about {amount}"


def ollama_probe(settings: Settings, host: str | None) -> Recheck:
    """A `Recheck` asking the configured Ollama (`--host`, else the endpoint setting)."""

    async def answers() -> bool:
        try:
            await server_version(resolve_host(host, settings.get("ollama.endpoint")))
        except KodeskError:
            return False
        return True

    return answers


class FirstRunDialog(QDialog):
    """Signals: `choiceMade(str)`: "ollama" (it answers now), "download" or "builtin",
    after the engine setting was changed accordingly."""

    choiceMade = Signal(str)

    def __init__(
        self,
        *,
        offer: FirstRunOffer,
        settings: Settings,
        recheck: Recheck,
        loop: asyncio.AbstractEventLoop,
        lang: Language,
        download: ModelDownload | None,
        embedded_available: bool,
        installed: bool = False,
        platform: str | None = None,
        open_url: Callable[[str], None] | None = None,
        open_doctor: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._offer = offer
        self._settings = settings
        self._recheck = recheck
        self._loop = loop
        self._lang = lang
        self._download = download
        self._open_url = open_url or (lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.task: asyncio.Task[None] | None = None
        self.setModal(False)
        self.setWindowTitle(self._t("kodesk 시작하기", "Getting started with kodesk"))
        steps = install_ollama(platform)

        self.heading = self._label(
            self._t(
                "이 컴퓨터에 Ollama가 설치되어 있지만 실행되고 있지 않습니다.",
                "Ollama is installed on this machine but not running.",
            )
            if installed
            else self._t(
                "이 컴퓨터에서 Ollama를 찾지 못했습니다.", "Ollama was not found on this machine."
            )
        )
        self.heading.setObjectName("first-run-heading")
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        intro = self._label(
            self._t(
                "kodesk가 답하려면 모델이 필요합니다. 아래에서 하나를 고르세요.",
                "kodesk needs a model to answer. Choose one of these:",
            )
        )

        # (a) Ollama
        ollama_box = QGroupBox(
            self._t("Ollama 실행하기 (권장)", "Start Ollama (recommended)")
            if installed
            else self._t("Ollama 설치 (권장)", "Install Ollama (recommended)")
        )
        show_command = bool(steps.command) and not installed
        if installed:
            how = self._t(
                "`ollama serve` 를 실행하거나 Ollama 앱을 여세요.",
                "Run `ollama serve` or open the Ollama app.",
            )
        elif show_command:
            how = self._t(
                "터미널에서 다음 명령을 실행하세요 (Ollama를 설치하고 서비스로 시작합니다):",
                "Run this command in a terminal (it installs Ollama and starts it as a service):",
            )
        else:
            how = steps.text.get(lang)
        self.install_text = self._label(how)
        self.command = QLineEdit(steps.command or "")
        self.command.setReadOnly(True)
        self.command.setMinimumWidth(
            self.command.fontMetrics().horizontalAdvance(self.command.text()) + 24
        )
        self.command.setVisible(show_command)
        self.copy_button = QPushButton(self._t("명령 복사", "Copy command"))
        self.copy_button.setVisible(show_command)
        self.copy_button.clicked.connect(self.copy_command)
        self.page_button = QPushButton(self._t("다운로드 페이지 열기", "Open the download page"))
        self.page_button.setVisible(not steps.command and not installed)
        self.page_button.clicked.connect(lambda: self._open_url(steps.url))
        self.recheck_button = QPushButton(self._t("다시 확인", "Check again"))
        self.recheck_button.clicked.connect(self.check_again)
        self.recheck_status = self._label("")
        command_row = QHBoxLayout()
        command_row.addWidget(self.command, 1)
        command_row.addWidget(self.copy_button)
        row = QHBoxLayout()
        row.addWidget(self.page_button)
        row.addStretch(1)
        row.addWidget(self.recheck_button)
        if open_doctor is not None:
            self.doctor_button = QPushButton(self._t("연결 진단…", "Connection doctor…"))
            self.doctor_button.clicked.connect(open_doctor)
            row.addWidget(self.doctor_button)
        column = QVBoxLayout(ollama_box)
        column.addWidget(self.install_text)
        column.addLayout(command_row)
        column.addLayout(row)
        column.addWidget(self.recheck_status)

        # (b) a recommended instruction GGUF for the embedded engine
        download_box = QGroupBox(
            self._t(
                "Ollama 없이: 추천 한국어 지시 모델 받기 (내장 엔진)",
                "Without Ollama: download a recommended Korean instruction model (embedded engine)",
            )
        )
        if download is not None:
            facts = download.facts(lang)
            about = self._t(
                f"{download.label} ({facts}). 요약·번역 지시를 따르는 모델입니다. 받은 뒤 "
                "내장 엔진으로 답합니다.",
                f"{download.label} ({facts}). It follows instructions such as summaries and "
                "translations; kodesk then answers with the embedded engine.",
            )
        else:
            about = self._t(
                "이 빌드에서는 내려받기를 쓸 수 없습니다. 설정 → 모델 → 추천 한국어 모델이나 "
                "`kodesk models --recommended` 를 보세요.",
                "Downloading is not available in this build; see Settings → Models → "
                "Recommended Korean models or `kodesk models --recommended`.",
            )
        self.download_text = self._label(about)
        self.download_button = QPushButton(self._t("받아서 쓰기", "Download and use"))
        self.download_button.setEnabled(download is not None and embedded_available)
        self.download_button.clicked.connect(self.choose_download)
        column = QVBoxLayout(download_box)
        column.addWidget(self.download_text)
        column.addWidget(self.download_button)

        # (c) the built-in test model
        builtin_box = QGroupBox(
            self._t("내장 테스트 모델 (Gemma 3 270M)", "Built-in test model (Gemma 3 270M)")
        )
        self.builtin_text = self._label(
            self._t(
                "시험용 모델입니다: 지시를 따르지 못해 요약·번역 대신 글을 되풀이하거나 이어 "
                "씁니다. kodesk가 작동하는지 확인할 때만 쓰세요.",
                "A TEST model only: it cannot follow instructions, so instead of a summary or "
                "translation it repeats or continues the text. Use it only to check that "
                "kodesk works.",
            )
        )
        self.builtin_button = QPushButton(self._t("테스트 모델 쓰기", "Use the test model"))
        self.builtin_button.setEnabled(embedded_available)
        self.builtin_button.clicked.connect(self.choose_builtin)
        column = QVBoxLayout(builtin_box)
        column.addWidget(self.builtin_text)
        column.addWidget(self.builtin_button)
        if not embedded_available:
            note = self._t(
                ' (내장 엔진이 설치되어 있지 않습니다: pip install "kodesk[embedded]")',
                ' (the embedded engine is not installed: pip install "kodesk[embedded]")',
            )
            self.download_text.setText(self.download_text.text() + note)
            self.builtin_text.setText(self.builtin_text.text() + note)

        close_button = QPushButton(self._t("닫기", "Close"))
        close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(
            self._label(
                self._t(
                    "닫아도 다음에 단축키를 누르면 이 선택지가 다시 나옵니다.",
                    "If you close this, the next hotkey press offers these choices again.",
                )
            ),
            1,
        )
        buttons.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(intro)
        for box in (ollama_box, download_box, builtin_box):
            layout.addWidget(box)
        layout.addLayout(buttons)

    def _t(self, ko: str, en: str) -> str:
        return Text(ko=ko, en=en).get(self._lang)

    @staticmethod
    def _label(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        return label

    # -- the choices ------------------------------------------------------------------
    def copy_command(self) -> None:
        QApplication.clipboard().setText(self.command.text())
        self.recheck_status.setText(
            self._t(
                "복사했습니다. 터미널에 붙여 넣어 실행한 뒤 \u201c다시 확인\u201d을 누르세요.",
                "Copied. Paste it into a terminal, run it, then press \u201cCheck again\u201d.",
            )
        )

    def check_again(self) -> asyncio.Task[None]:
        """Probe Ollama again (in the background; the task is kept in `task`)."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.task = self._loop.create_task(self._check())
        return self.task

    async def _check(self) -> None:
        self.recheck_button.setEnabled(False)
        self.recheck_status.setText(self._t("Ollama를 찾는 중…", "Looking for Ollama…"))
        try:
            found = await self._recheck()
        finally:
            self.recheck_button.setEnabled(True)
        if not found:
            self.recheck_status.setText(
                self._t(
                    "아직 Ollama가 응답하지 않습니다. 설치했다면 Ollama를 실행한 뒤 다시 "
                    "확인하세요.",
                    "Ollama does not answer yet. If you installed it, start it and check again.",
                )
            )
            return
        self.recheck_status.setText(self._t("Ollama를 찾았습니다.", "Ollama found."))
        self._choose("ollama", "ollama")

    def choose_download(self) -> None:
        if self._download is None:
            return
        self._download.start()
        # The offer stands until the download is done (whoever imports the model settles
        # it): a cancelled or failed download is not a dead end either.
        self._choose("download", None, settle=False)

    def choose_builtin(self) -> None:
        self._choose("builtin", "embedded")

    def _choose(self, choice: Choice, engine_kind: str | None, *, settle: bool = True) -> None:
        if settle:
            self._offer.settle()
        if engine_kind is not None and self._settings.get("engine.kind") != engine_kind:
            self._settings.set("engine.kind", engine_kind)
        self.choiceMade.emit(choice)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        running = self.task
        # A check that found Ollama closes the dialog itself: it must not cancel itself.
        if (
            running is not None
            and not running.done()
            and running is not asyncio.current_task(self._loop)
        ):
            running.cancel()
        super().closeEvent(event)
