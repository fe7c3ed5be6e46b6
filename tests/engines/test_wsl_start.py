""" "Start Ollama in WSL" with a fake wsl.exe that really starts a server (or fails)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from kodesk.engines.wsl import OllamaStarter, StartStatus, Wsl
from tests.fake_wsl.harness import FakeWindows, free_port

UBUNTU = {"name": "Ubuntu", "running": True, "ips": "127.0.0.2", "ollama": True}


@pytest.fixture
def fake(fake_windows: FakeWindows) -> FakeWindows:
    return fake_windows


@pytest.fixture
def starter() -> Iterator[OllamaStarter]:
    made = OllamaStarter(Wsl(timeout=5), port=free_port(), ready_timeout=10, poll_interval=0.1)
    yield made
    if made.process is not None:
        made.process.terminate()
        made.process.wait(timeout=10)


def run(starter: OllamaStarter, distro: str) -> list[StartStatus]:
    async def collect() -> list[StartStatus]:
        return [status async for status in starter.start(distro)]

    return asyncio.run(collect())


def test_starts_ollama_and_reports_progress(fake: FakeWindows, starter: OllamaStarter) -> None:
    fake.update(distros=[UBUNTU], serve={"host": "127.0.0.2", "port": starter.port, "delay": 0.5})
    statuses = run(starter, "Ubuntu")
    stages = [s.stage for s in statuses]
    assert stages[:2] == ["checking", "starting"]
    assert "waiting" in stages
    assert stages[-1] == "ready"
    assert statuses[-1].url == f"http://127.0.0.2:{starter.port}"
    fractions = [s.fraction for s in statuses if s.stage == "waiting"]
    assert fractions == sorted(fractions)
    serve_call = next(c for c in fake.calls() if "ollama serve" in " ".join(c))
    assert serve_call[serve_call.index("-e") + 1 :][-2:] == [
        f"0.0.0.0:{starter.port}",
        "/tmp/kodesk-ollama.log",
    ]
    log = (fake.root / "tmp" / "kodesk-ollama.log").read_text(encoding="utf-8")
    assert f"OLLAMA_HOST=0.0.0.0:{starter.port}" in log


def test_failure_shows_the_log_tail(fake: FakeWindows, starter: OllamaStarter) -> None:
    failure = "Error: listen tcp 0.0.0.0:11434: bind: address already in use"
    fake.update(
        distros=[UBUNTU],
        serve={"host": "127.0.0.2", "port": starter.port, "delay": 0.1, "fail": failure},
    )
    last = run(starter, "Ubuntu")[-1]
    assert last.stage == "failed"
    assert "exited (code 1)" in last.message.en
    assert failure in last.log_tail


def test_distro_without_ollama(fake: FakeWindows, starter: OllamaStarter) -> None:
    fake.update(distros=[{**UBUNTU, "ollama": False}])
    statuses = run(starter, "Ubuntu")
    assert [s.stage for s in statuses] == ["checking", "failed"]
    assert "install.sh" in statuses[-1].message.en
    assert starter.process is None


def test_timeout_stops_the_server_and_shows_the_log(
    fake: FakeWindows, starter: OllamaStarter
) -> None:
    # The server comes up on an address nobody probes, so it never "answers".
    fake.update(distros=[UBUNTU], serve={"host": "127.0.0.9", "port": starter.port})
    starter.ready_timeout = 2
    last = run(starter, "Ubuntu")[-1]
    assert last.stage == "failed"
    assert "did not answer within 2 s" in last.message.en
    assert "Listening on" in last.log_tail
    assert starter.process is not None and starter.process.poll() is not None
