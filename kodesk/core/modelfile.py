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
Parsing takes time linear in the text: the parser steps over whole runs (blanks,
comments, words) and finds the end of each value with one regex search.

`render_modelfile` writes the canonical form; parsing it gives the same Modelfile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from kodesk.core.errors import KodeskError, Text
from kodesk.core.regular_file import NotRegularFile, open_regular_file

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


_SYNTAX_HINT = Text(
    ko="Ollama Modelfile 문법: https://github.com/ollama/ollama/blob/main/docs/modelfile.md",
    en="Modelfile syntax: https://github.com/ollama/ollama/blob/main/docs/modelfile.md",
)


class ModelfileError(KodeskError):
    """A Modelfile that Ollama would reject, that cannot be written, or that cannot be
    read. `line`/`column` are 1-based, or 0 when the problem has no position (the file
    itself, a FROM path)."""

    code = "modelfile"

    def __init__(
        self, detail: Text, line: int = 0, column: int = 0, hint: Text | None = None
    ) -> None:
        where = f" {line}:{column}" if line else ""
        super().__init__(
            Text(ko=f"Modelfile{where}: {detail.ko}", en=f"Modelfile{where}: {detail.en}"),
            hint or _SYNTAX_HINT,
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
_BLANKS_AND_COMMENT = re.compile(r"[ \t\r\n]*(?:#[^\r\n]*)?")
_LINE_BREAK = re.compile(r"[\r\n]")
_LETTERS = re.compile(r"[A-Za-z]*")
_NAME_CHARS = re.compile(r"[A-Za-z0-9_]*")


def _match_end(pattern: re.Pattern[str], text: str, index: int) -> int:
    match = pattern.match(text, index)
    return match.end() if match else index


def _error(en: str, ko: str, line: int, column: int) -> ModelfileError:
    return ModelfileError(Text(ko=ko, en=en), line, column)


class _Positions:
    """Line and column (1-based, a CRLF is one line break) of indices into a text,
    asked for in increasing order, so finding them all costs one pass over the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0
        self.line = 1
        self.column = 1

    def at(self, index: int) -> tuple[int, int]:
        if index < self.index:
            self.index, self.line, self.column = 0, 1, 1
        if index > self.index:
            chunk = self.text[self.index : index]
            breaks = chunk.count("\n") + chunk.count("\r") - chunk.count("\r\n")
            if chunk[0] == "\n" and self.index > 0 and self.text[self.index - 1] == "\r":
                breaks -= 1
            last = max(chunk.rfind("\n"), chunk.rfind("\r"))
            self.line += breaks
            self.column = len(chunk) - last if last >= 0 else self.column + len(chunk)
            self.index = index
        return self.line, self.column


class _Parser:
    """The state machine of parser.go, stepping over whole runs of characters (blanks,
    comments, words, values) that cannot change its state: linear in the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions = _Positions(text)
        self.commands: list[Command] = []
        # Values drop the unprintable characters (but tab, CR and LF) of this text
        # (Python's `str.isprintable` is Go's `strconv.IsPrint`); the closing quote of
        # a value may have such characters around it.
        junk = re.escape("".join(c for c in set(text) if not c.isprintable() and c not in "\t\r\n"))
        self.junk = re.compile(f"[{junk}]+") if junk else None
        between = f"[{junk}]*" if junk else ""
        blanks = f"[ \t{junk}]*[\r\n]"
        self.closers = {
            '"': re.compile('"' + blanks),
            '"""': re.compile(f'"{between}"{between}"' + blanks),
        }

    def parse(self) -> list[Command]:
        text = self.text
        index = 0
        while True:
            skipped = _match_end(_BLANKS_AND_COMMENT, text, index)
            if skipped == len(text):
                return self.commands
            index = self._command(index) if skipped == index else skipped

    def _end_of_file(self) -> ModelfileError:
        return _error(
            "unexpected end of file",
            "파일이 예상보다 일찍 끝났습니다",
            *self.positions.at(len(self.text)),
        )

    def _run(self, pattern: re.Pattern[str], index: int) -> tuple[str, int]:
        """The run of `pattern` from `index` and the index of the character after it."""
        end = _match_end(pattern, self.text, index)
        if end == len(self.text):
            raise self._end_of_file()
        return self.text[index:end], end

    def _command(self, index: int) -> int:
        start = self.positions.at(index)
        first = self.text[index]
        letters, end = self._run(_LETTERS, index + 1)
        word = (first if first.isprintable() else "") + letters
        if word.lower() not in INSTRUCTIONS:
            raise _error(
                f"unknown instruction {word!r} (valid: FROM, PARAMETER, TEMPLATE, SYSTEM, "
                "ADAPTER, LICENSE, MESSAGE)",
                f"알 수 없는 명령 {word!r} (FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER, LICENSE, "
                "MESSAGE 중 하나여야 합니다)",
                *start,
            )
        char = self.text[end]
        if char not in _SPACE:
            what = "a value" if char in _NEWLINE else "a space after the instruction"
            raise _error(
                f"{word.upper()} needs {what}",
                f"{word.upper()} 뒤에 값이 필요합니다",
                *self.positions.at(end),
            )
        kind = _KINDS[word.lower()]
        name = ""
        if kind == "parameter":
            name, end = self._parameter_name(end + 1)
        elif kind == "message":
            name, end = self._role(end + 1)
        value, after = self._value(end + 1)
        self.commands.append(Command(kind, value, name, *start))
        return after

    def _parameter_name(self, index: int) -> tuple[str, int]:
        name, end = self._run(_NAME_CHARS, index)
        char = self.text[end]
        if char in _SPACE:
            return name, end
        if char in _NEWLINE:
            raise _error(
                f"PARAMETER {name} needs a value",
                f"PARAMETER {name} 뒤에 값이 필요합니다",
                *self.positions.at(end),
            )
        raise _error(
            f"invalid character {char!r} in a parameter name",
            f"매개변수 이름에 쓸 수 없는 문자 {char!r}",
            *self.positions.at(end),
        )

    def _role(self, index: int) -> tuple[str, int]:
        role, end = self._run(_LETTERS, index)
        if self.text[end] not in _SPACE or role not in MESSAGE_ROLES:
            raise _error(
                f"MESSAGE role must be system, user or assistant (got {role!r})",
                f"MESSAGE 역할은 system, user, assistant 중 하나여야 합니다 ({role!r})",
                *self.positions.at(end),
            )
        return role, end

    def _kept(self, segment: str) -> str:
        """`segment` without the characters a value drops."""
        return self.junk.sub("", segment) if self.junk else segment

    def _value(self, index: int) -> tuple[str, int]:
        """The value from `index` and the index after the line break that ends it.

        Go's parser ends a value at the first line break where the value so far,
        trimmed, is unquoted or opens and closes with its quote. The opening quote is
        on the value's first line; the closing one is the first quote after it that
        only blanks (and dropped characters) separate from a line break - one regex
        search, however long the value (re-reading the value at every line made a
        long TEMPLATE quadratic)."""
        text = self.text
        found = _LINE_BREAK.search(text, index)
        end = found.start() if found else len(text)
        body = self._kept(text[index:end]).lstrip(_SPACE)
        quote = '"""' if body.startswith('"""') else '"' if body.startswith('"') else ""
        if quote:
            closing = self.closers[quote].search(text, self._after_quote(index, len(quote)))
            end = closing.end() - 1 if closing else len(text)
        value, closed = _unquote(self._kept(text[index:end]).strip(_TRIM))
        if not closed:
            raise _error(
                "a quoted value is never closed",
                "따옴표로 시작한 값이 닫히지 않았습니다",
                *self.positions.at(index),
            )
        return value, min(end + 1, len(text))

    def _after_quote(self, index: int, quotes: int) -> int:
        """The index after the `quotes`-th `"` from `index` (only blanks and dropped
        characters come before and between them)."""
        seen = 0
        while seen < quotes:
            seen += self.text[index] == '"'
            index += 1
        return index


def _parse_commands(text: str) -> list[Command]:
    return _Parser(text.removeprefix("\ufeff")).parse()


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


#: The largest Modelfile kodesk reads (a long TEMPLATE and LICENSE are tens of KB).
MAX_MODELFILE_BYTES = 4 << 20

_TEXT_HINT = Text(
    ko="Modelfile은 UTF-8(또는 BOM이 있는 UTF-16) 텍스트 파일이어야 합니다. 메모장에서 "
    "'UTF-8'로 다시 저장하세요.",
    en="A Modelfile is a UTF-8 text file (or UTF-16 with a byte-order mark). Save it "
    "again as UTF-8.",
)


def decode_modelfile(data: bytes) -> str:
    """Bytes to text as Ollama reads them: a UTF-8 or UTF-16 byte-order mark picks the
    encoding (Windows Notepad's "Unicode"), otherwise UTF-8; bad bytes, a lone surrogate
    or an odd last byte become U+FFFD. A NUL byte raises `ModelfileError` (with its
    line and column): the file is binary or UTF-16 without a byte-order mark."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    nul = text.find("\0")
    if nul >= 0:
        raise ModelfileError(
            Text(
                ko="NUL 바이트가 있습니다: 바이너리 파일이거나 BOM 없는 UTF-16 파일입니다",
                en="a NUL byte: this is a binary file or UTF-16 without a byte-order mark",
            ),
            *_Positions(text).at(nul),
            hint=_TEXT_HINT,
        )
    return text


def read_modelfile(path: str | Path) -> str:
    """The text of the Modelfile at `path` (see `decode_modelfile`). Refuses, without
    blocking, anything but a regular file of at most `MAX_MODELFILE_BYTES`; every
    failure is a one-line `ModelfileError`."""

    def fail(ko: str, en: str) -> ModelfileError:
        return ModelfileError(Text(ko=f"{path}: {ko}", en=f"{path}: {en}"), hint=_TEXT_HINT)

    try:
        with open_regular_file(path) as handle:
            data = handle.read(MAX_MODELFILE_BYTES + 1)
    except NotRegularFile as exc:
        raise fail(
            f"{exc.kind.ko}입니다. Modelfile이 아닙니다", f"{exc.kind.en}, not a Modelfile"
        ) from None
    except (OSError, ValueError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        raise fail(f"읽을 수 없습니다 ({detail})", f"cannot read it ({detail})") from None
    if len(data) > MAX_MODELFILE_BYTES:
        limit = f"{MAX_MODELFILE_BYTES >> 20} MB"
        raise fail(f"{limit}보다 큽니다", f"larger than {limit}; no Modelfile is that big")
    return decode_modelfile(data)


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
