"""Settings and history survive `kill -9` of a writer at random moments (issue 10 item 7).

A writer process appends a custom task to the settings and an answer to the history in
a loop, printing each entry after its write returned. It is killed with SIGKILL at a
random moment, several times; each restart is "the next start": the files must open
cleanly and hold every entry that was reported committed.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kodesk.core.history import HistoryStore
from kodesk.core.settings import SettingsStore

ROOT = Path(__file__).resolve().parents[2]
KILLS = 10
#: Each writer is killed this long after it reported being ready (seconds).
KILL_AFTER = (0.05, 0.3)
#: Bound on any wait for the writer (start-up on a loaded CI machine).
PATIENCE = 30.0

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from kodesk.core.history import HistoryStore
    from kodesk.core.settings import SettingsStore

    folder = Path(sys.argv[1])
    store = SettingsStore(folder / "settings.toml")
    history = HistoryStore(folder / "history.sqlite3")
    loaded = store.load()
    for notice in loaded.notices:
        print("notice", notice.en, flush=True)
    settings = loaded.settings
    n = len(settings.get("tasks.custom"))
    print("ready", flush=True)
    while True:
        tasks = settings.get("tasks.custom")
        tasks.append({"name": f"t{n}", "template": f"{{text}} {n}"})
        settings.set("tasks.custom", tasks)
        store.save(settings)
        print("settings", n, flush=True)
        print("history", history.add("summary", "m", f"input {n}", f"answer {n}"), flush=True)
        n += 1
""")


class Writer:
    def __init__(self, folder: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder)],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        self._fd = self.proc.stdout.fileno()
        self._buffer = b""
        self.lines: list[str] = []

    def read_until(self, deadline: float, stop: str | None = None) -> None:
        """Collect output lines until `deadline`, the line `stop`, or end of output."""
        while stop not in self.lines:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._fd], [], [], remaining)[0]:
                return
            chunk = os.read(self._fd, 65536)
            if not chunk:
                return
            self._buffer += chunk
            *done, self._buffer = self._buffer.split(b"\n")
            self.lines += [line.decode() for line in done]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=PATIENCE)
        self.read_until(time.monotonic() + PATIENCE)  # what was printed before the kill
        assert self.proc.stdout is not None
        self.proc.stdout.close()

    def committed(self, kind: str) -> list[int]:
        return [int(line.split()[1]) for line in self.lines if line.startswith(kind + " ")]


@pytest.mark.slow
def test_settings_and_history_survive_kill_9_at_random_moments(tmp_path: Path) -> None:
    rng = random.Random(9)
    settings_committed: list[int] = []
    history_committed: list[int] = []
    for _ in range(KILLS):
        writer = Writer(tmp_path)
        try:
            writer.read_until(time.monotonic() + PATIENCE, stop="ready")
            assert "ready" in writer.lines, writer.lines
            writer.read_until(time.monotonic() + rng.uniform(*KILL_AFTER))
        finally:
            writer.kill()
        assert not [line for line in writer.lines if line.startswith("notice")], writer.lines
        settings_committed += writer.committed("settings")
        history_committed += writer.committed("history")

        loaded = SettingsStore(tmp_path / "settings.toml").load()
        assert loaded.notices == []
        names = {t["name"] for t in loaded.settings.get("tasks.custom")}
        assert {f"t{n}" for n in settings_committed} <= names
        with sqlite3.connect(tmp_path / "history.sqlite3") as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        db.close()
        ids = {e.id for e in HistoryStore(tmp_path / "history.sqlite3").recent(limit=10**6)}
        assert set(history_committed) <= ids

    assert len(settings_committed) >= KILLS and len(history_committed) >= KILLS
    # Temporary files of writes cut short go at a later start (once they are stale).
    later = time.time() + 3600
    assert SettingsStore(tmp_path / "settings.toml", clock=lambda: later).load().notices == []
    assert not list(tmp_path.glob(".settings-*.tmp"))
