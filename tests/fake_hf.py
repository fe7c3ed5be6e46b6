"""A fake Hugging Face hub on 127.0.0.1, speaking the endpoints `huggingface_hub` (2.x) and
kodesk's downloader use:

- `GET /api/models/{repo}` (and `/revision/{rev}`): `{"id", "sha", "siblings": [...]}`;
- `GET /api/models/{repo}/tree/{rev}?recursive=…`: `[{"type": "file", "oid", "size",
  "path", "lfs": {"oid": sha256, "size", "pointerSize"}}]` (what `HfApi.list_repo_tree`
  reads into `RepoFile`);
- `GET|HEAD /{repo}/resolve/{rev}/{path}`: 302 to `/lfs/{sha256}` with `ETag`,
  `X-Linked-Etag` (the sha256), `X-Linked-Size`, `X-Repo-Commit`, as the hub does for
  LFS files;
- `GET|HEAD /lfs/{sha256}`: the bytes, honouring `Range: bytes=a-b` / `bytes=a-` (206).

Scripting: `cut_after[path] = n` sends only the first n bytes of a full download and
drops the connection (an interrupted download); `corrupt.add(path)` serves other bytes
than the sha256 says; `hold = threading.Event()` makes a full download send 1000 bytes,
then wait until the event is set (a download in progress, for Cancel). `requests`
records (method, path, Range header) of each request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

COMMIT = "0123456789abcdef0123456789abcdef01234567"
_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class Blob:
    """A served file: bytes in memory, or a file on disk (read per request, for big GGUFs)."""

    source: bytes | Path
    size: int
    sha256: str
    sha1: str

    @classmethod
    def of(cls, source: bytes | Path) -> Blob:
        sha256, sha1, size = hashlib.sha256(), hashlib.sha1(), 0
        chunks = [source] if isinstance(source, bytes) else _chunks(source)
        for chunk in chunks:
            sha256.update(chunk)
            sha1.update(chunk)
            size += len(chunk)
        return cls(source, size, sha256.hexdigest(), sha1.hexdigest())

    def pieces(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes `start`..`end` (inclusive), in pieces of at most 4 MiB."""
        if isinstance(self.source, bytes):
            yield self.source[start : end + 1]
            return
        with self.source.open("rb") as handle:
            handle.seek(start)
            left = end + 1 - start
            while left > 0 and (piece := handle.read(min(left, 1 << 22))):
                left -= len(piece)
                yield piece


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            yield chunk


@dataclass
class FakeRepo:
    files: dict[str, Blob] = field(default_factory=dict)

    def add(self, path: str, data: bytes | Path) -> None:
        self.files[path] = Blob.of(data)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    range: str | None


