"""PARAMETER validation and the JSON `/api/create` request."""

from __future__ import annotations

from pathlib import Path

import pytest

from kodesk.core.modelfile import ModelfileError, parse_modelfile
from kodesk.core.modelfile_create import create_request, normalize_digest, to_model_spec
from kodesk.core.modelfile_params import (
    DEPRECATED_PARAMETERS,
    PARAMETER_TYPES,
    ParameterValueError,
    check_parameter,
    check_parameters,
    closest_parameter,
    parameters_for_create,
    parse_go_bool,
    parse_go_float32,
    parse_go_int,
)
from kodesk.core.types import ChatMessage
from tests.core.modelfile_fixtures import COMMUNITY_LLAMA3_KO

DIGEST = "sha256:" + "ab" * 32


def test_valid_names_match_current_ollama() -> None:
    assert set(PARAMETER_TYPES) == {
        "num_keep",
        "seed",
        "num_predict",
        "top_k",
        "top_p",
        "min_p",
        "typical_p",
        "repeat_last_n",
        "temperature",
        "repeat_penalty",
        "presence_penalty",
        "frequency_penalty",
        "stop",
        "num_ctx",
        "num_batch",
        "num_gpu",
        "main_gpu",
        "use_mmap",
        "num_thread",
        "draft_num_predict",
    }
    assert "tfs_z" not in PARAMETER_TYPES and "tfs_z" not in DEPRECATED_PARAMETERS


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (".75", 0.75),
        ("1e+06", 1e6),
        ("-1", -1.0),
        ("Inf", float("inf")),
        ("+infinity", float("inf")),
        ("0x1.8p1", 3.0),
        ("1_000.5", 1000.5),
        ("3.4e38", 3.4e38),
        ("5.", 5.0),
    ],
)
def test_go_floats(text: str, value: float) -> None:
    assert parse_go_float32(text) == value


@pytest.mark.parametrize(
    "text", ["", " 1", "1e39", "abc", "0x1", "1__0", "_1", "+nan", ".e1", "1,5", "0.7f"]
)
def test_bad_go_floats(text: str) -> None:
    with pytest.raises(ParameterValueError):
        parse_go_float32(text)


def test_go_ints_and_bools() -> None:
    assert parse_go_int("-1") == -1 and parse_go_int("+42") == 42
    for bad in ("1e3", "1_000", "1.0", "9223372036854775808", "0x10", ""):
        with pytest.raises(ParameterValueError):
            parse_go_int(bad)
    assert parse_go_bool("T") is True and parse_go_bool("False") is False
    with pytest.raises(ParameterValueError):
        parse_go_bool("yes")


def test_checks() -> None:
    assert check_parameter("temperature", ".7") is None
    deprecated = check_parameter("mirostat", "2")
    assert deprecated is not None and deprecated.severity == "warning"
    assert deprecated.code == "parameter-deprecated"
    unknown = check_parameter("TEMPERATURE", "0")
    assert unknown is not None and unknown.severity == "error"
    assert "`temperature`" in unknown.fix.en
    removed = check_parameter("tfs_z", "1")
    assert removed is not None and removed.code == "parameter-unknown"
    invalid = check_parameter("num_ctx", "8k")
    assert invalid is not None and invalid.code == "parameter-invalid-value"
    assert [
        i.name
        for i in check_parameters([("seed", "1"), ("num_context", "8"), ("low_vram", "true")])
    ] == ["num_context", "low_vram"]


def test_closest_parameter() -> None:
    assert closest_parameter("num_context") == "num_ctx"
    assert closest_parameter("Top_P") == "top_p"
    assert closest_parameter("qqqqqq") is None


def test_parameters_for_create() -> None:
    params = parameters_for_create(
        [
            ("stop", "<|eot_id|>"),
            ("temperature", "0.5"),
            ("stop", "x"),
            ("temperature", "0"),
            ("num_ctx", "8192"),
            ("use_mmap", "false"),
            ("vocab_only", "nonsense"),
        ]
    )
    assert params == {
        "stop": ["<|eot_id|>", "x"],
        "temperature": 0.0,
        "num_ctx": 8192,
        "use_mmap": False,
    }
    with pytest.raises(ValueError, match="unknown parameter 'tfs_z'"):
        parameters_for_create([("tfs_z", "1")])


def test_fixture_to_create_request_with_local_gguf(tmp_path: Path) -> None:
    (tmp_path / "Llama-3-Open-Ko-8B-Q8_0.gguf").write_bytes(b"GGUF")
    spec = to_model_spec(parse_modelfile(COMMUNITY_LLAMA3_KO), "ko-llama", tmp_path)
    assert spec.from_gguf == str(tmp_path / "Llama-3-Open-Ko-8B-Q8_0.gguf")
    assert spec.from_model is None
    body = create_request(spec, "AB" * 32)
    assert body["model"] == "ko-llama"
    assert body["files"] == {"Llama-3-Open-Ko-8B-Q8_0.gguf": DIGEST}
    assert "from" not in body
    assert body["parameters"] == {
        "temperature": 0.0,
        "num_predict": 3000,
        "num_ctx": 4096,
        "stop": ["<s>", "</s>"],
    }
    assert body["template"].startswith("{{- if .System }}")
    assert body["system"].startswith("A chat between")
    with pytest.raises(ValueError, match="digest"):
        create_request(spec)


def test_create_request_from_a_model_name(tmp_path: Path) -> None:
    (tmp_path / "lora.gguf").write_bytes(b"GGUF")
    text = (
        "FROM exaone3.5:7.8b\nADAPTER lora.gguf\nMESSAGE user 안녕\nMESSAGE assistant 네\n"
        "LICENSE a\nLICENSE b\n"
    )
    spec = to_model_spec(parse_modelfile(text), "mine", tmp_path)
    assert spec.from_model == "exaone3.5:7.8b" and spec.from_gguf is None
    assert spec.messages == (ChatMessage("user", "안녕"), ChatMessage("assistant", "네"))
    body = create_request(spec, adapter_digests={str(tmp_path / "lora.gguf"): DIGEST})
    assert body["from"] == "exaone3.5:7.8b"
    assert body["adapters"] == {"lora.gguf": DIGEST}
    assert body["messages"] == [
        {"role": "user", "content": "안녕"},
        {"role": "assistant", "content": "네"},
    ]
    assert body["license"] == ["a", "b"]
    assert "parameters" not in body and "template" not in body


def test_to_model_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelfileError) as caught:
        to_model_spec(parse_modelfile("FROM x\n\nPARAMETER num_ctx big\n"), "m", tmp_path)
    assert caught.value.line == 3
    with pytest.raises(ModelfileError, match="ADAPTER file not found"):
        to_model_spec(parse_modelfile("FROM x\nADAPTER missing.gguf\n"), "m", tmp_path)


def test_normalize_digest() -> None:
    assert normalize_digest("ab" * 32) == DIGEST
    with pytest.raises(ValueError):
        normalize_digest("sha256:1234")
