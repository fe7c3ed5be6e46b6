"""Settings: one schema, TOML round trip, atomic durable writes, recovery from any bad file,
validated numbers, read-only folders, migration."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kodesk.core import settings as settings_module
from kodesk.core.errors import Text
from kodesk.core.settings import (
    SCHEMA,
    SCHEMA_VERSION,
    LoadResult,
    Setting,
    Settings,
    SettingsError,
    SettingsStore,
    SettingsUnwritable,
)


def test_every_setting_has_a_valid_default_and_description() -> None:
    for setting in SCHEMA:
        assert setting.validate(setting.default) is None, setting.key
        assert setting.description, setting.key
        assert "." in setting.key


def test_round_trip_through_toml(settings_path: Path) -> None:
    store = SettingsStore(settings_path)
    settings = Settings()
    settings.set("ollama.endpoint", "http://172.20.1.5:11434")
    settings.set("hotkey.tasks", {"translate": "ctrl+alt+t"})
    settings.set("tasks.custom", [{"name": "교정", "template": "고쳐 주세요: {text}"}])
    settings.set("ollama.first_token_timeout", 120)
    store.save(settings)
    doc = tomllib.loads(settings_path.read_text(encoding="utf-8"))
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["ollama"]["endpoint"] == "http://172.20.1.5:11434"
    loaded = store.load()
    assert loaded.notices == []
    assert loaded.settings.as_dict() == settings.as_dict()
    assert isinstance(loaded.settings.get("ollama.first_token_timeout"), float)


def test_invalid_values_are_refused() -> None:
    settings = Settings()
    with pytest.raises(SettingsError, match="not one of"):
        settings.set("capture.mode", "telepathy")
    with pytest.raises(SettingsError, match="expected int"):
        settings.set("context.max_num_ctx", True)
    with pytest.raises(SettingsError, match="below"):
        settings.set("context.max_num_ctx", 16)
    with pytest.raises(SettingsError, match="modifier"):
        settings.set("hotkey.main", "hyper+k")
    with pytest.raises(SettingsError, match="must be a table"):
        settings.set("models.overrides", {"exaone3.5:2.4b": "hot"})
    with pytest.raises(SettingsError, match="unknown setting"):
        settings.set("no.such", 1)


def test_observers_see_changes_once() -> None:
    settings = Settings()
    seen: list[str] = []
    stop = settings.observe(seen.append)
    settings.set("model.default", "exaone3.5:7.8b")
    settings.set("model.default", "exaone3.5:7.8b")
    stop()
    settings.set("model.default", "other")
    assert seen == ["model.default"]


def test_get_returns_copies() -> None:
    settings = Settings()
    value = settings.get("hotkey.tasks")
    value["x"] = "ctrl+alt+x"
    assert settings.get("hotkey.tasks") == {}


def test_corrupt_file_is_kept_as_backup(settings_path: Path) -> None:
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text("[ollama\nendpoint = ", encoding="utf-8")
    result = SettingsStore(settings_path, clock=lambda: 0).load()
    assert result.backup is not None and result.backup.read_text() == "[ollama\nendpoint = "
    assert result.settings.as_dict() == Settings().as_dict()
    assert str(result.backup) in result.notices[0].en
    assert str(result.backup) in result.notices[0].ko
    assert tomllib.loads(settings_path.read_text())["schema_version"] == SCHEMA_VERSION


def test_invalid_values_keep_the_valid_ones(settings_path: Path) -> None:
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text(
        'schema_version = 1\n[model]\ndefault = "exaone3.5:2.4b"\n'
        '[capture]\nmode = "psychic"\n[ui]\nlanguage = 7\n',
        encoding="utf-8",
    )
    result = SettingsStore(settings_path).load()
    assert result.settings.get("model.default") == "exaone3.5:2.4b"
    assert result.settings.get("capture.mode") == "clipboard"
    assert "capture.mode" in result.notices[0].en and "ui.language" in result.notices[0].en
    assert result.backup is not None and result.backup.exists()


def test_binary_garbage_and_future_versions(settings_path: Path) -> None:
    settings_path.parent.mkdir(parents=True)
    settings_path.write_bytes(b"\xff\xfe\x00garbage")
    assert SettingsStore(settings_path).load().notices
    settings_path.write_text("schema_version = 99\n", encoding="utf-8")
    result = SettingsStore(settings_path).load()
    assert "schema_version 99" in result.notices[0].en


def test_migration_hook_runs_in_order(settings_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def v0_to_v1(doc: dict[str, Any]) -> dict[str, Any]:
        return {"schema_version": 1, "ollama": {"endpoint": doc["host"]}}

    monkeypatch.setitem(settings_module.MIGRATIONS, 0, v0_to_v1)
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text('schema_version = 0\nhost = "http://10.0.0.2:11434"\n')
    result = SettingsStore(settings_path).load()
    assert result.notices == []
    assert result.settings.get("ollama.endpoint") == "http://10.0.0.2:11434"


def test_atomic_save_leaves_no_temp_files(settings_path: Path) -> None:
    store = SettingsStore(settings_path)
    for i in range(3):
        settings = Settings({"model.default": f"m{i}"})
        store.save(settings)
    assert sorted(p.name for p in settings_path.parent.iterdir()) == ["settings.toml"]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_text_endpoint_round_trips(
    tmp_path_factory: pytest.TempPathFactory, value: str
) -> None:
    path = tmp_path_factory.mktemp("s") / "settings.toml"
    store = SettingsStore(path)
    store.save(Settings({"ollama.endpoint": value}))
    assert store.load().settings.get("ollama.endpoint") == value


# -- robustness: hostile files, numbers, read-only folders, interrupted writes ----------


def _load_bad(settings_path: Path, data: bytes) -> LoadResult:
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    settings_path.write_bytes(data)
    result = SettingsStore(settings_path, clock=lambda: 0).load()
    assert result.notices, data[:80]
    assert result.backup is not None and result.backup.read_bytes() == data
    assert SettingsStore(settings_path).load().notices == []  # replaced by a good file
    return result


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"a = " + b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[tasks]\ncustom = " + b"[" * 50 + b"]" * 50, "nested too deeply"),
        (b'[model]\ndefault = "\xff\xfe"\n', "not UTF-8"),
        (b"# " + b"x" * (settings_module.MAX_FILE_BYTES + 1), "larger than"),
        (b"schema_version = 1\nollama = 5\n", "unknown setting"),
    ],
    ids=["deep-array", "deep-value", "not-utf8", "huge", "not-a-table"],
)
def test_unreadable_files_are_backed_up_and_replaced(
    settings_path: Path, data: bytes, reason: str
) -> None:
    result = _load_bad(settings_path, data)
    assert reason in result.notices[0].en
    assert result.settings.as_dict() == Settings().as_dict()


def test_a_parser_out_of_memory_is_a_corrupt_file(
    settings_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(_text: str) -> dict[str, Any]:
        raise MemoryError

    monkeypatch.setattr(tomllib, "loads", exhausted)
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text('[model]\ndefault = "x"\n')
    result = SettingsStore(settings_path).load()
    assert "too large" in result.notices[0].en
    assert result.backup is not None and "default" in result.backup.read_text()


@pytest.mark.parametrize(
    "line",
    [
        "[ollama]\nconnect_timeout = nan",
        "[ollama]\nstall_timeout = inf",
        "[ollama]\nfirst_token_timeout = -inf",
        "[context]\nmax_num_ctx = 9223372036854775807",
        "[context]\nsplit_concurrency = -9223372036854775808",
        '[models.overrides."m"]\ntemperature = nan',
        '[models.overrides."m"]\ntemperature = 5',
        '[models.overrides."m"]\nnum_ctx = 8192.5',
        '[models.overrides."m"]\nseed = true',
        "[window]\nsize = [0, 200]",
        "[window]\nposition = [1e9, 0]",
        "[window]\nposition = [1, 2, 3]",
    ],
)
def test_non_finite_and_out_of_range_numbers_are_refused(settings_path: Path, line: str) -> None:
    result = _load_bad(
        settings_path, f'schema_version = 1\n[model]\ndefault = "m"\n{line}\n'.encode()
    )
    assert result.settings.get("model.default") == "m"  # the valid part is kept
    key = next(k for k in ("ollama.", "context.", "models.", "window.") if k[:-1] in line)
    assert key in result.notices[0].en


def test_model_overrides_in_range_are_kept(settings_path: Path) -> None:
    overrides = {"m": {"temperature": 1, "num_ctx": 8192, "stop": ["</s>"], "system": "짧게"}}
    SettingsStore(settings_path).save(Settings({"models.overrides": overrides}))
    result = SettingsStore(settings_path).load()
    assert result.notices == []
    assert result.settings.get("models.overrides") == overrides


def test_every_number_setting_declares_its_range() -> None:
    numbers = [s for s in SCHEMA if s.type in (int, float)]
    assert len(numbers) >= 6
    for setting in numbers:
        assert setting.minimum is not None and setting.maximum is not None, setting.key
        assert setting.validate(setting.maximum + 1) is not None
        assert setting.validate(setting.minimum - 1) is not None
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(SettingsError, match="finite"):
            Settings().set("ollama.connect_timeout", value)
    with pytest.raises(TypeError, match="minimum and a maximum"):
        Setting("x.y", int, 1, Text("x", "x"), Text("x", "x"))


def test_every_setting_has_its_words_in_both_languages() -> None:
    for setting in SCHEMA:
        for text in (setting.label, setting.description):
            assert text.ko.strip() and text.en.strip(), setting.key
        if setting.choices:
            assert len(setting.choice_labels) == len(setting.choices), setting.key


def test_a_read_only_folder_is_a_message_with_a_hint_on_save(
    settings_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(**_kwargs: Any) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(SettingsUnwritable) as caught:
        SettingsStore(settings_path).save(Settings())
    assert str(settings_path) in caught.value.message("en")
    assert "Read-only file system" in caught.value.message("ko")
    assert "writable" in caught.value.hint_text("en") and caught.value.hint_text("ko")
    assert isinstance(caught.value, OSError)  # older `except OSError` callers still cope


def test_a_settings_folder_that_is_a_file_is_a_message_on_save(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("not a folder")
    with pytest.raises(SettingsUnwritable, match="cannot be saved"):
        SettingsStore(tmp_path / "config" / "settings.toml").save(Settings())


def test_a_bad_file_that_cannot_be_set_aside_still_loads(
    settings_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text('[model]\ndefault = "m"\n[capture]\nmode = "psychic"\n')

    def refused(self: Path, target: Path) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "replace", refused)
    result = SettingsStore(settings_path).load()
    assert result.settings.get("model.default") == "m"
    assert result.backup is None
    notice = result.notices[0]
    assert "Permission denied" in notice.en and "writable" in notice.en
    assert "capture.mode" in notice.ko


def test_temp_files_of_an_interrupted_write_are_removed_at_the_next_start(
    settings_path: Path,
) -> None:
    store = SettingsStore(settings_path)
    store.save(Settings())
    stale = settings_path.with_name(".settings-killed.tmp")
    young = settings_path.with_name(".settings-saving-now.tmp")
    for tmp in (stale, young):
        tmp.write_text("half a file")
    now = stale.stat().st_mtime + settings_module.STALE_TEMP_SECONDS
    os.utime(young, (now - 1, now - 1))
    result = SettingsStore(settings_path, clock=lambda: now).load()
    assert result.notices == []
    assert sorted(p.name for p in settings_path.parent.iterdir()) == [young.name, "settings.toml"]


def test_save_fsyncs_the_file_and_then_its_folder(
    settings_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[bool] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    SettingsStore(settings_path).save(Settings())
    assert synced == [False, True]


def test_a_settings_file_that_cannot_be_opened_is_reported(settings_path: Path) -> None:
    settings_path.mkdir(parents=True)  # a folder where the file should be
    result = SettingsStore(settings_path, clock=lambda: 0).load()
    assert result.notices and "unreadable" in result.notices[0].en
    assert result.backup is not None and result.backup.is_dir()
    assert SettingsStore(settings_path).load().notices == []
