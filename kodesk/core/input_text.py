"""Reads, checks and cleans input text before anything is sent to a model.

Bad input gets a clear message and no request: empty or whitespace-only text, a
clipboard with no text at all (an image), text so large that no model could take it,
and bytes that are not text (binary data, or another encoding than UTF-8). NUL bytes
and lone surrogates are removed, not rejected, and each change is noted.

`read_text_stream` reads a file or a pipe incrementally: it never holds more than
`MAX_CHARS` characters (plus one read block), so `/dev/zero`, an endless pipe or a
20 MB file ends with a message at the cap instead of filling the memory.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO

from kodesk.core.errors import InputRejected, Text

#: Beyond this many characters kodesk refuses outright (5 MB of text is ~1.7M Hangul).
MAX_CHARS = 2_000_000
#: Bytes `read_text_stream` asks for at a time.
READ_BLOCK = 64 * 1024
#: Input in which invalid UTF-8 bytes, or binary control characters (NUL and the like),
#: are more than this share of the characters (and more than one) is refused as not text.
BINARY_SHARE = 0.01
#: From this many characters on, the share is judged while reading (so binary data is
#: refused after the first block, not at the cap).
BINARY_SAMPLE = 4096

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Control characters that do not occur in text files (tab, newlines, form feed and
#: ESC, which coloured terminal output carries, are left out).
_BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


@dataclass(frozen=True)
class CleanInput:
    text: str
    #: What was removed or changed, for a note in the window ("NUL bytes removed").
    notes: tuple[Text, ...] = ()


def _too_long(count_ko: str, count_en: str) -> InputRejected:
    return InputRejected(
        Text(
            ko=f"글이 너무 깁니다 ({count_ko}자, 최대 {MAX_CHARS:,}자).",
            en=f"The text is too long ({count_en} characters, at most {MAX_CHARS:,}).",
        ),
        Text(ko="필요한 부분만 선택해 복사하세요.", en="Copy only the part you need."),
    )


class _Tally:
    """Characters read so far, and how many of them were invalid bytes or binary controls."""

    def __init__(self, source: Text) -> None:
        self.source = source
        self.chars = 0
        self.invalid = 0
        self.controls = 0

    def add(self, part: str) -> str:
        """Count `part` and return it with each invalid byte replaced by U+FFFD."""
        self.chars += len(part)
        self.controls += _BINARY_CONTROL.subn("", part)[1]
        replaced, invalid = _SURROGATES.subn("\ufffd", part)
        self.invalid += invalid
        return replaced

    def check(self, *, final: bool) -> None:
        if self.chars > MAX_CHARS:
            raise _too_long(f"{MAX_CHARS:,}자 넘음", f"over {MAX_CHARS:,}")
        if not final and self.chars < BINARY_SAMPLE:
            return
        limit = max(BINARY_SHARE * self.chars, 1)
        if self.invalid > limit:
            raise self._not_utf8(self.invalid / self.chars)
        if self.controls > limit:
            raise self._binary(self.controls / self.chars)

    def _not_utf8(self, share: float) -> InputRejected:
        src = self.source
        return InputRejected(
            Text(
                ko=f"{src.ko}: UTF-8 글이 아닙니다 (잘못된 바이트 {share:.0%}). 이진 "
                "데이터이거나 CP949(EUC-KR) 같은 다른 인코딩입니다.",
                en=f"{src.en} is not UTF-8 text ({share:.0%} invalid bytes): binary "
                "data, or another encoding such as CP949 (EUC-KR).",
            ),
            Text(
                ko="글 파일을 주거나, 먼저 UTF-8로 바꾸세요: iconv -f cp949 -t utf-8 파일",
                en="Give a text file, or convert it to UTF-8 first: iconv -f cp949 -t utf-8 FILE",
            ),
        )

    def _binary(self, share: float) -> InputRejected:
        src = self.source
        return InputRejected(
            Text(
                ko=f"{src.ko}: 글이 아니라 이진 데이터로 보입니다 "
                f"(NUL 같은 제어 문자 {share:.0%}).",
                en=f"{src.en} looks like binary data, not text ({share:.0%} control "
                "characters such as NUL).",
            ),
            Text(ko="UTF-8 글 파일을 주세요.", en="Give a UTF-8 text file."),
        )

    def notes(self) -> tuple[Text, ...]:
        if not self.invalid:
            return ()
        return (
            Text(
                ko=f"UTF-8이 아닌 바이트 {self.invalid:,}개를 �로 바꿨습니다.",
                en=f"{self.invalid:,} invalid UTF-8 byte{'' if self.invalid == 1 else 's'} "
                "replaced by �.",
            ),
        )


def _decoder(head: bytes) -> codecs.IncrementalDecoder:
    """UTF-16 when the data starts with its byte-order mark (Windows "Unicode" text),
    else UTF-8 (a UTF-8 byte-order mark is dropped). Invalid bytes decode to lone
    surrogates (`surrogateescape`), one per byte, so they can be counted."""
    encoding = "utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    return codecs.getincrementaldecoder(encoding)("surrogateescape")


def read_text_stream(stream: BinaryIO, source: Text) -> CleanInput:
    """The text of `stream`, read block by block; `source` names it in messages
    ("The file a.txt", "Standard input").

    Raises InputRejected as soon as more than `MAX_CHARS` characters arrived, or when
    the data is not text (see `BINARY_SHARE`); nothing beyond the cap is read. Invalid
    bytes below that share become U+FFFD, with a note."""
    read = getattr(stream, "read1", None) or stream.read
    tally = _Tally(source)
    parts: list[str] = []
    decoder: codecs.IncrementalDecoder | None = None
    while True:
        block = read(READ_BLOCK)
        if decoder is None:
            decoder = _decoder(block)
        parts.append(tally.add(decoder.decode(block, final=not block)))
        tally.check(final=False)
        if not block:
            break
    tally.check(final=True)
    return CleanInput("".join(parts), tally.notes())


def check_input(text: str | None, *, had_other_content: bool = False) -> CleanInput:
    """Validate captured text; raises InputRejected with a message for the user.

    `had_other_content` is true when the clipboard held something that is not text
    (an image, files), which earns a more helpful message than "empty".
    """
    if text is None or text == "":
        if had_other_content:
            raise InputRejected(
                Text(
                    ko="클립보드에 글자가 아닌 내용(이미지 등)만 있습니다.",
                    en="The clipboard holds no text (only an image or other data).",
                ),
                Text(
                    ko="글을 선택해 복사(Ctrl+C)한 뒤 다시 누르세요.",
                    en="Select some text, copy it (Ctrl+C) and press the hotkey again.",
                ),
            )
        raise InputRejected(
            Text(ko="클립보드가 비어 있습니다.", en="The clipboard is empty."),
            Text(
                ko="글을 선택해 복사(Ctrl+C)한 뒤 다시 누르세요.",
                en="Select some text, copy it (Ctrl+C) and press the hotkey again.",
            ),
        )
    notes: list[Text] = []
    cleaned = _SURROGATES.sub("\ufffd", text)
    if cleaned != text:
        notes.append(
            Text(
                ko="깨진 문자(서로게이트)를 �로 바꿨습니다.",
                en="Broken characters (lone surrogates) were replaced by �.",
            )
        )
    without_control = _CONTROL.sub("", cleaned)
    if without_control != cleaned:
        notes.append(
            Text(
                ko="제어 문자(NUL 등)를 지웠습니다.",
                en="Control characters (NUL and the like) were removed.",
            )
        )
    cleaned = without_control.replace("\r\n", "\n").replace("\r", "\n")
    if not cleaned.strip():
        raise InputRejected(
            Text(ko="복사한 내용이 공백뿐입니다.", en="The copied text is only whitespace."),
            Text(
                ko="글을 선택해 복사한 뒤 다시 누르세요.",
                en="Select some text, copy it and press the hotkey again.",
            ),
        )
    if len(cleaned) > MAX_CHARS:
        raise _too_long(f"{len(cleaned):,}", f"{len(cleaned):,}")
    return CleanInput(cleaned.strip(), tuple(notes))
