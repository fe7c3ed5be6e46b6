from __future__ import annotations

from kodesk.core.tasks import BUILTIN_TASKS, find_task
from kodesk.core.token_explainer import HEAD_CHARS, explanation_request
from kodesk.core.token_report import build_report
from kodesk.core.tokenizer import EstimateTokenizer


def test_numbers_are_filled_and_long_text_is_cut() -> None:
    text = "한국어 문장입니다. " * 200
    report = build_report(text, EstimateTokenizer(), 4096)
    task, head = explanation_request(
        find_task(BUILTIN_TASKS, "tokens"), text, report, "gemma3:270m", 4096
    )
    user = task.messages(head)[-1].content
    assert f"{report.tokens:,}" in user and "4,096" in user and "gemma3:270m" in user
    assert "{" not in user
    assert len(head) == HEAD_CHARS + 1 and head.endswith("…")
    _, short = explanation_request(task, "짧은 글", report, "m", 2048)
    assert short == "짧은 글"
