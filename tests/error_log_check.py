"""Fails a test during which kodesk, asyncio or qasync logged at ERROR (a pytest plugin,
loaded by tests/conftest.py).

A test that provokes such a record on purpose declares it, narrowly:
`@pytest.mark.allow_error_log(r"regex the message must match")`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import Iterator

import pytest

#: Loggers whose ERROR records fail the test: kodesk's own, and the event loops' (asyncio's,
#: and qasync's, which reports the same through its own logger): a task exception never
#: retrieved, a pending task destroyed, an exception in a callback.
WATCHED_LOGGERS = ("kodesk", "asyncio", "qasync")

ERROR_RECORDS = pytest.StashKey["ErrorRecords"]()


class ErrorRecords(logging.Handler):
    """Collects ERROR records of the watched loggers that the test did not declare."""

    def __init__(self, allowed: list[re.Pattern[str]]) -> None:
        super().__init__(logging.ERROR)
        self.allowed = allowed
        self.unexpected: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not any(p.search(record.getMessage()) for p in self.allowed):
            self.unexpected.append(record)

    def check(self, when: str) -> None:
        """Fail with every unexpected record collected so far (each reported once)."""
        found, self.unexpected = self.unexpected, []
        if found:
            lines = "\n".join(f"  {r.name} {r.levelname}: {self.format(r)}" for r in found)
            pytest.fail(f"logged at ERROR {when} (fix it, or mark allow_error_log):\n{lines}")


def _allowed_patterns(item: pytest.Item) -> list[re.Pattern[str]]:
    patterns = []
    for marker in item.iter_markers("allow_error_log"):
        if not marker.args or not all(isinstance(a, str) and a for a in marker.args):
            raise pytest.UsageError(f"{item.nodeid}: allow_error_log needs message regexes")
        patterns.extend(re.compile(a) for a in marker.args)
    return patterns


def _tasks_alive() -> bool:
    """Whether an asyncio Task object still exists, so that collecting garbage may run a
    finished task's destructor (which logs an exception nobody retrieved).

    A full collection costs up to a second with this suite's heap; most tests leave no
    task behind, so they skip it. asyncio's registry of tasks is private (Python 3.11:
    `asyncio.tasks._all_tasks`); without it, always collect.
    """
    registry = getattr(asyncio.tasks, "_all_tasks", None)
    return registry is None or len(registry) > 0


@pytest.fixture(autouse=True)
def fail_on_error_log(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if kodesk or asyncio logged at ERROR or above while it ran.

    Set up before the test's other fixtures, so its teardown runs after theirs: records
    logged while they close (an event loop, a server) count too, and so do the ones a
    pending task's destructor logs once `gc.collect()` finds it. A test that provokes such
    a record on purpose declares it: `@pytest.mark.allow_error_log(r"message regex")`.
    """
    records = ErrorRecords(_allowed_patterns(request.node))
    request.node.stash[ERROR_RECORDS] = records
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(records)
    try:
        yield
        if _tasks_alive():
            gc.collect()
    finally:
        for logger in loggers:
            logger.removeHandler(records)
    records.check("while the test's fixtures closed")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Report records logged during the test body as a failure of the test itself."""
    result = yield
    records = item.stash.get(ERROR_RECORDS, None)
    if records is not None:
        records.check("during the test")
    return result
