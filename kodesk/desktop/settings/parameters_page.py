"""Parameters page: per-model option overrides, their Modelfile, and "save as new model"."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.errors import Text
from kodesk.core.modelfile import (
    ModelfileError,
    parse_modelfile,
    read_modelfile,
    render_modelfile,
)
from kodesk.core.override_options import (
    OPTIONS,
    OverrideOption,
    derived_spec,
    from_modelfile,
    parse_value,
    to_modelfile,
)
from kodesk.desktop.settings.connection_page import keep_alive_problem
from kodesk.desktop.settings.fields import ValidatedField
from kodesk.desktop.settings.page import PageContext, SettingsPage, message_label

MODELFILE_FILTER = "Modelfile (Modelfile *.modelfile *.txt);;* (*)"


class OverrideRow:
    """One option: a "model default" checkbox and a value editor with the option's range."""

    def __init__(self, option: OverrideOption, default_label: str) -> None:
        self.option = option
        self.use_default = QCheckBox(default_label)
        self.use_default.setChecked(True)
        editor: QWidget
        if option.kind == "float":
            spin = QDoubleSpinBox()
            spin.setDecimals(2)
            spin.setRange(option.minimum, option.maximum)
            spin.setSingleStep(option.step)
            spin.setKeyboardTracking(False)
            editor = spin
        elif option.kind == "int":
            ispin = QSpinBox()
            ispin.setRange(int(option.minimum), int(option.maximum))
            ispin.setSingleStep(int(option.step))
            ispin.setKeyboardTracking(False)
            editor = ispin
        elif option.kind in ("lines", "text"):
            box = QPlainTextEdit()
            box.setTabChangesFocus(True)
            box.setFixedHeight(box.fontMetrics().lineSpacing() * 3 + 12)
            editor = box
        else:
            editor = QLineEdit()
        editor.setObjectName(f"override-{option.name}")
        self.field = ValidatedField(editor)
        self.editor = editor
        self.editor.setEnabled(False)

    def value(self) -> Any:
        editor = self.editor
        if isinstance(editor, QSpinBox | QDoubleSpinBox):
            return editor.value()
        if isinstance(editor, QPlainTextEdit):
            text = editor.toPlainText()
            return [s for s in text.splitlines() if s] if self.option.kind == "lines" else text
        assert isinstance(editor, QLineEdit)
        return editor.text().strip()

    def show_unknown(self, text: str) -> None:
        """Show that the model decides (its own value is not known here)."""
        editor = self.editor
        editor.blockSignals(True)
        if isinstance(editor, QSpinBox):
            editor.setSpecialValueText(text)
            editor.setValue(editor.minimum())
        elif isinstance(editor, QDoubleSpinBox):
            editor.setSpecialValueText(text)
            editor.setValue(float(editor.minimum()))
        elif isinstance(editor, QPlainTextEdit | QLineEdit):
            editor.clear()
            editor.setPlaceholderText(text)
        editor.blockSignals(False)

    def show_value(self, value: Any) -> None:
        editor = self.editor
        editor.blockSignals(True)
        if isinstance(editor, QSpinBox | QDoubleSpinBox):
            editor.setSpecialValueText("")
        if isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText("\n".join(value) if isinstance(value, list) else str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))
        editor.blockSignals(False)

    def connect(self, slot: Any) -> None:
        self.use_default.toggled.connect(slot)
        editor = self.editor
        if isinstance(editor, QSpinBox | QDoubleSpinBox):
            editor.valueChanged.connect(slot)
        elif isinstance(editor, QPlainTextEdit):
            editor.textChanged.connect(slot)
        elif isinstance(editor, QLineEdit):
            editor.editingFinished.connect(slot)


