"""The Modelfile doctor: what is wrong with a Modelfile for a given model, and how to fix it.

It compares the Modelfile with what is known about the model — from its GGUF header
(`ModelFacts.from_gguf`), from Ollama's `/api/show` (`ModelFacts.from_details`), or,
with neither, from the FROM name — and reports `Finding`s: a severity, a stable code,
a message and a concrete fix, in Korean and English. Codes:

- `template-mismatch` (error; warning when only the model's name suggests it)
- `template-not-autodetected` (warning), `template-autodetected` (info)
- `stop-not-special` (warning)
- `base-model` (warning)
- `num-ctx-too-small`, `num-ctx-above-training` (warning), `num-ctx-default` (info)
- `parameter-unknown`, `parameter-invalid-value` (error), `parameter-deprecated` (warning)

`fixed_modelfile` applies the template, stop and num_ctx fixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kodesk.core.chat_templates import (
    Family,
    OllamaTemplate,
    family_from_name,
    ollama_template,
    template_family,
    template_tokens,
    vocab_family,
)
from kodesk.core.errors import Language, Text
from kodesk.core.gguf_info import GGUFInfo
from kodesk.core.modelfile import Command, Modelfile, render_modelfile
from kodesk.core.modelfile_params import Severity, check_parameter, parse_go_int
from kodesk.core.types import ModelDetails

#: A typical Korean news article is about 3000–6000 tokens; plan for the long end.
DEFAULT_INPUT_TOKENS = 6000
#: The task instructions and chat framing around the input.
DEFAULT_PROMPT_TOKENS = 300
#: The answer, when the Modelfile sets no num_predict.
DEFAULT_ANSWER_TOKENS = 1024
#: Ollama's num_ctx when none is set, on machines with < 24 GiB of VRAM.
OLLAMA_DEFAULT_NUM_CTX = 4096

_INSTRUCTION_MODELS = Text(
    ko="한국어 지시(instruct) 모델을 쓰세요: exaone3.5 (`ollama pull exaone3.5:7.8b`), "
    "EEVE-Korean-Instruct-10.8B, Llama-3-Korean-Bllossom-8B.",
    en="Use a Korean instruction-tuned model: exaone3.5 (`ollama pull exaone3.5:7.8b`), "
    "EEVE-Korean-Instruct-10.8B, Llama-3-Korean-Bllossom-8B.",
)


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: Text
    fix: Text
    line: int | None = None
    parameter_fix: tuple[str, str] | None = None  # (name, value) that fixes it

    def to_json(self, lang: Language = "en") -> dict[str, Any]:
        """`message`/`fix` in `lang`; the Korean text is always there as well."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message.get(lang),
            "fix": self.fix.get(lang),
            "line": self.line,
            "message_ko": self.message.ko,
            "fix_ko": self.fix.ko,
        }


@dataclass(frozen=True)
class ModelFacts:
    """What the doctor knows about the model. None means "unknown".

    `template_family`: of the model's own chat template ("none": it has none).
    `vocab_family`: the chat format whose turn tokens are special tokens of the vocabulary.
    `special_tokens`: texts of the vocabulary's control and user-defined tokens.
    """

    source: str
    architecture: str | None = None
    context_length: int | None = None
    template_family: Family | None = None
    vocab_family: Family | None = None
    special_tokens: frozenset[str] | None = None

    @classmethod
    def from_gguf(cls, info: GGUFInfo) -> ModelFacts:
        specials = info.control_tokens | {t for _, t in info.special_tokens.values() if t}
        return cls(
            source=info.path,
            architecture=info.architecture,
            context_length=info.context_length,
            template_family=info.chat_template_family,
            vocab_family=vocab_family(specials),
            special_tokens=frozenset(specials),
        )

    @classmethod
    def from_details(cls, details: ModelDetails) -> ModelFacts:
        info = details.model_info
        jinja = info.get("tokenizer.chat_template")
        family: Family | None = template_family(jinja) if isinstance(jinja, str) else None
        if family is None and template_family(details.template) not in ("other", "none"):
            family = template_family(details.template)
        specials = _special_tokens_of(info)
        arch = info.get("general.architecture")
        return cls(
            source=details.name,
            architecture=arch if isinstance(arch, str) else None,
            context_length=details.context_length,
            template_family=family,
            vocab_family=vocab_family(specials) if specials else None,
            special_tokens=specials,
        )

    @property
    def format_family(self) -> Family | None:
        """The chat format the model was trained on, from the best evidence available."""
        if self.template_family not in (None, "none", "other"):
            return self.template_family
        return self.vocab_family


