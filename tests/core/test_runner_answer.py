"""The streamed answer: no thinking text, one retry for a wrong script, warnings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kodesk.core.answer_guard import ScriptCheck, ThinkFilter, expected_script
from kodesk.core.errors import Text
from kodesk.core.runner import JobDelta, JobReset
from kodesk.core.tasks import Task
from tests.core.runner_helpers import SUMMARY, TRANSLATE, answer, run_job, warnings
from tests.fake_ollama import ChatScript, FakeOllama


def filtered(pieces: list[str]) -> str:
    f = ThinkFilter()
    return "".join(f.feed(p) for p in pieces) + f.finish()


@pytest.mark.parametrize(
    "pieces",
    [
        ["<think>생각 중</think>답변입니다."],
        ["<thi", "nk>생각", " 중</th", "ink>", "답변", "입니다."],
        [
            "<",
            "t",
            "h",
            "i",
            "n",
            "k",
            ">",
            "x",
            "<",
            "/",
            "t",
            "h",
            "i",
            "n",
            "k",
            ">",
            "답변입니다.",
        ],
        ["<think>", "</think>\n\n답변입니다."],
        ["답변", "<think>중간 생각</think>", "입니다."],
    ],
)
def test_think_blocks_are_removed_even_when_tags_are_split(pieces: list[str]) -> None:
    assert filtered(pieces) == "답변입니다."


def test_an_unclosed_think_block_never_shows() -> None:
    assert filtered(["답변. <think>끝나지 않은 생각"]) == "답변. "


def test_text_that_only_looks_like_a_tag_start_is_kept() -> None:
    assert filtered(["a <b> c <thi"]) == "a <b> c <thi"
    assert filtered(["3 < 4", " and <thinking"]) == "3 < 4 and <thinking"


@given(
    st.lists(st.text(alphabet="ab<>/thinkx ", max_size=8), max_size=12),
    st.integers(min_value=1, max_value=5),
)
def test_filtering_does_not_depend_on_how_the_stream_is_cut(pieces: list[str], size: int) -> None:
    whole = "".join(pieces)
    rechunked = [whole[i : i + size] for i in range(0, len(whole), size)]
    assert filtered(pieces) == filtered(rechunked) == filtered([whole])


def test_think_text_is_stripped_in_a_streamed_job(fake_ollama: FakeOllama) -> None:
    fake_ollama.default_chat = ChatScript(
        pieces=["<th", "ink>먼저 ", "생각해 보면</", "think>", "정부가 ", "예산을 늘렸다."]
    )
    events = run_job(fake_ollama, "정부가 예산을 늘렸다는 기사입니다.")
    assert answer(events) == "정부가 예산을 늘렸다."
    assert all("생각" not in e.text for e in events if isinstance(e, JobDelta))


CHINESE = "政府决定明年增加预算，以应对物价上涨和经济放缓的压力。" * 2
KOREAN = "정부가 물가 상승과 경기 둔화에 대응해 내년 예산을 늘리기로 했다는 내용이다."


def test_a_chinese_answer_to_a_korean_task_is_retried_once(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.extend([ChatScript(reply=CHINESE), ChatScript(reply=KOREAN)])
    events = run_job(fake_ollama, "정부가 내년 예산을 늘리기로 했다.")
    assert answer(events) == KOREAN
    chats = fake_ollama.chat_requests()
    assert len(chats) == 2
    assert "반드시 한국어" in chats[1].body["messages"][-1]["content"]
    assert "반드시 한국어" not in chats[0].body["messages"][-1]["content"]
    assert not any(CHINESE[:5] in e.text for e in events if isinstance(e, JobDelta))


def test_a_short_wrong_answer_is_caught_at_the_end(fake_ollama: FakeOllama) -> None:
    short = "정부는 增加预算应对物价增加预算应对物价"  # under 40 characters: judged at the end
    fake_ollama.chat_scripts.extend([ChatScript(reply=short), ChatScript(reply=KOREAN)])
    events = run_job(fake_ollama, "정부가 내년 예산을 늘리기로 했다.")
    assert answer(events) == KOREAN
    assert len(fake_ollama.chat_requests()) == 2
    assert not any(isinstance(e, JobDelta) and "增" in e.text for e in events)


def test_a_translation_answered_in_korean_is_retried_in_english(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.extend(
        [
            ChatScript(
                reply="정부가 내년 예산을 늘리기로 했다고 발표했습니다. 이는 경기 대응 조치입니다."
            ),
            ChatScript(reply="The government said it would raise next year's budget."),
        ]
    )
    events = run_job(fake_ollama, "정부가 내년 예산을 늘리기로 했다고 발표했다.", task=TRANSLATE)
    assert answer(events) == "The government said it would raise next year's budget."
    assert (
        "answer only in English" in fake_ollama.chat_requests()[1].body["messages"][-1]["content"]
    )
    assert not any(isinstance(e, JobReset) for e in events[:2])


def test_only_one_retry_then_a_warning(fake_ollama: FakeOllama) -> None:
    fake_ollama.chat_scripts.extend([ChatScript(reply=CHINESE), ChatScript(reply=CHINESE)])
    events = run_job(fake_ollama, "정부가 내년 예산을 늘리기로 했다.")
    assert len(fake_ollama.chat_requests()) == 2
    assert answer(events) == CHINESE
    assert any("not in the requested language" in w for w in warnings(events))


def test_a_reset_is_sent_when_a_wrong_answer_was_already_shown(fake_ollama: FakeOllama) -> None:
    late = (  # distinct sentences: a repeated one would be stopped as a loop instead
        "정부가 내년 예산을 늘리기로 했다는 소식입니다. 이는 중요한 결정입니다. "
        "政府决定明年增加预算。这是为了应对物价上涨。经济放缓的压力也很大。"
        "专家们认为这一决定是必要的。市场对此反应积极。"
    )
    fake_ollama.chat_scripts.extend([ChatScript(reply=late), ChatScript(reply=KOREAN)])
    events = run_job(fake_ollama, "정부가 내년 예산을 늘리기로 했다.")
    resets = [i for i, e in enumerate(events) if isinstance(e, JobReset)]
    assert len(resets) == 1
    assert any(isinstance(e, JobDelta) for e in events[: resets[0]])
    assert answer(events) == KOREAN


@pytest.mark.parametrize(
    ("check", "text", "wrong"),
    [
        (ScriptCheck("ko"), KOREAN, False),
        (ScriptCheck("ko"), CHINESE, True),
        (ScriptCheck("ko"), "これは日本語の答えです。これは日本語の答えです。", True),
        (ScriptCheck("ko"), "The answer is in English, which a Korean prompt may ask for.", False),
        (ScriptCheck("ko", strict=True), "The answer is in English, not Korean at all.", True),
        (ScriptCheck("en", strict=True), "The government raised the budget.", False),
        (ScriptCheck("en", strict=True), KOREAN, True),
        (ScriptCheck("ko"), "政府", False),  # too short to judge
        (ScriptCheck("ko"), "대한민국(大韓民國) 정부는 국민의 뜻에 따라 예산을 편성했다.", False),
    ],
)
def test_script_check(check: ScriptCheck, text: str, wrong: bool) -> None:
    assert check.is_wrong(text) is wrong


def test_expected_script_by_task() -> None:
    assert expected_script(TRANSLATE, "한국어 문장입니다.") == ScriptCheck("en", strict=True)
    assert expected_script(TRANSLATE, "An English sentence.") == ScriptCheck("ko", strict=True)
    assert expected_script(SUMMARY, "아무 글") == ScriptCheck("ko")
    english = Task(name="x", title=Text(ko="x", en="x"), system="", template="Summarize: {text}")
    assert expected_script(english, "글") is None
