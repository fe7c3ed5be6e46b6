"""What a text costs in tokens, prepared for display (no Qt here).

`build_report` tokenizes a text and returns the counts (characters, tokens, tokens
per Hangul syllable and per English word, share of `num_ctx`) and the first
`max_chips` tokens as `Chip`s with a label and a tooltip. A token that is not whole
UTF-8 — a Hangul syllable a model writes as byte tokens — is labelled `<EB>` and its
tooltip names the character it is part of. Used by the desktop token view and by
`kodesk tokens`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kodesk.core.tokenizer import Tokenizer

DEFAULT_MAX_CHIPS = 2000
_ENGLISH_WORD = re.compile(r"[A-Za-z]+")
_VISIBLE = str.maketrans({"\n": "↵", "\t": "⇥", "\r": "␍"})

ChipKind = Literal["text", "bytes", "special"]


def is_syllable(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def piece_text(piece: bytes, byte_format: str = "<0x{:02X}>") -> str:
    """A token's bytes as text; bytes that are not valid UTF-8 as `<0xEB>`."""
    text = piece.decode("utf-8", "surrogateescape")
    return "".join(
        byte_format.format(ord(ch) - 0xDC00) if "\udc80" <= ch <= "\udcff" else ch for ch in text
    )


@dataclass(frozen=True)
class Chip:
    """One token as shown: `label` on the chip, `tooltip` on hover."""

    index: int
    token_id: int
    label: str
    tooltip: str
    kind: ChipKind


@dataclass(frozen=True)
class TokenReport:
    tokenizer_name: str
    estimate: bool
    characters: int
    tokens: int
    hangul_syllables: int
    english_words: int
    #: Tokens that carry (part of) a Hangul syllable / an English letter.
    hangul_tokens: int
    english_tokens: int
    num_ctx: int | None
    chips: tuple[Chip, ...]
    #: Tokens not turned into chips (beyond `max_chips`).
    hidden_chips: int

    @property
    def tokens_per_syllable(self) -> float | None:
        """None without syllables, and for an estimate (it does not know the tokens)."""
        if self.estimate or not self.hangul_syllables:
            return None
        return self.hangul_tokens / self.hangul_syllables

    @property
    def tokens_per_word(self) -> float | None:
        if self.estimate or not self.english_words:
            return None
        return self.english_tokens / self.english_words

    @property
    def context_share(self) -> float | None:
        return self.tokens / self.num_ctx if self.num_ctx else None

    @property
    def over_context(self) -> bool:
        return self.num_ctx is not None and self.tokens > self.num_ctx


def build_report(
    text: str,
    tokenizer: Tokenizer,
    num_ctx: int | None = None,
    max_chips: int = DEFAULT_MAX_CHIPS,
) -> TokenReport:
    """Counts and chips for `text`; `tokens` includes BOS/EOS as a prompt would."""
    total = tokenizer.count(text)
    syllables = sum(1 for ch in text if is_syllable(ch))
    words = len(_ENGLISH_WORD.findall(text))
    if tokenizer.is_estimate:
        return TokenReport(
            tokenizer.name, True, len(text), total, syllables, words, 0, 0, num_ctx, (), 0
        )
    ids = tokenizer.encode(text, add_special=False)
    pieces = tokenizer.pieces(ids)
    aligned = _align(text, pieces)
    hangul_tokens = sum(1 for span in aligned if _covers(text, span, is_syllable))
    english_tokens = sum(1 for span in aligned if _covers(text, span, _is_latin))
    shown = min(len(ids), max_chips)
    chips = tuple(_chip(i, ids[i], pieces[i], aligned[i], text) for i in range(shown))
    return TokenReport(
        tokenizer.name,
        False,
        len(text),
        total,
        syllables,
        words,
        hangul_tokens,
        english_tokens,
        num_ctx,
        chips,
        len(ids) - shown,
    )


#: Per token: the characters of the text its bytes belong to, as
#: (first char index, byte offset into the first char, byte length); None if not in text.
Span = tuple[int, int, int] | None


def _align(text: str, pieces: list[bytes]) -> list[Span]:
    """Locate each token's bytes in `text` (tokens not from the text get None)."""
    data = text.encode("utf-8")
    char_at = _char_index_by_byte(text)
    spans: list[Span] = []
    pos = 0
    for piece in pieces:
        if piece and data.startswith(piece, pos):
            start, length = pos, len(piece)
        elif piece[:1] == b" " and data.startswith(piece[1:], pos) and len(piece) > 1:
            start, length = pos, len(piece) - 1  # a space the tokenizer added in front
        else:
            spans.append(None)
            continue
        first = char_at[start]
        spans.append((first, start - _char_start(char_at, start), length))
        pos = start + length
    return spans


def _char_index_by_byte(text: str) -> list[int]:
    out: list[int] = []
    for i, ch in enumerate(text):
        out.extend([i] * len(ch.encode("utf-8")))
    return out


def _char_start(char_at: list[int], byte_pos: int) -> int:
    start = byte_pos
    while start > 0 and char_at[start - 1] == char_at[byte_pos]:
        start -= 1
    return start


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _chars_of(text: str, span: tuple[int, int, int]) -> list[str]:
    first, offset, length = span
    out: list[str] = []
    i, remaining = first, length + offset
    while remaining > 0 and i < len(text):
        out.append(text[i])
        remaining -= len(text[i].encode("utf-8"))
        i += 1
    return out


def _covers(text: str, span: Span, predicate: Callable[[str], bool]) -> bool:
    return span is not None and any(predicate(ch) for ch in _chars_of(text, span))


def _chip(index: int, token_id: int, piece: bytes, span: Span, text: str) -> Chip:
    hexed = " ".join(f"{b:02X}" for b in piece)
    head = f"#{index + 1} · id {token_id} · bytes {hexed}"
    label = piece_text(piece, "<{:02X}>").translate(_VISIBLE)
    if not _is_utf8(piece):
        return Chip(index, token_id, label, head + "\n" + _byte_note(text, span), "bytes")
    if span is None:
        return Chip(index, token_id, label, head + "\n특수 토큰 / special token", "special")
    return Chip(index, token_id, label, head, "text")


def _is_utf8(piece: bytes) -> bool:
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _byte_note(text: str, span: Span) -> str:
    if span is None:
        return "텍스트에 없는 바이트 / bytes not from the text"
    _, offset, length = span
    notes = []
    for ch in _chars_of(text, span):
        size = len(ch.encode("utf-8"))
        take = min(size - offset, length)
        if take < size:
            part = f"byte {offset + 1}" if take == 1 else f"bytes {offset + 1}–{offset + take}"
            notes.append(f"'{ch}'의 일부 — part of '{ch}' ({part} of {size})")
        else:
            notes.append(f"'{ch}' (whole character)")
        length -= take
        offset = 0
    return "\n".join(notes)
