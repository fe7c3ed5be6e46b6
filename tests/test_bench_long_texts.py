"""`benchmarks/bench_long_texts.py --short` (the CI mode) runs, writes its figures, and
kodesk's plans hold against the baselines it measures: the article read whole with one
load, and no more reloads over the mixed sequence than the old or the never-shrinking
num_ctx."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIELDS = {
    "requests",
    "num_ctx",
    "reloads",
    "avoidable_reloads",
    "simulated_s",
    "vs_baseline",
    "truncated_requests",
    "refused_requests",
    "dropped_tokens",
    "whole_text",
    "loaded_before",
}


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "long_texts.json"
    script = ROOT / "benchmarks" / "bench_long_texts.py"
    done = subprocess.run(
        [sys.executable, str(script), "--short", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "1. One-line summary" in done.stdout and "kodesk (ladder" in done.stdout
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


@pytest.mark.slow
def test_the_json_has_every_figure(figures: dict[str, Any]) -> None:
    assert figures["benchmark"] == "long_texts"
    article, mixed = figures["article"], figures["mixed"]
    assert set(article["plans"]) == {
        "trained",
        "kodesk",
        "kodesk_after_short",
        "kodesk_max_ctx_trained",
        "default",
    }
    assert set(mixed["plans"]) == {"needed", "largest_so_far", "largest_known", "kodesk"}
    for part in (article, mixed):
        assert part["plans"][part["baseline"]]["vs_baseline"] == 1.0
        for plan in part["plans"].values():
            assert set(plan) >= FIELDS
            assert plan["simulated_s"] > 0 and plan["requests"] >= 1
    assert mixed["texts"] == len(mixed["needed_tokens"]) == 10


@pytest.mark.slow
def test_kodesk_reads_the_whole_article_with_one_load(figures: dict[str, Any]) -> None:
    plans = figures["article"]["plans"]
    for key in ("kodesk", "kodesk_after_short", "kodesk_max_ctx_trained"):
        assert plans[key]["whole_text"] is True
        assert plans[key]["reloads"] == 1  # the one load a text over 4,096 tokens needs
    assert plans["kodesk_after_short"]["loaded_before"] == 4096
    assert plans["kodesk"]["loaded_before"] is None
    assert plans["trained"]["whole_text"] is True
    cut = plans["default"]
    assert cut["whole_text"] is False and cut["truncated_requests"] == 1
    assert cut["dropped_tokens"] > figures["article"]["prompt_tokens"] // 2


@pytest.mark.slow
def test_kodesk_reloads_no_more_than_the_baselines(figures: dict[str, Any]) -> None:
    plans = figures["mixed"]["plans"]
    kodesk = plans["kodesk"]
    assert kodesk["avoidable_reloads"] == 0
    assert kodesk["reloads"] <= plans["needed"]["reloads"]
    assert kodesk["reloads"] <= plans["largest_so_far"]["reloads"]
    assert kodesk["simulated_s"] <= plans["needed"]["simulated_s"]
    assert kodesk["whole_text"] is True
