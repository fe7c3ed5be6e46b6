from __future__ import annotations

from kodesk.core.model_overrides import keep_alive_value, model_overrides
from kodesk.core.runner import merged_options
from kodesk.core.tasks import BUILTIN_TASKS, find_task


def test_system_and_keep_alive_are_not_options() -> None:
    overrides = model_overrides(
        {
            "m": {
                "temperature": 0.7,
                "system": "존댓말로 답하세요.",
                "keep_alive": "1h",
                "seed": None,
            }
        },
        "m",
    )
    assert overrides.options == {"temperature": 0.7}
    assert overrides.keep_alive == "1h"
    task = overrides.apply_to(find_task(BUILTIN_TASKS, "summary"))
    assert task.system.endswith("\n\n존댓말로 답하세요.")
    assert task.system.startswith("당신은")
    assert model_overrides({}, "m").apply_to(task) is task


def test_runner_never_sends_non_options() -> None:
    task = find_task(BUILTIN_TASKS, "summary")
    options = merged_options(task, {"temperature": 0.9, "system": "x", "keep_alive": 0})
    assert options["temperature"] == 0.9 and "system" not in options
    assert "keep_alive" not in options


def test_keep_alive_value() -> None:
    assert keep_alive_value("300") == 300 and keep_alive_value("-1") == -1
    assert keep_alive_value("5m") == "5m"
