"""`kodesk tokens` through the real command-line entry."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from kodesk.cli import main
from kodesk.core.gguf_info import read_metadata
from kodesk.core.tokenizer import TOKENIZER_KEYS, tokenizer_from_gguf
from tests.core.tokenizer_ggufs import real_gemma, train_bpe, write_bpe_gguf
from tests.fake_ollama import FakeOllama

TEXT = "대한민국의 수도는 서울입니다. 龘 hello"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)


@pytest.fixture(scope="module")
def bpe_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bpe_gguf(tmp_path_factory.mktemp("bpe") / "ko-bpe.gguf", train_bpe(), "llama-bpe")


def _run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["tokens", "--settings", str(tmp_path / "settings.toml"), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.inference  # needs the embedded extra: the built-in GGUF package
def test_json_for_the_real_gemma(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gguf = real_gemma(tmp_path_factory.getbasetemp())
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    code, out, err = _run(
        capsys, tmp_path, "--gguf", str(gguf), "--file", str(tmp_path / "in.txt"), "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["estimate"] is False
    assert data["ids"] == tokenizer_from_gguf(gguf).encode(TEXT)
    assert data["count"] == len(data["ids"])
    assert data["pieces"][0] == "<bos>"
    assert data["pieces"][-4:-1] == ["<0xE9>", "<0xBE>", "<0x98>"]  # 龘 as bytes
    assert "".join(data["pieces"][1:]).replace("<0xE9><0xBE><0x98>", "龘") == TEXT
    assert list((tmp_path / "cache" / "kodesk" / "tokenizers").glob("vocab-*"))


def test_readable_summary_from_stdin(
    bpe_gguf: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode())))
    code, out, _ = _run(capsys, tmp_path, "--gguf", str(bpe_gguf), "--num-ctx", "8")
    assert code == 0
    assert "(exact)" in out
    assert f"characters  {len(TEXT)}" in out
    assert "13 syllables" in out and "tokens per syllable" in out
    assert "OVER" in out
    assert "[<E9>" in out or "[ <E9>" in out


def _serve_bpe(fake: FakeOllama, gguf: Path) -> None:
    meta: dict[str, Any] = json.loads(json.dumps(read_metadata(gguf, TOKENIZER_KEYS)))
    fake.add_model("ko-bpe:latest", architecture="llama", digest="b" * 64, verbose_info=meta)


def test_model_vocabulary_from_ollama_then_from_the_cache(
    bpe_gguf: Path,
    fake_ollama: FakeOllama,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _serve_bpe(fake_ollama, bpe_gguf)
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    args = [
        "--host",
        fake_ollama.url,
        "--model",
        "ko-bpe",
        "--file",
        str(tmp_path / "in.txt"),
        "--json",
    ]
    code, out, err = _run(capsys, tmp_path, *args)
    assert code == 0, err
    first = json.loads(out)
    assert first["estimate"] is False
    assert first["ids"] == tokenizer_from_gguf(bpe_gguf).encode(TEXT)
    shows = [r for r in fake_ollama.requests if r.path == "/api/show"]
    assert [r.body.get("verbose") for r in shows] == [True]

    code, out, _ = _run(capsys, tmp_path, *args)
    assert json.loads(out)["ids"] == first["ids"]
    assert len([r for r in fake_ollama.requests if r.path == "/api/show"]) == 1  # cached


def test_unreachable_server_falls_back_to_the_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    code, out, err = _run(
        capsys,
        tmp_path,
        "--host",
        "http://127.0.0.1:9",
        "--model",
        "x",
        "--file",
        str(tmp_path / "in.txt"),
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["estimate"] is True
    assert data["count"] > 0 and data["ids"] == []
    assert "estimate" in err and "not reachable" in err
    code, out, _ = _run(
        capsys,
        tmp_path,
        "--host",
        "http://127.0.0.1:9",
        "--model",
        "x",
        "--file",
        str(tmp_path / "in.txt"),
    )
    assert "ESTIMATE" in out


def test_model_without_vocabulary_is_an_estimate(
    fake_ollama: FakeOllama, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    code, out, err = _run(
        capsys,
        tmp_path,
        "--host",
        fake_ollama.url,
        "--model",
        "exaone3.5:2.4b",
        "--file",
        str(tmp_path / "in.txt"),
        "--json",
    )
    assert code == 0
    assert json.loads(out)["estimate"] is True
    assert "tokenizer" in err


def test_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, tmp_path, "--file", str(tmp_path / "nope.txt"))
    assert code == 1
    assert "Cannot read" in err
