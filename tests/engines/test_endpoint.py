from __future__ import annotations

import pytest

from kodesk.core.errors import EngineUnreachable
from kodesk.engines.endpoint import EndpointError, normalize_host, resolve_host, server_version
from tests.conftest import run_async
from tests.fake_ollama import FakeOllama


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("0.0.0.0:11434", "http://127.0.0.1:11434"),
        ("::", "http://127.0.0.1:11434"),
        ("[::]:8080", "http://127.0.0.1:8080"),
        ("172.28.1.9", "http://172.28.1.9:11434"),
        ("http://172.28.1.9", "http://172.28.1.9:80"),
        ("https://ollama.example.com", "https://ollama.example.com:443"),
        ("example.com:1234", "http://example.com:1234"),
        ("[::1]:11434", "http://[::1]:11434"),
        (" http://localhost:11434/ ", "http://localhost:11434"),
        ("http://host:1/base/", "http://host:1/base"),
    ],
)
def test_normalize_like_ollama(value: str, url: str) -> None:
    assert normalize_host(value) == url


@pytest.mark.parametrize("value", ["ftp://x", "host:99999", "host:abc", "[::1"])
def test_bad_hosts(value: str) -> None:
    with pytest.raises(EndpointError):
        normalize_host(value)


def test_resolution_order() -> None:
    env = {"OLLAMA_HOST": "0.0.0.0"}
    assert resolve_host("h1:1", "h2:2", env) == "http://h1:1"
    assert resolve_host(None, "h2:2", env) == "http://h2:2"
    assert resolve_host(None, "", env) == "http://127.0.0.1:11434"
    assert resolve_host(None, "", {"OLLAMA_HOST": "10.1.1.1"}) == "http://10.1.1.1:11434"
    assert resolve_host(None, "", {}) == "http://127.0.0.1:11434"


def test_server_version_probe(fake_ollama: FakeOllama) -> None:
    assert run_async(server_version(fake_ollama.url)) == "0.33.1"
    with pytest.raises(EngineUnreachable):
        run_async(server_version("http://127.0.0.1:9", 1.0))
