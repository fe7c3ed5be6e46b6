"""Per-model overrides from the settings (`models.overrides`): most are Ollama options,
two are not — `system` joins the task's system prompt, `keep_alive` goes on the request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kodesk.core.tasks import Task

NOT_OPTIONS = frozenset({"system", "keep_alive"})


@dataclass(frozen=True)
class ModelOverrides:
    options: Mapping[str, Any] = field(default_factory=dict)
    system: str = ""
    keep_alive: str | int | None = None

    def apply_to(self, task: Task) -> Task:
        """The task with the model's system prompt after its own (the task's comes first:
        it says what to do; the model's says how this model should answer)."""
        if not self.system:
            return task
        system = f"{task.system}\n\n{self.system}" if task.system else self.system
        return replace(task, system=system)


def model_overrides(all_overrides: Mapping[str, Any], model: str) -> ModelOverrides:
    raw = all_overrides.get(model) or {}
    keep_alive = raw.get("keep_alive")
    return ModelOverrides(
        options={k: v for k, v in raw.items() if k not in NOT_OPTIONS and v is not None},
        system=str(raw.get("system") or ""),
        keep_alive=keep_alive if isinstance(keep_alive, str | int) else None,
    )


def keep_alive_value(text: str) -> str | int:
    """The setting's text as Ollama wants it: whole seconds as a number, else "5m"."""
    return int(text) if text.lstrip("-").isdigit() else text
