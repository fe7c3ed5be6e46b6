"""The first-run dialog without Ollama, offscreen: per-platform install steps, "Check
again" through the probe passed in, the download and test-model choices, and an offer
that survives closing."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication, QGroupBox, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kodesk.core.errors import Language
from kodesk.core.settings import Settings
from kodesk.desktop.first_run import (
    FirstRunDialog,
    FirstRunOffer,
    ModelDownload,
    Recheck,
    ollama_probe,
    size_text,
)
from tests.desktop.conftest import AsyncLoop
from tests.fake_ollama import FakeOllama

#: Names and terms that stay as they are in the Korean UI.
ALLOWED = {"Ollama", "kodesk", "Gemma", "GGUF", "EXAONE", "Instruct", "macOS", "Windows", "WSL"}


def english_words(text: str) -> list[str]:
    """Latin words in `text` outside `code`, URLs, quoted commands and allowed names."""
    text = re.sub(r"`[^`]*`|https?://\S+|\"[^\"]*\"|pip install|\w+\.exe", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED]


def visible_texts(widget: QWidget) -> list[str]:
    texts = [widget.windowTitle()]
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        if isinstance(child, (QLabel, QPushButton)):
            texts.append(child.text())
        elif isinstance(child, QGroupBox):
            texts.append(child.title())
    return [t for t in texts if t]


class Probe:
    """A scripted "is Ollama there now?" answer, counting the calls."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        return self.answers.pop(0)


EXAONE = 1_640_000_000
Built = tuple[FirstRunDialog, FirstRunOffer, Settings, list[str]]
Make = Callable[..., Built]


def finish(aloop: AsyncLoop, task: asyncio.Task[None]) -> None:
    aloop.until(task.done)
    task.result()


@pytest.fixture
def tray_app(qapp: QApplication) -> Iterator[QApplication]:
    """As in the app (a tray app): closing the dialog, its only window, does not quit."""
    before = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    try:
        yield qapp
    finally:
        qapp.setQuitOnLastWindowClosed(before)


@pytest.fixture
def make(qtbot: QtBot, aloop: AsyncLoop, tray_app: QApplication) -> Make:
    def build(
        *,
        platform: str = "linux",
        lang: Language = "en",
        probe: Probe | None = None,
        downloads: list[str] | None = None,
        embedded_available: bool = True,
        installed: bool = False,
        opened: list[str] | None = None,
    ) -> Built:
        offer = FirstRunOffer()
        offer.start()
        settings = Settings()
        started = downloads if downloads is not None else []
        download = ModelDownload(
            "EXAONE 3.5 2.4B Instruct Q4_K_M",
            EXAONE,
            lambda: started.append("exaone"),
            licence="EXAONE AI Model License 1.1 - NC",
            commercial=False,
        )
        dialog = FirstRunDialog(
            offer=offer,
            settings=settings,
            recheck=probe or Probe(False),
            loop=aloop.loop,
            lang=lang,
            download=download,
            embedded_available=embedded_available,
            installed=installed,
            platform=platform,
            open_url=(opened if opened is not None else []).append,
        )
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog, offer, settings, started

    return build


def test_linux_offers_the_install_command(make: Make, qapp: QApplication) -> None:
    dialog, offer, _, _ = make(platform="linux")
    assert not dialog.isModal()
    assert dialog.heading.text() == "Ollama was not found on this machine."
    assert dialog.command.text() == "curl -fsSL https://ollama.com/install.sh | sh"
    assert dialog.copy_button.isVisible() and not dialog.page_button.isVisible()
    dialog.copy_button.click()
    assert qapp.clipboard().text() == "curl -fsSL https://ollama.com/install.sh | sh"
    assert "Check again" in dialog.recheck_status.text()
    texts = " ".join(visible_texts(dialog))
    assert "wsl" not in texts.lower()
    assert offer.should_offer()


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("darwin", "https://ollama.com/download/mac"),
        ("win32", "https://ollama.com/download/windows"),
    ],
)
def test_macos_and_windows_open_the_download_page(make: Make, platform: str, url: str) -> None:
    opened: list[str] = []
    dialog, _, _, _ = make(platform=platform, opened=opened)
    assert not dialog.command.isVisible() and not dialog.copy_button.isVisible()
    dialog.page_button.click()
    assert opened == [url]
    assert url in dialog.install_text.text()


