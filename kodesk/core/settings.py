"""The settings schema, declared once, and its TOML storage.

Every setting is one `Setting` in `SCHEMA`: key, type, default, description and an
optional check. Loading, saving, migration, validation and the settings dialog all
read that declaration. Keys are dotted (`ollama.endpoint`); the part before the
first dot is the TOML table.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import tomli_w

from kodesk.core.errors import Text

SCHEMA_VERSION = 1

Check = Callable[[Any], str | None]
"""Returns None when the value is fine, else an English reason."""


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    description: str
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    check: Check | None = None

    def validate(self, value: Any) -> str | None:
        """None when `value` is acceptable, else why not."""
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            return f"{self.key}: expected {self.type.__name__}, got {type(value).__name__}"
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


def _tables_by_name(value: Any) -> str | None:
    if not all(isinstance(k, str) and isinstance(v, dict) for k, v in value.items()):
        return "each model's overrides must be a table"
    return None


def _list_of_tables(value: Any) -> str | None:
    if not all(isinstance(item, dict) for item in value):
        return "each entry must be a table"
    return None


SCHEMA: tuple[Setting, ...] = (
    Setting(
        "engine.kind",
        str,
        "ollama",
        "Which engine answers: Ollama or embedded llama.cpp",
        choices=("ollama", "embedded"),
    ),
    Setting(
        "ollama.endpoint",
        str,
        "",
        "Ollama URL; empty means OLLAMA_HOST, then http://127.0.0.1:11434",
    ),
    Setting(
        "ollama.keep_alive",
        str,
        "5m",
        "How long Ollama keeps the model loaded after a request "
        '("5m", "1h", "0" unloads at once, "-1" keeps it)',
    ),
    Setting(
        "ollama.connect_timeout",
        float,
        5.0,
        "Seconds to wait for a connection",
        minimum=0.5,
        maximum=120,
    ),
    Setting(
        "ollama.first_token_timeout",
        float,
        300.0,
        "Seconds to wait for the first token (a cold model load can take minutes)",
        minimum=5,
        maximum=3600,
    ),
    Setting(
        "ollama.stall_timeout",
        float,
        60.0,
        "Seconds without a chunk before giving up",
        minimum=2,
        maximum=3600,
    ),
    Setting("model.default", str, "", "Model used by tasks without their own; empty: first one"),
    Setting("task.default", str, "summary", "Task run by the main hotkey"),
    Setting(
        "hotkey.main", str, "ctrl+alt+k", "Main hotkey: runs the checked task", check=_is_hotkey
    ),
    Setting("hotkey.tasks", dict, {}, "Extra hotkeys: task name → hotkey", check=_hotkey_map),
    Setting(
        "capture.mode",
        str,
        "clipboard",
        "clipboard: use what was copied; selection: copy the selection first, then "
        "restore the clipboard",
        choices=("clipboard", "selection"),
    ),
    Setting(
        "capture.copy_timeout_ms",
        int,
        500,
        "How long to wait for the copy in selection mode",
        minimum=50,
        maximum=5000,
    ),
    Setting(
        "window.placement",
        str,
        "cursor",
        "Where the answer window opens",
        choices=("cursor", "remember"),
    ),
    Setting("window.position", list, [], "Last answer window position [x, y]"),
    Setting("window.size", list, [480, 320], "Answer window size [width, height]"),
    Setting("history.enabled", bool, False, "Keep a local history of answers (SQLite)"),
    Setting("ui.language", str, "auto", "Interface language", choices=("auto", "ko", "en")),
    Setting(
        "context.max_num_ctx",
        int,
        16384,
        "Largest num_ctx kodesk may ask for when a text does not fit",
        minimum=512,
        maximum=1_048_576,
    ),
    Setting("context.allow_raise", bool, True, "Raise num_ctx for long texts, up to the ceiling"),
    Setting(
        "context.allow_split",
        bool,
        True,
        "Split texts that still do not fit into chunks (map-reduce)",
    ),
    Setting("context.split_concurrency", int, 1, "Chunks processed at once", minimum=1, maximum=8),
    Setting("embedded.models_dir", str, "", "Folder of GGUF files; empty: the user data folder"),
    Setting("embedded.model", str, "", "GGUF used by the embedded engine; empty: built-in"),
    Setting(
        "embedded.default_model",
        str,
        "",
        "Model (file name) the embedded engine answers with; empty: the first one",
    ),
    Setting("startup.at_login", bool, False, "Start kodesk when you log in"),
    Setting("tasks.custom", list, [], "Your own tasks", check=_list_of_tables),
    Setting(
        "models.overrides",
        dict,
        {},
        "Per-model option overrides: model → options",
        check=_tables_by_name,
    ),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SCHEMA}


def default_model_key(engine_kind: str) -> str:
    """Each engine has its own default model (their model names differ)."""
    return "embedded.default_model" if engine_kind == "embedded" else "model.default"


Migration = Callable[[dict[str, Any]], dict[str, Any]]
#: version n → function turning a version-n document into version n+1.
MIGRATIONS: dict[int, Migration] = {}


class SettingsError(ValueError):
    pass


class Settings:
    """Current setting values. Observers are called with the key after each change."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self._values = {s.key: copy.deepcopy(s.default) for s in SCHEMA}
        self._observers: list[Callable[[str], None]] = []
        for key, value in (values or {}).items():
            self.set(key, value)

    def get(self, key: str) -> Any:
        return copy.deepcopy(self._values[self._setting(key).key])

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def set(self, key: str, value: Any) -> None:
        setting = self._setting(key)
        reason = setting.validate(value)
        if reason:
            raise SettingsError(reason)
        value = setting.coerce(value)
        if self._values[key] == value:
            return
        self._values[key] = copy.deepcopy(value)
        for observer in list(self._observers):
            observer(key)

    def observe(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call `callback(key)` after every change; returns a function that stops it."""
        self._observers.append(callback)
        return lambda: self._observers.remove(callback)

    def as_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._values)

    @staticmethod
    def _setting(key: str) -> Setting:
        try:
            return BY_KEY[key]
        except KeyError:
            raise SettingsError(f"unknown setting {key!r}") from None


def to_document(settings: Settings) -> dict[str, Any]:
    """Nested TOML document: tables by the key's first part."""
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for key, value in settings.as_dict().items():
        table, _, name = key.partition(".")
        doc.setdefault(table, {})[name] = value
    return doc


def _flatten(doc: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for table, content in doc.items():
        if table == "schema_version":
            continue
        if isinstance(content, dict):
            for name, value in content.items():
                yield f"{table}.{name}", value
        else:
            yield table, content


@dataclass
class LoadResult:
    settings: Settings
    #: Things the user should be told (a backup was made, values were reset).
    notices: list[Text] = field(default_factory=list)
    backup: Path | None = None


class SettingsStore:
    """Reads and writes settings as TOML at `path`, atomically."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    def load(self) -> LoadResult:
        if not self.path.exists():
            return LoadResult(Settings())
        try:
            doc = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return self._recover(Settings(), [f"unreadable: {exc}"])
        doc, problems = self._migrate(doc)
        settings = Settings()
        for key, value in _flatten(doc):
            try:
                settings.set(key, value)
            except SettingsError as exc:
                problems.append(str(exc))
        if problems:
            return self._recover(settings, problems)
        return LoadResult(settings)

    def save(self, settings: Settings) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = tomli_w.dumps(to_document(settings)).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).replace(self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise

    def _migrate(self, doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        version = doc.get("schema_version", SCHEMA_VERSION)
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            return {}, [f"schema_version {version!r} is not one this kodesk understands"]
        while version < SCHEMA_VERSION:
            doc = MIGRATIONS[version](doc)
            version += 1
        return doc, []

    def _recover(self, settings: Settings, problems: list[str]) -> LoadResult:
        """Keep the bad file as a backup, continue with what was valid."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._clock()))
        backup = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        self.path.replace(backup)
        self.save(settings)
        detail = "; ".join(problems)
        notice = Text(
            ko=f"설정 파일에 문제가 있어 기본값을 사용합니다. 원본은 {backup} 에 보관했습니다. "
            f"({detail})",
            en=f"The settings file had problems, so defaults are used where needed. The original "
            f"is kept at {backup}. ({detail})",
        )
        return LoadResult(settings, [notice], backup)


def default_settings_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("kodesk", appauthor=False)) / "settings.toml"
