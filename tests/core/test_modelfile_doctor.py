"""The Modelfile doctor on the community fixture, on written GGUFs and on the real Gemma."""

from __future__ import annotations

from pathlib import Path

import pytest

from kodesk.core.chat_templates import OLLAMA_TEMPLATES
from kodesk.core.gguf_info import inspect_gguf
from kodesk.core.modelfile import parse_modelfile, render_modelfile
from kodesk.core.modelfile_doctor import (
    Finding,
    ModelFacts,
    diagnose,
    fixed_modelfile,
)
from kodesk.core.types import ModelDetails
from tests.core.modelfile_fixtures import COMMUNITY_LLAMA3_KO
from tests.gguf_factory import preset, shared_real_gemma, write_gguf

FIXTURE = parse_modelfile(COMMUNITY_LLAMA3_KO)
LLAMA3_INSTRUCT_MODELFILE = parse_modelfile(
    'FROM ./m.gguf\nTEMPLATE """' + OLLAMA_TEMPLATES["llama3"].template + '"""\n'
    "PARAMETER stop <|eot_id|>\nPARAMETER num_ctx 8192\n"
)


@pytest.fixture(scope="module")
def real_gemma(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_real_gemma(tmp_path_factory)


def _facts(tmp_path: Path, family: str, **overrides: object) -> ModelFacts:
    path = write_gguf(tmp_path / f"{family}.gguf", preset(family, **overrides))
    return ModelFacts.from_gguf(inspect_gguf(path))


def _codes(findings: list[Finding]) -> dict[str, str]:
    return {f.code: f.severity for f in findings}


def test_fixture_on_a_llama3_base_gguf_flags_all_three_problems(tmp_path: Path) -> None:
    facts = _facts(tmp_path, "llama3", chat_template=None)  # like Llama-3-Open-Ko-8B
    findings = diagnose(FIXTURE, facts)
    codes = _codes(findings)
    assert codes["template-mismatch"] == "error"
    assert codes["base-model"] == "warning"
    assert codes["num-ctx-too-small"] == "warning"
    assert codes["stop-not-special"] == "warning"
    mismatch = next(f for f in findings if f.code == "template-mismatch")
    assert "<s>, </s>" in mismatch.message.en and mismatch.line == 3
    assert "<|start_header_id|>" in mismatch.fix.en  # the llama3-instruct Go template
    assert "autodetect" not in mismatch.fix.en  # no chat template in the GGUF to detect
    base = next(f for f in findings if f.code == "base-model")
    assert "exaone3.5" in base.fix.en and "Bllossom" in base.fix.ko
    stops = [f for f in findings if f.code == "stop-not-special"]
    assert [f.line for f in stops] == [16, 17]
    assert "<|eot_id|>" in stops[0].fix.en
    ctx = next(f for f in findings if f.code == "num-ctx-too-small")
    assert "9300" in ctx.message.en and "토큰" in ctx.message.ko
    assert ctx.parameter_fix == ("num_ctx", "8192")  # capped at the trained context
    assert findings[0].severity == "error"  # errors first


def test_raw_prompt_template_on_a_base_model_is_only_a_base_model(tmp_path: Path) -> None:
    facts = _facts(tmp_path, "llama3", chat_template=None)
    modelfile = parse_modelfile("FROM m\nTEMPLATE {{ .Prompt }}\nPARAMETER num_ctx 8192\n")
    assert _codes(diagnose(modelfile, facts, input_tokens=1000)) == {"base-model": "warning"}


def test_fixture_on_a_llama3_instruct_gguf_offers_autodetection(tmp_path: Path) -> None:
    findings = diagnose(FIXTURE, _facts(tmp_path, "llama3"))
    mismatch = next(f for f in findings if f.code == "template-mismatch")
    assert "autodetects llama3-instruct" in mismatch.fix.en
    assert "base-model" not in _codes(findings)
    fixed = fixed_modelfile(FIXTURE, _facts(tmp_path, "llama3"), findings)
    assert fixed.template is None and fixed.parameter_values("stop") == []
    assert fixed.parameter_values("num_ctx") == ["8192"]


def test_fixture_without_a_model_guesses_from_the_name() -> None:
    findings = diagnose(FIXTURE)
    codes = _codes(findings)
    assert codes["template-mismatch"] == "warning"
    assert (
        "guessed from its name"
        in next(f for f in findings if f.code == "template-mismatch").message.en
    )
    assert codes["stop-not-special"] == "warning"
    assert codes["num-ctx-too-small"] == "warning"
    fixed = fixed_modelfile(FIXTURE, None, findings)
    assert fixed.template == OLLAMA_TEMPLATES["llama3"].template
    assert fixed.parameter_values("stop") == list(OLLAMA_TEMPLATES["llama3"].stop)
    assert fixed.parameter_values("num_ctx") == ["16384"]
    assert [c.kind for c in fixed.commands][:2] == ["from", "template"]  # kept in place
    assert parse_modelfile(render_modelfile(fixed)) == fixed


@pytest.mark.parametrize("family", ["chatml", "gemma"])
def test_fixture_on_other_families(tmp_path: Path, family: str) -> None:
    findings = diagnose(FIXTURE, _facts(tmp_path, family))
    assert _codes(findings)["template-mismatch"] == "error"
    assert (
        OLLAMA_TEMPLATES[family].name
        in next(  # type: ignore[index]
            f for f in findings if f.code == "template-mismatch"
        ).fix.en
    )


def test_matching_modelfile_is_clean(tmp_path: Path) -> None:
    findings = diagnose(LLAMA3_INSTRUCT_MODELFILE, _facts(tmp_path, "llama3"), input_tokens=3000)
    assert findings == []


def test_no_template_on_an_instruct_gguf_is_autodetected(tmp_path: Path) -> None:
    findings = diagnose(
        parse_modelfile("FROM ./m.gguf\nPARAMETER num_ctx 16384\n"), _facts(tmp_path, "chatml")
    )
    assert _codes(findings) == {"template-autodetected": "info"}


def test_unrecognised_chat_template(tmp_path: Path) -> None:
    facts = _facts(
        tmp_path,
        "llama3",
        chat_template="{% for m in messages %}[|user|]{{ m.content }}{% endfor %}",
        tokens=("a", "b"),
        special_ids={},
    )
    codes = _codes(diagnose(parse_modelfile("FROM m\n"), facts))
    assert codes["template-not-autodetected"] == "warning"


def test_num_ctx_rules(tmp_path: Path) -> None:
    facts = _facts(tmp_path, "gemma")  # trained context 32768
    above = diagnose(parse_modelfile("FROM m\nPARAMETER num_ctx 65536\n"), facts)
    assert _codes(above)["num-ctx-above-training"] == "warning"
    assert "num-ctx-too-small" not in _codes(above)
    small = diagnose(
        parse_modelfile("FROM m\nPARAMETER num_ctx 2048\n"),
        facts,
        input_tokens=3000,
        answer_tokens=500,
    )
    ctx = next(f for f in small if f.code == "num-ctx-too-small")
    assert "3800" in ctx.message.en and ctx.parameter_fix == ("num_ctx", "4096")
    assert _codes(diagnose(parse_modelfile("FROM m\n"), facts))["num-ctx-default"] == "info"


def test_parameter_findings_carry_lines() -> None:
    findings = diagnose(
        parse_modelfile(
            "FROM m\nPARAMETER TEMPERATURE 0\nPARAMETER mirostat 1\nPARAMETER num_ctx x\n"
        ),
        input_tokens=0,
    )
    by_code = {f.code: f for f in findings}
    assert by_code["parameter-unknown"].line == 2
    assert "`temperature`" in by_code["parameter-unknown"].fix.en
    assert by_code["parameter-deprecated"].line == 3
    assert by_code["parameter-invalid-value"].line == 4


def test_real_gemma_is_flagged_as_a_base_model(real_gemma: Path) -> None:
    info = inspect_gguf(real_gemma)
    facts = ModelFacts.from_gguf(info)
    assert facts.template_family == "none" and facts.vocab_family == "gemma"
    findings = diagnose(parse_modelfile(f"FROM {real_gemma}\nPARAMETER num_ctx 32768\n"), facts)
    assert _codes(findings) == {"base-model": "warning"}
    assert "base model" in findings[0].message.en


def test_facts_from_ollama_show() -> None:
    details = ModelDetails(
        name="ko-llama:latest",
        template=OLLAMA_TEMPLATES["llama3"].template,
        model_info={
            "general.architecture": "llama",
            "llama.context_length": 8192,
            "tokenizer.ggml.tokens": ["<|eot_id|>", "<|start_header_id|>", "a"],
            "tokenizer.ggml.token_type": [3, 3, 1],
        },
    )
    facts = ModelFacts.from_details(details)
    assert facts.template_family == "llama3" and facts.context_length == 8192
    assert facts.special_tokens == frozenset({"<|eot_id|>", "<|start_header_id|>"})
    codes = _codes(diagnose(FIXTURE, facts))
    assert codes["template-mismatch"] == "error" and codes["stop-not-special"] == "warning"
    terse = ModelFacts.from_details(ModelDetails(name="x", template="{{ .Prompt }}"))
    assert terse.template_family is None and terse.special_tokens is None


def test_finding_json_has_both_languages(tmp_path: Path) -> None:
    finding = diagnose(FIXTURE, _facts(tmp_path, "llama3"))[0]
    data = finding.to_json("ko")
    assert data["severity"] == "error" and data["code"] == "template-mismatch"
    assert data["message"] == finding.message.ko and data["fix_ko"] == finding.fix.ko
