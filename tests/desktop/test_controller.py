"""The job controller end to end in-process: clipboard → fake Ollama → answer window."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication, QImage

from kodesk.core.engine import Engine
from kodesk.core.history import HistoryStore
from kodesk.core.runner import TaskRunner
from kodesk.core.settings import Settings
from kodesk.core.tasks import BUILTIN_TASKS
from kodesk.core.types import ChatRequest, PromptUsed, StreamEvent
from kodesk.desktop.answer_window import AnswerWindow
from kodesk.desktop.clipboard import ClipboardCapture
from kodesk.desktop.controller import JobController
from kodesk.desktop.i18n import KO
from kodesk.engines.ollama_engine import OllamaEngine
from tests.desktop.conftest import AsyncLoop
from tests.fake_ollama import ChatScript, FakeOllama

ARTICLE = "정부는 29일 내년도 예산안을 발표했다. 총지출은 3.5% 늘어난 680조 원이다. " * 5


def make_controller(engine: Engine, tmp_path: Path) -> JobController:
    settings = Settings({"model.default": "exaone3.5:2.4b", "history.enabled": True})
    pasted: list[str] = []
    runner = TaskRunner(engine)
    ctl = JobController(
        settings=settings,
        runner=lambda: runner,
        tasks=lambda: list(BUILTIN_TASKS),
        capture=ClipboardCapture(QGuiApplication.clipboard(), press_copy=lambda: None),
        window=lambda: AnswerWindow(KO),
        language="ko",
        press_paste=lambda: pasted.append(QGuiApplication.clipboard().text()),
        history=HistoryStore(tmp_path / "history.sqlite3"),
    )
    ctl.pasted = pasted  # type: ignore[attr-defined]
    return ctl


def close_controller(ctl: JobController, aloop: AsyncLoop, engine: Engine) -> None:
    ctl.stop()
    if ctl.job is not None:
        aloop.until(ctl.job.done)
    aloop.run(engine.aclose())
    if ctl.window is not None:
        ctl.window.close()
        ctl.window.deleteLater()


@pytest.fixture
def controller(
    aloop: AsyncLoop, fake_ollama: FakeOllama, tmp_path: Path
) -> Iterator[JobController]:
    engine = OllamaEngine(fake_ollama.url)
    ctl = make_controller(engine, tmp_path)
    yield ctl
    close_controller(ctl, aloop, engine)


class ReportsPrompt:
    """The fake's Ollama engine, reporting a prompt format as the embedded engine does."""

    def __init__(self, engine: Engine, chat_error: Exception | None = None) -> None:
        self._engine = engine
        self._chat_error = chat_error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    async def chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        yield PromptUsed("plain completion (base model)", "…")
        if self._chat_error is not None:
            raise self._chat_error
        async for event in self._engine.chat(request):
            yield event


@pytest.fixture
def wrapped(aloop: AsyncLoop, fake_ollama: FakeOllama, tmp_path: Path) -> Iterator[ReportsPrompt]:
    engine = ReportsPrompt(OllamaEngine(fake_ollama.url))
    yield engine
    aloop.run(engine.aclose())


def done(ctl: JobController) -> bool:
    return ctl.job is not None and ctl.job.done()


def test_hotkey_streams_the_answer(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    QGuiApplication.clipboard().setText(ARTICLE)
    fake_ollama.chat_scripts.append(ChatScript(reply="정부가 680조 원 규모 예산안을 발표했다."))
    controller.trigger("main")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and window.isVisible()
    aloop.until(lambda: window.body.toPlainText() == "정부가 680조 원 규모 예산안을 발표했다.")
    assert window.header.text() == "한 줄 요약 · exaone3.5:2.4b"
    assert "입력" in window.footer.text()
    assert window.details.text().startswith("계획: 한 번에 보냄 · ")
    assert " 토큰 (추정) · num_ctx " in window.details.text()
    body = fake_ollama.chat_requests()[-1].body
    assert ARTICLE.strip() in body["messages"][-1]["content"]
    assert body["keep_alive"] == "5m" and body["think"] is False
    history = HistoryStore(tmp_path / "history.sqlite3").recent()
    assert [(h.task, h.answer) for h in history] == [
        ("summary", "정부가 680조 원 규모 예산안을 발표했다.")
    ]


def test_new_press_cancels_the_running_job(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    QGuiApplication.clipboard().setText(ARTICLE)
    fake_ollama.chat_scripts.append(ChatScript(reply="느" * 300, piece_size=1, delay=0.02))
    fake_ollama.chat_scripts.append(ChatScript(reply="두 번째 답."))
    controller.start("summary")
    aloop.until(lambda: "느느느" in (controller.window.answer_text() if controller.window else ""))
    first = controller.job
    controller.start("translate")
    aloop.until(lambda: done(controller))
    assert first is not None and first.cancelled()
    window = controller.window
    assert window is not None
    aloop.until(lambda: window.body.toPlainText() == "두 번째 답.")
    aloop.until(lambda: fake_ollama.chat_requests()[0].aborted)  # its stream was closed
    assert len(fake_ollama.chat_requests()) == 2
    assert window.header.text().startswith("번역")


def test_stop_keeps_partial_answer(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    QGuiApplication.clipboard().setText(ARTICLE)
    fake_ollama.chat_scripts.append(ChatScript(reply="가" * 300, piece_size=1, delay=0.02))
    controller.start("summary")
    aloop.until(lambda: len(controller.window.answer_text() if controller.window else "") > 5)
    assert controller.window is not None
    controller.window.stop_button.click()
    aloop.until(lambda: done(controller))
    window = controller.window
    assert not window.streaming and window.status.text() == KO.stopped
    assert 5 < len(window.answer_text()) < 300


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "클립보드가 비어 있습니다."),
        ("   \n ", "복사한 내용이 공백뿐입니다."),
        ("image", "클립보드에 글자가 아닌 내용(이미지 등)만 있습니다."),
        ("huge", "글이 너무 깁니다"),
    ],
)
def test_bad_clipboard_gets_a_message_and_no_request(
    controller: JobController,
    aloop: AsyncLoop,
    fake_ollama: FakeOllama,
    content: str,
    expected: str,
) -> None:
    clipboard = QGuiApplication.clipboard()
    if content == "image":
        mime = QMimeData()
        image = QImage(4, 4, QImage.Format.Format_ARGB32)
        image.fill(0xFF0000FF)
        mime.setImageData(image)
        clipboard.setMimeData(mime)
    elif content == "huge":
        clipboard.setText("가나다라마바사아" * 300_000)
    else:
        clipboard.setText(content)
    controller.start("summary")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and window.error.isVisible()
    assert window.error.text().startswith(expected)
    assert fake_ollama.chat_requests() == []


