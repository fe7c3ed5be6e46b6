"""The tokenizer interface, and the part shared by the exact (vocabulary) tokenizers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from kodesk.core.tokenizer.specials import SpecialTokens
from kodesk.core.tokenizer.vocab import Vocab

#: Word caches are dropped when they grow past this many entries.
WORD_CACHE_LIMIT = 200_000
#: Longer words (long runs without spaces) are not worth keeping.
CACHED_WORD_MAX_CHARS = 64
#: Whole pieces of text between special tokens (lines, for Gemma) up to this long are
#: cached as well: planning counts each line of a long text about three times (the
#: whole prompt, runs of lines, the chunk prompts). At most this many are kept.
CACHED_LINE_MAX_CHARS = 1024
LINE_CACHE_LIMIT = 4096


@runtime_checkable
class Tokenizer(Protocol):
    """Turns text into the token ids a model sees.

    `encode` matches llama.cpp's `llama_tokenize(text, add_special, parse_special=True)`:
    special tokens written in the text (`<start_of_turn>`, `<|eot_id|>`) are single
    tokens, and `add_special` adds BOS/EOS as the model asks. `count(text)` is
    `len(encode(text))`, the size of a prompt as the server will see it.
    `pieces(ids)` gives each token's raw bytes, so a Hangul syllable that a model
    splits into byte tokens shows as its UTF-8 bytes.
    """

    name: str
    is_estimate: bool

    def encode(self, text: str, *, add_special: bool = True) -> list[int]: ...

    def pieces(self, ids: Sequence[int]) -> list[bytes]: ...

    def count(self, text: str) -> int: ...


class VocabTokenizer(ABC):
    """Common code of the SentencePiece and byte-level BPE tokenizers."""

    is_estimate = False

    def __init__(self, vocab: Vocab, name: str) -> None:
        self.name = name
        self.vocab = vocab
        self._specials = SpecialTokens(vocab.tokens, vocab.token_types)
        tokens = vocab.tokens
        if "" in tokens:  # llama.cpp renames empty tokens
            tokens = [t or f"[EMPTY_{i}]" for i, t in enumerate(tokens)]
        # Later duplicates win, as in llama.cpp's `token_to_id[word] = i`.
        self._ids: dict[str, int] = dict(zip(tokens, range(len(tokens)), strict=True))
        self._word_cache: dict[str, list[int]] = {}
        # By whether a leading space is added (after a special token, when the
        # vocabulary asks for one): the same line is tokenized differently then.
        self._line_caches: tuple[dict[str, list[int]], dict[str, list[int]]] = ({}, {})

    def encode(
        self, text: str, *, add_special: bool = True, parse_special: bool = True
    ) -> list[int]:
        """Token ids of `text`; `parse_special=False` reads control tokens as plain text."""
        v = self.vocab
        out: list[int] = []
        if add_special and v.add_bos and v.bos_id is not None:
            out.append(v.bos_id)
        prev_special = True
        for fragment in self._specials.split(text, parse_special=parse_special):
            if isinstance(fragment, int):
                out.append(fragment)
                prev_special = True
            else:
                lines = self._line_caches[prev_special and v.add_space_prefix]
                ids = lines.get(fragment)
                if ids is None:
                    start = len(out)
                    self._encode_text(fragment, prev_special, out)
                    if len(fragment) <= CACHED_LINE_MAX_CHARS:
                        if len(lines) >= LINE_CACHE_LIMIT:
                            lines.clear()
                        lines[fragment] = out[start:]
                else:
                    out += ids
                prev_special = False
        if add_special and v.add_eos and v.eos_id is not None:
            out.append(v.eos_id)
        return out

    def count(self, text: str) -> int:
        return len(self.encode(text))

    def pieces(self, ids: Sequence[int]) -> list[bytes]:
        n = len(self.vocab.tokens)
        out = []
        for i in ids:
            if not 0 <= i < n:
                raise ValueError(f"token id {i} is outside the vocabulary (size {n})")
            out.append(self._piece(i))
        return out

    @abstractmethod
    def _encode_text(self, text: str, prev_special: bool, out: list[int]) -> None:
        """Append the ids of a piece of raw text (no special tokens in it) to `out`."""

    @abstractmethod
    def _piece(self, token_id: int) -> bytes:
        """The raw bytes token `token_id` stands for."""


def remember(cache: dict[str, list[int]], word: str, ids: list[int]) -> None:
    """Keep the ids of `word` in a word cache (dropped whole when it is full)."""
    if len(word) > CACHED_WORD_MAX_CHARS:
        return
    if len(cache) >= WORD_CACHE_LIMIT:
        cache.clear()
    cache[word] = ids
