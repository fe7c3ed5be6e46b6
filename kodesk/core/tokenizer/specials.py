"""Splitting text at special tokens, as llama.cpp's `tokenizer_st_partition` does.

llama.cpp takes every control, user-defined and unknown token, longest text first,
and cuts each remaining piece of raw text at every non-overlapping occurrence of it.
With `parse_special` off, control and unknown tokens are left in the text as plain
characters; user-defined tokens (Gemma's "\\n\\n", runs of spaces, HTML tags) are
always cut out.

Searching a long text for each of Gemma's ~6,400 special tokens would take seconds,
so a trie first finds which special tokens occur in the text at all; only those run
through llama.cpp's longest-first procedure, which gives the same result. The trie is
entered only where a regular expression of the tokens' first two characters matches
(Gemma's specials start with a space, a tab, a line break, `<` or `[`, and a lone
space starts none of them).

Not reproduced (no Korean model kodesk targets needs them): llama.cpp's whitespace
stripping around special tokens for Phi-3 and Jina models (LSTRIP/RSTRIP), and its
promotion of an EOT-looking token to a control token when a GGUF forgot to mark it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

# Token types (the GGUF `tokenizer.ggml.token_type` values).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

#: A piece of text still to tokenize (str) or a special token id (int).
Fragment = str | int

_END = ""  # trie key marking "a token ends here" (no token text is empty)


class SpecialTokens:
    """The special tokens of a vocabulary and the text splitter that honours them."""

    def __init__(self, tokens: Sequence[str], token_types: Sequence[int]) -> None:
        special = [i for t in (CONTROL, USER_DEFINED, UNKNOWN) for i in _indices(token_types, t)]
        # llama.cpp sorts by byte length, longest first.
        special.sort(key=lambda i: -len(tokens[i].encode("utf-8")))
        self._order = {i: rank for rank, i in enumerate(special)}
        self._text = {i: tokens[i] for i in special}
        self._always = {i for i in special if token_types[i] == USER_DEFINED}
        self._trie_all = _build_trie((tokens[i], i) for i in special)
        self._trie_user = _build_trie((tokens[i], i) for i in self._always)
        self._starts_all = _start_pattern(self._trie_all)
        self._starts_user = _start_pattern(self._trie_user)

    def split(self, text: str, *, parse_special: bool) -> list[Fragment]:
        """`text` as raw-text pieces and special token ids, in order."""
        if parse_special:
            present = _occurring(text, self._trie_all, self._starts_all)
        else:
            present = _occurring(text, self._trie_user, self._starts_user)
        fragments: list[Fragment] = [text] if text else []
        for token_id in sorted(present, key=self._order.__getitem__):
            fragments = _cut(fragments, self._text[token_id], token_id)
        return fragments


def _indices(values: Sequence[int], wanted: int) -> list[int]:
    """Positions of `wanted` in `values` (C-speed scans; few specials in a big list)."""
    out = []
    values = list(values)
    pos = -1
    try:
        while True:
            pos = values.index(wanted, pos + 1)
            out.append(pos)
    except ValueError:
        return out


def _build_trie(items: Iterable[tuple[str, int]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for text, token_id in items:
        node = root
        for ch in text:
            child = node.get(ch)
            if child is None:
                child = {}
                node[ch] = child
            node = child
        node.setdefault(_END, token_id)
    return root


def _start_pattern(trie: dict[str, Any]) -> re.Pattern[str] | None:
    """Where a token of `trie` may start: its first character when that is a token
    itself, else its first two characters (so a space only stops the search when a
    token of several spaces could start there)."""
    starts = []
    for first, node in trie.items():
        if first == _END:
            continue
        if _END in node:
            starts.append(re.escape(first))
        else:
            seconds = "".join(re.escape(c) for c in node if c != _END)
            starts.append(f"{re.escape(first)}[{seconds}]")
    return re.compile("|".join(starts)) if starts else None


def _occurring(text: str, trie: dict[str, Any], starts: re.Pattern[str] | None) -> set[int]:
    """Ids of the tokens in `trie` that occur anywhere in `text`."""
    found: set[int] = set()
    if starts is None:
        return found
    n = len(text)
    match = starts.search(text)
    while match is not None:
        pos = match.start()
        node: dict[str, Any] | None = trie[text[pos]]
        j = pos + 1
        while node is not None:
            token_id = node.get(_END)
            if token_id is not None:
                found.add(token_id)
            if j >= n:
                break
            node = node.get(text[j])
            j += 1
        match = starts.search(text, pos + 1)
    return found


def _cut(fragments: list[Fragment], token_text: str, token_id: int) -> list[Fragment]:
    out: list[Fragment] = []
    for frag in fragments:
        if isinstance(frag, int) or token_text not in frag:
            out.append(frag)
            continue
        parts = frag.split(token_text)
        for k, part in enumerate(parts):
            if k:
                out.append(token_id)
            if part:
                out.append(part)
    return out
