"""The app's wiring: tray ↔ settings ↔ engine ↔ hotkeys, applied without a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from kodesk.core.engine import Engine
from kodesk.core.settings import Settings, SettingsStore
from kodesk.desktop.shell import Shell
from tests.desktop.conftest import AsyncLoop
from tests.desktop.shell_harness import make_shell
from tests.fake_ollama import FakeOllama


@pytest.fixture
def shell(
    aloop: AsyncLoop, fake_ollama: FakeOllama, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Shell]:
    settings = Settings({"model.default": "exaone3.5:2.4b"})
    app = make_shell(aloop, tmp_path, monkeypatch, host=fake_ollama.url, settings=settings)
    yield app
    aloop.run(app.shutdown())


def test_start_up_fills_the_tray_and_reports_missing_hotkeys(shell: Shell) -> None:
    tasks = [a.data()[0] for a in shell.tray._task_actions]
    assert tasks == ["summary", "translate", "tokens"]
    assert shell.tray.hotkey_problem.isVisible()  # no DISPLAY here
    assert "DISPLAY" in shell.tray.hotkey_problem.text()
    assert shell.engines.current is None  # built on first use, not at start-up


def test_tray_choices_become_settings_and_are_saved(shell: Shell, aloop: AsyncLoop) -> None:
    shell.tray._task_actions[1].trigger()
    assert shell.settings.get("task.default") == "translate"
    shell.tray.modelChosen.emit("llama3-ko:8b")
    assert shell.settings.get("model.default") == "llama3-ko:8b"
    aloop.until(lambda: shell.paths.settings.exists())
    saved = SettingsStore(shell.paths.settings).load().settings
    assert saved.get("task.default") == "translate"
    assert saved.get("model.default") == "llama3-ko:8b"


def test_endpoint_change_rebuilds_the_engine(
    shell: Shell, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    first = shell.engine()
    other = FakeOllama().start()
    try:
        shell.args.host = None
        shell.settings.set("ollama.endpoint", other.url)
        assert shell.engine() is not first
        assert shell.engine().location == other.url
        assert aloop.run(shell.engine().version()) == "0.33.1"
        aloop.until(lambda: len(shell.background) == 0)  # closing the old engine ended
    finally:
        other.stop()


def test_custom_task_appears_in_the_tray(shell: Shell) -> None:
    shell.settings.set(
        "tasks.custom", [{"name": "교정", "template": "고치세요: {text}", "hotkey": "ctrl+alt+j"}]
    )
    texts = [a.text() for a in shell.tray._task_actions]
    assert texts[-1] == "교정\tCtrl+Alt+J"


@pytest.mark.inference  # needs the embedded extra: the built-in GGUF package
def test_each_engine_keeps_its_own_default_model(shell: Shell) -> None:
    shell.tray.modelChosen.emit("exaone3.5:7.8b")
    assert shell.settings.get("model.default") == "exaone3.5:7.8b"
    shell.settings.set("embedded.default_model", "gemma-3-270m-q4_k_m")
    shell.settings.set("engine.kind", "embedded")
    assert "gemma-3-270m-q4_k_m" in shell.tray.icon.toolTip()
    shell.tray.modelChosen.emit("my-exaone-q4")
    assert shell.settings.get("embedded.default_model") == "my-exaone-q4"
    assert shell.settings.get("model.default") == "exaone3.5:7.8b"


def test_language_change_applies_without_restart(shell: Shell) -> None:
    shell.settings.set("ui.language", "en")
    texts = [a.text() for a in shell.tray.menu.actions() if a.text()]
    assert "Settings…" in texts and "Quit" in texts
    assert [a.text().split("\t")[0] for a in shell.tray._task_actions][:2] == [
        "One-line summary",
        "Translate (Korean↔English)",
    ]
    shell.settings.set("ui.language", "ko")
    assert "끝내기" in [a.text() for a in shell.tray.menu.actions()]


def test_tray_tooltip_says_when_a_job_runs(shell: Shell) -> None:
    shell.controller.busyChanged.emit(True)
    assert "답변 중…" in shell.tray.icon.toolTip()
    shell.controller.busyChanged.emit(False)
    assert "답변 중…" not in shell.tray.icon.toolTip()


def test_shutdown_cancels_and_awaits_every_background_task(shell: Shell, aloop: AsyncLoop) -> None:
    forever = shell.background.spawn(asyncio.Event().wait(), "wait forever")
    aloop.run(shell.shutdown())
    assert forever.cancelled()
    assert len(shell.background) == 0


def without_embedded(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The shell's engine builds, recorded; the embedded one fails as without its extra."""
    from kodesk.core.errors import KodeskError, Text

    built: list[str] = []
    real_build = shell._build_engine

    def build() -> Engine:
        kind = shell.settings.get("engine.kind")
        built.append(kind)
        if kind == "embedded":
            raise KodeskError(Text("임베디드 엔진 없음", "no embedded engine"))
        return real_build()

    monkeypatch.setattr(shell.engines, "_build", build)
    return built


