"""Shared fixtures: the fake Ollama server and an isolated settings location; the check that
fails a test during which kodesk logged an error; the `inference` marking at collection."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import re
from collections.abc import Coroutine, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest

from tests.fake_ollama import FakeOllama
from tests.fake_wsl.harness import FAKE_DIR, FakeWindows
from tests.xdisplay import xvfb

# Desktop tests run offscreen unless a test starts its own display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

T = TypeVar("T")

#: Fixtures that need the `embedded` extra (llama.cpp, or the built-in Gemma GGUF package).
#: A test that uses one, directly or through another fixture, is marked `inference` when it
#: is collected, so the quick tier deselects it instead of failing or skipping it at run time.
EMBEDDED_EXTRA_FIXTURES = frozenset({"llama_cpp", "gemma_gguf", "real_gemma", "gemma_path"})

#: Loggers whose ERROR records fail the test: kodesk's own, and the event loops' (asyncio's,
#: and qasync's, which reports the same through its own logger): a task exception never
#: retrieved, a pending task destroyed, an exception in a callback.
WATCHED_LOGGERS = ("kodesk", "asyncio", "qasync")

ERROR_RECORDS = pytest.StashKey["ErrorRecords"]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if EMBEDDED_EXTRA_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.inference)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The modules, data and test items loaded by now live for the whole session: move them
    out of the garbage collector's sight, so that the collections the tests and fixtures
    run (several per desktop test) scan only what the tests create."""
    gc.collect()
    gc.freeze()


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


@pytest.fixture(scope="session")
def llama_cpp() -> ModuleType:
    """The `llama_cpp` module (the `embedded` extra): tests using it are `inference` tests."""
    return importlib.import_module("llama_cpp")


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    fake = FakeOllama().start()
    fake.add_model("exaone3.5:2.4b")
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.toml"


@pytest.fixture
def fake_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeWindows:
    """Fake `wsl.exe` and `tasklist.exe` first on PATH, scripted through a state file."""
    monkeypatch.setenv("PATH", f"{FAKE_DIR}:{os.environ['PATH']}")
    windows = FakeWindows(tmp_path)
    monkeypatch.setenv("FAKE_WSL_STATE", str(windows.state_path))
    return windows


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    """A private Xvfb display (":N") for a test that runs something under X."""
    with xvfb() as display:
        yield display


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine on a fresh event loop (engine tests need no Qt)."""
    return asyncio.run(coro)
