"""Form fields built from the settings schema, with inline validation.

`SettingsBinding` writes a value to `Settings` (observers fire, so the app applies it
at once) and saves through the store. `SchemaForm` adds one row per setting key:
the widget kind, range, choices and tooltip come from the `Setting` declaration.
An invalid value gets a red border and a message under the field and is not saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.settings import (
    BY_KEY,
    Settings,
    SettingsError,
    SettingsStore,
    SettingsUnwritable,
)
from kodesk.core.settings_labels import Labels
from kodesk.desktop.i18n import pick_language
from kodesk.desktop.plain_text import plain_label

INVALID_STYLE = "border: 1px solid #c62828; border-radius: 2px;"
#: Extra check for a text setting: None when fine, else the message to show.
TextCheck = Callable[[str], str | None]


class SettingsBinding:
    """Applies and saves setting changes; the one place the dialog writes settings."""

    def __init__(self, settings: Settings, store: SettingsStore) -> None:
        self.settings = settings
        self.store = store

    def apply(self, key: str, value: Any) -> str | None:
        """Set and save `key`; None on success, else why it was refused (nothing saved)."""
        try:
            self.settings.set(key, value)
        except SettingsError as exc:
            return str(exc)
        try:
            self.store.save(self.settings)
        except SettingsUnwritable as exc:
            return exc.explain(pick_language(self.settings.get("ui.language")))
        return None


class ValidatedField(QWidget):
    """An input widget with a message line under it for what is wrong with its value."""

    def __init__(self, editor: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.error = plain_label()
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.error)
        self.setFocusProxy(editor)
        # Never taller than its content: spare room in a form goes elsewhere.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def set_error(self, message: str | None) -> None:
        self.editor.setStyleSheet(INVALID_STYLE if message else "")
        self.error.setText(message or "")
        # Wrapping only while shown: a hidden wrapping label still makes form rows too tall.
        self.error.setWordWrap(bool(message))
        self.error.setVisible(bool(message))

    @property
    def has_error(self) -> bool:
        return not self.error.isHidden()


class SchemaForm(QWidget):
    """A form whose rows are settings. Widgets follow later changes made elsewhere."""

    def __init__(
        self, binding: SettingsBinding, labels: Labels, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.binding = binding
        self.labels = labels
        self.layout_ = QFormLayout(self)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.fields: dict[str, ValidatedField] = {}
        self._refreshers: dict[str, Callable[[], None]] = {}
        self._submitters: dict[str, Callable[[], None]] = {}
        stop_observing = binding.settings.observe(self._changed)
        self.destroyed.connect(lambda *_: stop_observing())

    def add_setting(self, key: str, check: TextCheck | None = None) -> ValidatedField:
        """One row for `key`; `check` adds a refusal rule for text settings."""
        setting = BY_KEY[key]
        if setting.type is bool:
            editor: QWidget = self._checkbox(key)
            field = ValidatedField(editor)
            self.layout_.addRow(field)
        else:
            if setting.choices:
                editor = self._combo(key)
            elif setting.type in (int, float):
                editor = self._spin(key)
            else:
                editor = self._line(key, check)
            field = ValidatedField(editor)
            self.layout_.addRow(self.labels.setting(key), field)
        editor.setToolTip(self.labels.description(key))
        editor.setObjectName(key)
        self.fields[key] = field
        return field

    def add_row(self, label: str, widget: QWidget) -> None:
        self.layout_.addRow(label, widget)

    # -- widget kinds -------------------------------------------------------------
    def _checkbox(self, key: str) -> QCheckBox:
        box = QCheckBox(self.labels.setting(key))

        def refresh() -> None:
            box.setChecked(bool(self.binding.settings.get(key)))

        refresh()
        box.toggled.connect(lambda checked: self.commit(key, bool(checked)))
        self._refreshers[key] = refresh
        return box

    def _combo(self, key: str) -> QComboBox:
        combo = QComboBox()
        for choice in BY_KEY[key].choices:
            combo.addItem(self.labels.choice(key, choice), choice)

        def refresh() -> None:
            combo.setCurrentIndex(max(0, combo.findData(self.binding.settings.get(key))))

        refresh()
        combo.currentIndexChanged.connect(lambda _i: self.commit(key, combo.currentData()))
        self._refreshers[key] = refresh
        return combo

    def _spin(self, key: str) -> QSpinBox | QDoubleSpinBox:
        setting = BY_KEY[key]
        spin: QSpinBox | QDoubleSpinBox
        if setting.type is int:
            spin = QSpinBox()
            spin.setRange(int(setting.minimum or 0), int(setting.maximum or 2**31 - 1))
        else:
            spin = QDoubleSpinBox()
            spin.setDecimals(1)
            spin.setRange(setting.minimum or 0.0, setting.maximum or 1e9)
        spin.setKeyboardTracking(False)

        def refresh() -> None:
            spin.setValue(self.binding.settings.get(key))

        refresh()
        spin.valueChanged.connect(lambda value: self.commit(key, setting.coerce(value)))
        self._refreshers[key] = refresh
        return spin

    def _line(self, key: str, check: TextCheck | None) -> QLineEdit:
        line = QLineEdit()
        line.setPlaceholderText(str(BY_KEY[key].default))

        def refresh() -> None:
            line.setText(self.binding.settings.get(key))

        def finished() -> None:
            text = line.text().strip()
            reason = check(text) if check else None
            if reason:
                self.fields[key].set_error(reason)
            else:
                self.commit(key, text)

        refresh()
        line.editingFinished.connect(finished)
        self._refreshers[key] = refresh
        self._submitters[key] = finished
        return line

    def submit(self, key: str) -> bool:
        """Apply what is typed in the text field of `key` now; True when it was accepted."""
        self._submitters[key]()
        return not self.fields[key].has_error

    # -- writing ------------------------------------------------------------------
    def commit(self, key: str, value: Any) -> bool:
        """Apply `value`, showing the refusal under the field; True when saved."""
        reason = self.binding.apply(key, value)
        self.fields[key].set_error(reason)
        return reason is None

    def _changed(self, key: str) -> None:
        refresh = self._refreshers.get(key)
        field = self.fields.get(key)
        if refresh is None or field is None or field.has_error:
            return
        editor = field.editor
        editor.blockSignals(True)
        try:
            refresh()
        finally:
            editor.blockSignals(False)
