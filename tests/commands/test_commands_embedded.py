"""`models`, `plan`, `tokens` and `doctor` on the embedded engine (`engine.kind =
"embedded"`, or `--engine embedded` / `--gguf`), with no Ollama anywhere: they list the
GGUF files, plan and count with the default model's own vocabulary."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from kodesk.cli import main
from kodesk.core.tokenizer import tokenizer_from_gguf
from tests.core.tokenizer_ggufs import train_bpe, write_bpe_gguf

pytestmark = pytest.mark.inference

TEXT = "대한민국의 수도는 서울입니다. 한국은행은 기준금리를 동결했다. hello"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    write_bpe_gguf(folder / "ko-bpe.gguf", train_bpe(), "llama-bpe")
    return folder


@pytest.fixture
def cfg(tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    # Nothing listens here: a command that went to Ollama would fail.
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode())))
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[engine]\nkind = "embedded"\n\n[embedded]\nmodels_dir = "{models_dir}"\n'
        'default_model = "ko-bpe"\n',
        encoding="utf-8",
    )
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_models_lists_the_gguf_files(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "models", "--settings", str(cfg), "--json")
    assert code == 0, err
    assert "ko-bpe" in [m["name"] for m in json.loads(out)]


def test_tokens_counts_with_the_default_models_vocabulary(
    cfg: Path, models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "tokens", "--settings", str(cfg), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["estimate"] is False
    assert data["ids"] == tokenizer_from_gguf(models_dir / "ko-bpe.gguf").encode(TEXT)


def test_plan_uses_the_embedded_default_model(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "plan", "summary", "--settings", str(cfg), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["model"] == "ko-bpe"
    assert data["estimate"] is False and data["decision"] == "fits"


def test_plan_and_tokens_take_engine_and_gguf(
    cfg: Path, models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg.write_text("", encoding="utf-8")  # settings say Ollama
    gguf = str(models_dir / "ko-bpe.gguf")
    source = tmp_path / "in.txt"
    source.write_text(TEXT, encoding="utf-8")
    code, out, err = run_cli(
        capsys, "plan", "summary", "--settings", str(cfg), "--gguf", gguf, "-f", str(source)
    )
    assert code == 0, err
    assert out.startswith("task summary on ko-bpe; tokenizer: ")
    code, out, err = run_cli(
        capsys,
        "tokens",
        "--settings",
        str(cfg),
        "--engine",
        "embedded",
        "--gguf",
        gguf,
        "--file",
        str(source),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["estimate"] is False


def test_doctor_checks_the_embedded_engine(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "doctor", "--settings", str(cfg), "--json")
    report = json.loads(out)
    assert code == 0, (err, report["problems"])
    assert report["engine"] == "embedded" and report["reachable"] is True
    assert report["version"].startswith("llama-cpp-python ")
    assert "ko-bpe" in report["models"]
    assert report["default_model"] == "ko-bpe" and report["default_model_present"] is True
    assert report["candidates"] == [] and report["connection"] is None

    code, out, _ = run_cli(capsys, "doctor", "--settings", str(cfg))
    assert code == 0
    assert out.startswith("✓ embedded engine, models in ")
    assert "Ollama" not in out
