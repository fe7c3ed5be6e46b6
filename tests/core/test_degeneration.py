"""The degeneration detector on real failure text (Gemma 270M's loop, an echoed
instruction) and, just as important, on normal Korean answers it must leave alone."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from kodesk.core.degeneration import (
    DegenerateAnswer,
    Degeneration,
    DegenerationDetector,
    DegenerationLimits,
    detector_for,
)
from kodesk.core.tasks import BUILTIN_TASKS, Task, find_task, task_from_table

WEBPAGES = Path(__file__).parent / "data" / "webpages"
ARTICLES = sorted(WEBPAGES.glob("*.expected.txt"))
SUMMARY = find_task(BUILTIN_TASKS, "summary")
TRANSLATE = find_task(BUILTIN_TASKS, "translate")
TOKENS = find_task(BUILTIN_TASKS, "tokens")
#: The loop the built-in Gemma 3 270M wrote for a one-line summary (issue 12).
GEMMA_LOOP = "내가 왜 그렇게 생각하는지? 나는 지금이 가장 행복한 날이다. "


def chunks(text: str, seed: int = 0) -> Iterator[str]:
    """`text` in random pieces of 1-12 characters, as a model streams tokens."""
    rng = random.Random(seed)
    i = 0
    while i < len(text):
        size = rng.randint(1, 12)
        yield text[i : i + size]
        i += size


def stream(detector: DegenerationDetector, text: str, seed: int = 0) -> tuple[Degeneration, int]:
    """Feed `text` until the detector fires; the verdict and how many characters it took."""
    fed = 0
    for piece in chunks(text, seed):
        fed += len(piece)
        found = detector.feed(piece)
        if found is not None:
            return found, fed
    raise AssertionError(f"not flagged after {fed} characters")


def never_flagged(detector: DegenerationDetector, text: str, seed: int = 0) -> None:
    for piece in chunks(text, seed):
        found = detector.feed(piece)
        assert found is None, f"false positive: {found}"
    assert detector.found is None


def article(name: str) -> str:
    return (WEBPAGES / f"{name}.expected.txt").read_text(encoding="utf-8")


# -- real failures ----------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gemma_loop_is_stopped_on_the_third_repeat(seed: int) -> None:
    source = article("hani")
    detector = detector_for(SUMMARY, source, SUMMARY.messages(source))
    found, fed = stream(detector, "이 글은 폭염에 관한 글이다. " + GEMMA_LOOP * 40, seed)
    assert found.kind == "repeated_sentence"
    assert found.sample in GEMMA_LOOP
    assert fed <= len("이 글은 폭염에 관한 글이다. ") + 3 * len(GEMMA_LOOP)
    assert "되풀이" in found.message.ko and "repeating itself" in found.message.en
    assert "지시를 따르지 못하는" in found.message.ko
    assert detector.feed(GEMMA_LOOP) is None  # reported once


def test_echoed_instruction_is_caught_at_the_start() -> None:
    source = article("kbs")
    messages = SUMMARY.messages(source)
    detector = detector_for(SUMMARY, source, messages)
    # What a base model does with a plain completion prompt: it writes the task again.
    found, fed = stream(detector, "\n" + SUMMARY.template.replace("{text}", source))
    assert found.kind == "echo"
    assert "지시문" in found.message.ko and "instruction" in found.message.en
    assert fed < 60


def test_echoed_system_prompt_is_caught() -> None:
    source = article("mbc")
    detector = detector_for(SUMMARY, source, SUMMARY.messages(source))
    found, _ = stream(detector, "요약: " + SUMMARY.system)
    assert found.kind == "echo"


def test_copied_input_is_caught_for_builtin_tasks() -> None:
    source = article("yonhap")
    detector = detector_for(SUMMARY, source, SUMMARY.messages(source))
    found, fed = stream(detector, source)
    assert found.kind == "echo"
    assert "베껴" in found.message.ko
    assert fed < 260


#: What the built-in Gemma 3 270M wrote for the yonhap page's one-line summary: kodesk's
#: `<글>` tag, then a made-up article (not a copy: it invents dates and visits).
GEMMA_CONTINUATION = (
    "<글> 한국과 일본은 20일(현지시간) 양국 정상이 수시로 오가는 '셔틀외교'를 이어가기로 "
    "했다. 한국은 1958년 일본이 이스라엘에 침공한 이후 40년 동안 일본이 이웃 나라를 방문해 "
    "경제·안보 협력을 추진했다."
)


@pytest.mark.parametrize("lead", ["", "\n", "요약: "])
def test_an_answer_opening_with_the_prompts_tag_is_a_continuation(lead: str) -> None:
    source = article("yonhap")
    detector = detector_for(SUMMARY, source, SUMMARY.messages(source))
    found, fed = stream(detector, lead + GEMMA_CONTINUATION)
    assert found.kind == "echo" and found.sample == "<글>"
    assert "<글>" in found.message.ko and "continued kodesk's prompt" in found.message.en
    assert fed < 30


def test_a_tag_later_in_the_answer_or_not_in_the_prompt_is_fine() -> None:
    source = article("yonhap")
    detector = detector_for(SUMMARY, source, SUMMARY.messages(source))
    never_flagged(detector, "한일 정상이 셔틀외교를 이어가기로 했다. 원문은 <글> 표시 안에 있었다.")
    custom = task_from_table({"name": "tags", "template": "<text>{text}</text>를 요약하세요."})
    detector = detector_for(custom, source, custom.messages(source))
    never_flagged(detector, "<글> 한일 정상이 셔틀외교를 이어가기로 했다.")
    found, _ = stream(detector_for(custom, source, custom.messages(source)), "<TEXT> 한일")
    assert found.sample == "<text>"


def test_a_copy_that_skips_a_sentence_is_caught() -> None:
    """What the built-in Gemma did with the KBS article: copied it, leaving out a sentence."""
    source = article("kbs")
    lines = source.splitlines()
    skipped = "\n".join([*lines[:2], lines[2].split(". ")[0] + ".", *lines[3:]])
    assert skipped != source
    detector = detector_for(SUMMARY, source, SUMMARY.messages(source))
    found, fed = stream(detector, "<글>\n" + skipped)
    assert found.kind == "echo" and fed < 300


@pytest.mark.parametrize("path", ARTICLES, ids=[p.name.split(".")[0] for p in ARTICLES])
def test_a_summary_quoting_the_lead_sentence_is_not_a_copy(path: Path) -> None:
    """An extractive one-line summary: the article's longest paragraph's first sentence,
    word for word, and a clause of its own."""
    source = path.read_text(encoding="utf-8")
    lead = max(source.splitlines(), key=len).split(". ")[0].rstrip(".")
    answer = f"{lead}며, 관련 대책이 필요하다는 지적이 나온다."
    never_flagged(detector_for(SUMMARY, source, SUMMARY.messages(source)), answer)


def test_a_custom_rewrite_task_may_reproduce_its_input() -> None:
    proofread = task_from_table({"name": "proofread", "template": "맞춤법만 고쳐 주세요:\n{text}"})
    source = article("yonhap")
    never_flagged(detector_for(proofread, source, proofread.messages(source)), source)


@pytest.mark.parametrize(
    "loop",
    ["하하하", "그리고 그래서 ", "the end of the ", "ㅋ", "|---"],
)
def test_loops_without_sentence_ends(loop: str) -> None:
    detector = DegenerationDetector()
    found, fed = stream(detector, "처음에는 정상적인 답이었다, " + loop * 400)
    assert found.kind == "loop"
    assert found.sample.strip() and found.sample.strip() in (loop * 3).strip()
    limits = detector.limits
    assert fed <= len("처음에는 정상적인 답이었다, ") + limits.loop_window + 3 * len(loop) + 2 * 16


def test_the_error_carries_the_fix_for_the_engine() -> None:
    detector = DegenerationDetector()
    found, _ = stream(detector, GEMMA_LOOP * 5)
    error = found.error("embedded")
    assert isinstance(error, DegenerateAnswer)
    assert error.code == "degenerate"
    assert "kodesk models --recommended" in error.hint_text("en")
    assert "ollama pull exaone3.5:2.4b" in found.error("ollama").hint_text("ko")


def test_memory_stays_bounded_on_a_long_answer() -> None:
    limits = DegenerationLimits()
    detector = DegenerationDetector(limits=limits)
    # 20 000 distinct sentences: no repeat, no loop, but every one is remembered a while.
    for i in range(20_000):
        assert detector.feed(f"항목 번호 {i}번은 서로 다른 문장입니다. ") is None
    assert len(detector._sentences) <= limits.sentences_kept
    assert len(detector._tail) <= limits.loop_window * 2
    assert len(detector._sentence) <= limits.loop_window


# -- normal answers are left alone ----------------------------------------------------------
@pytest.mark.parametrize("path", ARTICLES, ids=[p.name.split(".")[0] for p in ARTICLES])
def test_korean_articles_are_not_flagged(path: Path) -> None:
    """Every cleaned news article, read as if it were an answer to a summary of another."""
    other = article("hani" if "hani" not in path.name else "kbs")
    detector = detector_for(SUMMARY, other, SUMMARY.messages(other))
    never_flagged(detector, path.read_text(encoding="utf-8"), seed=len(path.name))


@pytest.mark.parametrize(
    "answer",
    [
        # One-line summary.
        "질병관리청은 올여름 온열질환자가 3,912명으로 역대 최다를 기록했지만 취약계층 냉방 "
        "지원 예산은 제자리라고 밝혔다.",
        # List items that start alike.
        "".join(
            f"- 정부는 {year}년에 {what} 예산을 늘리겠다고 발표했다.\n"
            for year, what in [
                (2024, "냉방"),
                (2025, "난방"),
                (2026, "주거"),
                (2027, "교통"),
                (2028, "의료"),
            ]
        ),
        # Numbered steps, short repeated sentences, a table.
        "1. 설정을 엽니다.\n2. 모델을 고릅니다.\n3. 확인을 누릅니다.\n"
        "네. 네. 네. 네. 감사합니다.\n"
        "| 항목 | 값 |\n|---|---|\n| 기온 | 35도 |\n| 환자 | 3,912명 |\n",
        # Token explanations restating the filled-in facts of their instruction.
        "이 글은 gemma 모델의 토크나이저로 523개의 토큰이고, 이 모델의 컨텍스트는 4096 "
        "토큰입니다. 토큰은 모델이 글을 읽는 작은 조각입니다.",
        "토큰은 모델이 글을 읽는 작은 조각입니다. 이 글은 gemma 모델의 토크나이저로 523개의 "
        "토큰이고, 이 모델의 컨텍스트는 4096 토큰입니다. 한글은 음절마다 조각이 많아 영어보다 "
        "토큰을 더 씁니다.",
    ],
)
def test_normal_answers_are_not_flagged(answer: str) -> None:
    source = article("hani")
    task: Task = TOKENS if "토큰" in answer else SUMMARY
    never_flagged(detector_for(task, source, task.messages(source, model="gemma")), answer)


def test_a_translation_is_not_an_echo_of_its_input() -> None:
    source = article("chosun")
    english = (
        "On the 2nd, the Korea Disease Control and Prevention Agency said heat-related "
        "illnesses reached a record this summer. "
        * 1
        + "Officials said the budget for cooling support has not changed for years. "
        "Civic groups asked for measures fit for the climate crisis."
    )
    never_flagged(detector_for(TRANSLATE, source, TRANSLATE.messages(source)), english)
