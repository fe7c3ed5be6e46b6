"""Parameters page: per-model overrides, their Modelfile, import/export, derived models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QLineEdit, QPlainTextEdit, QSpinBox
from pytestqt.qtbot import QtBot

from kodesk.core.modelfile import parse_modelfile
from kodesk.core.runner import JobRequest, TaskRunner
from kodesk.core.tasks import BUILTIN_TASKS
from kodesk.desktop.settings.parameters_page import ParametersPage
from tests.desktop.settings.conftest import DialogHarness

MODEL = "exaone3.5:2.4b"


def _page(harness: DialogHarness) -> ParametersPage:
    page = harness.dialog.show_page("parameters")
    assert isinstance(page, ParametersPage)
    page.select_model(MODEL)
    harness.settle()
    return page


def _set(page: ParametersPage, name: str, value: Any) -> None:
    """Untick "model default" and type the value, as a person would."""
    row = page.rows[name]
    row.use_default.setChecked(False)
    editor = row.editor
    if isinstance(editor, QSpinBox | QDoubleSpinBox):
        editor.setValue(value)
    elif isinstance(editor, QPlainTextEdit):
        editor.setPlainText("\n".join(value) if isinstance(value, list) else value)
    else:
        assert isinstance(editor, QLineEdit)
        editor.setText(value)
        editor.editingFinished.emit()


def test_overrides_are_saved_and_reach_the_chat_request(harness: DialogHarness) -> None:
    page = _page(harness)
    _set(page, "temperature", 0.4)
    _set(page, "num_ctx", 8192)
    _set(page, "stop", ["<|eot_id|>"])
    overrides = harness.settings.get("models.overrides")[MODEL]
    assert overrides == {"temperature": 0.4, "num_ctx": 8192, "stop": ["<|eot_id|>"]}
    assert harness.saved().get("models.overrides") == {MODEL: overrides}
    assert page.modelfile_view.toPlainText() == (
        f"FROM {MODEL}\nPARAMETER temperature 0.4\nPARAMETER num_ctx 8192\n"
        "PARAMETER stop <|eot_id|>\n"
    )

    async def run_job() -> None:
        engine = harness.dialog.catalog._factory()
        job = JobRequest(
            BUILTIN_TASKS[0],
            "서울에 비가 옵니다.",
            MODEL,
            overrides=harness.settings.get("models.overrides").get(MODEL, {}),
        )
        async for _event in TaskRunner(engine).run(job):
            pass

    harness.aloop.run(run_job())
    options = harness.fake.chat_requests()[-1].body["options"]
    assert options["temperature"] == 0.4 and options["num_ctx"] == 8192
    assert options["stop"] == ["<|eot_id|>"]


def test_model_default_removes_the_override(harness: DialogHarness) -> None:
    page = _page(harness)
    _set(page, "temperature", 0.4)
    page.rows["temperature"].use_default.setChecked(True)
    assert MODEL not in harness.settings.get("models.overrides")
    assert not page.rows["temperature"].editor.isEnabled()


def test_the_models_own_values_are_shown_for_defaults(harness: DialogHarness) -> None:
    harness.fake.models[MODEL].parameters = 'temperature 0.7\nstop "[|endofturn|]"'
    page = _page(harness)
    temperature = page.rows["temperature"].editor
    assert isinstance(temperature, QDoubleSpinBox)
    assert temperature.value() == 0.7 and not temperature.isEnabled()
    top_k = page.rows["top_k"].editor
    assert isinstance(top_k, QSpinBox)
    assert top_k.text() == "모델이 정함"
    stop = page.rows["stop"].editor
    assert isinstance(stop, QPlainTextEdit) and stop.toPlainText() == "[|endofturn|]"


def test_keep_alive_is_checked_inline(harness: DialogHarness) -> None:
    page = _page(harness)
    _set(page, "keep_alive", "forever")
    assert page.rows["keep_alive"].field.has_error
    assert MODEL not in harness.settings.get("models.overrides")
    _set(page, "keep_alive", "30m")
    assert not page.rows["keep_alive"].field.has_error
    assert harness.settings.get("models.overrides")[MODEL] == {"keep_alive": "30m"}
    # keep_alive is a request setting, not a model parameter: not in the Modelfile.
    assert "keep_alive" not in page.modelfile_text()


def test_modelfile_export_import_round_trip(harness: DialogHarness, tmp_path: Path) -> None:
    page = _page(harness)
    _set(page, "temperature", 0.25)
    _set(page, "seed", 42)
    _set(page, "stop", ["<|eot_id|>", "</s>"])
    _set(page, "system", "당신은 친절한 한국어 비서입니다.\n짧게 답하세요.")
    exported = dict(harness.settings.get("models.overrides")[MODEL])
    path = tmp_path / "Modelfile"
    assert page.export_modelfile(path)
    modelfile = parse_modelfile(path.read_text(encoding="utf-8"))
    assert modelfile.from_ == MODEL and modelfile.parameter_values("stop") == ["<|eot_id|>", "</s>"]
    harness.fake.add_model("other:1b")
    page.select_model("other:1b")
    assert page.import_modelfile(path)
    assert harness.settings.get("models.overrides")["other:1b"] == exported
    assert page.rows["seed"].value() == 42 and not page.rows["seed"].use_default.isChecked()
    assert "가져왔습니다" in page.message.text()
    harness.settle()


def test_import_reports_what_it_skips_and_refuses_bad_values(
    harness: DialogHarness, tmp_path: Path
) -> None:
    page = _page(harness)
    path = tmp_path / "Modelfile"
    path.write_text(
        'FROM x\nTEMPLATE """{{ .Prompt }}"""\nPARAMETER num_batch 256\nPARAMETER top_k 20\n',
        encoding="utf-8",
    )
    assert page.import_modelfile(path)
    assert harness.settings.get("models.overrides")[MODEL] == {"top_k": 20}
    assert "TEMPLATE" in page.message.text() and "PARAMETER num_batch" in page.message.text()
    path.write_text("FROM x\nPARAMETER temperature hot\n", encoding="utf-8")
    assert not page.import_modelfile(path)
    assert "temperature" in page.message.text()
    assert harness.settings.get("models.overrides")[MODEL] == {"top_k": 20}
    path.write_text("FROM x\nPARAMETER top_k\n", encoding="utf-8")
    assert not page.import_modelfile(path)
    assert "Modelfile 2:" in page.message.text()


def test_save_as_new_model_creates_a_derived_model(harness: DialogHarness, qtbot: QtBot) -> None:
    page = _page(harness)
    _set(page, "temperature", 0.3)
    _set(page, "system", "한 문장으로 요약하세요.")
    _set(page, "keep_alive", "1h")
    page.new_name.setText("exaone-summary")
    with qtbot.waitSignal(harness.dialog.modelsChanged, timeout=10_000):
        page.save_as_button.click()
        harness.settle()
    create = next(r for r in harness.fake.requests if r.path == "/api/create")
    assert create.body["model"] == "exaone-summary" and create.body["from"] == MODEL
    assert create.body["parameters"] == {"temperature": 0.3}
    assert create.body["system"] == "한 문장으로 요약하세요."
    assert "exaone-summary" in harness.dialog.catalog.names()
    assert "만들었습니다" in page.message.text()
