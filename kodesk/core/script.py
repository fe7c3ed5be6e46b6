"""Which writing systems a text uses."""

from __future__ import annotations


def is_hangul(ch: str) -> bool:
    """Hangul syllables and jamo (including compatibility and extended jamo)."""
    o = ord(ch)
    return (
        0xAC00 <= o <= 0xD7A3
        or 0x1100 <= o <= 0x11FF
        or 0x3130 <= o <= 0x318F
        or 0xA960 <= o <= 0xA97F
        or 0xD7B0 <= o <= 0xD7FF
    )


def is_han(ch: str) -> bool:
    """CJK ideographs (Hanja / Chinese characters)."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FA1F


def is_kana(ch: str) -> bool:
    return 0x3040 <= ord(ch) <= 0x30FF


def hangul_share(text: str) -> float:
    """Share of Hangul among the letters of `text` (0.0 when it has no letters)."""
    letters = hangul = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            hangul += is_hangul(ch)
    return hangul / letters if letters else 0.0