def _special_tokens_of(model_info: Any) -> frozenset[str] | None:
    """Control/user-defined tokens from `/api/show` with verbose (else None)."""
    tokens = model_info.get("tokenizer.ggml.tokens")
    types = model_info.get("tokenizer.ggml.token_type")
    if not isinstance(tokens, list) or not isinstance(types, list) or not tokens:
        return None
    return frozenset(t for t, k in zip(tokens, types, strict=False) if k in (3, 4))


def _line(modelfile: Modelfile, kind: str, name: str | None = None) -> int | None:
    for command in reversed(modelfile.commands):
        if command.kind == kind and name in (None, command.name):
            return command.line or None
    return None


def _model_family(modelfile: Modelfile, facts: ModelFacts | None) -> tuple[Family | None, bool]:
    """The model's chat format, and whether it is known (True) or guessed from a name."""
    if facts is not None and facts.format_family is not None:
        return facts.format_family, True
    for name in (modelfile.from_ or "", facts.architecture or "" if facts else ""):
        guess = family_from_name(name)
        if guess is not None:
            return guess, False
    return None, False


def _template_block(template: OllamaTemplate) -> str:
    commands = [Command("template", template.template)]
    commands += [Command("parameter", stop, "stop") for stop in template.stop]
    return render_modelfile(Modelfile(tuple(commands)))


def diagnose(
    modelfile: Modelfile,
    facts: ModelFacts | None = None,
    *,
    input_tokens: int = DEFAULT_INPUT_TOKENS,
    prompt_tokens: int = DEFAULT_PROMPT_TOKENS,
    answer_tokens: int | None = None,
) -> list[Finding]:
    """Every finding for `modelfile` on the model described by `facts` (if known).

    `input_tokens`: how long the inputs of the user's tasks are, in tokens.
    `answer_tokens`: the expected answer; default the Modelfile's num_predict, else 1024.
    """
    findings = [
        Finding(
            issue.severity,
            issue.code,
            issue.message,
            issue.fix,
            _line(modelfile, "parameter", issue.name),
        )
        for name, value in modelfile.parameters
        if (issue := check_parameter(name, value))
    ]
    findings += _template_findings(modelfile, facts)
    findings += _stop_findings(modelfile, facts)
    findings += _context_findings(modelfile, facts, input_tokens, prompt_tokens, answer_tokens)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: order[f.severity])


