"""A `Shell` as the app builds it (tray, settings, paths under a temporary folder), for
tests that drive the whole tray app in-process."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from kodesk.core.model_catalog import ModelCatalog
from kodesk.core.settings import LoadResult, Settings
from kodesk.desktop.i18n import KO
from kodesk.desktop.shell import Shell
from kodesk.desktop.single_instance import SingleInstance
from kodesk.desktop.tray import Tray
from kodesk.paths import AppPaths
from tests.desktop.conftest import AsyncLoop


def make_shell(
    aloop: AsyncLoop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    host: str,
    settings: Settings,
    catalog: ModelCatalog | None = None,
) -> Shell:
    """A started shell (Korean UI, no hotkeys: no DISPLAY) whose start-up check has run."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("DISPLAY", raising=False)
    paths = AppPaths(
        settings=tmp_path / "config" / "kodesk" / "settings.toml",
        cache=tmp_path / "cache",
        data=tmp_path / "data",
    )
    shell_ref: list[Shell] = []
    tray = Tray(
        labels=KO,
        icon=QIcon(),
        paused_icon=QIcon(),
        list_models=lambda: shell_ref[0].engine().list_models(),
    )
    app = Shell(
        app=QApplication.instance(),  # type: ignore[arg-type]
        args=argparse.Namespace(host=host, settings=None),
        paths=paths,
        loaded=LoadResult(settings),
        labels=KO,
        tray=tray,
        single=SingleInstance(f"kodesk-test-shell-{id(tmp_path)}"),
        quit_event=asyncio.Event(),
        catalog=catalog,
    )
    shell_ref.append(app)
    app.finish_startup()
    # The start-up check of the server runs inside the loop, as in the app (qasync runs
    # callbacks from Qt events too, but with no running asyncio loop outside `run`).
    aloop.until(lambda: len(app.background) == 0)
    return app
