"""Built-in and custom tasks, and the checks on captured text."""

from __future__ import annotations

import codecs
import io
import random
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from kodesk.core.errors import InputRejected, Text
from kodesk.core.input_text import (
    MAX_CHARS,
    READ_BLOCK,
    CleanInput,
    check_input,
    read_text_stream,
)
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


# -- reading a stream: size cap, not-text check, notes -------------------------------------

STDIN = Text(ko="표준 입력", en="Standard input")


def read(data: bytes) -> CleanInput:
    return read_text_stream(io.BytesIO(data), STDIN)


class EndlessText(io.RawIOBase):
    """A pipe that never ends: valid Hangul text, block after block."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = ("가나다라 " * (len(buffer) // 13 + 1)).encode()[: len(buffer)]
        buffer[: len(chunk)] = chunk
        self.served += len(chunk)
        return len(chunk)


@contextmanager
def bounded(seconds: float, megabytes: float) -> Iterator[None]:
    """The block finishes within `seconds` with at most `megabytes` of peak allocations."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert peak < megabytes * 1e6, f"peak {peak / 1e6:.1f} MB"


def test_stream_text_is_read_whole_and_block_boundaries_do_not_break_characters() -> None:
    text = "대한민국의 수도는 서울입니다. " * 10_000  # many blocks; a block ends mid-syllable
    result = read(text.encode())
    assert result.text == text and result.notes == ()


def test_a_few_invalid_bytes_are_replaced_with_a_note() -> None:
    result = read("가나다 hello ".encode() * 50 + b"\xff\xfe" + "끝".encode())
    assert result.text.endswith("\ufffd\ufffd끝")
    (note,) = result.notes
    assert note.en == "2 invalid UTF-8 bytes replaced by �." and note.ko


def test_utf16_with_its_byte_order_mark_is_text() -> None:
    assert read("윈도우 메모장 텍스트".encode("utf-16")).text == "윈도우 메모장 텍스트"
    assert read(codecs.BOM_UTF8 + "본문".encode()).text == "본문"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (random.Random(7).randbytes(300_000), "is not UTF-8 text"),
        ("café au lait, s'il vous plaît".encode("latin-1"), "is not UTF-8 text"),
        (("한국어 기사 본문입니다. " * 100).encode("cp949"), "another encoding such as CP949"),
        (b"ELF\x00\x00\x00\x01" * 2000, "looks like binary data"),
        (("text\x00" * 1000).encode(), "looks like binary data"),
    ],
)
def test_binary_data_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputRejected) as info:
        read(data)
    assert message in info.value.message("en")
    assert info.value.message("en").startswith("Standard input")
    assert info.value.message("ko") and info.value.hint_text("en")


def test_zeros_from_a_device_end_at_once() -> None:
    with (
        bounded(seconds=1.0, megabytes=2),
        Path("/dev/zero").open("rb") as zero,
        pytest.raises(InputRejected, match="binary data"),
    ):
        read_text_stream(zero, STDIN)


def test_an_endless_pipe_stops_at_the_cap() -> None:
    pipe = EndlessText()
    with bounded(seconds=5.0, megabytes=16), pytest.raises(InputRejected, match="too long"):
        read_text_stream(io.BufferedReader(pipe), STDIN)
    # it stopped right after the cap: no more than one block beyond it was read
    assert pipe.served <= MAX_CHARS * 3 + READ_BLOCK * 2


def test_a_20_mb_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as out:
        line = "서울 시내 주요 도로가 출근 시간대에 극심한 정체를 보였다.\n".encode()
        for _ in range(20_000_000 // len(line) + 1):
            out.write(line)
    assert big.stat().st_size >= 20_000_000
    with (
        bounded(seconds=5.0, megabytes=16),
        big.open("rb") as stream,
        pytest.raises(InputRejected, match="too long"),
    ):
        read_text_stream(stream, STDIN)


def test_text_just_under_the_cap_is_read() -> None:
    assert len(read(b"a" * MAX_CHARS).text) == MAX_CHARS
