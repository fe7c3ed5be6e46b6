"""Setting values and their TOML storage: load, validate, recover, save atomically.

The schema (`SCHEMA`, `Setting`) is declared in `settings_schema`; it is re-exported
here because most code needs both. Loading never raises: a file that cannot be read,
parsed or trusted is kept as a backup and replaced, with a notice for the user.
Saving is atomic and durable (temporary file, fsync, replace, fsync of the folder);
a folder that cannot be written is a `SettingsUnwritable` with a hint.
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
from typing import Any

import tomli_w

from kodesk.core.errors import KodeskError, Text
from kodesk.core.settings_schema import BY_KEY, SCHEMA, Setting, default_model_key

__all__ = [
    "BY_KEY",
    "MIGRATIONS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "LoadResult",
    "Setting",
    "Settings",
    "SettingsError",
    "SettingsStore",
    "SettingsUnwritable",
    "default_model_key",
    "default_settings_path",
]

SCHEMA_VERSION = 1
#: A settings file is a few kilobytes; anything much larger is not one (and is not read).
MAX_FILE_BYTES = 1_000_000
#: Temporary files of a write that was interrupted are removed once this old (seconds);
#: younger ones may belong to another kodesk process saving right now.
STALE_TEMP_SECONDS = 60.0
_TEMP_PREFIX = ".settings-"
_TEMP_SUFFIX = ".tmp"


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


class SettingsUnwritable(KodeskError, OSError):
    """The settings file or its folder cannot be written (read-only, full, no permission).

    Also an OSError, so callers that handle file errors keep handling it."""

    code = "settings_unwritable"

    def __init__(self, path: Path, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        super().__init__(
            Text(
                ko=f"설정을 저장할 수 없습니다: {path} ({reason})",
                en=f"The settings cannot be saved to {path} ({reason})",
            ),
            Text(
                ko="설정 폴더에 쓸 수 있는지(읽기 전용이 아닌지, 디스크에 공간이 있는지) "
                "확인하세요. 바꾼 설정은 kodesk를 끝낼 때까지만 유지됩니다.",
                en="Check that the settings folder is writable (not read-only, disk not "
                "full). Changes last only until kodesk quits.",
            ),
        )
        self.path = path


#: What reading and parsing a hostile file can raise besides TOMLDecodeError: bytes that
#: are not UTF-8, nesting deeper than the parser's recursion, and a file too big to hold.
_UNREADABLE = (OSError, ValueError, RecursionError, MemoryError)


class SettingsStore:
    """Reads and writes settings as TOML at `path`, atomically."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    def load(self) -> LoadResult:
        """The settings in the file; never raises (see the module docstring)."""
        self._remove_stale_temp_files()
        try:
            doc = self._read()
        except FileNotFoundError:
            return LoadResult(Settings())
        except _UNREADABLE as exc:
            return self._recover(Settings(), [f"unreadable: {_describe(exc)}"])
        doc, problems = self._migrate(doc)
        settings = Settings()
        try:
            for key, value in _flatten(doc):
                try:
                    settings.set(key, value)
                except SettingsError as exc:
                    problems.append(str(exc))
        except (RecursionError, MemoryError) as exc:
            return self._recover(Settings(), [f"unreadable: {_describe(exc)}"])
        if problems:
            return self._recover(settings, problems)
        return LoadResult(settings)

    def save(self, settings: Settings) -> None:
        """Write atomically; raises SettingsUnwritable when the file cannot be written."""
        data = tomli_w.dumps(to_document(settings)).encode("utf-8")
        try:
            self._write(data)
        except OSError as exc:
            raise SettingsUnwritable(self.path, exc) from exc

    def _read(self) -> dict[str, Any]:
        with self.path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES:,} bytes")
        return tomllib.loads(data.decode("utf-8"))

    def _write(self, data: bytes) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=folder)
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
        _fsync_folder(folder)

    def _remove_stale_temp_files(self) -> None:
        """Temporary files left by a write that was killed before its replace."""
        with contextlib.suppress(OSError):
            for tmp in self.path.parent.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
                with contextlib.suppress(OSError):
                    if self._clock() - tmp.stat().st_mtime >= STALE_TEMP_SECONDS:
                        tmp.unlink()

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
        detail = _summary(problems)
        try:
            self.path.replace(backup)
            self.save(settings)
        except OSError as exc:
            return LoadResult(settings, [_not_replaced(self.path, detail, exc)])
        notice = Text(
            ko=f"설정 파일에 문제가 있어 기본값을 사용합니다. 원본은 {backup} 에 보관했습니다. "
            f"({detail})",
            en=f"The settings file had problems, so defaults are used where needed. The original "
            f"is kept at {backup}. ({detail})",
        )
        return LoadResult(settings, [notice], backup)


def _not_replaced(path: Path, detail: str, exc: OSError) -> Text:
    """The notice when a bad settings file cannot even be set aside (read-only folder)."""
    reason = exc.strerror or str(exc)
    return Text(
        ko=f"설정 파일에 문제가 있어 기본값을 사용하지만, 파일을 보관하거나 고칠 수 없습니다: "
        f"{path} ({reason}). 설정 폴더에 쓸 수 있는지 확인하세요. 바꾼 설정은 kodesk를 끝낼 "
        f"때까지만 유지됩니다. ({detail})",
        en=f"The settings file had problems, so defaults are used where needed, but it cannot "
        f"be kept aside or repaired: {path} ({reason}). Check that the settings folder is "
        f"writable; changes last only until kodesk quits. ({detail})",
    )


def _summary(problems: list[str], shown: int = 5, width: int = 200) -> str:
    """The first few problems, each cut short: a hostile file cannot make a huge notice."""
    parts = [p if len(p) <= width else p[: width - 1] + "…" for p in problems[:shown]]
    if len(problems) > shown:
        parts.append(f"+{len(problems) - shown}")
    return "; ".join(parts)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, MemoryError):
        return "too large"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    return str(exc)


def _fsync_folder(folder: Path) -> None:
    """Make the replace itself durable (POSIX); Windows cannot open a folder for this."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def default_settings_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("kodesk", appauthor=False)) / "settings.toml"
