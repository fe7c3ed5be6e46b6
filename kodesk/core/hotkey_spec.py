"""Hotkeys as text ("ctrl+alt+k"), independent of any keyboard backend.

Backends (keyboard on Windows, pynput elsewhere) translate a `Hotkey` into their
own syntax. This module also knows which combinations are taken by the OS, input
methods and common editors, so the settings can refuse them with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

MODIFIERS = ("ctrl", "alt", "shift", "super")
_ALIASES = {
    "control": "ctrl",
    "ctl": "ctrl",
    "option": "alt",
    "opt": "alt",
    "win": "super",
    "windows": "super",
    "cmd": "super",
    "command": "super",
    "meta": "super",
    "return": "enter",
    "esc": "escape",
    "spacebar": "space",
    "del": "delete",
}
_NAMED_KEYS = frozenset(
    {
        "space",
        "enter",
        "tab",
        "escape",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "page_up",
        "page_down",
        "up",
        "down",
        "left",
        "right",
        "pause",
        "print_screen",
    }
    | {f"f{i}" for i in range(1, 25)}
)


class HotkeyError(ValueError):
    pass


@dataclass(frozen=True)
class Hotkey:
    modifiers: frozenset[str]
    key: str

    def __str__(self) -> str:
        mods = [m for m in MODIFIERS if m in self.modifiers]
        return "+".join([*mods, self.key])

    def label(self) -> str:
        """For menus and tooltips: `Ctrl+Alt+K`."""
        names = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "super": "Win"}
        mods = [names[m] for m in MODIFIERS if m in self.modifiers]
        key = self.key.upper() if len(self.key) == 1 else self.key.replace("_", " ").title()
        return "+".join([*mods, key])


def parse_hotkey(text: str) -> Hotkey:
    """Parse `ctrl+alt+k`; at least one modifier other than shift is required."""
    parts = [p.strip().lower() for p in text.split("+")]
    if not text.strip() or any(not p for p in parts):
        raise HotkeyError(f"hotkey {text!r} is empty or has an empty part")
    parts = [_ALIASES.get(p, p) for p in parts]
    *mods, key = parts
    unknown = [m for m in mods if m not in MODIFIERS]
    if unknown:
        raise HotkeyError(f"hotkey {text!r}: {unknown[0]!r} is not a modifier")
    if key in MODIFIERS:
        raise HotkeyError(f"hotkey {text!r} has no key besides modifiers")
    if len(key) != 1 and key not in _NAMED_KEYS:
        raise HotkeyError(f"hotkey {text!r}: unknown key {key!r}")
    if len(key) == 1 and not key.isascii():
        raise HotkeyError(f"hotkey {text!r}: use the Latin key name, not {key!r}")
    if len(set(mods)) != len(mods):
        raise HotkeyError(f"hotkey {text!r} repeats a modifier")
    if not set(mods) - {"shift"} and not key.startswith("f"):
        raise HotkeyError(f"hotkey {text!r} needs Ctrl, Alt or Win so it does not block typing")
    return Hotkey(frozenset(mods), key)


#: Combinations that belong to the OS, IMEs or editors people keep open, with who owns them.
RESERVED: dict[str, str] = {
    "ctrl+c": "copy",
    "ctrl+v": "paste",
    "ctrl+x": "cut",
    "ctrl+a": "select all",
    "ctrl+z": "undo",
    "ctrl+y": "redo",
    "ctrl+s": "save",
    "ctrl+f": "find",
    "ctrl+space": "input method switch (Windows, GNOME, IBus)",
    "shift+space": "Hangul/English switch in some Korean IMEs",
    "alt+space": "window menu (Windows) / launcher (KDE)",
    "super+space": "input method switch (Windows, GNOME)",
    "ctrl+alt+delete": "security screen",
    "ctrl+alt+t": "terminal (Ubuntu)",
    "ctrl+alt+l": "lock screen (GNOME, KDE)",
    "ctrl+shift+escape": "task manager",
    "alt+tab": "window switcher",
    "alt+f4": "close window",
    "super+l": "lock screen",
    "super+d": "show desktop",
    "super+e": "file explorer",
    "super+r": "run dialog",
    "super+v": "clipboard history (Windows)",
    "super+shift+s": "screenshot (Windows)",
    "ctrl+shift+k": "delete line (VS Code) / web console (Firefox)",
    "ctrl+shift+p": "command palette (VS Code)",
    "ctrl+shift+t": "reopen tab (browsers)",
    "ctrl+shift+n": "incognito window (browsers)",
    "ctrl+alt+left": "switch desktop",
    "ctrl+alt+right": "switch desktop",
    "ctrl+alt+up": "switch desktop",
    "ctrl+alt+down": "switch desktop",
}


def reserved_by(hotkey: Hotkey) -> str | None:
    """Who already uses this combination, or None."""
    return RESERVED.get(str(hotkey))
