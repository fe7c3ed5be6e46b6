"""Shared fixtures: the fake Ollama server and an isolated settings location."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.fake_ollama import FakeOllama
from tests.fake_wsl.harness import FAKE_DIR, FakeWindows
from tests.xdisplay import xvfb

# Desktop tests run offscreen unless a test starts its own display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

T = TypeVar("T")


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
