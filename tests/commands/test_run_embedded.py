"""`kodesk run TASK --engine embedded`: a real answer from the built-in model, no Ollama."""

from __future__ import annotations

from pathlib import Path

import pytest

from kodesk.cli import main
from kodesk.core.settings import Settings, SettingsStore

pytestmark = pytest.mark.inference


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    settings = Settings()
    settings.set(
        "tasks.custom",
        [
            {
                "name": "continue",
                "template": "{text}",
                "options": {"num_predict": 6, "temperature": 0, "num_ctx": 512, "num_thread": 1},
            }
        ],
    )
    path = tmp_path / "settings.toml"
    SettingsStore(path).save(settings)
    return path


def test_run_with_the_builtin_model(
    settings_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("The capital of France is", encoding="utf-8")
    code = main(
        [
            "run",
            "continue",
            "--engine",
            "embedded",
            "--settings",
            str(settings_file),
            "-f",
            str(source),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip()
    assert "gemma-3-270m-q4_k_m:" in err and "6 out" in err
    # assembled into the user cache on first use
    assert (tmp_path / "cache" / "kodesk" / "gemma-3-270m-q4_k_m.gguf").is_file()


def test_missing_gguf_is_one_clear_error(
    settings_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("hello", encoding="utf-8")
    missing = tmp_path / "nowhere" / "model.gguf"
    code = main(
        [
            "run",
            "continue",
            "--engine",
            "embedded",
            "--gguf",
            str(missing),
            "--settings",
            str(settings_file),
            "-f",
            str(source),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 1
    assert str(missing) in err and "Traceback" not in err
