"""PARAMETER names and values as current Ollama accepts them (`api.FormatParams`).

Names are case-sensitive. Values are read with Go's strconv rules: ints with
`ParseInt(s, 10, 64)`, floats with `ParseFloat(s, 32)` (`.75`, `1e+06`, `-1`, `Inf`
and hex floats are valid; out of float32 range is not), bools with `ParseBool`.
`stop` may repeat and collects a list; any other repeated name keeps the last value.
Deprecated names are warned about and skipped; any other unknown name is an error.
"""

from __future__ import annotations

import difflib
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kodesk.core.errors import Text

ParamType = Literal["int", "float", "bool", "string_list"]

PARAMETER_TYPES: dict[str, ParamType] = {
    "num_keep": "int",
    "seed": "int",
    "num_predict": "int",
    "top_k": "int",
    "top_p": "float",
    "min_p": "float",
    "typical_p": "float",
    "repeat_last_n": "int",
    "temperature": "float",
    "repeat_penalty": "float",
    "presence_penalty": "float",
    "frequency_penalty": "float",
    "stop": "string_list",
    "num_ctx": "int",
    "num_batch": "int",
    "num_gpu": "int",
    "main_gpu": "int",
    "use_mmap": "bool",
    "num_thread": "int",
    "draft_num_predict": "int",
}

DEPRECATED_PARAMETERS: frozenset[str] = frozenset(
    {
        "penalize_newline",
        "low_vram",
        "f16_kv",
        "logits_all",
        "vocab_only",
        "use_mlock",
        "mirostat",
        "mirostat_tau",
        "mirostat_eta",
    }
)

_INT = re.compile(r"[+-]?[0-9]+\Z")
_DIGITS = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_FLOAT = re.compile(
    rf"[+-]?(?:(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
    rf"|0[xX]_?(?:{_HEX}(?:\.(?:{_HEX})?)?|\.{_HEX})[pP][+-]?{_DIGITS}"
    r"|inf|infinity)\Z|nan\Z",
    re.IGNORECASE,
)
_BOOLS = {
    "1": True,
    "t": True,
    "T": True,
    "TRUE": True,
    "true": True,
    "True": True,
    "0": False,
    "f": False,
    "F": False,
    "FALSE": False,
    "false": False,
    "False": False,
}
_INT64 = (-(1 << 63), (1 << 63) - 1)


class ParameterValueError(ValueError):
    """A value Ollama cannot read as the parameter's type."""


def parse_go_int(text: str) -> int:
    """strconv.ParseInt(text, 10, 64)."""
    if not _INT.match(text):
        raise ParameterValueError(f"{text!r} is not an integer")
    value = int(text)
    if not _INT64[0] <= value <= _INT64[1]:
        raise ParameterValueError(f"{text!r} is out of range")
    return value


def parse_go_float32(text: str) -> float:
    """strconv.ParseFloat(text, 32)."""
    if not _FLOAT.match(text):
        raise ParameterValueError(f"{text!r} is not a number")
    plain = text.replace("_", "")
    body = plain.lstrip("+-")
    value = float.fromhex(plain) if body[:2].lower() == "0x" else float(plain)
    try:
        struct.pack("<f", value)
    except OverflowError:
        raise ParameterValueError(f"{text!r} is out of range") from None
    return value


def parse_go_bool(text: str) -> bool:
    """strconv.ParseBool(text)."""
    try:
        return _BOOLS[text]
    except KeyError:
        raise ParameterValueError(f"{text!r} is not true or false") from None


def convert_value(name: str, text: str) -> Any:
    """A known parameter's value as the JSON type Ollama sends (stop stays a string)."""
    kind = PARAMETER_TYPES[name]
    if kind == "int":
        return parse_go_int(text)
    if kind == "float":
        return parse_go_float32(text)
    if kind == "bool":
        return parse_go_bool(text)
    return text


def closest_parameter(name: str) -> str | None:
    """The valid parameter name closest to `name` (case differences first)."""
    lowered = name.lower()
    if lowered in PARAMETER_TYPES:
        return lowered
    matches = difflib.get_close_matches(lowered, PARAMETER_TYPES, n=1, cutoff=0.6)
    return matches[0] if matches else None


Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class ParameterIssue:
    severity: Severity
    code: str
    name: str
    value: str
    message: Text
    fix: Text


def check_parameter(name: str, value: str) -> ParameterIssue | None:
    """What Ollama would say about `PARAMETER name value`, or None when it is fine."""
    if name in DEPRECATED_PARAMETERS:
        return ParameterIssue(
            "warning",
            "parameter-deprecated",
            name,
            value,
            Text(
                ko=f"PARAMETER {name}은(는) 더 이상 쓰이지 않아 Ollama가 무시합니다.",
                en=f"PARAMETER {name} is deprecated; Ollama warns and ignores it.",
            ),
            Text(
                ko=f"`PARAMETER {name}` 줄을 지우세요.", en=f"Delete the `PARAMETER {name}` line."
            ),
        )
    if name not in PARAMETER_TYPES:
        guess = closest_parameter(name)
        hint_en = f"Did you mean `{guess}`? " if guess else ""
        hint_ko = f"`{guess}`을(를) 뜻했나요? " if guess else ""
        return ParameterIssue(
            "error",
            "parameter-unknown",
            name,
            value,
            Text(
                ko=f"알 수 없는 매개변수 {name!r}: Ollama가 모델 생성을 거부합니다.",
                en=f"Unknown parameter {name!r}: Ollama refuses to create the model.",
            ),
            Text(
                ko=f"{hint_ko}매개변수 이름은 대소문자를 구분합니다.",
                en=f"{hint_en}Parameter names are case-sensitive.",
            ),
        )
    try:
        convert_value(name, value)
    except ParameterValueError as exc:
        kind = PARAMETER_TYPES[name]
        return ParameterIssue(
            "error",
            "parameter-invalid-value",
            name,
            value,
            Text(
                ko=f"PARAMETER {name}의 값 {value!r}을(를) {kind}(으)로 읽을 수 없습니다.",
                en=f"PARAMETER {name}: {exc}; expected {kind}.",
            ),
            Text(
                ko=f"{name}에 올바른 {kind} 값을 쓰세요.", en=f"Give {name} a valid {kind} value."
            ),
        )
    return None


def check_parameters(parameters: Sequence[tuple[str, str]]) -> list[ParameterIssue]:
    return [i for name, value in parameters if (i := check_parameter(name, value))]


def parameters_for_create(parameters: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The `parameters` object of `/api/create`: typed values, `stop` as a list, the last
    value of any other repeated name, deprecated names skipped. Raises ValueError
    (with Ollama's wording) for unknown names or unreadable values."""
    out: dict[str, Any] = {}
    for name, value in parameters:
        if name in DEPRECATED_PARAMETERS:
            continue
        if name not in PARAMETER_TYPES:
            raise ValueError(f"unknown parameter '{name}'")
        converted = convert_value(name, value)
        if PARAMETER_TYPES[name] == "string_list":
            out.setdefault(name, []).append(converted)
        else:
            out[name] = converted
    return out
