"""Fuzzing the Modelfile reader: any bytes and any text built from Modelfile-like tokens
give a parse or a typed `ModelfileError`, within a time bound per input, and the same
result as the character-at-a-time reference port of Ollama's parser."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kodesk.core.modelfile import (
    Command,
    ModelfileError,
    decode_modelfile,
    parse_modelfile,
    read_modelfile,
    render_modelfile,
)
from tests.fuzz.modelfile_oracle import reference_commands

#: Per-input time bound (hypothesis fails an example that takes longer).
DEADLINE_MS = 2000
QUICK = settings(max_examples=200, deadline=DEADLINE_MS)
LONG = settings(max_examples=5000, deadline=DEADLINE_MS)

TOKENS = (
    "FROM ",
    "from ",
    "PARAMETER ",
    "MESSAGE ",
    "TEMPLATE ",
    "SYSTEM ",
    "LICENSE ",
    "ADAPTER ",
    "REQUIRES ",
    "user ",
    "assistant ",
    "system ",
    "stop ",
    "num_ctx ",
    "temperature ",
    "top-k ",
    "4096",
    "0.7",
    "llama3",
    "./m.gguf",
    "~/m.gguf",
    "~nobody/x",
    "{{ .Prompt }}",
    "<|eot_id|>",
    "안녕",
    '"',
    '""',
    '"""',
    "#",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\x00",
    "\x01",
    "\u200b",
    "\u3000",
    "\ufeff",
    "\ud800",
    "\ufffd",
)
modelfile_like = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
encodings = st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])


def _parse_or_refuse(text: str) -> None:
    """Parse; a parsed Modelfile renders (or refuses) and reads back the same."""
    try:
        modelfile = parse_modelfile(text)
    except ModelfileError as exc:
        assert exc.line >= 1 and exc.column >= 1
        return
    try:
        rendered = render_modelfile(modelfile)
    except ModelfileError:
        return
    assert parse_modelfile(rendered) == modelfile


def _decode_and_parse(data: bytes) -> None:
    try:
        text = decode_modelfile(data)
    except ModelfileError as exc:
        assert "NUL" in exc.message("en")
        return
    _parse_or_refuse(text)


@QUICK
@given(st.binary(max_size=2000))
def test_any_bytes(data: bytes) -> None:
    _decode_and_parse(data)


@QUICK
@given(modelfile_like, encodings, st.booleans())
def test_modelfile_like_bytes(text: str, encoding: str, chop: bool) -> None:
    data = text.encode(encoding, errors="surrogatepass")
    _decode_and_parse(data[:-1] if chop else data)  # chopped: odd UTF-16 lengths


@QUICK
@given(modelfile_like)
def test_modelfile_like_text(text: str) -> None:
    _parse_or_refuse(text)


@settings(max_examples=50, deadline=DEADLINE_MS, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=500))
def test_read_modelfile_from_disk(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz.Modelfile"
    path.write_bytes(data)
    try:
        _parse_or_refuse(read_modelfile(path))
    except ModelfileError as exc:
        assert "\n" not in exc.message("en")


def _outcome(parse: Callable[[str], list[Command]], text: str) -> object:
    try:
        return [(c.kind, c.value, c.name, c.line, c.column) for c in parse(text)]
    except ModelfileError as exc:
        return (exc.detail.en, exc.line, exc.column)


def _same_as_the_reference(text: str) -> None:
    """The same commands as the character-at-a-time port, or the same error there."""
    fast = _outcome(lambda t: list(parse_modelfile(t).commands), text)
    commands = _outcome(reference_commands, text)
    if isinstance(commands, list) and not any(kind == "from" for kind, *_ in commands):
        assert fast == ("no FROM line (every Modelfile needs one)", 1, 1)
    else:
        assert fast == commands


@QUICK
@given(modelfile_like | st.text(max_size=80))
def test_same_as_the_reference_parser(text: str) -> None:
    _same_as_the_reference(text)


@pytest.mark.slow
@LONG
@given(modelfile_like | st.text(max_size=400))
def test_long_run_text(text: str) -> None:
    _parse_or_refuse(text)
    _same_as_the_reference(text)


@pytest.mark.slow
@LONG
@given(st.binary(max_size=20_000))
def test_long_run_bytes(data: bytes) -> None:
    _decode_and_parse(data)


def test_a_large_hostile_input_is_within_the_bound(tmp_path: Path) -> None:
    """The example sizes above are small; one large input of every token, repeated."""
    text = "".join(token for token in TOKENS if token != "\x00") * 3000
    path = tmp_path / "Modelfile"
    path.write_text(text, "utf-8", errors="surrogatepass")
    started = time.process_time()
    _parse_or_refuse(read_modelfile(path))
    assert time.process_time() - started < DEADLINE_MS / 1000
