"""The Long texts page: context settings from the schema and the KV-cache estimate."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QSpinBox
from pytestqt.qtbot import QtBot

from kodesk.core.model_profile import kv_cache_bytes
from kodesk.core.settings import Settings, SettingsStore
from kodesk.desktop.settings import SettingsDialog
from kodesk.engines.ollama_engine import OllamaEngine
from tests.desktop.conftest import AsyncLoop
from tests.fake_ollama import FakeOllama

LLAMA3_8B = {
    "llama.block_count": 32,
    "llama.attention.head_count": 32,
    "llama.attention.head_count_kv": 8,
    "llama.embedding_length": 4096,
}


def test_context_settings_and_memory_estimate(
    qtbot: QtBot, aloop: AsyncLoop, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    model = fake_ollama.add_model("llama3-ko:8b", architecture="llama", verbose_info=LLAMA3_8B)
    del model
    settings = Settings({"model.default": "llama3-ko:8b"})
    engine = OllamaEngine(fake_ollama.url)
    dialog = SettingsDialog(settings, SettingsStore(tmp_path / "s.toml"), lambda: engine)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.show_page("context")
    aloop.until(lambda: "GiB" in page.memory.text())
    expected = kv_cache_bytes({"general.architecture": "llama", **LLAMA3_8B}, 16384)
    assert expected is not None
    assert f"{expected / 2**30:.1f} GiB" in page.memory.text()
    spin = page.findChild(QSpinBox, "context.max_num_ctx")
    assert spin is not None
    spin.setValue(8192)
    spin.editingFinished.emit()
    aloop.until(lambda: settings.get("context.max_num_ctx") == 8192)
    aloop.until(lambda: "8,192" in page.memory.text())
    split = page.findChild(QCheckBox, "context.allow_split")
    assert split is not None
    split.click()
    assert settings.get("context.allow_split") is False
    aloop.run(engine.aclose())
