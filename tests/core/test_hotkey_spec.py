from __future__ import annotations

import pytest

from kodesk.core.hotkey_spec import HotkeyError, parse_hotkey, reserved_by
from kodesk.core.settings import BY_KEY


def test_parse_and_normalise() -> None:
    hotkey = parse_hotkey("Alt + Control + K")
    assert str(hotkey) == "ctrl+alt+k"
    assert hotkey.label() == "Ctrl+Alt+K"
    assert str(parse_hotkey("win+shift+page_up")) == "shift+super+page_up"
    assert str(parse_hotkey("f9")) == "f9"


@pytest.mark.parametrize(
    "text",
    ["", "k", "shift+k", "ctrl+", "ctrl+alt", "hyper+k", "ctrl+ctrl+k", "ctrl+한", "ctrl+banana"],
)
def test_invalid_hotkeys(text: str) -> None:
    with pytest.raises(HotkeyError):
        parse_hotkey(text)


def test_default_main_hotkey_is_free() -> None:
    default = parse_hotkey(BY_KEY["hotkey.main"].default)
    assert reserved_by(default) is None
    assert reserved_by(parse_hotkey("ctrl+space")) is not None
    assert "VS Code" in (reserved_by(parse_hotkey("ctrl+shift+k")) or "")
