"""Run every benchmark: `python -m benchmarks [--short] [--json FILE] [NAME ...]`.

Each benchmark runs in its own process (they start Qt apps, X sessions and models) and
prints its table; the figures of all of them are collected into one JSON file
(`benchmarks-results.json` unless `--json` says otherwise). `--short` is the CI mode:
fewer runs and sizes, the same code paths. Exit status 1 if a benchmark failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name -> script; each takes `--short` and `--json FILE` (see `report.py`).
BENCHMARKS = {
    "answer_window": "bench_answer_window.py",
    "startup": "bench_startup.py",
    "planning": "bench_planning.py",
    "long_texts": "bench_long_texts.py",
    "tokenizer": "bench_tokenizer.py",
    "embedded": "bench_embedded.py",
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], metavar="NAME")
    parser.add_argument("--short", action="store_true", help="the quick CI mode")
    parser.add_argument("--json", type=Path, default=Path("benchmarks-results.json"))
    opts = parser.parse_args()
    results: dict[str, object] = {}
    failed = []
    with tempfile.TemporaryDirectory(prefix="kodesk-bench-") as temp:
        for name in opts.names or list(BENCHMARKS):
            out = Path(temp) / f"{name}.json"
            command = [sys.executable, str(HERE / BENCHMARKS[name]), "--json", str(out)]
            print(f"== {name}: {' '.join(command[1:])}{' --short' if opts.short else ''}")
            started = time.perf_counter()
            code = subprocess.call(command + (["--short"] if opts.short else []))
            seconds = time.perf_counter() - started
            if code == 0 and out.exists():
                results[name] = {"seconds": seconds, **json.loads(out.read_text("utf-8"))}
            else:
                failed.append(name)
                results[name] = {"seconds": seconds, "failed": f"exit status {code}"}
    opts.json.write_text(
        json.dumps({"short": opts.short, "results": results}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"figures: {opts.json}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
