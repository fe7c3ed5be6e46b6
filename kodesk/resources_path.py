"""Where kodesk's icons and other resources are: inside the package (wheel, frozen app)
or next to it in a source checkout."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    frozen_base = getattr(sys, "_MEIPASS", None)
    candidates = [_PACKAGE / "resources", _PACKAGE.parent / "resources"]
    if frozen_base:
        candidates.insert(0, Path(frozen_base) / "kodesk" / "resources")
    for candidate in candidates:
        if (candidate / "icons").is_dir():
            return candidate
    raise FileNotFoundError(
        "kodesk resources not found; looked in " + ", ".join(map(str, candidates))
    )


def resource_path(name: str) -> Path:
    """`resource_path("icons/kodesk.svg")` → the file, which must exist."""
    path = resources_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"missing kodesk resource {name!r} in {path.parent}")
    return path
