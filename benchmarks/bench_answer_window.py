"""UI-thread time per flush of the answer window, against re-rendering everything.

A markdown answer (headings, paragraphs, lists, code, tables, quotes) of 1k, 4k and
16k tokens is streamed into a shown `AnswerWindow` (offscreen platform) at 200 and
2,000 tokens/s: each flush gets the tokens of one 16 ms frame (3 and 32), and a
flush's time is `append` of those tokens + `_flush()` + the repaint and layout that
follow (`processEvents`), as CPU time of the UI thread (`time.thread_time`, so other
work on a busy machine does not count). Frames follow each other at once, not in real
time, so the figure is pure UI-thread work. Reported per size and rate:

- the median and 95th percentile of the flushes of the last 1,000 tokens (the answer
  at that length), the median of 3 streams (1 with `--short`);
- the longest flush of the whole answer, and `finish()` (a "stall"), the worst of them;
- the baseline, measured in the same run: re-rendering the whole answer so far
  (`render_markdown`, the same final document) at that length, median of a few.

Aims (issue 11): flush at 16k ≤ 1.5× flush at 1k; ≥ 20× cheaper than the baseline at
16k; no flush over 50 ms. Also reported (no aim): the same for an answer that is one
endless paragraph (no line breaks) at 2,000 tokens/s, the case the old window
re-rendered from its start on every flush.

    python benchmarks/bench_answer_window.py [--short] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from benchmarks.report import add_output_options, verdict, write_json
from kodesk.desktop.answer_window import FLUSH_MS, AnswerWindow
from kodesk.desktop.i18n import KO
from kodesk.desktop.streamed_markdown import render_markdown

SIZES = (1_000, 4_000, 16_000)
RATES = (200, 2_000)
TAIL_TOKENS = 1_000
AIM_GROWTH = 1.5
AIM_VS_NAIVE = 20.0
AIM_STALL_MS = 50.0

_WORDS = [
    "예산",
    "증가",
    "정부",
    "발표",
    "내년",
    "지역",
    "경제",
    "지원",
    "계획",
    "시민",
    "의견",
    "조사",
    "결과",
    "분석",
    "기술",
    "개발",
    "교육",
    "정책",
    "변화",
    "the",
    "model",
    "answers",
    "each",
    "question",
    "with",
    "short",
    "clear",
    "sentences",
    "and",
    "notes",
]


def sentence(rng: random.Random) -> str:
    words = rng.choices(_WORDS, k=rng.randint(6, 14))
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"`{words[i]}`"
    return " ".join(words) + "."


def markdown_answer(tokens: int, seed: int = 11) -> list[str]:
    """`tokens` streamed pieces (a word or up to 4 characters, with its space)."""
    rng = random.Random(seed)
    blocks: list[str] = []
    pieces: list[str] = []
    while len(pieces) < tokens:
        kind = rng.choice(["heading", "para", "para", "list", "numbers", "code", "table", "quote"])
        if kind == "heading":
            block = f"## {' '.join(rng.choices(_WORDS, k=3))}"
        elif kind == "para":
            block = " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))
        elif kind == "list":
            block = "\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 5)))
        elif kind == "numbers":
            block = "\n".join(f"{i}. {sentence(rng)}" for i in range(1, rng.randint(3, 6)))
        elif kind == "code":
            lines = [f"x{i} = compute({rng.randint(0, 99)})" for i in range(rng.randint(3, 8))]
            block = "```python\n" + "\n".join(lines) + "\n```"
        elif kind == "table":
            rows = [f"| {rng.choice(_WORDS)} | {rng.randint(1, 999)} |" for _ in range(3)]
            block = "| 항목 | 값 |\n|---|---|\n" + "\n".join(rows)
        else:
            block = "> " + sentence(rng)
        blocks.append(block)
        text = block + "\n\n"
        for word in re.findall(r"\S+\s*|\s+", text):
            pieces.extend(word[i : i + 4] for i in range(0, len(word), 4))
    return pieces[:tokens]


def one_paragraph(tokens: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    words: list[str] = []
    while len(words) < tokens:
        words += [word + " " for word in sentence(rng).split(" ")]
    return words[:tokens]


def new_window() -> AnswerWindow:
    window = AnswerWindow(KO)
    window.resize(520, 640)
    window.begin("요약", "exaone3.5:2.4b")
    window.show()
    QApplication.processEvents()
    return window


def stream(pieces: list[str], per_flush: int) -> tuple[list[float], float]:
    """Per-flush times (ms) of streaming `pieces`, and the time of `finish()`."""
    window = new_window()
    window._flush_timer.blockSignals(True)  # the benchmark flushes, not the timer
    times: list[float] = []
    for start in range(0, len(pieces), per_flush):
        began = time.thread_time()
        for piece in pieces[start : start + per_flush]:
            window.append(piece)
        window._flush()
        QApplication.processEvents()
        times.append((time.thread_time() - began) * 1000)
    began = time.thread_time()
    window.finish(None)
    QApplication.processEvents()
    finish = (time.thread_time() - began) * 1000
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    return times, finish


def naive_flush(pieces: list[str], samples: int) -> float:
    """Median ms to re-render the whole answer of `pieces` (and repaint), as a flush."""
    window = new_window()
    text = "".join(pieces)
    times = []
    for _ in range(samples):
        began = time.thread_time()
        render_markdown(window.body.document(), text, finished=False)
        bar = window.body.verticalScrollBar()
        bar.setValue(bar.maximum())
        QApplication.processEvents()
        times.append((time.thread_time() - began) * 1000)
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    return statistics.median(times)


def _quiet(kind: QtMsgType, _context: object, message: str) -> None:
    """The offscreen platform's "does not support raise()" notes are not results."""
    if kind != QtMsgType.QtDebugMsg and "This plugin does not support" not in message:
        print(message, file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_output_options(parser)
    opts = parser.parse_args()
    rates = RATES[1:] if opts.short else RATES
    samples, repeats = (3, 1) if opts.short else (7, 3)
    qInstallMessageHandler(_quiet)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rows: list[dict[str, Any]] = []
    cases = [("markdown", markdown_answer, rate) for rate in rates]
    cases.append(("one paragraph", one_paragraph, RATES[-1]))
    for kind, make, rate in cases:
        per_flush = max(1, round(rate * FLUSH_MS / 1000))
        for size in SIZES:
            pieces = make(size)
            runs = [stream(pieces, per_flush) for _ in range(repeats)]
            tails = [sorted(times[-max(1, TAIL_TOKENS // per_flush) :]) for times, _ in runs]
            rows.append(
                {
                    "answer": kind,
                    "tokens": size,
                    "rate": rate,
                    "tokens_per_flush": per_flush,
                    "flushes": len(runs[0][0]),
                    "flush_ms_median": statistics.median(statistics.median(t) for t in tails),
                    "flush_ms_p95": statistics.median(t[int(0.95 * (len(t) - 1))] for t in tails),
                    "longest_flush_ms": max(max(times) for times, _ in runs),
                    "finish_ms": max(finish for _, finish in runs),
                    "naive_ms": naive_flush(pieces, samples),
                }
            )
    del app
    print(f"answer window, UI-thread ms per flush (offscreen, {FLUSH_MS} ms frames)")
    print(
        f"{'answer':14} {'tokens':>7} {'tok/s':>6} {'median':>8} {'p95':>8} {'longest':>8} "
        f"{'finish':>7} {'re-render all':>14} {'× cheaper':>10}"
    )
    for row in rows:
        row["vs_naive"] = row["naive_ms"] / row["flush_ms_median"]
        row["longest_ms"] = max(row["longest_flush_ms"], row["finish_ms"])
        print(
            f"{row['answer']:14} {row['tokens']:>7} {row['rate']:>6} "
            f"{row['flush_ms_median']:8.2f} {row['flush_ms_p95']:8.2f} "
            f"{row['longest_flush_ms']:8.1f} {row['finish_ms']:7.1f} {row['naive_ms']:14.1f} "
            f"{row['vs_naive']:10.0f}"
        )
    aims: dict[str, Any] = {}
    for rate in rates:
        markdown = [row for row in rows if row["answer"] == "markdown"]
        by_size = {row["tokens"]: row for row in markdown if row["rate"] == rate}
        growth = by_size[SIZES[-1]]["flush_ms_median"] / by_size[SIZES[0]]["flush_ms_median"]
        aims[str(rate)] = {
            "growth_16k_vs_1k": growth,
            "growth_met": growth <= AIM_GROWTH,
            "vs_naive_16k": by_size[SIZES[-1]]["vs_naive"],
            "vs_naive_met": by_size[SIZES[-1]]["vs_naive"] >= AIM_VS_NAIVE,
            "longest_ms": max(row["longest_ms"] for row in by_size.values()),
            "stall_met": all(row["longest_ms"] <= AIM_STALL_MS for row in by_size.values()),
        }
        a = aims[str(rate)]
        print(
            f"markdown at {rate} tok/s: 16k vs 1k {growth:.2f}× "
            f"(aim ≤ {AIM_GROWTH}×, {verdict(a['growth_met'])});"
            f" vs re-render at 16k {a['vs_naive_16k']:.0f}× (aim ≥ {AIM_VS_NAIVE:.0f}×, "
            f"{verdict(a['vs_naive_met'])}); longest {a['longest_ms']:.1f} ms "
            f"(aim ≤ {AIM_STALL_MS:.0f} ms, {verdict(a['stall_met'])})"
        )
    write_json(opts.json, "answer_window", {"short": opts.short, "rows": rows, "aims": aims})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
