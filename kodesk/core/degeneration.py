"""Spotting a degenerate answer while it streams, so it is stopped instead of running on.

A model that cannot follow the request (a base model, a wrong template) tends to fail
in one of three ways, each caught by `DegenerationDetector.feed`:

- the same sentence over and over ("나는 지금이 가장 행복한 날이다." ×3);
- a loop without sentence ends: the last `loop_window` characters repeat with a period
  of at most half that window (so at least three copies of the repeating piece);
- the prompt echoed back: the answer starts by reproducing kodesk's own instruction
  text or its markup (the `<글>` tag around the input), or by copying the input text
  verbatim.

Work per delta is proportional to the delta (the loop check runs once every
`loop_every` characters over a bounded tail), and memory is bounded: a tail of the
answer, a capped table of sentence fingerprints, the instruction's shingles, and the
normalized input text.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kodesk.core.errors import KodeskError, Text
from kodesk.core.instruction_guard import recommended_fix
from kodesk.core.tasks import Task
from kodesk.core.types import ChatMessage

Kind = Literal["repeated_sentence", "loop", "echo"]

#: Characters that end a sentence (a line break ends one too).
_SENTENCE_END = re.compile(r"[.?!。？！…\n]+")
_SPACE = re.compile(r"\s+")
#: A task template's placeholder (`{text}`, `{model}`, …).
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
#: A markup tag in kodesk's prompt (`<글>`, `</text>`): an answer opening with one is the
#: prompt being continued, not answered.
_TAG = re.compile(r"</?[^\s<>/]{1,24}>")


@dataclass(frozen=True)
class DegenerationLimits:
    #: How often one sentence may appear before the answer counts as repeating.
    sentence_repeats: int = 3
    #: Sentences with fewer letters than this are ignored ("네.", "1.", "---").
    sentence_min_letters: int = 6
    #: Distinct sentences remembered (the oldest are forgotten).
    sentences_kept: int = 512
    #: The tail checked for a loop; loops have a period of at most half of it.
    loop_window: int = 200
    #: Characters between two loop checks.
    loop_every: int = 16
    #: Copied characters of kodesk's instruction that count as an echo (or a whole piece
    #: of it between two parts of the input, if shorter but at least `instruction_min`).
    instruction_echo: int = 24
    instruction_min: int = 12
    #: How many characters into the answer (whitespace removed) a copied instruction may start.
    echo_offset: int = 16
    #: The answer's start is cut into `source_pieces` pieces of `source_piece` characters
    #: (whitespace removed); when `source_copied` of them occur in the input, it is a copy
    #: (a copy that skips a sentence or adds a tag still counts).
    source_piece: int = 12
    source_pieces: int = 16
    source_copied: int = 10


DEFAULT_LIMITS = DegenerationLimits()


@dataclass(frozen=True)
class Degeneration:
    """What went wrong (`kind`), a short `sample` of the repeated text, and the message."""

    kind: Kind
    sample: str
    message: Text

    def error(self, engine_kind: str) -> DegenerateAnswer:
        """The error to end the job with, its hint naming a model that works on `engine_kind`."""
        return DegenerateAnswer(self, recommended_fix(engine_kind))


class DegenerateAnswer(KodeskError):
    """The answer was stopped because the model kept repeating itself or the prompt."""

    code = "degenerate"
    fix = "instruction_model"

    def __init__(self, degeneration: Degeneration, fix: Text) -> None:
        super().__init__(degeneration.message, fix)
        self.degeneration = degeneration


def _normalize(text: str) -> str:
    """Casefolded, with all whitespace removed (line wrapping does not hide a copy)."""
    return _SPACE.sub("", text).casefold()


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _short(text: str, size: int = 60) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= size else text[: size - 1] + "…"


class DegenerationDetector:
    """Feed every answer delta to `feed`; it returns a `Degeneration` once, then None.

    `instructions`: kodesk's own prompt text (system prompt, the task's wording without
    the input). `source`: the input text, when a verbatim copy of it is never a good
    answer (pass "" for tasks that rewrite the input, e.g. proofreading).
    """

    def __init__(
        self,
        instructions: Sequence[str] = (),
        source: str = "",
        limits: DegenerationLimits = DEFAULT_LIMITS,
    ) -> None:
        self.limits = limits
        self.found: Degeneration | None = None
        self._shingles: set[str] = set()
        #: Shingle lengths: `instruction_echo`, or a whole shorter piece of the instruction.
        self._sizes: set[int] = set()
        for text in instructions:
            norm = _normalize(text)
            size = min(limits.instruction_echo, len(norm))
            if size >= limits.instruction_min:
                self._sizes.add(size)
                self._shingles.update(norm[i : i + size] for i in range(len(norm) - size + 1))
        self._tags = {_normalize(tag) for text in instructions for tag in _TAG.findall(text)}
        self._source = _normalize(source)
        self._pieces_checked = self._pieces_copied = 0
        self._tail = ""
        self._since_loop_check = 0
        self._sentence = ""
        self._sentences: OrderedDict[str, int] = OrderedDict()
        self._echo_prefix = ""
        self._echo_span = max(
            limits.instruction_echo + limits.echo_offset, limits.source_piece * limits.source_pieces
        )
        self._echo_done = not self._shingles and not self._tags and not self._source

    def feed(self, delta: str) -> Degeneration | None:
        """Take the next piece of the answer; a `Degeneration` when it just became degenerate."""
        if self.found is not None or not delta:
            return None
        self.found = self._echo(delta) or self._sentences_of(delta) or self._loop(delta)
        return self.found

    # -- the prompt echoed back ---------------------------------------------------------
    def _echo(self, delta: str) -> Degeneration | None:
        if self._echo_done:
            return None
        limits = self.limits
        before = len(self._echo_prefix)
        self._echo_prefix = (self._echo_prefix + _normalize(delta))[: self._echo_span]
        prefix = self._echo_prefix
        self._echo_done = len(prefix) >= self._echo_span
        tag = next((t for t in self._tags if t in prefix[: limits.echo_offset + len(t)]), None)
        if tag is not None:
            return self._degenerate(
                "echo",
                tag,
                Text(
                    ko=f"모델이 답하지 않고 kodesk 프롬프트의 {tag} 표시부터 글을 이어 써서 "
                    "멈췄습니다.",
                    en=f"The model continued kodesk's prompt (from its {tag} tag) instead of "
                    "answering; stopped.",
                ),
            )
        copied = next(
            (
                prefix[start : start + size]
                for size in self._sizes
                for start in range(
                    max(0, before - size + 1), min(limits.echo_offset, len(prefix) - size) + 1
                )
                if prefix[start : start + size] in self._shingles
            ),
            None,
        )
        if copied is not None:
            return self._degenerate(
                "echo",
                copied,
                Text(
                    ko="모델이 답하지 않고 kodesk의 지시문을 그대로 되풀이해서 멈췄습니다.",
                    en="The model repeated kodesk's instruction instead of answering; stopped.",
                ),
            )
        return self._copied_source(prefix)

    def _copied_source(self, prefix: str) -> Degeneration | None:
        limits = self.limits
        size = limits.source_piece
        while (
            self._source
            and self._pieces_checked < limits.source_pieces
            and (self._pieces_checked + 1) * size <= len(prefix)
        ):
            start = self._pieces_checked * size
            self._pieces_checked += 1
            if prefix[start : start + size] in self._source:
                self._pieces_copied += 1
        if self._pieces_copied < limits.source_copied:
            return None
        return self._degenerate(
            "echo",
            _short(prefix),
            Text(
                ko="모델이 답하지 않고 입력한 글을 그대로 베껴 써서 멈췄습니다.",
                en="The model copied the input text instead of answering; stopped.",
            ),
        )

    # -- the same sentence again and again --------------------------------------------
    def _sentences_of(self, delta: str) -> Degeneration | None:
        pieces = _SENTENCE_END.split(self._sentence + delta)
        self._sentence = pieces.pop()[-self.limits.loop_window :]
        for piece in pieces:
            found = self._count(piece)
            if found is not None:
                return found
        return None

    def _count(self, sentence: str) -> Degeneration | None:
        limits = self.limits
        if _letters(sentence) < limits.sentence_min_letters:
            return None
        key = _normalize(sentence)
        count = self._sentences.pop(key, 0) + 1
        self._sentences[key] = count
        if len(self._sentences) > limits.sentences_kept:
            self._sentences.popitem(last=False)
        if count < limits.sentence_repeats:
            return None
        return self._degenerate(
            "repeated_sentence",
            _short(sentence),
            Text(
                ko=f"모델이 같은 문장을 {count}번 되풀이해서 멈췄습니다: “{_short(sentence)}”",
                en=f"The model is repeating itself ({count} times: “{_short(sentence)}”); stopped.",
            ),
        )

    # -- a loop without sentence ends ---------------------------------------------------
    def _loop(self, delta: str) -> Degeneration | None:
        window = self.limits.loop_window
        self._tail = (self._tail + delta)[-(window + window // 2) :]
        self._since_loop_check += len(delta)
        if self._since_loop_check < self.limits.loop_every or len(self._tail) <= window:
            return None
        self._since_loop_check = 0
        tail = self._tail
        last = tail[-window:]
        for period in range(1, min(window // 2, len(tail) - window) + 1):
            if tail[-window - period : -period] == last:
                piece = last[-period:]
                return self._degenerate(
                    "loop",
                    _short(piece),
                    Text(
                        ko=f"모델이 같은 말을 끝없이 되풀이해서 멈췄습니다: “{_short(piece)}”",
                        en=f"The model is repeating itself in a loop (“{_short(piece)}”); stopped.",
                    ),
                )
        return None

    def _degenerate(self, kind: Kind, sample: str, what: Text) -> Degeneration:
        return Degeneration(
            kind,
            sample,
            Text(
                ko=f"{what.ko} 이 모델은 지시를 따르지 못하는 모델일 수 있습니다.",
                en=f"{what.en} This model may not follow instructions.",
            ),
        )


def detector_for(task: Task, text: str, messages: Sequence[ChatMessage]) -> DegenerationDetector:
    """A detector for one model call: `messages` as sent, `text` the input they carry.

    The instruction is the task's wording without its placeholders (so a good answer
    restating the filled-in facts, such as a token count, is not an echo), or, for a task
    that builds its wording in code (translation), the messages with the input cut out.
    A copy of the input counts as an echo only for built-in tasks (a custom task may ask
    to rewrite the text).
    """
    wording = [part for part in _PLACEHOLDER.split(task.template) if part.strip()]
    if wording:
        instructions = [task.system, *wording]
    else:
        instructions = [
            part for m in messages for part in (m.content.split(text) if text else [m.content])
        ]
    return DegenerationDetector(instructions, text if task.builtin else "")
