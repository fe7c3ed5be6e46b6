"""The one asyncio loop of the app, running on Qt's event loop (qasync)."""

from __future__ import annotations

import sys
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication


def create_event_loop(app: QCoreApplication) -> Any:
    """A qasync loop that also finalizes abandoned async generators.

    qasync does not install asyncio's async-generator hooks (asyncio.run and
    BaseEventLoop.run_forever do). Without them a generator dropped mid-iteration is
    closed by the garbage collector outside the loop; with them the loop closes it.
    """
    loop = qasync.QEventLoop(app)
    sys.set_asyncgen_hooks(
        firstiter=loop._asyncgen_firstiter_hook, finalizer=loop._asyncgen_finalizer_hook
    )
    return loop
