"""Ollama's `keep_alive` values, read the way Ollama reads them.

A number is seconds; a string is a Go duration ("5m", "1h30m", "90s", "250ms"); a
negative value keeps the model loaded forever; 0 unloads right after the answer. A bare
numeric string ("300", "-1") is read as seconds too, as kodesk's settings store text.
"""

from __future__ import annotations

import re

from kodesk.core.errors import InputRejected, Text

DEFAULT_KEEP_ALIVE = "5m"

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def _invalid(value: object) -> InputRejected:
    return InputRejected(
        Text(
            ko=f"keep_alive 값 {value!r}을(를) 읽을 수 없습니다.",
            en=f"Cannot read the keep_alive value {value!r}.",
        ),
        Text(
            ko='"5m", "1h", "30s", 0(바로 내림), -1(계속 유지)처럼 쓰세요.',
            en='Write it like "5m", "1h", "30s", 0 (unload now) or -1 (keep forever).',
        ),
    )


def keep_alive_seconds(value: str | int | float | None) -> float | None:
    """Seconds to keep a model loaded after a request; None means forever."""
    if value is None:
        value = DEFAULT_KEEP_ALIVE
    if isinstance(value, bool):
        raise _invalid(value)
    if isinstance(value, int | float):
        return None if value < 0 else float(value)
    text = value.strip()
    try:
        return keep_alive_seconds(float(text))
    except ValueError:
        pass
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    total = 0.0
    position = 0
    for match in _PART.finditer(body):
        if match.start() != position:
            raise _invalid(value)
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not body or position != len(body):
        raise _invalid(value)
    return None if sign < 0 and total > 0 else total
