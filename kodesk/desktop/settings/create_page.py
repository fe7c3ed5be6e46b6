"""Create-from-GGUF page: inspect a GGUF file, edit its Modelfile, upload and create."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.errors import KodeskError, Text
from kodesk.core.gguf_info import GGUFError, GGUFInfo, inspect_gguf
from kodesk.core.gguf_summary import summary_rows
from kodesk.core.modelfile import Modelfile, ModelfileError, read_modelfile, render_modelfile
from kodesk.core.modelfile_create import to_model_spec
from kodesk.core.modelfile_doctor import Finding, ModelFacts, diagnose, fixed_modelfile
from kodesk.core.modelfile_edits import initial_modelfile, own_template, with_from
from kodesk.core.transfer_meter import TransferMeter
from kodesk.core.types import ModelSpec
from kodesk.desktop.plain_text import plain_label
from kodesk.desktop.settings.findings import show_findings
from kodesk.desktop.settings.modelfile_editor import ModelfileEditor
from kodesk.desktop.settings.page import PageContext, SettingsPage, message_label

GGUF_FILTER = "GGUF (*.gguf);;* (*)"
UPLOAD_STATUSES = frozenset({"hashing", "uploading", "uploaded", "blob already on the server"})


class CreatePage(SettingsPage):
    title = Text("GGUF로 모델 만들기", "Create from GGUF")

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        t = self.labels
        self.path = QLineEdit()
        self.path.setObjectName("gguf-path")
        self.path.setPlaceholderText(t("GGUF 파일 경로", "path of a GGUF file"))
        self.path.editingFinished.connect(lambda: self.set_gguf_path(self.path.text()))
        self.browse_button = QPushButton(t.mnemonic("찾아보기…", "&Browse…"))
        self.browse_button.clicked.connect(self._browse)
        self.summary = QFormLayout()
        self.summary_box = QGroupBox(t("파일 정보", "File"))
        self.summary_box.setLayout(self.summary)
        self.findings = QListWidget()
        self.findings.setObjectName("create-findings")
        self.findings.setWordWrap(True)
        self.findings.setMinimumHeight(150)
        self.editor = ModelfileEditor()
        self.editor.setObjectName("modelfile-editor")
        self.editor.validated.connect(self._validated)
        self.validation = message_label()
        self.validation.setObjectName("modelfile-validation")
        self.load_button = QPushButton(t.mnemonic("Modelfile 불러오기…", "&Load Modelfile…"))
        self.load_button.clicked.connect(self._choose_modelfile)
        self.template_button = QPushButton(
            t.mnemonic("모델 자체 템플릿 사용", "Use the model's own &template")
        )
        self.template_button.clicked.connect(self.use_own_template)
        self.fix_button = QPushButton(t.mnemonic("점검 결과대로 고치기", "Apply the fi&xes"))
        self.fix_button.clicked.connect(self.apply_fixes)
        self.doctor_findings: list[Finding] = []
        self.name = QLineEdit()
        self.name.setObjectName("create-name")
        self.name.setPlaceholderText(t("새 모델 이름 (예: 내-한국어-모델)", "new model name"))
        self.create_button = QPushButton(t.mnemonic("만들기", "&Create"))
        self.create_button.clicked.connect(lambda: self.start_create())
        self.cancel_button = QPushButton(t.mnemonic("취소", "C&ancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_create)
        self.progress = QProgressBar()
        self.progress.hide()
        self.progress_text = plain_label()
        self.log = QPlainTextEdit()
        self.log.setObjectName("create-log")
        self.log.setReadOnly(True)
        self.log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log.setMaximumHeight(80)
        self.log.setPlaceholderText(
            t(
                "파일 올리기와 모델 만들기 진행 상황이 여기에 나옵니다.",
                "Upload and create progress appears here.",
            )
        )
        self.info: GGUFInfo | None = None
        self._task: asyncio.Task[None] | None = None
        self._build_layout()
        self._update_buttons()

    def _build_layout(self) -> None:
        t = self.labels
        file_row = QHBoxLayout()
        path_label = QLabel(t.mnemonic("GGUF 파일", "GGUF &file"))
        path_label.setBuddy(self.path)
        file_row.addWidget(path_label)
        file_row.addWidget(self.path, 1)
        file_row.addWidget(self.browse_button)
        findings_box = QGroupBox(t("점검 결과", "Doctor findings"))
        QVBoxLayout(findings_box).addWidget(self.findings)
        info_row = QHBoxLayout()
        info_row.addWidget(self.summary_box, 1)
        info_row.addWidget(findings_box, 1)
        editor_box = QGroupBox("Modelfile")
        tools = QHBoxLayout()
        tools.addWidget(self.load_button)
        tools.addWidget(self.template_button)
        tools.addWidget(self.fix_button)
        tools.addStretch(1)
        editor_layout = QVBoxLayout(editor_box)
        editor_layout.addLayout(tools)
        editor_layout.addWidget(self.editor, 1)
        editor_layout.addWidget(self.validation)
        create_row = QHBoxLayout()
        name_label = QLabel(t.mnemonic("이름", "&Name"))
        name_label.setBuddy(self.name)
        create_row.addWidget(name_label)
        create_row.addWidget(self.name, 1)
        create_row.addWidget(self.create_button)
        create_row.addWidget(self.cancel_button)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.progress_text)
        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addLayout(info_row)
        layout.addWidget(editor_box, 1)
        layout.addLayout(create_row)
        layout.addLayout(progress_row)
        layout.addWidget(self.log)

    # -- the GGUF file ------------------------------------------------------------------
    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.labels("GGUF 파일 고르기", "Choose a GGUF file"), "", GGUF_FILTER
        )
        if path:
            self.set_gguf_path(path)

    def set_gguf_path(self, path: str | Path) -> GGUFInfo | None:
        """Inspect the GGUF at `path`, show what it is and start a Modelfile for it."""
        text = str(path).strip()
        self.path.setText(text)
        self._clear_summary()
        self.info = None
        if not text:
            self._update_buttons()
            return None
        try:
            info = inspect_gguf(text)
        except (GGUFError, OSError) as exc:
            self._summary_row(self.labels("오류", "Error"), str(exc), error=True)
            self._update_buttons()
            return None
        self.info = info
        for label, value in summary_rows(info, self.labels):
            self._summary_row(label, value)
        if not self.name.text():
            self.name.setText(Path(text).stem.lower().replace(" ", "-"))
        current = self.editor.result
        if isinstance(current, Modelfile):
            self.editor.setPlainText(render_modelfile(with_from(current, text)))
        else:
            self.editor.setPlainText(initial_modelfile(text))
        self.editor.validate_now()
        self._update_buttons()
        return info

    def _clear_summary(self) -> None:
        while self.summary.rowCount():
            self.summary.removeRow(0)

    def _summary_row(self, label: str, value: str, *, error: bool = False) -> None:
        text = plain_label(value)
        text.setWordWrap(True)
        if error:
            text.setStyleSheet("color: #c62828;")
        self.summary.addRow(label, text)

    # -- the Modelfile ------------------------------------------------------------------
    def _choose_modelfile(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.labels("Modelfile 불러오기", "Load a Modelfile"),
            "",
            "Modelfile (Modelfile *.modelfile *.txt);;* (*)",
        )
        if path:
            self.load_modelfile(Path(path))

    def load_modelfile(self, path: Path) -> None:
        """Put a Modelfile in the editor; its FROM is pointed at the chosen GGUF file."""
        try:
            text = read_modelfile(path)
        except ModelfileError as exc:
            self._set_validation(exc.message(self.labels.lang), error=True)
            return
        self.editor.setPlainText(text)
        result = self.editor.validate_now()
        if isinstance(result, Modelfile) and self.info is not None:
            self.editor.setPlainText(render_modelfile(with_from(result, self.info.path)))
            self.editor.validate_now()

    def use_own_template(self) -> None:
        """Drop the TEMPLATE (Ollama then detects the model's own), or, for a family
        kodesk knows, write Ollama's template and stop tokens for it."""
        result = self.editor.validate_now()
        if not isinstance(result, Modelfile) or self.info is None:
            return
        self.editor.setPlainText(render_modelfile(own_template(result, self.info)))
        self.editor.validate_now()

    def apply_fixes(self) -> None:
        """Rewrite the Modelfile with the doctor's template, stop and num_ctx fixes."""
        result = self.editor.validate_now()
        if not isinstance(result, Modelfile):
            return
        fixed = fixed_modelfile(result, self._facts(), self.doctor_findings)
        self.editor.setPlainText(render_modelfile(fixed))
        self.editor.validate_now()

    def _facts(self) -> ModelFacts | None:
        return ModelFacts.from_gguf(self.info) if self.info is not None else None

    def _validated(self, result: Modelfile | ModelfileError) -> None:
        if isinstance(result, ModelfileError):
            self._set_validation(result.message(self.labels.lang), error=True)
            self.doctor_findings = []
            self.findings.clear()
        else:
            self._set_validation(
                self.labels("Modelfile 문법에 문제가 없습니다.", "The Modelfile syntax is fine."),
                error=False,
            )
            self.doctor_findings = diagnose(result, self._facts())
            show_findings(self.findings, self.doctor_findings, self.labels)
        self._update_buttons()

    def _set_validation(self, text: str, *, error: bool) -> None:
        self.validation.setText(text)
        self.validation.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")

    def _update_buttons(self) -> None:
        running = self._task is not None
        parsed = isinstance(self.editor.result, Modelfile)
        self.template_button.setEnabled(parsed and self.info is not None and not running)
        self.fix_button.setEnabled(parsed and bool(self.doctor_findings) and not running)
        self.create_button.setEnabled(parsed and not running)
        self.cancel_button.setEnabled(running)

    # -- creating -----------------------------------------------------------------------
    def spec(self) -> ModelSpec:
        """The model to create from the editor's Modelfile; raises KodeskError."""
        name = self.name.text().strip()
        if not name:
            raise KodeskError(Text("새 모델 이름을 쓰세요.", "Enter a name for the new model."))
        result = self.editor.validate_now()
        if isinstance(result, ModelfileError):
            raise result
        base = Path(self.info.path).parent if self.info else Path.cwd()
        spec = to_model_spec(result, name, base)
        if spec.from_model is not None and spec.from_model.lower().endswith(".gguf"):
            raise KodeskError(
                Text(
                    f"GGUF 파일이 없습니다: {spec.from_model}",
                    f"No such GGUF file: {spec.from_model}",
                ),
                Text(
                    "FROM 줄에 파일의 전체 경로를 쓰거나 위에서 파일을 고르세요.",
                    "Give the file's full path in FROM, or choose the file above.",
                ),
            )
        return spec

    def start_create(self) -> asyncio.Task[None] | None:
        self.log.clear()
        try:
            spec = self.spec()
        except KodeskError as exc:
            self.log.setPlainText(exc.explain(self.labels.lang))
            return None
        self.progress.setRange(0, 0)
        self.progress.show()
        self._task = self.jobs.start(
            self._create(spec),
            on_error=self._failed,
            busy=[self.browse_button, self.load_button, self.name],
        )
        self._task.add_done_callback(lambda _t: self._ended())
        self._update_buttons()
        return self._task

    async def _create(self, spec: ModelSpec) -> None:
        meter = TransferMeter()
        engine = self.ctx.engine_factory()
        async for progress in engine.create(spec):
            if progress.status in UPLOAD_STATUSES:
                meter.update("blob", progress.completed, progress.total)
                self.progress.setRange(0, 100)
                self.progress.setValue(meter.percent)
                self.progress_text.setText(meter.describe())
                if progress.status != "uploading":
                    self.log.appendPlainText(self.labels.progress(progress.status))
            else:
                self.log.appendPlainText(self.labels.progress(progress.status))
        self.log.appendPlainText(
            self.labels(f"'{spec.name}' 모델을 만들었습니다.", f"Created the model '{spec.name}'.")
        )
        await self.ctx.catalog.refresh()
        self.ctx.catalog.mutated.emit()

    def _failed(self, error: KodeskError) -> None:
        self.log.appendPlainText(error.explain(self.labels.lang))

    def cancel_create(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.log.appendPlainText(self.labels("취소했습니다.", "Cancelled."))

    def _ended(self) -> None:
        self._task = None
        self.progress.hide()
        self._update_buttons()
