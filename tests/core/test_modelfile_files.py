"""Modelfiles from disk: any bytes, any path and any FROM value end in one typed line, in
bounded time (never blocking on a FIFO or device), and parsing is linear in the size."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kodesk.core.modelfile import (
    MAX_MODELFILE_BYTES,
    ModelfileError,
    decode_modelfile,
    parse_modelfile,
    read_modelfile,
)
from kodesk.core.modelfile_create import from_file, to_model_spec


def _one_line(error: ModelfileError) -> None:
    for lang in ("ko", "en"):
        assert "\n" not in error.message(lang)
        assert error.hint_text(lang)


def _finishes(call: Callable[[], Any]) -> Any:
    """`call`'s result or exception, failing the test if it blocks for 5 s."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:  # the caller checks the type
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive(), "blocked"
    return outcome[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "Modelfile.fifo"
    os.mkfifo(path)
    yield path
    with contextlib.suppress(OSError):  # release a blocked reader, if any (else ENXIO)
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe" + "FROM x".encode("utf-16-le") + b"F",  # UTF-16 with an odd length
        b"\xff\xfeF\x00R\x00O\x00M\x00 \x00x\x00\x00\xd8\n\x00",  # a lone surrogate
        b"\xfe\xff\x00F\x00R\x00O\x00M\x00 \x00x\xdc\x00",  # big-endian, lone low surrogate
        b"FROM x\nSYSTEM \xc3\x28 \xed\xa0\x80\n",  # invalid UTF-8, an encoded surrogate
        b"\xef\xbb\xbfFROM x\n",  # UTF-8 BOM
        b"\xef\xbb\xbf\xef\xbb\xbfFROM x\n",  # two BOMs
    ],
)
def test_odd_encodings_decode_with_replacement_and_parse(data: bytes) -> None:
    modelfile = parse_modelfile(decode_modelfile(data))
    assert modelfile.from_ is not None and modelfile.from_.startswith("x")


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        (b"FROM x\nSYSTEM a\x00b\n", 2, 9),
        ("FROM x\n".encode("utf-16-le"), 1, 2),  # UTF-16 without a byte-order mark
        (b"GGUF\x03\x00\x00\x00", 1, 6),  # a model file picked by mistake
    ],
)
def test_nul_bytes_are_refused_with_their_position(data: bytes, line: int, column: int) -> None:
    with pytest.raises(ModelfileError, match="NUL byte") as caught:
        decode_modelfile(data)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert caught.value.message("ko").startswith(f"Modelfile {line}:{column}: NUL")
    _one_line(caught.value)


def test_read_modelfile_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "Modelfile"
    path.write_bytes("\ufeffFROM x\nSYSTEM 안녕\n".encode("utf-16-le"))
    assert parse_modelfile(read_modelfile(path)).system == "안녕"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: tmp, "a directory"),
        (lambda tmp: Path("/dev/zero"), "a character device"),
        (lambda tmp: tmp / "missing", "cannot read it"),
        (lambda tmp: tmp / ("x" * 5000), "cannot read it"),
        (lambda tmp: tmp / ("d/" * 3000), "cannot read it"),
    ],
)
def test_unreadable_paths_give_one_line(
    tmp_path: Path, make: Callable[[Path], Path], words: str
) -> None:
    error = _finishes(lambda: read_modelfile(make(tmp_path)))
    assert isinstance(error, ModelfileError) and words in error.message("en")
    assert error.line == 0 and not error.message("en").startswith("Modelfile 0")
    _one_line(error)


def test_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    error = _finishes(lambda: read_modelfile(fifo))
    assert isinstance(error, ModelfileError) and "FIFO" in error.message("en")
    _one_line(error)


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "Modelfile"
    with path.open("wb") as handle:
        handle.write(b"FROM x\nSYSTEM ")
        handle.truncate(MAX_MODELFILE_BYTES + 1)
    with pytest.raises(ModelfileError, match="larger than 4 MB"):
        read_modelfile(path)


