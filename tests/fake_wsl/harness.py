"""Test-side control of the fake `wsl.exe` / `tasklist.exe` and the version servers."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.fake_wsl.version_server import VersionServer

FAKE_DIR = Path(__file__).resolve().parent
WSL_EXE = FAKE_DIR / "wsl.exe"
TASKLIST_EXE = FAKE_DIR / "tasklist.exe"


def free_port() -> int:
    """A port that is free on 127.0.0.1 now (used on 127.0.0.x for several servers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FakeWindows:
    """The state the fakes read. `update(**fields)` rewrites the JSON file."""

    def __init__(self, tmp: Path) -> None:
        self.state_path = tmp / "fake-wsl-state.json"
        self.root = tmp / "wsl-root"
        self.calls_path = tmp / "wsl-calls.jsonl"
        self.hung_path = tmp / "wsl-hung.txt"
        self.state: dict[str, Any] = {
            "distros": [],
            "bom": True,
            "root": str(self.root),
            "calls": str(self.calls_path),
            "hung": str(self.hung_path),
        }
        self.save()

    def update(self, **fields: Any) -> FakeWindows:
        self.state.update(fields)
        self.save()
        return self

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state), encoding="utf-8")

    def calls(self) -> list[list[str]]:
        if not self.calls_path.exists():
            return []
        lines = self.calls_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def hung_pids(self) -> list[int]:
        """Process ids of the fakes that started hanging (a command kind in "hang")."""
        if not self.hung_path.exists():
            return []
        text = self.hung_path.read_text(encoding="utf-8")
        return [int(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


def process_exists(pid: int) -> bool:
    """Whether a process (or an unreaped zombie) with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def version_servers(*specs: tuple[str, int, str]) -> Iterator[list[VersionServer]]:
    """Start one `/api/version` server per (host, port, version); stop them afterwards."""
    servers = [VersionServer(host, port, version).start() for host, port, version in specs]
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()
