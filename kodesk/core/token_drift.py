"""Planned prompt size vs what the server says it evaluated (`prompt_eval_count`).

kodesk counts every prompt's tokens before sending it. Ollama reports how many prompt
tokens it evaluated; when the prompt did not fit `num_ctx`, it silently dropped the
middle and that number is smaller than planned. Comparing the two shows both tokenizer
drift (chat-template tokens, a server tokenizer that differs slightly) and truncation.

A smaller count is called truncation only when the plan already exceeded `num_ctx`
(or `num_ctx` is unknown): with a prompt that fits, a smaller count comes from the
server's prompt cache reusing earlier tokens, not from cutting text.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

#: Differences up to this share of the planned size count as agreement.
DEFAULT_TOLERANCE = 0.02


@dataclass(frozen=True)
class TokenDrift:
    """One request: `planned` tokens counted by kodesk, `evaluated` by the server."""

    planned: int
    evaluated: int | None
    num_ctx: int | None
    truncated: bool

    @property
    def drift(self) -> int | None:
        """Server minus plan (positive: the server saw more tokens than planned)."""
        return None if self.evaluated is None else self.evaluated - self.planned

    @property
    def ratio(self) -> float | None:
        if self.evaluated is None or self.planned <= 0:
            return None
        return self.evaluated / self.planned


def measure_drift(
    planned: int,
    prompt_eval_count: int | None,
    num_ctx: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> TokenDrift:
    """Compare a plan with the server's count; see the module docstring for `truncated`."""
    truncated = False
    if prompt_eval_count is not None:
        short = prompt_eval_count < planned - max(1, round(planned * tolerance))
        over_context = num_ctx is None or planned > num_ctx
        truncated = short and over_context
    return TokenDrift(planned, prompt_eval_count, num_ctx, truncated)


class DriftLog:
    """The last `size` measurements, to see how far plans and servers disagree."""

    def __init__(self, size: int = 50) -> None:
        self._items: deque[TokenDrift] = deque(maxlen=size)

    def add(self, item: TokenDrift) -> TokenDrift:
        self._items.append(item)
        return item

    def __len__(self) -> int:
        return len(self._items)

    @property
    def truncations(self) -> int:
        return sum(1 for d in self._items if d.truncated)

    def largest_excess(self) -> int:
        """The most tokens the server counted beyond a plan (0 if it never did).

        A planner can add this as headroom for what it does not see (template tokens).
        """
        return max((d.drift for d in self._items if d.drift is not None and d.drift > 0), default=0)
