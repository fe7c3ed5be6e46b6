"""Keeping the answer clean while it streams: no thinking text, no wrong script.

`ThinkFilter` removes `<think>…</think>` blocks from streamed text even when a tag is
split across deltas (`<thi` + `nk>`). `ScriptCheck` says whether an answer is written
in the script that was asked for (a Korean or English answer, not Chinese or
Japanese), so the runner can retry once with a firmer instruction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kodesk.core.script import hangul_share, is_han, is_hangul, is_kana
from kodesk.core.tasks import Task, TranslateTask
from kodesk.core.types import ChatMessage

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


class ThinkFilter:
    """Feeds streamed text in, gets visible text out; thinking blocks never come out.

    Leading whitespace of the answer (often left after a removed block) is dropped.
    An unclosed block at the end is dropped too: thinking is never shown.
    """

    def __init__(self) -> None:
        self._pending = ""
        self._inside = False
        self._started = False

    def feed(self, text: str) -> str:
        buf = self._pending + text
        out: list[str] = []
        while buf:
            if self._inside:
                end = buf.find(CLOSE_TAG)
                if end < 0:
                    keep = _partial_suffix(buf, CLOSE_TAG)
                    buf = buf[len(buf) - keep :] if keep else ""
                    break
                buf = buf[end + len(CLOSE_TAG) :]
                self._inside = False
                continue
            start = buf.find(OPEN_TAG)
            if start >= 0:
                out.append(buf[:start])
                buf = buf[start + len(OPEN_TAG) :]
                self._inside = True
                continue
            keep = _partial_suffix(buf, OPEN_TAG)
            out.append(buf[: len(buf) - keep])
            buf = buf[len(buf) - keep :]
            break
        self._pending = buf
        return self._visible("".join(out))

    def finish(self) -> str:
        """What is left at the end of the stream (a lone `<thi` was plain text)."""
        rest = "" if self._inside else self._pending
        self._pending = ""
        return self._visible(rest)

    def _visible(self, text: str) -> str:
        if not self._started:
            text = text.lstrip()
            self._started = bool(text)
        return text


Language = Literal["ko", "en"]


@dataclass(frozen=True)
class ScriptCheck:
    """The script an answer must be in. `strict` also rejects the other of ko/en."""

    language: Language
    strict: bool = False
    #: Fewer letters than this: too early to judge.
    min_letters: int = 8

    def is_wrong(self, answer: str) -> bool:
        letters = hangul = cjk = latin = 0
        for ch in answer:
            if not ch.isalpha():
                continue
            letters += 1
            if is_hangul(ch):
                hangul += 1
            elif is_han(ch) or is_kana(ch):
                cjk += 1
            elif ch.isascii():
                latin += 1
        if letters < self.min_letters:
            return False
        if cjk / letters > 0.3:
            return True
        if not self.strict:
            return False
        if self.language == "en":
            return hangul / letters > 0.5
        return hangul / letters < 0.2 and latin / letters > 0.5

    def firmer(self, messages: tuple[ChatMessage, ...]) -> tuple[ChatMessage, ...]:
        """The same request with an explicit language instruction added to the last turn."""
        note = FIRMER[self.language]
        *head, last = messages
        return (*head, ChatMessage(last.role, f"{last.content}\n\n{note}"))


FIRMER: dict[Language, str] = {
    "ko": "중요: 반드시 한국어(한글)로만 답하세요. 중국어 한자나 일본어를 쓰지 마세요.",
    "en": "Important: answer only in English. Do not use Chinese, Japanese or Korean.",
}


def expected_script(task: Task, text: str) -> ScriptCheck | None:
    """What script `task`'s answer to `text` should be in, if it can be told.

    A translation must be in its target language. Another task whose instructions are
    Korean should not answer in Chinese or Japanese (English is allowed: a Korean
    instruction may ask for it).
    """
    if isinstance(task, TranslateTask):
        return ScriptCheck(task.target_language(text), strict=True)
    instructions = task.system + task.template.replace("{text}", "")
    if hangul_share(instructions) >= 0.5:
        return ScriptCheck("ko")
    return None
