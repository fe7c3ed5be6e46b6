"""Every failure of the fault matrix ends in one message with a hint, within its bound,
and the README's table is the one these cases make."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fault_matrix import CASES, README, FaultCase, generated_rows, readme_rows, run_case


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_fault_is_one_message_with_a_hint_in_bounded_time(
    case: FaultCase, tmp_path: Path
) -> None:
    error, seconds = run_case(case, tmp_path)
    assert error.message("en") and error.message("ko") != error.message("en")
    assert error.hint is not None and error.hint_text("en") and error.hint_text("ko")
    assert "Traceback" not in error.explain("en")
    assert seconds < case.bound


def test_the_readme_matrix_is_made_from_these_cases(tmp_path: Path) -> None:
    results = []
    for i, case in enumerate(CASES):
        folder = tmp_path / str(i)
        folder.mkdir()
        results.append((case, *run_case(case, folder)))
    assert readme_rows(README.read_text(encoding="utf-8")) == generated_rows(results), (
        "README.md's fault matrix is stale: run `python -m tests.fault_matrix --write`"
    )
