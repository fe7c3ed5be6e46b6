"""Fuzzing the GGUF reader: arbitrary bytes, and valid files whose counts and lengths are
replaced by hostile values, give a header or a typed `GGUFError`, each input within a
time bound (hypothesis' deadline) and a memory bound (tracemalloc peak)."""

from __future__ import annotations

import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gguf import GGUFValueType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kodesk.core.gguf_header import read_header
from kodesk.core.gguf_info import GGUFError, inspect_gguf, read_metadata
from tests.gguf_factory import preset, write_gguf

DEADLINE_MS = 2000
PEAK_BYTES = 64 << 20
SCALAR_SIZES = {
    GGUFValueType.UINT8: 1,
    GGUFValueType.INT8: 1,
    GGUFValueType.BOOL: 1,
    GGUFValueType.UINT16: 2,
    GGUFValueType.INT16: 2,
    GGUFValueType.UINT32: 4,
    GGUFValueType.INT32: 4,
    GGUFValueType.FLOAT32: 4,
    GGUFValueType.UINT64: 8,
    GGUFValueType.INT64: 8,
    GGUFValueType.FLOAT64: 8,
}
READERS: tuple[Callable[[Path], Any], ...] = (
    inspect_gguf,
    read_metadata,
    lambda path: read_header(path, arrays="all"),
)
_EDGES = (0, 1, 2, 7, 255, 1 << 16, 1 << 24, (1 << 24) + 1, 1 << 31, (1 << 32) - 1, 1 << 32)
HOSTILE = st.sampled_from((*_EDGES, 1 << 60, 1 << 63, (1 << 64) - 1)) | st.integers(
    0, (1 << 64) - 1
)


class _Fields:
    """Offsets of every count and length (u64) in a valid little-endian GGUF file."""

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self.pos = 24
        self.offsets = [8, 16]  # tensor count, metadata count

    def u32(self) -> int:
        (value,) = struct.unpack_from("<I", self.blob, self.pos)
        self.pos += 4
        return int(value)

    def length(self) -> int:
        self.offsets.append(self.pos)
        (value,) = struct.unpack_from("<Q", self.blob, self.pos)
        self.pos += 8
        return int(value)

    def string(self) -> None:
        size = self.length()  # (not `self.pos += self.length()`: that reads pos first)
        self.pos += size

    def value(self, kind: int) -> None:
        if kind == GGUFValueType.STRING:
            self.string()
        elif kind == GGUFValueType.ARRAY:
            item = self.u32()
            count = self.length()
            if item in SCALAR_SIZES:
                self.pos += SCALAR_SIZES[GGUFValueType(item)] * count
            else:
                for _ in range(count):
                    self.value(item)
        else:
            self.pos += SCALAR_SIZES[GGUFValueType(kind)]

    def walk(self) -> list[int]:
        tensors, keys = struct.unpack_from("<QQ", self.blob, 8)
        for _ in range(keys):
            self.string()
            self.value(self.u32())
        for _ in range(tensors):
            self.string()
            for _ in range(self.u32()):
                self.length()  # a dimension
            self.u32()
            self.length()  # the data offset
        return self.offsets


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[int]]:
    path = write_gguf(tmp_path_factory.mktemp("gguf") / "m.gguf", preset("gemma"))
    blob = path.read_bytes()
    return blob, _Fields(blob).walk()


def _read_everything(path: Path) -> None:
    """Every reader: a result or GGUFError; within the memory bound."""
    tracemalloc.start()
    try:
        for read in READERS:
            try:
                read(path)
            except GGUFError as exc:
                assert "\n" not in exc.message("en")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES


def test_the_walker_finds_the_fields(valid: tuple[bytes, list[int]]) -> None:
    blob, offsets = valid
    assert len(offsets) > 40 and max(offsets) < len(blob)


@settings(
    max_examples=200,
    deadline=DEADLINE_MS,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_counts_and_lengths(
    tmp_path: Path, valid: tuple[bytes, list[int]], data: st.DataObject
) -> None:
    blob, offsets = valid
    damaged = bytearray(blob)
    for _ in range(data.draw(st.integers(1, 3))):
        offset = data.draw(st.sampled_from(offsets))
        struct.pack_into("<Q", damaged, offset, data.draw(HOSTILE))
    path = tmp_path / "hostile.gguf"
    path.write_bytes(bytes(damaged))
    _read_everything(path)


@settings(
    max_examples=200,
    deadline=DEADLINE_MS,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.binary(max_size=600), st.booleans())
def test_arbitrary_bytes(tmp_path: Path, tail: bytes, with_header: bool) -> None:
    head = b"GGUF\x03\x00\x00\x00" if with_header else b""
    path = tmp_path / "noise.gguf"
    path.write_bytes(head + tail)
    _read_everything(path)


@pytest.mark.slow
@settings(
    max_examples=3000,
    deadline=DEADLINE_MS,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_long_run_hostile_fields_and_bytes(
    tmp_path: Path, valid: tuple[bytes, list[int]], data: st.DataObject
) -> None:
    blob, offsets = valid
    damaged = bytearray(blob)
    for _ in range(data.draw(st.integers(1, 6))):
        if data.draw(st.booleans()):
            struct.pack_into("<Q", damaged, data.draw(st.sampled_from(offsets)), data.draw(HOSTILE))
        else:
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "hostile.gguf"
    path.write_bytes(bytes(damaged))
    _read_everything(path)
