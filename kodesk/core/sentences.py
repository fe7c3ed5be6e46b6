"""Splitting Korean (and mixed) text into sentences without losing a single character.

`split_sentences` returns pieces whose concatenation is exactly the input: every
piece keeps its trailing whitespace and line breaks. A piece ends

- at a line break (titles, list items and captions have no final punctuation);
- after `.`, `?`, `!`, `。` or an ellipsis that ends a sentence, plus any closing
  quotes or brackets, when whitespace or the end follows (`다.`, `요.`, `까?`, `죠.`);
- after a Korean final ending with a period even without a following space
  (`했다.그러나`), a common copy-paste artefact.

It does not end inside quotes (“…”, ‘…’, 「…」, "…"), after numbers (`3.5%`,
`1.2배`, a list marker `1.`), after initials and abbreviations (`U.S.`, `J. Kim`,
`Dr.`), or after an ellipsis that pauses mid-sentence (`그런데… 아니다`).

`split_oversize` cuts one piece that is still too large for a budget: at clause
boundaries (commas, connective endings), then spaces, then characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_FINAL = ".?!。？！"
_CLOSERS = "”’」』\"')]）】>»"
_OPENERS = {"“": "”", "‘": "’", "「": "」", "『": "』"}
_PAIRED_CLOSERS = set(_OPENERS.values())
#: Hangul syllables that end a sentence before a period (다. 요. 죠. 까? …, 함./임. in reports).
_KOREAN_ENDINGS = set("다요죠까니라오네군지음함임됨냐자세")
_ABBREVIATIONS = frozenset(
    {
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "no",
        "inc",
        "co",
        "ltd",
        "corp",
        "gov",
        "sen",
        "rep",
        "gen",
        "lt",
        "col",
        "sgt",
        "capt",
        "mt",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "approx",
        "dept",
        "univ",
        "est",
        "vol",
        "p",
        "pp",
        "ph.d",
        "a.m",
        "p.m",
    }
)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
#: The characters the scanner acts on: line breaks, final punctuation and quotes.
_FINAL_CHARS = frozenset(_FINAL + "…")
_FINAL_RUN = re.compile(f"[{re.escape(_FINAL)}…]*")
_CLOSER_RUN = re.compile(f"[{re.escape(_CLOSERS)}]*")
_BLANKS = re.compile("[ \t\r\n]*")
_SPACES = re.compile("[ \t]*")
_SIGNIFICANT = re.compile(
    "[" + re.escape("\n" + _FINAL + '…"' + "".join(_OPENERS) + "".join(_PAIRED_CLOSERS)) + "]"
)


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where the run of `pattern` characters starting at `pos` ends."""
    found = pattern.match(text, pos)
    return found.end() if found else pos


