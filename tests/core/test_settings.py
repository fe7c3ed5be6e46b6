"""Settings: one schema, TOML round trip, atomic writes, corrupt-file recovery, migration."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kodesk.core import settings as settings_module
from kodesk.core.settings import (
    SCHEMA,
    SCHEMA_VERSION,
    Settings,
    SettingsError,
    SettingsStore,
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