def test_check_again_until_ollama_answers(make: Make, aloop: AsyncLoop) -> None:
    probe = Probe(False, True)
    dialog, offer, settings, _ = make(probe=probe)
    settings.set("engine.kind", "embedded")
    finish(aloop, dialog.check_again())
    assert probe.calls == 1
    assert "does not answer yet" in dialog.recheck_status.text()
    assert offer.should_offer() and dialog.isVisible()
    choices: list[str] = []
    dialog.choiceMade.connect(choices.append)
    finish(aloop, dialog.check_again())
    assert probe.calls == 2 and choices == ["ollama"]
    assert not offer.should_offer()
    assert settings.get("engine.kind") == "ollama"
    assert not dialog.isVisible()


def test_the_test_model_is_labelled_and_switches_to_the_embedded_engine(
    make: Make,
) -> None:
    dialog, offer, settings, _ = make()
    assert "TEST model" in dialog.builtin_text.text()
    assert "cannot follow instructions" in dialog.builtin_text.text()
    choices: list[str] = []
    dialog.choiceMade.connect(choices.append)
    dialog.builtin_button.click()
    assert choices == ["builtin"]
    assert settings.get("engine.kind") == "embedded"
    assert not offer.should_offer() and not dialog.isVisible()


def test_the_recommended_download_shows_its_size(make: Make) -> None:
    downloads: list[str] = []
    dialog, offer, settings, _ = make(downloads=downloads, lang="ko")
    assert "약 1.6 GB" in dialog.download_text.text()
    assert '라이선스 "EXAONE AI Model License 1.1 - NC": 비상업용' in dialog.download_text.text()
    assert "EXAONE 3.5 2.4B Instruct Q4_K_M" in dialog.download_text.text()
    dialog.download_button.click()
    assert downloads == ["exaone"]
    assert not dialog.isVisible()
    assert offer.should_offer()  # until the download is done: cancelling it is no dead end
    assert settings.get("engine.kind") == "ollama"  # the downloader switches once it is done


def test_closing_is_not_a_dead_end(make: Make) -> None:
    dialog, offer, _, _ = make()
    dialog.close()
    assert offer.should_offer()  # the next hotkey press offers the same choices


def test_without_the_embedded_engine_only_ollama_is_offered(make: Make) -> None:
    dialog, _, _, _ = make(embedded_available=False)
    assert not dialog.download_button.isEnabled() and not dialog.builtin_button.isEnabled()
    assert 'pip install "kodesk[embedded]"' in dialog.builtin_text.text()
    assert dialog.recheck_button.isEnabled()


def test_installed_but_not_running(make: Make) -> None:
    dialog, _, _, _ = make(installed=True)
    assert "installed on this machine but not running" in dialog.heading.text()
    assert "ollama serve" in dialog.install_text.text()
    assert not dialog.command.isVisible() and not dialog.page_button.isVisible()


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
@pytest.mark.parametrize("installed", [False, True])
def test_no_english_left_in_the_korean_dialog(
    make: Make, platform: str, installed: bool, aloop: AsyncLoop
) -> None:
    dialog, _, _, _ = make(platform=platform, lang="ko", installed=installed)
    dialog.copy_button.click() if dialog.copy_button.isVisible() else None
    finish(aloop, dialog.check_again())
    texts = visible_texts(dialog)
    assert len(texts) > 8
    assert [w for t in texts for w in english_words(t)] == []


def test_english_words_finds_english() -> None:
    """The check above can fail: it sees a stray English button label."""
    assert english_words("닫기 Close `ollama serve` https://ollama.com Ollama") == ["Close"]


@pytest.mark.parametrize(
    ("size", "ko", "en"),
    [(1_640_000_000, "약 1.6 GB", "about 1.6 GB"), (491_000_000, "약 491 MB", "about 491 MB")],
)
def test_size_text(size: int, ko: str, en: str) -> None:
    assert size_text(size, "ko") == ko and size_text(size, "en") == en


async def asked(probe: Recheck) -> bool:
    return await probe()


def test_ollama_probe_asks_the_configured_server(fake_ollama: FakeOllama, aloop: AsyncLoop) -> None:
    settings = Settings()
    settings.set("ollama.endpoint", fake_ollama.url)
    assert aloop.run(asked(ollama_probe(settings, None)))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert not aloop.run(asked(ollama_probe(settings, f"http://127.0.0.1:{port}")))
