"""Start at login: the Windows Run key through a fake winreg, and real XDG autostart files."""

from __future__ import annotations

import shlex
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from kodesk.desktop.autostart import (
    RUN_KEY,
    WindowsRunKey,
    XdgAutostart,
    apply_at_login,
    desktop_exec,
    launch_command,
    platform_autostart,
)


class FakeKey:
    def __init__(self, values: dict[str, tuple[Any, int]], access: int) -> None:
        self.values = values
        self.access = access

    def __enter__(self) -> FakeKey:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        return None


class FakeWinreg:
    """The part of `winreg` kodesk uses, with its real error behaviour."""

    HKEY_CURRENT_USER = 0x80000001
    KEY_READ = 0x20019
    KEY_SET_VALUE = 0x0002
    REG_SZ = 1

    def __init__(self) -> None:
        self.keys: dict[tuple[int, str], dict[str, tuple[Any, int]]] = {}

    def OpenKey(self, root: int, sub: str, reserved: int, access: int) -> FakeKey:
        if (root, sub) not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return FakeKey(self.keys[(root, sub)], access)

    def CreateKeyEx(self, root: int, sub: str, reserved: int, access: int) -> FakeKey:
        return FakeKey(self.keys.setdefault((root, sub), {}), access)

    def QueryValueEx(self, key: FakeKey, name: str) -> tuple[Any, int]:
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return key.values[name]

    def SetValueEx(self, key: FakeKey, name: str, reserved: int, kind: int, value: Any) -> None:
        assert key.access & self.KEY_SET_VALUE
        key.values[name] = (value, kind)

    def DeleteValue(self, key: FakeKey, name: str) -> None:
        assert key.access & self.KEY_SET_VALUE
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        del key.values[name]


def test_run_key_round_trip() -> None:
    reg = FakeWinreg()
    run = WindowsRunKey(reg)
    assert not run.is_enabled()
    run.disable()  # nothing to remove: fine
    exe = r"C:\Users\김철수\AppData\Local\Programs\kodesk\kodesk.exe"
    run.enable([exe])
    assert run.is_enabled()
    assert reg.keys[(reg.HKEY_CURRENT_USER, RUN_KEY)]["kodesk"] == (f'"{exe}"', reg.REG_SZ)
    run.enable([r"C:\Python311\pythonw.exe", "-m", "kodesk"])
    assert run.command_line() == r'"C:\Python311\pythonw.exe" -m kodesk'
    run.enable(["kodesk.exe", "--settings", r"C:\my files\s.toml"])
    assert run.command_line() == r'"kodesk.exe" --settings "C:\my files\s.toml"'
    run.disable()
    assert not run.is_enabled()
    assert reg.keys[(reg.HKEY_CURRENT_USER, RUN_KEY)] == {}


def test_run_key_leaves_other_programs_alone() -> None:
    reg = FakeWinreg()
    key = (reg.HKEY_CURRENT_USER, RUN_KEY)
    reg.keys[key] = {"OneDrive": ("onedrive.exe /background", reg.REG_SZ)}
    run = WindowsRunKey(reg)
    run.enable(["kodesk.exe"])
    run.disable()
    assert reg.keys[key] == {"OneDrive": ("onedrive.exe /background", reg.REG_SZ)}


def test_xdg_autostart_file(tmp_path: Path) -> None:
    xdg = XdgAutostart(tmp_path / "config")
    assert not xdg.is_enabled()
    command = ["/opt/my apps/kodesk", "--settings", "/home/u/100%.toml"]
    xdg.enable(command)
    text = xdg.path.read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\n")
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line == 'Exec="/opt/my apps/kodesk" --settings /home/u/100%%.toml'
    assert shlex.split(exec_line[5:].replace("%%", "%")) == command
    assert xdg.is_enabled()
    xdg.path.write_text(text + "Hidden=true\n", encoding="utf-8")
    assert not xdg.is_enabled()
    xdg.disable()
    assert not xdg.path.exists()
    xdg.disable()


def test_desktop_exec_escapes_reserved_characters() -> None:
    assert desktop_exec(["a", 'b"c', "$HOME", "x\\y", ""]) == 'a "b\\"c" "\\$HOME" "x\\\\y" ""'


def test_launch_command(tmp_path: Path) -> None:
    assert launch_command(frozen=True, executable="/app/kodesk") == ["/app/kodesk"]
    assert launch_command(frozen=False, executable="/venv/bin/python", platform="linux") == [
        "/venv/bin/python",
        "-m",
        "kodesk",
    ]
    (tmp_path / "python.exe").touch()
    (tmp_path / "pythonw.exe").touch()
    assert launch_command(
        frozen=False, executable=str(tmp_path / "python.exe"), platform="win32"
    ) == [str(tmp_path / "pythonw.exe"), "-m", "kodesk"]


def test_platform_autostart_uses_xdg_config_home(tmp_path: Path) -> None:
    chosen = platform_autostart("linux", {"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert isinstance(chosen, XdgAutostart)
    assert chosen.path == tmp_path / "cfg" / "autostart" / "kodesk.desktop"
    fallback = platform_autostart("linux", {"HOME": str(tmp_path)})
    assert isinstance(fallback, XdgAutostart)
    assert fallback.path == tmp_path / ".config" / "autostart" / "kodesk.desktop"


@pytest.mark.parametrize("enabled", [True, False])
def test_apply_at_login(tmp_path: Path, enabled: bool) -> None:
    xdg = XdgAutostart(tmp_path)
    xdg.enable(["old"])
    apply_at_login(xdg, enabled, ["/usr/bin/kodesk"])
    assert xdg.is_enabled() is enabled
