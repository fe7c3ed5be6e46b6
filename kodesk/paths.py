"""Per-user folders (platformdirs). Nothing is created at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kodesk.core.settings import default_settings_path


@dataclass(frozen=True)
class AppPaths:
    settings: Path
    cache: Path
    data: Path

    @property
    def models(self) -> Path:
        """Where the embedded engine looks for GGUF files by default."""
        return self.data / "models"

    @property
    def history(self) -> Path:
        return self.data / "history.sqlite3"


def default_paths(settings_file: str | None = None) -> AppPaths:
    from platformdirs import user_cache_dir, user_data_dir

    return AppPaths(
        settings=Path(settings_file) if settings_file else default_settings_path(),
        cache=Path(user_cache_dir("kodesk", appauthor=False)),
        data=Path(user_data_dir("kodesk", appauthor=False)),
    )