def test_nul_bytes_are_removed_with_a_note(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    QGuiApplication.clipboard().setText("가\x00나다")
    controller.start("summary")
    aloop.until(lambda: done(controller))
    assert controller.window is not None
    assert "제어 문자" in controller.window.warning.text()
    assert "가나다" in fake_ollama.chat_requests()[-1].body["messages"][-1]["content"]


def test_unreachable_server_is_explained(
    aloop: AsyncLoop, fake_ollama: FakeOllama, controller: JobController
) -> None:
    fake_ollama.stop()
    QGuiApplication.clipboard().setText(ARTICLE)
    controller.start("summary")
    aloop.until(lambda: done(controller))
    assert controller.window is not None
    assert "Ollama에 연결할 수 없습니다" in controller.window.error.text()
    assert "ollama serve" in controller.window.error.text()  # the hint, for this platform


def test_missing_model_and_retry_and_paste_back(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    QGuiApplication.clipboard().setText(ARTICLE)
    del fake_ollama.models["exaone3.5:2.4b"]
    controller.start("summary")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and "ollama pull exaone3.5:2.4b" in window.error.text()
    fake_ollama.add_model("exaone3.5:2.4b")
    fake_ollama.chat_scripts.append(ChatScript(reply="다시 한 답."))
    QGuiApplication.clipboard().setText("다른 글")  # retry reuses the captured text
    window.retry_button.click()
    aloop.until(lambda: done(controller) and window.answer_text() == "다시 한 답.")
    assert ARTICLE.strip() in fake_ollama.chat_requests()[-1].body["messages"][-1]["content"]
    window.paste_button.click()
    aloop.until(lambda: bool(controller.pasted))  # type: ignore[attr-defined]
    assert controller.pasted == ["다시 한 답."]  # type: ignore[attr-defined]


def test_tokens_task_shows_chips_offline_then_explains(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    from kodesk.desktop.token_view import TokenChipsView

    QGuiApplication.clipboard().setText(ARTICLE)
    fake_ollama.chat_scripts.append(ChatScript(reply="토큰은 모델이 글을 읽는 단위입니다."))
    controller.start("tokens")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and not window.error.isVisible()
    views = window.findChildren(TokenChipsView)
    assert len(views) == 1 and views[0].report is not None
    report = views[0].report
    assert report.characters == len(ARTICLE.strip()) and report.tokens > 0
    assert window.answer_text() == "토큰은 모델이 글을 읽는 단위입니다."
    user = fake_ollama.chat_requests()[-1].body["messages"][-1]["content"]
    assert f"{report.tokens:,}" in user and "{token_count}" not in user


def test_length_limit_is_a_visible_warning(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    QGuiApplication.clipboard().setText(ARTICLE)
    fake_ollama.chat_scripts.append(ChatScript(reply="길게 이어지는 답", done_reason="length"))
    controller.start("summary")
    aloop.until(lambda: done(controller))
    assert controller.window is not None
    assert controller.window.warning.isVisible()
    assert controller.window.warning.text().count("길이 제한") == 1


def test_selection_mode_falls_back_with_a_note(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    controller._settings.set("capture.mode", "selection")
    controller._settings.set("capture.copy_timeout_ms", 100)
    QGuiApplication.clipboard().setText(ARTICLE)
    controller.start("summary")
    aloop.until(lambda: done(controller))
    assert controller.window is not None
    assert "클립보드에 있던 글을 사용" in controller.window.warning.text()
    assert ARTICLE.strip() in fake_ollama.chat_requests()[-1].body["messages"][-1]["content"]


def test_window_size_is_remembered(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    QGuiApplication.clipboard().setText(ARTICLE)
    controller.start("summary")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and window.size().width() == 480
    window.resize(600, 400)
    window.close()
    assert controller._settings.get("window.size") == [600, 400]
    controller.start("summary")
    aloop.until(lambda: done(controller))
    assert (window.width(), window.height()) == (600, 400)


def test_cleanup_note_stays_beside_the_answer(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    page = Path(__file__).parents[1] / "core" / "data" / "webpages" / "naver_yonhap.txt"
    QGuiApplication.clipboard().setText(page.read_text(encoding="utf-8"))
    fake_ollama.chat_scripts.append(ChatScript(reply="요약 한 문장."))
    controller.start("summary")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and window.answer_text() == "요약 한 문장."
    assert window.note.isVisible() and window.note.text().startswith("정리됨: ")
    assert "무단 전재" not in fake_ollama.chat_requests()[-1].body["messages"][-1]["content"]


def test_details_show_the_prompt_format_the_engine_reported(
    aloop: AsyncLoop, wrapped: ReportsPrompt, tmp_path: Path
) -> None:
    controller = make_controller(cast(Engine, wrapped), tmp_path)
    QGuiApplication.clipboard().setText(ARTICLE)
    controller.start("summary")
    aloop.until(lambda: done(controller))
    assert controller.window is not None
    assert "프롬프트 형식: plain completion (base model)" in controller.window.details.text()
    close_controller(controller, aloop, cast(Engine, wrapped))


@pytest.mark.allow_error_log(r"job summary: internal error")
def test_an_unexpected_exception_is_shown_as_an_internal_error(
    aloop: AsyncLoop, fake_ollama: FakeOllama, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = ReportsPrompt(OllamaEngine(fake_ollama.url), chat_error=ZeroDivisionError("boom"))
    controller = make_controller(cast(Engine, engine), tmp_path)
    QGuiApplication.clipboard().setText(ARTICLE)
    controller.start("summary")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and not window.streaming
    assert window.error.isVisible()
    assert "내부 오류" in window.error.text() and "ZeroDivisionError" in window.error.text()
    assert "알려 주세요" in window.error.text()  # the hint: report it
    [record] = [r for r in caplog.records if "internal error" in r.getMessage()]
    assert record.exc_info is not None  # the traceback is in the log
    close_controller(controller, aloop, cast(Engine, engine))


def test_an_error_mid_stream_keeps_the_text_received(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    QGuiApplication.clipboard().setText(ARTICLE)
    fake_ollama.chat_scripts.append(ChatScript(reply="정부가 예산안을 발표", error_after=2))
    controller.start("summary")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and window.error.isVisible()
    assert window.answer_text().startswith("정부가")  # what arrived stays, the error under it


def test_a_base_model_warning_offers_a_recommended_model_in_one_click(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model("llama3-open-ko:8b", template="{{ .Prompt }}")
    controller._settings.set("model.default", "llama3-open-ko:8b")
    fake_ollama.chat_scripts.append(ChatScript(reply="정부가 예산을 늘렸다."))
    QGuiApplication.clipboard().setText(ARTICLE)
    asked: list[str] = []
    controller.fixRequested.connect(asked.append)
    controller.trigger("main")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None
    assert "지시를 따르지 못할 수 있습니다" in window.warning.text()
    assert window.fix_button.isVisible() and window.fix_button.text() == KO.get_instruction_model
    window.fix_button.click()
    assert asked == ["instruction_model"]
    # The next job, on an instruction model, clears both.
    controller._settings.set("model.default", "exaone3.5:2.4b")
    fake_ollama.chat_scripts.append(ChatScript(reply="정부가 예산을 늘렸다."))
    controller.trigger("main")
    aloop.until(lambda: done(controller) and window.answer_text() != "")
    assert fake_ollama.chat_requests()[-1].body["model"] == "exaone3.5:2.4b"
    assert not window.warning.isVisible(), window.warning.text()
    assert not window.fix_button.isVisible()


def test_a_looping_answer_is_stopped_with_the_fix_offered(
    controller: JobController, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    loop = "내가 왜 그렇게 생각하는지? 나는 지금이 가장 행복한 날이다. "
    fake_ollama.chat_scripts.append(ChatScript(reply=loop * 60, piece_size=4, delay=0.005))
    QGuiApplication.clipboard().setText(ARTICLE)
    controller.trigger("main")
    aloop.until(lambda: done(controller))
    window = controller.window
    assert window is not None and window.error.isVisible()
    assert len(window.answer_text()) < len(loop) * 10  # stopped early, not at the limit
    assert window.fix_button.isVisible()
