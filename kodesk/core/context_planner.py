"""Deciding, before every request, how a prompt reaches the model without being cut.

Ollama silently drops the middle of a prompt longer than num_ctx and still answers
200 OK. So the planner counts the prompt (messages plus the chat template's overhead)
and the tokens reserved for the answer, compares them with the effective context
(request option, else the model's configured num_ctx, else the server default; never
above the trained length) and decides:

- `fits`: send it, with num_ctx set explicitly (the loaded context when it fits in it:
  no reload, see `context_ladder`);
- `raise_ctx`: send it with a larger num_ctx from a short ladder of sizes, up to
  `context.max_num_ctx` — unless chunks at the loaded context are clearly faster;
- `map_reduce`: split the text at sentence boundaries into chunks whose prompts fit
  (each counted exactly, template applied), run the task on each, then reduce;
- `refuse`: raising and splitting are both off (or nothing could fit): explain.

A `Plan` is plain data so the CLI and the UI can show it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from kodesk.core.context_ladder import (
    CHUNKS_MUST_SAVE,
    Estimate,
    chunked_estimate,
    ladder_ctx,
    single_estimate,
)
from kodesk.core.errors import ContextTooSmall, Text
from kodesk.core.model_profile import ModelProfile
from kodesk.core.sentence_packing import pack
from kodesk.core.sentences import split_sentences
from kodesk.core.settings import Settings
from kodesk.core.speed import DEFAULT_SPEED, Speed
from kodesk.core.tasks import Task
from kodesk.core.token_drift import measure_drift
from kodesk.core.tokenizer import EstimateTokenizer
from kodesk.core.types import ChatMessage

Decision = Literal["fits", "raise_ctx", "map_reduce", "refuse"]
#: A decision in a few words, for the answer window's details.
DECISION_TEXT: dict[Decision, Text] = {
    "fits": Text("한 번에 보냄", "sent at once"),
    "raise_ctx": Text("컨텍스트를 늘려 보냄", "sent with a larger context"),
    "map_reduce": Text("나눠 처리", "processed in chunks"),
    "refuse": Text("보내지 않음", "not sent"),
}

#: Tokens kept free in every chunk for tokenization differences at chunk joins.
CHUNK_MARGIN = 8
#: The server "cut" a prompt when it evaluated less than this share of the planned
#: content tokens, and at least `TRUNCATION_SLACK` tokens fewer.
TRUNCATION_RATIO = 0.75
TRUNCATION_SLACK = 32
#: How far below the truth an estimated count might be (for truncation warnings).
ESTIMATE_ERROR = 1.5

MAP_SUMMARY_TEMPLATE = (
    "다음은 긴 글을 {total}개 조각으로 나눈 것 중 {index}번째 조각입니다.\n\n"
    "<조각>\n{text}\n</조각>\n\n"
    "이 조각의 핵심 내용(누가, 무엇을, 왜, 숫자)을 한국어 3~5문장으로 요약하세요. "
    "원문에 없는 내용은 덧붙이지 말고 요약문만 출력하세요."
)
REDUCE_INTRO = "다음은 한 편의 긴 글을 차례대로 나눠 요약한 부분 요약들입니다.\n\n"


@dataclass(frozen=True)
class ContextPolicy:
    """The user's choices about long texts (settings `context.*`)."""

    max_num_ctx: int = 16384
    allow_raise: bool = True
    allow_split: bool = True
    split_concurrency: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> ContextPolicy:
        return cls(
            max_num_ctx=int(settings.get("context.max_num_ctx")),
            allow_raise=bool(settings.get("context.allow_raise")),
            allow_split=bool(settings.get("context.allow_split")),
            split_concurrency=int(settings.get("context.split_concurrency")),
        )


