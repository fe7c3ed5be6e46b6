"""The reference for the Modelfile parser: the character-at-a-time port of Ollama's
`parser/parser.go` that `kodesk.core.modelfile` had before it learned to step over
whole runs (that made it linear). Slow and plainly a transcription of the Go state
machine, it is kept only so that the fuzz tests can check the fast parser gives the
same commands, and the same errors at the same positions, for any text.
"""

from __future__ import annotations

import unicodedata
from typing import cast

from kodesk.core.errors import Text
from kodesk.core.modelfile import INSTRUCTIONS, MESSAGE_ROLES, Command, Kind, ModelfileError

_KINDS: dict[str, Kind] = {kind: cast(Kind, kind) for kind in INSTRUCTIONS}


def _is_print(char: str) -> bool:
    """Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space."""
    return char == " " or unicodedata.category(char)[0] in "LMNPS"


def _unquote(text: str) -> tuple[str, bool]:
    """Go's unquote in parser.go: strip one pair of outer quotes; False if unclosed."""
    if text.startswith('"""'):
        if len(text) >= 6 and text.endswith('"""'):
            return text[3:-3], True
        return "", False
    if text.startswith('"'):
        if len(text) >= 2 and text.endswith('"'):
            return text[1:-1], True
        return "", False
    return text, True


_SPACE = " \t"
_NEWLINE = "\r\n"
_TRIM = " \t\r\n"


def _error(en: str, ko: str, line: int, column: int) -> ModelfileError:
    return ModelfileError(Text(ko=ko, en=en), line, column)


class _Parser:
    """The state machine of parser.go, one character at a time."""

    def __init__(self) -> None:
        self.state = "nil"
        self.buf: list[str] = []
        self.kind: Kind = "from"
        self.name = ""
        self.start = (1, 1)
        self.value_start = (1, 1)
        self.commands: list[Command] = []

    def feed(self, char: str, line: int, col: int) -> None:
        handler = getattr(self, f"_{self.state}")
        handler(char, line, col)

    def _nil(self, char: str, line: int, col: int) -> None:
        if char == "#":
            self.state = "comment"
        elif char not in _SPACE and char not in _NEWLINE:
            self.state, self.start = "instruction", (line, col)
            self.buf = [char] if _is_print(char) else []

    def _comment(self, char: str, line: int, col: int) -> None:
        if char in _NEWLINE:
            self.state = "nil"

    def _instruction(self, char: str, line: int, col: int) -> None:
        if char.isascii() and char.isalpha():
            self.buf.append(char)
            return
        word = "".join(self.buf)
        if word.lower() not in INSTRUCTIONS:
            raise _error(
                f"unknown instruction {word!r} (valid: FROM, PARAMETER, TEMPLATE, SYSTEM, "
                "ADAPTER, LICENSE, MESSAGE)",
                f"알 수 없는 명령 {word!r} (FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER, LICENSE, "
                "MESSAGE 중 하나여야 합니다)",
                *self.start,
            )
        if char not in _SPACE:
            what = "a value" if char in _NEWLINE else "a space after the instruction"
            raise _error(
                f"{word.upper()} needs {what}", f"{word.upper()} 뒤에 값이 필요합니다", line, col
            )
        self.kind = _KINDS[word.lower()]
        self.name = ""
        self.buf = []
        self.state = {"parameter": "parameter", "message": "role"}.get(self.kind, "value")
        self.value_start = (line, col + 1)

    def _parameter(self, char: str, line: int, col: int) -> None:
        if char.isascii() and (char.isalnum() or char == "_"):
            self.buf.append(char)
        elif char in _SPACE:
            self.name, self.buf, self.state = "".join(self.buf), [], "value"
            self.value_start = (line, col + 1)
        elif char in _NEWLINE:
            raise _error(
                f"PARAMETER {''.join(self.buf)} needs a value",
                f"PARAMETER {''.join(self.buf)} 뒤에 값이 필요합니다",
                line,
                col,
            )
        else:
            raise _error(
                f"invalid character {char!r} in a parameter name",
                f"매개변수 이름에 쓸 수 없는 문자 {char!r}",
                line,
                col,
            )

    def _role(self, char: str, line: int, col: int) -> None:
        if char.isascii() and char.isalpha():
            self.buf.append(char)
            return
        role = "".join(self.buf)
        if char not in _SPACE or role not in MESSAGE_ROLES:
            raise _error(
                f"MESSAGE role must be system, user or assistant (got {role!r})",
                f"MESSAGE 역할은 system, user, assistant 중 하나여야 합니다 ({role!r})",
                line,
                col,
            )
        self.name, self.buf, self.state = role, [], "value"
        self.value_start = (line, col + 1)

    def _value(self, char: str, line: int, col: int) -> None:
        if char in _SPACE or char in _NEWLINE:
            value, closed = _unquote("".join(self.buf).strip(_TRIM))
            if not closed or char in _SPACE:
                self.buf.append(char)
                return
            self._emit(value)
        elif _is_print(char):
            self.buf.append(char)

    def _emit(self, value: str) -> None:
        self.commands.append(Command(self.kind, value, self.name, *self.start))
        self.buf, self.state = [], "nil"

    def finish(self, line: int, col: int) -> list[Command]:
        if self.state == "value":
            value, closed = _unquote("".join(self.buf).strip(_TRIM))
            if not closed:
                raise _error(
                    "a quoted value is never closed",
                    "따옴표로 시작한 값이 닫히지 않았습니다",
                    *self.value_start,
                )
            self._emit(value)
        elif self.state not in ("nil", "comment"):
            raise _error("unexpected end of file", "파일이 예상보다 일찍 끝났습니다", line, col)
        return self.commands


def reference_commands(text: str) -> list[Command]:
    """The commands of `text`, or `ModelfileError`."""
    parser = _Parser()
    line = col = 1
    previous = ""
    for char in text.removeprefix("\ufeff"):
        parser.feed(char, line, col)
        if char == "\n" or char == "\r":
            if not (char == "\n" and previous == "\r"):
                line += 1
            col = 1
        else:
            col += 1
        previous = char
    return parser.finish(line, col)