def _template_findings(modelfile: Modelfile, facts: ModelFacts | None) -> list[Finding]:
    out: list[Finding] = []
    if facts is not None and facts.template_family == "none":
        out.append(
            Finding(
                "warning",
                "base-model",
                Text(
                    ko=f"{facts.source}에는 채팅 템플릿이 없습니다. 지시를 따르도록 학습되지 않은 "
                    '기본(base) 모델일 가능성이 높아, "요약해 줘" 같은 요청을 따르지 않고 '
                    "글을 이어 쓰기만 합니다.",
                    en=f"{facts.source} has no chat template: most likely a base model, which "
                    'continues text instead of following instructions like "summarise this".',
                ),
                _INSTRUCTION_MODELS,
                _line(modelfile, "from"),
            )
        )
    expected, strong = _model_family(modelfile, facts)
    wanted = ollama_template(expected) if expected else None
    if modelfile.template is None:
        if facts is not None and facts.template_family in ("llama3", "chatml", "gemma", "mistral"):
            name = ollama_template(facts.template_family).name  # type: ignore[union-attr]
            out.append(
                Finding(
                    "info",
                    "template-autodetected",
                    Text(
                        ko=f"TEMPLATE이 없으므로 Ollama가 GGUF에서 {name} 템플릿을 "
                        "자동으로 찾습니다.",
                        en=f"No TEMPLATE: Ollama autodetects {name} from the GGUF.",
                    ),
                    Text(ko="고칠 것 없음.", en="Nothing to fix."),
                )
            )
        elif facts is not None and facts.template_family == "other":
            out.append(
                Finding(
                    "warning",
                    "template-not-autodetected",
                    Text(
                        ko="모델의 채팅 템플릿이 Ollama 내장 템플릿과 맞지 않아 Ollama는 입력을 "
                        "그대로({{ .Prompt }}) 보냅니다.",
                        en="The model's chat template matches none of Ollama's built-in ones, so "
                        "Ollama sends the raw prompt ({{ .Prompt }}).",
                    ),
                    Text(
                        ko="모델 카드의 채팅 형식대로 TEMPLATE을 쓰세요.",
                        en="Write a TEMPLATE in the model card's chat format.",
                    ),
                )
            )
        return out
    actual = template_family(modelfile.template)
    if wanted is None or actual == expected:
        return out
    stray = [
        t
        for t in template_tokens(modelfile.template)
        if facts is not None and facts.special_tokens is not None and t not in facts.special_tokens
    ]
    raw_on_base = facts is not None and facts.template_family == "none" and actual == "other"
    if raw_on_base and not template_tokens(modelfile.template):
        return out  # plain text such as {{ .Prompt }}: fine for a base model's continuation
    why_en = (
        f" It writes {', '.join(stray)}, which are not special tokens of this model."
        if stray
        else ""
    )
    why_ko = f" 템플릿의 {', '.join(stray)}은(는) 이 모델의 특수 토큰이 아닙니다." if stray else ""
    autodetect = facts is not None and facts.template_family == expected
    drop_en = (
        f"Delete the TEMPLATE block and the stop lines: Ollama then autodetects "
        f"{wanted.name} from the GGUF. Or replace"
        if autodetect
        else "Replace"
    )
    drop_ko = (
        f"TEMPLATE 블록과 stop 줄을 지우면 Ollama가 GGUF에서 {wanted.name}을(를) "
        "자동으로 찾습니다. 또는 다음으로 바꾸세요"
        if autodetect
        else "다음으로 바꾸세요"
    )
    block = _template_block(wanted)
    out.append(
        Finding(
            "error" if strong else "warning",
            "template-mismatch",
            Text(
                ko=f"TEMPLATE 형식({actual})이 모델의 채팅 형식({expected})과 다릅니다"
                f"{'' if strong else ' (모델 이름으로 추정)'}.{why_ko} "
                "모델이 대화의 구조를 알아보지 "
                "못해 엉뚱한 답을 하거나 멈추지 않습니다.",
                en=f"The TEMPLATE's format ({actual}) does not match the model's chat format "
                f"({expected}{'' if strong else ', guessed from its name'}).{why_en} The model "
                "will not recognise the turns and may answer oddly or never stop.",
            ),
            Text(ko=f"{drop_ko}:\n{block}", en=f"{drop_en} them with:\n{block}"),
            _line(modelfile, "template"),
        )
    )
    return out


def _stop_findings(modelfile: Modelfile, facts: ModelFacts | None) -> list[Finding]:
    family, _ = _model_family(modelfile, facts)
    wanted = ollama_template(family) if family else None
    if facts is not None and facts.special_tokens is not None:
        known = facts.special_tokens
    elif wanted is not None:
        known = frozenset(wanted.stop) | frozenset(template_tokens(wanted.template))
    else:
        return []
    suggestion = [s for s in (wanted.stop if wanted else ()) if s in known]
    listed = ", ".join(f"`PARAMETER stop {s}`" for s in suggestion)
    fix = (
        Text(
            ko=f"모델의 종료 토큰을 쓰세요: {listed}",
            en=f"Use the model's own stop tokens: {listed}",
        )
        if suggestion
        else Text(ko="이 stop 줄을 지우세요.", en="Delete this stop line.")
    )
    return [
        Finding(
            "warning",
            "stop-not-special",
            Text(
                ko=f"stop {c.value!r}은(는) 이 모델의 특수 토큰이 아닙니다. 모델이 이 글자를 "
                "그대로 써야만 멈추므로 답이 끝나지 않을 수 있습니다.",
                en=f"stop {c.value!r} is not a special token of this model: generation stops "
                "only if the model writes those characters as text, so answers may run on.",
            ),
            fix,
            c.line or None,
        )
        for c in modelfile.commands
        if c.kind == "parameter"
        and c.name == "stop"
        and template_tokens(c.value) == [c.value]
        and c.value not in known
    ]


def _num_ctx(modelfile: Modelfile, name: str) -> int | None:
    values = modelfile.parameter_values(name)
    try:
        return parse_go_int(values[-1]) if values else None
    except ValueError:
        return None


