from __future__ import annotations

from pathlib import Path

from kodesk.core.history import HistoryStore


def test_history_round_trip_newest_first(tmp_path: Path) -> None:
    clock = iter([1.0, 2.0])
    store = HistoryStore(tmp_path / "h" / "history.sqlite3", clock=lambda: next(clock))
    assert store.recent() == []
    first = store.add("summary", "exaone3.5:2.4b", "원문 하나", "요약 하나", 120, 12)
    second = store.add("translate", "exaone3.5:2.4b", "원문 둘", "answer two")
    assert second > first
    entries = store.recent()
    assert [e.answer for e in entries] == ["answer two", "요약 하나"]
    assert [e.id for e in entries] == [second, first]
    assert entries[1].prompt_tokens == 120 and entries[1].created == 1.0
    assert len(store.recent(limit=1)) == 1
    store.clear()
    assert store.recent() == []


def test_clear_removes_a_journal_left_by_a_killed_writer(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    store.add("summary", "m", "text", "answer")
    journal = tmp_path / "history.sqlite3-journal"
    journal.write_bytes(b"left by a killed writer")
    store.clear()
    assert sorted(tmp_path.iterdir()) == []
