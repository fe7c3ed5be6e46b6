"""A real X session for end-to-end tests: Xvfb, a tray host (trayer), the app as a subprocess.

Waiting is event-driven: for the X socket to appear, for a log line from the app, for a
window to be mapped. Screenshots go to `test-artifacts/` for people to look at.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.xdisplay import xvfb

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


class XSession:
    def __init__(self, display: str, env: dict[str, str]) -> None:
        self.display = display
        self.env = env

    def run(self, *args: str, input: bytes | None = None, timeout: float = 10) -> str:
        result = subprocess.run(
            args, env=self.env, input=input, capture_output=True, timeout=timeout, check=True
        )
        return result.stdout.decode(errors="replace")

    def set_clipboard(self, text: str) -> None:
        """Own the CLIPBOARD selection with xclip (it stays in the background serving it)."""
        subprocess.run(
            ["xclip", "-selection", "clipboard", "-i"],
            env=self.env,
            input=text.encode(),
            check=True,
            timeout=10,
        )

    def key(self, combo: str) -> None:
        self.run("xdotool", "key", "--clearmodifiers", combo)

    def screenshot(self, name: str, window: str = "root") -> Path:
        """Save the screen (or one window, by id) as test-artifacts/NAME.png."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.run("import", "-window", window, str(path), timeout=20)
        return path

    def visible_windows(self) -> set[str]:
        result = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", ""],
            env=self.env,
            capture_output=True,
            timeout=10,
        )
        return set(result.stdout.decode().split())

    def click_tray(self, button: int = 3) -> None:
        """Click the middle of the tray host's panel (where the only icon sits)."""
        panel = self.window_ids("panel")[0]
        geometry = self.run("xdotool", "getwindowgeometry", "--shell", panel)
        values = dict(line.split("=", 1) for line in geometry.split())
        x = int(values["X"]) + int(values["WIDTH"]) // 2
        y = int(values["Y"]) + int(values["HEIGHT"]) // 2
        self.run("xdotool", "mousemove", str(x), str(y), "click", str(button))

    def window_ids(self, name: str) -> list[str]:
        result = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name],
            env=self.env,
            capture_output=True,
            timeout=10,
        )
        return result.stdout.decode().split()


@contextmanager
def x_session(width: int = 1280, height: int = 800) -> Iterator[XSession]:
    """Xvfb plus the trayer tray host."""
    with xvfb(width, height) as display:
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "XDG_SESSION_TYPE": "x11",
        }
        env.pop("WAYLAND_DISPLAY", None)
        tray = subprocess.Popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "28",
                "--SetDockType",
                "true",
                "--transparent",
                "false",
                "--tint",
                "0x303030",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            session = XSession(display, env)
            wait_for(lambda: bool(session.window_ids("panel")), 20, "trayer")
            yield session
        finally:
            tray.terminate()
            try:
                tray.wait(10)
            except subprocess.TimeoutExpired:
                tray.kill()


class AppProcess:
    """kodesk running as a real subprocess; its stderr log lines are collected."""

    def __init__(
        self,
        args: Sequence[str],
        env: dict[str, str],
        program: Sequence[str] = (sys.executable, "-m", "kodesk"),
    ) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            [*program, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            self._queue.put(line)

    def wait_line(self, needle: str, timeout: float = 30) -> str:
        """The first new log line containing `needle` (lines before are consumed)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.proc.poll() is not None and self._queue.empty()):
                raise TimeoutError(f"no log line with {needle!r}; log:\n" + "\n".join(self.lines))
            try:
                line = self._queue.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if needle in line:
                return line

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        code = self.proc.wait()
        self._reader.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code
