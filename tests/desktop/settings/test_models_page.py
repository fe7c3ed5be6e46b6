"""Models page: listing, pull with progress and cancel, delete, unload, details."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from kodesk.desktop.settings.models_page import ModelsPage
from tests.desktop.settings.conftest import DialogHarness
from tests.fake_ollama import PullScript


def _names(page: ModelsPage) -> list[str]:
    table = page.installed
    return [table.item(row, 0).text() for row in range(table.rowCount())]


def test_installed_and_loaded_models_are_listed(harness: DialogHarness) -> None:
    harness.fake.add_model(
        "llama-3-korean-bllossom:8b", size=4_920_000_000, family="llama", parameter_size="8.0B"
    )
    harness.fake.loaded["llama-3-korean-bllossom:8b"] = 8192
    page = harness.dialog.models_page
    page.refresh_button.click()
    harness.settle()
    assert _names(page) == ["exaone3.5:2.4b", "llama-3-korean-bllossom:8b"]
    row = [page.installed.item(1, c).text() for c in range(page.installed.columnCount())]
    assert row == [
        "llama-3-korean-bllossom:8b",
        "llama",
        "8.0B",
        "Q4_K_M",
        "4.9 GB",
        "2026-11-01 10:00",
    ]
    loaded = [page.loaded.item(0, c).text() for c in range(page.loaded.columnCount())]
    assert loaded == ["llama-3-korean-bllossom:8b", "4.9 GB", "8,192", "2026-11-29 10:05"]


def test_unload_frees_the_model(harness: DialogHarness) -> None:
    harness.fake.loaded["exaone3.5:2.4b"] = 4096
    page = harness.dialog.models_page
    page.reload()
    harness.settle()
    assert page.loaded.rowCount() == 1
    page.unload_button.click()
    harness.settle()
    assert page.loaded.rowCount() == 0 and not harness.fake.loaded
    unload = [r for r in harness.fake.requests if r.path == "/api/generate"][-1]
    assert unload.body == {"model": "exaone3.5:2.4b", "keep_alive": 0}


def test_pull_shows_progress_then_lists_the_model(harness: DialogHarness, qtbot: QtBot) -> None:
    harness.fake.pullable.add("exaone3.5:7.8b")
    harness.fake.pull_script = PullScript(total=48_000_000, steps=4, delay=0.05)
    page = harness.dialog.models_page
    with qtbot.waitSignal(harness.dialog.modelsChanged, timeout=10_000):
        page.pull_name.setText("exaone3.5:7.8b")
        page.pull_button.click()
        assert not page.pull_button.isEnabled() and page.cancel_button.isEnabled()
        harness.aloop.until(lambda: "MB" in page.pull_status.text())
        assert "/ 48.0 MB" in page.pull_status.text() and "MB/s" in page.pull_status.text()
        harness.settle()
    assert "exaone3.5:7.8b" in _names(page)
    assert page.pull_bar.value() == 100
    assert page.pull_button.isEnabled() and not page.cancel_button.isEnabled()


def test_cancelling_a_pull_closes_the_stream(harness: DialogHarness) -> None:
    harness.fake.pullable.add("slow:1b")
    harness.fake.pull_script = PullScript(total=100_000_000, steps=100, delay=0.05)
    page = harness.dialog.models_page
    page.start_pull("slow:1b")
    harness.aloop.until(lambda: page.pull_bar.value() > 0)
    page.cancel_button.click()
    harness.settle()
    assert "취소" in page.pull_status.text()
    assert page.pull_bar.isHidden() and page.pull_button.isEnabled()
    # The server would finish in ~5 s if the stream stayed open.
    harness.aloop.until(lambda: bool(harness.fake.gone("/api/pull")), timeout=5)
    assert "slow:1b" not in harness.fake.models
    page.reload()
    harness.settle()
    assert "slow:1b" not in _names(page)


def test_pull_error_is_shown_inline(harness: DialogHarness) -> None:
    page = harness.dialog.models_page
    page.start_pull("no-such-model:1b")
    harness.settle()
    text = page.pull_status.text()
    assert "file does not exist" in text and "c62828" in page.pull_status.styleSheet()
    assert page.pull_bar.isHidden() and page.pull_button.isEnabled()


def _confirm_delete(page: ModelsPage, name: str, answer: QMessageBox.StandardButton) -> None:
    page.select_model(name)
    box = page.ask_delete()
    assert box is not None and name in box.text()
    button = box.button(answer)
    assert button is not None
    button.click()


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, for the message box
def test_delete_asks_first_and_refreshes(harness: DialogHarness, qtbot: QtBot) -> None:
    page = harness.dialog.models_page
    _confirm_delete(page, "exaone3.5:2.4b", QMessageBox.StandardButton.No)
    harness.settle()
    assert "exaone3.5:2.4b" in harness.fake.models
    with qtbot.waitSignal(harness.dialog.modelsChanged):
        _confirm_delete(page, "exaone3.5:2.4b", QMessageBox.StandardButton.Yes)
        harness.settle()
    assert "exaone3.5:2.4b" not in harness.fake.models
    assert _names(page) == [] and "삭제했습니다" in page.message.text()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_deleting_a_model_that_is_already_gone(harness: DialogHarness) -> None:
    page = harness.dialog.models_page
    page.select_model("exaone3.5:2.4b")
    del harness.fake.models["exaone3.5:2.4b"]
    _confirm_delete(page, "exaone3.5:2.4b", QMessageBox.StandardButton.Yes)
    harness.settle()
    assert "'exaone3.5:2.4b'이(가) 설치되어 있지 않습니다" in page.message.text()
    assert "c62828" in page.message.styleSheet()
    assert _names(page) == []


def test_details_show_the_model_and_the_doctor(harness: DialogHarness) -> None:
    harness.fake.add_model(
        "bllossom:8b",
        family="llama",
        architecture="llama",
        context_length=8192,
        template="<s>Human: {{ .Prompt }}</s><s>Assistant:",
        parameters='stop "<s>"\nnum_ctx 2048',
        system="친절하게 답하세요.",
    )
    page = harness.dialog.models_page
    page.reload()
    harness.settle()
    page.select_model("bllossom:8b")
    dialog = page.open_details()
    assert dialog is not None
    harness.aloop.until(lambda: dialog.details is not None)
    show = [r for r in harness.fake.requests if r.path == "/api/show"][-1]
    assert show.body == {"model": "bllossom:8b", "verbose": True}
    tabs = {dialog.tabs.tabText(i): dialog.tabs.widget(i) for i in range(dialog.tabs.count())}
    assert set(tabs) == {
        "점검 결과",
        "템플릿",
        "매개변수",
        "시스템 프롬프트",
        "라이선스",
        "Modelfile",
    }
    findings = [dialog.findings.item(i).text() for i in range(dialog.findings.count())]
    assert any("<s>" in text and "특수 토큰" in text for text in findings), findings
    assert any("num_ctx" in text for text in findings), findings
    facts = [dialog.facts.itemAt(i).widget().text() for i in range(dialog.facts.count())]
    assert "8,192" in facts
    dialog.close()


def test_closing_the_dialog_cancels_a_running_pull(harness: DialogHarness) -> None:
    harness.fake.pullable.add("slow:1b")
    harness.fake.pull_script = PullScript(total=100_000_000, steps=100, delay=0.05)
    page = harness.dialog.models_page
    page.start_pull("slow:1b")
    harness.aloop.until(lambda: page.pull_bar.value() > 0)
    harness.dialog.close()
    harness.settle()
    harness.aloop.until(lambda: bool(harness.fake.gone("/api/pull")), timeout=5)
    assert "slow:1b" not in harness.fake.models


def test_no_ollama_pull_while_the_embedded_engine_is_in_use(harness: DialogHarness) -> None:
    page = harness.dialog.models_page
    harness.settings.set("engine.kind", "embedded")
    page.reload()
    assert page.pull_name.isHidden() and page.pull_button.isHidden()
    assert page.cancel_button.isHidden()
    assert not page.hf_button.isHidden()  # a GGUF can still be imported
    assert page.pull_box.title() == "GGUF 가져오기 (내장 엔진)"
    box = page.recommended
    box.select("exaone3.5:2.4b")  # an Ollama library model: not pulled by the embedded engine
    assert not box.get_button.isEnabled() and "설정 → 일반 → 엔진" in box.get_button.toolTip()
    box.get_selected()
    assert page._pull_task is None and harness.fake.received("/api/pull") == []
    gguf = next(e for e in box.catalog.entries if e.kind == "gguf")
    box.select(gguf.name)
    assert box.get_button.isEnabled() and box.get_button.toolTip() == ""
    dialog = page.open_hf_dialog()
    assert dialog.pull_button.isHidden() and dialog.to_ollama.isHidden()
    assert not dialog.download_button.isHidden()
    dialog.close()
    harness.settings.set("engine.kind", "ollama")
    page.reload()
    harness.settle()
    assert not page.pull_name.isHidden() and not page.pull_button.isHidden()
    assert page.pull_box.title() == "모델 받기 (Ollama 라이브러리)"
    box.select("exaone3.5:2.4b")
    assert box.get_button.isEnabled()
    dialog = page.open_hf_dialog()
    assert not dialog.pull_button.isHidden() and not dialog.to_ollama.isHidden()
    dialog.close()
