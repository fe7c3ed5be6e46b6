"""Every setting declared once: key, type, default, label and description (ko/en), range.

Loading, saving, validation, the settings dialog's rows and the README's table all
read this declaration. Keys are dotted (`ollama.endpoint`); the part before the first
dot is the TOML table. A label's `&` marks the dialog's keyboard mnemonic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from kodesk.core.errors import Text

Check = Callable[[Any], str | None]
"""Returns None when the value is fine, else an English reason."""

#: Lists and tables inside a setting may nest this deep (custom tasks, overrides).
MAX_DEPTH = 8


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    label: Text
    description: Text
    choices: tuple[Any, ...] = ()
    #: The dialog's words for each of `choices`, in the same order.
    choice_labels: tuple[Text, ...] = ()
    #: Required for int and float settings: every number has a declared range.
    minimum: float | None = None
    maximum: float | None = None
    check: Check | None = None

    def __post_init__(self) -> None:
        if self.type in (int, float) and (self.minimum is None or self.maximum is None):
            raise TypeError(f"{self.key}: a number setting needs a minimum and a maximum")
        if self.choice_labels and len(self.choice_labels) != len(self.choices):
            raise TypeError(f"{self.key}: one label per choice")

    def validate(self, value: Any) -> str | None:
        """None when `value` is acceptable, else why not."""
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            return f"{self.key}: expected {self.type.__name__}, got {type(value).__name__}"
        reason = _shape_problem(value, MAX_DEPTH)
        if reason:
            return f"{self.key}: {reason}"
        if self.choices and value not in self.choices:
            return f"{self.key}: {value!r} is not one of {', '.join(map(repr, self.choices))}"
        number = cast(float, value)
        if self.minimum is not None and number < self.minimum:
            return f"{self.key}: {value} is below {self.minimum:g}"
        if self.maximum is not None and number > self.maximum:
            return f"{self.key}: {value} is above {self.maximum:g}"
        return self.check(value) if self.check else None

    def coerce(self, value: Any) -> Any:
        return float(value) if self.type is float else value

    def choice_label(self, value: Any) -> Text | None:
        if value in self.choices and self.choice_labels:
            return self.choice_labels[self.choices.index(value)]
        return None


def _shape_problem(value: Any, depth: int) -> str | None:
    """Refuse NaN and infinities anywhere in a value, and nesting deeper than `depth`."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    if isinstance(value, dict | list):
        if depth == 0:
            return "nested too deeply"
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            reason = _shape_problem(item, depth - 1)
            if reason:
                return reason
    return None


def _is_hotkey(value: Any) -> str | None:
    from kodesk.core.hotkey_spec import HotkeyError, parse_hotkey

    if value == "":
        return None
    try:
        parse_hotkey(value)
    except HotkeyError as exc:
        return str(exc)
    return None


def _hotkey_map(value: Any) -> str | None:
    for task, combo in value.items():
        if not isinstance(task, str) or not isinstance(combo, str):
            return "hotkey.tasks: task names and hotkeys must be text"
        reason = _is_hotkey(combo)
        if reason:
            return reason
    return None


def _overrides_by_model(value: Any) -> str | None:
    """Model → override table; number options are numbers within their declared range."""
    from kodesk.core.override_options import BY_NAME

    if not all(isinstance(k, str) and isinstance(v, dict) for k, v in value.items()):
        return "models.overrides: each model's overrides must be a table"
    for model, table in value.items():
        for name, number in table.items():
            option = BY_NAME.get(name)
            if option is None or option.kind not in ("int", "float"):
                continue
            whole = option.kind == "int"
            if not isinstance(number, int if whole else int | float) or isinstance(number, bool):
                kind = "a whole number" if whole else "a number"
                return f"models.overrides: {model}: {name} must be {kind}, got {number!r}"
            if not option.minimum <= number <= option.maximum:
                span = f"{option.minimum:g}…{option.maximum:g}"
                return f"models.overrides: {model}: {name} = {number} is outside {span}"
    return None


def _list_of_tables(value: Any) -> str | None:
    if not all(isinstance(item, dict) for item in value):
        return "each entry must be a table"
    return None


#: Window coordinates and sizes stay within what any screen set-up can show.
_SCREEN_LIMIT = 100_000


def _point(value: Any) -> str | None:
    """Empty, or [x, y] whole numbers on some screen."""
    if value == []:
        return None
    if (
        len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not all(-_SCREEN_LIMIT <= v <= _SCREEN_LIMIT for v in value)
    ):
        return f"window.position: expected [x, y] within ±{_SCREEN_LIMIT:,}, got {value!r}"
    return None


def _size(value: Any) -> str | None:
    """[width, height] whole numbers from 1 to the screen limit."""
    if (
        len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not all(1 <= v <= _SCREEN_LIMIT for v in value)
    ):
        return f"window.size: expected [width, height] from 1 to {_SCREEN_LIMIT:,}, got {value!r}"
    return None


