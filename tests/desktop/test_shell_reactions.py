"""The shell's reactions to setting changes are a declared table; its hotkeys follow the
one ownership rule (`hotkey_owners`) the settings dialog uses too."""

from __future__ import annotations

from typing import Any

import pytest

from kodesk.core.hotkey_rules import MAIN, hotkeys_in_use
from kodesk.core.hotkey_spec import Hotkey, parse_hotkey
from kodesk.core.settings import SCHEMA, Settings
from kodesk.core.tasks import all_tasks
from kodesk.desktop import shell as shell_module
from kodesk.desktop.shell import SETTING_REACTIONS, Shell, setting_reactions

S = Shell
ENGINE = [S._switch_engine]
EXPECTED: dict[str, list[Any]] = {
    "engine.kind": [S._switch_engine, S._show_default_model],
    "ollama.endpoint": ENGINE,
    "ollama.connect_timeout": ENGINE,
    "ollama.first_token_timeout": ENGINE,
    "ollama.stall_timeout": ENGINE,
    "embedded.models_dir": ENGINE,
    "embedded.model": ENGINE,
    "hotkey.main": [S._load_tasks, S._apply_hotkeys],
    "hotkey.tasks": [S._load_tasks, S._apply_hotkeys],
    "tasks.custom": [S._load_tasks, S._apply_hotkeys],
    "task.default": [S._load_tasks],
    "ui.language": [S._apply_language, S._load_tasks],
    "model.default": [S._show_default_model],
    "embedded.default_model": [S._show_default_model],
}


def test_every_setting_has_the_declared_reactions_and_no_others() -> None:
    for setting in SCHEMA:
        assert setting_reactions(setting.key) == EXPECTED.get(setting.key, []), setting.key


def test_every_key_in_the_table_names_settings() -> None:
    keys = {s.key for s in SCHEMA}
    for patterns, _reactions in SETTING_REACTIONS:
        for pattern in patterns:
            matched = {
                k for k in keys if k == pattern or (pattern.endswith(".") and k.startswith(pattern))
            }
            assert matched, pattern


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("save")

    def apply(self, bindings: dict[str, Hotkey]) -> None:
        self.bindings = bindings

    active = False


def test_a_change_is_saved_then_runs_its_reactions_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shell = Shell.__new__(Shell)
    recorder = _Recorder()
    shell._save_timer = recorder  # type: ignore[assignment]
    table = (
        (("a.",), (lambda _s: recorder.calls.append("first"),)),
        (("a.b", "c.d"), (lambda _s: recorder.calls.append("second"),)),
    )
    monkeypatch.setattr(shell_module, "SETTING_REACTIONS", table)
    shell._on_setting("a.b")
    shell._on_setting("c.d")
    shell._on_setting("x.y")
    assert recorder.calls == ["save", "first", "second", "save", "second", "save"]


def test_the_shell_binds_what_the_settings_dialog_shows_as_in_use() -> None:
    settings = Settings(
        {
            "hotkey.main": "ctrl+alt+k",
            "hotkey.tasks": {"translate": "ctrl+alt+t", "교정": "ctrl+alt+1"},
            "tasks.custom": [
                {"name": "교정", "template": "고쳐 주세요: {text}", "hotkey": "ctrl+alt+2"},
                {"name": "짧게", "template": "짧게: {text}", "hotkey": ""},
            ],
        }
    )
    shell = Shell.__new__(Shell)
    shell.settings = settings
    shell.tasks, problems = all_tasks(settings.get("tasks.custom"))
    assert problems == []
    recorder = _Recorder()
    shell.hotkeys = recorder  # type: ignore[assignment]
    shell.tray = type("Tray", (), {"set_hotkey": lambda self, label: None})()
    shell._apply_hotkeys()
    expected = {owner: parse_hotkey(c) for owner, c in hotkeys_in_use(settings).items()}
    assert recorder.bindings == expected
    assert recorder.bindings["교정"] == parse_hotkey("ctrl+alt+2")
    assert shell._task_bindings() == {k: v for k, v in expected.items() if k != MAIN}
