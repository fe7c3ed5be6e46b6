"""Shared fixtures: the fake Ollama server and an isolated settings location; the `inference`
marking at collection; the check that fails a test during which kodesk logged an error
(tests/error_log_check.py)."""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
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

pytest_plugins = ["tests.error_log_check", "pytester"]

T = TypeVar("T")

#: Fixtures that need the `embedded` extra (llama.cpp, or the built-in Gemma GGUF package)
#: or the `testmodels` one (`qwen_coder`). A test that uses one, directly or through another
#: fixture, is marked `inference` when it is collected, so the quick tier deselects it
#: instead of failing or skipping it at run time.
EMBEDDED_EXTRA_FIXTURES = frozenset(
    {"llama_cpp", "gemma_gguf", "real_gemma", "gemma_path", "qwen_coder"}
)


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


@pytest.fixture(scope="session")
def llama_cpp() -> ModuleType:
    """The `llama_cpp` module (the `embedded` extra): tests using it are `inference` tests."""
    return importlib.import_module("llama_cpp")


@pytest.fixture(scope="session")
def qwen_coder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Qwen2.5-Coder-0.5B-Instruct GGUF (`testmodels` extra), joined once per session."""
    from tests.instruction_ggufs import qwen_coder_gguf

    return qwen_coder_gguf(tmp_path_factory.mktemp("qwen"))


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
