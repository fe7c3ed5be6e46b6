"""What `kodesk run` prints: the token report, warnings before the answer, and the text
that arrived before an error, kept on stdout with the error under it on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from kodesk.cli import main
from tests.core.planning_helpers import korean_text
from tests.fake_ollama import ChatScript, FakeOllama


def run(fake: FakeOllama, tmp_path: Path, task: str, text: str, *extra: str) -> int:
    source = tmp_path / "input.txt"
    source.write_text(text, encoding="utf-8")
    settings = str(tmp_path / "settings.toml")
    argv = ["run", task, "--host", fake.url, "--settings", settings, "--file", str(source)]
    return main([*argv, *extra])


def test_the_tokens_task_prints_its_counts_and_sends_them_filled_in(
    fake_ollama: FakeOllama, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama.default_chat = ChatScript(reply="토큰은 모델이 읽는 단위입니다.")
    assert run(fake_ollama, tmp_path, "tokens", korean_text(20)) == 0
    out = capsys.readouterr().out
    assert out.startswith("tokenizer ") and "characters" in out
    assert out.rstrip().endswith("토큰은 모델이 읽는 단위입니다.")
    [chat] = fake_ollama.chat_requests()
    prompt = chat.body["messages"][-1]["content"]
    assert "{token_count}" not in prompt and "{num_ctx}" not in prompt
    assert "exaone3.5:2.4b 모델의 토크나이저로" in prompt


def test_text_that_arrived_before_an_error_stays_on_stdout(
    fake_ollama: FakeOllama, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reply = "정부가 내년 예산안을 발표했다는 소식이 전해졌고 총지출은 크게 늘었다."
    fake_ollama.default_chat = ChatScript(reply=reply, piece_size=5, error_after=3)
    assert run(fake_ollama, tmp_path, "summary", korean_text(10)) == 1
    out, err = capsys.readouterr()
    assert out == reply[:15] + "\n"  # what arrived, then the line is ended
    assert err.splitlines()[-2].startswith("kodesk: ") and "Traceback" not in err


def test_a_base_model_is_named_on_stderr_before_the_answer(
    fake_ollama: FakeOllama, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama.add_model("llama3-open-ko:8b", template="{{ .Prompt }}")
    fake_ollama.default_chat = ChatScript(reply="정부가 예산을 늘렸다.")
    code = run(fake_ollama, tmp_path, "summary", korean_text(10), "--model", "llama3-open-ko:8b")
    assert code == 0
    err = capsys.readouterr().err
    warning = err.index("may not follow instructions")
    assert warning < err.index("done: stop")