@dataclass(frozen=True)
class Plan:
    decision: Decision
    #: Tokens of the whole prompt (template overhead included) as one request.
    prompt_tokens: int
    output_reserve: int
    #: The num_ctx sent (for map_reduce: with each chunk request).
    num_ctx: int
    #: The context before any raise, and where it came from.
    base_num_ctx: int
    base_source: str
    trained_context: int | None
    #: map_reduce: prompt tokens of each chunk request, and the chunk texts.
    chunks: tuple[int, ...] = ()
    chunk_texts: tuple[str, ...] = field(default=(), repr=False)
    estimate: bool = False
    tokenizer: str = ""
    #: refuse: what to tell the user.
    message: Text | None = None
    hint: Text | None = None
    #: How long the plan should take (from the model's measured speed, or a guess).
    expected: Estimate | None = None
    #: The num_ctx the model is loaded with now (None: not loaded, or unknown).
    loaded_ctx: int | None = None

    @property
    def reloads(self) -> bool:
        """Whether the request makes the server load (or reload) the model."""
        return self.loaded_ctx != self.num_ctx

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (`kodesk plan --json`)."""
        return {
            "decision": self.decision,
            "prompt_tokens": self.prompt_tokens,
            "output_reserve": self.output_reserve,
            "num_ctx": self.num_ctx,
            "base_num_ctx": self.base_num_ctx,
            "base_source": self.base_source,
            "trained_context": self.trained_context,
            "chunks": list(self.chunks),
            "estimate": self.estimate,
            "tokenizer": self.tokenizer,
            "message": self.message.en if self.message else None,
            "loaded_ctx": self.loaded_ctx,
            "expected_seconds": round(self.expected.seconds, 1) if self.expected else None,
            "expected_measured": self.expected.measured if self.expected else None,
        }

    def error(self) -> ContextTooSmall:
        return ContextTooSmall(self.message or _NO_FIT, self.hint)

    def describe(self) -> Text:
        """One line for a status bar or the CLI."""
        est = " (추정)" if self.estimate else ""
        est_en = " (estimated)" if self.estimate else ""
        base = (
            f"{self.prompt_tokens:,}+{self.output_reserve:,} 토큰{est}",
            f"{self.prompt_tokens:,}+{self.output_reserve:,} tokens{est_en}",
        )
        if self.decision == "fits":
            return Text(
                ko=f"{base[0]}, 컨텍스트 {self.num_ctx:,}에 들어갑니다.",
                en=f"{base[1]} fit in a {self.num_ctx:,} context.",
            )
        if self.decision == "raise_ctx":
            return Text(
                ko=f"{base[0]}: 컨텍스트를 {self.base_num_ctx:,} → {self.num_ctx:,}로 늘립니다.",
                en=f"{base[1]}: raising the context {self.base_num_ctx:,} → {self.num_ctx:,}.",
            )
        if self.decision == "map_reduce":
            n = len(self.chunks)
            return Text(
                ko=f"{base[0]}: 글이 길어 {n}조각으로 나눠 처리합니다 (조각당 컨텍스트 "
                f"{self.num_ctx:,}).",
                en=f"{base[1]}: too long, processed in {n} chunks (context {self.num_ctx:,} each).",
            )
        return self.message or _NO_FIT


_NO_FIT = Text(
    ko="글이 모델의 컨텍스트에 들어가지 않습니다.",
    en="The text does not fit in the model's context.",
)
_SETTINGS_HINT = Text(
    ko="설정 → 긴 글에서 'num_ctx 늘리기'(context.allow_raise)나 '긴 글 나눠 처리'"
    "(context.allow_split)를 켜거나, 최대 num_ctx(context.max_num_ctx)를 늘리세요.",
    en="In Settings → Long texts, turn on raising num_ctx (context.allow_raise) or splitting "
    "long texts (context.allow_split), or raise the largest num_ctx (context.max_num_ctx).",
)


def output_reserve(task: Task, options: Mapping[str, Any]) -> int:
    """Tokens kept for the answer: a positive num_predict, else the task's reserve."""
    predict = options.get("num_predict")
    if isinstance(predict, int) and not isinstance(predict, bool) and predict > 0:
        return predict
    return task.output_reserve


def map_messages(
    task: Task, chunk: str, index: int, total: int, **values: Any
) -> tuple[ChatMessage, ...]:
    """The request for one chunk: a partial summary, or the task itself (concat)."""
    if task.reduce == "concat":
        return task.messages(chunk, **values)
    user = (
        MAP_SUMMARY_TEMPLATE.replace("{total}", str(total))
        .replace("{index}", str(index))
        .replace("{text}", chunk)
    )
    system = (ChatMessage("system", task.system),) if task.system else ()
    return (*system, ChatMessage("user", user))


def reduce_text(partials: Sequence[str]) -> str:
    """Partial summaries, numbered, as the input of the reduce request."""
    body = "\n".join(f"[부분 {i}] {p.strip()}" for i, p in enumerate(partials, 1))
    return REDUCE_INTRO + body


