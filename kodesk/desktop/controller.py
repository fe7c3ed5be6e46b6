"""The job controller: one hotkey press is one job, owned here as one asyncio task.

A new press, Stop or Esc cancels the running job (closing its HTTP stream) before
the next starts. UI updates from a job that is no longer current are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, QSize, QTimer, Signal

from kodesk.core.errors import InternalError, KodeskError, Language, Text
from kodesk.core.history import HistoryStore
from kodesk.core.job_events import (
    JobDelta,
    JobEvent,
    JobFinished,
    JobModel,
    JobNote,
    JobProgress,
    JobPrompt,
    JobReset,
    JobStatus,
    JobTokens,
    JobWarning,
)
from kodesk.core.settings import Settings
from kodesk.core.tasks import Task, TaskError, find_task
from kodesk.desktop.answer_window import AnswerWindow
from kodesk.desktop.clipboard import ClipboardCapture, press_paste_shortcut
from kodesk.desktop.i18n import labels_for

if TYPE_CHECKING:
    from kodesk.core.context_planner import Plan
    from kodesk.core.runner import TaskRunner

log = logging.getLogger("kodesk")
NO_SELECTION = Text(
    ko="선택된 글을 복사하지 못해 클립보드에 있던 글을 사용했습니다.",
    en="Nothing was copied from a selection; the clipboard's text was used.",
)


class JobController(QObject):
    """Runs tasks on captured text and feeds the answer window.

    Signals:
        busyChanged(bool): a job started (True) or ended (False).
        fixRequested(str): the answer window's fix button was pressed (a `Fix`).
    """

    busyChanged = Signal(bool)
    fixRequested = Signal(str)

    def __init__(
        self,
        *,
        settings: Settings,
        runner: Callable[[], TaskRunner],
        tasks: Callable[[], list[Task]],
        capture: ClipboardCapture,
        window: Callable[[], AnswerWindow],
        language: Language,
        press_paste: Callable[[], None] = press_paste_shortcut,
        history: HistoryStore | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._runner = runner
        self._tasks = tasks
        self._capture = capture
        self._window_factory = window
        self._window: AnswerWindow | None = None
        self._lang = language
        self._press_paste = press_paste
        self._history = history
        self._labels = labels_for(language)
        self._last_plan: Plan | None = None
        self._prompt_format: str | None = None
        self._tall = False
        self._job: asyncio.Task[None] | None = None
        self._last: tuple[str, str] | None = None

    # -- public slots -----------------------------------------------------------------
    def trigger(self, binding: str) -> None:
        """A hotkey fired: "main" runs the default task, anything else names a task."""
        task = self._settings.get("task.default") if binding == "main" else binding
        self.start(task)

    def start(self, task_name: str, text: str | None = None) -> None:
        """Cancel any running job and start `task_name` (on `text`, or captured text)."""
        self.stop()
        self._job = asyncio.ensure_future(self._run(task_name, text))
        self.busyChanged.emit(True)
        self._job.add_done_callback(self._job_done)

    def stop(self) -> None:
        if self._job is not None and not self._job.done():
            self._job.cancel()

    async def aclose(self) -> None:
        """Stop the running job and wait until it has ended (at shutdown)."""
        job = self._job
        self.stop()
        if job is not None:
            await asyncio.gather(job, return_exceptions=True)

    def retry(self) -> None:
        if self._last is not None:
            self.start(*self._last)

    def set_language(self, language: Language) -> None:
        """Answers from now on in `language`; the window is rebuilt for the next job."""
        self._lang = language
        self._labels = labels_for(language)
        if self._window is not None and not self._window.streaming:
            self._window.close()
            self._window.deleteLater()
            self._window = None

    @property
    def window(self) -> AnswerWindow | None:
        return self._window

    @property
    def job(self) -> asyncio.Task[None] | None:
        return self._job

    # -- the job ------------------------------------------------------------------------
    def _ensure_window(self) -> AnswerWindow:
        if self._window is None:
            self._window = self._window_factory()
            self._window.stopRequested.connect(self.stop)
            self._window.retryRequested.connect(self.retry)
            self._window.pasteBackRequested.connect(self._paste_back)
            self._window.moved.connect(self._remember_position)
            self._window.hidden.connect(self._remember_size)
            self._window.fixRequested.connect(self.fixRequested)
        return self._window

    async def _run(self, task_name: str, text: str | None) -> None:
        window = self._ensure_window()
        try:
            task = find_task(self._tasks(), task_name)
        except TaskError as exc:
            self._show(window, task_name, "")
            window.show_error(str(exc))
            return
        self._show(window, task.title.get(self._lang), task.model, tall=task.name == "tokens")
        self._last_plan, self._prompt_format = None, None
        # Imported on the first job, not at start-up: planning pulls in the tokenizers.
        from kodesk.core.job import run_job

        stopped = False
        try:
            had_other_content = False
            if text is None:
                captured = await self._capture.capture(
                    self._settings.get("capture.mode"),
                    self._settings.get("capture.copy_timeout_ms"),
                )
                text, had_other_content = captured.text, captured.had_other_content
                if captured.used_existing_clipboard:
                    window.add_warning(NO_SELECTION.get(self._lang))
            self._last = (task_name, text or "")
            job = run_job(
                self._runner(),
                self._settings,
                task,
                text,
                had_other_content=had_other_content,
                history=self._history,
            )
            async for event in job:
                self._apply(window, task, event)
            window.set_details(self._details())
            log.info("job %s finished: %r", task.name, window.answer_text()[:300])
        except asyncio.CancelledError:
            stopped = True
            log.info("job %s stopped", task_name)
            if self._is_current():
                window.finish(None, stopped=True)
            raise
        except KodeskError as exc:
            log.info("job %s failed: %s", task_name, exc.code)
            window.show_error(exc.message(self._lang), exc.hint_text(self._lang))
            if exc.fix is not None:
                window.offer_fix(exc.fix)
        except Exception as exc:  # a bug outside the job (capture, the window): say so
            log.exception("job %s: internal error", task_name)
            error = InternalError(exc)
            window.show_error(error.message(self._lang), error.hint_text(self._lang))
        finally:
            if not stopped and window.streaming and self._is_current():
                window.finish(None)

    def _details(self) -> str:
        """The plan of the last job and the prompt format the engine reported."""
        L = self._labels
        lines = []
        plan = self._last_plan
        if plan is not None:
            from kodesk.core.context_planner import DECISION_TEXT  # loaded by the job

            parts = [
                f"{L.plan}: {DECISION_TEXT[plan.decision].get(self._lang)}",
                f"{plan.prompt_tokens:,} {L.token_unit}"
                + (f" ({L.estimated})" if plan.estimate else ""),
                f"num_ctx {plan.num_ctx:,}",
            ]
            if plan.chunks:
                parts.append(f"{L.chunks} {len(plan.chunks)}")
            lines.append(" · ".join(parts))
        if self._prompt_format is not None:
            lines.append(f"{L.prompt_format}: {self._prompt_format}")
        return "\n".join(lines)

    def _is_current(self) -> bool:
        """False in a job that a newer one replaced: it must not touch the window."""
        return asyncio.current_task() is self._job

    def _apply(self, window: AnswerWindow, task: Task, event: JobEvent) -> None:
        if isinstance(event, JobDelta):
            if not window.answer_text():
                log.info("first answer text")
            window.set_status("")
            window.append(event.text)
        elif isinstance(event, JobStatus | JobProgress):
            window.set_status(event.text.get(self._lang))
        elif isinstance(event, JobWarning):
            window.add_warning(event.text.get(self._lang))
            if event.fix is not None:
                window.offer_fix(event.fix)
        elif isinstance(event, JobNote):
            window.add_note(event.text.get(self._lang))
        elif isinstance(event, JobReset):
            window.reset_answer(event.reason.get(self._lang))
        elif isinstance(event, JobModel):
            window.header.setText(f"{task.title.get(self._lang)} · {event.model}")
        elif isinstance(event, JobPrompt):
            self._prompt_format = event.format
        elif isinstance(event, JobTokens):
            from kodesk.desktop.token_view import TokenChipsView

            view = TokenChipsView(self._labels)
            view.show_report(event.report)
            window.add_extra(view)
        elif isinstance(event, JobFinished):
            self._last_plan = event.plan
            window.finish(event.stats)

    def _show(self, window: AnswerWindow, title: str, model: str, *, tall: bool = False) -> None:
        window.begin(title, model)
        self._tall = tall
        width, height = self._settings.get("window.size")
        window.resize(max(width, 320), max(height, 560 if tall else 200))
        position = self._settings.get("window.position")
        if self._settings.get("window.placement") == "remember" and len(position) == 2:
            window.move(QPoint(*position))
        else:
            window.place_near()
        window.show()
        window.raise_()
        window.activateWindow()

    def _remember_position(self, point: QPoint) -> None:
        self._settings.set("window.position", [point.x(), point.y()])

    def _remember_size(self, size: QSize) -> None:
        """The user's size for ordinary answers (the taller token view is not kept)."""
        if not self._tall:
            self._settings.set("window.size", [size.width(), size.height()])

    def _paste_back(self, text: str) -> None:
        window = self._ensure_window()
        window.hide()
        # Give the previous window time to regain focus before pasting into it.
        QTimer.singleShot(150, lambda: self._capture.paste_text(text.strip(), self._press_paste))

    def _job_done(self, job: asyncio.Task[None]) -> None:
        if job is self._job:
            self.busyChanged.emit(False)
        if not job.cancelled():
            with contextlib.suppress(asyncio.CancelledError):
                job.exception()
