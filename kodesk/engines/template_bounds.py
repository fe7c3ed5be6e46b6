"""How big a value in a chat template is, and how big an operation's result can get,
known before the operation runs: so one `~`, filter or method call cannot build a
gigabyte string (see `chat_prompt`, whose sandbox calls these).

`flat_size` is the size of a value written out in full: the characters of its
strings, and every item of a nested container as often as it occurs (a list holding
the same list twice counts it twice, as `str()` would print it twice). Shared parts
are measured once, so the cost is one visit per distinct container.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, KeysView, ValuesView
from typing import Any

from jinja2.utils import Namespace

#: Containers nested deeper than this are refused (templates use a few levels).
MAX_DEPTH = 64

_CONTAINERS = (list, tuple, dict, set, frozenset, Namespace, KeysView, ValuesView, ItemsView)


class TooDeep(Exception):
    """A value nests containers deeper than `MAX_DEPTH` (or holds itself)."""


def _children(value: Any) -> Any:
    if isinstance(value, dict):
        return (part for pair in value.items() for part in pair)
    if isinstance(value, Namespace):  # jinja2 keeps its attributes in a private dict
        return _children(object.__getattribute__(value, "_Namespace__attrs"))
    return value


def flat_size(value: Any, limit: int) -> int:
    """The written-out size of `value`; counting stops once it passes `limit`.
    Raises `TooDeep`."""
    memo: dict[int, int] = {}

    def size(item: Any, depth: int) -> int:
        if isinstance(item, str | bytes):
            return len(item)
        if isinstance(item, int):
            return item.bit_length() // 3 + 1
        if not isinstance(item, _CONTAINERS):
            return 1
        key = id(item)
        if key in memo:
            return memo[key]
        if depth > MAX_DEPTH:
            raise TooDeep
        total = 1
        for child in _children(item):
            total += size(child, depth + 1)
            if total > limit:
                break
        memo[key] = total
        return total

    return size(value, 0)


def _count(text: str, part: str) -> int:
    return text.count(part) if part else len(text) + 1


def replaced_size(text: Any, old: Any, new: Any, count: Any = None) -> int:
    """An upper bound on the size of `text.replace(old, new, count)`."""
    text, old, new = str(text), str(old), str(new)
    hits = _count(text, old)
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * max(0, len(new) - len(old))


def joined_size(separator: Any, items: Any, limit: int) -> int:
    """An upper bound on the size of `separator.join(items)`."""
    gaps = len(items) if isinstance(items, _CONTAINERS) else 0
    return flat_size(items, limit) + len(str(separator)) * gaps


def _width(text: Any, width: Any = 0, *_: Any) -> int:
    return max(len(str(text)), int(width) if isinstance(width, int) else 0)


def _tabs(text: Any, tabsize: Any = 8) -> int:
    width = int(tabsize) if isinstance(tabsize, int) else 8
    return len(str(text)) + str(text).count("\t") * max(0, width)


Bound = Callable[..., int]

#: `str` methods whose result can be much larger than the string: a bound on the
#: result from (limit, string, *args, **kwargs).
STR_METHOD_BOUNDS: dict[str, Bound] = {
    "replace": lambda _limit, text, *args, **_: replaced_size(text, *args),
    "join": lambda limit, text, items=(), *_, **__: joined_size(text, items, limit),
    "expandtabs": lambda _limit, text, *args, **_: _tabs(text, *args),
    **{
        name: lambda _limit, text, *args, **_: _width(text, *args)
        for name in ("center", "ljust", "rjust", "zfill")
    },
}

#: Filters whose result can be much larger than their arguments: a bound on the
#: result's size (or on the number of items it makes) from (limit, value, *args,
#: **kwargs), without the context argument some filters take first.
FILTER_BOUNDS: dict[str, Bound] = {
    "replace": lambda _limit, text, *args, **_: replaced_size(text, *args),
    "join": lambda limit, items, d="", *_, **__: joined_size(d, items, limit),
    "batch": lambda _limit, _items, linecount=0, *_, **__: _width("", linecount),
    "slice": lambda _limit, _items, slices=0, *_, **__: _width("", slices),
}
