"""num_ctx from a short ladder, the loaded context reused, and one long request weighed
against chunks at the loaded size with the model's speed."""

from __future__ import annotations

import pytest

from kodesk.core.context_ladder import LADDER, format_seconds, ladder_ctx
from kodesk.core.context_planner import ContextPlanner, ContextPolicy
from kodesk.core.speed import Speed
from kodesk.core.tasks import BUILTIN_TASKS, find_task
from tests.core.planning_helpers import korean_text, make_profile

SUMMARY = find_task(BUILTIN_TASKS, "summary")
MEDIUM = korean_text(150)  # needs more than 4096 and at most 8192 tokens


def planner(loaded: int | None, speed: Speed | None = None) -> ContextPlanner:
    profile = make_profile(trained=32768)
    extra = {"speed": speed} if speed is not None else {}
    return ContextPlanner(profile, ContextPolicy(), loaded_ctx=loaded, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("needed", "limit", "size"),
    [(100, 16384, 2048), (4097, 16384, 8192), (8192, 16384, 8192), (9000, 12000, 12000)],
)
def test_the_ladder_gives_few_sizes(needed: int, limit: int, size: int) -> None:
    assert ladder_ctx(needed, limit) == size


def test_the_ladder_refuses_what_is_over_the_limit() -> None:
    assert ladder_ctx(16385, 16384) is None
    assert tuple(sorted(LADDER)) == LADDER


def test_a_short_text_after_a_long_one_reuses_the_loaded_context() -> None:
    plan = planner(loaded=16384).plan(SUMMARY, korean_text(10), {})
    assert plan.num_ctx == 16384 and not plan.reloads


def test_without_a_loaded_model_the_smallest_fitting_size_is_used() -> None:
    plan = planner(loaded=None).plan(SUMMARY, korean_text(10), {})
    assert plan.num_ctx == 4096 and plan.reloads  # the first request loads it anyway


def test_one_long_request_wins_when_a_reload_is_cheap() -> None:
    speed = Speed(prompt_rate=200, decode_rate=10, load_seconds=2.5, samples=5)
    plan = planner(loaded=4096, speed=speed).plan(SUMMARY, MEDIUM, {})
    assert plan.decision == "raise_ctx" and plan.num_ctx == 8192
    assert plan.expected is not None and plan.expected.measured


def test_chunks_at_the_loaded_size_win_when_a_reload_is_costly() -> None:
    speed = Speed(prompt_rate=200, decode_rate=50, load_seconds=300, samples=5)
    plan = planner(loaded=4096, speed=speed).plan(SUMMARY, MEDIUM, {})
    assert plan.decision == "map_reduce" and plan.num_ctx == 4096 and not plan.reloads
    assert plan.expected is not None and plan.expected.seconds < 300


def test_an_estimate_from_the_default_speed_says_so() -> None:
    plan = planner(loaded=None).plan(SUMMARY, korean_text(10), {})
    assert plan.expected is not None and not plan.expected.measured
    assert plan.as_dict()["expected_measured"] is False


@pytest.mark.parametrize(("seconds", "text"), [(0.2, "~1 s"), (40.4, "~40 s"), (200, "~3 min")])
def test_times_are_rounded_like_estimates(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text
