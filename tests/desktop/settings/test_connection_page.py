"""Connection page: endpoint validation, connection test, keep-alive and timeouts."""

from __future__ import annotations

import socket
from pathlib import Path
from types import ModuleType

from PySide6.QtWidgets import QDoubleSpinBox, QLineEdit
from pytestqt.qtbot import QtBot

from kodesk.core.errors import EngineUnreachable
from kodesk.engines.embedded import EmbeddedEngine
from kodesk.engines.gguf_catalog import GGUFCatalog
from tests.desktop.settings.conftest import DialogHarness


def _line(harness: DialogHarness, key: str) -> QLineEdit:
    editor = harness.dialog.connection_page.form.fields[key].editor
    assert isinstance(editor, QLineEdit)
    return editor


def test_invalid_endpoint_is_refused_inline(harness: DialogHarness) -> None:
    page = harness.dialog.connection_page
    before = harness.settings.get("ollama.endpoint")
    line = _line(harness, "ollama.endpoint")
    line.setText("http://127.0.0.1:99999")
    line.editingFinished.emit()
    field = page.form.fields["ollama.endpoint"]
    assert field.has_error
    assert "Ollama 주소 'http://127.0.0.1:99999'를 쓸 수 없습니다" in field.error.text()
    assert "포트 99999는" in field.error.text()  # what is wrong, in Korean too
    assert "c62828" in line.styleSheet()
    assert harness.settings.get("ollama.endpoint") == before
    assert not harness.store.path.exists()
    # The test button refuses to run with the bad address.
    page.test_connection()
    assert page.result.isHidden()


def test_valid_endpoint_is_applied_saved_and_announced(
    harness: DialogHarness, qtbot: QtBot
) -> None:
    line = _line(harness, "ollama.endpoint")
    line.setText("http://127.0.0.1:99999")
    line.editingFinished.emit()
    new = harness.fake.url.replace("127.0.0.1", "localhost")
    with qtbot.waitSignal(harness.dialog.endpointChanged) as signal:
        line.setText(new)
        line.editingFinished.emit()
    assert signal.args == [new]
    harness.settle()  # the model list is reloaded from the new address
    assert not harness.dialog.connection_page.form.fields["ollama.endpoint"].has_error
    assert line.styleSheet() == ""
    assert harness.saved().get("ollama.endpoint") == new


def test_connection_test_shows_version_and_latency(harness: DialogHarness) -> None:
    page = harness.dialog.connection_page
    page.test_button.click()
    assert not page.test_button.isEnabled()
    harness.aloop.until(lambda: page.test_button.isEnabled())
    text = page.result.text()
    assert "Ollama 0.33.1" in text and " ms" in text and harness.fake.url in text


def test_connection_test_explains_an_unreachable_server(harness: DialogHarness) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    line = _line(harness, "ollama.endpoint")
    line.setText(f"127.0.0.1:{port}")
    page = harness.dialog.connection_page
    page.test_connection()
    harness.aloop.until(lambda: page.test_button.isEnabled())
    assert "Ollama에 연결할 수 없습니다" in page.result.text()
    hint = EngineUnreachable(f"http://127.0.0.1:{port}").hint_text("ko")
    assert hint and hint in page.result.text()  # the hint comes along


def test_connection_test_of_the_embedded_engine_names_its_models_folder(
    harness: DialogHarness, tmp_path: Path, llama_cpp: ModuleType
) -> None:
    """With the embedded engine there is no server: the test says so and names the folder
    the engine really reads, with llama.cpp's version."""
    models = tmp_path / "my-models"
    models.mkdir()
    engine = EmbeddedEngine(GGUFCatalog(models))
    harness.settings.set("engine.kind", "embedded")
    page = harness.dialog.connection_page
    page.ctx.engine_factory = lambda: engine
    try:
        page.test_button.click()
        harness.aloop.until(lambda: page.test_button.isEnabled())
    finally:
        harness.aloop.run(engine.aclose())
    text = page.result.text()
    assert text.startswith("내장 엔진 사용 중 (Ollama 필요 없음)")
    assert f"모델 폴더: {models}" in text and llama_cpp.__version__ in text
    assert "연결됨" not in text and harness.fake.url not in text


def test_keep_alive_is_checked_and_timeouts_follow_the_schema(harness: DialogHarness) -> None:
    page = harness.dialog.connection_page
    keep = _line(harness, "ollama.keep_alive")
    keep.setText("5 minutes")
    keep.editingFinished.emit()
    assert page.form.fields["ollama.keep_alive"].has_error
    assert harness.settings.get("ollama.keep_alive") == "5m"
    keep.setText("1h30m")
    keep.editingFinished.emit()
    assert harness.saved().get("ollama.keep_alive") == "1h30m"
    spin = page.form.fields["ollama.stall_timeout"].editor
    assert isinstance(spin, QDoubleSpinBox)
    assert (spin.minimum(), spin.maximum()) == (2, 3600)
    spin.setValue(90)
    assert harness.saved().get("ollama.stall_timeout") == 90.0
