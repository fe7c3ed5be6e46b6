"""The built-in model: assembled from its PyPI chunks into the cache, checked, and cheap later."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import kodesk.engines.default_model as default_model
import kodesk.engines.file_copy as file_copy
from kodesk.core.types import Progress
from kodesk.engines.default_model import BuiltinModel, ensure_default_model
from kodesk.engines.embedded_errors import DefaultModelError
from tests.conftest import run_async

REAL_NAME = "gemma-3-270m-q4_k_m.gguf"


def test_real_model_is_assembled_verified_and_reused(gemma_gguf: Path, tmp_path: Path) -> None:
    # `gemma_gguf` was assembled by ensure_default_model in another folder; do it again here
    # with progress, then check the second call neither copies nor hashes.
    seen: list[Progress] = []
    path = run_async(ensure_default_model(tmp_path, seen.append))
    assert path == tmp_path / REAL_NAME
    assert path.stat().st_size == gemma_gguf.stat().st_size
    statuses = [p.status for p in seen]
    assert statuses[0] == "assembling built-in model"
    assert statuses[-2:] == ["verifying sha256 digest", "success"]
    done = [p.completed for p in seen if p.status == "assembling built-in model"]
    assert done == sorted(done) and done[-1] == seen[0].total == path.stat().st_size
    assert seen[-1].digest == f"sha256:{default_model._source().sha256}"
    assert path.stat().st_mode & 0o444 == 0o444

    mtime = path.stat().st_mtime_ns
    again: list[Progress] = []
    started = time.perf_counter()
    assert run_async(ensure_default_model(tmp_path, again.append)) == path
    assert time.perf_counter() - started < 0.5  # a 250 MB hash alone takes longer
    assert again == [] and path.stat().st_mtime_ns == mtime


@pytest.fixture
def small_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> default_model._Source:
    """A three-chunk stand-in for the package, so failure cases need no 250 MB copies."""
    chunks = []
    for i in range(3):
        chunk = tmp_path / "pkg" / f"m.gguf.part{i:02d}"
        chunk.parent.mkdir(exist_ok=True)
        chunk.write_bytes(bytes([i]) * 3_000_000)
        chunks.append(chunk)
    sha = hashlib.sha256(b"".join(c.read_bytes() for c in chunks)).hexdigest()
    source = default_model._Source("m.gguf", sha, tuple(chunks))
    monkeypatch.setattr(default_model, "_source", lambda: source)
    return source


def test_changed_file_is_assembled_again(
    small_source: default_model._Source, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    path = run_async(ensure_default_model(cache))
    path.write_bytes(b"damaged")
    assert run_async(ensure_default_model(cache)) == path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == small_source.sha256


def test_checksum_mismatch_is_an_error_and_leaves_nothing(
    small_source: default_model._Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = default_model._Source("m.gguf", "0" * 64, small_source.chunks)
    monkeypatch.setattr(default_model, "_source", lambda: bad)
    cache = tmp_path / "cache"
    with pytest.raises(DefaultModelError, match="sha256 mismatch"):
        run_async(ensure_default_model(cache))
    assert list(cache.iterdir()) == []


def test_missing_chunk_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = SimpleNamespace(
        MODEL_NAME="m.gguf",
        EXPECTED_SHA256="0" * 64,
        chunk_paths=lambda: [tmp_path / "gone.part00"],
    )
    monkeypatch.setattr(default_model, "_package", lambda: package)
    with pytest.raises(DefaultModelError, match="missing chunk files"):
        run_async(ensure_default_model(tmp_path / "cache"))


def test_cancelling_removes_the_partial_file(
    small_source: default_model._Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tiny blocks make the copy slow enough that the cancel surely lands mid-copy
    monkeypatch.setattr(file_copy, "BLOCK", 64)
    monkeypatch.setattr(file_copy, "REPORT_EVERY", 64)
    cache = tmp_path / "cache"

    async def cancel_after_first_progress() -> None:
        started = asyncio.Event()
        task = asyncio.ensure_future(ensure_default_model(cache, lambda _: started.set()))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_async(cancel_after_first_progress())
    deadline = time.monotonic() + 5
    while any(cache.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(cache.iterdir()) == []


def test_builtin_model_assembles_once_on_first_use(
    small_source: default_model._Source, tmp_path: Path
) -> None:
    seen: list[Progress] = []
    builtin = BuiltinModel(tmp_path / "cache", seen.append)
    assert builtin.name == "m" and not builtin.cached_path.exists()

    async def twice() -> tuple[Path, Path]:
        return await asyncio.gather(builtin.path(), builtin.path())

    first, second = run_async(twice())
    assert first == second == builtin.cached_path
    assert [p.status for p in seen].count("success") == 1
