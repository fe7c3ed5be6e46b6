"""The context planner's four decisions and its chunking guarantees."""

from __future__ import annotations

import pytest

from kodesk.core.context_planner import (
    ContextPlanner,
    ContextPolicy,
    map_messages,
    output_reserve,
    reduce_text,
    server_truncated,
)
from kodesk.core.errors import ContextTooSmall
from kodesk.core.settings import Settings
from kodesk.core.tasks import BUILTIN_TASKS, find_task
from tests.core.planning_helpers import korean_text, make_profile

SUMMARY = find_task(BUILTIN_TASKS, "summary")
TRANSLATE = find_task(BUILTIN_TASKS, "translate")


def planner(policy: ContextPolicy | None = None, **profile: object) -> ContextPlanner:
    return ContextPlanner(make_profile(**profile), policy or ContextPolicy())  # type: ignore[arg-type]


def test_short_text_fits_in_the_server_default() -> None:
    p = planner()
    plan = p.plan(SUMMARY, korean_text(10), {}, model="m")
    assert plan.decision == "fits"
    assert plan.num_ctx == 4096
    assert plan.output_reserve == SUMMARY.output_reserve
    assert plan.prompt_tokens + plan.output_reserve <= plan.num_ctx
    assert plan.prompt_tokens == p.count_messages(SUMMARY.messages(korean_text(10), model="m"))
    assert plan.estimate is True


def test_medium_text_raises_num_ctx_to_a_ladder_size_within_the_limits() -> None:
    p = planner()
    text = korean_text(150)
    plan = p.plan(SUMMARY, text, {})
    needed = plan.prompt_tokens + plan.output_reserve
    assert 4096 < needed <= 8192
    assert plan.decision == "raise_ctx"
    assert plan.base_num_ctx == 4096
    assert plan.num_ctx == 8192  # the ladder's next size, not the exact need


def test_raise_stops_at_the_users_ceiling() -> None:
    text = korean_text(150)
    plan = planner(ContextPolicy(max_num_ctx=4608, allow_split=False)).plan(SUMMARY, text, {})
    assert plan.decision == "refuse"
    assert "4,608" in plan.message.en  # type: ignore[union-attr]


def test_long_text_is_split_into_chunks_that_each_fit() -> None:
    p = planner()
    text = korean_text(900)
    plan = p.plan(SUMMARY, text, {})
    assert plan.decision == "map_reduce"
    assert plan.num_ctx == 8192  # the raise limit: min(max_num_ctx, trained)
    assert len(plan.chunks) >= 3
    assert "".join(plan.chunk_texts) == text  # nothing lost, nothing repeated
    total = len(plan.chunk_texts)
    for i, (chunk, tokens) in enumerate(zip(plan.chunk_texts, plan.chunks, strict=True), 1):
        assert p.count_messages(map_messages(SUMMARY, chunk, i, total)) == tokens
        assert tokens + plan.output_reserve <= plan.num_ctx


def test_chunks_are_about_equal_in_size() -> None:
    p = planner()
    plan = p.plan(SUMMARY, korean_text(1000), {})
    assert len(plan.chunks) >= 3  # a plain greedy split would leave a small remainder
    assert min(plan.chunks) >= 0.8 * max(plan.chunks)


def test_chunks_end_at_sentence_boundaries() -> None:
    plan = planner().plan(SUMMARY, korean_text(900), {})
    for chunk in plan.chunk_texts[:-1]:
        assert chunk.rstrip().endswith(("다.", "다”고 강조했다."))


def test_without_raising_the_split_uses_the_base_context() -> None:
    plan = planner(ContextPolicy(allow_raise=False)).plan(SUMMARY, korean_text(150), {})
    assert plan.decision == "map_reduce"
    assert plan.num_ctx == 4096
    assert all(t + plan.output_reserve <= 4096 for t in plan.chunks)


