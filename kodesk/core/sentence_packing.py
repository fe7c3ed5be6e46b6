"""Packing a text's sentences into chunks of about equal token size, counting little.

Counting every sentence of a long text on its own costs one tokenizer call per
sentence (thousands for a 200,000-character page). Instead, consecutive sentences
are counted in runs of at most `budget / RUN_SHARE` characters, made of whole lines
(a line always ends a sentence) where lines are short enough, so most of the text is
never even cut into sentences. Where a run does not fit whole into the chunk being
filled, it is cut into sentences and the longest leading span of them that fits is
found by bisection (a few more counts); the rest starts the next chunk. A run over
the budget on its own has its oversize sentences cut (`split_oversize`).

The counts are sums of spans, so a chunk's real prompt may differ by a few tokens at
the joins; the planner counts every chunk prompt exactly afterwards and splits any
that overflow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kodesk.core.sentences import split_lines, split_oversize, split_sentences

#: Sentences are counted in runs of at most (chunk budget / this) characters.
RUN_SHARE = 16
#: Lines over this many run sizes are cut into sentences before packing.
LONG_LINE = 4

Count = Callable[[str], int]


class _Run:
    """Consecutive lines or sentences, counted as a whole; cut into sentences (and
    parts of oversize ones) only when a span of them must be counted."""

    def __init__(self, units: list[str], count: Count, budget: int) -> None:
        self._count = count
        self._budget = budget
        self._units = units
        self.text = "".join(units)
        self.tokens = count(self.text)
        self._pieces: list[str] | None = None
        self._spans: dict[tuple[int, int], int] = {}

    @property
    def pieces(self) -> list[str]:
        """The sentences, any over the budget cut (`split_oversize`)."""
        if self._pieces is None:
            sentences = [s for unit in self._units for s in split_sentences(unit)]
            if self.tokens > self._budget:
                sentences = [
                    part for s in sentences for part in split_oversize(s, self._budget, self._count)
                ]
            self._pieces = sentences
            self._spans[0, len(sentences)] = self.tokens
        return self._pieces

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
        not even one piece fits): a guess by characters, then bisection."""
        pieces = self.pieces
        lo, hi = start, len(pieces)
        # Tokens grow about in step with characters: guess the end, then test it and
        # its successor, which usually settles the answer in two counts.
        share = room / max(1, self.span(start, hi))
        chars = share * sum(len(p) for p in pieces[start:])
        guess, size = start, 0
        while guess < hi and size + len(pieces[guess]) <= chars:
            size += len(pieces[guess])
            guess += 1
        if guess > lo:
            if self.span(start, guess) <= room:
                lo = guess
            else:
                hi = guess - 1
        if lo < hi:
            if self.span(start, lo + 1) <= room:
                lo += 1
            else:
                hi = lo
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
    max_chars = max(1, budget // RUN_SHARE)
    # A line a few times over the run size is a run of its own (cut into sentences only
    # if a chunk ends in it); longer ones are cut now, so no span counted is too long.
    units = [
        unit
        for line in split_lines(text)
        for unit in (split_sentences(line) if len(line) > LONG_LINE * max_chars else [line])
    ]
    runs = [_Run(r, count, budget) for r in _runs(units, max_chars)]
    fewest = len(_greedy(runs, budget))
    total = sum(run.tokens for run in runs)
    target = min(budget, -(-total // max(1, fewest)))
    chunks = _greedy(runs, target)
    while len(chunks) > fewest and target < budget:
        # Spread what spilled over into the extra chunks across the others (at least
        # 1% more: sentence ends rarely fall right at the target).
        spilled = sum(tokens for _, tokens in chunks[fewest:])
        target = min(budget, target + max(1, target // 100, -(-spilled // max(1, fewest))))
        chunks = _greedy(runs, target)
    return [c for c, _ in chunks if c.strip()]


def _runs(units: Sequence[str], max_chars: int) -> list[list[str]]:
    """Consecutive lines or sentences grouped while a group stays within `max_chars`
    characters (a longer one is a group of its own)."""
    runs: list[list[str]] = []
    current: list[str] = []
    size = 0
    for unit in units:
        if current and size + len(unit) > max_chars:
            runs.append(current)
            current, size = [], 0
        current.append(unit)
        size += len(unit)
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
        if used + run.tokens <= budget:
            current.append(run.text)
            used += run.tokens
            continue
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
