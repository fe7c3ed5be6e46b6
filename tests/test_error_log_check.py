"""The error-log check fails the tests it should, and only those (run on an inner pytest)."""

from __future__ import annotations

import pytest

INNER_TESTS = """
import asyncio
import logging

import pytest


def test_kodesk_logs_an_error():
    logging.getLogger("kodesk.core.runner").error("broken thing")


def test_a_task_exception_is_never_retrieved():
    async def boom():
        raise ValueError("lost")

    async def main():
        asyncio.ensure_future(boom())
        await asyncio.sleep(0)  # boom runs, and nobody looks at its exception

    asyncio.run(main())


@pytest.mark.allow_error_log(r"^broken thing$")
def test_a_declared_error():
    logging.getLogger("kodesk").error("broken thing")


@pytest.mark.allow_error_log(r"^another thing$")
def test_an_error_other_than_the_declared_one():
    logging.getLogger("kodesk").error("broken thing")


def test_a_warning_and_another_library_s_error():
    logging.getLogger("kodesk").warning("only a warning")
    logging.getLogger("httpx").error("not kodesk's")
"""


# The inner tests' records reach this test's own check too: declared here.
@pytest.mark.allow_error_log(r"^broken thing$", r"^Task exception was never retrieved")
def test_errors_fail_the_test_unless_declared(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_inprocess("-p", "tests.error_log_check", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=3)
    failed = {r.nodeid.split("::")[-1] for r in result.reprec.getfailures()}  # type: ignore[attr-defined]
    assert failed == {
        "test_kodesk_logs_an_error",
        "test_a_task_exception_is_never_retrieved",
        "test_an_error_other_than_the_declared_one",
    }
    result.stdout.fnmatch_lines(
        ["*logged at ERROR during the test*", "*kodesk.core.runner ERROR: broken thing*"]
    )


def test_the_marker_needs_a_pattern(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="import pytest\n\n@pytest.mark.allow_error_log()\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest_inprocess("-p", "tests.error_log_check", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*allow_error_log needs message regexes*"])
