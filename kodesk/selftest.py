"""`kodesk self-test`: is this installation complete and able to run?

Checks every kodesk module imports, the resources and icons are there (the Windows
icon with every size Windows picks between 100 % and 300 % scaling), Qt's platform
plugin loads, the SVG/ICO image plugins are bundled, a Hangul font renders, and the
settings folder is writable. Meant for frozen builds (PyInstaller) as much as for
source checkouts; PySide6 is imported only inside the Qt checks.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import struct
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["ok", "fail", "skip"]

#: Sizes Windows uses for the app icon at 100–300 % scaling (taskbar, Start, Explorer).
REQUIRED_ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 256)
RESOURCES = (
    "icons/kodesk.ico",
    "icons/kodesk.svg",
    "icons/kodesk-paused.ico",
    "icons/kodesk-paused.svg",
)
HANGUL_SAMPLE = "한국어"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str = ""


def check_imports(package: str = "kodesk") -> list[Check]:
    """Import every module of `package`. The embedded engine's modules are skipped (and
    said so) only when llama_cpp itself is missing."""
    root = importlib.import_module(package)
    failed: list[str] = []
    skipped: list[str] = []
    count = 0
    for info in pkgutil.walk_packages(root.__path__, f"{package}.", onerror=failed.append):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # importing it would run kodesk
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            if exc.name == "llama_cpp" and "embedded" in info.name:
                skipped.append(info.name)
                continue
            failed.append(f"{info.name}: {exc}")
        except Exception as exc:  # a module that fails to import for any reason is the finding
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
        count += 1
    checks = [
        Check(
            "modules import",
            "fail" if failed else "ok",
            "; ".join(failed) if failed else f"{count} modules",
        )
    ]
    if skipped:
        checks.append(
            Check(
                "embedded engine",
                "skip",
                f"llama_cpp is not installed: skipped {', '.join(skipped)}",
            )
        )
    return checks


def ico_sizes(data: bytes) -> list[int]:
    """Square sizes listed in an .ico file's directory (0 in the directory means 256)."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    if reserved != 0 or kind != 1:
        raise ValueError("not an .ico file")
    sizes = []
    for index in range(count):
        width, height = struct.unpack_from("<BB", data, 6 + 16 * index)
        if width == height:
            sizes.append(width or 256)
    return sorted(set(sizes))


def check_resources(resource_path: Callable[[str], Path]) -> list[Check]:
    checks = []
    for name in RESOURCES:
        try:
            path = resource_path(name)
        except FileNotFoundError as exc:
            checks.append(Check(f"resource {name}", "fail", str(exc)))
            continue
        checks.append(Check(f"resource {name}", "ok", str(path)))
        if name.endswith(".ico"):
            sizes = ico_sizes(path.read_bytes())
            missing = [s for s in REQUIRED_ICO_SIZES if s not in sizes]
            checks.append(
                Check(
                    f"icon sizes {name}",
                    "fail" if missing else "ok",
                    f"missing {missing}; has {sizes}" if missing else f"{sizes}",
                )
            )
    return checks


def display_problem(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no Qt platform plugin can start here (Qt would abort the process), or None."""
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return "no DISPLAY or WAYLAND_DISPLAY (and QT_QPA_PLATFORM is not set)"


def check_qt(environ: Mapping[str, str]) -> list[Check]:
    """Start (or reuse) the QApplication, then check image plugins and Hangul rendering."""
    problem = display_problem(environ)
    if problem:
        return [Check("Qt platform plugin", "fail", problem)]
    from PySide6.QtGui import QImageReader
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "kodesk"])
    checks = [Check("Qt platform plugin", "ok", app.platformName())]  # type: ignore[attr-defined]
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = [f for f in ("svg", "ico", "png") if f not in formats]
    checks.append(
        Check(
            "Qt image plugins",
            "fail" if missing else "ok",
            f"missing {missing}" if missing else "svg, ico, png",
        )
    )
    checks.append(check_hangul())
    return checks


def check_hangul() -> Check:
    """A font covers Hangul, and drawing "한국어" with it puts ink on an image."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QImage, QPainter

    families = QFontDatabase.families(QFontDatabase.WritingSystem.Korean)
    if not families:
        return Check("Hangul font", "fail", "no installed font supports Korean")
    family = families[0]
    font = QFont(family, 24)
    metrics = QFontMetrics(font)
    if not all(metrics.inFontUcs4(ord(ch)) for ch in HANGUL_SAMPLE):
        return Check("Hangul font", "fail", f"{family} lacks glyphs for {HANGUL_SAMPLE}")
    image = QImage(160, 48, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(Qt.GlobalColor.black)
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, HANGUL_SAMPLE)
    painter.end()
    white = 0xFFFFFFFF
    inked = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) != white
    )
    if inked < 20:
        return Check("Hangul font", "fail", f"{family}: drawing {HANGUL_SAMPLE} left it blank")
    return Check("Hangul font", "ok", f"{family} ({inked} inked samples)")


def check_settings_dir(folder: Path) -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".selftest-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        return Check("settings folder writable", "fail", f"{folder}: {exc}")
    return Check("settings folder writable", "ok", str(folder))


def run_self_test(settings_dir: Path, environ: Mapping[str, str] | None = None) -> list[Check]:
    from kodesk.resources_path import resource_path

    env = os.environ if environ is None else environ
    return [
        *check_imports(),
        *check_resources(resource_path),
        *check_qt(env),
        check_settings_dir(settings_dir),
    ]


def passed(checks: list[Check]) -> bool:
    return all(c.status != "fail" for c in checks)


def render(checks: list[Check]) -> str:
    marks = {"ok": "[ok]  ", "fail": "[FAIL]", "skip": "[skip]"}
    lines = [f"{marks[c.status]} {c.name}" + (f": {c.detail}" if c.detail else "") for c in checks]
    lines.append("self-test passed" if passed(checks) else "self-test FAILED")
    return "\n".join(lines)
