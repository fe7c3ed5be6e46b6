"""Which Ollama URL to dial: `--host`, then the setting, then OLLAMA_HOST, then the default.

`normalize_host` reads a host the way Ollama itself reads OLLAMA_HOST (a bare host
gets port 11434; an explicit `http://` without a port means port 80, `https://` 443),
then makes it dialable: a listen-everywhere address (0.0.0.0, ::) becomes 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434
_WILDCARDS = {"0.0.0.0", "::", ""}


class EndpointError(ValueError):
    pass


def normalize_host(value: str) -> str:
    """A dialable base URL (`scheme://host:port[/path]`) for an OLLAMA_HOST-style value."""
    text = value.strip()
    scheme, sep, rest = text.partition("://")
    default_port = DEFAULT_PORT
    if not sep:
        scheme, rest = "http", text
    elif scheme == "http":
        default_port = 80
    elif scheme == "https":
        default_port = 443
    else:
        raise EndpointError(f"unsupported scheme {scheme!r} in {value!r} (use http or https)")
    hostport, _, path = rest.partition("/")
    host, port = _split_host_port(hostport, default_port, value)
    if host in _WILDCARDS:
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    url = f"{scheme}://{shown}:{port}"
    return f"{url}/{path.rstrip('/')}" if path.strip("/") else url


def _split_host_port(hostport: str, default_port: int, original: str) -> tuple[str, int]:
    if hostport.startswith("["):
        host, bracket, tail = hostport[1:].partition("]")
        if not bracket:
            raise EndpointError(f"unclosed '[' in {original!r}")
        port_text = tail[1:] if tail.startswith(":") else ""
    elif hostport.count(":") == 1:
        host, _, port_text = hostport.partition(":")
    elif hostport.count(":") > 1:  # bare IPv6 address
        host, port_text = hostport, ""
    else:
        host, port_text = hostport, ""
    if host and host not in _WILDCARDS:
        try:
            host = str(ipaddress.ip_address(host))
        except ValueError:
            if any(c.isspace() for c in host):
                raise EndpointError(f"invalid host {host!r} in {original!r}") from None
    if not port_text:
        return host, default_port
    try:
        port = int(port_text)
    except ValueError:
        raise EndpointError(f"invalid port {port_text!r} in {original!r}") from None
    if not 0 < port <= 65535:
        raise EndpointError(f"port {port} out of range in {original!r}")
    return host, port


def resolve_host(
    cli_host: str | None, setting: str, environ: Mapping[str, str] | None = None
) -> str:
    """The first of `--host`, the endpoint setting, OLLAMA_HOST, the default; normalized."""
    env = os.environ if environ is None else environ
    for candidate in (cli_host, setting, env.get("OLLAMA_HOST")):
        if candidate and candidate.strip():
            return normalize_host(candidate)
    return DEFAULT_HOST


async def server_version(host: str, wait_seconds: float = 3.0) -> str:
    """`GET /api/version` with plain httpx — a cheap "is Ollama there?" that does not
    load the Ollama client. Raises EngineUnreachable."""
    import httpx

    from kodesk.core.errors import EngineUnreachable

    try:
        async with httpx.AsyncClient(base_url=host, timeout=wait_seconds) as client:
            response = await client.get("/api/version")
            response.raise_for_status()
            return str(response.json().get("version", ""))
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise EngineUnreachable(host, type(exc).__name__) from exc