def test_refuses_with_numbers_and_settings_when_both_are_off() -> None:
    policy = ContextPolicy(allow_raise=False, allow_split=False)
    plan = planner(policy).plan(SUMMARY, korean_text(150), {})
    assert plan.decision == "refuse"
    error = plan.error()
    assert isinstance(error, ContextTooSmall)
    assert f"{plan.prompt_tokens:,}" in error.message("ko")
    assert f"{plan.prompt_tokens:,}" in error.message("en")
    assert "4,096" in error.message("en")
    assert "context.allow_raise" in error.hint_text("ko")
    assert "context.allow_split" in error.hint_text("en")


def test_refuses_when_not_even_the_instructions_fit() -> None:
    p = planner(server_default=300, trained=300)
    plan = p.plan(SUMMARY, korean_text(50), {})
    assert plan.decision == "refuse"
    assert "cannot be split" in plan.error().message("en")


def test_translation_chunks_leave_room_for_an_answer_as_long_as_the_input() -> None:
    p = planner()
    text = korean_text(900)
    plan = p.plan(TRANSLATE, text, {})
    assert plan.decision == "map_reduce"
    reserve = plan.output_reserve
    for chunk in plan.chunk_texts:
        assert p.count_text(chunk) <= reserve


def test_base_context_prefers_the_request_then_the_model_then_the_server() -> None:
    assert planner().base_context({}) == (4096, "test default")
    assert planner(configured=6000).base_context({})[0] == 6000
    assert planner(configured=6000).base_context({"num_ctx": 2048})[0] == 2048
    ctx, source = planner(configured=65536).base_context({})
    assert ctx == 8192 and "clamped" in source


def test_a_request_option_context_is_sent_when_the_text_fits() -> None:
    plan = planner().plan(SUMMARY, korean_text(5), {"num_ctx": 2048})
    assert plan.decision == "fits" and plan.num_ctx == 2048


def test_output_reserve_comes_from_num_predict_when_set() -> None:
    assert output_reserve(SUMMARY, {"num_predict": 100}) == 100
    assert output_reserve(SUMMARY, {"num_predict": -1}) == SUMMARY.output_reserve
    assert output_reserve(SUMMARY, {}) == SUMMARY.output_reserve


def test_policy_reads_the_settings() -> None:
    settings = Settings(
        {"context.max_num_ctx": 8192, "context.allow_split": False, "context.split_concurrency": 3}
    )
    policy = ContextPolicy.from_settings(settings)
    assert policy == ContextPolicy(
        max_num_ctx=8192, allow_raise=True, allow_split=False, split_concurrency=3
    )


def test_plan_as_dict_has_the_documented_keys() -> None:
    data = planner().plan(SUMMARY, korean_text(900), {}).as_dict()
    for key in (
        "decision",
        "prompt_tokens",
        "output_reserve",
        "num_ctx",
        "trained_context",
        "chunks",
        "estimate",
    ):
        assert key in data
    assert data["decision"] == "map_reduce"
    assert all(isinstance(n, int) for n in data["chunks"])


def test_reduce_text_numbers_the_partials() -> None:
    text = reduce_text(["첫째 요약.", " 둘째 요약. "])
    assert "[부분 1] 첫째 요약." in text and "[부분 2] 둘째 요약." in text


@pytest.mark.parametrize(
    ("planned", "evaluated", "num_ctx", "estimate", "cut"),
    [
        (3000, 3000, 4096, True, False),
        (3000, 3200, 4096, True, False),
        (3000, 1000, 4096, True, True),  # an estimate this close to num_ctx may have overflowed
        (1000, 100, 4096, True, False),  # far below num_ctx: the server's prompt cache
        (3000, 1000, 4096, False, False),  # an exact count fitted: the server's prompt cache
        (3000, None, 4096, True, False),
        (60, 30, 64, True, False),  # fewer than TRUNCATION_SLACK tokens apart
    ],
)
def test_server_truncation_is_a_much_smaller_prompt_eval_count_that_may_have_overflowed(
    planned: int, evaluated: int | None, num_ctx: int, estimate: bool, cut: bool
) -> None:
    assert server_truncated(planned, evaluated, num_ctx, estimate=estimate) is cut
