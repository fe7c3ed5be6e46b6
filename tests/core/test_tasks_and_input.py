"""Built-in and custom tasks, and the checks on captured text."""

from __future__ import annotations

import pytest

from kodesk.core.errors import InputRejected
from kodesk.core.input_text import MAX_CHARS, check_input
from kodesk.core.script import hangul_share
from kodesk.core.tasks import BUILTIN_TASKS, TaskError, TranslateTask, all_tasks, find_task

ARTICLE = "정부는 29일 내년도 예산안을 발표했다. 총지출은 3.5% 늘어난 680조 원이다."


def test_summary_repeats_the_instruction_after_the_text() -> None:
    summary = find_task(BUILTIN_TASKS, "summary")
    messages = summary.messages(ARTICLE)
    assert messages[0].role == "system"
    user = messages[-1].content
    before, _, after = user.partition(ARTICLE)
    assert "한 문장" in before and "한 문장" in after


def test_translate_direction_follows_the_script() -> None:
    translate = find_task(BUILTIN_TASKS, "translate")
    assert isinstance(translate, TranslateTask)
    assert translate.target_language(ARTICLE) == "en"
    assert translate.target_language("The budget grew by 3.5%.") == "ko"
    assert "English" in translate.messages(ARTICLE)[-1].content
    assert "한국어" in translate.messages("Hello world")[-1].content


def test_tokens_task_fills_placeholders() -> None:
    tokens = find_task(BUILTIN_TASKS, "tokens")
    user = tokens.messages("본문", model="gemma3", token_count=123, num_ctx=4096)[-1].content
    assert "gemma3" in user and "123" in user and "4096" in user and "{" not in user


def test_custom_tasks_are_validated() -> None:
    tasks, problems = all_tasks(
        [
            {
                "name": "교정",
                "template": "맞춤법을 고치세요:\n{text}",
                "options": {"temperature": 0},
            },
            {"name": "broken", "template": "no placeholder"},
            {"name": "summary", "template": "{text}"},
            {"template": "{text}"},
        ]
    )
    assert [t.name for t in tasks] == ["summary", "translate", "tokens", "교정"]
    assert len(problems) == 3
    assert "{text}" in problems[0] and "twice" in problems[1] and "name" in problems[2]
    with pytest.raises(TaskError, match="known: summary"):
        find_task(tasks, "nope")


def test_hangul_share() -> None:
    assert hangul_share("") == 0.0
    assert hangul_share("한국어 text") == pytest.approx(3 / 7)


@pytest.mark.parametrize("text", [None, "", "   \n\t  "])
def test_empty_input_is_rejected(text: str | None) -> None:
    with pytest.raises(InputRejected) as info:
        check_input(text)
    assert info.value.message("ko") and info.value.hint_text("en")


def test_image_only_clipboard_has_its_own_message() -> None:
    with pytest.raises(InputRejected, match="no text"):
        check_input(None, had_other_content=True)


def test_nul_bytes_and_lone_surrogates_are_cleaned() -> None:
    result = check_input("가\x00나\ud800다\r\n라")
    assert result.text == "가나\ufffd다\n라"
    assert len(result.notes) == 2


def test_huge_input_is_refused_with_the_numbers() -> None:
    with pytest.raises(InputRejected, match="too long"):
        check_input("가" * (MAX_CHARS + 1))
    assert check_input("가" * 1_000_000).text.startswith("가")
