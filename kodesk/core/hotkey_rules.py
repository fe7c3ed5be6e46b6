"""Who owns each hotkey, and which hotkeys kodesk refuses: malformed, OS/editor, duplicates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kodesk.core.errors import Text
from kodesk.core.hotkey_spec import HotkeyError, parse_hotkey, reserved_by
from kodesk.core.settings import Settings

MAIN = "main"
"""The owner name of the main hotkey; per-task hotkeys are owned by the task's name."""


def hotkey_owners(
    main: str, task_hotkeys: Mapping[str, str], custom: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Owner → hotkey text for every hotkey kodesk binds; the one rule for who owns what.

    - `MAIN` owns `main` (the `hotkey.main` setting).
    - A built-in task's hotkey is its `hotkey.tasks` entry.
    - A custom task's hotkey is its own `hotkey` field (`custom`: (name, hotkey) of each
      custom task), even when empty: a `hotkey.tasks` entry of the same name is ignored.
      That is the field the task editor shows and changes, so what it shows is what is
      bound.
    - Any other `hotkey.tasks` entry (a task that does not exist) keeps its owner name.

    Empty hotkeys are left out.
    """
    owners: dict[str, str] = {MAIN: main}
    owners.update(task_hotkeys)
    for name, hotkey in custom:
        owners[name] = hotkey
    return {owner: combo for owner, combo in owners.items() if combo}


def hotkeys_in_use(
    settings: Settings, custom: Iterable[Mapping[str, Any]] | None = None
) -> dict[str, str]:
    """`hotkey_owners` of the settings; `custom` replaces the `tasks.custom` tables (the
    task editor passes the tables other than the one being edited)."""
    tables = settings.get("tasks.custom") if custom is None else custom
    return hotkey_owners(
        settings.get("hotkey.main"),
        settings.get("hotkey.tasks"),
        ((str(t.get("name", "")), str(t.get("hotkey", ""))) for t in tables),
    )


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
