"""A bounded reader for the header of a GGUF file: metadata keys and tensor descriptions.

Why not `gguf.GGUFReader`: it walks every array element into its own numpy object
(about 30 s and hundreds of MB for Gemma 3's 262k-token vocabulary) and trusts the
counts in the header. This reader memory-maps the file, reads with `struct`, checks
every count and length against the bytes that are left and against `GGUFLimits`
*before* acting on it, and only materialises the arrays a caller asks for. Tensor
data is never read. The constants (value types, tensor types, block sizes) come from
the `gguf` package.

A header that claims a 2^60-element array, a string longer than the file, an unknown
value type, a truncated file or tensor data that would end past the end of the file
all raise `GGUFError` quickly and without allocating what the header claims. Beyond
the checks of each count, one read of a file has budgets (`GGUFLimits`): how many
items it walks one by one, how much memory the values it keeps take, and how long it
runs - so millions of empty strings cost neither a gigabyte nor half a minute. Only
regular files are opened, without blocking (a FIFO or device is refused).
"""

from __future__ import annotations

import array
import mmap
import os
import re
import struct
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFValueType

from kodesk.core.errors import KodeskError, Text
from kodesk.core.gguf_budget import (
    CLOCK_EVERY,
    DEFAULT_LIMITS,
    SCALAR_OVERHEAD,
    STR_OVERHEAD,
    TENSOR_OVERHEAD,
    GGUFLimits,
    ReadBudget,
)
from kodesk.core.regular_file import NotRegularFile, open_regular_file

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4  # GGML_MAX_DIMS

_SCALAR_FORMATS: dict[int, str] = {
    GGUFValueType.UINT8: "B",
    GGUFValueType.INT8: "b",
    GGUFValueType.UINT16: "H",
    GGUFValueType.INT16: "h",
    GGUFValueType.UINT32: "I",
    GGUFValueType.INT32: "i",
    GGUFValueType.FLOAT32: "f",
    GGUFValueType.BOOL: "?",
    GGUFValueType.UINT64: "Q",
    GGUFValueType.INT64: "q",
    GGUFValueType.FLOAT64: "d",
}


class GGUFError(KodeskError):
    """A file is not a readable GGUF model (missing, truncated, malformed or hostile)."""

    code = "gguf"

    def __init__(self, path: str | Path, detail_en: str, detail_ko: str | None = None) -> None:
        # A hostile file's key names end up in the detail: keep the message one short line.
        detail_en, detail_ko = _one_line(detail_en), _one_line(detail_ko) if detail_ko else None
        super().__init__(
            Text(
                ko=f"GGUF 파일을 읽을 수 없습니다: {path}: {detail_ko or detail_en}",
                en=f"Cannot read GGUF file {path}: {detail_en}",
            ),
            Text(
                ko="파일이 끝까지 내려받아졌는지, 실제 GGUF 모델 파일인지 확인하세요.",
                en="Check that the download finished and that this is really a GGUF model file.",
            ),
        )
        self.path = str(path)
        self.detail = detail_en


#: Characters of a detail shown in a message (a key name may be megabytes long).
DETAIL_CHARS = 200
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _one_line(text: str) -> str:
    text = _CONTROLS.sub(" ", text)
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"


