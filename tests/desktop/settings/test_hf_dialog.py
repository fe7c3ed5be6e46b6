"""Models page: the recommended models and the Hugging Face import dialog (fake hub and
fake Ollama, real HTTP on 127.0.0.1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kodesk.core.model_catalog import load_catalog
from kodesk.desktop.settings.hf_dialog import HFImportDialog
from tests.desktop.settings.conftest import DialogHarness
from tests.fake_hf import BASE_REPO, CHAT_REPO, FakeHub, korean_llama3_hub


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with korean_llama3_hub(tmp_path, monkeypatch) as fake:
        yield fake


@pytest.fixture
def models(harness: DialogHarness, tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    harness.settings.set("embedded.models_dir", str(folder))
    return folder


def wait_idle(harness: DialogHarness, dialog: HFImportDialog) -> None:
    """Until the dialog's work ended (generous: the 2 cores are shared with other work)."""
    harness.aloop.until(lambda: not dialog.jobs.running, timeout=60)
    harness.settle()


def test_recommended_models_show_fit_and_pull_through_ollama(harness: DialogHarness) -> None:
    page = harness.dialog.models_page
    box = page.recommended
    assert box.table.rowCount() == len(load_catalog().entries)
    assert page.machine is not None  # probed off the loop when the page opened
    fits = {box.table.item(r, 3).text() for r in range(box.table.rowCount())}
    assert "…" not in fits and fits <= {
        "GPU 메모리에 맞음",
        "RAM에 맞음 (CPU로 실행)",
        "이 PC에는 너무 큼",
    }
    licences = [box.table.item(r, 5).text() for r in range(box.table.rowCount())]
    assert any("비상업용" in text for text in licences)  # EXAONE's licence is flagged
    harness.fake.pullable.add("qwen2.5:1.5b")
    box.select("qwen2.5:1.5b")
    box.get_button.click()
    harness.settle()
    assert [r.body["model"] for r in harness.fake.received("/api/pull")] == ["qwen2.5:1.5b"]
    assert "qwen2.5:1.5b" in harness.fake.models


def test_gguf_entry_opens_the_import_dialog_on_its_file(
    harness: DialogHarness, hub: FakeHub, models: Path
) -> None:
    hub.repo("bartowski/EXAONE-3.5-2.4B-Instruct-GGUF").add(
        "EXAONE-3.5-2.4B-Instruct-Q4_K_M.gguf", b"GGUF not really"
    )
    page = harness.dialog.models_page
    page.recommended.select(
        "bartowski/EXAONE-3.5-2.4B-Instruct-GGUF/EXAONE-3.5-2.4B-Instruct-Q4_K_M.gguf"
    )
    page.recommended.get_button.click()
    dialog = page._hf_dialogs[-1]
    wait_idle(harness, dialog)
    assert dialog.repo.text() == "bartowski/EXAONE-3.5-2.4B-Instruct-GGUF"
    selected = dialog.selected()
    assert selected is not None and selected.quantization == "Q4_K_M"
    dialog.close()


def test_base_model_is_refused_in_the_dialog(
    harness: DialogHarness, hub: FakeHub, models: Path
) -> None:
    dialog = harness.dialog.models_page.open_hf_dialog(BASE_REPO)
    wait_idle(harness, dialog)
    assert dialog.files.rowCount() == 2
    assert dialog.files.item(1, 0).text() == "Q8_0"
    assert "Q8_0" in dialog.files.item(1, 5).text()  # the quantization explained
    dialog.select_quant("Q8_0")
    dialog.download_button.click()
    wait_idle(harness, dialog)
    assert "기본(base) 모델" in dialog.status.text()
    assert "c62828" in dialog.status.styleSheet()
    assert not models.exists()
    dialog.close()


def test_download_with_progress_then_listed_by_the_page(
    harness: DialogHarness, hub: FakeHub, models: Path, qtbot: QtBot
) -> None:
    dialog = harness.dialog.models_page.open_hf_dialog(CHAT_REPO, "Q4_K_M")
    wait_idle(harness, dialog)
    with qtbot.waitSignal(dialog.imported, timeout=60_000) as imported:
        dialog.download_button.click()
        harness.aloop.until(lambda: not dialog.jobs.running, timeout=60)
    assert imported.args == ["Llama-3-Ko-Instruct-Q4_K_M"]
    assert (models / "Llama-3-Ko-Instruct-Q4_K_M.gguf").is_file()
    assert "준비 완료" in dialog.status.text()
    harness.settle()
    dialog.close()


def test_cancel_keeps_a_partial_download_to_resume(
    harness: DialogHarness, hub: FakeHub, models: Path
) -> None:
    hub.hold = threading.Event()
    dialog = harness.dialog.models_page.open_hf_dialog(CHAT_REPO, "Q8_0")
    wait_idle(harness, dialog)
    dialog.download_button.click()
    partial = models / "Llama-3-Ko-Instruct-Q8_0.gguf.part"
    harness.aloop.until(lambda: dialog.progress.value() > 0, timeout=60)  # 1000 bytes arrived
    assert dialog.cancel_button.isEnabled() and not dialog.download_button.isEnabled()
    dialog.cancel_button.click()
    wait_idle(harness, dialog)
    hub.hold.set()
    assert "이어받습니다" in dialog.status.text()
    assert partial.stat().st_size == 1000
    assert not (models / "Llama-3-Ko-Instruct-Q8_0.gguf").exists()
    assert dialog.download_button.isEnabled()
    dialog.close()
