from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from kodesk.app import no_display_reason


def test_no_display_is_explained() -> None:
    assert "no graphical display" in no_display_reason({}, "linux")
    assert no_display_reason({"DISPLAY": ":0"}, "linux") == ""
    assert no_display_reason({}, "win32") == ""


def test_tray_app_without_display_exits_with_a_message() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    result = subprocess.run(
        [sys.executable, "-m", "kodesk"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "no graphical display" in result.stderr and "Traceback" not in result.stderr


#: Loaded later (after the icon is shown) or only on use; the tray must not wait for them.
NOT_BEFORE_THE_TRAY = ("asyncio", "numpy", "gguf", "httpx", "ollama", "pydantic", "jinja2")

_UNTIL_TRAY_SHOWN = """
import logging, os, sys

class Stop(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("tray shown"):
            print(" ".join(sorted(sys.modules)), flush=True)
            os._exit(0)

logging.getLogger("kodesk").addHandler(Stop())
from kodesk.cli import main
main(["--settings", sys.argv[1]])
"""


def test_the_tray_icon_waits_for_no_heavy_import(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "USER": f"kodesk-test-{uuid.uuid4().hex[:8]}",  # its own single-instance name
        "QT_QPA_PLATFORM": "offscreen",
        "KODESK_LOG": "info",
    }
    result = subprocess.run(
        [sys.executable, "-c", _UNTIL_TRAY_SHOWN, str(tmp_path / "settings.toml")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules = set(result.stdout.split())
    assert "PySide6.QtWidgets" in modules  # it did get as far as the tray icon
    assert sorted(m for m in NOT_BEFORE_THE_TRAY if m in modules) == []
