"""Fixtures for the settings dialog: a dialog wired to the fake Ollama server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kodesk.core.settings import Settings, SettingsStore
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
            self.engines.append(OllamaEngine(
                host, connect_timeout=self.settings.get("ollama.connect_timeout"),
                stall_timeout=self.settings.get("ollama.stall_timeout")))
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

    def wait_models_loaded(self) -> None:
        self.aloop.until(lambda: not self.dialog.models_page.jobs.running)


@pytest.fixture
def harness(qtbot: QtBot, aloop: AsyncLoop, fake_ollama: FakeOllama,
            settings_path: Path) -> Iterator[DialogHarness]:
    settings = Settings({"ollama.endpoint": fake_ollama.url, "ui.language": "ko"})
    store = SettingsStore(settings_path)
    engines = EngineHolder(settings)
    dialog = SettingsDialog(settings, store, engines)
    qtbot.addWidget(dialog)
    dialog.show()
    harness = DialogHarness(dialog, settings, store, fake_ollama, aloop)
    harness.wait_models_loaded()
    yield harness
    dialog.close()
    for engine in engines.engines:
        aloop.run(engine.aclose())
