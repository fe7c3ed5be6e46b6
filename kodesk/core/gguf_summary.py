"""A GGUF file's inspection summary as label text (architecture, size, quantization, …)."""

from __future__ import annotations

from kodesk.core.gguf_info import GGUFInfo
from kodesk.core.human_format import human_size
from kodesk.core.settings_labels import Labels

FAMILY_NAMES = {"llama3": "Llama 3", "chatml": "ChatML", "gemma": "Gemma", "mistral": "Mistral"}


def summary_rows(info: GGUFInfo, labels: Labels) -> list[tuple[str, str]]:
    """(label, value) pairs describing `info` in the UI language."""
    t = labels
    size = human_size(info.file_size)
    if info.size_label:
        size = t(
            f"{info.size_label} 매개변수 · 파일 {size}",
            f"{info.size_label} parameters · {size} file",
        )
    explained = info.quantization_info()
    quant = t.text(explained.explanation) if explained else t("알 수 없음", "unknown")
    context = f"{info.context_length:,}" if info.context_length else t("알 수 없음", "unknown")
    if info.chat_template_family == "none":
        template = t(
            "없음 — 대화용으로 학습되지 않은 기본(base) 모델일 수 있습니다",
            "none — this may be a base model, not trained for chat",
        )
    elif info.chat_template_family == "other":
        template = t("있음 (Ollama가 모르는 형식)", "present (a format Ollama does not know)")
    else:
        template = FAMILY_NAMES[info.chat_template_family]
    return [
        (t("구조", "Architecture"), info.architecture or t("알 수 없음", "unknown")),
        (t("크기", "Size"), size),
        (t("양자화", "Quantization"), quant),
        (t("컨텍스트 길이", "Context length"), context),
        (t("채팅 템플릿", "Chat template"), template),
    ]
