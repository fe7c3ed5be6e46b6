"""DESIGN.md rule 1: the core never imports Qt (nor the engines or the desktop layer),
and nothing does work at import time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import kodesk

PACKAGE = Path(kodesk.__file__).resolve().parent


def modules_under(folder: str) -> list[str]:
    root = PACKAGE / folder
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def import_with_blocked(modules: list[str], blocked: list[str]) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(f"""
        import importlib, importlib.abc, sys
        BLOCKED = {blocked!r}
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                    raise ImportError(f"layering: {{name}} must not be imported here")
                return None
        sys.meta_path.insert(0, Block())
        for name in {modules!r}:
            importlib.import_module(name)
        print("ok", len({modules!r}))
    """)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )


def test_core_imports_no_qt_engines_or_desktop() -> None:
    modules = modules_under("core")
    assert len(modules) > 20
    result = import_with_blocked(
        modules, ["PySide6", "shiboken6", "qasync", "kodesk.engines", "kodesk.desktop", "ollama"]
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_engines_import_no_qt_or_desktop() -> None:
    result = import_with_blocked(
        modules_under("engines"), ["PySide6", "shiboken6", "qasync", "kodesk.desktop"]
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_importing_everything_creates_no_files(tmp_path: Path) -> None:
    """No mkdir, no config read at import time (DESIGN.md rule 5)."""
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "XDG_CACHE_HOME": str(tmp_path / "k"),
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "PATH": "/usr/bin:/bin",
        "QT_QPA_PLATFORM": "offscreen",
    }
    modules = (
        modules_under("core")
        + modules_under("engines")
        + modules_under("desktop")
        + modules_under("commands")
    )
    script = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == []
