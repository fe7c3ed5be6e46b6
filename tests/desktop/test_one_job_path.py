"""The tray and `kodesk run` are two front ends of one job path: the same task on the
same text makes the same requests, with the same warnings, in both."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication

from kodesk.cli import main
from kodesk.core.settings import Settings, SettingsStore
from kodesk.core.tasks import all_tasks
from kodesk.desktop.answer_window import AnswerWindow
from kodesk.desktop.clipboard import ClipboardCapture
from kodesk.desktop.controller import JobController
from kodesk.desktop.i18n import EN
from kodesk.engines.factory import engine_from_settings, task_runner
from kodesk.paths import default_paths
from tests.core.planning_helpers import korean_text
from tests.desktop.conftest import AsyncLoop
from tests.fake_ollama import ChatScript, FakeOllama

MODEL = "exaone3.5:2.4b"
CUSTOM = {"name": "교정", "template": "맞춤법을 고치세요:\n{text}", "reduce": "concat"}
CASES = {
    "summary": korean_text(12),
    "translate": korean_text(6),
    "tokens": korean_text(30),
    "교정": korean_text(6),
    "long-summary": korean_text(400),
    "long-custom": korean_text(400),
    "cleaning-notes": "정부는\x00 예산안을 발표했다.\u200b " + korean_text(5),
}
TASK_OF = {"long-summary": "summary", "long-custom": "교정", "cleaning-notes": "summary"}


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_ollama: FakeOllama) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "config" / "settings.toml"
    path.parent.mkdir()
    settings = Settings(
        {
            "model.default": MODEL,
            "ollama.endpoint": fake_ollama.url,
            "tasks.custom": [CUSTOM],
            "context.max_num_ctx": 4096,
        }
    )
    SettingsStore(path).save(settings)
    fake_ollama.default_chat = ChatScript(reply="정부가 예산안을 발표했다.")
    return path


def chat_bodies(fake: FakeOllama) -> list[dict[str, Any]]:
    """The chat requests received, in a comparable order (map chunks may interleave)."""
    bodies = [r.body for r in fake.chat_requests()]
    return sorted(bodies, key=repr)


class Tray:
    """The tray's job path: the settings file loaded, the factory's runner, the clipboard."""

    def __init__(self, settings_file: Path) -> None:
        loaded = SettingsStore(settings_file).load()
        self.settings = loaded.settings
        paths = default_paths(str(settings_file))
        self.engine = engine_from_settings(self.settings, paths)
        runner = task_runner(self.engine, self.settings, paths)
        self.controller = JobController(
            settings=self.settings,
            runner=lambda: runner,
            tasks=lambda: all_tasks(self.settings.get("tasks.custom"))[0],
            capture=ClipboardCapture(QGuiApplication.clipboard(), press_copy=lambda: None),
            window=lambda: AnswerWindow(EN),
            language="en",
        )

    def run(self, aloop: AsyncLoop, task: str, text: str) -> AnswerWindow:
        QGuiApplication.clipboard().setText(text)
        self.controller.start(task)
        job = self.controller.job
        assert job is not None
        aloop.until(job.done)
        window = self.controller.window
        assert window is not None
        return window


@pytest.fixture
def tray(settings_file: Path, aloop: AsyncLoop) -> Iterator[Tray]:
    front = Tray(settings_file)
    yield front
    aloop.run(front.engine.aclose())
    window = front.controller.window
    if window is not None:
        window.close()
        window.deleteLater()


@pytest.mark.parametrize("case", list(CASES))
def test_the_tray_and_the_cli_send_the_same_requests(
    case: str,
    tray: Tray,
    aloop: AsyncLoop,
    fake_ollama: FakeOllama,
    settings_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    task, text = TASK_OF.get(case, case), CASES[case]
    window = tray.run(aloop, task, text)
    from_tray = chat_bodies(fake_ollama)
    assert from_tray, "the tray made no request"
    assert not window.error.isVisible(), window.error.text()
    fake_ollama.requests.clear()

    source = tmp_path / "input.txt"
    source.write_text(text, encoding="utf-8")
    # In a thread of its own, as from a shell: `kodesk run` starts its own event loop.
    argv = ["run", task, "--file", str(source), "--settings", str(settings_file)]
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(main, argv).result(timeout=60) == 0
    out, err = capsys.readouterr()
    assert chat_bodies(fake_ollama) == from_tray
    assert window.answer_text().strip() in out
    shown = [w.removeprefix("⚠").strip() for w in window.warning.text().split("\n")]
    for warning in filter(None, shown):
        assert f"warning: {warning}" in err  # the same warnings, in the window and on stderr
    if task == "tokens":  # the counts are shown, never sent as placeholders
        assert "tokenizer" in out and "{token_count}" not in repr(from_tray)
    if case == "cleaning-notes":
        assert window.warning.text() and "\x00" not in repr(from_tray)
