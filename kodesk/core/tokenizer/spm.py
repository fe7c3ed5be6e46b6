"""SentencePiece-style tokenization (`tokenizer.ggml.model = llama`), as llama.cpp does it.

Gemma, Llama-2, SOLAR and EEVE use it. Spaces become "▁" (a leading one is added when
`add_space_prefix` is set and the text starts or follows a special token), then the
highest-scoring adjacent pair that forms a vocabulary token is merged, repeatedly
(ties: leftmost first). A character that never forms a token is written as its UTF-8
bytes with the `<0xXX>` byte tokens.

Speed: merges can only join characters that occur next to each other inside some
vocabulary token, so the text is cut before each "▁" whose left neighbour never
precedes "▁" in any token (the guard set; for Gemma only ">"); the pieces are
tokenized independently and cached. Text with no guard character before a "▁" is
cut with `str.split`, the usual case.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from itertools import islice

from kodesk.core.tokenizer.base import VocabTokenizer, remember
from kodesk.core.tokenizer.specials import BYTE
from kodesk.core.tokenizer.vocab import Vocab

SPACE = "\u2581"  # ▁
_BYTE_TOKEN = re.compile(r"<0x([0-9A-Fa-f]{2})>")


class SpmTokenizer(VocabTokenizer):
    def __init__(self, vocab: Vocab, name: str) -> None:
        super().__init__(vocab, name)
        self._scores = vocab.scores
        self._byte_ids = [self._byte_token(b) for b in range(256)]
        self._guard = frozenset(_chars_before_space(vocab.tokens))
        #: Finds a "▁" that must not be cut before (its left neighbour is in the guard).
        self._glued = (
            re.compile(f"[{''.join(map(re.escape, sorted(self._guard)))}]{SPACE}")
            if self._guard
            else None
        )
        self._spaced_cache: dict[str, list[int]] = {}

    def _byte_token(self, b: int) -> int | None:
        """llama.cpp's `byte_to_token`: `<0xXX>`, else the byte itself as a token."""
        found = self._ids.get(f"<0x{b:02X}>")
        if found is None and b < 0x80:
            found = self._ids.get(chr(b))
        return found if found is not None else self.vocab.unk_id

    def _encode_text(self, text: str, prev_special: bool, out: list[int]) -> None:
        if self.vocab.add_space_prefix and prev_special:
            text = " " + text
        text = text.replace(" ", SPACE)
        if self._glued is not None and self._glued.search(text):
            self._encode_pieces(self._pieces(text), out)
            return
        # Cut before every "▁": the pieces after the first are "▁" + a segment, kept
        # in a cache of their own keyed by the segment (no string is built).
        segments = text.split(SPACE)
        self._encode_pieces(segments[:1], out)
        spaced = self._spaced_cache
        for segment in islice(segments, 1, None):
            ids = spaced.get(segment)
            if ids is None:
                ids = self._merge(SPACE + segment)
                remember(spaced, segment, ids)
            out += ids

    def _encode_pieces(self, pieces: Iterable[str], out: list[int]) -> None:
        cache = self._word_cache
        for piece in pieces:
            ids = cache.get(piece)
            if ids is None:
                if not piece:
                    continue
                ids = self._merge(piece)
                remember(cache, piece, ids)
            out += ids

    def _pieces(self, text: str) -> Iterator[str]:
        """`text` cut before each "▁" whose left neighbour is not in the guard set."""
        guard = self._guard
        segments = iter(text.split(SPACE))
        pending = next(segments)
        for segment in segments:
            if pending and pending[-1] in guard:
                pending += SPACE + segment
            else:
                yield pending
                pending = SPACE + segment
        yield pending

    def _merge(self, text: str) -> list[int]:
        """llama.cpp's `llm_tokenizer_spm_session::tokenize` on one piece of text."""
        ids, scores = self._ids, self._scores
        n = len(text)
        length = [1] * n
        prev = list(range(-1, n - 1))
        nxt = [*range(1, n), -1]
        heap: list[tuple[float, int, int, int]] = []

        def try_add(left: int, right: int) -> None:
            if left == -1 or right == -1:
                return
            size = length[left] + length[right]
            token = ids.get(text[left : left + size])
            if token is not None:
                heapq.heappush(heap, (-scores[token], left, right, size))

        for i in range(1, n):
            try_add(i - 1, i)
        while heap:
            _, left, right, size = heapq.heappop(heap)
            if length[left] == 0 or length[right] == 0 or length[left] + length[right] != size:
                continue
            length[left] = size
            length[right] = 0
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prev[nxt[right]] = left
            try_add(prev[left], left)
            try_add(left, nxt[left])

        out: list[int] = []
        i = 0
        while i != -1:
            piece = text[i : i + length[i]]
            token = ids.get(piece)
            if token is not None:
                out.append(token)
            else:
                for b in piece.encode("utf-8"):
                    byte_id = self._byte_ids[b]
                    if byte_id is not None:
                        out.append(byte_id)
            i = nxt[i]
        return out

    def _piece(self, token_id: int) -> bytes:
        text = self.vocab.tokens[token_id]
        if self.vocab.token_types[token_id] == BYTE:
            m = _BYTE_TOKEN.fullmatch(text)
            if m:
                return bytes([int(m.group(1), 16)])
        return text.replace(SPACE, " ").encode("utf-8")


def _chars_before_space(tokens: list[str]) -> set[str]:
    """Characters that some token has right before a "▁" (merges may join them)."""
    joined = "\x00".join(tokens)
    if joined.count("\x00") != len(tokens) - 1:  # a token holds NUL: go slowly
        return {t[k - 1] for t in tokens for k in range(1, len(t)) if t[k] == SPACE}
    return set(re.findall(f"([^\x00]){SPACE}", joined))