def _is_hangul_syllable(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _ends_abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` belongs to an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, max(0, dot - 12), dot)
    if match is None:
        return False
    word = match.group(1)
    if len(word.replace(".", "")) == 1 and word[0].isupper():
        return True  # an initial: J. Kim, U.S.
    if "." in word and all(len(part) <= 2 for part in word.split(".")):
        return True  # U.S, e.g, Ph.D
    return word.lower() in _ABBREVIATIONS


def _is_number_period(text: str, dot: int, start: int) -> bool:
    """A list marker (`1. `) at the start of a piece, or a decimal point."""
    before = text[start:dot].strip()
    if before.isdigit() and len(before) <= 3:
        return True
    return dot + 1 < len(text) and text[dot - 1 : dot].isdigit() and text[dot + 1].isdigit()


class _Scanner:
    """One left-to-right pass over the text, tracking quote depth per line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pieces: list[str] = []
        self.start = 0
        self.quotes: list[str] = []
        self.straight_open = False

    def cut(self, end: int) -> None:
        if end > self.start:
            self.pieces.append(self.text[self.start : end])
            self.start = end

    def run(self) -> list[str]:
        text = self.text
        n = len(text)
        find = _SIGNIFICANT.search
        i = 0
        while i < n:
            # Other characters change nothing: jump to the next one that may.
            found = find(text, i)
            if found is None:
                break
            i = found.start()
            ch = text[i]
            if (
                ch == "."
                and i > 0
                and text[i + 1 : i + 2] in (" ", "\t")
                and _is_hangul_syllable(text[i - 1])
                and not (self.quotes or self.straight_open)
            ):
                # The most common end, "다. ": `_after_final` in short.
                i = _skip(_SPACES, text, i + 1)
                if i >= n or text[i] not in "\r\n":
                    self.cut(i)
            elif ch in _FINAL_CHARS:
                i = self._after_final(i)
            elif ch == "\n":
                j = _skip(_BLANKS, text, i + 1)
                self.cut(j)
                self.quotes.clear()
                self.straight_open = False
                i = j
            else:
                self._track_quote(ch)
                i += 1
        self.cut(n)
        return self.pieces

    def _track_quote(self, ch: str) -> None:
        if ch in _OPENERS:
            self.quotes.append(_OPENERS[ch])
        elif ch in _PAIRED_CLOSERS and self.quotes and self.quotes[-1] == ch:
            self.quotes.pop()
        elif ch == '"':
            self.straight_open = not self.straight_open

    def _after_final(self, i: int) -> int:
        """Handle final punctuation at `i`; returns where scanning continues."""
        text = self.text
        n = len(text)
        j = _skip(_FINAL_RUN, text, i)
        ellipsis = "…" in text[i:j] or ".." in text[i:j]
        # Closing quotes and brackets right after the punctuation belong to the sentence.
        closed = _skip(_CLOSER_RUN, text, j)
        for closer in text[j:closed]:
            self._track_quote(closer)
        j = closed
        inside_quote = bool(self.quotes) or self.straight_open
        if inside_quote or not self._is_sentence_end(i, j, ellipsis):
            return j
        k = _skip(_SPACES, text, j)
        if k < n and text[k] in "\r\n":
            return k  # the line break cuts (and keeps its blank lines)
        self.cut(k)
        return k

    def _is_sentence_end(self, i: int, j: int, ellipsis: bool) -> bool:
        text = self.text
        n = len(text)
        prev = text[i - 1] if i > 0 else ""
        followed_by_space = j >= n or text[j] in " \t\r\n"
        if ellipsis:
            return followed_by_space and prev in _KOREAN_ENDINGS
        if text[i] == ".":
            # Numbers and abbreviations end in a digit, a space or a Latin letter.
            if not _is_hangul_syllable(prev) and (
                _is_number_period(text, i, self.start) or _ends_abbreviation(text, i)
            ):
                return False
            if not followed_by_space:
                # "했다.그러나": a Korean ending glued to the next sentence.
                return j == i + 1 and prev in _KOREAN_ENDINGS and _is_hangul_syllable(text[j])
        return followed_by_space


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of `text`; `"".join(split_sentences(text)) == text`."""
    return _Scanner(text).run() if text else []


_LINE_END = re.compile("\n[ \t\r\n]*")


def split_lines(text: str) -> list[str]:
    """`text` cut after each line break (and the blank space after it): where
    `split_sentences` always cuts, with nothing carried over, so splitting each line
    into sentences gives `split_sentences(text)` (at a fraction of the cost when only
    some lines need it)."""
    lines: list[str] = []
    start = 0
    for end in _LINE_END.finditer(text):
        lines.append(text[start : end.end()])
        start = end.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


_CLAUSE_BREAK = re.compile(r"(?<=[,;:，、])\s+|(?<=(?:며|고|서|만|데|면|나|니|해|어|아))\s+")


def split_oversize(piece: str, max_tokens: int, count: Callable[[str], int]) -> list[str]:
    """Cut `piece` into parts of at most `max_tokens` tokens each (lossless).

    Tries clause boundaries first (commas, connective endings such as -며/-고/-지만),
    then any whitespace, then single characters as the last resort.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    if count(piece) <= max_tokens:
        return [piece]
    for pattern in (_CLAUSE_BREAK, re.compile(r"(?<=\s)(?=\S)")):
        parts = _split_keep(piece, pattern)
        if len(parts) > 1:
            out: list[str] = []
            for part in _pack(parts, max_tokens, count):
                out.extend(split_oversize(part, max_tokens, count))
            return out
    return _split_chars(piece, max_tokens, count)


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split after each match end, keeping every character."""
    parts: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        if match.end() > start and match.end() < len(text):
            parts.append(text[start : match.end()])
            start = match.end()
    parts.append(text[start:])
    return [p for p in parts if p]


def _pack(parts: list[str], max_tokens: int, count: Callable[[str], int]) -> list[str]:
    """Greedily join consecutive parts while the join stays within the budget."""
    packed: list[str] = []
    current = ""
    for part in parts:
        if current and count(current + part) > max_tokens:
            packed.append(current)
            current = part
        else:
            current += part
    if current:
        packed.append(current)
    return packed


def _split_chars(text: str, max_tokens: int, count: Callable[[str], int]) -> list[str]:
    """The longest prefixes that fit, found by binary search; at least one character each."""
    out: list[str] = []
    rest = text
    while rest:
        if count(rest) <= max_tokens:
            out.append(rest)
            break
        lo, hi = 1, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(rest[:mid]) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        out.append(rest[:lo])
        rest = rest[lo:]
    return out
