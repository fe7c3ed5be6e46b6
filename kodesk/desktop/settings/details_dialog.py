"""A model's details from `/api/show`: template, parameters, system, license, context."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QListWidget,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.errors import KodeskError, Text
from kodesk.core.modelfile import (
    Command,
    Modelfile,
    ModelfileError,
    parse_modelfile,
    render_modelfile,
)
from kodesk.core.modelfile_doctor import ModelFacts, diagnose
from kodesk.core.types import ModelDetails
from kodesk.desktop.plain_text import plain_label
from kodesk.desktop.settings.findings import show_findings
from kodesk.desktop.settings.jobs import Jobs
from kodesk.desktop.settings.page import PageContext, message_label

#: What the capabilities `/api/show` lists mean (one not listed here is shown as sent).
CAPABILITIES = {
    "completion": Text("글 생성", "completion"),
    "tools": Text("도구 호출", "tools"),
    "insert": Text("중간 채우기", "insert"),
    "vision": Text("이미지 이해", "vision"),
    "embedding": Text("임베딩", "embedding"),
    "thinking": Text("생각 모드", "thinking"),
}


def _text_view(text: str) -> QPlainTextEdit:
    view = QPlainTextEdit(text)
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return view


class ModelDetailsDialog(QDialog):
    """Shows one model. Loading starts when the dialog is created; closing cancels it."""

    def __init__(self, model: str, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.ctx = ctx
        t = ctx.labels
        self.setWindowTitle(t(f"모델 정보 — {model}", f"Model details — {model}"))
        heading = plain_label(model)
        heading.setObjectName("details-heading")
        heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.status = message_label()
        self.status.setText(t("불러오는 중…", "Loading…"))
        self.facts = QFormLayout()
        self.tabs = QTabWidget()
        self.findings = QListWidget()
        self.findings.setObjectName("details-findings")
        self.findings.setWordWrap(True)
        buttons = QDialogButtonBox()
        buttons.addButton(t("닫기", "Close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.status)
        layout.addLayout(self.facts)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.details: ModelDetails | None = None
        self.jobs = Jobs()
        self.jobs.start(self._load(), on_error=self._failed)
        self.finished.connect(lambda _r: self.jobs.cancel_all())
        self.resize(720, 560)

    async def _load(self) -> None:
        engine = self.ctx.engine_factory()
        details = await engine.show(self.model, verbose=True)
        self.show_details(details)

    def _failed(self, error: KodeskError) -> None:
        self.status.setText(error.explain(self.ctx.labels.lang))
        self.status.setStyleSheet("color: #c62828;")

    def show_details(self, details: ModelDetails) -> None:
        t = self.ctx.labels
        self.details = details
        self.status.hide()
        facts = details.details
        context = details.context_length
        rows = [
            (t("계열", "Family"), str(facts.get("family", ""))),
            (t("크기", "Parameters"), str(facts.get("parameter_size", ""))),
            (t("양자화", "Quantization"), str(facts.get("quantization_level", ""))),
            (
                t("학습된 컨텍스트 길이", "Trained context length"),
                f"{context:,}" if context else t("알 수 없음", "unknown"),
            ),
            (
                t("기능", "Capabilities"),
                ", ".join(
                    t.text(CAPABILITIES[c]) if c in CAPABILITIES else c
                    for c in details.capabilities
                ),
            ),
        ]
        for label, value in rows:
            self.facts.addRow(label, plain_label(value))
        self._fill_findings(details)
        self.tabs.addTab(self.findings, t("점검 결과", "Doctor"))
        self.tabs.addTab(_text_view(details.template), t("템플릿", "Template"))
        self.tabs.addTab(_text_view(details.parameters), t("매개변수", "Parameters"))
        self.tabs.addTab(_text_view(details.system), t("시스템 프롬프트", "System"))
        self.tabs.addTab(_text_view(details.license), t("라이선스", "License"))
        self.tabs.addTab(_text_view(details.modelfile), "Modelfile")

    def _fill_findings(self, details: ModelDetails) -> None:
        """Run the Modelfile doctor on what the server says the model is made of."""
        try:
            modelfile = modelfile_of(details)
        except ModelfileError as exc:
            self.findings.clear()
            self.findings.addItem(exc.explain(self.ctx.labels.lang))
            return
        show_findings(
            self.findings, diagnose(modelfile, ModelFacts.from_details(details)), self.ctx.labels
        )


def modelfile_of(details: ModelDetails) -> Modelfile:
    """The model's Modelfile rebuilt from the parts `/api/show` returns separately."""
    commands = [Command("from", details.name)]
    if details.template:
        commands.append(Command("template", details.template))
    for name, values in details.parameter_values().items():
        commands += [Command("parameter", value, name) for value in values]
    if details.system:
        commands.append(Command("system", details.system))
    modelfile = Modelfile(tuple(commands))
    return parse_modelfile(render_modelfile(modelfile))
