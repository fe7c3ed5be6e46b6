"""The data a job produces and consumes: requests, events, planned jobs, answers.

`kodesk.core.runner` re-exports the request and event types; consumers (the desktop
controller, `kodesk run`) import them from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kodesk.core.errors import Fix, Text

if TYPE_CHECKING:  # planning and tokenizers load on the first job, not with the events
    from kodesk.core.context_planner import ContextPlanner, Plan
    from kodesk.core.tasks import Task
    from kodesk.core.token_report import TokenReport
    from kodesk.core.types import ChatStats
    from kodesk.core.web_cleanup import CleanupResult


@dataclass(frozen=True)
class JobStatus:
    """What the job is doing now ("모델 불러오는 중…", "조각 2/5")."""

    text: Text


@dataclass(frozen=True)
class JobProgress:
    """How far a long wait is, with its estimate ("모델이 글을 읽는 중… ~40 s 남음 (추정)");
    sent every few seconds, so a front end may show only some of them."""

    text: Text


@dataclass(frozen=True)
class JobDelta:
    """Answer text to append."""

    text: str


@dataclass(frozen=True)
class JobReset:
    """Discard the answer shown so far (a retry follows)."""

    reason: Text


@dataclass(frozen=True)
class JobNote:
    """Something to keep in view beside the answer ("정리됨: 12,345 → 3,210자")."""

    text: Text


@dataclass(frozen=True)
class JobWarning:
    text: Text
    #: A fix the front end can offer beside the warning in one click.
    fix: Fix | None = None


@dataclass(frozen=True)
class JobModel:
    """The model the job runs on (chosen from --model, the task, the settings)."""

    model: str


@dataclass(frozen=True)
class JobPrompt:
    """The prompt format the engine used for the job's requests (embedded engine); sent
    with the first answer of a request that reports one; the latest one counts."""

    format: str


@dataclass(frozen=True)
class JobTokens:
    """The token report of the job's text (the `tokens` task), counted before the model
    is asked to explain it."""

    report: TokenReport


@dataclass(frozen=True)
class JobFinished:
    stats: ChatStats | None
    model: str
    #: How the request was planned (None only if planning never ran).
    plan: Plan | None = None


JobEvent = (
    JobStatus
    | JobProgress
    | JobDelta
    | JobReset
    | JobNote
    | JobWarning
    | JobModel
    | JobPrompt
    | JobTokens
    | JobFinished
)


@dataclass(frozen=True)
class JobRequest:
    task: Task
    text: str
    model: str
    #: Per-model overrides from the settings; they win over the task's defaults.
    overrides: Mapping[str, Any] = field(default_factory=dict)
    keep_alive: str | int | None = None


PLANNING = Text(ko="글 길이를 확인하는 중…", en="Measuring the text…")
REPLANNING = Text(
    ko="서버가 프롬프트를 너무 길다며 거절했습니다 (자르지 않고). 더 작게 다시 나눕니다…",
    en="The server refused the prompt as too long (rather than cut it); planning again, "
    "in smaller parts…",
)
WAITING = Text(
    ko="응답을 기다리는 중… (모델을 처음 불러올 때는 오래 걸릴 수 있습니다)",
    en="Waiting for the model… (the first load can take a while)",
)
LENGTH_WARNING = Text(
    ko="답변이 길이 제한(num_predict)에 걸려 중간에 끊겼습니다.",
    en="The answer was cut off by the length limit (num_predict).",
)
WRONG_SCRIPT_RESET = Text(
    ko="답변이 요청한 언어가 아니어서 다시 요청합니다…",
    en="The answer was not in the requested language; asking again…",
)
WRONG_SCRIPT_WARNING = Text(
    ko="다시 요청했지만 답변이 여전히 요청한 언어가 아닙니다. 다른 모델을 써 보세요.",
    en="Even after a retry the answer is not in the requested language. Try another model.",
)


def long_wait_note(plan: Plan) -> Text:
    """Said before a plan expected to take long: how long, and on what the guess rests."""
    from kodesk.core.context_ladder import format_seconds

    assert plan.expected is not None
    eta = format_seconds(plan.expected.seconds)
    basis_ko = "이 모델의 측정 속도 기준" if plan.expected.measured else "기본 속도 기준"
    basis_en = "this model's measured speed" if plan.expected.measured else "a default speed"
    return Text(
        ko=f"오래 걸리는 작업입니다: {eta} 예상({basis_ko}). Esc로 멈출 수 있고, 글을 "
        "일부만 선택하면 더 빠릅니다.",
        en=f"This will take a while: {eta} expected (from {basis_en}). Esc stops it; "
        "selecting less text is faster.",
    )


def cleanup_status(result: CleanupResult) -> Text:
    return Text(
        ko=f"정리됨: {result.before:,} → {result.after:,}자",
        en=f"Cleaned up: {result.before:,} → {result.after:,} characters",
    )


def truncation_warning(planned: int, actual: int) -> Text:
    return Text(
        ko=f"서버가 프롬프트를 잘랐을 수 있습니다: 예상 {planned:,}토큰, 서버가 처리한 토큰 "
        f"{actual:,}개. 답이 글의 일부만 반영했을 수 있습니다.",
        en=f"The server may have cut the prompt: {planned:,} tokens planned, {actual:,} "
        "evaluated. The answer may reflect only part of the text.",
    )


@dataclass(frozen=True)
class PlannedJob:
    """A job after cleanup and planning, before any chat request."""

    text: str
    cleanup: CleanupResult | None
    planner: ContextPlanner
    plan: Plan
    options: dict[str, Any]
    #: The task as planned (the model's overrides applied).
    task: Task


@dataclass
class Answer:
    """The result of one chat request, filled in while it streams."""

    text: str = ""
    stats: ChatStats | None = None
    warnings: list[Text] = field(default_factory=list)
    #: The prompt format the engine reported (None: the server formats prompts itself).
    prompt_format: str | None = None