class ContextPlanner:
    """Plans requests for one model profile under one policy."""

    def __init__(
        self,
        profile: ModelProfile,
        policy: ContextPolicy,
        *,
        loaded_ctx: int | None = None,
        speed: Speed = DEFAULT_SPEED,
        safety: float = 1.0,
    ) -> None:
        """`loaded_ctx`: the context the model is loaded with now; `speed`: its measured
        speed; `safety` > 1 inflates every prompt count (a re-plan after the server said
        a prompt planned to fit did not)."""
        self.profile = profile
        self.policy = policy
        self.loaded_ctx = loaded_ctx
        self.speed = speed
        self.safety = safety
        self._tokenizer = profile.tokenizer

    # -- counting ---------------------------------------------------------------------
    def count_text(self, text: str) -> int:
        """Tokens of `text` alone (no BOS/EOS)."""
        if not text:
            return 0
        if isinstance(self._tokenizer, EstimateTokenizer):
            return self._tokenizer.count(text)  # its ids are `count` placeholders
        return len(self._tokenizer.encode(text, add_special=False))

    def content_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens of the message texts alone (what the server evaluates at the least)."""
        return sum(self.count_text(m.content) for m in messages)

    def count_messages(self, messages: Sequence[ChatMessage]) -> int:
        """Prompt tokens as the server sees them: contents plus the template's overhead."""
        counted = self.content_tokens(messages) + self.profile.overhead.tokens(len(messages))
        return counted if self.safety == 1.0 else math.ceil(counted * self.safety)

    # -- contexts ---------------------------------------------------------------------
    def base_context(self, options: Mapping[str, Any]) -> tuple[int, str]:
        requested = options.get("num_ctx")
        p = self.profile
        if isinstance(requested, int) and not isinstance(requested, bool) and requested > 0:
            ctx, source = requested, "request option"
        elif p.configured_num_ctx:
            ctx, source = p.configured_num_ctx, "model parameter num_ctx"
        else:
            ctx, source = p.server_default_ctx, p.server_default_source
        if p.trained_context and ctx > p.trained_context:
            return p.trained_context, f"{source}, clamped to the trained length"
        return ctx, source

    def raise_limit(self) -> int:
        """The largest num_ctx the policy and the model allow."""
        trained = self.profile.trained_context
        limit = self.policy.max_num_ctx
        return min(limit, trained) if trained else limit

    def _single(
        self, needed: int, base: int, loaded: int | None = None
    ) -> tuple[Decision, int] | None:
        """The decision and num_ctx for one request of `needed` tokens; the model's
        loaded context (default: as planned) is reused whenever the request fits in it."""
        loaded = self.loaded_ctx if loaded is None else loaded
        if loaded is not None and needed <= loaded and (loaded <= base or self.policy.allow_raise):
            return ("fits" if loaded <= base else "raise_ctx"), loaded
        if needed <= base:
            return "fits", base
        raised = ladder_ctx(needed, self.raise_limit()) if self.policy.allow_raise else None
        return None if raised is None else ("raise_ctx", raised)

    # -- plans ------------------------------------------------------------------------
    def plan(self, task: Task, text: str, options: Mapping[str, Any], **values: Any) -> Plan:
        """The plan for running `task` on `text` (values fill template placeholders)."""
        reserve = output_reserve(task, options)
        prompt = self.count_messages(task.messages(text, **values))
        base, source = self.base_context(options)
        plan = Plan(
            "fits",
            prompt_tokens=prompt,
            output_reserve=reserve,
            num_ctx=base,
            base_num_ctx=base,
            base_source=source,
            trained_context=self.profile.trained_context,
            estimate=self.profile.estimate,
            tokenizer=self._tokenizer.name,
            loaded_ctx=self.loaded_ctx,
        )
        single = self._single(prompt + reserve, base)
        if single is not None:
            one = replace(plan, decision=single[0], num_ctx=single[1])
            one = replace(
                one, expected=single_estimate(self.speed, prompt, reserve, reload=one.reloads)
            )
            return self._faster_in_chunks(one, task, text, values) or one
        if not self.policy.allow_split:
            message, hint = self._refusal(prompt, reserve, base)
            return replace(plan, decision="refuse", message=message, hint=hint)
        ctx = max(base, self.raise_limit()) if self.policy.allow_raise else base
        chunked = self.chunk(task, text, ctx, reserve, **values)
        if chunked is None:
            return replace(
                plan,
                decision="refuse",
                num_ctx=ctx,
                message=_chunk_refusal(ctx, reserve),
                hint=_SETTINGS_HINT,
            )
        return self._chunked(plan, ctx, *chunked, task)

    def _chunked(
        self, plan: Plan, ctx: int, texts: list[str], counts: list[int], task: Task
    ) -> Plan:
        chunked = replace(
            plan, decision="map_reduce", num_ctx=ctx, chunks=tuple(counts), chunk_texts=tuple(texts)
        )
        expected = chunked_estimate(
            self.speed,
            counts,
            plan.output_reserve,
            reload=chunked.reloads,
            reduce=task.reduce == "summarize",
        )
        return replace(chunked, expected=expected)

    def _faster_in_chunks(
        self, one: Plan, task: Task, text: str, values: Mapping[str, Any]
    ) -> Plan | None:
        """Chunks at the loaded context instead of one request that reloads the model,
        when they are clearly faster by the model's speed; else None."""
        loaded = self.loaded_ctx
        if (
            not one.reloads
            or loaded is None
            or loaded >= one.num_ctx
            or not self.policy.allow_split
            or one.expected is None
        ):
            return None
        chunked = self.chunk(task, text, loaded, one.output_reserve, **values)
        if chunked is None or len(chunked[0]) < 2:
            return None
        plan = self._chunked(one, loaded, *chunked, task)
        assert plan.expected is not None
        return plan if plan.expected.seconds < one.expected.seconds * CHUNKS_MUST_SAVE else None

    def plan_messages(
        self,
        messages: Sequence[ChatMessage],
        reserve: int,
        options: Mapping[str, Any],
        *,
        loaded_ctx: int | None = None,
    ) -> tuple[int, int] | None:
        """(prompt tokens, num_ctx) for one request, or None when it cannot fit;
        `loaded_ctx`: the context the model is loaded with by now."""
        prompt = self.count_messages(messages)
        single = self._single(prompt + reserve, self.base_context(options)[0], loaded_ctx)
        return None if single is None else (prompt, single[1])

    def _refusal(self, prompt: int, reserve: int, base: int) -> tuple[Text, Text]:
        limit = self.raise_limit()
        message = Text(
            ko=f"글이 너무 깁니다: 프롬프트 {prompt:,}토큰과 답변 여유 {reserve:,}토큰이 "
            f"컨텍스트 {base:,}토큰을 넘습니다 (늘릴 수 있는 최대 {limit:,}토큰).",
            en=f"The text is too long: a {prompt:,}-token prompt plus {reserve:,} tokens for "
            f"the answer exceed the {base:,}-token context (at most {limit:,} allowed).",
        )
        return message, _SETTINGS_HINT

    # -- chunking ---------------------------------------------------------------------
    def chunk(
        self, task: Task, text: str, num_ctx: int, reserve: int, **values: Any
    ) -> tuple[list[str], list[int]] | None:
        """Chunks of `text` whose map prompts each fit `num_ctx` with `reserve` left.

        Returns the chunk texts and the exact prompt tokens of each chunk request, or
        None when not even a small chunk fits.
        """

        def messages(chunk: str, index: int, total: int) -> tuple[ChatMessage, ...]:
            return map_messages(task, chunk, index, total, **values)

        empty = self.count_messages(messages("", 999, 999))
        budget = num_ctx - reserve - empty - CHUNK_MARGIN
        if task.reduce == "concat":
            budget = min(budget, reserve)  # a translation is about as long as its input
        if budget < 16:
            return None
        pending = pack(text, budget, self.count_text)
        while True:  # verify every chunk with its real prompt; split any that overflow
            total = len(pending)
            counts = [self.count_messages(messages(c, i, total)) for i, c in enumerate(pending, 1)]
            over = [i for i, n in enumerate(counts) if n + reserve > num_ctx]
            if not over:
                return pending, counts
            halves = _halve(pending[over[0]])
            if halves is None:
                return None
            pending[over[0] : over[0] + 1] = halves


