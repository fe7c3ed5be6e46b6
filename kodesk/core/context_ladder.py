"""Which num_ctx to send, so that a model is not reloaded for every text.

Ollama reloads a model's runner whenever a request names a different num_ctx than the
one it is loaded with (2-2.5 s for a 270M model on a CPU, seconds to tens of seconds for
an 8B one). So kodesk:

- reuses the loaded context (`/api/ps` `context_length`) whenever the request fits in it,
  even when a smaller one would do: a short text after a long one does not reload;
- otherwise picks the smallest size of a short ladder (`LADDER`) that fits, so that
  texts of similar length share one size;
- and, when a larger context would mean a reload, weighs one long request against chunks
  at the loaded size with the model's measured speeds (`kodesk.core.speed`): the chunks
  win only when they are clearly faster, since one request sees the whole text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kodesk.core.speed import Speed

#: The context sizes kodesk sends when it raises num_ctx (then capped at the limit).
LADDER: tuple[int, ...] = (2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144)
#: Chunks at the loaded size replace one long request only when this much faster.
CHUNKS_MUST_SAVE = 0.75


def ladder_ctx(needed: int, limit: int) -> int | None:
    """The smallest ladder size of at least `needed` tokens (`limit` itself when the
    ladder's next size is above it); None when `needed` is over `limit`."""
    if needed > limit:
        return None
    for size in LADDER:
        if size >= needed:
            return min(size, limit)
    return limit


@dataclass(frozen=True)
class Estimate:
    """Expected seconds of a plan, from `speed` (a default guess until measured)."""

    seconds: float
    measured: bool

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.seconds + other.seconds, self.measured and other.measured)


def single_estimate(speed: Speed, prompt: int, answer: int, *, reload: bool) -> Estimate:
    return Estimate(speed.request_seconds(prompt, answer, reload=reload), speed.measured)


def chunked_estimate(
    speed: Speed, chunk_prompts: Sequence[int], answer: int, *, reload: bool, reduce: bool
) -> Estimate:
    """Every chunk request, then (for summaries) a reduce request reading the partial
    answers; one load at most (all requests use one num_ctx)."""
    seconds = sum(speed.request_seconds(p, answer, reload=False) for p in chunk_prompts)
    if reload:
        seconds += speed.load_seconds
    if reduce:
        seconds += speed.request_seconds(answer * len(chunk_prompts), answer, reload=False)
    return Estimate(seconds, speed.measured)


def format_seconds(seconds: float) -> str:
    """ "~40 s", "~3 min" (rounded: these are estimates)."""
    if seconds < 90:
        return f"~{max(1, round(seconds))} s"
    return f"~{round(seconds / 60)} min"
