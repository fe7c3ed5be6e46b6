"""Hotkey backends: syntax translation, platform choice, and the service's signals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from kodesk.core.hotkey_spec import parse_hotkey
from kodesk.desktop.hotkeys import (
    Bindings,
    HotkeyService,
    HotkeyUnavailable,
    PynputBackend,
    default_backend,
    keyboard_combo,
    pynput_combo,
)


class RecordingBackend:
    def __init__(self) -> None:
        self.bindings: dict[str, str] = {}
        self.fire: Callable[[str], None] | None = None
        self.stopped = 0

    def start(self, bindings: Bindings, fire: Callable[[str], None]) -> None:
        self.bindings = {name: str(h) for name, h in bindings.items()}
        self.fire = fire

    def stop(self) -> None:
        self.stopped += 1


def test_syntax_for_each_backend() -> None:
    assert pynput_combo(parse_hotkey("ctrl+alt+k")) == "<ctrl>+<alt>+k"
    assert pynput_combo(parse_hotkey("win+shift+escape")) == "<shift>+<cmd>+<esc>"
    assert pynput_combo(parse_hotkey("ctrl+f9")) == "<ctrl>+<f9>"
    assert keyboard_combo(parse_hotkey("ctrl+alt+k")) == "ctrl+alt+k"
    assert keyboard_combo(parse_hotkey("win+page_up")) == "windows+page up"


def test_wayland_and_no_display_are_explained() -> None:
    with pytest.raises(HotkeyUnavailable, match="Wayland"):
        default_backend({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"})
    with pytest.raises(HotkeyUnavailable, match="DISPLAY"):
        default_backend({})
    assert isinstance(default_backend({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}), PynputBackend)


def test_service_fires_on_the_gui_thread_and_pauses(qtbot: QtBot) -> None:
    backend = RecordingBackend()
    service = HotkeyService(lambda: backend)
    service.apply({"main": parse_hotkey("ctrl+alt+k"), "translate": parse_hotkey("ctrl+alt+t")})
    assert backend.bindings == {"main": "ctrl+alt+k", "translate": "ctrl+alt+t"}
    assert service.active
    with qtbot.waitSignal(service.triggered) as blocker:
        assert backend.fire is not None
        backend.fire("translate")
    assert blocker.args == ["translate"]
    service.set_paused(True)
    assert not service.active and backend.stopped == 1
    service.set_paused(False)
    assert service.active


def test_unavailable_backend_is_reported(qtbot: QtBot) -> None:
    def broken() -> RecordingBackend:
        raise HotkeyUnavailable("no X11 display (DISPLAY is not set)")

    service = HotkeyService(broken)
    with qtbot.waitSignal(service.unavailable) as blocker:
        service.apply({"main": parse_hotkey("ctrl+alt+k")})
    assert "DISPLAY" in blocker.args[0]
    assert not service.active and "DISPLAY" in service.problem
