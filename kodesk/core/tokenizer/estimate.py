"""A token-count estimate by script, for when the model's vocabulary is not available.

Each character adds a share of a token according to its class; the sum is raised by
a safety margin so the estimate errs on the high side (a prompt planned too large is
split or given a bigger context; one planned too small is silently cut by Ollama).

Calibration (`python benchmarks/bench_tokenizer.py --calibrate` repeats it): a
least-squares fit of tokens per character of each class over ~200 lines (the parity
corpus `tests/core/data/tokenizer_corpus.json`, Korean news-style text, English, and
digit/Hanja/emoji/punctuation runs), for two real vocabularies:

| class  | Gemma 3 (SentencePiece, 262k) | byte-level BPE (trained, Korean+English) | used |
|--------|------|------|------|
| hangul | 0.53 | 1.06 | 1.06 |
| latin  | 0.12 | 0.00* | 0.35 |
| digit  | 1.09 | 0.92 | 1.10 |
| space  | 0.59 | 0.64 | 0.64 |
| punct  | 0.50 | 0.93 | 0.93 |
| han    | 1.38 | 2.20 | 2.20 |
| other  | 0.78 | 2.14 | 2.14 |

*the fit gives English words' cost to the space before them; Latin is set to 0.35
(one token per 2.9 letters; GPT-style vocabularies need ~0.25). Each class takes
the larger vocabulary's number, then `SAFETY_MARGIN` and `SAFETY_TOKENS` are added; the
tests check that the estimate is at least the exact count for both vocabularies on
every corpus line and on random mixed text. For Gemma this over-counts Korean about
twice: an estimate plans conservatively, and is shown as an estimate.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import add


class CharClass(Enum):
    HANGUL = "hangul"
    LATIN = "latin"
    DIGIT = "digit"
    SPACE = "space"
    PUNCT = "punct"
    HAN = "han"
    OTHER = "other"


#: Tokens per character of each class (the larger of the calibrated vocabularies).
RATIOS: dict[CharClass, float] = {
    CharClass.HANGUL: 1.06,
    CharClass.LATIN: 0.35,
    CharClass.DIGIT: 1.10,
    CharClass.SPACE: 0.64,
    CharClass.PUNCT: 0.93,
    CharClass.HAN: 2.20,
    CharClass.OTHER: 2.14,
}

#: The sum of the ratios is multiplied by this, then rounded up.
SAFETY_MARGIN = 1.3
#: Added to every non-empty estimate (BOS and small-text rounding).
SAFETY_TOKENS = 2

ESTIMATE_ID = -1

#: Class counts of lines up to this long are cached, at most `LINE_CACHE_LIMIT` of
#: them: planning counts each line of a long text about three times (the whole
#: prompt, runs of lines, the chunk prompts). Only texts whose lines are this long
#: on average go line by line (many short lines cost more calls than they save).
CACHED_LINE_MAX_CHARS = 1024
LINE_CACHE_LIMIT = 2048
MIN_AVERAGE_LINE = 64

#: Characters of each class, in `CharClass` order.
ClassCounts = tuple[int, ...]
_SPACE_INDEX = list(CharClass).index(CharClass.SPACE)

# The classes (`CharClass`), counted with C-speed primitives instead of a loop over
# the characters. A character is Hangul (syllables and jamo, `script.is_hangul`); else,
# when ASCII, a letter, a digit, whitespace (`str.isspace`) or punctuation; else
# whitespace, Han (`script.is_han`), a Latin letter below U+0250 or other.
#
# U+0000-U+00FF are counted in the text's Latin-1 bytes (`bytes.translate` deletes a
# class; the length difference is its count). U+0100-U+FFFF by the high byte of the
# code point (every 256-character block lies wholly in one class except a few: there
# the low byte decides, by and-ing 0/1 masks of both bytes as integers). Characters
# beyond U+FFFF are rare; they are counted apart with a regular expression.
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7A3), (0xD7B0, 0xD7FF))
_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
_WIDE_SPACES = (
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)
_ASTRAL_RUNS = re.compile("[\U00010000-\U0010ffff]+")
_ASTRAL_HAN_RUNS = re.compile("[\U00020000-\U0002fa1f]+")


def _table(members: set[int]) -> bytes:
    """A `bytes.translate` table mapping `members` to 1 and every other byte to 0."""
    return bytes(1 if b in members else 0 for b in range(256))


@dataclass(frozen=True)
class _Blocks:
    """The characters of one class within U+0100-U+FFFF, by 256-character block."""

    #: High bytes of the blocks wholly in the class.
    whole: bytes
    #: Blocks partly in it: (high byte, its 0/1 table, the 0/1 table of the low bytes).
    partial: tuple[tuple[int, bytes, bytes], ...]

    @classmethod
    def of(cls, ranges: Iterable[tuple[int, int]]) -> _Blocks:
        lows: dict[int, set[int]] = {}
        for first, last in ranges:
            for high in range(first >> 8, (last >> 8) + 1):
                start = first & 0xFF if high == first >> 8 else 0
                end = last & 0xFF if high == last >> 8 else 0xFF
                lows.setdefault(high, set()).update(range(start, end + 1))
        whole = bytes(sorted(h for h, s in lows.items() if len(s) == 256))
        partial = tuple(
            (h, _table({h}), _table(s)) for h, s in sorted(lows.items()) if len(s) < 256
        )
        return cls(whole, partial)

    def count(self, highs: bytes, lows: bytes) -> int:
        """How many characters (given by their high and low bytes) are in the class."""
        n = _hits(highs, self.whole) if self.whole else 0
        for high, high_table, low_table in self.partial:
            if high in highs:
                both = int.from_bytes(highs.translate(high_table), "big") & int.from_bytes(
                    lows.translate(low_table), "big"
                )
                n += both.bit_count()
        return n


@dataclass(frozen=True)
class _Tables:
    #: Latin-1 bytes of each class (letters include the accented ones).
    letters: bytes
    digits: bytes
    spaces: bytes
    punct: bytes
    hangul: _Blocks
    han: _Blocks
    wide_spaces: _Blocks
    #: Latin letters U+0100-U+024F.
    accented: _Blocks


@functools.cache
def _tables() -> _Tables:
    ascii_ = [chr(b) for b in range(128)]
    latin1 = [chr(b) for b in range(256)]
    letters = [
        ch
        for ch in latin1
        if ch.isalpha()
        if ch.isascii() or unicodedata.category(ch).startswith("L")
    ]
    accented = [c for c in range(0x100, 0x250) if unicodedata.category(chr(c)).startswith("L")]
    return _Tables(
        letters="".join(letters).encode("latin-1"),
        digits=b"0123456789",
        spaces="".join(ch for ch in latin1 if ch.isspace()).encode("latin-1"),
        punct="".join(ch for ch in ascii_ if not (ch.isalnum() or ch.isspace())).encode(),
        hangul=_Blocks.of(_HANGUL),
        han=_Blocks.of(_HAN),
        wide_spaces=_Blocks.of(_WIDE_SPACES),
        accented=_Blocks.of((c, c) for c in accented),
    )


def _hits(data: bytes, members: bytes) -> int:
    """How many bytes of `data` are among `members`."""
    return len(data) - len(data.translate(None, members))


def _class_tuple(text: str) -> ClassCounts:
    """Characters of each class, in `CharClass` order."""
    n = len(text)
    t = _tables()
    low = text.encode("latin-1", "ignore")
    letters, digits = _hits(low, t.letters), _hits(low, t.digits)
    spaces, punct = _hits(low, t.spaces), _hits(low, t.punct)
    hangul = han = 0
    if len(low) < n:
        wide = text.encode("utf-32-be", "surrogatepass")  # lone surrogates stay apart
        if wide[1::4].count(0) < n:
            return _with_astral(text)
        highs, lows = wide[2::4], wide[3::4]
        hangul, han = t.hangul.count(highs, lows), t.han.count(highs, lows)
        spaces += t.wide_spaces.count(highs, lows)
        letters += t.accented.count(highs, lows)
    other = n - hangul - letters - digits - spaces - punct - han
    return hangul, letters, digits, spaces, punct, han, other


def _with_astral(text: str) -> ClassCounts:
    """`_class_tuple` of a text with characters beyond U+FFFF (Han or other)."""
    astral = "".join(_ASTRAL_RUNS.findall(text))
    hangul, letters, digits, spaces, punct, han, other = _class_tuple(_ASTRAL_RUNS.sub("", text))
    astral_han = len(astral) - len(_ASTRAL_HAN_RUNS.sub("", astral))
    return (
        hangul,
        letters,
        digits,
        spaces,
        punct,
        han + astral_han,
        other + len(astral) - astral_han,
    )


def class_counts(text: str) -> dict[CharClass, int]:
    """How many characters of each class `text` holds."""
    return dict(zip(CharClass, _class_tuple(text), strict=True))


class EstimateTokenizer:
    """An over-counting estimate; `is_estimate` is True and ids are placeholders.

    `encode` returns `count(text)` copies of `ESTIMATE_ID` (-1) so that
    `len(encode(t)) == count(t)` holds like for the exact tokenizers; `pieces` of
    them are empty.
    """

    is_estimate = True

    def __init__(
        self,
        name: str = "estimate by script",
        ratios: dict[CharClass, float] | None = None,
        margin: float = SAFETY_MARGIN,
    ) -> None:
        self.name = name
        table = RATIOS if ratios is None else ratios
        self._ratio_tuple = tuple(table[c] for c in CharClass)
        self._margin = margin
        self._lines: dict[str, ClassCounts] = {}

    def count(self, text: str) -> int:
        if not text:
            return 1
        ratios = self._ratio_tuple
        raw = sum(ratios[i] * n for i, n in enumerate(self._classes(text)))
        return math.ceil(raw * self._margin) + SAFETY_TOKENS

    def _classes(self, text: str) -> ClassCounts:
        """`_class_tuple(text)`, line by line through the cache when lines are long."""
        breaks = text.count("\n")
        if not breaks or len(text) < MIN_AVERAGE_LINE * (breaks + 1):
            return _class_tuple(text)
        cache = self._lines
        totals = [0] * len(CharClass)
        totals[_SPACE_INDEX] = breaks
        for line in text.split("\n"):
            counts = cache.get(line)
            if counts is None:
                counts = _class_tuple(line)
                if len(line) <= CACHED_LINE_MAX_CHARS:
                    if len(cache) >= LINE_CACHE_LIMIT:
                        cache.clear()
                    cache[line] = counts
            totals = list(map(add, totals, counts))
        return tuple(totals)

    def encode(self, text: str, *, add_special: bool = True) -> list[int]:
        return [ESTIMATE_ID] * self.count(text)

    def pieces(self, ids: Sequence[int]) -> list[bytes]:
        return [b""] * len(ids)
