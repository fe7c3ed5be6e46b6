"""Modelfiles: parse exactly as Ollama's parser does, and render back to text.

The parser is a port of the state machine in ollama/ollama `parser/parser.go`,
because real Modelfiles rely on its quirks (see ollama-notes.md): instruction names
are case-insensitive, PARAMETER names are not; `#` starts a comment only where an
instruction could start; a value runs to the end of its line unless it opens with
`"` or `\"\"\"`, and then it runs to the first line break where the trimmed value
opens and closes with that quote — so one `"` can wrap many lines; only the outer
quotes are removed, with no escape processing; characters Go does not consider
printable (other than tab, CR and LF) are dropped, as Ollama drops them. Errors
carry the line and column where they were found (a CRLF counts as one line break).

`render_modelfile` writes the canonical form; parsing it gives the same Modelfile.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal, get_args

from kodesk.core.errors import KodeskError, Text

Kind = Literal[
    "from",
    "parameter",
    "template",
    "system",
    "adapter",
    "license",
    "message",
    "draft",
    "renderer",
    "parser",
    "requires",
]
_KINDS: dict[str, Kind] = {kind: kind for kind in get_args(Kind)}
INSTRUCTIONS: frozenset[str] = frozenset(_KINDS)
MESSAGE_ROLES = ("system", "user", "assistant")

#: A Go-template action printing three double quotes: how a TEMPLATE holds `\"\"\"`.
TEMPLATE_TRIPLE_QUOTE = '{{ "\\"\\"\\"" }}'


class ModelfileError(KodeskError):
    """A Modelfile that Ollama would reject (or that cannot be written). 1-based position."""

    code = "modelfile"

    def __init__(self, detail: Text, line: int, column: int) -> None:
        super().__init__(
            Text(
                ko=f"Modelfile {line}:{column}: {detail.ko}",
                en=f"Modelfile {line}:{column}: {detail.en}",
            ),
            Text(
                ko="Ollama Modelfile 문법: https://github.com/ollama/ollama/blob/main/docs/"
                "modelfile.md",
                en="Modelfile syntax: https://github.com/ollama/ollama/blob/main/docs/modelfile.md",
            ),
        )
        self.detail = detail
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Command:
    """One instruction. `name` is the parameter name for PARAMETER, the role for
    MESSAGE, "" otherwise. `line`/`column` locate the instruction (not compared)."""

    kind: Kind
    value: str
    name: str = ""
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Modelfile:
    """The instructions in file order, with Ollama's reading of them as properties."""

    commands: tuple[Command, ...]

    def _values(self, kind: Kind) -> list[str]:
        return [c.value for c in self.commands if c.kind == kind]

    @property
    def froms(self) -> tuple[str, ...]:
        return tuple(self._values("from"))

    @property
    def from_(self) -> str | None:
        """The model or file named by the last FROM (Ollama processes each in turn)."""
        values = self._values("from")
        return values[-1] if values else None

    @property
    def parameters(self) -> list[tuple[str, str]]:
        return [(c.name, c.value) for c in self.commands if c.kind == "parameter"]

    @property
    def template(self) -> str | None:
        values = self._values("template")
        return values[-1] if values else None

    @property
    def system(self) -> str | None:
        values = self._values("system")
        return values[-1] if values else None

    @property
    def adapters(self) -> list[str]:
        return self._values("adapter")

    @property
    def licenses(self) -> list[str]:
        return self._values("license")

    @property
    def messages(self) -> list[tuple[str, str]]:
        return [(c.name, c.value) for c in self.commands if c.kind == "message"]

    def parameter_values(self, name: str) -> list[str]:
        return [value for pname, value in self.parameters if pname == name]

    def replacing(self, kind: Kind, name: str | None, new: tuple[Command, ...]) -> Modelfile:
        """A copy with the commands of `kind` (and `name`) replaced by `new`, placed where
        the first of them was (at the end when there was none)."""

        def hit(c: Command) -> bool:
            return c.kind == kind and name in (None, c.name)

        first = next((i for i, c in enumerate(self.commands) if hit(c)), len(self.commands))
        kept_before = tuple(c for c in self.commands[:first] if not hit(c))
        kept_after = tuple(c for c in self.commands[first:] if not hit(c))
        return Modelfile(kept_before + new + kept_after)


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


def _parse_commands(text: str) -> list[Command]:
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


def parse_modelfile(text: str) -> Modelfile:
    """Parse Modelfile text. Raises `ModelfileError` (with line and column)."""
    commands = _parse_commands(text)
    if not any(c.kind == "from" for c in commands):
        raise _error(
            "no FROM line (every Modelfile needs one)",
            "FROM 줄이 없습니다 (Modelfile에는 반드시 필요합니다)",
            1,
            1,
        )
    return Modelfile(tuple(commands))


def decode_modelfile(data: bytes) -> str:
    """Bytes to text as Ollama reads them: a UTF-8 or UTF-16 byte-order mark picks the
    encoding (Windows Notepad's "Unicode"), otherwise UTF-8 with bad bytes replaced."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _head(command: Command) -> str:
    if command.kind == "parameter":
        return f"PARAMETER {command.name}"
    if command.kind == "message":
        return f"MESSAGE {command.name}"
    return command.kind.upper()


def _render_command(command: Command) -> str:
    head = _head(command)
    candidates = [command.value, f'"""{command.value}"""', f'"{command.value}"']
    for candidate in candidates:
        line = f"{head} {candidate}\n"
        try:
            if _parse_commands(line) == [command]:
                return line
        except ModelfileError:
            continue
    if command.kind == "template" and '"""' in command.value:
        escaped = command.value.replace('"""', TEMPLATE_TRIPLE_QUOTE)
        return _render_command(Command("template", escaped))
    raise _error(
        f"{head} cannot be written as a Modelfile value: {command.value[:40]!r}… (a line "
        "ends with a quote that would close it early, or it holds unprintable characters)",
        f"{head} 값을 Modelfile로 쓸 수 없습니다: 줄 끝의 따옴표가 값을 일찍 닫거나 "
        "출력할 수 없는 문자가 들어 있습니다",
        command.line or 1,
        command.column or 1,
    )


def render_modelfile(modelfile: Modelfile) -> str:
    """The canonical text: one instruction per command, upper-case, values quoted only
    when they must be. A TEMPLATE whose text cannot be quoted has its `\"\"\"` written
    as the Go action `TEMPLATE_TRIPLE_QUOTE`, which prints the same. Other values
    that cannot be quoted raise `ModelfileError`."""
    return "".join(_render_command(c) for c in modelfile.commands)
