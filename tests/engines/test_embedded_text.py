"""Small pure parts of the embedded engine: answer text assembly, keep_alive, option mapping."""

from __future__ import annotations

import pytest

from kodesk.core.errors import ContextTooSmall, InputRejected
from kodesk.engines.embedded import sampling_for
from kodesk.engines.embedded_worker import RANDOM_SEED
from kodesk.engines.keep_alive import keep_alive_seconds
from kodesk.engines.token_text import AnswerText


def feed_all(answer: AnswerText, chunks: list[bytes]) -> tuple[list[str], bool]:
    shown: list[str] = []
    for chunk in chunks:
        piece = answer.feed(chunk)
        if piece.text:
            shown.append(piece.text)
        if piece.stopped:
            return shown, True
    rest = answer.finish()
    if rest.text:
        shown.append(rest.text)
    return shown, rest.stopped


def test_hangul_split_across_tokens_is_never_shown_broken() -> None:
    data = "한국어 요약".encode()
    shown, stopped = feed_all(AnswerText(), [data[i : i + 1] for i in range(len(data))])
    assert "".join(shown) == "한국어 요약"
    assert all("\ufffd" not in piece for piece in shown)
    assert not stopped


def test_stop_sequence_split_over_tokens_is_held_back_and_not_shown() -> None:
    shown, stopped = feed_all(AnswerText(["</끝>"]), [b"answer <", b"/", "끝".encode(), b">tail"])
    assert "".join(shown) == "answer "
    assert stopped


def test_false_start_of_a_stop_sequence_is_released() -> None:
    shown, stopped = feed_all(AnswerText(["\n\n"]), [b"a\n", b"b\n", b"c"])
    assert shown == ["a", "\nb", "\nc"]
    assert not stopped


def test_partial_stop_at_the_end_is_shown_as_text() -> None:
    shown, stopped = feed_all(AnswerText(["STOP"]), [b"x ST"])
    assert "".join(shown) == "x ST"
    assert not stopped


def test_earliest_of_several_stops_wins() -> None:
    shown, stopped = feed_all(AnswerText(["B", "A"]), [b"xxAyyB"])
    assert shown == ["xx"] and stopped


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, 300.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("90s", 90.0),
        ("250ms", 0.25),
        ("1.5h", 5400.0),
        (0, 0.0),
        ("0", 0.0),
        (30, 30.0),
        ("300", 300.0),
        (-1, None),
        ("-1", None),
        ("-5m", None),
        (2.5, 2.5),
    ],
)
def test_keep_alive_reads_like_ollama(
    value: str | int | float | None, seconds: float | None
) -> None:
    assert keep_alive_seconds(value) == seconds


@pytest.mark.parametrize("value", ["", "5 minutes", "m5", "5x", "1h-3m", True])
def test_bad_keep_alive_is_rejected(value: str | bool) -> None:
    with pytest.raises(InputRejected):
        keep_alive_seconds(value)


def test_options_map_with_ollama_defaults() -> None:
    defaults = sampling_for({}, n_ctx=100, n_prompt=40)
    assert defaults.max_tokens == 60  # no num_predict: until the context is full
    assert (defaults.temperature, defaults.top_k, defaults.top_p) == (0.8, 40, 0.9)
    assert defaults.repeat_penalty == 1.1 and defaults.seed == RANDOM_SEED
    mapped = sampling_for(
        {
            "temperature": 0,
            "top_p": 0.5,
            "top_k": 3,
            "min_p": 0.1,
            "repeat_penalty": 1.3,
            "seed": 42,
            "stop": ["\n", "끝"],
            "num_predict": 10,
        },
        n_ctx=100,
        n_prompt=90,
    )
    assert (mapped.temperature, mapped.top_p, mapped.top_k, mapped.min_p) == (0, 0.5, 3, 0.1)
    assert (mapped.repeat_penalty, mapped.seed, mapped.max_tokens) == (1.3, 42, 10)
    assert mapped.stop == ("\n", "끝")
    assert sampling_for({"stop": "x", "seed": -1}, n_ctx=10, n_prompt=1).stop == ("x",)


@pytest.mark.parametrize(
    ("options", "n_prompt"),
    [
        ({"num_predict": 11}, 90),
        ({}, 100),
        ({"num_predict": 0}, 101),
    ],
)
def test_prompt_and_answer_must_fit_the_context(options: dict[str, int], n_prompt: int) -> None:
    with pytest.raises(ContextTooSmall) as caught:
        sampling_for(options, n_ctx=100, n_prompt=n_prompt)
    assert "100" in caught.value.message("en") and "100" in caught.value.message("ko")
