"""The NSIS installer compiles on Linux and installs/uninstalls silently under wine.

Runs `installer/test_installer_wine.sh` (placeholder payload; see that script).
Needs the Debian packages nsis, wine and wine64. About 35 s on a 2-core machine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "installer" / "test_installer_wine.sh"


def test_silent_install_and_uninstall_under_wine(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "installer test passed" in result.stdout
    assert (tmp_path / "kodesk-0.1.0-setup.exe").stat().st_size > 50_000
