"""Byte-level BPE (`tokenizer.ggml.model = gpt2`), as llama.cpp does it.

Llama-3, Qwen and EXAONE use it. The text is split into words by the pre-tokenizer
that `tokenizer.ggml.pre` names, each word is byte-encoded (GPT-2's byte → character
table), and the adjacent pair with the lowest merge rank is joined until none is left
(ties: leftmost first). With the Llama-3 pre-tokenizer a word that is already a token
is taken whole ("ignore_merges"). Words are cached.
"""

from __future__ import annotations

import heapq

from kodesk.core.tokenizer.base import VocabTokenizer, remember
from kodesk.core.tokenizer.pretokenize import Splitter, byte_decode, byte_encode, pre_tokenizer
from kodesk.core.tokenizer.specials import BYTE, NORMAL, UNUSED
from kodesk.core.tokenizer.vocab import Vocab


class BpeTokenizer(VocabTokenizer):
    def __init__(self, vocab: Vocab, name: str) -> None:
        super().__init__(vocab, name)
        pre = pre_tokenizer(vocab.pre)
        self._splitter = Splitter(pre)
        self._ignore_merges = pre.ignore_merges
        self._ranks: dict[tuple[str, str], int] = {}
        for rank, merge in enumerate(vocab.merges):
            pos = merge.find(" ", 1)
            pair = (merge[:pos], merge[pos + 1 :]) if pos >= 0 else ("", "")
            self._ranks.setdefault(pair, rank)

    def _encode_text(self, text: str, prev_special: bool, out: list[int]) -> None:
        cache = self._word_cache
        for word in self._splitter.words(text):
            ids = cache.get(word)
            if ids is None:
                ids = self._word_ids(byte_encode(word))
                remember(cache, word, ids)
            out += ids

    def _word_ids(self, word: str) -> list[int]:
        """llama.cpp's `llm_tokenizer_bpe_session::tokenize` on one byte-encoded word."""
        ids, ranks = self._ids, self._ranks
        if self._ignore_merges and word in ids:
            return [ids[word]]
        n = len(word)
        length = [1] * n
        prev = list(range(-1, n - 1))
        nxt = [*range(1, n), -1]
        heap: list[tuple[int, int, int, str]] = []

        def add(left: int, right: int) -> None:
            if left == -1 or right == -1:
                return
            a = word[left : left + length[left]]
            b = word[right : right + length[right]]
            rank = ranks.get((a, b))
            if rank is not None:
                heapq.heappush(heap, (rank, left, right, a + b))

        for i in range(1, n):
            add(i - 1, i)
        while heap:
            _, left, right, joined = heapq.heappop(heap)
            if length[left] == 0 or length[right] == 0:
                continue
            if word[left : left + length[left]] + word[right : right + length[right]] != joined:
                continue
            length[left] += length[right]
            length[right] = 0
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prev[nxt[right]] = left
            add(prev[left], left)
            add(left, nxt[left])

        out: list[int] = []
        i = 0 if n else -1
        while i != -1:
            piece = word[i : i + length[i]]
            token = ids.get(piece)
            if token is not None:
                out.append(token)
            else:
                # llama.cpp looks up each UTF-8 byte of the symbol as a one-byte token.
                for b in piece.encode("utf-8"):
                    single = ids.get(chr(b)) if b < 0x80 else None
                    if single is not None:
                        out.append(single)
            i = nxt[i]
        return out

    def _piece(self, token_id: int) -> bytes:
        text = self.vocab.tokens[token_id]
        if self.vocab.token_types[token_id] in (NORMAL, BYTE, UNUSED):
            return byte_decode(text)
        return text.encode("utf-8")
