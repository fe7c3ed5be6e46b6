"""Model speeds learned from responses: averaged with decay, persisted, never trusted
when the file is damaged."""

from __future__ import annotations

from pathlib import Path

from kodesk.core.speed import DEFAULT_SPEED, SpeedBook
from kodesk.core.types import ChatStats

S = 1_000_000_000


def stats(prompt: int, prompt_s: float, out: int, out_s: float, load_s: float) -> ChatStats:
    return ChatStats(
        done_reason="stop",
        prompt_eval_count=prompt,
        prompt_eval_duration=int(prompt_s * S),
        eval_count=out,
        eval_duration=int(out_s * S),
        load_duration=int(load_s * S),
    )


def test_an_unmeasured_model_has_the_default_speed() -> None:
    assert SpeedBook().get("m") == DEFAULT_SPEED and not DEFAULT_SPEED.measured


def test_the_first_measurement_replaces_the_guess_and_later_ones_are_averaged() -> None:
    book = SpeedBook()
    first = book.observe("m", stats(1000, 10, 100, 10, 2.5))
    assert (first.prompt_rate, first.decode_rate, first.load_seconds) == (100, 10, 2.5)
    second = book.observe("m", stats(1000, 5, 100, 10, 0.01))  # warm: no load measured
    assert 100 < second.prompt_rate < 200 and second.load_seconds == 2.5
    assert second.samples == 2


def test_speeds_persist_and_a_damaged_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "speeds.json"
    book = SpeedBook(path)
    book.observe("m", stats(2000, 10, 50, 5, 3))
    book.save()
    assert SpeedBook(path).get("m").prompt_rate == 200
    path.write_text('{"m": {"prompt_rate": "NaN", "decode_rate": -1}}', encoding="utf-8")
    assert SpeedBook(path).get("m") == DEFAULT_SPEED
    path.write_text("not json", encoding="utf-8")
    assert SpeedBook(path).get("m") == DEFAULT_SPEED


def test_a_response_without_durations_changes_nothing() -> None:
    book = SpeedBook()
    assert book.observe("m", ChatStats(done_reason="stop")) == DEFAULT_SPEED
