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
than the sha256 says. `requests` records (method, path, Range header) of each request.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


@dataclass
class FakeRepo:
    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, path: str, data: bytes | Path) -> None:
        self.files[path] = data.read_bytes() if isinstance(data, Path) else data


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

    def blob(self, sha: str) -> tuple[str, bytes] | None:
        for repo in self.repos.values():
            for path, data in repo.files.items():
                if hashlib.sha256(data).hexdigest() == sha:
                    return path, data
        return None


def _tree_entry(path: str, data: bytes) -> dict[str, Any]:
    sha = hashlib.sha256(data).hexdigest()
    return {
        "type": "file",
        "oid": hashlib.sha1(data).hexdigest(),
        "size": len(data),
        "path": path,
        "lfs": {"oid": sha, "size": len(data), "pointerSize": 134},
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
            data = repo.files[match["file"]]
            sha = hashlib.sha256(data).hexdigest()
            self.send_response(302)
            self.send_header("Location", f"/lfs/{sha}")
            self.send_header("ETag", f'"{hashlib.sha1(data).hexdigest()}"')
            self.send_header("X-Linked-Etag", f'"{sha}"')
            self.send_header("X-Linked-Size", str(len(data)))
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
                {"rfilename": p, "size": len(d), "lfs": _tree_entry(p, d)["lfs"]}
                for p, d in sorted(repo.files.items())
            ]
            return self._json(200, {"id": name, "sha": COMMIT, "siblings": siblings})

        def _blob(self, sha: str, *, head: bool) -> None:
            found = hub.blob(sha)
            if found is None:
                return self._not_found(sha)
            path, data = found
            if path in hub.corrupt:
                data = bytes(b ^ 0xFF for b in data[:64]) + data[64:]
            start, end = 0, len(data) - 1
            wanted = self.headers.get("Range")
            match = _RANGE.match(wanted or "")
            if match is not None:
                start = int(match[1])
                end = min(int(match[2]), end) if match[2] else end
                if start > end:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
            body = data[start : end + 1]
            self.send_response(206 if match else 200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", f'"{sha}"')
            if match:
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            self.end_headers()
            if head:
                return None
            cut = hub.cut_after.pop(path, None) if match is None else None
            if cut is not None:
                self.wfile.write(body[:cut])
                self.wfile.flush()
                self.close_connection = True
                return None
            self.wfile.write(body)
            return None

    return Handler
