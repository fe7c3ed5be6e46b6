"""The fault matrix: what a user meets when something goes wrong, and how fast.

Each `FaultCase` provokes one failure against real code (the Ollama engine against the
fake server, the input reader, the endpoint parser, the Modelfile and GGUF readers) and
returns the `KodeskError` that ends it. `tests/test_fault_matrix.py` runs every case and
asserts a message, a hint and the time bound; the same cases make the table in README.md
("Troubleshooting → What fails, and how"):

    .venv/bin/python -m tests.fault_matrix          # print the table (measured here)
    .venv/bin/python -m tests.fault_matrix --write  # and put it into README.md
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kodesk.core.errors import KodeskError, Text
from kodesk.core.input_text import MAX_CHARS, check_input, read_text_stream
from kodesk.core.modelfile import read_modelfile
from kodesk.core.types import ChatMessage, ChatRequest
from kodesk.engines.endpoint import normalize_host
from kodesk.engines.ollama_engine import OllamaEngine
from tests.fake_ollama import ChatScript, FakeOllama, Fault

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- fault-matrix:start -->", "<!-- fault-matrix:end -->"


@dataclass(frozen=True)
class FaultCase:
    name: str
    #: Provokes the failure; returns the error it ended in (raises if none came).
    run: Callable[[Path], KodeskError]
    #: The failure must come within this many seconds.
    bound: float


def _raised(action: Callable[[], object]) -> KodeskError:
    try:
        action()
    except KodeskError as exc:
        return exc
    raise AssertionError("no KodeskError was raised")


def _with_fake(
    script: Callable[[FakeOllama], None], call: Callable[[OllamaEngine], Any], **engine: Any
) -> KodeskError:
    fake = FakeOllama().start()
    fake.add_model("exaone3.5:2.4b")
    script(fake)

    async def go() -> None:
        client = OllamaEngine(fake.url, **engine)
        try:
            await call(client)
        finally:
            await client.aclose()

    try:
        return _raised(lambda: asyncio.run(go()))
    finally:
        fake.stop()


def _chat(engine: OllamaEngine) -> Coroutine[Any, Any, None]:
    async def go() -> None:
        request = ChatRequest("exaone3.5:2.4b", (ChatMessage("user", "안녕"),), {"num_ctx": 4096})
        async for _ in engine.chat(request):
            pass

    return go()


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _engine_call(host: str, call: Callable[[OllamaEngine], Any]) -> KodeskError:
    async def go() -> None:
        engine = OllamaEngine(host, connect_timeout=2)
        try:
            await call(engine)
        finally:
            await engine.aclose()

    return _raised(lambda: asyncio.run(go()))


def _text(data: bytes) -> KodeskError:
    return _raised(lambda: read_text_stream(io.BytesIO(data), Text("입력", "The input")))


def _modelfile(tmp: Path, data: bytes) -> KodeskError:
    path = tmp / "Modelfile"
    path.write_bytes(data)
    return _raised(lambda: read_modelfile(path))


def _fifo_gguf(tmp: Path) -> KodeskError:
    from kodesk.core.gguf_info import inspect_gguf

    path = tmp / "model.gguf"
    os.mkfifo(path)
    return _raised(lambda: inspect_gguf(path))


CASES: tuple[FaultCase, ...] = (
    FaultCase(
        "Ollama not running", lambda t: _engine_call(_closed_port(), lambda e: e.version()), 5
    ),
    FaultCase(
        "host name that does not resolve",
        lambda t: _engine_call("http://ollama.invalid:11434", lambda e: e.version()),
        10,
    ),
    FaultCase(
        "model not installed",
        lambda t: _with_fake(lambda f: None, lambda e: e.show("no-such-model")),
        5,
    ),
    FaultCase(
        "server error with a null `error` field",
        lambda t: _with_fake(
            lambda f: f.faults["/api/tags"].append(Fault(status=500, body={"error": None})),
            lambda e: e.list_models(),
        ),
        5,
    ),
    FaultCase(
        "503 while a model loads, every retry",
        lambda t: _with_fake(
            lambda f: f.faults["/api/tags"].extend(Fault() for _ in range(5)),
            lambda e: e.list_models(),
            busy_backoff=0.05,
        ),
        5,
    ),
    FaultCase(
        "server accepts but never sends headers",
        lambda t: _with_fake(
            lambda f: f.faults["/api/tags"].append(Fault(hang=True)),
            lambda e: e.list_models(),
            connect_timeout=1,
        ),
        5,
    ),
    FaultCase(
        "a stream line over the size cap",
        lambda t: _with_fake(
            lambda f: setattr(f, "default_chat", ChatScript(pieces=["x" * (2 << 20)])),
            _chat,
        ),
        5,
    ),
    FaultCase(
        "error after the answer started",
        lambda t: _with_fake(
            lambda f: setattr(f, "default_chat", ChatScript(reply="정부가 예산을", error_after=2)),
            _chat,
        ),
        5,
    ),
    FaultCase("empty clipboard", lambda t: _raised(lambda: check_input("   ")), 1),
    FaultCase("binary data instead of text", lambda t: _text(bytes(range(256)) * 256), 1),
    FaultCase("text over the size cap", lambda t: _text(b"a" * (MAX_CHARS + 10)), 5),
    FaultCase(
        "endpoint with a foreign scheme", lambda t: _raised(lambda: normalize_host("ftp://x")), 1
    ),
    FaultCase(
        "endpoint port out of range",
        lambda t: _raised(lambda: normalize_host("127.0.0.1:70000")),
        1,
    ),
    FaultCase("Modelfile with NUL bytes", lambda t: _modelfile(t, b"FROM x\x00\x00\n"), 1),
    FaultCase("GGUF path that is a FIFO", _fifo_gguf, 1),
)


def run_case(case: FaultCase, tmp: Path) -> tuple[KodeskError, float]:
    started = time.monotonic()
    error = case.run(tmp)
    return error, time.monotonic() - started


def _cell(text: str) -> str:
    """Table text, with what changes from run to run (ports, temporary paths) named."""
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"/tmp/\S+", "FILE", text)
    return text.replace("|", "\\|").replace("\n", " ")


def table(results: list[tuple[FaultCase, KodeskError, float]]) -> str:
    lines = [
        "| case | message (en) | hint | failed after |",
        "|---|---|---|---|",
    ]
    for case, error, seconds in results:
        lines.append(
            f"| {case.name} | {_cell(error.message('en'))} | {_cell(error.hint_text('en'))} "
            f"| {seconds:.2f} s (bound {case.bound:g} s) |"
        )
    return "\n".join(lines)


def readme_rows(readme: str) -> list[tuple[str, str]]:
    """(case, message) of each row of the README's matrix."""
    body = readme.split(START, 1)[1].split(END, 1)[0]
    rows = [line.split(" | ") for line in body.strip().splitlines()[2:]]
    return [(row[0].removeprefix("| "), row[1]) for row in rows]


def generated_rows(results: list[tuple[FaultCase, KodeskError, float]]) -> list[tuple[str, str]]:
    return [(case.name, _cell(error.message("en"))) for case, error, _ in results]


def main(argv: list[str]) -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for case in CASES:
            folder = Path(tmp) / str(len(results))
            folder.mkdir()
            results.append((case, *run_case(case, folder)))
    rendered = table(results)
    print(rendered)
    if "--write" in argv:
        text = README.read_text(encoding="utf-8")
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        README.write_text(f"{head}{START}\n{rendered}\n{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
