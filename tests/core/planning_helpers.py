"""Shared test helpers for the planner and runner tests: profiles and Korean test text."""

from __future__ import annotations

from kodesk.core.model_profile import ModelProfile, TemplateOverhead
from kodesk.core.tokenizer import EstimateTokenizer, Tokenizer

_SUBJECTS = ("정부는", "한국은행은", "서울시는", "연구진은", "시민단체는", "야당은", "기업들은")
_ACTIONS = (
    "내년 예산을 {n}% 늘리겠다고 발표했다.",
    "지난달 물가 상승률이 {n}.5%로 집계됐다고 밝혔다.",
    "관련 대책을 {n}개월 안에 마련하겠다고 말했다.",
    "이번 조치가 지역 경제에 {n}조 원의 효과를 낼 것으로 내다봤다.",
    "“현장의 목소리를 {n}차례 더 듣겠다”고 강조했다.",
    "전문가 {n}명의 의견을 모아 보고서를 냈다.",
)


def korean_text(sentences: int, *, start: int = 0) -> str:
    """Distinct, realistic-looking Korean news sentences, five to a paragraph."""
    out: list[str] = []
    for i in range(start, start + sentences):
        subject = _SUBJECTS[i % len(_SUBJECTS)]
        action = _ACTIONS[(i // len(_SUBJECTS)) % len(_ACTIONS)].format(n=i % 97 + 1)
        out.append(f"{subject} {action}")
        out.append("\n" if i % 5 == 4 else " ")
    return "".join(out).strip()


def make_profile(
    *,
    tokenizer: Tokenizer | None = None,
    trained: int | None = 8192,
    configured: int | None = None,
    server_default: int = 4096,
    overhead: TemplateOverhead | None = None,
) -> ModelProfile:
    return ModelProfile(
        model="test-model",
        digest="d" * 64,
        tokenizer=tokenizer or EstimateTokenizer(),
        trained_context=trained,
        configured_num_ctx=configured,
        server_default_ctx=server_default,
        server_default_source="test default",
        overhead=overhead or TemplateOverhead(fixed=1, per_message=1),
        model_info={},
    )
