"""Per-model overrides (`models.overrides`): which options, their ranges, and their Modelfile.

An override table maps option names to values, e.g. `{"temperature": 0.3, "stop":
["<|eot_id|>"], "system": "…", "keep_alive": "10m"}`. The same table can be written
as a Modelfile (`FROM <model>` + PARAMETER/SYSTEM lines), read back from one, or
turned into a derived model (`ModelSpec(from_model=…)`). `keep_alive` is not a model
parameter: it stays out of the Modelfile and the derived model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kodesk.core.errors import Text
from kodesk.core.modelfile import Command, Modelfile
from kodesk.core.modelfile_params import convert_value
from kodesk.core.types import ModelSpec

Kind = Literal["float", "int", "lines", "text", "duration"]


@dataclass(frozen=True)
class OverrideOption:
    name: str
    kind: Kind
    label: Text
    minimum: float = 0
    maximum: float = 0
    step: float = 1
    #: Shown next to the field: what the value does.
    hint: Text | None = None


OPTIONS: tuple[OverrideOption, ...] = (
    OverrideOption(
        "temperature",
        "float",
        Text("온도", "Temperature"),
        0,
        2,
        0.05,
        Text("낮을수록 일관되고, 높을수록 다양하게 답합니다", "lower: consistent, higher: varied"),
    ),
    OverrideOption("top_p", "float", Text("top_p", "top_p"), 0, 1, 0.05),
    OverrideOption("top_k", "int", Text("top_k", "top_k"), 0, 1000, 1),
    OverrideOption("min_p", "float", Text("min_p", "min_p"), 0, 1, 0.01),
    OverrideOption("repeat_penalty", "float", Text("반복 억제", "Repeat penalty"), 0, 3, 0.05),
    OverrideOption(
        "num_ctx",
        "int",
        Text("컨텍스트 길이", "Context length"),
        256,
        1_048_576,
        1024,
        Text("한 번에 읽는 토큰 수", "tokens the model reads at once"),
    ),
    OverrideOption(
        "num_predict",
        "int",
        Text("최대 답변 토큰", "Max answer tokens"),
        -2,
        1_048_576,
        64,
        Text("-1: 제한 없음", "-1: no limit"),
    ),
    OverrideOption(
        "seed",
        "int",
        Text("시드", "Seed"),
        -1,
        2**31 - 1,
        1,
        Text("같은 시드는 같은 답을 냅니다", "the same seed gives the same answer"),
    ),
    OverrideOption("stop", "lines", Text("멈춤 문자열 (줄마다 하나)", "Stop strings (one a line)")),
    OverrideOption("system", "text", Text("시스템 프롬프트", "System prompt")),
    OverrideOption(
        "keep_alive",
        "duration",
        Text("모델 유지 시간", "Keep alive"),
        hint=Text('예: "10m", "-1"', 'e.g. "10m", "-1"'),
    ),
)
BY_NAME: dict[str, OverrideOption] = {o.name: o for o in OPTIONS}
#: Options that are not model parameters.
NOT_PARAMETERS = frozenset({"system", "keep_alive"})


def model_parameters(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides that are Modelfile PARAMETERs (typed values, as `/api/create` takes)."""
    return {k: v for k, v in overrides.items() if k not in NOT_PARAMETERS}


def to_modelfile(model: str, overrides: Mapping[str, Any]) -> Modelfile:
    commands = [Command("from", model)]
    for name, value in model_parameters(overrides).items():
        values = value if isinstance(value, list) else [value]
        commands += [Command("parameter", _number_text(v), name) for v in values]
    if overrides.get("system"):
        commands.append(Command("system", str(overrides["system"])))
    return Modelfile(tuple(commands))


def derived_spec(name: str, model: str, overrides: Mapping[str, Any]) -> ModelSpec:
    return ModelSpec(
        name,
        from_model=model,
        parameters=model_parameters(overrides),
        system=overrides.get("system") or None,
    )


def from_modelfile(modelfile: Modelfile) -> tuple[dict[str, Any], list[str]]:
    """Overrides read from a Modelfile, and the instructions that have no override row.

    Raises ValueError naming the parameter whose value is not a number in range.
    """
    overrides: dict[str, Any] = {}
    skipped: list[str] = []
    for command in modelfile.commands:
        if command.kind == "from":
            continue
        if command.kind == "system":
            overrides["system"] = command.value
        elif command.kind == "parameter" and command.name in BY_NAME:
            option = BY_NAME[command.name]
            if option.kind == "lines":
                overrides.setdefault(option.name, []).append(command.value)
            else:
                overrides[option.name] = parse_value(option, command.value)
        else:
            skipped.append(f"{command.kind.upper()} {command.name}".strip())
    return overrides, skipped


def parse_value(option: OverrideOption, text: str) -> Any:
    """A PARAMETER value as the option's type, within its range; ValueError otherwise."""
    if option.kind not in ("float", "int"):
        return text
    try:
        number = convert_value(option.name, text)  # Go's strconv rules, as Ollama reads it
    except ValueError as exc:
        raise ValueError(f"{option.name}: {exc}") from None
    if isinstance(number, float):
        number = round(number, 6)  # float32 → the decimal that was written
    if not option.minimum <= number <= option.maximum:
        raise ValueError(f"{option.name}: {text} is outside {option.minimum:g}…{option.maximum:g}")
    return number


def _number_text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)
