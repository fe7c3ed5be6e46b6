"""The PyInstaller spec builds a Linux onedir whose executable passes `self-test` under Xvfb.

The same spec (installer/kodesk.spec) builds the Windows payload of the installer, so
this checks the spec's module list, resources, Qt plugins and fonts on every CI run.
The build takes about 1.5–2 minutes on a 2-core machine; the timing is printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.xsession import XSession, x_session

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "installer" / "kodesk.spec"


@pytest.fixture
def xs() -> Iterator[XSession]:
    with x_session() as session:
        yield session


def test_frozen_build_passes_self_test(xs: XSession, tmp_path: Path) -> None:
    started = time.monotonic()
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(tmp_path / "dist"),
            "--workpath",
            str(tmp_path / "build"),
            str(SPEC),
        ],
        env=xs.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=tmp_path,
    )
    built = time.monotonic() - started
    assert build.returncode == 0, build.stderr[-4000:]
    app = tmp_path / "dist" / "kodesk"
    assert (app / "kodesk").is_file() and (app / "kodesk-cli").is_file()

    home = tmp_path / "home"
    env = {**xs.env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}
    env.pop("QT_QPA_PLATFORM")  # the frozen app must find its own xcb plugin
    result = subprocess.run(
        [str(app / "kodesk-cli"), "self-test", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    total = time.monotonic() - started
    print(f"frozen build: PyInstaller {built:.0f} s, build + self-test {total:.0f} s")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["passed"], result.stdout
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["Qt platform plugin"]["detail"] == "xcb"
    assert checks["settings folder writable"]["detail"] == str(home / "config" / "kodesk")
    assert str(app) in checks["resource icons/kodesk.ico"]["detail"]
