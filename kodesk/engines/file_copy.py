"""Copying big model files without blocking the event loop, with progress and a checksum.

`join_files` streams one or more source files, block by block in a worker thread, into a
temporary file next to the target, optionally computing the sha256 on the way, and
moves it into place atomically. Closing the stream (or cancelling the task reading it)
stops the copy and removes the partial file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from kodesk.core.types import Progress

BLOCK = 1 << 20
REPORT_EVERY = 8 * BLOCK


class ChecksumMismatch(ValueError):
    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"sha256 mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


def _copy(
    sources: Sequence[Path],
    target: Path,
    status: str,
    sha256: str | None,
    report: Callable[[Progress], None],
    cancelled: threading.Event,
) -> None:
    total = sum(source.stat().st_size for source in sources)
    digest = hashlib.sha256() if sha256 else None
    done = reported = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                with source.open("rb") as src:
                    while block := src.read(BLOCK):
                        if cancelled.is_set():
                            return
                        out.write(block)
                        if digest is not None:
                            digest.update(block)
                        done += len(block)
                        if done - reported >= REPORT_EVERY or done == total:
                            reported = done
                            report(Progress(status, None, total, done))
        if digest is not None and sha256:
            report(Progress("verifying sha256 digest", f"sha256:{sha256}", total, total))
            if digest.hexdigest() != sha256:
                raise ChecksumMismatch(sha256, digest.hexdigest())
        temp.chmod(0o644)  # mkstemp makes it private; a model file is ordinary data
        temp.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


async def join_files(
    sources: Sequence[Path], target: Path, *, status: str, sha256: str | None = None
) -> AsyncIterator[Progress]:
    """Copy `sources`, concatenated, to `target`, yielding progress (bytes).

    Raises `ChecksumMismatch` (target untouched) when `sha256` is given and differs,
    `OSError` when reading or writing fails.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Progress | None] = asyncio.Queue()
    cancelled = threading.Event()

    def report(item: Progress) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        try:
            _copy(sources, target, status, sha256, report, cancelled)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    job = loop.run_in_executor(None, work)
    try:
        while (item := await queue.get()) is not None:
            yield item
        await job
    finally:
        if not job.done():
            cancelled.set()
            await asyncio.wait([job])
            job.exception()  # retrieved: the copy was abandoned, its outcome does not matter
