"""The floating answer window: streams an answer near the cursor.

Streaming text is coalesced (one repaint per frame at most, ~60 a second) and
appended. Markdown is rendered paragraph by paragraph as each paragraph completes
(`StreamedMarkdown`): a flush only appends the new characters, so its cost does not
grow with the answer.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QCursor,
    QGuiApplication,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizeGrip,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kodesk.core.types import ChatStats
from kodesk.desktop.i18n import Labels
from kodesk.desktop.streamed_markdown import StreamedMarkdown

FLUSH_MS = 16
_STYLE = """
#frame { background: palette(window); border: 1px solid palette(mid); border-radius: 10px; }
#header { font-weight: 600; }
#status { color: palette(placeholder-text); }
#warning { color: #B45309; font-weight: 600; }
#error { color: #B91C1C; }
#footer { color: palette(placeholder-text); font-size: 11px; }
"""


class AnswerWindow(QWidget):
    """Frameless, always-on-top answer window that stays out of the taskbar.

    Signals:
        stopRequested: the user pressed Stop or Esc while an answer streams.
        retryRequested: the user wants the same job again.
        pasteBackRequested(str): put this text where the user was typing.
        copied(str): the answer was copied to the clipboard.
        moved(QPoint): the user dragged the window to a new position.
        hidden(QSize): the window was closed or hidden, at this size (to remember it).
    """

    stopRequested = Signal()
    retryRequested = Signal()
    pasteBackRequested = Signal(str)
    copied = Signal(str)
    #: The fix button beside a warning was pressed; carries its `Fix` ("instruction_model").
    fixRequested = Signal(str)
    moved = Signal(QPoint)
    hidden = Signal(QSize)

    def __init__(self, labels: Labels, parent: QWidget | None = None) -> None:
        flags = (
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        super().__init__(parent, flags)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setObjectName("AnswerWindow")
        self.setWindowTitle("kodesk")
        self._labels = labels
        self._pending: list[str] = []
        self._answer = ""
        self._streaming = False
        self._drag_offset: QPoint | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._build()

    # -- construction ---------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        frame = QFrame(self)
        frame.setObjectName("frame")
        frame.setStyleSheet(_STYLE)
        outer.addWidget(frame)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        L = self._labels
        self.header = QLabel(frame)
        self.header.setObjectName("header")
        self.header.setCursor(Qt.CursorShape.SizeAllCursor)
        self.header.setToolTip(L.drag_to_move)
        self.close_button = QPushButton("✕", frame)
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip(L.close)
        self.close_button.setAccessibleName(L.close)
        self.close_button.clicked.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        self.status = QLabel(frame)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.note = QLabel(frame)
        self.note.setObjectName("footer")
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addWidget(self.note)
        self.extra = QVBoxLayout()
        layout.addLayout(self.extra)
        # Said before the answer, above it: what is wrong with the model, and the fix.
        self.warning = QLabel(frame)
        self.warning.setObjectName("warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        layout.addWidget(self.warning)
        self._fix = ""
        self.fix_button = QPushButton(L.get_instruction_model, frame)
        self.fix_button.hide()
        self.fix_button.clicked.connect(lambda: self.fixRequested.emit(self._fix))
        layout.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.body = QTextBrowser(frame)
        self.body.setOpenExternalLinks(True)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setMinimumHeight(80)
        self._markdown = StreamedMarkdown(self.body.document())
        layout.addWidget(self.body, 1)
        self.error = QLabel(frame)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)
        self.details = QLabel(frame)
        self.details.setObjectName("footer")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        layout.addWidget(self.details)
        buttons = QHBoxLayout()
        self.stop_button = QPushButton(L.stop, frame)
        self.copy_button = QPushButton(L.copy, frame)
        self.retry_button = QPushButton(L.retry, frame)
        self.paste_button = QPushButton(L.paste_back, frame)
        self.details_button = QPushButton(L.details, frame)
        self.details_button.setCheckable(True)
        for button in (
            self.stop_button,
            self.copy_button,
            self.retry_button,
            self.paste_button,
            self.details_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(
            QSizeGrip(frame), 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight
        )
        layout.addLayout(buttons)
        self.footer = QLabel(frame)
        self.footer.setObjectName("footer")
        self.footer.setWordWrap(True)
        layout.addWidget(self.footer)
        self.stop_button.clicked.connect(self.stopRequested)
        self.copy_button.clicked.connect(self.copy_answer)
        self.retry_button.clicked.connect(self.retryRequested)
        self.paste_button.clicked.connect(lambda: self.pasteBackRequested.emit(self._answer))
        self.details_button.toggled.connect(self.details.setVisible)
        for keys, button in (
            (Qt.Modifier.CTRL | Qt.Key.Key_Return, self.paste_button),
            (Qt.Modifier.CTRL | Qt.Modifier.SHIFT | Qt.Key.Key_C, self.copy_button),
            (Qt.Modifier.CTRL | Qt.Key.Key_R, self.retry_button),
        ):
            QShortcut(QKeySequence(keys), self, button.click)
        for label in frame.findChildren(QLabel):  # model names and server text, never HTML
            label.setTextFormat(Qt.TextFormat.PlainText)
        self._set_streaming(False)

    # -- job lifecycle ----------------------------------------------------------------
    def begin(self, title: str, model: str) -> None:
        """Clear everything for a new job and show the window."""
        self._flush_timer.stop()
        self._pending.clear()
        self._answer = ""
        self._markdown.clear()
        self.header.setText(f"{title} · {model}" if model else title)
        self.status.setText(self._labels.starting)
        self.status.show()
        self.warning.clear()
        self.warning.hide()
        self.fix_button.hide()
        self.note.clear()
        self.note.hide()
        self.error.hide()
        self.footer.clear()
        self.set_details("")
        self._clear_extra()
        self._set_streaming(True)

    def append(self, text: str) -> None:
        """Queue answer text; it is painted on the next frame."""
        if not text:
            return
        self._pending.append(text)
        self._answer += text
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def reset_answer(self, reason: str) -> None:
        self._flush_timer.stop()
        self._pending.clear()
        self._answer = ""
        self._markdown.clear()
        self.set_status(reason)

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def add_note(self, text: str) -> None:
        """A line that stays in view beside the answer (e.g. how the text was cleaned)."""
        current = self.note.text()
        self.note.setText(f"{current}\n{text}" if current else text)
        self.note.show()

    def add_warning(self, text: str) -> None:
        current = self.warning.text()
        self.warning.setText(f"{current}\n⚠ {text}" if current else f"⚠ {text}")
        self.warning.show()
        self._fit_height()

    def offer_fix(self, fix: str) -> None:
        """Show the one-click fix for the problem just shown (`Fix`: "instruction_model"
        opens the recommended instruction models); it gets the keyboard focus."""
        self._fix = fix
        self.fix_button.show()
        self.fix_button.setFocus()
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow (never shrink) so that the warnings and the answer's minimum all fit at
        this width: a long warning must not be squeezed under the buttons."""
        layout = self.layout()
        if layout is None:
            return
        needed = layout.totalMinimumHeightForWidth(self.width())
        if needed > self.height():
            screen = self.screen().availableGeometry() if self.screen() else None
            limit = screen.height() if screen is not None else needed
            self.resize(self.width(), min(needed, limit))

    def show_error(self, message: str, hint: str = "") -> None:
        self._flush()
        self._markdown.finish()
        self.error.setText(f"{message}\n{hint}" if hint else message)
        self.error.show()
        self.set_status("")
        self._set_streaming(False)

    def set_details(self, text: str) -> None:
        self.details.setText(text)
        self.details_button.setVisible(bool(text))
        self.details.setVisible(bool(text) and self.details_button.isChecked())

    def add_extra(self, widget: QWidget) -> None:
        """Show a job-specific widget (e.g. token chips) above the answer."""
        self.extra.addWidget(widget)

    def finish(self, stats: ChatStats | None, *, stopped: bool = False) -> None:
        self._flush()
        self._markdown.finish()
        self._set_streaming(False)
        self.set_status(self._labels.stopped if stopped else "")
        if stats is not None:
            self.footer.setText(self._labels.stats_line(stats))

    # -- queries --------------------------------------------------------------------
    @property
    def streaming(self) -> bool:
        return self._streaming

    def answer_text(self) -> str:
        return self._answer

    def copy_answer(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self._answer.strip())
        self.copied.emit(self._answer.strip())
        self.set_status(self._labels.copied)

    # -- placement ------------------------------------------------------------------
    def place_near(self, point: QPoint | None = None) -> None:
        """Put the window just below-right of `point` (the cursor), fully on screen."""
        anchor = QCursor.pos() if point is None else point
        screen = QGuiApplication.screenAt(anchor) or QGuiApplication.primaryScreen()
        self.move(
            fit_on_screen(QRect(anchor + QPoint(16, 16), self.size()), screen.availableGeometry())
        )

    # -- internals ------------------------------------------------------------------
    def _set_streaming(self, streaming: bool) -> None:
        self._streaming = streaming
        self.stop_button.setVisible(streaming)
        self.retry_button.setEnabled(not streaming)
        self.copy_button.setEnabled(not streaming)
        self.paste_button.setEnabled(not streaming)

    def _flush(self) -> None:
        """Render pending text (finished paragraphs as markdown, the rest as plain text)."""
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._markdown.feed(text)
        bar = self.body.verticalScrollBar()
        bar.setValue(bar.maximum())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self._streaming:
                self.stopRequested.emit()
            else:
                self.close()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_offset = event.globalPosition().toPoint() - self.pos()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_offset is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.move(event.globalPosition().toPoint() - self._drag_offset)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_offset is not None:
            self._drag_offset = None
            self.moved.emit(self.pos())
        super().mouseReleaseEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.hidden.emit(self.size())
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._streaming:
            self.stopRequested.emit()
        super().closeEvent(event)

    def _clear_extra(self) -> None:
        while self.extra.count():
            item = self.extra.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()


def fit_on_screen(rect: QRect, screen: QRect) -> QPoint:
    """Top-left for `rect` moved the least so it lies inside `screen`."""
    x = min(max(rect.left(), screen.left()), screen.right() - rect.width() + 1)
    y = min(max(rect.top(), screen.top()), screen.bottom() - rect.height() + 1)
    return QPoint(max(x, screen.left()), max(y, screen.top()))
