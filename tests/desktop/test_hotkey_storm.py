"""100 hotkey presses in 2 seconds: one job runs at the end, and no task, socket or file
descriptor is left behind (counted before and after)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from kodesk.core.engine import Engine
from kodesk.desktop.controller import JobController
from kodesk.engines.ollama_engine import OllamaEngine
from tests.core.planning_helpers import korean_text
from tests.desktop.conftest import AsyncLoop
from tests.desktop.test_controller import ARTICLE, close_controller, done, make_controller
from tests.fake_ollama import ChatScript, FakeOllama

PRESSES = 100
#: About two seconds of streaming (not repetitive: a loop would be stopped as degenerate).
REPLY = korean_text(8)
SPAN = 2.0


def open_fds() -> tuple[int, int]:
    """(file descriptors, of which sockets) of this process (the fake server included)."""
    fds = sockets = 0
    for entry in Path("/proc/self/fd").iterdir():
        try:
            target = str(entry.readlink())
        except OSError:  # the descriptor listdir itself used, closed by now
            continue
        fds += 1
        sockets += target.startswith("socket:")
    return fds, sockets


def settled(fake: FakeOllama) -> bool:
    """Every chat the server began to answer has ended (finished, or its client left); one
    it never began (its client left while it was being read) holds nothing."""
    return all(r.finished or r.aborted or r.num_ctx is None for r in fake.chat_requests())


def storm(aloop: AsyncLoop, controller: JobController, presses: int) -> list[asyncio.Task[None]]:
    """`presses` hotkey presses spread evenly over `SPAN` seconds; the job of each."""
    jobs: list[asyncio.Task[None]] = []
    last_press = asyncio.Event()

    def press(i: int) -> None:
        controller.trigger("main")
        assert controller.job is not None
        jobs.append(controller.job)
        if i == presses - 1:
            last_press.set()

    for i in range(presses):
        aloop.loop.call_later(i * SPAN / presses, press, i)
    aloop.run(last_press.wait(), timeout=SPAN + 10)
    return jobs


def test_a_storm_of_presses_ends_with_one_job_and_nothing_leaked(
    aloop: AsyncLoop, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    engine: Engine = OllamaEngine(fake_ollama.url)
    controller = make_controller(engine, tmp_path)
    QGuiApplication.clipboard().setText(ARTICLE)
    # Each answer streams for ~2 s, so a press always finds a job to cancel.
    fake_ollama.default_chat = ChatScript(reply=REPLY, piece_size=2, delay=0.02)
    # Warm up with a small storm: the window, the tokenizer, and the connection pool at
    # its steady size (a stream and a short call each hold a pooled connection).
    storm(aloop, controller, 10)
    aloop.until(lambda: done(controller), timeout=20)
    aloop.until(lambda: settled(fake_ollama))
    tasks_before = len(asyncio.all_tasks(aloop.loop))
    fds_before, sockets_before = open_fds()

    jobs = storm(aloop, controller, PRESSES)
    assert len(jobs) == PRESSES
    # Every earlier job was stopped (each closes its stream in a moment); the last one runs.
    aloop.until(lambda: all(job.done() for job in jobs[:-1]))
    assert all(job.cancelled() for job in jobs[:-1])
    assert not jobs[-1].done()
    aloop.until(lambda: done(controller), timeout=30)
    assert not jobs[-1].cancelled() and controller.window is not None
    assert controller.window.answer_text() == REPLY

    # Requests the server was still answering when their job was cancelled end within a
    # moment (server and client sockets are both counted); a leaked connection never would.
    aloop.until(lambda: open_fds()[1] <= sockets_before, timeout=10)
    left = asyncio.all_tasks(aloop.loop)
    assert len(left) <= tasks_before, [t.get_coro() for t in left]
    assert open_fds()[0] <= fds_before
    close_controller(controller, aloop, engine)
