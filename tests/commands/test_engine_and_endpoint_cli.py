"""Every command follows the engine setting and refuses a malformed endpoint the same way;
`tokens` without `--model` uses the default model of the engine in use."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from kodesk.cli import main
from kodesk.commands.common import load_settings
from kodesk.core.gguf_info import read_metadata
from kodesk.core.tokenizer import TOKENIZER_KEYS, tokenizer_from_gguf
from kodesk.engines import embedded
from tests.core.tokenizer_ggufs import train_bpe, write_bpe_gguf
from tests.fake_ollama import FakeOllama

TEXT = "대한민국의 수도는 서울입니다. hello"

#: Each command that talks to a server, with the arguments it needs besides the endpoint.
COMMANDS: dict[str, list[str]] = {
    "run": ["run", "summary"],
    "plan": ["plan", "summary"],
    "tokens": ["tokens", "--model", "m"],
    "models": ["models"],
    "doctor": ["doctor"],
}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode())))


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "settings.toml"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- endpoints --------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("where", "value", "said"),
    [
        ("--host", "ftp://10.0.0.1", "from --host: unsupported scheme 'ftp'"),
        ("OLLAMA_HOST", "localhost:70000", "from the OLLAMA_HOST environment variable: the port"),
        ("setting", "[::1:11434", "from the ollama.endpoint setting: an '['"),
    ],
)
def test_a_malformed_endpoint_is_one_message_in_every_command(
    command: str,
    where: str,
    value: str,
    said: str,
    cfg: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = [*COMMANDS[command], "--settings", str(cfg)]
    if where == "--host":
        argv += ["--host", value]
    elif where == "OLLAMA_HOST":
        monkeypatch.setenv("OLLAMA_HOST", value)
    else:
        cfg.write_text(f'[ollama]\nendpoint = "{value}"\n', encoding="utf-8")
    code, out, err = run_cli(capsys, *argv)
    lines = err.splitlines()
    assert code == 1 and out == ""
    assert lines[0].startswith(f"kodesk: Cannot use the Ollama address {value!r} ")
    assert said in lines[0]
    assert lines[1].startswith("  hint: ") and len(lines) == 2


def test_modelfile_check_refuses_a_malformed_endpoint_too(
    tmp_path: Path, cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    modelfile = tmp_path / "Modelfile"
    modelfile.write_text("FROM exaone3.5:2.4b\n", encoding="utf-8")
    code, _, err = run_cli(
        capsys, "modelfile", "check", str(modelfile), "--model", "x", "--host", "h:0"
    )
    assert code == 2
    assert "Cannot use the Ollama address 'h:0' from --host" in err and "Traceback" not in err


def test_an_endpoint_off_the_machine_is_warned_about_before_anything_is_sent(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(host="http://ollama.example.com:11434", settings=str(cfg))
    load_settings(args)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("kodesk: warning: The Ollama address ollama.example.com is not")
    assert "copied text will leave this machine" in err[0]
    assert err[1].startswith("kodesk: warning: The connection to ollama.example.com is plain")
    assert "unencrypted" in err[1] and len(err) == 2

    load_settings(argparse.Namespace(host="https://ollama.example.com", settings=str(cfg)))
    assert "unencrypted" not in capsys.readouterr().err  # https: only the first warning
    load_settings(argparse.Namespace(host="http://172.28.1.9:11434", settings=str(cfg)))
    assert capsys.readouterr().err == ""  # a WSL distro's address: local


def test_no_endpoint_warning_when_the_embedded_engine_answers(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(
        host="http://8.8.8.8:11434", settings=str(cfg), engine="embedded", gguf=None
    )
    load_settings(args)
    assert capsys.readouterr().err == ""


# -- the engine setting -----------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("chosen_by", ["setting", "--engine"])
def test_every_command_follows_the_engine_setting(
    command: str,
    chosen_by: str,
    fake_ollama: FakeOllama,
    cfg: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without llama.cpp the embedded engine is refused with its own message: proof that
    the command asked for the embedded engine, and never went to Ollama."""
    monkeypatch.setattr(embedded, "find_spec", lambda name: None)
    argv = [*COMMANDS[command], "--settings", str(cfg), "--host", fake_ollama.url]
    if chosen_by == "setting":
        cfg.write_text('[engine]\nkind = "embedded"\n', encoding="utf-8")
    else:
        argv += ["--engine", "embedded"]
    code, _, err = run_cli(capsys, *argv)
    assert code == 1
    assert "The embedded engine needs the package 'llama-cpp-python'" in err
    assert "Ollama" not in err
    assert fake_ollama.requests == []


