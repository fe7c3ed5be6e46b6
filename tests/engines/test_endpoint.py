from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kodesk.core.errors import EngineUnreachable
from kodesk.engines.endpoint import (
    EndpointError,
    endpoint_warnings,
    normalize_host,
    resolve_host,
    server_version,
)
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


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("ftp://x", "unsupported scheme 'ftp' (use http:// or https://)"),
        ("file:/etc/passwd", "unsupported scheme 'file' (use http:// or https://)"),
        ("file:", "there is no port number after ':'"),
        ("host:0", "the port 0 is outside 1–65535"),
        ("host:70000", "the port 70000 is outside 1–65535"),
        ("host:+80", "the port '+80' is not a number"),
        ("[::1", "an '[' has no closing ']'"),
        ("::1]", "a ']' has no opening '['"),
        ("[::1]x", "unexpected 'x' after ']'"),
        ("[localhost]:80", "'localhost' is not an IPv6 address"),
        ("local host:11434", "it contains spaces or control characters"),
        ("http://host/a\x1b]0;x\x07", "it contains spaces or control characters"),
        ("http://", "there is no host name"),
        ("https:///path", "there is no host name"),
        ("http://user:pw@host", "a user name or password (@) cannot be part of it"),
        ("http://host/?q=1", "a query (?) or fragment (#) cannot be part of it"),
        ("bad_host!:1", "'bad_host!' is not a valid host name"),
        ("1.2.3", "'1.2.3' is not an IPv4 address"),
        ("0.0.0.0000", "'0.0.0.0000' is not an IPv4 address"),
        ("x" * 3000, "longer than 2,048 characters"),
    ],
)
def test_malformed_endpoints_say_what_is_wrong(value: str, problem: str) -> None:
    with pytest.raises(EndpointError) as info:
        normalize_host(value)
    assert info.value.problem.en == problem
    assert info.value.problem.ko  # every problem is said in Korean too
    assert info.value.source is None
    assert info.value.message("en").startswith("Cannot use the Ollama address '")
    assert "\x1b" not in info.value.message("en")  # the value is shown escaped


@pytest.mark.parametrize(
    ("cli", "setting", "env", "source", "where"),
    [
        ("ftp://a", "", {}, "--host", "from --host"),
        (None, "host:70000", {}, "setting", "from the ollama.endpoint setting"),
        (None, "", {"OLLAMA_HOST": "[::1"}, "OLLAMA_HOST", "from the OLLAMA_HOST environment"),
        # the first value given is the one used: a bad later one does not matter
        ("127.0.0.1:1", "", {"OLLAMA_HOST": "ftp://a"}, None, ""),
    ],
)
def test_resolve_names_where_the_bad_value_came_from(
    cli: str | None, setting: str, env: dict[str, str], source: str | None, where: str
) -> None:
    if source is None:
        assert resolve_host(cli, setting, env) == "http://127.0.0.1:1"
        return
    with pytest.raises(EndpointError) as info:
        resolve_host(cli, setting, env)
    error = info.value
    assert error.source == source
    assert where in error.message("en")
    assert error.value in error.message("en")
    assert error.hint is not None and error.hint_text("ko") and error.hint_text("en")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:11434",
        "http://[::1]:11434",
        "http://localhost:11434",
        "http://172.28.1.9:11434",  # a WSL distro
        "http://192.168.0.10:11434",
        "http://10.0.0.2:11434",
        "http://169.254.3.4:11434",
        "http://[fd00::1]:11434",
        "http://[::ffff:192.168.1.2]:11434",
        "http://gpu-box:11434",
        "http://gpu-box.local:11434",
        "http://host.docker.internal:11434",
    ],
)
def test_local_endpoints_have_no_warning(url: str) -> None:
    assert endpoint_warnings(url) == []


def test_remote_endpoints_warn_and_plain_http_is_called_unencrypted() -> None:
    (leaves,) = endpoint_warnings("https://ollama.example.com:443")
    assert "leave this machine" in leaves.en and "ollama.example.com" in leaves.en
    assert leaves.ko
    warnings = endpoint_warnings("http://8.8.8.8:11434")
    assert len(warnings) == 2
    assert "leave this machine" in warnings[0].en
    assert "unencrypted" in warnings[1].en and "암호화" in warnings[1].ko
    assert len(endpoint_warnings("http://[2001:4860::1]:11434")) == 2


# -- fuzzing: any string is an endpoint or an EndpointError, quickly -----------------------

_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "ftp://",
        "file:",
        "HTTP://",
        "://",
        "[",
        "]",
        "[::1]",
        "::",
        ":",
        "@",
        "/",
        "//",
        "?",
        "#",
        "%",
        "%2",
        "%41",
        " ",
        "\t",
        "\x00",
        "\x1b",
        "0.0.0.0",
        "127.0.0.1",
        "localhost",
        "한국",
        "例え",
        "xn--",
        "-",
        "_",
        ".",
        "..",
        "0",
        "11434",
        "65535",
        "65536",
        "99999999999999999999",
        "٣",
        "fe80::1%eth0",
        "\u200b",
        "\ud800",
    ]
)
ENDPOINTISH = st.one_of(
    st.text(max_size=80),
    st.lists(_PIECES, max_size=8).map("".join),
    st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=6).map("".join),
)


def _parse(value: str) -> str | EndpointError:
    started = time.perf_counter()
    try:
        result: str | EndpointError = normalize_host(value)
    except EndpointError as exc:  # anything else fails the test
        result = exc
    assert time.perf_counter() - started < 0.2, f"{value!r} took too long"
    return result


@settings(max_examples=400, deadline=timedelta(milliseconds=200))
@given(ENDPOINTISH)
def test_fuzz_any_string_is_an_endpoint_or_an_endpoint_error(value: str) -> None:
    result = _parse(value)
    if isinstance(result, EndpointError):
        assert result.problem.en and result.problem.ko
        return
    # A parsed endpoint is a plain ASCII URL that reads back as itself, and that the
    # HTTP client reads as the same scheme, host and port.
    assert result.isascii() and result == result.strip()
    assert normalize_host(result) == result
    url = httpx.URL(result)
    parts = urlsplit(result)
    assert url.scheme == parts.scheme in ("http", "https")
    assert url.raw_host.decode() == parts.hostname and url.port in (parts.port, None)
    assert url.host  # shown (IDNA-decoded) without an error
    assert isinstance(endpoint_warnings(result), list)


@settings(max_examples=100, deadline=timedelta(milliseconds=200))
@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40))
def test_fuzz_resolve_host_is_an_endpoint_or_an_error_naming_its_source(
    cli: str, setting: str, env: str
) -> None:
    try:
        resolve_host(cli, setting, {"OLLAMA_HOST": env})
    except EndpointError as exc:
        assert exc.source in ("--host", "setting", "OLLAMA_HOST")


def test_a_huge_value_is_refused_fast() -> None:
    started = time.perf_counter()
    for value in ("a" * 10_000_000, "[" * 100_000, ":" * 100_000, "a." * 1000 + "!"):
        with pytest.raises(EndpointError):
            normalize_host(value)
    assert time.perf_counter() - started < 1.0
