"""Can the model in use follow instructions? Decided before the answer, from what is known.

A base model (pretrained only, no instruction tuning) continues text instead of doing
what it is asked: given "summarise this" it echoes the instruction or rambles. What
gives one away, by engine:

- embedded (llama.cpp): the GGUF has no `tokenizer.chat_template`, so the engine sends
  a plain completion prompt (the embedded engine's `show` puts the GGUF's template, or
  "", in `ModelDetails.template`);
- Ollama: `/api/show` reports the template `{{ .Prompt }}` (or none), which is what
  Ollama falls back to when it recognised no chat template in the GGUF; `capabilities`
  then lists only "completion". A model whose capabilities lack "completion" (an
  embedding model) cannot answer at all.

`judge(details, engine_kind)` returns an `InstructionVerdict`; `instruction_warning`
is the one call a front end needs: the sentence to show before the answer, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kodesk.core.chat_templates import template_family
from kodesk.core.errors import Text
from kodesk.core.types import ModelDetails

#: The Korean instruction model recommended to Ollama users (Ollama library, 1.6 GB).
OLLAMA_RECOMMENDED = "exaone3.5:2.4b"

Reason = Literal["no_chat_template", "prompt_only_template", "not_generative"]

#: Ollama's raw-text template: the prompt as it is, no turns (`{{ .Prompt }}`, `{{- .Prompt -}}`).
_PROMPT_ONLY = re.compile(r"\s*\{\{-?\s*\.Prompt\s*-?\}\}\s*")


@dataclass(frozen=True)
class InstructionVerdict:
    """Whether `model` can follow instructions; when not, why (`reason`) and what to do.

    `message` says what is wrong, `fix` how to get a model that works.
    """

    model: str
    follows_instructions: bool
    reason: Reason | None = None
    message: Text | None = None
    fix: Text | None = None

    def warning(self) -> Text | None:
        """Message and fix as one text (two lines per language), or None when all is well."""
        if self.message is None:
            return None
        if self.fix is None:
            return self.message
        return Text(ko=f"{self.message.ko}\n{self.fix.ko}", en=f"{self.message.en}\n{self.fix.en}")


def recommended_fix(engine_kind: str) -> Text:
    """How to get a Korean instruction model on this engine: one command or one click."""
    if engine_kind == "embedded":
        return Text(
            ko="한국어 지시 모델(instruction model)을 받으세요: 설정 → 모델 → 추천 한국어 모델, "
            "또는 터미널에서 `kodesk models --recommended`.",
            en="Get a Korean instruction model: Settings → Models → Recommended Korean models, "
            "or run `kodesk models --recommended`.",
        )
    return Text(
        ko=f"한국어 지시 모델을 받으세요: `ollama pull {OLLAMA_RECOMMENDED}` "
        "(또는 설정 → 모델 → 추천 한국어 모델). 그다음 트레이 메뉴에서 그 모델을 고르세요.",
        en=f"Get a Korean instruction model: `ollama pull {OLLAMA_RECOMMENDED}` "
        "(or Settings → Models → Recommended Korean models), then choose it in the tray menu.",
    )


def is_prompt_only(template: str) -> bool:
    """True for an empty template or Ollama's raw `{{ .Prompt }}`: no chat turns at all."""
    return not template.strip() or _PROMPT_ONLY.fullmatch(template) is not None


def judge(details: ModelDetails, engine_kind: str) -> InstructionVerdict:
    """Decide from `show`'s answer whether `details.name` can follow instructions."""
    name = details.name
    fix = recommended_fix(engine_kind)
    if details.capabilities and "completion" not in details.capabilities:
        return InstructionVerdict(
            name,
            False,
            "not_generative",
            Text(
                ko=f"'{name}'은(는) 글을 쓰는 모델이 아닙니다 "
                f"(기능: {', '.join(details.capabilities)}). 답변을 만들 수 없습니다.",
                en=f"'{name}' is not a text-generation model "
                f"(capabilities: {', '.join(details.capabilities)}); it cannot answer.",
            ),
            fix,
        )
    if engine_kind == "embedded":
        if template_family(details.template) != "none":
            return InstructionVerdict(name, True)
        return InstructionVerdict(
            name,
            False,
            "no_chat_template",
            Text(
                ko=f"'{name}'은(는) 지시를 따르지 못하는 기본 모델(base model)입니다: GGUF에 "
                "채팅 템플릿이 없어 요약·번역 지시 대신 글을 이어 쓰거나 되풀이합니다.",
                en=f"'{name}' is a base model that cannot follow instructions: its GGUF has no "
                "chat template, so it continues or repeats text instead of summarising or "
                "translating.",
            ),
            fix,
        )
    if not is_prompt_only(details.template):
        return InstructionVerdict(name, True)
    return InstructionVerdict(
        name,
        False,
        "prompt_only_template",
        Text(
            ko=f"'{name}'은(는) 지시를 따르지 못할 수 있습니다: Ollama의 템플릿이 "
            "`{{ .Prompt }}`(채팅 형식 없음)이라 기본 모델처럼 글을 이어 씁니다.",
            en=f"'{name}' may not follow instructions: its Ollama template is "
            "`{{ .Prompt }}` (no chat format), so it continues text like a base model.",
        ),
        Text(
            ko=f"{fix.ko} GGUF로 직접 만든 모델이면 채팅 템플릿(TEMPLATE)을 넣어 다시 만드세요.",
            en=f"{fix.en} If you created it from a GGUF, create it again with a chat TEMPLATE.",
        ),
    )


def instruction_warning(details: ModelDetails | None, engine_kind: str) -> Text | None:
    """The warning to show before the answer when the model cannot follow instructions.

    None when it can, or when nothing is known about the model (`details` is None).
    """
    if details is None:
        return None
    return judge(details, engine_kind).warning()
