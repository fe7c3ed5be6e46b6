"""Connection page: the Ollama endpoint (with a connection test), keep-alive, timeouts."""

from __future__ import annotations

import re
import time

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kodesk.core.errors import KodeskError, Text
from kodesk.core.settings_labels import Labels
from kodesk.desktop.settings.fields import SchemaForm
from kodesk.desktop.settings.page import PageContext, SettingsPage, message_label
from kodesk.engines.endpoint import EndpointError, normalize_host

#: Ollama's keep_alive: a Go duration ("5m", "1h30m", "90s"), or plain seconds ("-1", "0").
_KEEP_ALIVE = re.compile(r"-?\d+|-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+")


def endpoint_problem(labels: Labels, text: str) -> str | None:
    """Why `text` cannot be an Ollama endpoint, or None (empty means automatic)."""
    if not text:
        return None
    try:
        normalize_host(text)
    except EndpointError as exc:
        return exc.message(labels.lang)
    return None


def keep_alive_problem(labels: Labels, text: str) -> str | None:
    if _KEEP_ALIVE.fullmatch(text):
        return None
    return labels(
        '"5m", "1h", "0"(바로 내림), "-1"(계속 유지) 같은 형식으로 쓰세요.',
        'Use a form like "5m", "1h", "0" (unload now) or "-1" (keep loaded).',
    )


class ConnectionPage(SettingsPage):
    title = Text("연결", "Connection")

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        labels = self.labels
        self.form = SchemaForm(ctx.binding, labels)
        self.endpoint = self.form.add_setting(
            "ollama.endpoint", lambda text: endpoint_problem(labels, text)
        )
        self.test_button = QPushButton(labels.mnemonic("연결 테스트", "&Test"))
        self.test_button.clicked.connect(self.test_connection)
        self.result = message_label(wrap=False)
        self.result.setObjectName("connection-result")
        self.result.hide()
        test_box = QWidget()
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        column = QVBoxLayout(test_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.result)
        self.form.add_row("", test_box)
        self.form.add_setting("ollama.keep_alive", lambda text: keep_alive_problem(labels, text))
        for key in ("ollama.connect_timeout", "ollama.first_token_timeout", "ollama.stall_timeout"):
            self.form.add_setting(key)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addStretch(1)

    def test_connection(self) -> None:
        """Apply the endpoint field, then ask the server its version and time the answer."""
        if not self.form.submit("ollama.endpoint"):
            self.result.hide()
            return
        self.show_info(self.result, self.labels("연결하는 중…", "Connecting…"))
        self.jobs.start(self._test(), busy=[self.test_button], on_error=self._failed)

    def _failed(self, error: KodeskError) -> None:
        self.result.setWordWrap(True)  # the hint is long
        self.show_error(self.result, error)

    async def _test(self) -> None:
        """Ollama: its address and version. The embedded engine (no server): its models
        folder, the one it really reads, and its llama.cpp version."""
        engine = self.ctx.engine_factory()
        started = time.perf_counter()
        version = await engine.version()
        latency = (time.perf_counter() - started) * 1000
        where = engine.location
        self.result.setWordWrap(False)
        if engine.kind == "ollama":
            text = self.labels(
                f"연결됨: {where} · Ollama {version} · 응답 {latency:.0f} ms",
                f"Connected: {where} · Ollama {version} · {latency:.0f} ms",
            )
        else:
            text = self.labels(
                f"내장 엔진 사용 중 (Ollama 필요 없음) · 모델 폴더: {where} · {version}",
                f"Embedded engine in use (no Ollama needed) · models folder: {where} · {version}",
            )
        self.show_info(self.result, text)
