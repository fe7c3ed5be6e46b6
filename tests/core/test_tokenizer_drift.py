"""Planned prompt size vs the server's prompt_eval_count."""

from __future__ import annotations

from kodesk.core.token_drift import DriftLog, measure_drift


def test_agreement_is_not_truncation() -> None:
    d = measure_drift(1000, 1003, num_ctx=4096)
    assert d.drift == 3
    assert d.ratio == 1.003
    assert not d.truncated


def test_smaller_count_over_context_is_truncation() -> None:
    d = measure_drift(9000, 4096, num_ctx=4096)
    assert d.truncated
    assert d.drift == -4904


def test_smaller_count_within_context_is_the_prompt_cache() -> None:
    assert not measure_drift(3000, 40, num_ctx=4096).truncated


def test_unknown_context_and_missing_count() -> None:
    assert measure_drift(3000, 1000).truncated
    assert not measure_drift(3000, 2990).truncated  # within tolerance
    d = measure_drift(3000, None, num_ctx=4096)
    assert d.drift is None and d.ratio is None and not d.truncated


def test_log_keeps_recent_measurements() -> None:
    log = DriftLog(size=3)
    assert log.largest_excess() == 0
    log.add(measure_drift(100, 112, 4096))
    log.add(measure_drift(9000, 4096, 4096))
    log.add(measure_drift(100, 105, 4096))
    assert log.largest_excess() == 12
    assert log.truncations == 1
    log.add(measure_drift(100, 100, 4096))
    log.add(measure_drift(100, 100, 4096))
    assert len(log) == 3
    assert log.largest_excess() == 5
