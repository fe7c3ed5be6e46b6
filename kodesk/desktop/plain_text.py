"""Server, model and file text shown as plain text, never interpreted as HTML.

Qt guesses rich text from a leading tag (`Qt.TextFormat.AutoText`), so an error such as
`<img src="file:///…">` would load a file. Labels that show such text are created with
`Qt.TextFormat.PlainText`; message boxes and tooltips go through these helpers.
"""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def message_box(
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.NoButton,
    parent: QWidget | None = None,
) -> QMessageBox:
    """A QMessageBox whose text and informative text are plain text."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def tooltip(text: str) -> str:
    """`text` as a tooltip that shows it literally (tooltips have no text format)."""
    return QtGui.Qt.convertFromPlainText(text)


def plain_label(text: str = "") -> QLabel:
    """A QLabel that shows `text` literally."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
