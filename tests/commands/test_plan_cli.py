"""`kodesk plan` through the real command-line entry, against the fake server."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from kodesk.cli import main
from kodesk.core.gguf_info import read_metadata
from kodesk.core.tasks import BUILTIN_TASKS, find_task
from kodesk.core.tokenizer import TOKENIZER_KEYS, tokenizer_from_gguf
from tests.core.planning_helpers import korean_text
from tests.core.tokenizer_ggufs import train_bpe, write_bpe_gguf
from tests.fake_ollama import FakeOllama

PAGE = Path(__file__).parents[1] / "core" / "data" / "webpages" / "naver_long_feature.txt"
MODEL = "exaone3.5:2.4b"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)


@pytest.fixture
def fake(fake_ollama: FakeOllama) -> FakeOllama:
    fake_ollama.models[MODEL].context_length = 8192
    return fake_ollama


def plan(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fake: FakeOllama,
    *argv: str,
    settings: str = "",
) -> tuple[int, str, str]:
    (tmp_path / "settings.toml").write_text(settings, encoding="utf-8")
    code = main(["plan", "--settings", str(tmp_path / "settings.toml"), "--host", fake.url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_for_a_long_page(
    fake: FakeOllama, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = plan(
        capsys, tmp_path, fake, "summary", "--model", MODEL, "--file", str(PAGE), "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["decision"] == "map_reduce"
    assert data["estimate"] is True
    assert data["num_ctx"] == 8192 and data["trained_context"] == 8192
    assert data["output_reserve"] == find_task(BUILTIN_TASKS, "summary").output_reserve
    assert len(data["chunks"]) >= 2
    assert all(n + data["output_reserve"] <= data["num_ctx"] for n in data["chunks"])
    assert data["prompt_tokens"] > data["num_ctx"]
    assert data["cleanup"]["before"] == len(PAGE.read_text(encoding="utf-8").strip())
    assert data["cleanup"]["after"] == data["characters"] < data["cleanup"]["before"]
    assert fake.chat_requests() == []  # planning sends nothing


def test_text_output_from_stdin(
    fake: FakeOllama,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(korean_text(10).encode())))
    code, out, _ = plan(capsys, tmp_path, fake, "summary", "--model", MODEL)
    assert code == 0
    assert "decision: fits" in out
    assert "num_ctx: 4,096 (base 4,096 from Ollama 0.33.1 default" in out
    assert "(estimated" in out
    assert "chunks" not in out


def test_settings_decide_between_raising_and_refusing(
    fake: FakeOllama, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in.txt").write_text(korean_text(150), encoding="utf-8")
    args = ("summary", "--model", MODEL, "--file", str(tmp_path / "in.txt"), "--json")
    _, out, _ = plan(capsys, tmp_path, fake, *args)
    raised = json.loads(out)
    assert raised["decision"] == "raise_ctx" and 4096 < raised["num_ctx"] <= 8192
    refuse = "[context]\nallow_raise = false\nallow_split = false\n"
    _, out, _ = plan(capsys, tmp_path, fake, *args, settings=refuse)
    refused = json.loads(out)
    assert refused["decision"] == "refuse" and refused["num_ctx"] == 4096
    assert "too long" in refused["message"]
    _, out, _ = plan(capsys, tmp_path, fake, *args[:-1], settings=refuse)
    assert "hint:" in out and "context.allow_raise" in out


@pytest.fixture(scope="module")
def bpe_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bpe_gguf(tmp_path_factory.mktemp("bpe") / "ko-bpe.gguf", train_bpe(), "llama-bpe")


def test_an_exact_vocabulary_from_the_server_is_used(
    bpe_gguf: Path, fake: FakeOllama, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meta: dict[str, Any] = json.loads(json.dumps(read_metadata(bpe_gguf, TOKENIZER_KEYS)))
    fake.add_model(
        "ko-bpe:latest",
        architecture="llama",
        digest="b" * 64,
        verbose_info=meta,
        context_length=8192,
        template="{{ .System }}\n{{ .Prompt }}",  # a template with little fixed text
    )
    text = korean_text(8)
    (tmp_path / "in.txt").write_text(text, encoding="utf-8")
    code, out, err = plan(
        capsys,
        tmp_path,
        fake,
        "summary",
        "--model",
        "ko-bpe",
        "--file",
        str(tmp_path / "in.txt"),
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["estimate"] is False and data["decision"] == "fits"
    exact = tokenizer_from_gguf(bpe_gguf)
    messages = find_task(BUILTIN_TASKS, "summary").messages(text, model="ko-bpe")
    contents = sum(len(exact.encode(m.content, add_special=False)) for m in messages)
    assert contents < data["prompt_tokens"] <= contents + 16  # plus the template overhead
