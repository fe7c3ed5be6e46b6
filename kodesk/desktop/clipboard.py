"""Capturing the text to work on: the clipboard, or the selection copied for the user.

In "selection" mode kodesk presses the copy shortcut itself, waits (bounded) for the
clipboard to change, takes the text, and puts the previous clipboard contents back.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard


@dataclass(frozen=True)
class Captured:
    text: str | None
    #: The clipboard held data that is not text (an image, files).
    had_other_content: bool = False
    #: Selection mode found no selection and used the clipboard as it was.
    used_existing_clipboard: bool = False


def _copy_mime(source: QMimeData | None) -> QMimeData:
    copy = QMimeData()
    if source is not None:
        for fmt in source.formats():
            copy.setData(fmt, source.data(fmt))
    return copy


def read_clipboard(clipboard: QClipboard) -> Captured:
    mime: QMimeData | None = clipboard.mimeData()
    if mime is None:
        return Captured(None)
    text = mime.text() if mime.hasText() else ""
    if text:
        return Captured(text)
    other = (
        mime.hasImage()
        or mime.hasUrls()
        or any(not fmt.startswith("text/") for fmt in mime.formats())
    )
    return Captured(None, had_other_content=other)


def press_copy_shortcut() -> None:
    """Release the hotkey's modifiers, then press Ctrl+C (Cmd+C on macOS)."""
    if sys.platform == "win32":
        import keyboard

        for key in ("alt", "shift", "windows"):
            keyboard.release(key)
        keyboard.send("ctrl+c")
        return
    from pynput.keyboard import Controller, Key

    controller = Controller()
    for key in (Key.alt, Key.alt_r, Key.shift, Key.cmd):
        controller.release(key)
    modifier = Key.cmd if sys.platform == "darwin" else Key.ctrl
    with controller.pressed(modifier):
        controller.press("c")
        controller.release("c")


class ClipboardCapture:
    """Reads the text for a job from `clipboard`; `press_copy` simulates the copy key."""

    def __init__(
        self, clipboard: QClipboard, press_copy: Callable[[], None] = press_copy_shortcut
    ) -> None:
        self._clipboard = clipboard
        self._press_copy = press_copy

    async def capture(self, mode: str, copy_timeout_ms: int) -> Captured:
        if mode != "selection":
            return read_clipboard(self._clipboard)
        return await self._capture_selection(copy_timeout_ms / 1000)

    async def _capture_selection(self, wait_seconds: float) -> Captured:
        saved = _copy_mime(self._clipboard.mimeData())
        changed = asyncio.Event()
        connection = self._clipboard.dataChanged.connect(changed.set)
        try:
            self._press_copy()
            try:
                await asyncio.wait_for(changed.wait(), wait_seconds)
            except TimeoutError:
                current = read_clipboard(self._clipboard)
                return Captured(
                    current.text, current.had_other_content, used_existing_clipboard=True
                )
            captured = read_clipboard(self._clipboard)
        finally:
            self._clipboard.dataChanged.disconnect(connection)
        self._clipboard.setMimeData(saved)
        return captured

    def paste_text(self, text: str, press_paste: Callable[[], None]) -> None:
        """Put `text` on the clipboard and paste it where the user was typing."""
        self._clipboard.setText(text)
        press_paste()


def press_paste_shortcut() -> None:
    if sys.platform == "win32":
        import keyboard

        keyboard.send("ctrl+v")
        return
    from pynput.keyboard import Controller, Key

    controller = Controller()
    modifier = Key.cmd if sys.platform == "darwin" else Key.ctrl
    with controller.pressed(modifier):
        controller.press("v")
        controller.release("v")
