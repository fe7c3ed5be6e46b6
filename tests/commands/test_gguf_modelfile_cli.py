"""`kodesk gguf` and `kodesk modelfile check|render` through the real command-line entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kodesk.cli import main
from kodesk.core.chat_templates import OLLAMA_TEMPLATES
from kodesk.core.modelfile import parse_modelfile
from tests.core.modelfile_fixtures import COMMUNITY_LLAMA3_KO
from tests.fake_ollama import FakeOllama
from tests.gguf_factory import preset, shared_real_gemma, write_gguf


@pytest.fixture
def fixture_dir(tmp_path: Path) -> Path:
    """The community Modelfile next to a Llama-3 *base* GGUF with the name FROM uses."""
    (tmp_path / "community-llama3-ko.Modelfile").write_text(COMMUNITY_LLAMA3_KO, "utf-8")
    write_gguf(
        tmp_path / "Llama-3-Open-Ko-8B-Q8_0.gguf", preset("llama3", chat_template=None, file_type=7)
    )
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_gguf_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_gguf(tmp_path / "m.gguf", preset("chatml"))
    code, out, _ = _run(capsys, "gguf", str(path), "--json")
    data = json.loads(out)
    assert code == 0
    assert data["architecture"] == "qwen2" and data["size_label"] == "7B"
    assert data["quantization"] == "Q4_K_M" and data["context_length"] == 32768
    assert data["chat_template_family"] == "chatml"
    assert data["special_tokens"]["eos"] == {"id": 2, "text": "<|im_end|>"}


def test_gguf_text_for_a_base_model(fixture_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "gguf", str(fixture_dir / "Llama-3-Open-Ko-8B-Q8_0.gguf"))
    assert code == 0
    assert "양자화 / Quantization: Q8_0" in out
    assert "기본(base) 모델" in out and "base model" in out
    assert "8,192 tokens" in out


def test_gguf_json_null_family(fixture_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "gguf", str(fixture_dir / "Llama-3-Open-Ko-8B-Q8_0.gguf"), "--json")
    assert json.loads(out)["chat_template_family"] is None


@pytest.mark.inference  # needs the embedded extra: the built-in GGUF package
def test_real_gemma_cli(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_real_gemma(tmp_path_factory)
    _, out, _ = _run(capsys, "gguf", str(path), "--json")
    data = json.loads(out)
    assert (
        data["architecture"],
        data["size_label"],
        data["quantization"],
        data["context_length"],
        data["chat_template_family"],
    ) == ("gemma3", "270M", "Q4_K_M", 32768, None)


@pytest.mark.parametrize("blob", [b"", b"GGUF\x03\x00\x00\x00", b"not gguf at all"])
def test_gguf_bad_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blob: bytes
) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(blob)
    code, out, err = _run(capsys, "gguf", str(path))
    assert code == 2 and out == ""
    assert err.startswith("kodesk: Cannot read GGUF file") and err.count("\n") == 1


def test_check_fixture_finds_all_three_problems(
    fixture_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "modelfile", "check", str(fixture_dir / "community-llama3-ko.Modelfile"), "--json"
    )
    data = json.loads(out)
    assert code == 1
    assert data["modelfile"]["from"] == "Llama-3-Open-Ko-8B-Q8_0.gguf"
    assert data["modelfile"]["parameters"][-2:] == [["stop", "<s>"], ["stop", "</s>"]]
    assert data["modelfile"]["template"].startswith("{{- if .System }}")
    assert data["modelfile"]["system"].startswith("A chat between")
    assert (
        data["modelfile"]["adapters"],
        data["modelfile"]["license"],
        data["modelfile"]["messages"],
    ) == ([], [], [])
    codes = {f["code"]: f["severity"] for f in data["findings"]}
    assert codes["template-mismatch"] == "error"
    assert codes["base-model"] == "warning"
    assert codes["num-ctx-too-small"] == "warning"
    for finding in data["findings"]:
        assert set(finding) >= {"severity", "code", "message", "fix"}


def test_check_with_explicit_gguf_and_text_output(
    fixture_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    modelfile = tmp_path / "elsewhere" / "Modelfile"
    modelfile.parent.mkdir()
    modelfile.write_text(COMMUNITY_LLAMA3_KO, "utf-8")
    instruct = write_gguf(tmp_path / "instruct.gguf", preset("llama3"))
    code, out, _ = _run(
        capsys, "modelfile", "check", str(modelfile), "--gguf", str(instruct), "--fixed"
    )
    assert code == 1
    assert "[오류 / error] template-mismatch (line 3)" in out
    assert "Ollama then autodetects llama3-instruct" in out
    assert "고치기:" in out
    fixed = out.split("# 고친 Modelfile / Fixed Modelfile\n", 1)[1]
    assert parse_modelfile(fixed).template is None


def test_check_clean_modelfile_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gguf = write_gguf(tmp_path / "m.gguf", preset("llama3"))
    (tmp_path / "Modelfile").write_text(
        f"FROM {gguf}\nPARAMETER num_ctx 8192\nPARAMETER stop <|eot_id|>\n", "utf-8"
    )
    code, out, _ = _run(
        capsys,
        "modelfile",
        "check",
        str(tmp_path / "Modelfile"),
        "--input-tokens",
        "2000",
        "--json",
    )
    assert code == 0
    assert [f["code"] for f in json.loads(out)["findings"]] == ["template-autodetected"]


def test_check_with_ollama_model(
    fake_ollama: FakeOllama, fixture_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama.add_model(
        "ko-llama",
        architecture="llama",
        context_length=8192,
        template=OLLAMA_TEMPLATES["llama3"].template,
        verbose_info={
            "tokenizer.ggml.tokens": ["<|eot_id|>", "<|start_header_id|>", "a"],
            "tokenizer.ggml.token_type": [3, 3, 1],
        },
    )
    code, out, _ = _run(
        capsys,
        "modelfile",
        "check",
        str(fixture_dir / "community-llama3-ko.Modelfile"),
        "--model",
        "ko-llama",
        "--host",
        fake_ollama.url,
        "--json",
    )
    assert code == 1
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert {"template-mismatch", "stop-not-special", "num-ctx-too-small"} <= codes
    show = [r for r in fake_ollama.requests if r.path == "/api/show"]
    assert show and show[0].body == {"model": "ko-llama", "verbose": True}


def test_check_unreachable_ollama_exits_2(
    fixture_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys,
        "modelfile",
        "check",
        str(fixture_dir / "community-llama3-ko.Modelfile"),
        "--model",
        "x",
        "--host",
        "http://127.0.0.1:9",
    )
    assert code == 2 and "not reachable" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FROM x\nPARAMETER top-k 5\n", "kodesk: Modelfile 2:14: invalid character"),
        ("FROM x\n\nBOGUS y\n", "kodesk: Modelfile 3:1: unknown instruction 'BOGUS'"),
        ('FROM x\nSYSTEM """open\n', "kodesk: Modelfile 2:8: a quoted value is never closed"),
    ],
)
@pytest.mark.parametrize("action", ["check", "render"])
def test_parse_errors_exit_2_with_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str, action: str
) -> None:
    path = tmp_path / "Modelfile"
    path.write_text(text, "utf-8")
    code, out, err = _run(capsys, "modelfile", action, str(path))
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_unreadable_modelfile_and_bad_gguf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "modelfile", "check", str(tmp_path / "missing"))
    assert code == 2 and err.startswith("kodesk: Modelfile: ") and "cannot read it" in err
    (tmp_path / "Modelfile").write_text("FROM x\n", "utf-8")
    (tmp_path / "bad.gguf").write_bytes(b"GGUF")
    code, _, err = _run(
        capsys,
        "modelfile",
        "check",
        str(tmp_path / "Modelfile"),
        "--gguf",
        str(tmp_path / "bad.gguf"),
    )
    assert code == 2 and "Cannot read GGUF file" in err


def test_render_prints_canonical_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Modelfile"
    path.write_bytes(
        (
            '\ufeff# comment\r\nfrom  llama3\r\nparameter temperature .5\r\nSystem "여러\r\n줄"\r\n'
        ).encode("utf-8")
    )
    code, out, _ = _run(capsys, "modelfile", "render", str(path))
    assert code == 0
    assert out == 'FROM llama3\nPARAMETER temperature .5\nSYSTEM """여러\r\n줄"""\n'
    assert parse_modelfile(out) == parse_modelfile(path.read_bytes().decode("utf-8-sig"))