class ParametersPage(SettingsPage):
    title = Text("매개변수", "Parameters")

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        t = self.labels
        self.model = QComboBox()
        self.model.setObjectName("parameters-model")
        self.model.currentIndexChanged.connect(lambda _i: self._model_chosen())
        ctx.catalog.changed.connect(self._fill_models)
        self.rows = {o.name: OverrideRow(o, t("모델 기본값", "Model default")) for o in OPTIONS}
        for row in self.rows.values():
            row.connect(lambda *_a, r=row: self._row_changed(r))
        self.modelfile_view = QPlainTextEdit()
        self.modelfile_view.setReadOnly(True)
        self.modelfile_view.setObjectName("parameters-modelfile")
        self.modelfile_view.setFixedHeight(self.modelfile_view.fontMetrics().lineSpacing() * 6 + 12)
        self.modelfile_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.import_button = QPushButton(t.mnemonic("Modelfile 가져오기…", "&Import Modelfile…"))
        self.export_button = QPushButton(t.mnemonic("Modelfile 내보내기…", "&Export Modelfile…"))
        self.import_button.clicked.connect(self._choose_import)
        self.export_button.clicked.connect(self._choose_export)
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText(
            t("새 모델 이름 (예: exaone-요약)", "new model name (e.g. exaone-summary)")
        )
        self.save_as_button = QPushButton(t.mnemonic("새 모델로 저장", "Save as &new model"))
        self.save_as_button.clicked.connect(lambda: self.save_as_new_model())
        self.message = message_label()
        self.message.setObjectName("parameters-message")
        self.message.hide()
        self._defaults: dict[str, Any] = {}
        self._loading = False
        self._build_layout()
        self._fill_models()

    def _build_layout(self) -> None:
        t = self.labels
        grid_widget = QWidget()
        grid = QGridLayout(grid_widget)
        for i, row in enumerate(self.rows.values()):
            label = QLabel(t.text(row.option.label))
            label.setBuddy(row.editor)
            if row.option.hint is not None:
                label.setToolTip(t.text(row.option.hint))
                row.editor.setToolTip(t.text(row.option.hint))
            grid.addWidget(label, i, 0)
            grid.addWidget(row.use_default, i, 1)
            grid.addWidget(row.field, i, 2)
        grid.setColumnStretch(2, 1)
        scroll = QScrollArea()
        scroll.setWidget(grid_widget)
        scroll.setWidgetResizable(True)
        top = QHBoxLayout()
        model_label = QLabel(t.mnemonic("모델", "&Model"))
        model_label.setBuddy(self.model)
        top.addWidget(model_label)
        top.addWidget(self.model, 1)
        files = QHBoxLayout()
        files.addWidget(self.import_button)
        files.addWidget(self.export_button)
        files.addStretch(1)
        derived = QGroupBox(
            t("이 설정을 담은 새 모델 만들기", "Create a model with these settings")
        )
        derived_row = QHBoxLayout()
        derived_row.addWidget(self.new_name, 1)
        derived_row.addWidget(self.save_as_button)
        derived_layout = QVBoxLayout(derived)
        derived_layout.addLayout(derived_row)
        derived_layout.addWidget(self.modelfile_view)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addLayout(files)
        layout.addWidget(self.message)
        layout.addWidget(derived)

    # -- model choice -----------------------------------------------------------------
    def current_model(self) -> str:
        return str(self.model.currentData() or "")

    def _fill_models(self) -> None:
        current = self.current_model()
        names = self.ctx.catalog.names()
        stored = list(self.ctx.settings.get("models.overrides"))
        self.model.blockSignals(True)
        self.model.clear()
        for name in [*names, *(n for n in stored if n not in names)]:
            self.model.addItem(name, name)
        self.model.setCurrentIndex(max(0, self.model.findData(current)))
        self.model.blockSignals(False)
        self._model_chosen()

    def select_model(self, name: str) -> None:
        """Show `name`'s overrides (and read its own values from the server again)."""
        index = self.model.findData(name)
        if index < 0:
            self.model.addItem(name, name)
            index = self.model.count() - 1
        if index == self.model.currentIndex():
            self._model_chosen()
        else:
            self.model.setCurrentIndex(index)

    def overrides(self) -> dict[str, Any]:
        """The stored overrides of the chosen model."""
        table: dict[str, Any] = self.ctx.settings.get("models.overrides").get(
            self.current_model(), {}
        )
        return table

    def _model_chosen(self) -> None:
        self._defaults = {}
        self._show_overrides()
        model = self.current_model()
        if model:
            # Without the model's own values the rows just say "set by the model"; a
            # server problem is reported by the Models page, not repeated here.
            self.jobs.start(self._load_defaults(model), on_error=lambda _exc: None)

    async def _load_defaults(self, model: str) -> None:
        """Show the model's own values in the rows left at "model default"."""
        engine = self.ctx.engine_factory()
        details = await engine.show(model)
        defaults: dict[str, Any] = {}
        for name, values in details.parameter_values().items():
            option = next((o for o in OPTIONS if o.name == name), None)
            if option is None:
                continue
            try:
                defaults[name] = (
                    values if option.kind == "lines" else parse_value(option, values[-1])
                )
            except ValueError:
                continue
        if details.system:
            defaults["system"] = details.system
        if model == self.current_model():
            self._defaults = defaults
            self._show_overrides()

    def _show_overrides(self) -> None:
        overrides = self.overrides()
        self._loading = True
        try:
            for name, row in self.rows.items():
                custom = name in overrides
                row.use_default.setChecked(not custom)
                row.editor.setEnabled(custom)
                row.field.set_error(None)
                if name in overrides or name in self._defaults:
                    row.show_value(overrides.get(name, self._defaults.get(name)))
                else:
                    row.show_unknown(self.labels("모델이 정함", "set by the model"))
        finally:
            self._loading = False
        self._show_modelfile()

    # -- editing ------------------------------------------------------------------------
    def set_override(self, name: str, value: Any) -> None:
        """Set one option to a custom value as if typed (for tests and scripting)."""
        row = self.rows[name]
        row.show_value(value)
        row.use_default.setChecked(False)
        self._row_changed(row)

    def _row_changed(self, row: OverrideRow) -> None:
        if self._loading:
            return
        custom = not row.use_default.isChecked()
        row.editor.setEnabled(custom)
        if custom and isinstance(row.editor, QSpinBox | QDoubleSpinBox):
            row.editor.setSpecialValueText("")
        overrides = self.overrides()
        value = row.value()
        problem = (
            keep_alive_problem(self.labels, value)
            if (custom and row.option.kind == "duration")
            else None
        )
        row.field.set_error(problem)
        if problem:
            return
        if custom and value not in ("", []):
            overrides[row.option.name] = value
        else:
            overrides.pop(row.option.name, None)
        self._store(overrides)

    def _store(self, overrides: dict[str, Any]) -> None:
        model = self.current_model()
        if not model:
            return
        table = self.ctx.settings.get("models.overrides")
        if overrides:
            table[model] = overrides
        else:
            table.pop(model, None)
        reason = self.ctx.binding.apply("models.overrides", table)
        if reason:
            self._fail(reason)
        self._show_modelfile()

    def modelfile_text(self) -> str:
        return render_modelfile(to_modelfile(self.current_model(), self.overrides()))

    def _show_modelfile(self) -> None:
        if not self.current_model():
            self.modelfile_view.setPlainText("")
            return
        try:
            self.modelfile_view.setPlainText(self.modelfile_text())
        except ModelfileError as exc:
            self.modelfile_view.setPlainText(exc.explain(self.labels.lang))

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c62828;")
        self.message.show()

    # -- Modelfile files ----------------------------------------------------------------
    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.labels("Modelfile 가져오기", "Import a Modelfile"), "", MODELFILE_FILTER
        )
        if path:
            self.import_modelfile(Path(path))

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.labels("Modelfile 내보내기", "Export a Modelfile"),
            "Modelfile",
            MODELFILE_FILTER,
        )
        if path:
            self.export_modelfile(Path(path))

    def import_modelfile(self, path: Path) -> bool:
        """Replace the chosen model's overrides with the Modelfile's PARAMETER and SYSTEM."""
        t = self.labels
        try:
            modelfile = parse_modelfile(read_modelfile(path))
            overrides, skipped = from_modelfile(modelfile)
        except ModelfileError as exc:
            self._fail(exc.explain(t.lang))
            return False
        except ValueError as exc:
            self._fail(t(f"값이 잘못되었습니다: {exc}", f"Invalid value: {exc}"))
            return False
        self._store(overrides)
        self._show_overrides()
        note = t(f"{path.name}에서 가져왔습니다.", f"Imported from {path.name}.")
        if skipped:
            note += " " + t(
                f"여기서 다루지 않는 항목은 건너뜀: {', '.join(skipped)}",
                f"Skipped what this page does not cover: {', '.join(skipped)}",
            )
        self.show_info(self.message, note)
        return True

    def export_modelfile(self, path: Path) -> bool:
        try:
            path.write_text(self.modelfile_text(), encoding="utf-8")
        except (OSError, ModelfileError) as exc:
            self._fail(
                exc.explain(self.labels.lang) if isinstance(exc, ModelfileError) else str(exc)
            )
            return False
        self.show_info(self.message, self.labels(f"{path}에 저장했습니다.", f"Saved to {path}."))
        return True

    # -- derived model --------------------------------------------------------------------
    def save_as_new_model(self, name: str | None = None) -> asyncio.Task[None] | None:
        new_name = (name or self.new_name.text()).strip()
        if not new_name or not self.current_model():
            self._fail(self.labels("새 모델 이름을 쓰세요.", "Enter a name for the new model."))
            return None
        spec = derived_spec(new_name, self.current_model(), self.overrides())
        self.show_info(self.message, self.labels(f"{new_name} 만드는 중…", f"Creating {new_name}…"))
        return self.jobs.start(
            self._create(spec),
            busy=[self.save_as_button],
            on_error=lambda exc: self.show_error(self.message, exc),
        )

    async def _create(self, spec: Any) -> None:
        engine = self.ctx.engine_factory()
        async for progress in engine.create(spec):
            self.message.setText(self.labels.progress(progress.status))
        self.show_info(
            self.message,
            self.labels(f"'{spec.name}' 모델을 만들었습니다.", f"Created the model '{spec.name}'."),
        )
        await self.ctx.catalog.refresh()
        self.ctx.catalog.mutated.emit()