# -- FROM values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("~nosuchuser_kodesk/model.gguf", "no home folder for user 'nosuchuser_kodesk'"),
        ("/dev/zero", "a character device"),
        ("/" + "a" * 5000, "not usable as a path"),
        ("a/" * 3000 + "m.gguf", "not usable as a path"),
        (".", "a directory"),
    ],
)
def test_unusable_from_values_give_one_line(tmp_path: Path, value: str, words: str) -> None:
    modelfile = parse_modelfile(f"# a comment\nFROM {value}\n")
    error = _finishes(lambda: to_model_spec(modelfile, "m", tmp_path))
    assert isinstance(error, ModelfileError) and words in error.message("en")
    assert (error.line, error.column) == (2, 1)
    _one_line(error)
    with pytest.raises(ModelfileError, match=words.split("'")[0]):
        from_file(modelfile, tmp_path)


def test_from_a_fifo_does_not_block(fifo: Path) -> None:
    modelfile = parse_modelfile(f"FROM {fifo}\n")
    error = _finishes(lambda: to_model_spec(modelfile, "m", fifo.parent))
    assert isinstance(error, ModelfileError) and "FIFO" in error.message("en")


def test_adapter_paths_are_checked_the_same_way(tmp_path: Path) -> None:
    modelfile = parse_modelfile("FROM llama3\nADAPTER /dev/null\n")
    with pytest.raises(ModelfileError, match="character device") as caught:
        to_model_spec(modelfile, "m", tmp_path)
    assert caught.value.line == 2


def test_from_names_a_model_or_a_file(tmp_path: Path) -> None:
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    home_relative = parse_modelfile("FROM ~/surely-not-here-kodesk.gguf\n")
    assert to_model_spec(home_relative, "m", tmp_path).from_model == (
        "~/surely-not-here-kodesk.gguf"
    )
    spec = to_model_spec(parse_modelfile("FROM llama3:8b\nFROM m.gguf\n"), "m", tmp_path)
    assert spec.from_gguf == str(tmp_path / "m.gguf") and spec.from_model is None
    assert from_file(parse_modelfile("FROM hf.co/a/b:Q4_K_M\n"), tmp_path) is None
    assert to_model_spec(parse_modelfile("FROM \n"), "m", tmp_path).from_model == ""


# -- time --------------------------------------------------------------------------------


def _template_modelfile(size: int) -> str:
    line = "{{- if .System }}<|start_header_id|>system<|end_header_id|>\n"
    body = line * (size // len(line))
    return f'FROM x\nTEMPLATE """{body}"""\nPARAMETER stop <|eot_id|>\n'


def _parse_seconds(text: str) -> float:
    """CPU seconds of this process (other processes on a shared machine do not count),
    the best of five."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        parse_modelfile(text)
        best = min(best, time.process_time() - started)
    return best


def _assert_linear(shape: Callable[[int], str], size: int) -> None:
    small, large = shape(size), shape(4 * size)
    assert parse_modelfile(large).from_ == "x"
    small_seconds, large_seconds = _parse_seconds(small), _parse_seconds(large)
    assert large_seconds / small_seconds < 8  # quadratic would be 16


@pytest.mark.slow
def test_a_long_template_parses_in_linear_time() -> None:
    _assert_linear(_template_modelfile, 256 << 10)  # 256 KB and 1 MB
    assert _parse_seconds(_template_modelfile(1 << 20)) < 1  # it took minutes before


@pytest.mark.slow
@pytest.mark.parametrize(
    "shape",
    [
        lambda size: 'FROM x\nSYSTEM "' + "a\x01\n" * (size // 3) + '"\n',  # unprintables
        lambda size: "FROM x\n" * (size // 7),  # many commands
        lambda size: "FROM x\n" + "# c\n" * (size // 4),  # many comments
    ],
)
def test_other_shapes_parse_in_linear_time(shape: Callable[[int], str]) -> None:
    _assert_linear(shape, 32 << 10)
