"""Composition root of the tray app: QApplication, the qasync loop, and the wiring.

Start-up shows the tray icon first and imports the heavy parts (asyncio and qasync,
the Ollama client, the hotkey library) right after, so the icon appears quickly.
Nothing polls while idle: Ctrl+C arrives through a wake-up socket, not a timer, and a
cancelled timeout leaves no timer behind (see `event_loop`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger("kodesk")


def gui_main() -> None:
    """Entry point of the windowed launcher (`kodesk-gui`, shortcuts, autostart)."""
    from kodesk.cli import build_parser

    raise SystemExit(run_app(build_parser().parse_args(sys.argv[1:])))


def no_display_reason(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str:
    """Why the tray app cannot open a window here ("" when it can)."""
    env = dict(os.environ) if environ is None else environ
    if platform.startswith("linux") and not (
        env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM")
    ):
        return (
            "kodesk: no graphical display (DISPLAY and WAYLAND_DISPLAY are not set). "
            "Run it in a desktop session, or use the commands: kodesk run summary < file.txt"
        )
    return ""


def run_app(args: argparse.Namespace) -> int:
    reason = no_display_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    logging.basicConfig(
        level=os.environ.get("KODESK_LOG", "WARNING").upper(),
        format="kodesk: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from kodesk.core.settings import SettingsStore
    from kodesk.desktop.i18n import labels_for, pick_language
    from kodesk.desktop.single_instance import SingleInstance, server_name
    from kodesk.desktop.tray import Tray, load_icon
    from kodesk.paths import default_paths
    from kodesk.resources_path import resource_path

    app = QApplication(sys.argv[:1])
    app.setApplicationName("kodesk")
    app.setQuitOnLastWindowClosed(False)
    paths = default_paths(args.settings)
    single = SingleInstance(server_name())
    if not single.claim():
        print("kodesk is already running; asked it to show itself.", file=sys.stderr)
        return 0
    loaded = SettingsStore(paths.settings).load()
    labels = labels_for(pick_language(loaded.settings.get("ui.language")))

    def icon(name: str) -> QIcon:
        return load_icon(
            [
                str(resource_path(f"icons/{name}-{size}.png"))
                for size in (16, 20, 24, 32, 40, 48, 64, 128, 256)
            ]
        )

    app.setWindowIcon(icon("kodesk"))
    shell: dict[str, Any] = {}

    async def list_models() -> list[Any]:
        return list(await shell["app"].engine().list_models())

    tray = Tray(
        labels=labels,
        icon=icon("kodesk"),
        paused_icon=icon("kodesk-paused"),
        list_models=list_models,
    )
    if not tray.icon.isSystemTrayAvailable():
        log.warning("no system tray is available; hotkeys and `kodesk run` still work")
    tray.show()
    log.info("tray shown (%.0f ms CPU)", time.process_time() * 1000)

    import asyncio

    from kodesk.desktop.event_loop import create_event_loop

    loop = create_event_loop(app)
    asyncio.set_event_loop(loop)
    quit_event = asyncio.Event()
    _install_sigint(app, quit_event)

    from kodesk.desktop.shell import Shell

    shell["app"] = Shell(
        app=app,
        args=args,
        paths=paths,
        loaded=loaded,
        labels=labels,
        tray=tray,
        single=single,
        quit_event=quit_event,
    )
    loop.call_soon(shell["app"].finish_startup)
    with loop:
        loop.run_until_complete(quit_event.wait())
        loop.run_until_complete(shell["app"].shutdown())
    single.release()
    return 0


def _install_sigint(app: Any, quit_event: asyncio.Event) -> None:
    """Ctrl+C quits cleanly: the signal wakes Qt through a socket (no polling timer)."""
    import contextlib
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        with contextlib.suppress(BlockingIOError):
            reader.recv(64)

    notifier.activated.connect(drain)
    signal.signal(signal.SIGINT, lambda *_: quit_event.set())
    signal.signal(signal.SIGTERM, lambda *_: quit_event.set())
    app._kodesk_sigint = (reader, writer, notifier)  # keep them alive with the app