def server_truncated(
    planned_content: int, evaluated: int | None, num_ctx: int, *, estimate: bool
) -> bool:
    """True when the server most likely cut the prompt despite the plan.

    `planned_content` counts the message texts only (no template), so a server that
    saw the whole prompt never evaluates much less — unless its prompt cache reused
    earlier tokens. `token_drift.measure_drift` therefore calls a short count
    truncation only when the prompt may not have fit: with an exact count it did fit
    (we never send more than num_ctx), with an estimate it may not have when even a
    count `ESTIMATE_ERROR` times larger would not fit.
    """
    may_overflow = estimate and planned_content * ESTIMATE_ERROR > num_ctx
    drift = measure_drift(
        planned_content,
        evaluated,
        None if may_overflow else num_ctx,
        tolerance=1 - TRUNCATION_RATIO,
    )
    return drift.truncated and (drift.drift or 0) < -TRUNCATION_SLACK


def _halve(chunk: str) -> list[str] | None:
    """Two halves at a sentence boundary (else a character midpoint); None if one char."""
    sentences = split_sentences(chunk)
    if len(sentences) > 1:
        mid = len(sentences) // 2
        return ["".join(sentences[:mid]), "".join(sentences[mid:])]
    if len(chunk) < 2:
        return None
    return [chunk[: len(chunk) // 2], chunk[len(chunk) // 2 :]]


def _chunk_refusal(ctx: int, reserve: int) -> Text:
    return Text(
        ko=f"컨텍스트 {ctx:,}토큰에는 작업 지시문과 답변 여유({reserve:,}토큰)조차 들어가지 "
        "않아 글을 나눌 수 없습니다.",
        en=f"A {ctx:,}-token context cannot hold even the task instructions and the "
        f"{reserve:,} tokens kept for the answer, so the text cannot be split.",
    )
