"""Planning and cleanup overhead on a 200,000-character input, against baselines.

    python benchmarks/bench_planning.py [--gguf MODEL.gguf] [--runs N]

The input is the 40,000-character select-all page of the test corpus
(`tests/core/data/webpages/naver_long_feature.txt`) with its article body repeated
until the page is 200,000 characters: one very long page with all its clutter.
Measured, each as the median of several runs:

- baseline A: `len(text)` and one `str.split()`;
- baseline B: one tokenizer pass over the text (`count`), the least any exact
  planning must do;
- cleanup: `clean_web_text`;
- planning: `ContextPlanner.plan` on the cleaned text for the summary task
  (a map-reduce plan with every chunk counted exactly);
- cleanup + planning.

The tokenizer is the estimate (no model needed) or, with `--gguf`, the model's exact
tokenizer. The aim is under 50 ms for cleanup + planning; it is reported, not asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kodesk.core.context_planner import ContextPlanner, ContextPolicy  # noqa: E402
from kodesk.core.model_profile import ModelProfile, TemplateOverhead  # noqa: E402
from kodesk.core.tasks import BUILTIN_TASKS, find_task  # noqa: E402
from kodesk.core.tokenizer import EstimateTokenizer, Tokenizer, tokenizer_from_gguf  # noqa: E402
from kodesk.core.web_cleanup import clean_web_text  # noqa: E402

TARGET_CHARS = 200_000
AIM_MS = 50.0


def long_page() -> str:
    page = (ROOT / "tests" / "core" / "data" / "webpages" / "naver_long_feature.txt").read_text(
        encoding="utf-8")
    lines = page.split("\n")
    start = lines.index("인쇄하기") + 1
    end = next(i for i, line in enumerate(lines) if line.startswith("Copyright ⓒ"))
    head, body, tail = lines[:start], lines[start:end], lines[end:]
    while len("\n".join(head + tail)) < TARGET_CHARS:
        head += body
    return "\n".join(head + tail)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def planner_for(tokenizer: Tokenizer) -> ContextPlanner:
    profile = ModelProfile(
        model="bench", digest="", tokenizer=tokenizer, trained_context=8192,
        configured_num_ctx=None, server_default_ctx=4096, server_default_source="bench",
        overhead=TemplateOverhead(fixed=8, per_message=6), model_info={})
    return ContextPlanner(profile, ContextPolicy())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, help="also plan with this model's exact tokenizer")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tokenizers: list[Tokenizer] = [EstimateTokenizer()]
    if args.gguf:
        tokenizers.append(tokenizer_from_gguf(args.gguf))
    task = find_task(BUILTIN_TASKS, "summary")
    text = long_page()
    cleaned = clean_web_text(text).text
    base = median_ms(lambda: (len(text), text.split()), args.runs)
    rows: list[tuple[str, float, float | None]] = [
        ("baseline: len + str.split", base, None),
        ("cleanup", median_ms(lambda: clean_web_text(text), args.runs), None),
    ]
    print(f"input: {len(text):,} characters → cleaned {len(cleaned):,}; "
          f"median of {args.runs} runs")
    totals: dict[str, float] = {}
    for tokenizer in tokenizers:
        planner = planner_for(tokenizer)
        plan = planner.plan(task, cleaned, {})  # also warms an exact tokenizer's caches
        label = "estimate" if tokenizer.is_estimate else tokenizer.name
        print(f"{label}: plan {plan.decision}, {len(plan.chunks)} chunks")
        one_pass = median_ms(lambda t=tokenizer: t.count(cleaned), args.runs)  # type: ignore[misc]
        planning = median_ms(lambda p=planner: p.plan(task, cleaned, {}), args.runs)  # type: ignore[misc]
        both = median_ms(lambda p=planner: p.plan(task, clean_web_text(text).text, {}),  # type: ignore[misc]
                         args.runs)
        rows += [(f"{label}: one count pass", one_pass, None),
                 (f"{label}: planning", planning, one_pass),
                 (f"{label}: cleanup + planning", both, one_pass)]
        totals[label] = both
    for name, ms, per_pass in rows:
        passes = f"   = {ms / per_pass:4.1f} count passes" if per_pass else ""
        print(f"{name:48s} {ms:8.1f} ms   ×{ms / base:6.1f} vs baseline{passes}")
    for label, total in totals.items():
        verdict = "within" if total <= AIM_MS else "over"
        print(f"{label}: cleanup + planning {total:.1f} ms, {verdict} the {AIM_MS:.0f} ms aim")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
