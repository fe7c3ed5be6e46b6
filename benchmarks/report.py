"""What every benchmark shares: the `--short` and `--json` options and the JSON file.

`python -m benchmarks` runs them all (see `benchmarks/__main__.py`); each script also
runs alone and prints its own table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--short", action="store_true", help="a quick run for CI (fewer sizes)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")


def write_json(path: Path | None, name: str, figures: dict[str, Any]) -> None:
    """Write `{"benchmark": name, ...figures}` to `path` (nothing without a path)."""
    if path is not None:
        path.write_text(
            json.dumps({"benchmark": name, **figures}, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"
