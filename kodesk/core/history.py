"""Opt-in local history of answers (SQLite). Off unless `history.enabled` is set."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
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


@dataclass(frozen=True)
class HistoryEntry:
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

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path)
        connection.execute(_SCHEMA)
        return connection

    def add(
        self,
        task: str,
        model: str,
        text: str,
        answer: str,
        prompt_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO answers (created, task, model, input, answer, prompt_tokens, "
                "output_tokens) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self._clock(), task, model, text, answer, prompt_tokens, output_tokens),
            )
        db.close()

    def recent(self, limit: int = 50) -> list[HistoryEntry]:
        if not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT created, task, model, input, answer, prompt_tokens, output_tokens "
                "FROM answers ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        db.close()
        return [HistoryEntry(*row) for row in rows]

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
