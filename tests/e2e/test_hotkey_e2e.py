"""The real app under Xvfb with a tray host: clipboard (xclip) + hotkey (xdotool) → answer.

Screenshots are saved in test-artifacts/ (e2e-*.png) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.xsession import AppProcess, XSession, wait_for, x_session
from tests.fake_ollama import ChatScript, FakeOllama

pytestmark = pytest.mark.e2e
ARTICLE = (Path(__file__).parent / "data" / "article_ko.txt").read_text(encoding="utf-8")
SUMMARY = "11월 수출이 반도체 호조로 8.4% 늘어 612억 달러로 역대 최대를 기록했다."


@pytest.fixture
def xs() -> Iterator[XSession]:
    with x_session() as session:
        yield session


def app_env(xs: XSession, home: Path, cache: Path | None = None) -> dict[str, str]:
    env = dict(xs.env)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(cache or home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        KODESK_LOG="info",
    )
    env.pop("OLLAMA_HOST", None)
    return env


def start_app(
    xs: XSession, tmp_path: Path, host: str, *, settings_text: str = "", cache: Path | None = None
) -> AppProcess:
    settings = tmp_path / "settings.toml"
    settings.write_text(
        settings_text
        or (
            '[model]\ndefault = "exaone3.5:2.4b"\n[ui]\nlanguage = "ko"\n'
            '[hotkey]\ntasks = { tokens = "ctrl+alt+j" }\n'
        ),
        encoding="utf-8",
    )
    app = AppProcess(["--host", host, "--settings", str(settings)], app_env(xs, tmp_path, cache))
    app.wait_line("tray shown", timeout=60)
    app.wait_line("hotkeys active", timeout=60)
    return app


def test_hotkey_summarises_the_clipboard_and_esc_stops(
    xs: XSession, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    app = start_app(xs, tmp_path, fake_ollama.url)
    try:
        xs.screenshot("e2e-01-tray")
        before = xs.visible_windows()
        xs.click_tray()
        wait_for(lambda: len(xs.visible_windows() - before) > 0, 10, "the tray menu")
        xs.screenshot("e2e-01b-tray-menu")
        xs.key("Escape")
        wait_for(lambda: not (xs.visible_windows() - before), 10, "the menu to close")
        xs.set_clipboard(ARTICLE)
        fake_ollama.chat_scripts.append(ChatScript(reply=SUMMARY, delay=0.03))
        xs.key("ctrl+alt+k")
        finished = app.wait_line("job summary finished")
        assert SUMMARY in finished
        wait_for(lambda: bool(xs.window_ids("kodesk")), 10, "the answer window")
        xs.screenshot("e2e-02-answer")
        xs.screenshot("answer-window", window=xs.window_ids("kodesk")[0])
        body = fake_ollama.chat_requests()[-1].body
        assert "612억 달러" in body["messages"][-1]["content"]
        assert body["model"] == "exaone3.5:2.4b"

        fake_ollama.chat_scripts.append(
            ChatScript(reply="느린 답변 " * 150, piece_size=2, delay=0.05)
        )
        xs.key("ctrl+alt+k")
        app.wait_line("job summary started")
        app.wait_line("first answer text")
        xs.screenshot("e2e-03-streaming")
        xs.key("Escape")
        app.wait_line("job summary stopped")
        wait_for(lambda: fake_ollama.chat_requests()[-1].aborted, 10, "the stream to close")
        xs.screenshot("e2e-04-stopped")

        # A per-task hotkey: the token explainer, counted offline, then explained.
        fake_ollama.chat_scripts.append(
            ChatScript(
                reply="토큰은 모델이 글을 나누어 읽는 단위입니다. "
                "한글은 영어보다 토큰을 많이 씁니다."
            )
        )
        xs.key("ctrl+alt+j")
        app.wait_line("job tokens finished")
        xs.screenshot("answer-tokens", window=xs.window_ids("kodesk")[0])
    finally:
        assert app.stop() in (0, -15)


@pytest.mark.inference
def test_hotkey_with_the_embedded_engine(
    xs: XSession, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No Ollama at all: the built-in GGUF answers through llama.cpp inside the app."""
    cache = tmp_path_factory.getbasetemp() / "kodesk-e2e-cache"
    app = start_app(
        xs,
        tmp_path,
        "http://127.0.0.1:9",
        cache=cache,
        settings_text=(
            '[engine]\nkind = "embedded"\n[ui]\nlanguage = "ko"\n'
            '[hotkey]\ntasks = { tokens = "ctrl+alt+j" }\n'
        ),
    )
    try:
        xs.set_clipboard(ARTICLE)
        xs.key("ctrl+alt+k")
        started = app.wait_line("job summary started", timeout=120)
        assert "gemma-3-270m" in started
        # The built-in model is a base model: it answers, or its answer is stopped as a
        # loop or an echo; either way the window says it cannot follow instructions.
        ended = app.wait_line("job summary f", timeout=240)  # "finished: …" or "failed: …"
        if "finished: " in ended:
            assert len(ended.split("finished: ", 1)[1].strip("'\"")) > 0
        else:
            assert "failed: degenerate" in ended
        wait_for(lambda: bool(xs.window_ids("kodesk")), 10, "the answer window")
        xs.screenshot("e2e-05-embedded")
        # The token explainer with the model's own (exact) vocabulary, from the GGUF.
        xs.key("ctrl+alt+j")
        ended = app.wait_line("job tokens f", timeout=240)
        assert "finished" in ended or "failed: degenerate" in ended
        xs.screenshot("answer-tokens-embedded", window=xs.window_ids("kodesk")[0])
    finally:
        assert app.stop() in (0, -15)
