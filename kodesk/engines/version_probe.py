"""`GET /api/version` over a bare asyncio connection: "is Ollama there?" without httpx.

The tray asks this right after start-up. Done with httpx it loads httpx, httpcore, anyio,
h11 and a TLS context (about 13 MB that the idle app then keeps, issue 11); plain HTTP
to Ollama needs none of it. Only plain `http://` without a proxy in the environment is
probed this way: for anything else `probe_version` returns None and the caller uses its
HTTP client.
"""

from __future__ import annotations

import asyncio
import json
import os
from urllib.parse import urlsplit

from kodesk.core.errors import EngineUnreachable

#: A version answer is a few dozen bytes; more is not Ollama.
MAX_RESPONSE = 64 * 1024
_PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


async def probe_version(host: str, wait_seconds: float) -> str | None:
    """The server's version ("" if it sends none); None if this probe does not apply.

    Raises EngineUnreachable when nothing answers within `wait_seconds` or the answer
    is not a successful JSON reply.
    """
    parts = urlsplit(host)
    if parts.scheme != "http" or not parts.hostname or any(map(os.environ.get, _PROXY_VARIABLES)):
        return None
    path = parts.path.rstrip("/") + "/api/version"
    request = f"GET {path} HTTP/1.0\r\nHost: {parts.netloc}\r\nAccept: application/json\r\n\r\n"
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(wait_seconds):
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
            writer.write(request.encode("ascii"))
            await writer.drain()
            response = b""
            while len(response) <= MAX_RESPONSE and (
                chunk := await reader.read(MAX_RESPONSE + 1 - len(response))
            ):
                response += chunk
    except TimeoutError as exc:
        raise EngineUnreachable(host, "ConnectTimeout") from exc
    except OSError as exc:
        raise EngineUnreachable(host, type(exc).__name__) from exc
    finally:
        if writer is not None:
            writer.close()
    return _version(host, response)


def _version(host: str, response: bytes) -> str:
    head, _, body = response.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or not status[0].startswith(b"HTTP/") or status[1] != b"200":
        reason = status[1].decode("ascii", "replace") if len(status) > 1 else "no HTTP reply"
        raise EngineUnreachable(host, f"HTTP {reason}" if len(status) > 1 else reason)
    if len(response) > MAX_RESPONSE:
        raise EngineUnreachable(host, "oversized reply")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise EngineUnreachable(host, "not JSON") from exc
    version = data.get("version", "") if isinstance(data, dict) else ""
    return version if isinstance(version, str) else ""