SCHEMA: tuple[Setting, ...] = (
    Setting(
        "engine.kind",
        str,
        "ollama",
        Text("엔진", "&Engine"),
        Text(
            "답변할 엔진: Ollama 또는 내장 llama.cpp",
            "Which engine answers: Ollama or embedded llama.cpp",
        ),
        choices=("ollama", "embedded"),
        choice_labels=(
            Text("Ollama (서버)", "Ollama (server)"),
            Text("내장 엔진 (llama.cpp)", "Embedded (llama.cpp)"),
        ),
    ),
    Setting(
        "ollama.endpoint",
        str,
        "",
        Text("주소", "&Endpoint"),
        Text(
            "Ollama 주소. 비워 두면 OLLAMA_HOST, 그다음 http://127.0.0.1:11434",
            "Ollama URL; empty means OLLAMA_HOST, then http://127.0.0.1:11434",
        ),
    ),
    Setting(
        "ollama.keep_alive",
        str,
        "5m",
        Text("모델 유지 시간", "&Keep alive"),
        Text(
            '요청 뒤 Ollama가 모델을 메모리에 두는 시간 ("5m", "1h", "0"은 바로 내림, '
            '"-1"은 계속 유지)',
            "How long Ollama keeps the model loaded after a request "
            '("5m", "1h", "0" unloads at once, "-1" keeps it)',
        ),
    ),
    Setting(
        "ollama.connect_timeout",
        float,
        5.0,
        Text("연결 시간 제한(초)", "&Connect timeout (s)"),
        Text("연결을 기다리는 시간(초)", "Seconds to wait for a connection"),
        minimum=0.5,
        maximum=120,
    ),
    Setting(
        "ollama.first_token_timeout",
        float,
        300.0,
        Text("첫 응답 시간 제한(초)", "&First token timeout (s)"),
        Text(
            "첫 토큰을 기다리는 시간(초). 모델을 처음 올릴 때는 몇 분 걸릴 수 있습니다",
            "Seconds to wait for the first token (a cold model load can take minutes)",
        ),
        minimum=5,
        maximum=3600,
    ),
    Setting(
        "ollama.stall_timeout",
        float,
        60.0,
        Text("멈춤 시간 제한(초)", "&Stall timeout (s)"),
        Text("답변이 이만큼 멈추면 포기합니다(초)", "Seconds without a chunk before giving up"),
        minimum=2,
        maximum=3600,
    ),
    Setting(
        "model.default",
        str,
        "",
        Text("기본 모델", "Default &model"),
        Text(
            "자기 모델이 없는 작업이 쓰는 모델. 비워 두면 첫 번째 모델",
            "Model used by tasks without their own; empty: first one",
        ),
    ),
    Setting(
        "task.default",
        str,
        "summary",
        Text("주 단축키 작업", "Main hotkey &task"),
        Text("주 단축키가 실행하는 작업", "Task run by the main hotkey"),
    ),
    Setting(
        "hotkey.main",
        str,
        "ctrl+alt+k",
        Text("주 단축키", "Main &hotkey"),
        Text("주 단축키: 선택한 작업을 실행합니다", "Main hotkey: runs the checked task"),
        check=_is_hotkey,
    ),
    Setting(
        "hotkey.tasks",
        dict,
        {},
        Text("작업별 단축키", "Task hotkeys"),
        Text(
            "기본 작업의 단축키: 작업 이름 → 단축키 (직접 만든 작업은 작업마다 따로 둡니다)",
            "Built-in tasks' hotkeys: task name → hotkey (your own tasks keep theirs)",
        ),
        check=_hotkey_map,
    ),
    Setting(
        "capture.mode",
        str,
        "clipboard",
        Text("텍스트 가져오기", "&Capture"),
        Text(
            "복사한 내용 사용: 마지막으로 복사한 글을 씁니다. 선택한 내용 자동 복사: 선택한 글을 "
            "먼저 복사하고 클립보드를 되돌립니다",
            "clipboard: use what was copied; selection: copy the selection first, then "
            "restore the clipboard",
        ),
        choices=("clipboard", "selection"),
        choice_labels=(
            Text("복사한 내용 사용", "Use what was copied"),
            Text("선택한 내용 자동 복사", "Copy the selection"),
        ),
    ),
    Setting(
        "capture.copy_timeout_ms",
        int,
        500,
        Text("복사 대기 시간(ms)", "Copy &wait (ms)"),
        Text(
            "'선택한 내용 자동 복사' 방식에서 복사를 기다리는 시간",
            "How long to wait for the copy in selection mode",
        ),
        minimum=50,
        maximum=5000,
    ),
    Setting(
        "window.placement",
        str,
        "cursor",
        Text("답변 창 위치", "Answer window &placement"),
        Text("답변 창이 열리는 곳", "Where the answer window opens"),
        choices=("cursor", "remember"),
        choice_labels=(
            Text("마우스 커서 옆", "Next to the cursor"),
            Text("마지막 위치", "Where it was last"),
        ),
    ),
    Setting(
        "window.position",
        list,
        [],
        Text("답변 창 마지막 위치", "Answer window position"),
        Text("답변 창의 마지막 위치 [x, y]", "Last answer window position [x, y]"),
        check=_point,
    ),
    Setting(
        "window.size",
        list,
        [480, 320],
        Text("답변 창 크기", "Answer window size"),
        Text("답변 창 크기 [너비, 높이]", "Answer window size [width, height]"),
        check=_size,
    ),
    Setting(
        "history.enabled",
        bool,
        False,
        Text("답변 기록 남기기 (이 컴퓨터에만)", "Keep a local hi&story of answers"),
        Text(
            "답변을 이 컴퓨터의 SQLite 파일에 남깁니다", "Keep a local history of answers (SQLite)"
        ),
    ),
    Setting(
        "ui.language",
        str,
        "auto",
        Text("언어", "&Language"),
        Text("화면 언어", "Interface language"),
        choices=("auto", "ko", "en"),
        choice_labels=(
            Text("자동 (시스템 언어)", "Automatic (system language)"),
            Text("한국어", "Korean (한국어)"),
            Text("English", "English"),
        ),
    ),
    Setting(
        "context.max_num_ctx",
        int,
        16384,
        Text("num_ctx 최대값", "Largest &num_ctx"),
        Text(
            "글이 들어가지 않을 때 kodesk가 요청할 수 있는 가장 큰 num_ctx",
            "Largest num_ctx kodesk may ask for when a text does not fit",
        ),
        minimum=512,
        maximum=1_048_576,
    ),
    Setting(
        "context.allow_raise",
        bool,
        True,
        Text("긴 글은 num_ctx를 늘려 보내기", "&Raise num_ctx for long texts"),
        Text(
            "긴 글은 최대값까지 num_ctx를 늘립니다",
            "Raise num_ctx for long texts, up to the ceiling",
        ),
    ),
    Setting(
        "context.allow_split",
        bool,
        True,
        Text("그래도 긴 글은 나누어 처리하기", "&Split texts that still do not fit"),
        Text(
            "그래도 들어가지 않는 글은 조각으로 나누어 처리합니다(map-reduce)",
            "Split texts that still do not fit into chunks (map-reduce)",
        ),
    ),
    Setting(
        "context.split_concurrency",
        int,
        1,
        Text("동시에 처리할 조각 수", "Chunks at &once"),
        Text("한 번에 처리하는 조각 수", "Chunks processed at once"),
        minimum=1,
        maximum=8,
    ),
    Setting(
        "embedded.models_dir",
        str,
        "",
        Text("GGUF 폴더", "GGUF &folder"),
        Text(
            "GGUF 파일이 있는 폴더. 비워 두면 사용자 데이터 폴더",
            "Folder of GGUF files; empty: the user data folder",
        ),
    ),
    Setting(
        "embedded.model",
        str,
        "",
        Text("내장 엔진 GGUF", "Embedded &GGUF"),
        Text(
            "내장 엔진이 쓰는 GGUF. 비워 두면 함께 설치된 모델",
            "GGUF used by the embedded engine; empty: built-in",
        ),
    ),
    Setting(
        "embedded.default_model",
        str,
        "",
        Text("내장 엔진 기본 모델", "Embedded default &model"),
        Text(
            "내장 엔진이 답할 모델(파일 이름). 비워 두면 첫 번째 모델",
            "Model (file name) the embedded engine answers with; empty: the first one",
        ),
    ),
    Setting(
        "startup.at_login",
        bool,
        False,
        Text("로그인할 때 kodesk 시작", "Start kodesk at log&in"),
        Text("로그인하면 kodesk를 시작합니다", "Start kodesk when you log in"),
    ),
    Setting(
        "tasks.custom",
        list,
        [],
        Text("내 작업", "Your tasks"),
        Text("직접 만든 작업", "Your own tasks"),
        check=_list_of_tables,
    ),
    Setting(
        "models.overrides",
        dict,
        {},
        Text("모델별 설정", "Per-model options"),
        Text("모델별로 바꾼 옵션: 모델 → 옵션", "Per-model option overrides: model → options"),
        check=_overrides_by_model,
    ),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SCHEMA}


def default_model_key(engine_kind: str) -> str:
    """Each engine has its own default model (their model names differ)."""
    return "embedded.default_model" if engine_kind == "embedded" else "model.default"