def test_an_engine_that_cannot_be_built_falls_back_to_one_ollama_engine(
    shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = without_embedded(shell, monkeypatch)
    shell.settings._values["engine.kind"] = "embedded"  # as if loaded so (no observer call)
    engine = shell.engine()
    assert engine.kind == "ollama" and shell.settings.get("engine.kind") == "ollama"
    assert built == ["embedded", "ollama"]  # one Ollama engine, none leaked
    assert shell.engine() is engine and built == ["embedded", "ollama"]


def test_switching_to_an_engine_that_cannot_be_built_keeps_one_engine(
    shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = without_embedded(shell, monkeypatch)
    shell.settings.set("engine.kind", "embedded")
    assert shell.settings.get("engine.kind") == "ollama"
    assert built == ["embedded", "ollama"]
    assert shell.engine().kind == "ollama" and built == ["embedded", "ollama"]


def closed_port() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_without_ollama_the_first_run_choices_come_back_on_the_next_hotkey(
    shell: Shell, aloop: AsyncLoop
) -> None:
    shell.args.host = closed_port()
    shell.background.spawn(shell._check_engine(), "check the engine")
    aloop.until(lambda: len(shell.background) == 0)
    dialog = shell._first_run_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.close()  # closing it is not a dead end
    shell._on_hotkey("main")
    assert dialog.isVisible() and shell.controller.job is None


def test_a_malformed_endpoint_is_told_not_raised(
    shell: Shell, aloop: AsyncLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(shell.tray, "notify", lambda title, text: told.append(text))
    shell.args.host = "ftp://127.0.0.1:11434"
    shell.background.spawn(shell._check_engine(), "check the engine")
    aloop.until(lambda: len(shell.background) == 0)
    assert len(told) == 1 and "ftp://127.0.0.1:11434" in told[0]


def test_an_endpoint_off_this_machine_is_warned_about(
    shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(shell.tray, "notify", lambda title, text: told.append(text))
    shell._warn_about_endpoint("http://ollama.example.com:11434")
    assert told and any("암호화" in t for t in told)  # plain HTTP to another machine


def test_the_first_run_download_opens_the_import_on_a_recommended_gguf(
    shell: Shell, aloop: AsyncLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from kodesk.desktop.settings.hf_dialog import HFImportDialog

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())  # the extra is here
    monkeypatch.setattr(HFImportDialog, "open_repo", lambda self, repo, quant="": None)
    offer = shell._recommended_download()
    assert offer is not None and offer.size_bytes > 100_000_000  # a real instruction model
    offer.start()
    dialog = shell._import_dialog
    assert isinstance(dialog, HFImportDialog) and dialog.isVisible()
    engine = shell.engine()
    built: list[str] = []  # the switch builds the engine the settings now name
    monkeypatch.setattr(
        shell.engines, "_build", lambda: built.append(shell.settings.get("engine.kind")) or engine
    )
    shell._use_downloaded_model("EXAONE-3.5-2.4B-Instruct-Q4_K_M")
    assert built == ["embedded"]
    assert shell.settings.get("engine.kind") == "embedded"
    assert shell.settings.get("embedded.default_model") == "EXAONE-3.5-2.4B-Instruct-Q4_K_M"
    dialog.close()


def test_the_answer_windows_fix_on_ollama_opens_the_recommended_models(shell: Shell) -> None:
    shell.offer_fix("instruction_model")
    dialog = shell._settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.stack.currentWidget() is dialog.models_page  # with the recommended list
    dialog.close()


def test_the_answer_windows_fix_on_the_embedded_engine_opens_the_gguf_import(
    shell: Shell, monkeypatch: pytest.MonkeyPatch, llama_cpp: ModuleType
) -> None:
    from kodesk.desktop.settings.hf_dialog import HFImportDialog

    monkeypatch.setattr(HFImportDialog, "open_repo", lambda self, repo, quant="": None)
    shell.settings.set("engine.kind", "embedded")
    assert shell.engine().kind == "embedded"
    shell.offer_fix("instruction_model")  # on the embedded engine: the GGUF import
    assert isinstance(shell._import_dialog, HFImportDialog) and shell._import_dialog.isVisible()
    shell._import_dialog.close()


def test_a_first_run_download_cancelled_is_not_a_dead_end(
    shell: Shell, aloop: AsyncLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from kodesk.desktop.settings.hf_dialog import HFImportDialog

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())  # the extra is here
    monkeypatch.setattr(HFImportDialog, "open_repo", lambda self, repo, quant="": None)
    shell.args.host = closed_port()
    shell.background.spawn(shell._check_engine(), "check the engine")
    aloop.until(lambda: len(shell.background) == 0)
    first_run = shell._first_run_dialog
    assert first_run is not None and first_run.download_button.isEnabled()
    first_run.download_button.click()
    importer = shell._import_dialog
    assert isinstance(importer, HFImportDialog) and not first_run.isVisible()
    importer.close()  # changed their mind: nothing was downloaded
    shell._on_hotkey("main")
    assert first_run.isVisible() and shell.controller.job is None  # the choices again
