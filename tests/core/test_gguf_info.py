"""GGUF inspection: real metadata from written files, the real Gemma file, hostile files."""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from gguf import GGUFEndian, GGUFValueType, GGUFWriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kodesk.core.errors import KodeskError
from kodesk.core.gguf_budget import GGUFLimits
from kodesk.core.gguf_header import read_header
from kodesk.core.gguf_info import GGUFError, inspect_gguf, read_metadata
from tests.gguf_factory import (
    GGUFSpec,
    preset,
    raw_header,
    raw_key,
    shared_real_gemma,
    write_gguf,
)


@pytest.fixture(scope="session")
def real_gemma(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_real_gemma(tmp_path_factory)


@pytest.mark.parametrize(
    ("family", "arch", "eot"),
    [
        ("llama3", "llama", "<|eot_id|>"),
        ("chatml", "qwen2", None),
        ("gemma", "gemma3", "<end_of_turn>"),
        ("mistral", "llama", None),
    ],
)
def test_inspects_family_presets(tmp_path: Path, family: str, arch: str, eot: str | None) -> None:
    spec = preset(family)
    info = inspect_gguf(write_gguf(tmp_path / "m.gguf", spec))
    assert info.architecture == arch
    assert info.chat_template_family == family
    assert info.chat_template == spec.chat_template
    assert info.context_length == spec.context_length
    assert info.quantization == "Q4_K_M"
    assert info.file_type == 15
    assert info.size_label == spec.size_label
    assert info.vocab_size == len(spec.tokens)
    assert info.parameter_count == len(spec.tokens) * 8
    bos = spec.special_ids["bos"]
    assert info.special_tokens["bos"] == (bos, spec.tokens[bos])
    if eot is not None:
        assert info.special_tokens["eot"] == (spec.token_id(eot), eot)
        assert eot in info.control_tokens
    assert "hello" not in info.control_tokens


def test_base_model_has_no_template(tmp_path: Path) -> None:
    info = inspect_gguf(write_gguf(tmp_path / "b.gguf", preset("llama3", chat_template=None)))
    assert info.chat_template is None
    assert info.chat_template_family == "none"
    assert not info.has_chat_template
    assert info.to_json()["chat_template_family"] is None


def test_json_has_the_documented_fields(tmp_path: Path) -> None:
    data = inspect_gguf(write_gguf(tmp_path / "m.gguf", preset("gemma"))).to_json()
    assert data["special_tokens"]["eos"] == {"id": 1, "text": "<eos>"}
    assert data["chat_template_family"] == "gemma"
    assert "bits per weight" in data["quantization_explanation"]["en"]
    assert "비트" in data["quantization_explanation"]["ko"]


def test_unknown_file_type_and_missing_keys(tmp_path: Path) -> None:
    spec = GGUFSpec(
        file_type=None,
        name=None,
        size_label=None,
        context_length=None,
        tokenizer_model=None,
        tokens=(),
    )
    info = inspect_gguf(write_gguf(tmp_path / "m.gguf", spec))
    assert (info.name, info.size_label, info.context_length, info.vocab_size) == (
        None,
        None,
        None,
        None,
    )
    assert info.quantization == "F32"  # the dominant tensor type stands in
    assert dict(info.special_tokens) == {}


def test_read_metadata_returns_tokenizer_arrays(tmp_path: Path) -> None:
    spec = preset("gemma", merges=("a b", "c d"))
    path = write_gguf(tmp_path / "m.gguf", spec)
    keys = [
        "tokenizer.ggml.tokens",
        "tokenizer.ggml.scores",
        "tokenizer.ggml.token_type",
        "tokenizer.ggml.merges",
        "tokenizer.ggml.model",
        "tokenizer.ggml.bos_token_id",
        "not.there",
    ]
    meta = read_metadata(path, keys)
    assert meta["tokenizer.ggml.tokens"] == list(spec.tokens)
    assert meta["tokenizer.ggml.scores"] == pytest.approx(list(spec.scores or ()))
    assert meta["tokenizer.ggml.token_type"] == list(spec.resolved_token_types())
    assert meta["tokenizer.ggml.merges"] == ["a b", "c d"]
    assert meta["tokenizer.ggml.model"] == "llama"
    assert meta["tokenizer.ggml.bos_token_id"] == 2
    assert "not.there" not in meta
    everything = read_metadata(path)
    assert everything["tokenizer.ggml.tokens"] == list(spec.tokens)
    assert everything["general.architecture"] == "gemma3"


def test_big_endian_file(tmp_path: Path) -> None:
    path = tmp_path / "be.gguf"
    writer = GGUFWriter(str(path), "llama", endianess=GGUFEndian.BIG)
    writer.add_context_length(2048)
    writer.add_token_list(["<s>", "x"])
    writer.add_tensor("w", np.zeros((2, 4), np.float32).byteswap())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    assert inspect_gguf(path).context_length == 2048
    assert read_metadata(path, ["tokenizer.ggml.tokens"]) == {"tokenizer.ggml.tokens": ["<s>", "x"]}


def test_real_gemma_base_model(real_gemma: Path) -> None:
    info = inspect_gguf(real_gemma)
    assert info.architecture == "gemma3"
    assert info.size_label == "270M"
    assert 250_000_000 < info.parameter_count < 290_000_000
    assert info.quantization == "Q4_K_M"
    assert info.context_length == 32768
    assert info.chat_template is None and info.chat_template_family == "none"
    assert info.tokenizer_model == "llama"
    assert info.special_tokens["bos"] == (2, "<bos>")
    assert info.vocab_size == 262144
    vocab = read_metadata(real_gemma, ["tokenizer.ggml.tokens", "tokenizer.ggml.token_type"])
    assert len(vocab["tokenizer.ggml.tokens"]) == 262144
    assert vocab["tokenizer.ggml.tokens"][:3] == ["<pad>", "<eos>", "<bos>"]


# --- malformed and hostile files -------------------------------------------------


def test_huge_array_claim_is_rejected_without_allocating(tmp_path: Path) -> None:
    path = tmp_path / "hostile.gguf"
    body = raw_key("tokenizer.ggml.tokens") + struct.pack(
        "<IIQ", GGUFValueType.ARRAY, GGUFValueType.STRING, 1 << 60
    )
    path.write_bytes(raw_header(body) + b"\0" * 64)
    tracemalloc.start()
    try:
        with pytest.raises(GGUFError, match="claims 1152921504606846976 items"):
            inspect_gguf(path)
        with pytest.raises(GGUFError):
            read_metadata(path, ["tokenizer.ggml.tokens"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_array_longer_than_the_file_is_truncation(tmp_path: Path) -> None:
    path = tmp_path / "short.gguf"
    body = raw_key("a") + struct.pack("<IIQ", GGUFValueType.ARRAY, GGUFValueType.UINT32, 1000)
    path.write_bytes(raw_header(body) + b"\0" * 40)
    with pytest.raises(GGUFError, match="truncated"):
        read_metadata(path)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 not a gguf", "not a GGUF file"),
        (b"GGUF" + struct.pack("<I", 1) + b"\0" * 16, "unsupported GGUF version 1"),
        (raw_header(raw_key("k") + struct.pack("<I", 99)), "unknown value type 99"),
        (raw_header(b"", kv_count=1 << 40), "metadata keys"),
        (raw_header(b"", kv_count=0, tensor_count=1 << 40), "tensors"),
        (raw_header(struct.pack("<Q", 1 << 62)), "claims"),
        (
            raw_header(raw_key("k") + struct.pack("<IQ", GGUFValueType.STRING, 2) + b"\xff\xfe"),
            "not valid UTF-8",
        ),
    ],
)
def test_malformed_headers(tmp_path: Path, blob: bytes, message: str) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(blob)
    with pytest.raises(GGUFError, match=message) as caught:
        inspect_gguf(path)
    assert isinstance(caught.value, KodeskError)
    assert caught.value.message("ko").startswith("GGUF 파일을 읽을 수 없습니다")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(GGUFError):
        inspect_gguf(tmp_path / "nope.gguf")
    with pytest.raises(GGUFError):
        inspect_gguf(tmp_path)


def test_every_truncation_is_reported(tmp_path: Path) -> None:
    whole = write_gguf(tmp_path / "m.gguf", preset("llama3")).read_bytes()
    path = tmp_path / "cut.gguf"
    for length in range(0, len(whole) - 1, 7):
        path.write_bytes(whole[:length])
        with pytest.raises(GGUFError):
            inspect_gguf(path)


def test_nesting_limit(tmp_path: Path) -> None:
    inner = struct.pack("<IQ", GGUFValueType.UINT8, 1) + b"\x01"
    body = raw_key("n") + struct.pack("<IIQ", GGUFValueType.ARRAY, GGUFValueType.ARRAY, 1) + inner
    path = tmp_path / "nested.gguf"
    path.write_bytes(raw_header(body))
    assert read_metadata(path) == {"n": [[1]]}
    with pytest.raises(GGUFError, match="nested deeper"):
        read_header(path, limits=GGUFLimits(max_array_depth=1))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_corrupted_files_fail_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    """Random byte damage either still reads or raises GGUFError, nothing else."""
    source = tmp_path / "src.gguf"
    if not source.exists():
        write_gguf(source, preset("gemma"))
    blob = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        index = data.draw(st.integers(0, len(blob) - 1))
        blob[index] = data.draw(st.integers(0, 255))
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(bytes(blob))
    try:
        inspect_gguf(damaged)
        read_metadata(damaged)
    except GGUFError:
        pass
