"""Create-from-GGUF page: inspection, Modelfile editing and checks, upload and create."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kodesk.core.modelfile import parse_modelfile
from kodesk.desktop.settings.create_page import CreatePage
from kodesk.desktop.settings.modelfile_editor import VALIDATION_DELAY_MS
from kodesk.engines import ollama_engine
from tests.core.modelfile_fixtures import COMMUNITY_PATH
from tests.desktop.settings.conftest import DialogHarness
from tests.gguf_factory import preset, write_gguf

COMMUNITY = COMMUNITY_PATH


def _findings(page: CreatePage) -> list[str]:
    return [page.findings.item(i).text() for i in range(page.findings.count())]


def _summary(page: CreatePage) -> dict[str, str]:
    rows = {}
    for row in range(page.summary.rowCount()):
        label = page.summary.itemAt(row, page.summary.ItemRole.LabelRole).widget()
        value = page.summary.itemAt(row, page.summary.ItemRole.FieldRole).widget()
        rows[label.text()] = value.text()  # type: ignore[attr-defined]
    return rows


def test_a_gguf_is_inspected_and_gets_a_modelfile(harness: DialogHarness, tmp_path: Path) -> None:
    gguf = write_gguf(tmp_path / "Bllossom-8B.gguf", preset("llama3"))
    page = harness.dialog.create_page
    page.set_gguf_path(gguf)
    summary = _summary(page)
    assert summary["구조"] == "llama"
    assert summary["크기"].startswith("8B 매개변수")
    assert summary["양자화"].startswith("Q4_K_M:") and "권장" in summary["양자화"]
    assert summary["컨텍스트 길이"] == "8,192"
    assert summary["채팅 템플릿"] == "Llama 3"
    assert parse_modelfile(page.editor.toPlainText()).from_ == str(gguf)
    assert page.name.text() == "bllossom-8b"
    assert page.create_button.isEnabled()


def test_an_unreadable_file_is_reported(harness: DialogHarness, tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a gguf file")
    page = harness.dialog.create_page
    assert page.set_gguf_path(bad) is None
    assert "오류" in _summary(page)
    assert not page.template_button.isEnabled()


def test_modelfile_errors_show_line_and_column_after_a_pause(harness: DialogHarness) -> None:
    page = harness.dialog.create_page
    page.editor.setPlainText("FROM exaone3.5:2.4b\nPARAMETR temperature 0.2\n")
    assert page.editor.pending  # debounced: nothing checked yet
    started = time.monotonic()
    harness.aloop.until(lambda: not page.editor.pending)
    assert time.monotonic() - started >= VALIDATION_DELAY_MS / 1000 * 0.9
    text = page.validation.text()
    assert "Modelfile 2:1" in text and "PARAMETR" in text
    assert not page.create_button.isEnabled()
    page.editor.setPlainText("FROM exaone3.5:2.4b\nPARAMETER temperature 0.2\n")
    assert page.editor.pending
    harness.aloop.until(lambda: not page.editor.pending)
    assert "문제가 없습니다" in page.validation.text()


def test_the_community_modelfile_on_a_llama3_base_model(
    harness: DialogHarness, tmp_path: Path
) -> None:
    """The doctor flags the EEVE-style template; "own template" writes Llama 3's."""
    gguf = write_gguf(
        tmp_path / "Llama-3-Open-Ko-8B-Q8_0.gguf", preset("llama3", chat_template=None)
    )
    page = harness.dialog.create_page
    page.set_gguf_path(gguf)
    page.load_modelfile(COMMUNITY)
    modelfile = parse_modelfile(page.editor.toPlainText())
    assert modelfile.from_ == str(gguf)  # FROM now points at the chosen file
    assert modelfile.system and modelfile.parameter_values("stop") == ["<s>", "</s>"]
    findings = _findings(page)
    assert any(text.startswith("[오류]") and "TEMPLATE" in text for text in findings), findings
    assert any("'<s>'" in text for text in findings), findings
    page.template_button.click()
    modelfile = parse_modelfile(page.editor.toPlainText())
    assert modelfile.template is not None and "<|start_header_id|>" in modelfile.template
    assert "<|eot_id|>" in modelfile.parameter_values("stop")
    assert "<s>" not in modelfile.parameter_values("stop")
    assert modelfile.system is not None  # only the template and stops changed
    assert not any("TEMPLATE" in text and "[오류]" in text for text in _findings(page))


def test_own_template_defers_to_ollamas_autodetection(
    harness: DialogHarness, tmp_path: Path
) -> None:
    gguf = write_gguf(tmp_path / "chat.gguf", preset("llama3"))
    page = harness.dialog.create_page
    page.set_gguf_path(gguf)
    page.load_modelfile(COMMUNITY)
    page.use_own_template()
    modelfile = parse_modelfile(page.editor.toPlainText())
    assert modelfile.template is None and modelfile.parameter_values("stop") == []