def test_gguf_means_the_embedded_engine_and_not_with_engine_ollama(
    fake_ollama: FakeOllama, cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        capsys, "plan", "summary", "--settings", str(cfg), "--engine", "ollama", "--gguf", "x"
    )
    assert code == 1 and "--gguf is a file for the embedded engine" in err
    assert fake_ollama.requests == []


# -- tokens without --model -------------------------------------------------------------


@pytest.fixture(scope="module")
def bpe_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bpe_gguf(tmp_path_factory.mktemp("bpe") / "ko-bpe.gguf", train_bpe(), "llama-bpe")


def _serve(fake: FakeOllama, gguf: Path, name: str) -> None:
    meta: dict[str, Any] = json.loads(json.dumps(read_metadata(gguf, TOKENIZER_KEYS)))
    fake.add_model(name, architecture="llama", digest="c" * 64, verbose_info=meta)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('[model]\ndefault = "ko-bpe:latest"\n', "ko-bpe:latest"),
        ("", "first-installed:latest"),  # no default model: the engine's first one
    ],
)
def test_tokens_without_model_uses_the_default_model_of_the_settings(
    setting: str,
    expected: str,
    bpe_gguf: Path,
    fake_ollama: FakeOllama,
    cfg: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_ollama.models.clear()
    _serve(fake_ollama, bpe_gguf, "first-installed:latest")
    _serve(fake_ollama, bpe_gguf, "ko-bpe:latest")
    cfg.write_text(setting, encoding="utf-8")
    code, out, err = run_cli(
        capsys, "tokens", "--settings", str(cfg), "--host", fake_ollama.url, "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["estimate"] is False
    assert data["ids"] == tokenizer_from_gguf(bpe_gguf).encode(TEXT)
    shows = [r.body["model"] for r in fake_ollama.requests if r.path == "/api/show"]
    assert shows == [expected]


def test_tokens_with_an_unreachable_server_and_no_model_is_an_estimate_that_says_why(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys, "tokens", "--settings", str(cfg), "--host", "http://127.0.0.1:9", "--json"
    )
    assert code == 0
    assert json.loads(out)["estimate"] is True
    assert "estimate — Ollama is not reachable at http://127.0.0.1:9" in err


def test_tokens_model_and_gguf_are_exclusive(
    bpe_gguf: Path, cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        capsys, "tokens", "--settings", str(cfg), "--model", "m", "--gguf", str(bpe_gguf)
    )
    assert code == 2 and "not both" in err


def test_the_connection_window_opens_with_a_malformed_endpoint_setting(
    cfg: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kodesk.desktop import connection_doctor_dialog

    opened: list[str] = []

    def fake_window(settings: Any, save: Any, host: str, lang: str) -> int:
        opened.append(settings.get("ollama.endpoint"))
        return 0

    monkeypatch.setattr(connection_doctor_dialog, "run_connection_doctor", fake_window)
    cfg.write_text('[ollama]\nendpoint = "ftp://nas"\n', encoding="utf-8")
    code, _, err = run_cli(capsys, "connection", "--settings", str(cfg))
    assert code == 0 and err == ""
    assert opened == ["ftp://nas"]  # the window is where it gets fixed
