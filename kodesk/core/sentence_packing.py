"""Packing a text's sentences into chunks of about equal token size, counting little.

Counting every sentence of a long text on its own costs one tokenizer call per
sentence (thousands for a 200,000-character page). Instead, consecutive sentences
are counted in runs of at most `budget / RUN_SHARE` characters. Where a run does not
fit whole into the chunk being filled, the longest leading span of its sentences
that does is found by bisection (a few more counts), and the rest starts the next
chunk. A run over the budget on its own has its oversize sentences cut
(`split_oversize`).

The counts are sums of spans, so a chunk's real prompt may differ by a few tokens at
the joins; the planner counts every chunk prompt exactly afterwards and splits any
that overflow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kodesk.core.sentences import split_oversize, split_sentences

#: Sentences are counted in runs of at most (chunk budget / this) characters.
RUN_SHARE = 16

Count = Callable[[str], int]


class _Run:
    """Consecutive pieces (sentences, or parts of an oversize one), counted as a whole;
    spans of them are counted on demand."""

    def __init__(self, sentences: list[str], count: Count, budget: int) -> None:
        self._count = count
        text = "".join(sentences)
        tokens = count(text)
        pieces = sentences
        if tokens > budget:  # cut what is over the budget on its own
            pieces = []
            for sentence in sentences:
                pieces += split_oversize(sentence, budget, count)
        self.pieces = pieces
        self._spans: dict[tuple[int, int], int] = {(0, len(pieces)): tokens}

    def span(self, start: int, end: int) -> int:
        """Tokens of pieces[start:end]."""
        key = (start, end)
        tokens = self._spans.get(key)
        if tokens is None:
            tokens = self._count("".join(self.pieces[start:end]))
            self._spans[key] = tokens
        return tokens

    def fitting(self, start: int, room: int) -> int:
        """The end of the longest span from `start` within `room` tokens (`start` when
        not even one piece fits), by bisection."""
        lo, hi = start, len(self.pieces)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.span(start, mid) <= room:
                lo = mid
            else:
                hi = mid - 1
        return lo


def pack(text: str, budget: int, count: Count) -> list[str]:
    """Sentences of `text` (oversize ones cut) packed into as few chunks as `budget`
    tokens allow, of about equal size (a last chunk of a few sentences summarizes
    badly). The chunks joined are `text`, minus chunks of whitespace only."""
    runs = [_Run(r, count, budget)
            for r in _runs(split_sentences(text), max(1, budget // RUN_SHARE))]
    fewest = len(_greedy(runs, budget))
    total = sum(run.span(0, len(run.pieces)) for run in runs)
    target = min(budget, -(-total // max(1, fewest)))
    chunks = _greedy(runs, target)
    while len(chunks) > fewest and target < budget:
        # Spread what spilled over into the extra chunks across the others.
        spilled = sum(tokens for _, tokens in chunks[fewest:])
        target = min(budget, target + max(1, -(-spilled // max(1, fewest))))
        chunks = _greedy(runs, target)
    return [c for c, _ in chunks if c.strip()]


def _runs(sentences: Sequence[str], max_chars: int) -> list[list[str]]:
    """Consecutive sentences grouped while a group stays within `max_chars` characters
    (a longer sentence is a group of its own)."""
    runs: list[list[str]] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        if current and size + len(sentence) > max_chars:
            runs.append(current)
            current, size = [], 0
        current.append(sentence)
        size += len(sentence)
    if current:
        runs.append(current)
    return runs


def _greedy(runs: Sequence[_Run], budget: int) -> list[tuple[str, int]]:
    """Chunks (with their summed tokens) filled with consecutive pieces while the sum
    stays within `budget`; a piece over it on its own makes a chunk alone."""
    chunks: list[tuple[str, int]] = []
    current: list[str] = []
    used = 0
    for run in runs:
        start, end = 0, len(run.pieces)
        while start < end:
            rest = run.span(start, end)
            if used + rest <= budget:
                current.append("".join(run.pieces[start:end]))
                used += rest
                break
            stop = run.fitting(start, budget - used)
            if stop == start:
                if current:
                    chunks.append(("".join(current), used))
                    current, used = [], 0
                    continue
                stop = start + 1
            current.append("".join(run.pieces[start:stop]))
            chunks.append(("".join(current), used + run.span(start, stop)))
            current, used = [], 0
            start = stop
    if current:
        chunks.append(("".join(current), used))
    return chunks
