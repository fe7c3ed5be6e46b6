"""The settings dialog's Qt-free helpers: labels, number formats, transfer meter, overrides."""

from __future__ import annotations

import pytest

from kodesk.core.human_format import human_size, local_time, megabytes_of, speed
from kodesk.core.modelfile import parse_modelfile, render_modelfile
from kodesk.core.override_options import (
    BY_NAME,
    derived_spec,
    from_modelfile,
    parse_value,
    to_modelfile,
)
from kodesk.core.settings_labels import Labels
from kodesk.core.settings_schema import BY_KEY
from kodesk.core.transfer_meter import TransferMeter


def test_labels_pick_the_language_and_place_mnemonics() -> None:
    ko, en = Labels("ko"), Labels("en")
    assert ko("받기", "Pull") == "받기" and en("받기", "Pull") == "Pull"
    assert ko.mnemonic("받기", "&Pull") == "받기(&P)"
    assert ko.mnemonic("삭제…", "De&lete…") == "삭제…(&L)"
    assert en.mnemonic("받기", "&Pull") == "&Pull"
    assert ko.choice("engine.kind", "embedded") == "내장 엔진 (llama.cpp)"
    assert en.choice("engine.kind", "embedded") == "Embedded (llama.cpp)"
    assert ko.choice("model.default", "x") == "x"  # no choices: the value itself


def test_setting_words_come_from_the_schema_entry() -> None:
    ko, en = Labels("ko"), Labels("en")
    setting = BY_KEY["ollama.connect_timeout"]
    assert en.setting(setting.key) == setting.label.en == "&Connect timeout (s)"
    assert ko.setting(setting.key) == f"{setting.label.ko}(&C)"
    assert ko.description(setting.key) == setting.description.ko
    assert en.description(setting.key) == setting.description.en


def test_progress_lines_in_korean() -> None:
    ko, en = Labels("ko"), Labels("en")
    assert ko.progress("pulling manifest") == "매니페스트 받는 중"
    assert ko.progress("pulling 6a0746a1ec1a") == "6a0746a1ec1a 받는 중"
    assert ko.progress("using autodetected template llama3-instruct") == (
        "자동으로 찾은 템플릿 사용: llama3-instruct"
    )
    assert ko.progress("quantizing F16 model to Q4_K_M") == "F16 모델을 Q4_K_M(으)로 양자화하는 중"
    assert ko.progress("success") == "완료"
    assert ko.progress("something new") == "something new"  # shown as the server wrote it
    assert en.progress("pulling manifest") == "pulling manifest"


def test_sizes_and_speeds_read_like_ollamas() -> None:
    assert human_size(4_920_000_000) == "4.9 GB"
    assert human_size(1_600_000_000) == "1.6 GB"
    assert human_size(512) == "512 B"
    assert human_size(12_300_000) == "12.3 MB"
    assert megabytes_of(120_000_000, 4_920_000_000) == "120.0 / 4,920.0 MB"
    assert speed(12_340_000) == "12.3 MB/s"
    assert local_time("2026-11-01T10:00:00.000000+09:00") == "2026-11-01 10:00"
    assert local_time("yesterday") == "yesterday"


def test_transfer_meter_sums_parts_and_measures_speed() -> None:
    now = [100.0]
    meter = TransferMeter(clock=lambda: now[0])
    assert meter.describe() == "" and meter.rate() == 0.0
    meter.update("sha256:a", None, 40_000_000)
    meter.update("sha256:a", 0, 40_000_000)
    meter.update("sha256:b", None, 10_000_000)
    now[0] = 102.0
    meter.update("sha256:a", 20_000_000, 40_000_000)
    assert (meter.completed, meter.total, meter.percent) == (20_000_000, 50_000_000, 40)
    assert meter.rate() == 10_000_000
    assert meter.describe() == "20.0 / 50.0 MB · 10.0 MB/s"


def test_overrides_modelfile_round_trip() -> None:
    overrides = {
        "temperature": 0.1,
        "top_k": 20,
        "num_predict": -1,
        "stop": ["<|eot_id|>", "</s>"],
        "system": "짧게.\n존댓말로.",
        "keep_alive": "10m",
    }
    modelfile = to_modelfile("exaone3.5:7.8b", overrides)
    text = render_modelfile(modelfile)
    assert "keep_alive" not in text
    back, skipped = from_modelfile(parse_modelfile(text))
    assert back == {k: v for k, v in overrides.items() if k != "keep_alive"}
    assert skipped == []
    spec = derived_spec("exaone-short", "exaone3.5:7.8b", overrides)
    assert spec.from_model == "exaone3.5:7.8b" and spec.system == "짧게.\n존댓말로."
    assert dict(spec.parameters) == {
        "temperature": 0.1,
        "top_k": 20,
        "num_predict": -1,
        "stop": ["<|eot_id|>", "</s>"],
    }


def test_override_values_are_read_as_ollama_reads_them() -> None:
    assert parse_value(BY_NAME["temperature"], ".75") == 0.75
    assert parse_value(BY_NAME["num_ctx"], "8192") == 8192
    with pytest.raises(ValueError, match="num_ctx"):
        parse_value(BY_NAME["num_ctx"], "8k")
    with pytest.raises(ValueError, match="outside"):
        parse_value(BY_NAME["top_p"], "1.5")
