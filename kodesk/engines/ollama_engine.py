"""The Ollama engine: Ollama's HTTP API over one `httpx.AsyncClient` with an explicit host.

Every failure becomes a `KodeskError`, in bounded time and memory:

- connecting is bounded by `connect_timeout`; a simple call's answer must start within
  it too; a stream's first line within `first_token_timeout` (a cold model load and the
  prompt evaluation come first) and every next line within `stall_timeout`;
- streams are read as NDJSON with a cap on one line (`ndjson.MAX_LINE`), simple
  answers with a cap on the body;
- HTTP 503 (a model loading, a full queue) is retried with a bounded backoff;
- a chat request carries `"truncate": false` when the server knows it (see
  `ollama_wire.TRUNCATE_SINCE`): an over-long prompt is then refused (`PromptTooLong`)
  instead of silently cut;
- the answer is cut client-side at `num_predict` tokens when a server ignores it;
- an error after text arrived carries that text (`KodeskError.partial`).

Closing a stream (or cancelling the task reading it) closes the HTTP response. (The
official `ollama` client cannot send `truncate` or `verbose`, and reads lines without
a size limit, so it is not used.)
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from kodesk.core.errors import (
    EngineHTTPError,
    EngineTimeout,
    EngineUnreachable,
    HostNotFound,
    KodeskError,
    MalformedResponse,
    ServerBusy,
    StreamDisconnected,
    StreamError,
    Text,
    TimeoutKind,
)
from kodesk.core.types import (
    ChatRequest,
    ChatStats,
    Delta,
    Done,
    LoadedModel,
    ModelDetails,
    ModelInfo,
    ModelSpec,
    Progress,
    StreamEvent,
    Thinking,
)
from kodesk.engines import ollama_wire as wire
from kodesk.engines.body_pump import BodyPump
from kodesk.engines.ndjson import MAX_LINE, ndjson_objects, parse_line

#: Why nothing answers when no server listens on the port (the most common case).
CONNECTION_REFUSED = Text(ko="연결 거부됨", en="connection refused")
UPLOAD_CHUNK = 1 << 20
#: The largest simple answer read (a verbose /api/show of a 262k vocabulary is ~6 MB).
MAX_BODY = 64 << 20
#: The largest error body read (the message is cut to one short line anyway).
MAX_ERROR_BODY = 64 << 10


#: Seconds `aclose` waits for stopped requests to finish closing.
CLOSE_WAIT = 2.0
#: Idle connections kept open to the server between requests.
KEEPALIVE_CONNECTIONS = 2


class OllamaEngine:
    """Talks to one Ollama server at `host` (already normalized, see engines.endpoint)."""

    kind = "ollama"

    def __init__(
        self,
        host: str,
        *,
        connect_timeout: float = 5.0,
        first_token_timeout: float = 300.0,
        stall_timeout: float = 60.0,
        busy_retries: int = 3,
        busy_backoff: float = 0.5,
        max_line: int = MAX_LINE,
    ) -> None:
        self.host = host
        self.connect_timeout = connect_timeout
        self.first_token_timeout = first_token_timeout
        self.stall_timeout = stall_timeout
        #: HTTP 503 is retried this many times, waiting busy_backoff, then twice that, ….
        self.busy_retries = busy_retries
        self.busy_backoff = busy_backoff
        self.max_line = max_line
        timeout = httpx.Timeout(connect_timeout, read=None, write=stall_timeout)
        self._http = httpx.AsyncClient(
            base_url=host,
            timeout=timeout,
            headers={"Accept-Encoding": "identity"},
            # One job talks to one local server: an idle connection or two is plenty, and
            # a burst of cancelled jobs must not leave a pool of idle sockets behind.
            limits=httpx.Limits(max_keepalive_connections=KEEPALIVE_CONNECTIONS),
        )
        self._truncate: bool | None = None
        self._version_lock = asyncio.Lock()
        #: Closes of responses still finishing (see `_close` and `BodyPump`).
        self._closing: set[asyncio.Future[Any]] = set()

    @property
    def location(self) -> str:
        return self.host

    async def aclose(self) -> None:
        """Let the closes of stopped requests finish (briefly), then close the client."""
        if self._closing:
            await asyncio.wait(list(self._closing), timeout=CLOSE_WAIT)
        for pending in list(self._closing):
            pending.cancel()
        await asyncio.gather(*self._closing, return_exceptions=True)
        await self._http.aclose()

    # -- simple calls ---------------------------------------------------------------
    async def version(self) -> str:
        return wire.text_field((await self._json("GET", "/api/version")).get("version"))

    async def guards_truncation(self) -> bool:
        """Whether chat requests carry `truncate: false` (read from /api/version once).

        When False the server may still cut an over-long prompt silently: keep checking
        `prompt_eval_count` against the plan.
        """
        async with self._version_lock:  # concurrent first requests (map chunks) ask once
            if self._truncate is None:
                try:
                    version = await self.version()
                except (EngineHTTPError, MalformedResponse):
                    version = ""  # not the Ollama API we know: send nothing it may not take
                self._truncate = wire.supports_truncate(version)
            return self._truncate

    async def list_models(self) -> list[ModelInfo]:
        return wire.model_infos(await self._json("GET", "/api/tags"))

    async def list_loaded(self) -> list[LoadedModel]:
        return wire.loaded_models(await self._json("GET", "/api/ps"))

    async def show(self, model: str, *, verbose: bool = False) -> ModelDetails:
        body = {"model": model, "verbose": verbose}
        return wire.model_details(model, await self._json("POST", "/api/show", body, model=model))

    async def delete(self, model: str) -> None:
        async with self._open("DELETE", "/api/delete", {"model": model}, model=model):
            pass

    async def unload(self, model: str) -> None:
        await self._json("POST", "/api/generate", {"model": model, "keep_alive": 0}, model=model)

    # -- streams --------------------------------------------------------------------
    async def chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        options = request.sent_options()
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
        }
        if options:
            body["options"] = options
        if request.keep_alive is not None:
            body["keep_alive"] = request.keep_alive
        if request.think is not None:
            body["think"] = request.think
        if await self.guards_truncation():
            body["truncate"] = False
        num_ctx = wire.int_field(options.get("num_ctx"))
        text: list[str] = []
        try:
            async with contextlib.aclosing(
                self._stream(
                    "/api/chat",
                    body,
                    request.model,
                    num_ctx=num_ctx,
                    expected_first=request.first_token_timeout,
                )
            ) as lines:
                async for event in chat_events(lines, options.get("num_predict"), text):
                    yield event
        except KodeskError as exc:
            exc.partial = "".join(text)
            raise

    async def pull(self, model: str) -> AsyncIterator[Progress]:
        body = {"model": model, "stream": True}
        async with contextlib.aclosing(
            self._stream("/api/pull", body, model, first="stall")
        ) as lines:
            async for line in lines:
                if "error" in line:
                    raise StreamError(wire.error_detail(line["error"]))
                yield wire.progress(line)

    async def create(self, spec: ModelSpec) -> AsyncIterator[Progress]:
        body: dict[str, Any] = {"model": spec.name, "stream": True}
        if spec.from_gguf:
            path = Path(spec.from_gguf)
            digest = ""
            async for item in self.upload_blob(path):
                digest = item.digest or digest
                yield item
            body["files"] = {path.name: digest}
        optional = {
            "from": spec.from_model,
            "template": spec.template,
            "system": spec.system,
            "parameters": dict(spec.parameters) or None,
            "messages": [{"role": m.role, "content": m.content} for m in spec.messages] or None,
            "license": list(spec.license) or None,
            "quantize": spec.quantize,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        async with contextlib.aclosing(
            self._stream("/api/create", body, spec.from_model or spec.name)
        ) as lines:
            async for line in lines:
                if "error" in line:
                    raise StreamError(wire.error_detail(line["error"]))
                yield wire.progress(line)

    async def upload_blob(
        self, path: Path, *, chunk_size: int = UPLOAD_CHUNK
    ) -> AsyncIterator[Progress]:
        """Hash `path`, then upload it unless the server has it; progress in bytes.

        The last progress carries the digest (`sha256:<hex>`) in `digest`.
        """
        total = (await asyncio.to_thread(path.stat)).st_size
        digest = await asyncio.to_thread(_sha256_file, path, chunk_size)
        yield Progress("hashing", digest, total, total)
        head = await self._headers("HEAD", f"/api/blobs/{digest}", None, self.connect_timeout)
        await self._close(head)
        if head.status_code == 200:
            yield Progress("blob already on the server", digest, total, total)
            return
        sent = 0
        queue: asyncio.Queue[int] = asyncio.Queue()

        async def body() -> AsyncIterator[bytes]:
            fh = await asyncio.to_thread(path.open, "rb")
            try:
                while chunk := await asyncio.to_thread(fh.read, chunk_size):
                    yield chunk
                    queue.put_nowait(len(chunk))
            finally:
                fh.close()

        upload = asyncio.ensure_future(
            self._send(lambda: self._http.post(f"/api/blobs/{digest}", content=body()))
        )
        try:
            while not upload.done() or not queue.empty():
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({upload, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    sent += getter.result()
                    yield Progress("uploading", digest, total, sent)
                else:
                    getter.cancel()
            response = upload.result()
        finally:
            upload.cancel()
        if response.status_code >= 300:
            raise wire.status_error(
                response.status_code, wire.error_text(response.content), "", None
            )
        yield Progress("uploaded", digest, total, total)

    # -- plumbing -------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _open(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        model: str = "",
        num_ctx: int | None = None,
        wait: float | None = None,
        kind: TimeoutKind = "response",
    ) -> AsyncIterator[httpx.Response]:
        """A response whose headers came within `wait` seconds (default: the connect
        timeout) and whose status is 2xx; a 503 is retried, other statuses are raised."""
        wait = self.connect_timeout if wait is None else wait
        attempt = 0
        while True:
            attempt += 1
            sending = self._headers(method, path, body, wait, kind)
            # A short call is left to finish when its caller is cancelled (it is bounded
            # by `wait`); a stream is cut at once, so the server stops working on it.
            response = await (sending if kind != "response" else self._detached(sending))
            try:
                if response.status_code < 300:
                    yield response
                    return
                detail = wire.error_text(await self._read(response, MAX_ERROR_BODY))
            finally:
                await self._close(response)
            if response.status_code != 503:
                raise wire.status_error(response.status_code, detail, model, num_ctx)
            if attempt > self.busy_retries:
                raise ServerBusy(detail, attempt)
            await asyncio.sleep(self.busy_backoff * 2 ** (attempt - 1))

    async def _headers(
        self, method: str, path: str, body: Any, wait: float, kind: TimeoutKind = "response"
    ) -> httpx.Response:
        """Send; the response's headers (connecting included) must come within `wait` s."""
        request = self._http.build_request(method, path, json=body)
        try:
            async with asyncio.timeout(wait):
                return await self._http.send(request, stream=True)
        except TimeoutError:
            raise EngineTimeout(kind, wait) from None
        except Exception as exc:
            raise self._translate(exc, streaming=False) from exc

    async def _detached(self, sending: Coroutine[Any, Any, httpx.Response]) -> httpx.Response:
        """Await `sending` in a task of its own. httpcore 1.0.9 can orphan a pool
        connection when a request is cancelled while it connects or sends
        (encode/httpcore#1093): a cancelled caller lets the send finish, and the response
        that then arrives is closed."""
        task = asyncio.ensure_future(sending)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._closing.add(task)
            task.add_done_callback(self._close_late)
            raise

    def _close_late(self, task: asyncio.Future[httpx.Response]) -> None:
        self._closing.discard(task)
        if not task.cancelled() and task.exception() is None:  # an error is dropped here
            closing = asyncio.ensure_future(task.result().aclose())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

    async def _close(self, response: httpx.Response) -> None:
        """Close `response` in a task of its own. Closed from a task being cancelled, the
        shielded part of httpcore's close is cut short by the pending cancellation, and the
        connection stays assigned to a finished request for good (another httpcore 1.0.9
        leak); the fresh task always finishes the close."""
        closing = asyncio.ensure_future(response.aclose())
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
        await asyncio.shield(closing)

    async def _read(self, response: httpx.Response, limit: int) -> bytes:
        """The whole body, each chunk within the stall timeout, at most `limit` bytes."""
        data = bytearray()
        pump = BodyPump(response, self._closing)
        chunks = aiter(pump.chunks())
        try:
            while True:
                try:
                    async with asyncio.timeout(self.stall_timeout):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    return bytes(data)
                except TimeoutError:
                    raise EngineTimeout("stall", self.stall_timeout) from None
                except Exception as exc:
                    raise self._translate(exc, streaming=False) from exc
                data += chunk
                if len(data) > limit:
                    raise MalformedResponse(f"the answer is larger than {limit:,} bytes")
        finally:
            await pump.aclose()

    async def _json(
        self, method: str, path: str, body: Any = None, *, model: str = ""
    ) -> dict[str, Any]:
        async with self._open(method, path, body, model=model) as response:
            data = await self._read(response, MAX_BODY)
        return parse_line(data) if data.strip() else {}

    async def _stream(
        self,
        path: str,
        body: dict[str, Any],
        model: str,
        *,
        first: TimeoutKind = "first_token",
        num_ctx: int | None = None,
        expected_first: float | None = None,
    ) -> AsyncGenerator[dict[str, Any], None]:
        """The JSON lines of a streamed answer: the first (headers included) within the
        `first` timeout — longer when the request expects a long prompt evaluation
        (`expected_first`) —, each next one within the stall timeout."""
        kind = first
        seconds = self.first_token_timeout if first == "first_token" else self.stall_timeout
        if expected_first is not None:
            seconds = max(seconds, expected_first)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        async with self._open(
            "POST", path, body, model=model, num_ctx=num_ctx, wait=seconds, kind=kind
        ) as response:
            pump = BodyPump(response, self._closing)
            lines = ndjson_objects(pump.chunks(), self.max_line)
            wait = max(0.0, deadline - loop.time())
            try:
                while True:
                    try:
                        async with asyncio.timeout(wait):
                            line = await anext(lines)
                    except StopAsyncIteration:
                        return
                    except TimeoutError:
                        raise EngineTimeout(kind, seconds) from None
                    except KodeskError:
                        raise
                    except Exception as exc:
                        raise self._translate(exc, streaming=True) from exc
                    yield line
                    kind, seconds = "stall", self.stall_timeout
                    wait = seconds
            finally:
                await lines.aclose()
                await pump.aclose()

    async def _send(self, request: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        try:
            return await request()
        except Exception as exc:
            raise self._translate(exc, streaming=False) from exc

    def _translate(self, exc: BaseException, *, streaming: bool) -> KodeskError:
        if isinstance(exc, KodeskError):
            return exc
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return EngineTimeout("connect", self.connect_timeout)
        if isinstance(exc, httpx.ConnectError):
            if _caused_by(exc, socket.gaierror):
                return HostNotFound(self.host, urlsplit(self.host).hostname or self.host)
            if _caused_by(exc, ConnectionRefusedError):
                return EngineUnreachable(self.host, CONNECTION_REFUSED)
            return EngineUnreachable(self.host, _short(exc))
        if isinstance(exc, httpx.TimeoutException):
            return EngineTimeout("stall", self.stall_timeout)
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            if streaming:
                return StreamDisconnected(_short(exc))
            return EngineUnreachable(self.host, _short(exc))
        if isinstance(exc, httpx.HTTPError | OSError):
            return EngineUnreachable(self.host, _short(exc))
        return MalformedResponse(f"{type(exc).__name__}: {_short(exc)}")


async def chat_events(
    lines: AsyncIterator[dict[str, Any]], num_predict: object, text: list[str]
) -> AsyncIterator[StreamEvent]:
    """The events of a chat stream's lines; the answer text so far is kept in `text`.

    A server that ignores `num_predict` is cut off after that many tokens (one per line)
    with done_reason "length", as the server should have done.
    """
    limit = wire.int_field(num_predict)
    generated = 0
    async for line in lines:
        if "error" in line:
            raise StreamError(wire.error_detail(line["error"]))
        thinking, content = wire.message_parts(line)
        if line.get("done") is True:
            if content:
                text.append(content)
                yield Delta(content)
            yield Done(wire.chat_stats(line))
            return
        if thinking or content:
            generated += 1
            if limit is not None and 0 < limit < generated:
                yield Done(ChatStats(done_reason="length", eval_count=limit))
                return
        if thinking:
            yield Thinking(thinking)
        if content:
            text.append(content)
            yield Delta(content)
    raise StreamDisconnected("no final line")


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _sha256_file(path: Path, chunk_size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()
