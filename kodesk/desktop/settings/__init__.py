"""The settings dialog (issue 3): connection, models, create from GGUF, parameters, tasks,
general. `SettingsDialog` is the entry point."""

from kodesk.desktop.settings.dialog import PAGE_NAMES, SettingsDialog

__all__ = ["PAGE_NAMES", "SettingsDialog"]
