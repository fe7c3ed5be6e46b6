"""Long texts page: how kodesk fits a long text into the model's context (`context.*`),
with the memory a larger num_ctx costs for the default model."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kodesk.core.errors import KodeskError, Text
from kodesk.core.model_profile import kv_cache_bytes
from kodesk.desktop.plain_text import plain_label
from kodesk.desktop.settings.fields import SchemaForm
from kodesk.desktop.settings.page import PageContext, SettingsPage

_KEYS = (
    "context.max_num_ctx",
    "context.allow_raise",
    "context.allow_split",
    "context.split_concurrency",
)


def memory_text(bytes_needed: int | None, num_ctx: int, model: str) -> Text:
    if bytes_needed is None:
        return Text(
            f"{model}: 이 모델의 구조 정보가 없어 메모리를 추정할 수 없습니다.",
            f"{model}: the model does not say enough to estimate the memory.",
        )
    gib = bytes_needed / 2**30
    return Text(
        f"{model}에서 num_ctx {num_ctx:,}의 KV 캐시는 약 {gib:.1f} GiB입니다 (f16).",
        f"For {model}, num_ctx {num_ctx:,} needs about {gib:.1f} GiB of KV cache (f16).",
    )


class ContextPage(SettingsPage):
    title = Text("긴 글", "Long texts")

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        t = self.labels
        intro = QLabel(
            t(
                "Ollama는 컨텍스트(num_ctx)보다 긴 프롬프트의 가운데를 조용히 잘라냅니다. kodesk는 "
                "보내기 전에 토큰을 세어, 맞지 않으면 num_ctx를 늘리거나 글을 나누어 처리합니다.",
                "Ollama silently drops the middle of a prompt longer than its context (num_ctx). "
                "kodesk counts the tokens first and raises num_ctx or splits the text when it "
                "does not fit.",
            )
        )
        intro.setWordWrap(True)
        self.form = SchemaForm(ctx.binding, t)
        for key in _KEYS:
            self.form.add_setting(key)
        self.memory = plain_label()
        self.memory.setWordWrap(True)
        self.memory.setObjectName("memory")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.memory)
        layout.addStretch(1)
        stop_observing = ctx.settings.observe(self._changed)
        self.destroyed.connect(lambda *_: stop_observing())

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh_memory()
        super().showEvent(event)

    def refresh_memory(self) -> None:
        """Estimate the KV cache of the default model at the num_ctx ceiling."""
        model = self.ctx.settings.get("model.default")
        if not model:
            self.memory.setText(
                self.labels(
                    "기본 모델을 고르면 메모리 사용량을 보여 줍니다.",
                    "Pick a default model to see the memory it needs.",
                )
            )
            return
        num_ctx = int(self.ctx.settings.get("context.max_num_ctx"))
        self.jobs.start(self._estimate(model, num_ctx), on_error=self._failed)

    async def _estimate(self, model: str, num_ctx: int) -> None:
        details = await self.ctx.engine_factory().show(model)
        self.memory.setText(
            self.labels.text(
                memory_text(kv_cache_bytes(details.model_info, num_ctx), num_ctx, model)
            )
        )

    def _failed(self, error: KodeskError) -> None:
        self.memory.setText(error.explain(self.labels.lang))

    def _changed(self, key: str) -> None:
        if key in ("context.max_num_ctx", "model.default") and self.isVisible():
            self.refresh_memory()
