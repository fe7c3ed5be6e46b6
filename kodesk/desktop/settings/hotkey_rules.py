"""Which hotkeys kodesk refuses: malformed ones, OS/editor shortcuts, and its own duplicates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kodesk.core.errors import Text
from kodesk.core.hotkey_spec import HotkeyError, parse_hotkey, reserved_by
from kodesk.core.settings import Settings

MAIN = "main"
"""The owner name of the main hotkey; per-task hotkeys are owned by the task's name."""


def hotkeys_in_use(
    settings: Settings, custom: Iterable[Mapping[str, Any]] | None = None
) -> dict[str, str]:
    """Owner → hotkey text for every hotkey kodesk has: main, `hotkey.tasks`, custom tasks."""
    used: dict[str, str] = {MAIN: settings.get("hotkey.main")}
    used.update(settings.get("hotkey.tasks"))
    tables = settings.get("tasks.custom") if custom is None else custom
    for table in tables:
        if table.get("hotkey"):
            used[str(table.get("name", ""))] = str(table["hotkey"])
    return {owner: combo for owner, combo in used.items() if combo}


def hotkey_problem(candidate: str, owner: str, in_use: Mapping[str, str]) -> Text | None:
    """Why `candidate` cannot be `owner`'s hotkey, or None when it is free."""
    if not candidate:
        return None
    try:
        hotkey = parse_hotkey(candidate)
    except HotkeyError as exc:
        return Text(ko=f"쓸 수 없는 단축키입니다: {exc}", en=f"Not a usable hotkey: {exc}")
    label = hotkey.label()
    taken = reserved_by(hotkey)
    if taken:
        return Text(
            ko=f"{label}은(는) 운영체제나 다른 프로그램이 씁니다: {taken}",
            en=f"{label} is already used by the system or another program: {taken}",
        )
    for other, combo in in_use.items():
        if other == owner:
            continue
        try:
            same = parse_hotkey(combo) == hotkey
        except HotkeyError:
            continue
        if same:
            who = (
                Text("주 단축키", "the main hotkey")
                if other == MAIN
                else Text(f"'{other}' 작업", f"the task '{other}'")
            )
            return Text(
                ko=f"{label}은(는) 이미 {who.ko}에 쓰고 있습니다.",
                en=f"{label} is already used by {who.en}.",
            )
    return None
