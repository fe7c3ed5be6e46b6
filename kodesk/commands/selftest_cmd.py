"""`kodesk self-test`: check that this installation (source or frozen build) can run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kodesk.paths import default_paths


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "self-test", help="check modules, resources, Qt, Hangul fonts and the settings folder"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kodesk.selftest import passed, render, run_self_test

    settings_dir = Path(default_paths(getattr(args, "settings", None)).settings).parent
    checks = run_self_test(settings_dir)
    if args.json:
        print(
            json.dumps(
                {"passed": passed(checks), "checks": [c.__dict__ for c in checks]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(render(checks))
    return 0 if passed(checks) else 1
