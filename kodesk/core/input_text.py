"""Checks and cleans captured text before anything is sent to a model.

Bad input gets a clear message and no request: empty or whitespace-only text, a
clipboard with no text at all (an image), or text so large that no model could take
it. NUL bytes and lone surrogates are removed, not rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kodesk.core.errors import InputRejected, Text

#: Beyond this many characters kodesk refuses outright (5 MB of text is ~1.7M Hangul).
MAX_CHARS = 2_000_000

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class CleanInput:
    text: str
    #: What was removed or changed, for a note in the window ("NUL bytes removed").
    notes: tuple[Text, ...] = ()


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
        raise InputRejected(
            Text(
                ko=f"글이 너무 깁니다 ({len(cleaned):,}자, 최대 {MAX_CHARS:,}자).",
                en=f"The text is too long ({len(cleaned):,} characters, at most {MAX_CHARS:,}).",
            ),
            Text(ko="필요한 부분만 선택해 복사하세요.", en="Copy only the part you need."),
        )
    return CleanInput(cleaned.strip(), tuple(notes))
