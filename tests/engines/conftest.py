"""Fixtures for the embedded-engine tests: the real Gemma 3 270M GGUF, copies of it with a
chat template, and one engine shared by the session on its own event loop thread.

Loading the model takes about a second, so inference tests share one engine (kept
loaded with keep_alive -1) instead of loading it per test. The engine lives on an event
loop running in a background thread; tests hand it coroutines through `EngineLoop.run`.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from gguf import GGUFValueType

from kodesk.core.gguf_header import DEFAULT_ALIGNMENT, read_header
from kodesk.engines.default_model import ensure_default_model
from kodesk.engines.embedded import EmbeddedEngine
from kodesk.engines.gguf_catalog import GGUFCatalog

T = TypeVar("T")

#: A Gemma-style chat template (Hugging Face Jinja), as Gemma 3 instruct models carry.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)

#: Options that keep inference tests small and repeatable.
SMALL = {"num_ctx": 1024, "temperature": 0.0, "seed": 7, "num_predict": 16}


def _gguf_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _string_kv(key: str, value: str) -> bytes:
    return _gguf_string(key) + struct.pack("<I", int(GGUFValueType.STRING)) + _gguf_string(value)


def copy_with_metadata(source: Path, target: Path, strings: dict[str, str]) -> Path:
    """Copy a GGUF, adding string metadata keys (which must not exist yet), in about a second.

    (`gguf-new-metadata` does this too, but parses the whole 262k-token vocabulary into
    Python objects first: ~25 s for Gemma.) New key-value pairs go right after the 24-byte
    file header; a padding key makes their length a multiple of the data alignment, so
    the tensor data stays aligned and every tensor offset stays valid.
    """
    header = read_header(source, keys=(), tensors=True)
    alignment = int(
        read_header(source, keys=("general.alignment",), tensors=False).metadata.get(
            "general.alignment", DEFAULT_ALIGNMENT
        )
    )
    inserted = b"".join(_string_kv(k, v) for k, v in strings.items())
    pad_key = "kodesk.test.padding"
    overhead = len(_string_kv(pad_key, ""))
    pad = -(len(inserted) + overhead) % alignment
    inserted += _string_kv(pad_key, " " * pad)
    with source.open("rb") as src, target.open("wb") as out:
        head = src.read(24)
        magic, version, n_tensors, n_kv = struct.unpack("<4sIQQ", head)
        out.write(struct.pack("<4sIQQ", magic, version, n_tensors, n_kv + len(strings) + 1))
        out.write(inserted)
        out.write(src.read(header.data_offset - 24))
        while block := src.read(1 << 22):
            out.write(block)
    return target


@pytest.fixture(scope="session")
def gemma_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in model, assembled through kodesk's own `ensure_default_model`."""
    cache = tmp_path_factory.mktemp("model-cache")
    return asyncio.run(ensure_default_model(cache))


@pytest.fixture(scope="session")
def gemma_chat_gguf(gemma_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real model with a Gemma chat template added (`gemma-chat.gguf`)."""
    target = tmp_path_factory.mktemp("templated") / "gemma-chat.gguf"
    return copy_with_metadata(gemma_gguf, target, {"tokenizer.chat_template": GEMMA_CHAT_TEMPLATE})


class EngineLoop:
    """An event loop in a background thread, for objects that outlive one test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture(scope="session")
def engine_loop() -> Iterator[EngineLoop]:
    loop = EngineLoop()
    try:
        yield loop
    finally:
        loop.close()


@pytest.fixture(scope="session")
def shared_engine(
    engine_loop: EngineLoop,
    gemma_gguf: Path,
    gemma_chat_gguf: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[EmbeddedEngine]:
    """One engine offering the base model (the default) and its chat-template copy."""
    catalog = GGUFCatalog(tmp_path_factory.mktemp("models"), files=(gemma_gguf, gemma_chat_gguf))

    async def make() -> EmbeddedEngine:
        return EmbeddedEngine(catalog, n_threads=1, keep_alive=-1)

    engine = engine_loop.run(make())
    try:
        yield engine
    finally:
        engine_loop.run(engine.aclose())
