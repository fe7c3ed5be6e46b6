"""Entry point of the frozen kodesk executables (PyInstaller).

In the windowed `kodesk.exe` Windows gives the process no console, so `sys.stdout`
and `sys.stderr` are None; printing subcommands (`kodesk.exe doctor`) would crash.
They write to nowhere there; `kodesk-cli.exe` is the console twin for the terminal.
"""

import os
import sys
from pathlib import Path

if sys.stdout is None or sys.stderr is None:
    sink = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115 - lives with the app
    sys.stdout = sys.stdout or sink
    sys.stderr = sys.stderr or sink

from kodesk.cli import main

raise SystemExit(main())
