"""The token explainer: a text shown as coloured token chips, with its counts.

`TokenChipsView` renders a `kodesk.core.token_report.TokenReport`: a header with
characters, tokens, tokens per Hangul syllable and per English word, a bar for the
share of `num_ctx` (red when over), and the tokens as chips in alternating pastel
colours inside a read-only `QTextBrowser` (it wraps, and stays fast because only the
report's first chips — 2,000 by default — are inserted, followed by "… N more").
Hovering a chip shows its id and bytes; a byte token also names the character it is
part of (e.g. `<EB>` → part of '대').

Signals: none (a display widget).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QLabel, QProgressBar, QTextBrowser, QToolTip, QVBoxLayout, QWidget

from kodesk.core.errors import Text
from kodesk.core.token_report import Chip, TokenReport, build_report
from kodesk.core.tokenizer import Tokenizer
from kodesk.desktop.i18n import Labels
from kodesk.desktop.plain_text import tooltip

#: Chip backgrounds, alternating (pastel, readable with black text).
CHIP_COLOURS = ("#ffd6e0", "#d6f0ff", "#e2f7d4", "#fff1c7", "#eadcff")
#: Byte tokens (part of a character) in two alternating warm colours.
BYTE_CHIP_COLOURS = ("#ffb3b3", "#ffcf9e")
#: A hair space between chips, unstyled, so neighbouring chips stay apart.
CHIP_GAP = "\u200a"
OVER_STYLE = "QProgressBar::chunk { background-color: #d9363e; }"
#: Shown instead of chips for an estimate.
NO_CHIPS = Text(
    ko="추정치: 이 모델의 어휘를 읽지 못해 토큰을 보여 줄 수 없습니다.",
    en="Estimate: the model's vocabulary is not available, so there are no tokens to show.",
)
#: Property on a chip's character format holding the chip's index in the report.
_CHIP_PROPERTY = QTextFormat.Property.UserProperty.value + 1


class TokenChipsView(QWidget):
    """Counts header, context bar and token chips for one text."""

    def __init__(self, labels: Labels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels = labels
        self.report: TokenReport | None = None
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setWordWrap(True)
        self.context_bar = QProgressBar(self)
        self.context_bar.setRange(0, 1000)
        self.context_bar.setTextVisible(True)
        self.chips = QTextBrowser(self)
        self.chips.setReadOnly(True)
        self.chips.setOpenLinks(False)
        self.chips.viewport().installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.context_bar)
        layout.addWidget(self.chips, 1)

    def show_text(self, text: str, tokenizer: Tokenizer, num_ctx: int | None = None) -> None:
        self.show_report(build_report(text, tokenizer, num_ctx))

    def show_report(self, report: TokenReport) -> None:
        self.report = report
        self.header.setText(self.labels.token_header(report))
        self._show_context(report)
        self._show_chips(report)

    def chip_at(self, viewport_pos: QPoint) -> Chip | None:
        """The chip under a point of the chip area's viewport."""
        if self.report is None:
            return None
        doc_pos = viewport_pos + QPoint(
            self.chips.horizontalScrollBar().value(), self.chips.verticalScrollBar().value()
        )
        position = (
            self.chips.document()
            .documentLayout()
            .hitTest(doc_pos.toPointF(), Qt.HitTestAccuracy.ExactHit)
        )
        if position < 0:
            return None
        cursor = QTextCursor(self.chips.document())
        cursor.setPosition(position)
        # hitTest gives the nearest cursor position: the character is left or right of it.
        if viewport_pos.x() < self.chips.cursorRect(cursor).x():
            position -= 1
        if position < 0:
            return None
        cursor.setPosition(position + 1)
        index = cursor.charFormat().property(_CHIP_PROPERTY)
        if isinstance(index, int) and 0 <= index < len(self.report.chips):
            return self.report.chips[index]
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.chips.viewport() and event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            chip = self.chip_at(event.pos())
            if chip is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), tooltip(chip.tooltip), self.chips.viewport())
            return True
        return super().eventFilter(watched, event)

    def _show_context(self, report: TokenReport) -> None:
        share = report.context_share
        self.context_bar.setVisible(share is not None)
        if share is None or report.num_ctx is None:
            return
        self.context_bar.setValue(min(1000, round(share * 1000)))
        self.context_bar.setFormat(f"{report.tokens:,} / {report.num_ctx:,} num_ctx ({share:.1%})")
        self.context_bar.setStyleSheet(OVER_STYLE if report.over_context else "")
        self.context_bar.setProperty("over", report.over_context)

    def _show_chips(self, report: TokenReport) -> None:
        self.chips.clear()
        cursor = QTextCursor(self.chips.document())
        cursor.beginEditBlock()
        plain = QTextCharFormat()
        if report.estimate:
            cursor.insertText(NO_CHIPS.get(self.labels.lang) + "\n")
        for chip in report.chips:
            fmt = QTextCharFormat()
            colours = BYTE_CHIP_COLOURS if chip.kind == "bytes" else CHIP_COLOURS
            colour = colours[chip.index % len(colours)]
            fmt.setBackground(QColor(colour))
            fmt.setForeground(QColor("#000000"))
            fmt.setProperty(_CHIP_PROPERTY, chip.index)
            cursor.insertText(chip.label, fmt)
            cursor.insertText("\n" if "↵" in chip.label else CHIP_GAP, plain)
        if report.hidden_chips:
            cursor.insertText("  " + self.labels.more_chips.format(n=report.hidden_chips), plain)
        cursor.endEditBlock()
        self.chips.moveCursor(QTextCursor.MoveOperation.Start)
