"""The start-up "is Ollama there?" probe without httpx: answers, failures, bounds."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from kodesk.core.errors import EngineUnreachable
from kodesk.engines.version_probe import MAX_RESPONSE, probe_version
from tests.conftest import run_async
from tests.fake_ollama import FakeOllama


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_reads_the_version_of_the_fake_server(fake_ollama: FakeOllama) -> None:
    assert run_async(probe_version(fake_ollama.url, 3.0)) == "0.33.1"


def test_nothing_listening_is_unreachable() -> None:
    with pytest.raises(EngineUnreachable, match="ConnectionRefusedError"):
        run_async(probe_version("http://127.0.0.1:9", 1.0))


async def serve_once(
    reply: bytes | None, release: asyncio.Event | None = None
) -> tuple[str, asyncio.Server]:
    """A server that answers `reply`, or for None says nothing until `release` is set."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if reply is None:
            assert release is not None
            await release.wait()
        else:
            writer.write(reply)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}", server


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        (b"HTTP/1.1 500 Internal Server Error\r\n\r\n{}", "HTTP 500"),
        (b"HTTP/1.1 200 OK\r\n\r\n<html>not ollama</html>", "not JSON"),
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", "no HTTP reply"),
        (b"HTTP/1.1 200 OK\r\n\r\n" + b"[" * (2 * MAX_RESPONSE), "oversized reply"),
    ],
)
def test_a_reply_that_is_not_a_version_is_a_typed_error(reply: bytes, detail: str) -> None:
    async def scenario() -> None:
        url, server = await serve_once(reply)
        async with server:
            with pytest.raises(EngineUnreachable, match=detail):
                await probe_version(url, 3.0)

    run_async(scenario())


def test_a_server_that_never_answers_fails_within_the_wait() -> None:
    async def scenario() -> float:
        release = asyncio.Event()
        url, server = await serve_once(None, release)
        async with server:
            started = time.monotonic()
            with pytest.raises(EngineUnreachable, match="ConnectTimeout"):
                await probe_version(url, 0.3)
            elapsed = time.monotonic() - started
            release.set()
            await asyncio.sleep(0)  # let the handler close its side
            return elapsed

    assert run_async(scenario()) < 2.0


def test_https_and_proxies_are_left_to_the_http_client(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_async(probe_version("https://ollama.example:443", 1.0)) is None
    monkeypatch.setenv("HTTP_PROXY", "http://proxy:3128")
    assert run_async(probe_version("http://127.0.0.1:11434", 1.0)) is None


def test_the_probe_does_not_load_httpx() -> None:
    code = "import sys, kodesk.engines.version_probe; print('httpx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"
