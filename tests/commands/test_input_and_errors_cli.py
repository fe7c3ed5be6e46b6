"""What the commands read (a size cap, no binary data, the cleaning notes shown), what they
write to a terminal (no escape sequences), and that no exception leaves as a traceback."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kodesk.cli import main
from kodesk.commands import models_cmd
from tests.fake_ollama import ChatScript, FakeOllama

ARTICLE = "정부는 29일 내년도 예산안을 발표했다. 총지출은 3.5% 늘어난 680조 원이다."


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    monkeypatch.delenv("KODESK_DEBUG", raising=False)


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    return str(tmp_path / "settings.toml")


def stdin_bytes(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


# -- input --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["run", "summary"], ["plan", "summary"], ["tokens"]])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (random.Random(3).randbytes(50_000), "Standard input is not UTF-8 text"),
        (b"\x00\x01\x02\x03" * 4000, "Standard input looks like binary data"),
    ],
)
def test_binary_input_is_refused_and_nothing_is_sent(
    command: list[str],
    data: bytes,
    message: str,
    fake_ollama: FakeOllama,
    cfg: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin_bytes(monkeypatch, data)
    code = main([*command, "--host", fake_ollama.url, "--settings", cfg])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[0].startswith(f"kodesk: {message}") and err[1].startswith("  hint:")
    assert fake_ollama.requests == []


def test_a_device_file_ends_at_once(
    fake_ollama: FakeOllama, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.perf_counter()
    code = main(["run", "summary", "--file", "/dev/zero", "--host", fake_ollama.url, "-q"])
    assert time.perf_counter() - started < 5
    assert code == 1
    assert "The file /dev/zero looks like binary data" in capsys.readouterr().err
    assert fake_ollama.requests == []


def test_a_fifo_is_read_like_a_file(
    fake_ollama: FakeOllama, cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as out:  # blocks until kodesk opens the other end
            out.write(ARTICLE.encode())

    writer = threading.Thread(target=write)
    writer.start()
    fake_ollama.chat_scripts.append(ChatScript(reply="요약."))
    try:
        code = main(
            ["run", "summary", "--file", str(fifo), "--host", fake_ollama.url, "--settings", cfg]
        )
    finally:
        writer.join(timeout=10)
    assert code == 0 and capsys.readouterr().out == "요약.\n"
    assert ARTICLE in fake_ollama.chat_requests()[-1].body["messages"][-1]["content"]


def test_cleaning_notes_are_printed_and_the_clean_text_is_sent(
    fake_ollama: FakeOllama,
    cfg: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin_bytes(monkeypatch, ARTICLE.encode() + b"\xff" + "\x00끝".encode())
    code = main(["run", "summary", "--host", fake_ollama.url, "--settings", cfg, "-q"])
    err = capsys.readouterr().err.splitlines()
    assert code == 0
    assert "kodesk: warning: 1 invalid UTF-8 byte replaced by �." in err
    assert "kodesk: warning: Control characters (NUL and the like) were removed." in err
    sent = fake_ollama.chat_requests()[-1].body["messages"][-1]["content"]
    assert f"{ARTICLE}\ufffd끝" in sent and "\x00" not in sent


# -- output to a terminal -----------------------------------------------------------------


def test_escape_sequences_in_an_answer_do_not_reach_the_terminal(
    fake_ollama: FakeOllama,
    cfg: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hostile = "\x1b]0;pwned\x07\x1b]52;c;cm0gLXJm\x07요약\x1b[2J입니다\r."
    fake_ollama.chat_scripts.append(ChatScript(reply=hostile, piece_size=2))
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    argv = ["run", "summary", "--file", str(article), "--host", fake_ollama.url, "--settings", cfg]
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "요약" in out and "입니다." in out

    # not a terminal (a pipe, a file): the answer is passed on exactly
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    fake_ollama.chat_scripts.append(ChatScript(reply=hostile))
    assert main(argv) == 0
    assert capsys.readouterr().out == hostile + "\n"


def test_server_text_in_error_lines_is_neutralised(
    fake_ollama: FakeOllama, cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama.chat_scripts.append(ChatScript(status=500, error="\x1b]0;pwned\x07모델 오류"))
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    code = main(
        ["run", "summary", "--file", str(article), "--host", fake_ollama.url, "--settings", cfg]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "모델 오류" in err and "\x1b" not in err and "\x07" not in err


# -- no traceback at the top level --------------------------------------------------------


def _explode(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug")


@pytest.mark.allow_error_log(r"internal error: RuntimeError")
def test_an_unexpected_exception_is_one_line_and_a_hint(
    fake_ollama: FakeOllama,
    cfg: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(models_cmd, "open_engine", _explode)
    code = main(["models", "--host", fake_ollama.url, "--settings", cfg])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[0] == "kodesk: internal error - please report it: RuntimeError"
    assert err[1].startswith("  hint: run it again with --debug") and len(err) == 2
    # logging is configured here (pytest's handlers): the traceback went to the log
    (record,) = [r for r in caplog.records if r.name == "kodesk"]
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


@pytest.mark.allow_error_log(r"internal error: RuntimeError")
@pytest.mark.parametrize("how", ["--debug", "KODESK_DEBUG"])
def test_debug_prints_the_traceback(
    how: str,
    fake_ollama: FakeOllama,
    cfg: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(models_cmd, "open_engine", _explode)
    argv = ["models", "--host", fake_ollama.url, "--settings", cfg]
    if how == "--debug":
        argv.append("--debug")
    else:
        monkeypatch.setenv("KODESK_DEBUG", "1")
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: a bug" in err
    assert err.splitlines()[-2] == "kodesk: internal error - please report it: RuntimeError"


def test_no_traceback_from_the_real_entry_point(fake_ollama: FakeOllama, cfg: str) -> None:
    """In a fresh process (no logging configured) the user sees the two lines only."""
    script = (
        "import sys\n"
        "from kodesk.commands import models_cmd\n"
        "def explode(*a, **k): raise RuntimeError('a bug')\n"
        "models_cmd.open_engine = explode\n"
        "from kodesk.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "KODESK_DEBUG"}
    result = subprocess.run(
        [sys.executable, "-c", script, "models", "--host", fake_ollama.url, "--settings", cfg],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "kodesk: internal error - please report it: RuntimeError",
        "  hint: run it again with --debug (or KODESK_DEBUG=1) to see the traceback, "
        "and include it in the report.",
    ]
