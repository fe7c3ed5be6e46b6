"""Newline-delimited JSON read from byte chunks, with a cap on a single line.

A server (or something pretending to be one) may send a line that never ends or one
line of gigabytes. `LineSplitter` keeps at most `max_line` bytes of an unfinished line
and fails as soon as a line grows past it, so memory stays flat whatever arrives.
Every failure is a `MalformedResponse` (or its `OversizedLine`), never a raw
`UnicodeDecodeError` or `json.JSONDecodeError`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import Any

from kodesk.core.errors import MalformedResponse, OversizedLine

#: The longest line accepted. A chat or pull line is well under 1 KiB; a thinking model's
#: line carries one token. 1 MiB leaves room for anything a real server sends.
MAX_LINE = 1 << 20


class LineSplitter:
    """Splits a byte stream into lines (without the newline); blank lines are dropped."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """The complete lines `chunk` finishes; raises OversizedLine past the cap."""
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            piece = chunk[start:end]
            if len(self._buffer) + len(piece) > self.max_line:
                raise OversizedLine(self.max_line)
            if self._buffer:
                self._buffer += piece
                line = bytes(self._buffer)
                self._buffer.clear()
            else:
                line = piece
            start = end + 1
            if line.strip():
                yield line
        rest = len(chunk) - start
        if len(self._buffer) + rest > self.max_line:
            raise OversizedLine(self.max_line)
        self._buffer += chunk[start:]

    def end(self) -> bytes | None:
        """The unfinished last line, if the stream ended without a newline."""
        line = bytes(self._buffer)
        self._buffer.clear()
        return line if line.strip() else None


def parse_line(line: bytes) -> dict[str, Any]:
    """One NDJSON line as a JSON object."""
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedResponse(f"not a JSON line: {_preview(line)}") from exc
    if not isinstance(data, dict):
        raise MalformedResponse(f"expected a JSON object, got {_preview(line)}")
    return data


async def ndjson_objects(
    chunks: AsyncIterator[bytes], max_line: int = MAX_LINE
) -> AsyncGenerator[dict[str, Any], None]:
    """The JSON objects of a stream of byte chunks, one per line."""
    splitter = LineSplitter(max_line)
    async for chunk in chunks:
        for line in splitter.feed(chunk):
            yield parse_line(line)
    last = splitter.end()
    if last is not None:
        yield parse_line(last)


def _preview(line: bytes) -> str:
    text = line[:60].decode("utf-8", errors="replace")
    return repr(text + ("…" if len(line) > 60 else ""))