class FakeHub:
    """Start with `with FakeHub() as hub:`; `hub.url` is the endpoint."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.cut_after: dict[str, int] = {}
        self.corrupt: set[str] = set()
        self.hold: threading.Event | None = None
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def repo(self, name: str) -> FakeRepo:
        return self.repos.setdefault(name, FakeRepo())

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def record(self, request: SeenRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def bytes_served(self, path_part: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if path_part in r.path]

    def blob(self, sha: str) -> tuple[str, Blob] | None:
        for repo in self.repos.values():
            for path, blob in repo.files.items():
                if blob.sha256 == sha:
                    return path, blob
        return None


def _tree_entry(path: str, blob: Blob) -> dict[str, Any]:
    return {
        "type": "file",
        "oid": blob.sha1,
        "size": blob.size,
        "path": path,
        "lfs": {"oid": blob.sha256, "size": blob.size, "pointerSize": 134},
    }


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_HEAD(self) -> None:
            self._route(head=True)

        def do_GET(self) -> None:
            self._route(head=False)

        def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _not_found(self, what: str) -> None:
            self._json(404, {"error": f"{what} not found"}, {"X-Error-Code": "RepoNotFound"})

        def _route(self, *, head: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            hub.record(SeenRequest(self.command, path, self.headers.get("Range")))
            if path.startswith("/api/models/"):
                return self._api(path.removeprefix("/api/models/"))
            if path.startswith("/lfs/"):
                return self._blob(path.removeprefix("/lfs/"), head=head)
            match = re.match(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$", path)
            if match is None:
                return self._not_found(path)
            repo = hub.repos.get(match["repo"])
            if repo is None or match["file"] not in repo.files:
                return self._not_found(path)
            blob = repo.files[match["file"]]
            self.send_response(302)
            self.send_header("Location", f"/lfs/{blob.sha256}")
            self.send_header("ETag", f'"{blob.sha1}"')
            self.send_header("X-Linked-Etag", f'"{blob.sha256}"')
            self.send_header("X-Linked-Size", str(blob.size))
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None

        def _api(self, rest: str) -> None:
            parts = rest.split("/")
            name = "/".join(parts[:2])
            repo = hub.repos.get(name)
            if repo is None:
                return self._not_found(name)
            if len(parts) >= 4 and parts[2] == "tree":
                entries = [_tree_entry(p, d) for p, d in sorted(repo.files.items())]
                return self._json(200, entries)
            siblings = [
                {"rfilename": p, "size": d.size, "lfs": _tree_entry(p, d)["lfs"]}
                for p, d in sorted(repo.files.items())
            ]
            return self._json(200, {"id": name, "sha": COMMIT, "siblings": siblings})

        def _blob(self, sha: str, *, head: bool) -> None:
            found = hub.blob(sha)
            if found is None:
                return self._not_found(sha)
            path, blob = found
            start, end = 0, blob.size - 1
            wanted = self.headers.get("Range")
            match = _RANGE.match(wanted or "")
            if match is not None:
                start = int(match[1])
                end = min(int(match[2]), end) if match[2] else end
                if start > end:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{blob.size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
            length = end + 1 - start
            self.send_response(206 if match else 200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", f'"{sha}"')
            if match:
                self.send_header("Content-Range", f"bytes {start}-{end}/{blob.size}")
            self.end_headers()
            if head:
                return None
            cut = hub.cut_after.pop(path, None) if match is None else None
            hold = hub.hold if match is None else None
            sent = 0
            for piece in blob.pieces(start, end):
                if path in hub.corrupt and sent + start < 64:
                    flip = 64 - start - sent
                    piece = bytes(b ^ 0xFF for b in piece[:flip]) + piece[flip:]
                if cut is not None and sent + len(piece) >= cut:
                    self.wfile.write(piece[: cut - sent])
                    self.wfile.flush()
                    self.close_connection = True
                    return None
                if hold is not None and sent == 0:
                    self.wfile.write(piece[:1000])
                    self.wfile.flush()
                    hold.wait(10)
                    piece = piece[1000:]
                    sent = 1000
                self.wfile.write(piece)
                sent += len(piece)
            return None

    return Handler


#: The seed's case: a Korean Llama-3 base model (no chat template) and an instruction one.
BASE_REPO = "kodesk-test/Llama-3-Open-Ko-8B-gguf"
CHAT_REPO = "kodesk-test/Llama-3-Ko-Instruct-GGUF"


@contextlib.contextmanager
def korean_llama3_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """A fake hub serving both repositories with Q4_K_M and Q8_0 files, as HF_ENDPOINT."""
    from tests.gguf_factory import LLAMA3_TEMPLATE, preset, write_gguf

    base = write_gguf(tmp_path / "base.gguf", preset("llama3", chat_template=None))
    chat = write_gguf(tmp_path / "chat.gguf", preset("llama3", chat_template=LLAMA3_TEMPLATE))
    with FakeHub() as fake:
        for quant in ("Q4_K_M", "Q8_0"):
            fake.repo(BASE_REPO).add(f"Llama-3-Open-Ko-8B-{quant}.gguf", base)
            fake.repo(CHAT_REPO).add(f"Llama-3-Ko-Instruct-{quant}.gguf", chat)
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        try:
            yield fake
        finally:
            if fake.hold is not None:
                fake.hold.set()
