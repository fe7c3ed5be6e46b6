"""Global hotkeys: `keyboard` on Windows, `pynput` on X11 and macOS.

The backend's listener thread does nothing but emit a Qt signal; the receiving
slots run on the GUI thread. Where no backend can work (a Wayland session, no
display, a missing library) the service reports why and the app stays usable from
the tray menu.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from kodesk.core.hotkey_spec import Hotkey

Bindings = Mapping[str, Hotkey]


class HotkeyBackend(Protocol):
    def start(self, bindings: Bindings, fire: Callable[[str], None]) -> None: ...

    def stop(self) -> None: ...


class HotkeyUnavailable(RuntimeError):
    pass


_PYNPUT_NAMES = {"escape": "esc", "super": "cmd"}


def pynput_combo(hotkey: Hotkey) -> str:
    """`<ctrl>+<alt>+k` for pynput's GlobalHotKeys."""
    mods = [
        f"<{_PYNPUT_NAMES.get(m, m)}>"
        for m in ("ctrl", "alt", "shift", "super")
        if m in hotkey.modifiers
    ]
    key = hotkey.key if len(hotkey.key) == 1 else f"<{_PYNPUT_NAMES.get(hotkey.key, hotkey.key)}>"
    return "+".join([*mods, key])


def keyboard_combo(hotkey: Hotkey) -> str:
    """`ctrl+alt+k` for the `keyboard` package (Windows)."""
    names = {
        "super": "windows",
        "escape": "esc",
        "page_up": "page up",
        "page_down": "page down",
        "print_screen": "print screen",
    }
    mods = [names.get(m, m) for m in ("ctrl", "alt", "shift", "super") if m in hotkey.modifiers]
    return "+".join([*mods, names.get(hotkey.key, hotkey.key)])


class PynputBackend:
    """X11 (through the RECORD extension) and macOS."""

    def __init__(self) -> None:
        self._listener: Any = None

    def start(self, bindings: Bindings, fire: Callable[[str], None]) -> None:
        try:
            from pynput import keyboard
        except Exception as exc:  # pynput raises plain ImportError/Exception per platform
            raise HotkeyUnavailable(f"pynput cannot start: {exc}") from exc
        mapping: dict[str, Callable[[], None]] = {
            pynput_combo(hotkey): functools.partial(fire, name) for name, hotkey in bindings.items()
        }
        self._listener = keyboard.GlobalHotKeys(mapping)
        self._listener.daemon = True
        self._listener.start()
        self._listener.wait()  # until the X RECORD context is live: no press is missed

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


class KeyboardBackend:
    """Windows: the `keyboard` package's low-level hook (no admin rights needed)."""

    def __init__(self) -> None:
        self._handles: list[Any] = []

    def start(self, bindings: Bindings, fire: Callable[[str], None]) -> None:
        import keyboard

        for name, hotkey in bindings.items():
            self._handles.append(
                keyboard.add_hotkey(
                    keyboard_combo(hotkey),
                    functools.partial(fire, name),
                    suppress=False,
                    trigger_on_release=False,
                )
            )

    def stop(self) -> None:
        import keyboard

        for handle in self._handles:
            keyboard.remove_hotkey(handle)
        self._handles.clear()


def default_backend(environ: Mapping[str, str] | None = None) -> HotkeyBackend:
    """The backend for this session, or HotkeyUnavailable with the reason."""
    env = os.environ if environ is None else environ
    if sys.platform == "win32":
        return KeyboardBackend()
    if sys.platform == "darwin":
        return PynputBackend()
    if env.get("XDG_SESSION_TYPE") == "wayland" or (
        env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")
    ):
        raise HotkeyUnavailable(
            "Wayland does not let applications watch global keys. Bind a desktop shortcut "
            "to `kodesk run summary` instead, or log in to an X11 session."
        )
    if not env.get("DISPLAY"):
        raise HotkeyUnavailable("no X11 display (DISPLAY is not set)")
    return PynputBackend()


class HotkeyService(QObject):
    """Owns the active hotkey bindings.

    Signals:
        triggered(str): a binding fired; the argument is its name ("main" or a task name).
        unavailable(str): hotkeys cannot work here; the argument says why.
    """

    triggered = Signal(str)
    unavailable = Signal(str)

    def __init__(
        self,
        backend_factory: Callable[[], HotkeyBackend] = default_backend,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = backend_factory
        self._backend: HotkeyBackend | None = None
        self._bindings: dict[str, Hotkey] = {}
        self._paused = False
        self.problem = ""

    def apply(self, bindings: Bindings) -> None:
        """Replace the bindings (restarting the listener)."""
        self._bindings = dict(bindings)
        self._restart()

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        self._restart()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def active(self) -> bool:
        return self._backend is not None

    def stop(self) -> None:
        if self._backend is not None:
            self._backend.stop()
            self._backend = None

    def _restart(self) -> None:
        self.stop()
        if self._paused or not self._bindings:
            return
        try:
            backend = self._factory()
            backend.start(self._bindings, self.triggered.emit)
        except (HotkeyUnavailable, OSError, ImportError) as exc:
            self.problem = str(exc)
            self.unavailable.emit(self.problem)
            return
        self.problem = ""
        self._backend = backend
