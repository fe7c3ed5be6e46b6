"""A field that records a key combination as it is pressed, in kodesk's text form."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from kodesk.core.hotkey_spec import HotkeyError, parse_hotkey

_NAMED: dict[int, str] = {
    Qt.Key.Key_Space: "space",
    Qt.Key.Key_Return: "enter",
    Qt.Key.Key_Enter: "enter",
    Qt.Key.Key_Backspace: "backspace",
    Qt.Key.Key_Delete: "delete",
    Qt.Key.Key_Insert: "insert",
    Qt.Key.Key_Home: "home",
    Qt.Key.Key_End: "end",
    Qt.Key.Key_PageUp: "page_up",
    Qt.Key.Key_PageDown: "page_down",
    Qt.Key.Key_Up: "up",
    Qt.Key.Key_Down: "down",
    Qt.Key.Key_Left: "left",
    Qt.Key.Key_Right: "right",
    Qt.Key.Key_Pause: "pause",
    Qt.Key.Key_Print: "print_screen",
    Qt.Key.Key_Escape: "escape",
    Qt.Key.Key_Tab: "tab",
}
_MODIFIER_KEYS = {
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_Shift,
    Qt.Key.Key_Meta,
    Qt.Key.Key_Super_L,
    Qt.Key.Key_Super_R,
    Qt.Key.Key_AltGr,
}
_MODIFIERS = (
    (Qt.KeyboardModifier.ControlModifier, "ctrl"),
    (Qt.KeyboardModifier.AltModifier, "alt"),
    (Qt.KeyboardModifier.ShiftModifier, "shift"),
    (Qt.KeyboardModifier.MetaModifier, "super"),
)


def key_name(key: int) -> str | None:
    """kodesk's name of a Qt key, or None for keys kodesk cannot bind."""
    if key in _NAMED:
        return _NAMED[key]
    if Qt.Key.Key_F1 <= key <= Qt.Key.Key_F24:
        return f"f{key - Qt.Key.Key_F1 + 1}"
    if 0x21 <= key <= 0x7E:  # Qt's codes for printable ASCII keys are the characters
        return chr(key).lower()
    return None


def combo_text(modifiers: Qt.KeyboardModifier, key: int) -> str | None:
    """ "ctrl+alt+k" for a key event, or None when it is not a usable combination."""
    name = key_name(key)
    if name is None:
        return None
    mods = [text for flag, text in _MODIFIERS if modifiers & flag]
    return "+".join([*mods, name])


class HotkeyEdit(QLineEdit):
    """Press keys to set a hotkey. Backspace or Delete alone clears it.

    Signals: `hotkeyChosen(str)` with the combination in text form ("ctrl+alt+k"),
    or "" when cleared. Plain Tab, Shift+Tab and Esc keep their usual meaning, so
    the field never traps keyboard users.
    """

    hotkeyChosen = Signal(str)

    def __init__(self, value: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.value = value
        self._show(value)

    def set_value(self, value: str) -> None:
        self.value = value
        self._show(value)

    def _show(self, value: str) -> None:
        try:
            self.setText(parse_hotkey(value).label() if value else "")
        except HotkeyError:
            self.setText(value)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if plain and key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Escape):
            event.ignore()
            super().keyPressEvent(event)
            return
        if mods == Qt.KeyboardModifier.NoModifier and key in (
            Qt.Key.Key_Backspace,
            Qt.Key.Key_Delete,
        ):
            self.hotkeyChosen.emit("")
            return
        if key in _MODIFIER_KEYS:
            held = [text.title() for flag, text in _MODIFIERS if mods & flag]
            self.setText("+".join([*held, "…"]))
            return
        combo = combo_text(mods, key)
        if combo is None:
            self._show(self.value)
            return
        self.hotkeyChosen.emit(combo)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if self.text().endswith("…") and event.key() in _MODIFIER_KEYS:
            self._show(self.value)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._show(self.value)
        super().focusOutEvent(event)
