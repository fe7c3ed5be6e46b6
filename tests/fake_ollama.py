"""A faithful, scriptable fake Ollama server: real HTTP on 127.0.0.1, NDJSON streams.

Tests set attributes before (or while) the code under test talks to it:

    fake.models["exaone3.5:2.4b"] = FakeModel("exaone3.5:2.4b")
    fake.chat_scripts.append(ChatScript(reply="한 문장.", delay=0.05))
    ...
    fake.requests            # every request received, with its JSON body

Tests wait on what the server saw instead of sleeping (thread-safe, from any thread):

    body = fake.wait_request("/api/chat", timeout=5)   # the request arrived: its JSON body
    assert fake.wait_client_gone(timeout=5)            # the client closed a stream early

`chat_handler` (request body → ChatScript) lets a test answer by content, e.g. for
map-reduce. Prompt sizes are counted with `count_tokens` (a rough default; tests that
plan set it to kodesk's tokenizer for the model, so both sides count alike). How the
server loads, cuts, refuses and paces is described in `tests.fake_ollama_data`:

    fake.speed = ServerSpeed(prompt_rate=200, decode_rate=10, load_seconds=2, time_scale=0.01)
    fake.faults["/api/show"].append(Fault(503))     # the next /api/show answers 503
    fake.log                                         # the server's log lines
    fake.reloads                                     # runner (re)loads so far
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import select
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fake_ollama_chat import ChatRoute
from tests.fake_ollama_data import (
    ChatScript,
    FakeModel,
    Fault,
    PullScript,
    Recorded,
    ServerSpeed,
    rough_token_count,
)

__all__ = [
    "ChatScript",
    "ClientGone",
    "FakeModel",
    "FakeOllama",
    "Fault",
    "PullScript",
    "Recorded",
    "ServerSpeed",
    "rough_token_count",
    "wait_until",
]


class ClientGone(Exception):
    """The client closed the connection while the server was still streaming."""


class FakeOllama:
    def __init__(self) -> None:
        self.models: dict[str, FakeModel] = {}
        self.loaded: dict[str, int] = {}
        self.version = "0.33.1"
        self.default_num_ctx = 4096
        self.count_tokens: Callable[[str], int] = rough_token_count
        self.chat_scripts: deque[ChatScript] = deque()
        self.chat_handler: Callable[[dict[str, Any]], ChatScript] | None = None
        self.default_chat = ChatScript()
        self.pull_script = PullScript()
        self.pullable: set[str] = set()
        self.blobs: dict[str, int] = {}
        self.requests: list[Recorded] = []
        self.speed = ServerSpeed()
        #: Per path, answers that replace the next requests' (see Fault).
        self.faults: defaultdict[str, deque[Fault]] = defaultdict(deque)
        #: The server log (e.g. "truncating input prompt limit=4096 prompt=9000 keep=4 new=4096").
        self.log: list[str] = []
        self.reloads = 0
        self._runners = threading.Lock()
        self.stop_event = threading.Event()
        #: Notified whenever a request arrives, a response ends or a client goes away.
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeOllama:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self._server.shutdown()
        self._server.server_close()

    def add_model(self, name: str, **kwargs: Any) -> FakeModel:
        model = FakeModel(name, **kwargs)
        self.models[name] = model
        return model

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/api/chat"]

    def next_chat(self, body: dict[str, Any]) -> ChatScript:
        if self.chat_scripts:
            return self.chat_scripts.popleft()
        if self.chat_handler is not None:
            return self.chat_handler(body)
        return self.default_chat

    def load_runner(self, name: str, num_ctx: int) -> bool:
        """Give `name`'s runner `num_ctx` (it is shared by the names over one blob);
        True when that loads or reloads it."""
        key = self.models[name].runner_key
        with self._runners:
            sharing = [
                n for n in self.loaded if n in self.models and self.models[n].runner_key == key
            ]
            reload = not sharing or any(self.loaded[n] != num_ctx for n in sharing)
            for other in sharing:
                del self.loaded[other]
            self.loaded[name] = num_ctx
            self.reloads += reload
        return reload

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops; False when it stopped."""
        return not self.stop_event.wait(seconds)

    # -- events tests wait on ---------------------------------------------------------
    def received(self, path: str) -> list[Recorded]:
        """The requests to `path` received so far (a snapshot)."""
        with self._changed:
            return [r for r in self.requests if r.path == path]

    def gone(self, path: str | None = None) -> list[Recorded]:
        """The requests (to `path`, or any) whose client went away mid-stream."""
        with self._changed:
            return [r for r in self.requests if r.aborted and path in (None, r.path)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until `predicate()` holds; it is re-checked at every server event."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def wait_request(self, path: str, timeout: float = 5.0, *, count: int = 1) -> Any:
        """Wait until the `count`-th request to `path` arrived; return its parsed body.

        Raises TimeoutError (naming what did arrive) when it does not come in time.
        """
        if not self.wait_for(lambda: len(self.received(path)) >= count, timeout):
            seen = [r.path for r in self.requests]
            raise TimeoutError(f"request #{count} to {path} not received in {timeout} s: {seen}")
        return self.received(path)[count - 1].body

    def wait_client_gone(
        self, timeout: float = 5.0, *, path: str | None = None, count: int = 1
    ) -> bool:
        """Wait until `count` clients (of `path`, or any) closed a stream before its end."""
        return self.wait_for(lambda: len(self.gone(path)) >= count, timeout)

    def _record(self, rec: Recorded) -> None:
        with self._changed:
            self.requests.append(rec)
            self._changed.notify_all()

    def _update(self, rec: Recorded, **changes: bool) -> None:
        with self._changed:
            for name, value in changes.items():
                setattr(rec, name, value)
            self._changed.notify_all()


def _make_handler(fake: FakeOllama) -> type[BaseHTTPRequestHandler]:
    class Handler(ChatRoute, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        fake_ollama = fake
        #: The current stream's terminating chunk was sent.
        ended = False

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr log."""

        def handle(self) -> None:
            # A client that closes a kept-alive connection (e.g. after leaving a stream
            # early) resets it while the server waits for the next request: not an error.
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                super().handle()

        # -- plumbing ---------------------------------------------------------
        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self._read_chunked()
            return self.rfile.read(length) if length else b""

        def _read_chunked(self) -> bytes:
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.ended = True

        def _error(self, status: int, message: str) -> None:
            self._json(status, {"error": message})

        def _start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _line(self, payload: Any) -> None:
            self._chunk(json.dumps(payload, ensure_ascii=False).encode() + b"\n")

        def _end_stream(self) -> None:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            self.ended = True

        def _record(self, body: Any) -> Recorded:
            rec = Recorded(self.command, self.path.split("?")[0], body)
            fake._record(rec)
            return rec

        def _faulted(self, rec: Recorded) -> bool:
            """Answer with the path's next scripted fault, if any."""
            faults = fake.faults.get(rec.path)
            if not faults:
                return False
            fault = faults.popleft()
            if fault.hang:
                self._streaming(rec, lambda: self._pause(3600.0) and None)
            else:
                self._json(fault.status, fault.body)
            return True

        def _pause(self, seconds: float) -> bool:
            """Wait `seconds` while watching the socket; False when the server stops.

            Raises ClientGone as soon as the client closes the connection.
            """
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                if fake.stop_event.is_set():
                    return False
                readable, _, _ = select.select([self.connection], [], [], min(left, 0.02))
                if readable and self._peer_closed():
                    raise ClientGone
            return not fake.stop_event.is_set()

        def _peer_closed(self) -> bool:
            try:
                return self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
            except BlockingIOError:
                return False
            except OSError:
                return True

        def _streaming(self, rec: Recorded, send: Callable[[], None]) -> None:
            """Run a streaming response; record whether it finished or the client left."""
            self.ended = False
            try:
                send()
            except (BrokenPipeError, ConnectionResetError, ClientGone):
                self.close_connection = True
                fake._update(rec, aborted=True)
            else:
                fake._update(rec, finished=self.ended)

        # -- routes -----------------------------------------------------------
        def do_GET(self) -> None:
            if self._faulted(self._record(None)):
                return
            path = self.path.split("?")[0]
            if path == "/":
                data = b"Ollama is running"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            elif path == "/api/version":
                self._json(200, {"version": fake.version})
            elif path == "/api/tags":
                self._json(200, {"models": [m.tag() for m in fake.models.values()]})
            elif path == "/api/ps":
                self._json(
                    200,
                    {
                        "models": [
                            {
                                **fake.models[n].tag(),
                                "size_vram": fake.models[n].size,
                                "expires_at": "2026-11-29T10:05:00+09:00",
                                "context_length": ctx,
                            }
                            for n, ctx in fake.loaded.items()
                            if n in fake.models
                        ]
                    },
                )
            else:
                self._error(404, "404 page not found")

        def do_HEAD(self) -> None:
            path = self.path.split("?")[0]
            self._record(None)
            if path.startswith("/api/blobs/"):
                digest = path.rsplit("/", 1)[1]
                self.send_response(200 if digest in fake.blobs else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def do_DELETE(self) -> None:
            body = json.loads(self._body() or b"{}")
            if self._faulted(self._record(body)):
                return
            name = body.get("model") or body.get("name", "")
            if self.path != "/api/delete":
                self._error(404, "404 page not found")
            elif name in fake.models:
                del fake.models[name]
                fake.loaded.pop(name, None)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._error(404, f"model '{name}' not found")

        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            raw = self._body()
            if path.startswith("/api/blobs/"):
                self._record({"bytes": len(raw)})
                self._blob(path.rsplit("/", 1)[1], raw)
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._record(None)
                self._error(400, "invalid JSON")
                return
            rec = self._record(body)
            if self._faulted(rec):
                return
            routes: dict[str, Callable[[dict[str, Any], Recorded], None]] = {
                "/api/chat": self._chat,
                "/api/show": self._show,
                "/api/pull": self._pull,
                "/api/create": self._create,
                "/api/generate": self._generate,
            }
            handler = routes.get(path)
            if handler is None:
                self._error(404, "404 page not found")
            else:
                handler(body, rec)

        def _blob(self, digest: str, raw: bytes) -> None:
            actual = "sha256:" + hashlib.sha256(raw).hexdigest()
            if actual != digest:
                self._error(400, f'digest mismatch, expected "{digest}", got "{actual}"')
                return
            fake.blobs[digest] = len(raw)
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _show(self, body: dict[str, Any], rec: Recorded) -> None:
            model = fake.models.get(body.get("model") or body.get("name", ""))
            if model is None:
                self._error(404, f"model '{body.get('model')}' not found")
            else:
                self._json(200, model.show(bool(body.get("verbose"))))

        def _generate(self, body: dict[str, Any], rec: Recorded) -> None:
            """Only the load/unload form (`keep_alive` with no prompt) is supported."""
            name = body.get("model", "")
            if name not in fake.models:
                self._error(404, f'model "{name}" not found, try pulling it first')
                return
            if body.get("keep_alive") in (0, "0", "0s"):
                fake.loaded.pop(name, None)
            self._json(200, {"model": name, "response": "", "done": True, "done_reason": "unload"})

        def _pull(self, body: dict[str, Any], rec: Recorded) -> None:
            name = body.get("model") or body.get("name", "")
            self._start_stream()
            self._streaming(rec, lambda: self._stream_pull(name, fake.pull_script))

        def _stream_pull(self, name: str, script: PullScript) -> None:
            for i, line in enumerate(_pull_lines(script)):
                if name not in fake.pullable or i == script.error_after:
                    self._line({"error": script.error})
                    self._end_stream()
                    return
                if i and script.delay and not self._pause(script.delay):
                    return
                self._line(line)
            fake.add_model(name)
            self._end_stream()

        def _create(self, body: dict[str, Any], rec: Recorded) -> None:
            name = body.get("model", "")
            files = body.get("files") or {}
            missing = [d for d in files.values() if d not in fake.blobs]
            if not name:
                self._error(400, "model name is required")
                return
            if missing:
                self._error(400, f"blob {missing[0]} not found")
                return
            base = body.get("from")
            if base and base not in fake.models and not files:
                self._error(404, f"model '{base}' not found")
                return
            self._start_stream()
            statuses = ["parsing GGUF"] if files else [f"using existing layer {base}"]
            if files and not body.get("template"):
                statuses.append("using autodetected template llama3-instruct")
            statuses += ["writing manifest", "success"]
            for status in statuses:
                self._line({"status": status})
            parent = fake.models.get(base or "")
            model = fake.add_model(name)
            model.template = body.get("template") or (parent.template if parent else "")
            model.system = body.get("system") or (parent.system if parent else "")
            params = body.get("parameters") or {}
            model.parameters = "\n".join(
                f"{k} {json.dumps(x) if isinstance(x, str) else x}"
                for k, v in params.items()
                for x in (v if isinstance(v, list) else [v])
            )
            self._end_stream()

    return Handler


def _pull_lines(script: PullScript) -> Iterator[dict[str, Any]]:
    digest = "sha256:" + "b" * 64
    yield {"status": "pulling manifest"}
    yield {"status": f"pulling {digest[7:19]}", "digest": digest, "total": script.total}
    for step in range(1, script.steps + 1):
        yield {
            "status": f"pulling {digest[7:19]}",
            "digest": digest,
            "total": script.total,
            "completed": script.total * step // script.steps,
        }
    yield {"status": "verifying sha256 digest"}
    yield {"status": "writing manifest"}
    yield {"status": "success"}


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` (for tests that watch the server from another thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
