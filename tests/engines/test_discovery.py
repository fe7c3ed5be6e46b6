"""Endpoint discovery against real HTTP servers on 127.0.0.x and a fake wsl.exe."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kodesk.engines.discovery import (
    SOURCE_CONFIGURED,
    SOURCE_DEFAULT,
    SOURCE_ENV,
    Discovery,
    DiscoveryResult,
    read_networking_mode,
    tasklist_has_ollama,
)
from kodesk.engines.wsl import Wsl
from tests.fake_wsl.harness import FakeWindows, free_port, version_servers
from tests.fake_wsl.version_server import VersionServer

UBUNTU = {"name": "Ubuntu", "running": True, "ips": "127.0.0.2 10.8.0.2", "ollama": True}
DEBIAN = {"name": "Debian", "running": False, "ips": "127.0.0.3", "ollama": True}
DOCKER = {"name": "docker-desktop", "running": True, "ips": "127.0.0.4", "ollama": False}


@pytest.fixture
def fake(fake_windows: FakeWindows) -> FakeWindows:
    return fake_windows


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def silent_socket() -> Iterator[socket.socket]:
    """Accepts connections (backlog) and never answers: a probe must time out."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock
    sock.close()


def discover(**kwargs: object) -> DiscoveryResult:
    return asyncio.run(Discovery(**kwargs).discover())  # type: ignore[arg-type]


def test_linux_merges_sources_and_rewrites_wildcard(port: int) -> None:
    with version_servers(("127.0.0.1", port, "0.9.6")):
        result = discover(
            configured=f"127.0.0.1:{port}",
            environ={"OLLAMA_HOST": f"0.0.0.0:{port}"},
            windows=False,
            port=port,
        )
    [probe] = result.probes
    assert probe.url == f"http://127.0.0.1:{port}"
    assert probe.candidate.sources == (SOURCE_CONFIGURED, SOURCE_ENV, SOURCE_DEFAULT)
    assert probe.ok and probe.version == "0.9.6" and probe.served_by == "local"
    assert result.best() == probe
    assert result.distros == () and not result.checked_wsl


def test_order_and_failures_are_classified(port: int, silent_socket: socket.socket) -> None:
    silent_port = silent_socket.getsockname()[1]
    other = VersionServer("127.0.0.1", 0, body=b"<html>not ollama</html>").start()
    try:
        with version_servers(("127.0.0.1", port, "0.5.4")):
            result = discover(
                configured=f"http://127.0.0.1:{silent_port}",
                environ={"OLLAMA_HOST": other.url},
                windows=False,
                port=port,
                probe_timeout=0.5,
            )
    finally:
        other.stop()
    statuses = [(p.candidate.sources, p.status) for p in result.probes]
    assert statuses == [
        ((SOURCE_CONFIGURED,), "timeout"),
        ((SOURCE_ENV,), "not_ollama"),
        ((SOURCE_DEFAULT,), "ok"),
    ]
    timeout, other_answer, _ = result.probes
    assert timeout.detail == "no answer within 0.5 s"
    assert timeout.detail_in("ko") == "0.5초 안에 응답 없음"  # kodesk's words, in Korean too
    assert other_answer.detail_in("ko") == "HTTP 200, Ollama 버전 정보 없음"
    assert result.best() is not None and result.best().version == "0.5.4"  # type: ignore[union-attr]


def test_invalid_and_unreachable(port: int) -> None:
    result = discover(
        configured="ftp://example",
        environ={"OLLAMA_HOST": "http://h:99999"},
        windows=False,
        port=port,
    )
    assert [p.status for p in result.probes] == ["invalid", "invalid", "unreachable"]
    assert "unsupported scheme" in result.probes[0].detail
    assert "지원하지 않는 스킴" in result.probes[0].detail_in("ko")
    assert result.probes[2].detail_in("ko") == "연결되지 않음"  # httpx says it in English
    assert result.best() is None


