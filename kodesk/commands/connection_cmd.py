"""`kodesk connection`: the connection doctor window (find Ollama, start it in WSL).

The text version is `kodesk doctor`; this one is what the Windows installer's
"connection doctor" shortcut and finish page open.
"""

from __future__ import annotations

import argparse
from typing import Any

from kodesk.commands.common import load_settings, server_options
from kodesk.core.settings import SettingsStore


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "connection",
        parents=[server_options()],
        help="open the connection doctor window (find Ollama, start it in WSL, pick the endpoint)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kodesk.desktop.connection_doctor_dialog import run_connection_doctor
    from kodesk.desktop.i18n import pick_language

    # The window is where a bad endpoint gets fixed: it is not refused here.
    settings, paths = load_settings(args, check_endpoint=False)
    store = SettingsStore(paths.settings)
    lang = pick_language(settings.get("ui.language"))
    return run_connection_doctor(settings, store.save, args.host or "", lang)
