"""`.ci/run`'s package step (.ci/system-packages) on a machine that lacks a package.

A recording `apt-get` (and `sudo`) first on PATH stands in for the real ones; the real
`dpkg-query` answers, so a package it has never heard of must count as missing rather
than stop the script (the old `set -o pipefail` + `dpkg-query | wc -l` bug).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "system-packages"


def _fake_bin(tmp_path: Path) -> tuple[Path, Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "calls.txt"
    for name in ("apt-get", "sudo"):
        tool = bin_dir / name
        body = f'echo "{name} $*" >> "{record}"\n'
        if name == "sudo":
            body += 'exec "$@"\n'
        tool.write_text("#!/bin/sh\n" + body)
        tool.chmod(0o755)
    return bin_dir, record


def _run(tmp_path: Path, packages: list[str]) -> tuple[subprocess.CompletedProcess[str], str]:
    bin_dir, record = _fake_bin(tmp_path)
    listing = tmp_path / "apt-packages.txt"
    listing.write_text("# a comment line\n" + "\n".join(packages) + "\n")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", str(SCRIPT), str(listing)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done, record.read_text() if record.exists() else ""


def test_a_missing_package_reaches_apt_get_install(tmp_path: Path) -> None:
    done, calls = _run(tmp_path, ["bash", "kodesk-no-such-package"])
    assert done.returncode == 0, done.stderr
    assert "apt-get update" in calls
    install = [line for line in calls.splitlines() if line.startswith("apt-get install")]
    assert len(install) == 1
    assert "kodesk-no-such-package" in install[0].split()
    assert "bash" not in install[0].split()  # installed packages are not reinstalled
    assert "missing: kodesk-no-such-package" in done.stdout


def test_nothing_missing_calls_no_apt_get(tmp_path: Path) -> None:
    done, calls = _run(tmp_path, ["bash", "coreutils"])
    assert done.returncode == 0, done.stderr
    assert calls == ""
    assert "all 2 present" in done.stdout


def test_ci_run_uses_the_package_step() -> None:
    run = (ROOT / ".ci" / "run").read_text()
    assert "bash .ci/system-packages" in run
    assert "dpkg-query" not in run
