from __future__ import annotations

import subprocess
import sys

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