def test_apply_fixes_uses_the_doctor(harness: DialogHarness, tmp_path: Path) -> None:
    gguf = write_gguf(tmp_path / "base.gguf", preset("llama3", chat_template=None))
    page = harness.dialog.create_page
    page.set_gguf_path(gguf)
    page.load_modelfile(COMMUNITY)
    assert page.fix_button.isEnabled()
    page.fix_button.click()
    assert not any(text.startswith("[오류]") for text in _findings(page)), _findings(page)


def test_create_uploads_the_blob_and_lists_the_model(
    harness: DialogHarness, qtbot: QtBot, tmp_path: Path
) -> None:
    gguf = write_gguf(tmp_path / "my-ko.gguf", preset("llama3"))
    digest = "sha256:" + hashlib.sha256(gguf.read_bytes()).hexdigest()
    page = harness.dialog.create_page
    page.set_gguf_path(gguf)
    page.editor.setPlainText(
        page.editor.toPlainText() + "PARAMETER num_ctx 8192\nSYSTEM 한국어로 답하세요.\n"
    )
    page.name.setText("my-ko")
    with qtbot.waitSignal(harness.dialog.modelsChanged, timeout=10_000):
        page.create_button.click()
        assert page.cancel_button.isEnabled() and not page.create_button.isEnabled()
        harness.settle()
    assert harness.fake.blobs[digest] == gguf.stat().st_size
    create = next(r for r in harness.fake.requests if r.path == "/api/create")
    assert create.body["files"] == {"my-ko.gguf": digest}
    assert create.body["parameters"] == {"num_ctx": 8192}
    assert create.body["system"] == "한국어로 답하세요."
    log = page.log.toPlainText()
    assert "GGUF 읽는 중" in log and "완료" in log and "'my-ko' 모델을 만들었습니다" in log
    assert "parsing GGUF" not in log  # Ollama's progress lines, in Korean
    assert "my-ko" in harness.dialog.catalog.names()
    assert page.create_button.isEnabled() and not page.cancel_button.isEnabled()


def test_a_digest_mismatch_is_reported_and_nothing_is_created(
    harness: DialogHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ollama_engine, "_sha256_file", lambda path, chunk_size: "sha256:" + "0" * 64
    )
    gguf = write_gguf(tmp_path / "model.gguf", preset("chatml"))
    page = harness.dialog.create_page
    page.set_gguf_path(gguf)
    page.name.setText("broken")
    page.start_create()
    harness.settle()
    log = page.log.toPlainText()
    assert "HTTP 400" in log and "digest mismatch" in log
    assert "broken" not in harness.fake.models
    assert not any(r.path == "/api/create" for r in harness.fake.requests)
    assert page.progress.isHidden() and page.create_button.isEnabled()


def test_create_needs_a_name(harness: DialogHarness) -> None:
    page = harness.dialog.create_page
    page.editor.setPlainText("FROM exaone3.5:2.4b\n")
    page.name.clear()
    assert page.start_create() is None
    assert "이름" in page.log.toPlainText()


def test_cancel_stops_before_anything_is_created(
    harness: DialogHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashing = ollama_engine._sha256_file
    hash_started, release_hash, hash_done = threading.Event(), threading.Event(), threading.Event()

    def held_hash(path: Path, chunk_size: int) -> str:
        hash_started.set()
        try:
            release_hash.wait(10)
            return hashing(path, chunk_size)
        finally:
            hash_done.set()

    monkeypatch.setattr(ollama_engine, "_sha256_file", held_hash)
    gguf = write_gguf(tmp_path / "slow.gguf", preset("gemma"))
    page = harness.dialog.create_page
    page.set_gguf_path(gguf)
    page.name.setText("slow")
    page.start_create()
    harness.aloop.until(hash_started.is_set)
    page.cancel_button.click()
    harness.settle()
    release_hash.set()
    harness.aloop.until(hash_done.is_set)  # the hashing thread finishes; its result is dropped
    harness.settle()
    assert "취소했습니다" in page.log.toPlainText()
    assert not harness.fake.blobs and "slow" not in harness.fake.models
    assert page.create_button.isEnabled() and not page.cancel_button.isEnabled()


def test_a_missing_gguf_in_from_is_explained(harness: DialogHarness) -> None:
    page = harness.dialog.create_page
    page.editor.setPlainText("FROM ./no-such-model.gguf\n")
    page.name.setText("missing")
    assert page.start_create() is None
    assert "GGUF 파일이 없습니다: ./no-such-model.gguf" in page.log.toPlainText()
    assert not any(r.path == "/api/create" for r in harness.fake.requests)
