"""Fixtures for the settings dialog: a dialog wired to the fake Ollama server."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from kodesk.core.settings import Settings, SettingsStore
from kodesk.desktop.autostart import XdgAutostart
from kodesk.desktop.settings import SettingsDialog
from kodesk.engines.endpoint import resolve_host
from kodesk.engines.ollama_engine import OllamaEngine
from tests.desktop.conftest import AsyncLoop
from tests.fake_ollama import FakeOllama


class EngineHolder:
    """Plays the app's part: one engine at a time, rebuilt when the endpoint changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engines: list[OllamaEngine] = []
        self._host = ""

    def __call__(self) -> OllamaEngine:
        host = resolve_host(None, self.settings.get("ollama.endpoint"), {})
        if not self.engines or host != self._host:
            self._host = host
            self.engines.append(
                OllamaEngine(
                    host,
                    connect_timeout=self.settings.get("ollama.connect_timeout"),
                    stall_timeout=self.settings.get("ollama.stall_timeout"),
                )
            )
        return self.engines[-1]


@dataclass
class DialogHarness:
    dialog: SettingsDialog
    settings: Settings
    store: SettingsStore
    fake: FakeOllama
    aloop: AsyncLoop

    def saved(self) -> Settings:
        """The settings as stored on disk."""
        return self.store.load().settings

    def settle(self) -> None:
        """Run the event loop until no page has work running.

        Tests must not end with work pending: Qt events processed after the asyncio
        loop stopped would step those tasks outside it.
        """
        self.aloop.until(lambda: not any(p.jobs.running for p in self.dialog.pages.values()))


@pytest.fixture(autouse=True)
def collect_qt_garbage() -> Iterator[None]:
    """Collect garbage in the GUI thread once the test's event loop is closed.

    A closed qasync loop (and a dialog) can sit in reference cycles; if the collector
    happened to run in another thread (the fake server's request threads allocate a
    lot), their Qt timers would be destroyed there ("Timers cannot be stopped from
    another thread", and sometimes a crash). Requested first, this runs last.
    """
    yield
    gc.collect()


@pytest.fixture
def harness(
    qtbot: QtBot, aloop: AsyncLoop, fake_ollama: FakeOllama, settings_path: Path
) -> Iterator[DialogHarness]:
    settings = Settings({"ollama.endpoint": fake_ollama.url, "ui.language": "ko"})
    store = SettingsStore(settings_path)
    engines = EngineHolder(settings)
    dialog = SettingsDialog(
        settings, store, engines, autostart=XdgAutostart(settings_path.parent / "xdg")
    )
    dialog.show()
    harness = DialogHarness(dialog, settings, store, fake_ollama, aloop)
    harness.settle()
    yield harness
    # Destroy it here, in the GUI thread: left to the garbage collector, the dialog (kept in
    # a reference cycle by its settings observers) could be destroyed in a worker thread.
    if shiboken6.isValid(dialog):
        dialog.close()
        shiboken6.delete(dialog)
    for engine in engines.engines:
        aloop.run(engine.aclose())
