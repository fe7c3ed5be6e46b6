"""A Modelfile text editor: syntax colours and live validation with the core parser."""

from __future__ import annotations

import re

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from kodesk.core.modelfile import INSTRUCTIONS, Modelfile, ModelfileError, parse_modelfile

VALIDATION_DELAY_MS = 300
_INSTRUCTION = re.compile(r"^\s*(" + "|".join(sorted(INSTRUCTIONS)) + r")\b", re.IGNORECASE)
_PARAMETER_NAME = re.compile(r"^\s*parameter\s+(\w+)", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"')
_OUTSIDE, _IN_TRIPLE = 0, 1


def _format(color: str, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class ModelfileHighlighter(QSyntaxHighlighter):
    """Instructions, parameter names, quoted values (also multi-line \"\"\"…\"\"\") and comments."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.keyword = _format("#1565c0", bold=True)
        self.parameter = _format("#6a1b9a")
        self.quoted = _format("#2e7d32")
        self.comment = _format("#757575", italic=True)

    def highlightBlock(self, text: str) -> None:
        self.setCurrentBlockState(_OUTSIDE)
        start = 0
        if self.previousBlockState() == _IN_TRIPLE:
            end = text.find('"""')
            if end < 0:
                self.setFormat(0, len(text), self.quoted)
                self.setCurrentBlockState(_IN_TRIPLE)
                return
            self.setFormat(0, end + 3, self.quoted)
            start = end + 3
        elif text.lstrip().startswith("#"):
            self.setFormat(0, len(text), self.comment)
            return
        else:
            self._instruction(text)
        self._quotes(text, start)

    def _instruction(self, text: str) -> None:
        match = _INSTRUCTION.match(text)
        if match:
            self.setFormat(match.start(1), len(match.group(1)), self.keyword)
        param = _PARAMETER_NAME.match(text)
        if param:
            self.setFormat(param.start(1), len(param.group(1)), self.parameter)

    def _quotes(self, text: str, start: int) -> None:
        opening = text.find('"""', start)
        if opening >= 0:
            closing = text.find('"""', opening + 3)
            if closing < 0:
                self.setFormat(opening, len(text) - opening, self.quoted)
                self.setCurrentBlockState(_IN_TRIPLE)
                return
            self.setFormat(opening, closing + 3 - opening, self.quoted)
            return
        for match in _QUOTED.finditer(text, start):
            self.setFormat(match.start(), match.end() - match.start(), self.quoted)


class ModelfileEditor(QPlainTextEdit):
    """Edits Modelfile text and re-parses it ~300 ms after the last keystroke.

    Signals: `validated(object)` with the parsed `Modelfile`, or the `ModelfileError`.
    """

    validated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.highlighter = ModelfileHighlighter(self.document())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(VALIDATION_DELAY_MS)
        self._timer.timeout.connect(self.validate_now)
        self.textChanged.connect(self._timer.start)
        self.result: Modelfile | ModelfileError | None = None

    def validate_now(self) -> Modelfile | ModelfileError:
        """Parse the text at once (the debounce timer calls this)."""
        self._timer.stop()
        try:
            self.result = parse_modelfile(self.toPlainText())
        except ModelfileError as exc:
            self.result = exc
        self.validated.emit(self.result)
        return self.result

    @property
    def pending(self) -> bool:
        """True while an edit waits for validation."""
        return self._timer.isActive()
