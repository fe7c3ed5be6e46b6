"""`kodesk run`, `kodesk models`, `kodesk doctor` against the fake server."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kodesk.cli import main
from tests.fake_ollama import ChatScript, FakeOllama

ARTICLE = "정부는 29일 내년도 예산안을 발표했다. 총지출은 3.5% 늘어난 680조 원이다."


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    return str(tmp_path / "settings.toml")


def test_run_streams_to_stdout(
    fake_ollama: FakeOllama, cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    fake_ollama.chat_scripts.append(ChatScript(reply="정부가 680조 원 예산안을 냈다."))
    code = main(
        ["run", "summary", "--host", fake_ollama.url, "--settings", cfg, "--file", str(article)]
    )
    out = capsys.readouterr()
    assert code == 0
    assert out.out == "정부가 680조 원 예산안을 냈다.\n"
    assert "exaone3.5:2.4b" in out.err and "done: stop" in out.err
    body = fake_ollama.chat_requests()[-1].body
    assert ARTICLE in body["messages"][-1]["content"]


def test_run_reads_stdin_and_uses_model_flag(
    fake_ollama: FakeOllama,
    cfg: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_ollama.add_model("other:1b")
    fake_ollama.chat_scripts.append(ChatScript(reply="The government announced the budget."))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ARTICLE.encode())))
    assert (
        main(
            [
                "run",
                "translate",
                "-m",
                "other:1b",
                "--host",
                fake_ollama.url,
                "--settings",
                cfg,
                "-q",
            ]
        )
        == 0
    )
    assert fake_ollama.chat_requests()[-1].body["model"] == "other:1b"
    out = capsys.readouterr()
    assert out.out == "The government announced the budget.\n"
    assert "Waiting" not in out.err and "language" not in out.err  # -q: no status lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nope"], "no task named 'nope'"),
        (["run", "summary", "--file", "/no/such/file"], "Cannot read /no/such/file"),
    ],
)
def test_run_bad_input(
    fake_ollama: FakeOllama,
    cfg: str,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main([*args, "--host", fake_ollama.url, "--settings", cfg])
    assert code != 0
    assert message in capsys.readouterr().err
    assert fake_ollama.chat_requests() == []


def test_run_empty_stdin(
    fake_ollama: FakeOllama,
    cfg: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"  \n")))
    assert main(["run", "summary", "--host", fake_ollama.url, "--settings", cfg]) == 1
    assert "only whitespace" in capsys.readouterr().err


def test_run_unreachable_is_one_clear_line(
    cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ollama installed but not running (without it, the hint lists the first-run
    # choices: tests/commands/test_no_ollama_cli.py).
    monkeypatch.setattr("kodesk.commands.no_ollama.ollama_installed", lambda: True)
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    code = main(
        [
            "run",
            "summary",
            "-m",
            "x",
            "--host",
            "http://127.0.0.1:9",
            "--settings",
            cfg,
            "--file",
            str(article),
            "-q",
        ]
    )
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[0] == "kodesk: Ollama is not reachable at http://127.0.0.1:9 (connection refused)"
    assert err[1].startswith("  hint:") and len(err) == 2


def test_run_mid_stream_error(
    fake_ollama: FakeOllama, cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    fake_ollama.chat_scripts.append(ChatScript(reply="가나다라마", piece_size=1, error_after=2))
    code = main(
        ["run", "summary", "--host", fake_ollama.url, "--settings", cfg, "--file", str(article)]
    )
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err
    assert "error mid-answer" in out.err


def test_models_text_and_json(
    fake_ollama: FakeOllama, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "--host", fake_ollama.url, "--settings", cfg]) == 0
    assert "exaone3.5:2.4b" in capsys.readouterr().out
    assert main(["models", "--json", "--host", fake_ollama.url, "--settings", cfg]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["name"] == "exaone3.5:2.4b" and data[0]["quantization_level"] == "Q4_K_M"


def test_doctor_json(fake_ollama: FakeOllama, cfg: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path(cfg).write_text('[model]\ndefault = "exaone3.5:7.8b"\n', encoding="utf-8")
    code = main(["doctor", "--json", "--host", fake_ollama.url, "--settings", cfg])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["reachable"] is True and report["version"] == "0.33.1"
    assert report["models"] == ["exaone3.5:2.4b"]
    assert report["default_model_present"] is False
    assert any("exaone3.5:7.8b" in p for p in report["problems"])


def test_doctor_unreachable(cfg: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["doctor", "--json", "--host", "http://127.0.0.1:9", "--settings", cfg])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["reachable"] is False
    assert "not reachable" in report["problems"][0]


def test_host_precedence_env(
    fake_ollama: FakeOllama,
    cfg: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url.removeprefix("http://"))
    assert main(["models", "--settings", cfg]) == 0
    assert "exaone3.5:2.4b" in capsys.readouterr().out


def test_console_script_entry_point(fake_ollama: FakeOllama, cfg: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kodesk", "models", "--host", fake_ollama.url, "--settings", cfg],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "exaone3.5:2.4b" in result.stdout


def test_progress_printer_prints_each_tenth(capsys: pytest.CaptureFixture[str]) -> None:
    from kodesk.commands.run_cmd import ProgressPrinter
    from kodesk.core.types import Progress

    printer = ProgressPrinter()
    for done in range(0, 101, 5):
        printer(Progress("assembling built-in model", total=100, completed=done))
    printer(Progress("success"))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "kodesk: assembling built-in model 0%"
    assert lines[-2] == "kodesk: assembling built-in model 100%"
    assert lines[-1] == "kodesk: success" and len(lines) == 12
