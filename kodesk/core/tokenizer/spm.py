"""SentencePiece-style tokenization (`tokenizer.ggml.model = llama`), as llama.cpp does it.

Gemma, Llama-2, SOLAR and EEVE use it. Spaces become "▁" (a leading one is added when
`add_space_prefix` is set and the text starts or follows a special token), then the
highest-scoring adjacent pair that forms a vocabulary token is merged, repeatedly
(ties: leftmost first). A character that never forms a token is written as its UTF-8
bytes with the `<0xXX>` byte tokens.

Speed: merges can only join characters that occur next to each other inside some
vocabulary token, so the text is cut before each "▁" whose left neighbour never
precedes "▁" in any token; the pieces are tokenized independently and cached.
"""

from __future__ import annotations

import heapq
import re

from kodesk.core.tokenizer.base import VocabTokenizer
from kodesk.core.tokenizer.specials import BYTE
from kodesk.core.tokenizer.vocab import Vocab

SPACE = "\u2581"  # ▁
_BYTE_TOKEN = re.compile(r"<0x([0-9A-Fa-f]{2})>")


class SpmTokenizer(VocabTokenizer):
    def __init__(self, vocab: Vocab, name: str) -> None:
        super().__init__(vocab, name)
        self._scores = vocab.scores
        self._byte_ids = [self._byte_token(b) for b in range(256)]
        guard = "".join(re.escape(c) for c in sorted(_chars_before_space(vocab.tokens)))
        self._cut = re.compile(f"(?<![{guard}])(?={SPACE})" if guard else f"(?={SPACE})")

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
        for chunk in self._cut.split(text):
            if not chunk:
                continue
            ids = self._cached(chunk)
            if ids is None:
                ids = self._merge(chunk)
                self._remember(chunk, ids)
            out.extend(ids)

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
            token = ids.get(text[left:left + size])
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
            piece = text[i:i + length[i]]
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