def test_probes_run_concurrently(silent_socket: socket.socket) -> None:
    silent = f"127.0.0.1:{silent_socket.getsockname()[1]}"
    started = time.monotonic()
    result = discover(
        configured=f"http://{silent}/a",
        environ={"OLLAMA_HOST": f"{silent}/b"},
        windows=False,
        port=silent_socket.getsockname()[1],
        probe_timeout=1.0,
    )
    elapsed = time.monotonic() - started
    assert [p.status for p in result.probes] == ["timeout"] * 3
    assert elapsed < 2.5, f"three 1 s probes took {elapsed:.1f} s: not concurrent"


def test_windows_finds_ollama_in_wsl(fake: FakeWindows, port: int) -> None:
    fake.update(distros=[UBUNTU, DEBIAN, DOCKER])
    with version_servers(("127.0.0.2", port, "0.9.6")):
        result = discover(environ={}, windows=True, port=port)
    assert [p.url for p in result.probes] == [
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.2:{port}",
    ]
    localhost, ubuntu = result.probes
    assert localhost.status == "unreachable"
    assert ubuntu.ok and ubuntu.served_by == "wsl:Ubuntu" and ubuntu.version == "0.9.6"
    assert result.best() == ubuntu
    assert [d.name for d in result.distros] == ["Ubuntu", "Debian", "docker-desktop"]
    assert result.windows_ollama is False and not result.shadowing


def test_windows_ollama_shadows_wsl(fake: FakeWindows, port: int) -> None:
    fake.update(distros=[UBUNTU], windows_ollama=True)
    with version_servers(("127.0.0.1", port, "0.12.0"), ("127.0.0.2", port, "0.9.6")):
        result = discover(environ={}, windows=True, port=port)
    localhost, ubuntu = result.probes
    assert localhost.served_by == "windows" and localhost.version == "0.12.0"
    assert ubuntu.served_by == "wsl:Ubuntu"
    assert result.shadowing


def test_localhost_forwarded_into_wsl_is_identified(fake: FakeWindows, port: int) -> None:
    fake.update(distros=[UBUNTU])
    with version_servers(("127.0.0.1", port, "0.9.6"), ("127.0.0.2", port, "0.9.6")):
        result = discover(environ={}, windows=True, port=port)
    assert result.probes[0].served_by == "wsl:Ubuntu"
    assert not result.shadowing


def test_hung_wsl_does_not_hold_up_discovery(fake: FakeWindows, port: int) -> None:
    fake.update(distros=[UBUNTU], hang=["list"])
    started = time.monotonic()
    with version_servers(("127.0.0.1", port, "0.9.6")):
        result = discover(environ={}, windows=True, port=port, wsl=Wsl(timeout=0.5))
    assert time.monotonic() - started < 4
    assert "took over 0.5 s" in result.wsl_error
    assert result.best() is not None and result.distros == ()


def test_start_offers_when_nothing_answers(fake: FakeWindows, port: int) -> None:
    fake.update(distros=[UBUNTU, DEBIAN, DOCKER, {**UBUNTU, "name": "Alpine", "ollama": False}])
    result = discover(environ={}, windows=True, port=port)
    assert result.best() is None
    assert result.start_offers() == ["Ubuntu", "Debian"]


def test_tasklist_answers(fake: FakeWindows) -> None:
    assert asyncio.run(tasklist_has_ollama()) is False
    fake.update(windows_ollama=True)
    assert asyncio.run(tasklist_has_ollama()) is True
    fake.update(tasklist_fails=True)
    assert asyncio.run(tasklist_has_ollama()) is None
    assert asyncio.run(tasklist_has_ollama("no-such-tasklist.exe")) is None


def test_networking_mode(tmp_path: Path) -> None:
    config = tmp_path / ".wslconfig"
    assert read_networking_mode(config) == "nat"
    config.write_text("\ufeff[wsl2]\nmemory=8GB\nnetworkingMode=Mirrored\n", encoding="utf-8")
    assert read_networking_mode(config) == "mirrored"
    config.write_text("not an ini file", encoding="utf-8")
    assert read_networking_mode(config) == "nat"
    assert read_networking_mode(None) == "nat"
