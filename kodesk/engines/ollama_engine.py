"""The Ollama engine: the official `ollama.AsyncClient` with an explicit host.

Every failure becomes a `KodeskError`. Streaming calls have three explicit timeouts:
connecting, the first token (long: a cold model load can take minutes) and a stall
between chunks. Closing a stream (or cancelling the task reading it) closes the HTTP
response. Requests the client cannot make (show with `verbose`, blob upload with
progress, version) go through one shared `httpx.AsyncClient`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import ollama
import pydantic

from kodesk.core.errors import (
    EngineHTTPError,
    EngineTimeout,
    EngineUnreachable,
    KodeskError,
    MalformedResponse,
    ModelNotFound,
    StreamDisconnected,
    StreamError,
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

T = TypeVar("T")
UPLOAD_CHUNK = 1 << 20


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
        request_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.connect_timeout = connect_timeout
        self.first_token_timeout = first_token_timeout
        self.stall_timeout = stall_timeout
        timeout = httpx.Timeout(request_timeout, connect=connect_timeout, read=None)
        self._client = ollama.AsyncClient(host=host, timeout=timeout)
        self._http = httpx.AsyncClient(base_url=host, timeout=timeout)
        self._request_timeout = request_timeout

    @property
    def location(self) -> str:
        return self.host

    async def aclose(self) -> None:
        await self._client.close()  # type: ignore[no-untyped-call]
        await self._http.aclose()

    # -- simple calls ---------------------------------------------------------------
    async def version(self) -> str:
        data = await self._raw_json("GET", "/api/version")
        return str(data.get("version", ""))

    async def list_models(self) -> list[ModelInfo]:
        response = await self._call(self._client.list)
        return [
            ModelInfo(
                name=m.model or "",
                size=m.size or 0,
                modified_at=m.modified_at.isoformat() if m.modified_at else "",
                digest=m.digest or "",
                family=(m.details.family or "") if m.details else "",
                parameter_size=(m.details.parameter_size or "") if m.details else "",
                quantization_level=(m.details.quantization_level or "") if m.details else "",
                format=(m.details.format or "") if m.details else "",
            )
            for m in response.models
        ]

    async def list_loaded(self) -> list[LoadedModel]:
        data = await self._raw_json("GET", "/api/ps")
        return [
            LoadedModel(
                name=str(m.get("name") or m.get("model", "")),
                size=int(m.get("size") or 0),
                size_vram=int(m.get("size_vram") or 0),
                context_length=m.get("context_length"),
                expires_at=str(m.get("expires_at", "")),
            )
            for m in data.get("models") or []
        ]

    async def show(self, model: str, *, verbose: bool = False) -> ModelDetails:
        data = await self._raw_json(
            "POST", "/api/show", {"model": model, "verbose": verbose}, model=model
        )
        return ModelDetails(
            name=model,
            modelfile=str(data.get("modelfile", "")),
            parameters=str(data.get("parameters", "")),
            template=str(data.get("template", "")),
            system=str(data.get("system", "")),
            license=str(data.get("license", "")),
            details=dict(data.get("details") or {}),
            model_info=dict(data.get("model_info") or {}),
            capabilities=tuple(data.get("capabilities") or ()),
        )

    async def delete(self, model: str) -> None:
        await self._call(lambda: self._client.delete(model), model=model)

    async def unload(self, model: str) -> None:
        await self._raw_json(
            "POST", "/api/generate", {"model": model, "keep_alive": 0}, model=model
        )

    # -- streams --------------------------------------------------------------------
    async def chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        stream = await self._call(
            lambda: self._client.chat(
                model=request.model,
                messages=[{"role": m.role, "content": m.content} for m in request.messages],
                options=request.sent_options() or None,
                keep_alive=request.keep_alive,
                think=request.think,
                stream=True,
            ),
            model=request.model,
        )
        done = False
        # The stream is read to its end rather than left after the final line: the
        # client's nested generators (httpx, httpcore) then finish in this task instead
        # of being finalized later by the garbage collector.
        async with contextlib.aclosing(self._guarded(stream, request.model)) as parts:
            async for part in parts:
                if done:
                    continue
                message = part.message
                if message.thinking:
                    yield Thinking(message.thinking)
                if message.content:
                    yield Delta(message.content)
                if part.done:
                    done = True
                    yield Done(
                        ChatStats(
                            done_reason=part.done_reason,
                            prompt_eval_count=part.prompt_eval_count,
                            eval_count=part.eval_count,
                            total_duration=part.total_duration,
                            load_duration=part.load_duration,
                            prompt_eval_duration=part.prompt_eval_duration,
                            eval_duration=part.eval_duration,
                        )
                    )
        if not done:
            raise StreamDisconnected("no final line")

    async def pull(self, model: str) -> AsyncIterator[Progress]:
        stream = await self._call(lambda: self._client.pull(model, stream=True), model=model)
        async with contextlib.aclosing(
            self._guarded(stream, model, first=self.stall_timeout)
        ) as parts:
            async for part in parts:
                yield Progress(part.status or "", part.digest, part.total, part.completed)

    async def create(self, spec: ModelSpec) -> AsyncIterator[Progress]:
        files: dict[str, str] | None = None
        if spec.from_gguf:
            path = Path(spec.from_gguf)
            digest = ""
            async for progress in self.upload_blob(path):
                digest = progress.digest or digest
                yield progress
            files = {path.name: digest}
        parameters = dict(spec.parameters) or None
        stream = await self._call(
            lambda: self._client.create(
                model=spec.name,
                from_=spec.from_model,
                files=files,
                template=spec.template,
                system=spec.system,
                parameters=parameters,
                messages=[{"role": m.role, "content": m.content} for m in spec.messages] or None,
                license=list(spec.license) or None,
                quantize=spec.quantize,
                stream=True,
            ),
            model=spec.from_model or spec.name,
        )
        async with contextlib.aclosing(
            self._guarded(stream, spec.name, first=self.first_token_timeout)
        ) as parts:
            async for part in parts:
                yield Progress(part.status or "", part.digest, part.total, part.completed)

    async def upload_blob(
        self, path: Path, *, chunk_size: int = UPLOAD_CHUNK
    ) -> AsyncIterator[Progress]:
        """Hash `path`, then upload it unless the server has it; progress in bytes.

        The last progress carries the digest (`sha256:<hex>`) in `digest`.
        """
        total = (await asyncio.to_thread(path.stat)).st_size
        digest = await asyncio.to_thread(_sha256_file, path, chunk_size)
        yield Progress("hashing", digest, total, total)
        head = await self._send(lambda: self._http.head(f"/api/blobs/{digest}"))
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
            raise _http_error(response.status_code, _error_text(response.text))
        yield Progress("uploaded", digest, total, total)

    # -- plumbing -------------------------------------------------------------------
    async def _guarded(
        self, stream: AsyncIterator[T], model: str, *, first: float | None = None
    ) -> AsyncGenerator[T, None]:
        """Iterate `stream` with the first-token and stall timeouts; map every failure."""
        timeout = self.first_token_timeout if first is None else first
        kind: TimeoutKind = "first_token"
        iterator = aiter(stream)
        try:
            while True:
                try:
                    async with asyncio.timeout(timeout):
                        part = await anext(iterator)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise EngineTimeout(kind, timeout) from None
                except Exception as exc:
                    raise self._translate(exc, model, streaming=True) from exc
                yield part
                timeout, kind = self.stall_timeout, "stall"
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()

    async def _call(self, make: Callable[[], Awaitable[Any]], *, model: str = "") -> Any:
        """Await `make()` with the request timeout; the coroutine is created only here, so
        a call cancelled before it starts leaves no un-awaited coroutine behind."""
        try:
            async with asyncio.timeout(self._request_timeout + self.connect_timeout):
                return await make()
        except TimeoutError:
            raise EngineTimeout("connect", self._request_timeout) from None
        except KodeskError:
            raise
        except Exception as exc:
            raise self._translate(exc, model, streaming=False) from exc

    async def _send(self, request: Callable[[], Any]) -> httpx.Response:
        try:
            response: httpx.Response = await request()
        except Exception as exc:
            raise self._translate(exc, "", streaming=False) from exc
        return response

    async def _raw_json(
        self, method: str, path: str, body: Any = None, *, model: str = ""
    ) -> dict[str, Any]:
        response = await self._call(
            lambda: self._http.request(method, path, json=body), model=model
        )
        if response.status_code >= 300:
            raise _status_error(response.status_code, _error_text(response.text), model)
        try:
            data = response.json()
        except ValueError as exc:
            raise MalformedResponse(f"{path}: not JSON") from exc
        if not isinstance(data, dict):
            raise MalformedResponse(f"{path}: expected an object")
        return data

    def _translate(self, exc: BaseException, model: str, *, streaming: bool) -> KodeskError:
        if isinstance(exc, KodeskError):
            return exc
        if isinstance(exc, ollama.ResponseError):
            if exc.status_code == -1:
                return StreamError(exc.error)
            return _status_error(exc.status_code, exc.error, model)
        if isinstance(exc, httpx.ConnectTimeout):
            return EngineTimeout("connect", self.connect_timeout)
        if isinstance(exc, httpx.ConnectError):
            return EngineUnreachable(self.host, _short(exc))
        if isinstance(exc, ConnectionError):  # the client's own, with a generic text
            return EngineUnreachable(self.host, "connection refused")
        if isinstance(exc, httpx.TimeoutException):
            return EngineTimeout("stall", self.stall_timeout)
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            if streaming:
                return StreamDisconnected(_short(exc))
            return EngineUnreachable(self.host, _short(exc))
        if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError | ValueError):
            return MalformedResponse(_short(exc))
        if isinstance(exc, httpx.HTTPError):
            return EngineUnreachable(self.host, _short(exc))
        return MalformedResponse(f"{type(exc).__name__}: {_short(exc)}")


def _status_error(status: int, detail: str, model: str) -> KodeskError:
    if status == 404 and "not found" in detail and model:
        return ModelNotFound(model)
    return _http_error(status, detail)


def _http_error(status: int, detail: str) -> KodeskError:
    return EngineHTTPError(status, detail or "no details")


def _error_text(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:300]
    return str(data.get("error", text)) if isinstance(data, dict) else text[:300]


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _sha256_file(path: Path, chunk_size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()
