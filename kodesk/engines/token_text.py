"""From generated token bytes to answer text: UTF-8 reassembly and stop sequences.

A token may end in the middle of a multi-byte character (Hangul is three bytes in
UTF-8), and a stop sequence may arrive split over several tokens. `AnswerText` holds
back exactly the bytes and characters that are still undecided and releases the rest,
so the answer streams without broken characters and never shows a stop sequence.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """Text that is safe to show now, and whether a stop sequence ended the answer."""

    text: str
    stopped: bool = False


class AnswerText:
    """Feed token bytes in order; get back text to show. Ollama's semantics for `stop`:
    the answer ends before the first stop sequence, which itself is not shown."""

    def __init__(self, stop: Sequence[str] = ()) -> None:
        self._stops = tuple(s for s in stop if s)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, data: bytes) -> Piece:
        self._pending += self._decoder.decode(data)
        return self._release()

    def finish(self) -> Piece:
        """The held-back rest at the end of generation (a partial stop is shown as text)."""
        self._pending += self._decoder.decode(b"", final=True)
        piece = self._release()
        rest, self._pending = self._pending, ""
        return Piece(piece.text + rest, piece.stopped)

    def _release(self) -> Piece:
        text = self._pending
        hits = [i for i in (text.find(s) for s in self._stops) if i >= 0]
        if hits:
            self._pending = ""
            return Piece(text[: min(hits)], stopped=True)
        hold = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(text)), hold, -1):
                if text.endswith(stop[:size]):
                    hold = size
                    break
        cut = len(text) - hold
        self._pending = text[cut:]
        return Piece(text[:cut])
