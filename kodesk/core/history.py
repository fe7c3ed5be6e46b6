"""Opt-in local history of answers (SQLite). Off unless `history.enabled` is set.

Each `add` is one committed transaction with SQLite's full sync, so an entry whose
`add` returned survives the writer being killed (`kill -9`) or the machine stopping.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    created REAL NOT NULL,
    task TEXT NOT NULL,
    model TEXT NOT NULL,
    input TEXT NOT NULL,
    answer TEXT NOT NULL,
    prompt_tokens INTEGER,
    output_tokens INTEGER
)
"""
#: Another kodesk process may be writing; wait this long for its lock (seconds).
BUSY_TIMEOUT = 5.0


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    created: float
    task: str
    model: str
    input: str
    answer: str
    prompt_tokens: int | None
    output_tokens: int | None


class HistoryStore:
    """Appends and reads answers; the file is created on first write."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection whose work is committed on success (rolled back on error), then closed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)) as db:
            db.execute("PRAGMA synchronous = FULL")
            with db:
                db.execute(_SCHEMA)
                yield db

    def add(
        self,
        task: str,
        model: str,
        text: str,
        answer: str,
        prompt_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> int:
        """Store an answer; returns its id once it is committed."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO answers (created, task, model, input, answer, prompt_tokens, "
                "output_tokens) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self._clock(), task, model, text, answer, prompt_tokens, output_tokens),
            )
        assert cursor.lastrowid is not None  # an INSERT into a rowid table always sets it
        return cursor.lastrowid

    def recent(self, limit: int = 50) -> list[HistoryEntry]:
        if not self.path.exists():
            return []
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, created, task, model, input, answer, prompt_tokens, output_tokens "
                "FROM answers ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [HistoryEntry(*row) for row in rows]

    def clear(self) -> None:
        """Delete the history, with any journal a killed writer left: a stale journal next
        to a new file would be rolled back into it."""
        for suffix in ("", "-journal", "-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