@dataclass(frozen=True)
class ArrayRef:
    """Where an array value that was not materialised lives in the file."""

    offset: int  # first element
    item_type: int
    length: int
    byte_order: str = "<"


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int  # relative to the data section

    @property
    def n_elements(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count

    @property
    def n_bytes(self) -> int | None:
        """Bytes of tensor data, or None for a tensor type this `gguf` version does not know."""
        try:
            block, size = GGML_QUANT_SIZES[GGMLQuantizationType(self.ggml_type)]
        except (ValueError, KeyError):
            return None
        return self.n_elements * size // block


@dataclass(frozen=True)
class GGUFHeader:
    """Everything before the tensor data. `metadata` holds scalars, strings and the
    arrays that were asked for; `arrays` locates the other arrays."""

    path: str
    version: int
    file_size: int
    metadata: dict[str, Any]
    arrays: dict[str, ArrayRef]
    tensors: tuple[TensorInfo, ...]
    data_offset: int


class _Cursor:
    """Bounds-checked little/big-endian reads from a memory map, within the budgets."""

    def __init__(self, buf: mmap.mmap, path: str, limits: GGUFLimits) -> None:
        self.buf = buf
        self.size = len(buf)
        self.pos = 0
        self.order = "<"
        self.path = path
        self.limits = limits
        self.budget = ReadBudget(limits, self.fail)

    def fail(self, detail: str, detail_ko: str | None = None) -> GGUFError:
        return GGUFError(self.path, detail, detail_ko)

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise self.fail(
                f"truncated: {what} at byte {self.pos} needs {n} bytes, "
                f"{max(0, self.size - self.pos)} left",
                f"파일이 잘렸습니다 ({what}, 위치 {self.pos})",
            )

    def scalar(self, fmt: str, what: str) -> Any:
        size = struct.calcsize(fmt)
        self.need(size, what)
        (value,) = struct.unpack_from(self.order + fmt, self.buf, self.pos)
        self.pos += size
        return value

    def u32(self, what: str) -> int:
        return int(self.scalar("I", what))

    def u64(self, what: str) -> int:
        return int(self.scalar("Q", what))

    def string(self, what: str, max_bytes: int) -> str:
        length = self.u64(f"length of {what}")
        if length > max_bytes:
            raise self.fail(f"{what} claims {length} bytes (limit {max_bytes})")
        self.need(length, what)
        self.budget.spend(1, STR_OVERHEAD + length)
        raw = self.buf[self.pos : self.pos + length]
        self.pos += length
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(f"{what} is not valid UTF-8") from None

    def skip_string(self, what: str) -> None:
        length = self.u64(f"length of {what}")
        self.need(length, what)
        self.budget.spend(1)
        self.pos += length

    def skip_strings(self, count: int, what: str) -> None:
        """Skip `count` strings (the hot loop for a 262k-token vocabulary; `array_head`
        has counted them)."""
        unpack = struct.Struct(self.order + "Q").unpack_from
        buf, size, pos = self.buf, self.size, self.pos
        for i in range(count):
            if pos + 8 > size:
                self.pos = pos
                self.need(8, f"length of {what}[{i}]")
            pos += 8 + unpack(buf, pos)[0]
            if pos > size:
                raise self.fail(f"truncated: {what}[{i}] runs past the end of the file")
            if not i % CLOCK_EVERY:
                self.budget.check_clock()
        self.pos = pos

    def value_type(self, what: str) -> int:
        raw = self.u32(f"type of {what}")
        if raw not in _SCALAR_FORMATS and raw not in (GGUFValueType.STRING, GGUFValueType.ARRAY):
            raise self.fail(f"{what} has unknown value type {raw}")
        return raw

    def value(self, vtype: int, what: str, depth: int = 0) -> Any:
        if vtype == GGUFValueType.STRING:
            return self.string(what, self.limits.max_string_bytes)
        if vtype == GGUFValueType.ARRAY:
            item_type, length = self.array_head(what, depth)
            return self.array_items(item_type, length, what, depth)
        return self.scalar(_SCALAR_FORMATS[vtype], what)

    def array_head(self, what: str, depth: int) -> tuple[int, int]:
        """The item type and length of an array. Strings and nested arrays are walked
        one by one, so they count against the item budget now, before any is walked."""
        if depth >= self.limits.max_array_depth:
            raise self.fail(f"{what}: arrays nested deeper than {self.limits.max_array_depth}")
        item_type = self.value_type(f"items of {what}")
        length = self.u64(f"length of {what}")
        if length > self.limits.max_array_length:
            raise self.fail(
                f"{what} claims {length} items (limit {self.limits.max_array_length})",
                f"{what} 배열 길이가 비정상적입니다 ({length})",
            )
        self.need(length * _min_item_size(item_type), f"{length} items of {what}")
        if item_type not in _SCALAR_FORMATS:
            self.budget.spend(length)
        return item_type, length

    def array_items(self, item_type: int, length: int, what: str, depth: int) -> list[Any]:
        fmt = _SCALAR_FORMATS.get(item_type)
        if fmt is not None:
            size = struct.calcsize(fmt) * length
            self.need(size, what)
            self.budget.spend(0, SCALAR_OVERHEAD * length)
            values = _scalars(self.buf, self.pos, size, fmt, self.order)
            self.pos += size
            return values
        if item_type == GGUFValueType.STRING:
            return self.read_strings(length, what)
        return [self.value(item_type, f"{what}[{i}]", depth + 1) for i in range(length)]

    def read_strings(self, count: int, what: str) -> list[str]:
        """`count` strings, each within `max_string_bytes` and all within the memory
        budget (`array_head` has counted them as items). A hot loop, like `skip_strings`."""
        unpack = struct.Struct(self.order + "Q").unpack_from
        buf, size, limit, pos = self.buf, self.size, self.limits.max_string_bytes, self.pos
        start_room = room = self.budget.memory_room()
        strings: list[str] = []
        append = strings.append
        for i in range(count):
            if pos + 8 > size:
                self.pos = pos
                self.need(8, f"length of {what}[{i}]")
            length = unpack(buf, pos)[0]
            start, pos = pos + 8, pos + 8 + length
            if length > limit:
                raise self.fail(f"{what}[{i}] claims {length} bytes (limit {limit})")
            if pos > size:
                raise self.fail(f"truncated: {what}[{i}] runs past the end of the file")
            room -= STR_OVERHEAD + length
            if room < 0:
                self.budget.spend(0, start_room - room)  # raises
            try:
                append(buf[start:pos].decode("utf-8"))
            except UnicodeDecodeError:
                raise self.fail(f"{what}[{i}] is not valid UTF-8") from None
            if not i % CLOCK_EVERY:
                self.budget.check_clock()
        self.pos = pos
        self.budget.spend(0, start_room - room)
        return strings

    def skip_array_items(self, item_type: int, length: int, what: str, depth: int) -> None:
        fmt = _SCALAR_FORMATS.get(item_type)
        if fmt is not None:
            size = struct.calcsize(fmt) * length
            self.need(size, what)
            self.pos += size
        elif item_type == GGUFValueType.STRING:
            self.skip_strings(length, what)
        else:
            for i in range(length):
                inner_type, inner_length = self.array_head(f"{what}[{i}]", depth + 1)
                self.skip_array_items(inner_type, inner_length, f"{what}[{i}]", depth + 1)


_NATIVE_ORDER = "<" if sys.byteorder == "little" else ">"


def _scalars(buf: mmap.mmap, pos: int, size: int, fmt: str, order: str) -> list[Any]:
    """The numbers in `buf[pos:pos + size]`, made straight into a list (unpacking to a
    tuple first would hold every number twice)."""
    if struct.calcsize(fmt) == 1 or order == _NATIVE_ORDER:
        with memoryview(buf) as view:
            cast: Any = view[pos : pos + size].cast  # typeshed wants a literal format
            values: list[Any] = cast(fmt).tolist()
            return values
    swapped = array.array(fmt)
    swapped.frombytes(buf[pos : pos + size])
    swapped.byteswap()
    return swapped.tolist()


def _min_item_size(item_type: int) -> int:
    fmt = _SCALAR_FORMATS.get(item_type)
    if fmt is not None:
        return struct.calcsize(fmt)
    return 12 if item_type == GGUFValueType.ARRAY else 8  # type+length, or length


def _open_map(path: Path) -> mmap.mmap:
    try:
        with open_regular_file(path) as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                raise GGUFError(path, "the file is empty", "빈 파일입니다")
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except GGUFError:
        raise
    except NotRegularFile as exc:
        raise GGUFError(
            path, f"this is {exc.kind.en}, not a GGUF file", f"{exc.kind.ko}입니다"
        ) from None
    except OSError as exc:
        raise GGUFError(path, exc.strerror or str(exc)) from None
    except ValueError as exc:  # mmap of an unmappable file, a NUL in the name
        raise GGUFError(path, str(exc)) from None


def read_header(
    path: str | Path,
    keys: Collection[str] | None = None,
    *,
    arrays: Collection[str] | Literal["all"] = (),
    tensors: bool = True,
    limits: GGUFLimits = DEFAULT_LIMITS,
) -> GGUFHeader:
    """Read the header of `path`.

    `keys`: which metadata keys to keep (None: all). Kept scalars and strings are read;
    a kept array is materialised when `keys` names it, or, with `keys` None, when
    `arrays` names it or is "all". Other arrays are skipped and located in
    `GGUFHeader.arrays`.
    With `tensors`, the tensor descriptions are read and the data section is checked
    to fit in the file.
    """
    file_path = Path(path)
    buf = _open_map(file_path)
    try:
        wanted_arrays = None if arrays == "all" else frozenset(arrays)
        return _parse(buf, file_path, keys, wanted_arrays, tensors, limits)
    finally:
        buf.close()


def _parse(
    buf: mmap.mmap,
    path: Path,
    keys: Collection[str] | None,
    wanted_arrays: frozenset[str] | None,
    with_tensors: bool,
    limits: GGUFLimits,
) -> GGUFHeader:
    cur = _Cursor(buf, str(path), limits)
    cur.need(4, "magic")
    if buf[0:4] != GGUF_MAGIC:
        raise cur.fail(
            f"not a GGUF file (starts with {bytes(buf[0:4])!r}, expected b'GGUF')",
            "GGUF 파일이 아닙니다",
        )
    cur.pos = 4
    version = cur.u32("version")
    if version & 0xFFFF == 0 and version != 0:  # written on a big-endian machine
        cur.order = ">"
        version = struct.unpack(">I", struct.pack("<I", version))[0]
    if version not in SUPPORTED_VERSIONS:
        raise cur.fail(f"unsupported GGUF version {version} (supported: 2, 3)")
    tensor_count = cur.u64("tensor count")
    kv_count = cur.u64("metadata count")
    if kv_count > limits.max_kv_count:
        raise cur.fail(f"header claims {kv_count} metadata keys (limit {limits.max_kv_count})")
    if tensor_count > limits.max_tensor_count:
        raise cur.fail(f"header claims {tensor_count} tensors (limit {limits.max_tensor_count})")
    wanted = None if keys is None else frozenset(keys)
    metadata: dict[str, Any] = {}
    array_refs: dict[str, ArrayRef] = {}
    for index in range(kv_count):
        cur.budget.check_clock()
        key = cur.string(f"metadata key #{index}", limits.max_key_bytes)
        if key in metadata or key in array_refs:
            raise cur.fail(f"duplicate metadata key {key!r}")
        vtype = cur.value_type(key)
        keep = wanted is None or key in wanted
        if vtype != GGUFValueType.ARRAY:
            if keep:
                metadata[key] = cur.value(vtype, key)
            elif vtype == GGUFValueType.STRING:
                cur.skip_string(key)
            else:
                cur.scalar(_SCALAR_FORMATS[vtype], key)
            continue
        item_type, length = cur.array_head(key, 0)
        if keep and (wanted is not None or wanted_arrays is None or key in wanted_arrays):
            metadata[key] = cur.array_items(item_type, length, key, 0)
        else:
            array_refs[key] = ArrayRef(cur.pos, item_type, length, cur.order)
            cur.skip_array_items(item_type, length, key, 0)
    tensor_infos: tuple[TensorInfo, ...] = ()
    data_offset = cur.pos
    if with_tensors:
        tensor_infos = tuple(_read_tensor_info(cur, i) for i in range(tensor_count))
        data_offset = _data_offset(cur, metadata, array_refs)
        _check_data_fits(cur, tensor_infos, data_offset)
    return GGUFHeader(
        path=str(path),
        version=version,
        file_size=cur.size,
        metadata=metadata,
        arrays=array_refs,
        tensors=tensor_infos,
        data_offset=data_offset,
    )


def _read_tensor_info(cur: _Cursor, index: int) -> TensorInfo:
    cur.budget.spend(0, TENSOR_OVERHEAD)
    name = cur.string(f"name of tensor #{index}", cur.limits.max_key_bytes)
    n_dims = cur.u32(f"dimension count of tensor {name!r}")
    if n_dims > MAX_DIMS:
        raise cur.fail(f"tensor {name!r} claims {n_dims} dimensions (at most {MAX_DIMS})")
    shape = tuple(cur.u64(f"dimension of tensor {name!r}") for _ in range(n_dims))
    ggml_type = cur.u32(f"type of tensor {name!r}")
    offset = cur.u64(f"offset of tensor {name!r}")
    return TensorInfo(name, shape, ggml_type, offset)


def _data_offset(cur: _Cursor, metadata: dict[str, Any], array_refs: dict[str, ArrayRef]) -> int:
    alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if (
        "general.alignment" in array_refs
        or not isinstance(alignment, int)
        or (alignment <= 0 or alignment & (alignment - 1))
    ):
        raise cur.fail(f"general.alignment {alignment!r} is not a power of two")
    return -(-cur.pos // alignment) * alignment


def _check_data_fits(cur: _Cursor, tensors: tuple[TensorInfo, ...], data_offset: int) -> None:
    names: set[str] = set()
    for tensor in tensors:
        if tensor.name in names:
            raise cur.fail(f"duplicate tensor {tensor.name!r}")
        names.add(tensor.name)
        size = tensor.n_bytes
        if size is None:
            continue
        end = data_offset + tensor.offset + size
        if end > cur.size:
            raise cur.fail(
                f"truncated: tensor {tensor.name!r} ends at byte {end} but the file has "
                f"{cur.size} bytes (incomplete download?)",
                f"파일이 잘렸습니다: 텐서 {tensor.name!r}가 파일 끝을 넘어갑니다 "
                "(내려받기가 끝나지 않았을 수 있음)",
            )


def read_array_items(
    path: str | Path,
    ref: ArrayRef,
    indices: Collection[int],
    limits: GGUFLimits = DEFAULT_LIMITS,
) -> dict[int, Any]:
    """Items at `indices` of an array located by `read_header` (others are skipped)."""
    buf = _open_map(Path(path))
    try:
        cur = _Cursor(buf, str(path), limits)
        cur.pos = ref.offset
        cur.order = ref.byte_order
        want = {i for i in indices if 0 <= i < ref.length}
        fmt = _SCALAR_FORMATS.get(ref.item_type)
        if fmt is not None:
            size = struct.calcsize(fmt)
            cur.need(size * ref.length, "array")
            return {
                i: struct.unpack_from(cur.order + fmt, buf, ref.offset + i * size)[0] for i in want
            }
        out: dict[int, Any] = {}
        last = max(want, default=-1)
        for i in range(last + 1):
            if i in want:
                out[i] = cur.value(ref.item_type, f"item {i}", 1)
            elif ref.item_type == GGUFValueType.STRING:
                cur.skip_string(f"item {i}")
            else:
                inner_type, inner_length = cur.array_head(f"item {i}", 1)
                cur.skip_array_items(inner_type, inner_length, f"item {i}", 1)
        return out
    finally:
        buf.close()


def read_metadata(
    path: str | Path,
    keys: Collection[str] | None = None,
    limits: GGUFLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Metadata of a GGUF file as plain Python values (arrays as lists).

    `keys`: the keys to return (None: every key). Keys the file does not have are
    absent from the result. Tensor data is never read; every length is bounded.
    Made for the tokenizer (`tokenizer.ggml.tokens`, `merges`, `scores`,
    `token_type` and the scalar `tokenizer.*` keys).
    """
    return read_header(path, keys, arrays="all", tensors=False, limits=limits).metadata
