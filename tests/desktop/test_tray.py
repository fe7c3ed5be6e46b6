"""Tray menu: tasks, models from /api/tags, unreachable server, pause, tooltip."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from kodesk.core.tasks import BUILTIN_TASKS
from kodesk.desktop.i18n import KO
from kodesk.desktop.tray import Tray
from kodesk.engines.ollama_engine import OllamaEngine
from tests.desktop.conftest import AsyncLoop
from tests.fake_ollama import FakeOllama


def make_tray(engine: OllamaEngine) -> Tray:
    tray = Tray(labels=KO, icon=QIcon(), paused_icon=QIcon(), list_models=engine.list_models)
    tray.set_tasks(BUILTIN_TASKS, "summary", {"translate": "Ctrl+Alt+T"})
    tray.set_model("exaone3.5:2.4b")
    tray.set_hotkey("Ctrl+Alt+K")
    return tray


def texts(tray: Tray) -> list[str]:
    return [a.text() for a in tray.menu.actions() if a.text()]


def test_menu_lists_tasks_with_the_checked_one(aloop: AsyncLoop, fake_ollama: FakeOllama) -> None:
    tray = make_tray(OllamaEngine(fake_ollama.url))
    items = texts(tray)
    assert items[:4] == ["작업", "한 줄 요약\tCtrl+Alt+K", "번역 (한↔영)\tCtrl+Alt+T", "토큰 설명"]
    assert {"모델", "단축키 일시 중지", "연결 진단…", "설정…", "끝내기"} <= set(items)
    assert tray.current_task() == "summary"
    chosen: list[str] = []
    tray.taskChosen.connect(chosen.append)
    tray._task_actions[1].trigger()
    assert chosen == ["translate"]
    assert tray.current_task() == "translate"
    tray._task_actions[2].trigger()
    assert texts(tray)[1:4] == ["한 줄 요약", "번역 (한↔영)\tCtrl+Alt+T", "토큰 설명\tCtrl+Alt+K"]


def test_models_submenu_is_filled_from_tags_and_switches(
    aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model(
        "llama-3-korean-bllossom:8b", parameter_size="8.0B", quantization_level="Q8_0"
    )
    tray = make_tray(OllamaEngine(fake_ollama.url))
    tray.refresh_models()
    aloop.until(lambda: len(tray._model_group.actions()) == 2)
    actions = tray._model_group.actions()
    assert [a.data() for a in actions if a.isChecked()] == ["exaone3.5:2.4b"]
    assert actions[1].text() == "llama-3-korean-bllossom:8b  8.0B · Q8_0"
    picked: list[str] = []
    tray.modelChosen.connect(picked.append)
    actions[1].trigger()
    assert picked == ["llama-3-korean-bllossom:8b"]
    assert [a.data() for a in actions if a.isChecked()] == ["llama-3-korean-bllossom:8b"]
    assert "llama-3-korean-bllossom:8b" in tray.icon.toolTip()
    assert "Ctrl+Alt+K" in tray.icon.toolTip()


def test_unreachable_server_offers_retry(aloop: AsyncLoop, fake_ollama: FakeOllama) -> None:
    url = fake_ollama.url
    fake_ollama.stop()
    tray = make_tray(OllamaEngine(url))
    tray.refresh_models()
    aloop.until(lambda: any("다시 시도" in a.text() for a in tray.models_menu.actions()))
    items = [a.text() for a in tray.models_menu.actions()]
    assert any("연결할 수 없습니다" in t for t in items)
    assert "연결 진단…" in items


def test_pause_switches_icon_and_signals(
    qtbot: QtBot, aloop: AsyncLoop, fake_ollama: FakeOllama
) -> None:
    tray = make_tray(OllamaEngine(fake_ollama.url))
    with qtbot.waitSignal(tray.pauseToggled) as blocker:
        tray.pause_action.trigger()
    assert blocker.args == [True]
    tray.set_hotkey_problem("Wayland does not let applications watch global keys")
    assert tray.hotkey_problem.isVisible()
    assert "전역 단축키를 쓸 수 없습니다" in tray.icon.toolTip()
