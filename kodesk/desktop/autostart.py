"""Start kodesk at login: the per-user Run key on Windows, an XDG autostart entry elsewhere.

Neither needs admin rights. The registry is reached through an injected `winreg`-like
object so the Windows logic is tested on Linux with a fake; the installer writes the
same value (`HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`, name "kodesk").
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = "kodesk"


class Autostart(Protocol):
    def is_enabled(self) -> bool: ...

    def enable(self, command: Sequence[str]) -> None: ...

    def disable(self) -> None: ...


class WindowsRunKey:
    """The "kodesk" value of the current user's Run key. `winreg` is the module (or a fake)."""

    def __init__(self, winreg: Any, value_name: str = VALUE_NAME) -> None:
        self._reg = winreg
        self.value_name = value_name

    def command_line(self) -> str | None:
        reg = self._reg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_READ) as key:
                value, _kind = reg.QueryValueEx(key, self.value_name)
        except FileNotFoundError:
            return None
        return str(value)

    def is_enabled(self) -> bool:
        return bool(self.command_line())

    def enable(self, command: Sequence[str]) -> None:
        reg = self._reg
        with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
            reg.SetValueEx(key, self.value_name, 0, reg.REG_SZ, run_command_line(command))

    def disable(self) -> None:
        reg = self._reg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                reg.DeleteValue(key, self.value_name)
        except FileNotFoundError:
            return


def run_command_line(command: Sequence[str]) -> str:
    """A Run-key command line: the program always quoted (as the installer writes it),
    the arguments quoted by the C runtime's rules."""
    program, *args = command
    return " ".join([f'"{program}"', subprocess.list2cmdline(args)]).rstrip()


class XdgAutostart:
    """`$XDG_CONFIG_HOME/autostart/kodesk.desktop` (freedesktop autostart spec)."""

    def __init__(self, config_home: Path) -> None:
        self.path = config_home / "autostart" / "kodesk.desktop"

    def is_enabled(self) -> bool:
        if not self.path.exists():
            return False
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return not any(
            line.strip().lower() in ("hidden=true", "x-gnome-autostart-enabled=false")
            for line in lines
        )

    def enable(self, command: Sequence[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = (
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=kodesk\n"
            "Comment=Local Korean LLM one hotkey away\n"
            "Comment[ko]=단축키 하나로 쓰는 로컬 한국어 LLM\n"
            f"Exec={desktop_exec(command)}\n"
            "Icon=kodesk\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n"
        )
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(entry, encoding="utf-8")
        tmp.replace(self.path)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def desktop_exec(command: Sequence[str]) -> str:
    """An Exec= value: arguments quoted per the Desktop Entry spec, `%` doubled."""
    parts = []
    for arg in command:
        arg = arg.replace("%", "%%")
        if arg and not (_RESERVED & set(arg)):
            parts.append(arg)
            continue
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        parts.append(f'"{escaped}"')
    return " ".join(parts)


def launch_command(
    *, frozen: bool | None = None, executable: str | None = None, platform: str = sys.platform
) -> list[str]:
    """How to start kodesk: the frozen executable itself, or `python -m kodesk`
    (`pythonw.exe` on Windows, so no console window opens at login)."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    exe = executable or sys.executable
    if frozen:
        return [exe]
    if platform == "win32":
        windowless = Path(exe).with_name("pythonw.exe")
        if windowless.exists():
            exe = str(windowless)
    return [exe, "-m", "kodesk"]


def platform_autostart(
    platform: str = sys.platform, environ: Mapping[str, str] | None = None
) -> Autostart:
    """The autostart mechanism of this platform."""
    env = os.environ if environ is None else environ
    if platform == "win32":
        import winreg

        return WindowsRunKey(winreg)
    config_home = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")) / ".config")
    return XdgAutostart(Path(config_home).expanduser())


def apply_at_login(autostart: Autostart, enabled: bool, command: Sequence[str]) -> None:
    """Make the system match the `startup.at_login` setting."""
    if enabled:
        autostart.enable(command)
    else:
        autostart.disable()