def _context_findings(
    modelfile: Modelfile,
    facts: ModelFacts | None,
    input_tokens: int,
    prompt_tokens: int,
    answer_tokens: int | None,
) -> list[Finding]:
    out: list[Finding] = []
    num_ctx = _num_ctx(modelfile, "num_ctx")
    predict = _num_ctx(modelfile, "num_predict")
    answer = (
        answer_tokens
        if answer_tokens is not None
        else (predict if predict and predict > 0 else DEFAULT_ANSWER_TOKENS)
    )
    needed = input_tokens + prompt_tokens + answer
    trained = facts.context_length if facts else None
    effective = num_ctx if num_ctx is not None else OLLAMA_DEFAULT_NUM_CTX
    line = _line(modelfile, "parameter", "num_ctx")
    if num_ctx is None:
        out.append(
            Finding(
                "info",
                "num-ctx-default",
                Text(
                    ko=f"num_ctx가 없으므로 Ollama 기본값(대부분의 PC에서 {effective})이 쓰입니다.",
                    en=f"num_ctx is not set: Ollama's default applies ({effective} on most "
                    "machines).",
                ),
                Text(ko="PARAMETER num_ctx로 직접 정하세요.", en="Set it with PARAMETER num_ctx."),
            )
        )
    if trained is not None and effective > trained:
        out.append(
            Finding(
                "warning",
                "num-ctx-above-training",
                Text(
                    ko=f"num_ctx {effective}이(가) 모델의 학습 문맥 길이 {trained}보다 커서 "
                    f"Ollama가 {trained}(으)로 줄입니다.",
                    en=f"num_ctx {effective} exceeds the model's trained context {trained}; "
                    f"Ollama clamps it to {trained}.",
                ),
                Text(ko=f"PARAMETER num_ctx {trained}", en=f"PARAMETER num_ctx {trained}"),
                line,
                ("num_ctx", str(trained)),
            )
        )
        effective = trained
    if effective < needed:
        target = 1 << (needed - 1).bit_length()
        if trained is not None:
            target = min(target, trained)
        chunk_ko = chunk_en = ""
        if target < needed:
            chunk_ko = (
                f" 모델의 학습 문맥({trained})으로도 부족하므로 kodesk가 긴 글을 나누어 "
                "처리하거나, 문맥이 더 긴 모델을 쓰세요."
            )
            chunk_en = (
                f" Even the trained context ({trained}) is too small: let kodesk split "
                "long inputs, or use a model with a longer context."
            )
        typical = input_tokens == DEFAULT_INPUT_TOKENS
        article_ko = "(한국어 뉴스 기사 한 편)" if typical else ""
        article_en = " (a Korean news article)" if typical else ""
        out.append(
            Finding(
                "warning",
                "num-ctx-too-small",
                Text(
                    ko=f"num_ctx {effective}은(는) 입력 약 {input_tokens} 토큰{article_ko} + "
                    f"프롬프트 {prompt_tokens} + 답변 {answer} = {needed} 토큰에 모자랍니다. "
                    "Ollama는 오류 없이 입력의 가운데를 잘라 냅니다.",
                    en=f"num_ctx {effective} is too small for an input of about {input_tokens} "
                    f"tokens{article_en} + prompt {prompt_tokens} + answer {answer} = "
                    f"{needed} tokens; Ollama silently drops the middle of the input.",
                ),
                Text(
                    ko=f"PARAMETER num_ctx {target}.{chunk_ko}",
                    en=f"PARAMETER num_ctx {target}.{chunk_en}",
                ),
                line,
                ("num_ctx", str(target)),
            )
        )
    return out


def fixed_modelfile(
    modelfile: Modelfile, facts: ModelFacts | None, findings: list[Finding]
) -> Modelfile:
    """`modelfile` with the template, stop and parameter fixes of `findings` applied: a
    mismatched TEMPLATE is dropped when Ollama can autodetect the right one from the
    GGUF, else replaced by Ollama's template for the model's format; stops follow."""
    codes = {f.code for f in findings}
    fixed = modelfile
    family, _ = _model_family(modelfile, facts)
    wanted = ollama_template(family) if family else None
    if codes & {"template-mismatch", "stop-not-special"} and wanted is not None:
        autodetected = facts is not None and facts.template_family == family
        fixed = fixed.replacing(
            "template", None, () if autodetected else (Command("template", wanted.template),)
        )
        fixed = fixed.replacing(
            "parameter",
            "stop",
            ()
            if autodetected
            else tuple(Command("parameter", stop, "stop") for stop in wanted.stop),
        )
    for finding in findings:
        if finding.parameter_fix is not None:
            name, value = finding.parameter_fix
            fixed = fixed.replacing("parameter", name, (Command("parameter", value, name),))
    return fixed
