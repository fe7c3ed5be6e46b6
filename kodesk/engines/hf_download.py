"""Reading a GGUF on Hugging Face without downloading it, and downloading it for real.

`remote_header` fetches only the beginning of the file (HTTP Range, growing from 8 MiB
until the header parses, at most 128 MiB) and reads it with `gguf_header`, so kodesk
can tell a base model (no `tokenizer.chat_template`) before any big download.

`download_file` streams a file into `<target>.part` next to the target: it resumes a
partial file with `Range: bytes=N-`, hashes everything (the part already on disk, then
each new block) and compares the result with the LFS sha256 the hub reported. A match
moves the file into place; a mismatch deletes the partial file (resuming it would only
rebuild the same wrong bytes) and raises `DownloadChecksumError`. Cancelling the task
(Ctrl+C, the dialog's Cancel) leaves the `.part` file for the next attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kodesk.core.chat_templates import Family, template_family
from kodesk.core.errors import KodeskError, Text
from kodesk.core.gguf_header import GGUFError, read_header
from kodesk.core.types import Progress
from kodesk.engines.hf_repo import HubError

FIRST_PREFIX = 8 << 20
MAX_PREFIX = 128 << 20
CHUNK = 1 << 20
PART_SUFFIX = ".part"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
CHAT_TEMPLATE_KEY = "tokenizer.chat_template"


class DownloadChecksumError(KodeskError):
    """A downloaded file's sha256 differs from the hub's."""

    code = "checksum"

    def __init__(self, name: str, expected: str, actual: str) -> None:
        super().__init__(
            Text(
                ko=f"내려받은 {name}의 sha256이 Hugging Face가 알려 준 값과 다릅니다 "
                f"(기대 {expected[:12]}…, 실제 {actual[:12]}…). 손상된 파일을 지웠습니다.",
                en=f"The sha256 of the downloaded {name} differs from the hub's "
                f"(expected {expected[:12]}…, got {actual[:12]}…). The damaged file was removed.",
            ),
            Text(
                ko="다시 내려받으세요. 계속되면 네트워크나 프록시가 파일을 바꾸고 있는 것입니다.",
                en="Download it again; if it keeps happening, a network proxy is altering it.",
            ),
        )
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class RemoteHeader:
    """The metadata (scalars and strings) of a GGUF read from its first bytes."""

    url: str
    metadata: dict[str, Any]

    @property
    def chat_template(self) -> str | None:
        value = self.metadata.get(CHAT_TEMPLATE_KEY)
        return value if isinstance(value, str) else None

    @property
    def template_family(self) -> Family:
        return template_family(self.chat_template)

    @property
    def is_base_model(self) -> bool:
        return self.template_family == "none"


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(follow_redirects=True, timeout=TIMEOUT)


def network_error(url: str, exc: Exception) -> HubError:
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return HubError(
        Text(
            ko=f"Hugging Face에서 파일을 받을 수 없습니다: {url} ({detail})",
            en=f"Cannot download {url} from Hugging Face ({detail})",
        ),
        Text(
            ko="인터넷 연결을 확인하고 다시 시도하세요. 받던 파일은 이어받을 수 있게 남겨 둡니다.",
            en="Check the connection and try again; a partial download is kept and resumed.",
        ),
    )


def _status_error(url: str, response: httpx.Response) -> HubError:
    return HubError(
        Text(
            ko=f"Hugging Face가 HTTP {response.status_code}로 답했습니다: {url}",
            en=f"Hugging Face answered HTTP {response.status_code} for {url}",
        ),
        Text(
            ko="저장소와 파일 이름을 확인하세요. 비공개 저장소는 HF_TOKEN이 필요합니다.",
            en="Check the repository and file name; private repositories need HF_TOKEN.",
        ),
    )


async def _pump(response: httpx.Response, queue: asyncio.Queue[bytes | Exception | None]) -> None:
    """Read `response` to its end into `queue` (then None, or the exception that stopped it).

    The read runs in its own task and never stops early by itself: its only await is the
    network read inside httpx, so cancelling it ends httpx's byte iterators right there.
    An iterator left suspended instead would be closed later by the garbage collector,
    outside any async context (httpcore then fails in `sniffio`).
    """
    try:
        async for chunk in response.aiter_bytes():
            queue.put_nowait(chunk)
    except Exception as exc:
        queue.put_nowait(exc)
        return
    queue.put_nowait(None)


async def _chunks(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    """The body of `response`, read by `_pump`; closing this stops the read."""
    queue: asyncio.Queue[bytes | Exception | None] = asyncio.Queue()
    pump = asyncio.ensure_future(_pump(response, queue))
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        pump.cancel()
        await asyncio.wait([pump])


async def _prefix(http: httpx.AsyncClient, url: str, length: int) -> bytes:
    """The first `length` bytes of `url`."""
    data = bytearray()
    async with http.stream("GET", url, headers={"Range": f"bytes=0-{length - 1}"}) as response:
        if response.status_code != 206:
            raise _status_error(url, response)  # a server without Range would send it all
        async with contextlib.aclosing(_chunks(response)) as chunks:
            async for chunk in chunks:
                data += chunk
    return bytes(data[:length])


def _parse_prefix(data: bytes) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".gguf") as handle:
        handle.write(data)
        handle.flush()
        return read_header(handle.name, tensors=False).metadata


async def remote_header(url: str, size: int, *, max_prefix: int = MAX_PREFIX) -> RemoteHeader:
    """The header of the GGUF at `url` (`size` bytes long), read from its first bytes.

    Raises `GGUFError` when it is not a GGUF (or its header is longer than `max_prefix`),
    `HubError` when the request fails."""
    if size <= 0:
        raise GGUFError(url, "the file is empty", "빈 파일입니다")
    session = client()
    try:
        length = min(FIRST_PREFIX, size)
        while True:
            data = await _prefix(session, url, length)
            try:
                metadata = await asyncio.to_thread(_parse_prefix, data)
            except GGUFError:
                if len(data) < length or length >= min(size, max_prefix):
                    raise
                length = min(length * 4, size, max_prefix)
                continue
            return RemoteHeader(url, metadata)
    except httpx.HTTPError as exc:
        raise network_error(url, exc) from exc
    finally:
        await session.aclose()


def partial_path(target: Path) -> Path:
    return target.with_name(target.name + PART_SUFFIX)


def _hash_file(path: Path) -> tuple[Any, int]:
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            done += len(block)
    return digest, done


async def download_file(
    url: str,
    target: Path,
    *,
    size: int,
    sha256: str | None,
) -> AsyncIterator[Progress]:
    """Download `url` to `target`, resuming `<target>.part`; progress in bytes.

    Raises `DownloadChecksumError` (partial file removed) when `sha256` is given and
    differs, `HubError` for HTTP and network failures (partial file kept)."""
    session = client()
    part = partial_path(target)
    try:
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        digest, done = hashlib.sha256(), 0
        if part.is_file():
            digest, done = await asyncio.to_thread(_hash_file, part)
            if done > size:
                digest, done = hashlib.sha256(), 0
        yield Progress("resuming" if done else "downloading", target.name, size, done)
        if done < size:
            headers = {"Range": f"bytes={done}-"} if done else {}
            async with session.stream("GET", url, headers=headers) as response:
                if response.status_code not in (200, 206):
                    raise _status_error(url, response)
                if response.status_code == 200 and done:  # Range ignored: start over
                    digest, done = hashlib.sha256(), 0
                mode = "ab" if done else "wb"
                handle = await asyncio.to_thread(part.open, mode)
                try:
                    async with contextlib.aclosing(_chunks(response)) as chunks:
                        async for chunk in chunks:
                            await asyncio.to_thread(handle.write, chunk)
                            digest.update(chunk)
                            done += len(chunk)
                            yield Progress("downloading", target.name, size, done)
                finally:
                    await asyncio.to_thread(handle.close)
        actual = digest.hexdigest()
        if sha256 is not None:
            yield Progress("verifying sha256 digest", target.name, size, done)
            if actual != sha256.lower().removeprefix("sha256:"):
                with contextlib.suppress(FileNotFoundError):
                    await asyncio.to_thread(part.unlink)
                raise DownloadChecksumError(target.name, sha256, actual)
        await asyncio.to_thread(part.replace, target)
        yield Progress("success", target.name, size, size)
    except httpx.HTTPError as exc:
        raise network_error(url, exc) from exc
    finally:
        await session.aclose()
