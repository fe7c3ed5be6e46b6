"""One rule decides who owns each hotkey (`hotkey_owners`), for the shell and the dialog."""

from __future__ import annotations

from kodesk.core.hotkey_rules import MAIN, hotkey_owners, hotkey_problem, hotkeys_in_use
from kodesk.core.settings import Settings


def test_a_custom_tasks_own_hotkey_wins_over_a_hotkey_tasks_entry() -> None:
    owners = hotkey_owners(
        "ctrl+alt+k",
        {"translate": "ctrl+alt+t", "교정": "ctrl+alt+1", "gone": "ctrl+alt+g"},
        [("교정", "ctrl+alt+2")],
    )
    assert owners == {
        MAIN: "ctrl+alt+k",
        "translate": "ctrl+alt+t",
        "교정": "ctrl+alt+2",
        "gone": "ctrl+alt+g",
    }


def test_an_empty_custom_hotkey_is_no_hotkey_even_with_a_hotkey_tasks_entry() -> None:
    owners = hotkey_owners("", {"교정": "ctrl+alt+1"}, [("교정", "")])
    assert owners == {}


def test_hotkeys_in_use_reads_the_settings_through_the_same_rule() -> None:
    settings = Settings(
        {
            "hotkey.tasks": {"summary": "ctrl+alt+s", "교정": "ctrl+alt+1"},
            "tasks.custom": [
                {"name": "교정", "template": "고쳐 주세요: {text}", "hotkey": "ctrl+alt+2"}
            ],
        }
    )
    assert hotkeys_in_use(settings) == {
        MAIN: "ctrl+alt+k",
        "summary": "ctrl+alt+s",
        "교정": "ctrl+alt+2",
    }
    # The task editor leaves out the task being edited: its stale entry still shows as used
    # by that same owner, which `hotkey_problem` never counts against it.
    others = hotkeys_in_use(settings, [])
    assert others["교정"] == "ctrl+alt+1"
    assert hotkey_problem("ctrl+alt+1", "교정", others) is None
    problem = hotkey_problem("ctrl+alt+s", "교정", others)
    assert problem is not None and "'summary'" in problem.en
