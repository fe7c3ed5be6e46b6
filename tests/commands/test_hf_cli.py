"""`kodesk hf` and `kodesk models --recommended` end to end: the fake hub, the fake Ollama."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kodesk.cli import main
from tests.fake_hf import BASE_REPO, CHAT_REPO, FakeHub, korean_llama3_hub
from tests.fake_ollama import FakeOllama


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with korean_llama3_hub(tmp_path, monkeypatch) as fake:
        yield fake


@pytest.fixture
def settings_file(tmp_path: Path) -> tuple[str, Path]:
    models = tmp_path / "models"
    path = tmp_path / "settings.toml"
    path.write_text(f'[embedded]\nmodels_dir = "{models}"\n', encoding="utf-8")
    return str(path), models


def test_hf_lists_files_with_fit_and_base_model_warning(
    hub: FakeHub, settings_file: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hf", BASE_REPO, "--json", "--settings", settings_file[0]]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["quantization"] for f in data["files"]] == ["Q4_K_M", "Q8_0"]
    assert all(f["fits"] == "ram" and f["speed"] == "fast" for f in data["files"])
    assert data["header"]["base_model"] is True
    assert main(["hf", BASE_REPO, "--settings", settings_file[0]]) == 0
    text = capsys.readouterr().out
    assert "A base model" in text and "Q8_0" in text


def test_hf_download_of_a_base_model_is_refused(
    hub: FakeHub, settings_file: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hf", BASE_REPO, "--download", "Q8_0", "--settings", settings_file[0]])
    assert code == 1
    err = capsys.readouterr().err
    assert "is a base model" in err and "Nothing was downloaded" in err
    assert "kodesk models --recommended" in err
    assert not settings_file[1].exists()


def test_hf_download_then_create_in_ollama(
    hub: FakeHub,
    fake_ollama: FakeOllama,
    settings_file: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["hf", CHAT_REPO, "--download", "Q4_K_M", "--to-ollama", "--name", "ko-chat"]
    code = main([*args, "--settings", settings_file[0], "--host", fake_ollama.url])
    out = capsys.readouterr()
    assert code == 0, out.err
    target = settings_file[1] / "Llama-3-Ko-Instruct-Q4_K_M.gguf"
    assert target.is_file()
    assert str(target) in out.out and "ko-chat" in out.out
    body = fake_ollama.wait_request("/api/create")
    assert body["model"] == "ko-chat"
    assert "<|start_header_id|>" in body["template"]
    assert body["parameters"]["num_ctx"] == 8192


def test_hf_pull_goes_through_ollama_with_the_hf_name(
    hub: FakeHub,
    fake_ollama: FakeOllama,
    settings_file: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = f"hf.co/{CHAT_REPO}:Q8_0"
    fake_ollama.pullable.add(name)
    code = main(
        [
            "hf",
            CHAT_REPO,
            "--pull",
            "q8_0",
            "--settings",
            settings_file[0],
            "--host",
            fake_ollama.url,
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert fake_ollama.wait_request("/api/pull")["model"] == name


def test_models_recommended_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--recommended", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = {m["name"] for m in data["models"]}
    assert {"exaone3.5:2.4b", "qwen2.5:1.5b", "gemma3:4b"} <= names
    assert all(m["fits"] in ("gpu", "ram", "no") for m in data["models"])
    exaone = next(m for m in data["models"] if m["name"] == "exaone3.5:2.4b")
    assert exaone["commercial_use"] is False and "NC" in exaone["licence"]
    assert data["checked"] == "2026-12-02"


def test_hf_listing_survives_an_unreadable_header(
    hub: FakeHub, settings_file: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    hub.repo("kodesk-test/odd").add("odd-Q4_K_M.gguf", b"not a GGUF at all")
    assert main(["hf", "kodesk-test/odd", "--json", "--settings", settings_file[0]]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["files"][0]["quantization"] == "Q4_K_M"
    assert "not a GGUF file" in data["header"]["error"]


def test_hf_to_ollama_needs_download(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hf", CHAT_REPO, "--to-ollama"]) == 2
    assert "--download" in capsys.readouterr().err
