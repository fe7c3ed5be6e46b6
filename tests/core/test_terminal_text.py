"""Model and server text made safe for a terminal: no escape sequences, no controls."""

from __future__ import annotations

import pytest

from kodesk.core.terminal_text import printable_for_terminal


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("안녕하세요\n\t세계", "안녕하세요\n\t세계"),  # Hangul, newline and tab stay
        ("\x1b]0;pwned\x07제목", "제목"),  # OSC: window title
        ("\x1b]52;c;ZWNobyBoaQ==\x1b\\복사", "복사"),  # OSC 52: clipboard write, ST end
        ("\x9d52;c;ZWNobw==\x9c끝", "끝"),  # the same with 8-bit C1 controls
        ("\x1b[2J\x1b[H화면", "화면"),  # CSI: clear the screen, cursor home
        ("\x1b[31;1m빨강\x1b[0m", "빨강"),  # SGR colours
        ("\x9b2J지움", "지움"),  # 8-bit CSI
        ("\x1bP1$qm\x1b\\ok", "ok"),  # DCS
        ("a\rb\x08c\x00d\x7fe\x85f", "abcdef"),  # CR, BS, NUL, DEL, C1 NEL
        ("line\r\nnext", "line\nnext"),
        ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "link"),  # hyperlinks
    ],
)
def test_sequences_and_controls_are_dropped(text: str, shown: str) -> None:
    assert printable_for_terminal(text) == shown


def test_a_sequence_split_across_deltas_leaves_no_escape() -> None:
    # A stream may cut a sequence in two: the ESC goes, the rest is harmless text.
    first, second = printable_for_terminal("답\x1b"), printable_for_terminal("]0;title\x07변")
    assert first == "답" and "\x1b" not in second and "\x07" not in second


def test_an_unterminated_string_does_not_swallow_the_answer() -> None:
    answer = "가" * 2000
    shown = printable_for_terminal("\x1b]0;" + answer)
    assert "\x1b" not in shown and shown.endswith(answer)


def test_every_control_character_is_gone_but_newline_and_tab() -> None:
    everything = "".join(chr(c) for c in range(0xA0))
    shown = printable_for_terminal(everything)
    assert shown == "\t\n" + "".join(chr(c) for c in range(0x20, 0x7F))
