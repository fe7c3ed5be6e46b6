"""How fast a model answers on this machine, learned from every response's statistics.

Ollama reports, with each finished answer, how many prompt tokens it evaluated and how
long that took, how many tokens it generated and how long that took, and how long
loading the model took. `SpeedBook` keeps, per model, an exponentially decayed average
of those rates (recent answers count most: the machine's load changes), persisted in the
user cache so that the first job after a restart already knows. Until a model has been
measured, `DEFAULT_SPEED` (a 2-core CPU running a small model) stands in, and every
estimate made from it says so.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from kodesk.core.types import ChatStats

log = logging.getLogger("kodesk")

#: Weight of the newest measurement in the running average.
DECAY = 0.3
#: Keep at most this many models in the book (the least recently measured go first).
MAX_MODELS = 64


@dataclass(frozen=True)
class Speed:
    """Tokens per second for reading the prompt and for writing the answer, and the
    seconds a (re)load of the model takes. `samples` is 0 for the default guess."""

    prompt_rate: float
    decode_rate: float
    load_seconds: float
    samples: int = 0

    @property
    def measured(self) -> bool:
        return self.samples > 0

    def prompt_seconds(self, tokens: int) -> float:
        return tokens / self.prompt_rate

    def answer_seconds(self, tokens: int) -> float:
        return tokens / self.decode_rate

    def request_seconds(self, prompt: int, answer: int, *, reload: bool) -> float:
        """Expected seconds for one request: load (when it reloads), read, write."""
        return (
            (self.load_seconds if reload else 0.0)
            + self.prompt_seconds(prompt)
            + self.answer_seconds(answer)
        )


#: A 2-core CPU and a small model (measured on a 270M model: prompt evaluation from tens to
#: a few hundred tokens/s, decoding 7-15 tokens/s, a reload 2-2.5 s; 8B models are slower).
DEFAULT_SPEED = Speed(prompt_rate=80.0, decode_rate=8.0, load_seconds=5.0)


def _rate(count: int | None, duration_ns: int | None) -> float | None:
    if not count or not duration_ns or count <= 0 or duration_ns <= 0:
        return None
    rate = count / duration_ns * 1e9
    return rate if math.isfinite(rate) and rate > 0 else None


def _blend(old: float, new: float | None, first: bool) -> float:
    if new is None:
        return old
    return new if first else (1 - DECAY) * old + DECAY * new


class SpeedBook:
    """Per-model speeds, stored as JSON at `path` (None: kept in memory only)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._speeds: dict[str, Speed] = {}
        self._loaded = path is None
        self._dirty = False

    def get(self, model: str) -> Speed:
        self._load()
        return self._speeds.get(model, DEFAULT_SPEED)

    def observe(self, model: str, stats: ChatStats) -> Speed:
        """Fold one response's statistics into `model`'s speed; returns the new speed."""
        self._load()
        old = self._speeds.get(model, DEFAULT_SPEED)
        first = not old.measured
        prompt = _rate(stats.prompt_eval_count, stats.prompt_eval_duration)
        decode = _rate(stats.eval_count, stats.eval_duration)
        load = stats.load_seconds
        if prompt is None and decode is None:
            return old
        new = replace(
            old,
            prompt_rate=_blend(old.prompt_rate, prompt, first),
            decode_rate=_blend(old.decode_rate, decode, first),
            # Only a real (re)load says what a load costs; a warm request loads in ~0 s.
            load_seconds=_blend(old.load_seconds, load if load and load > 0.2 else None, first),
            samples=old.samples + 1,
        )
        self._speeds.pop(model, None)
        self._speeds[model] = new
        self._dirty = True
        while len(self._speeds) > MAX_MODELS:
            self._speeds.pop(next(iter(self._speeds)))
        return new

    def save(self) -> None:
        """Write the book atomically; a cache that cannot be written is only logged."""
        if self.path is None or not self._dirty:
            return
        self._dirty = False
        data = {name: asdict(speed) for name, speed in self._speeds.items()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".speeds-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
            Path(tmp).replace(self.path)
        except OSError as exc:
            log.warning("speeds not saved: %s", exc)

    def _load(self) -> None:
        if self._loaded or self.path is None:
            return
        self._loaded = True
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("speeds not read (%s); measuring again", exc)
            return
        if not isinstance(data, dict):
            return
        for name, fields in data.items():
            speed = _speed_from(fields)
            if isinstance(name, str) and speed is not None:
                self._speeds[name] = speed


def _speed_from(fields: object) -> Speed | None:
    if not isinstance(fields, dict):
        return None
    try:
        speed = Speed(
            prompt_rate=float(fields["prompt_rate"]),
            decode_rate=float(fields["decode_rate"]),
            load_seconds=float(fields["load_seconds"]),
            samples=int(fields["samples"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    values = (speed.prompt_rate, speed.decode_rate, speed.load_seconds)
    if not all(math.isfinite(v) for v in values) or speed.prompt_rate <= 0:
        return None
    return speed if speed.decode_rate > 0 and speed.load_seconds >= 0 else None
