"""Embedded engine overhead: kodesk's engine against llama-cpp-python called directly.

Both run the same GGUF in the same process and run, loaded with the same settings, with the
same prompt tokens and greedy sampling, alternating order each repetition; both evaluate
every prompt from an empty KV cache, and each repetition uses a different prompt.
Reported (medians):

- first-token latency: call → first text (kodesk: `chat()` → first `Delta`; direct:
  `create_completion(stream=True)` → first chunk);
- decode speed: tokens after the first / time after the first;
- overhead ratios kodesk / direct (time: higher is slower; aim ≤ 1.05);
- cancel latency: cancelling the task reading `chat()` → the task has finished, and →
  the worker thread has run the next job; and the same 30% into a long prompt's
  evaluation (llama.cpp's computation is aborted, not waited for).

No pass/fail. Run: `python benchmarks/bench_embedded.py [--gguf FILE] [--reps N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import llama_cpp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report import add_output_options, write_json
from kodesk.core.types import ChatMessage, ChatRequest, Delta, Done
from kodesk.engines.default_model import ensure_default_model
from kodesk.engines.embedded import EmbeddedEngine
from kodesk.engines.gguf_catalog import GGUFCatalog, model_name

PROMPT = (
    "다음 글을 한 문장으로 요약하세요.\n\n서울시는 내년부터 시내버스 노선을 개편해 "
    "출퇴근 시간의 혼잡을 줄이겠다고 밝혔다. 새 노선은 지하철역과의 환승을 쉽게 하는 데 "
    "초점을 맞췄다.\n\n요약:"
)
SAMPLING = {"temperature": 0.0, "top_k": 40, "top_p": 0.9, "min_p": 0.0, "repeat_penalty": 1.1}


@dataclass(frozen=True)
class Run:
    """Seconds from the call to the first text, and from the first text to the end."""

    first_token: float
    after_first: float
    text: str


def direct_run(llama: llama_cpp.Llama, text: str, n_predict: int) -> Run:
    tokens = [llama.token_bos(), *llama.tokenize(f"{text}\n".encode(), add_bos=False)]
    start = time.perf_counter()
    llama.reset()  # as kodesk does: every prompt evaluated from an empty cache
    first = 0.0
    pieces: list[str] = []
    stream = llama.create_completion(tokens, max_tokens=n_predict, stream=True, **SAMPLING)
    for chunk in stream:
        piece = chunk["choices"][0]["text"]
        if piece and not first:
            first = time.perf_counter()
        pieces.append(piece)
    return Run(first - start, time.perf_counter() - first, "".join(pieces))


async def kodesk_run(
    engine: EmbeddedEngine, model: str, text: str, n_predict: int
) -> tuple[Run, int]:
    """The run and the number of tokens generated (`eval_count`)."""
    request = ChatRequest(
        model,
        (ChatMessage("user", text),),
        options={**SAMPLING, "num_ctx": 1024, "num_predict": n_predict},
    )
    start = time.perf_counter()
    first = 0.0
    pieces: list[str] = []
    count = 0
    async for event in engine.chat(request):
        if isinstance(event, Delta):
            if not first:
                first = time.perf_counter()
            pieces.append(event.text)
        elif isinstance(event, Done):
            count = event.stats.eval_count or 0
    return Run(first - start, time.perf_counter() - first, "".join(pieces)), count


async def cancel_latency(engine: EmbeddedEngine, model: str) -> tuple[float, float]:
    """(cancel → task finished, cancel → worker ran the next job), seconds."""
    request = ChatRequest(
        model,
        (ChatMessage("user", PROMPT),),
        options={**SAMPLING, "num_ctx": 1024, "num_predict": 500},
    )
    seen = asyncio.Event()

    async def consume() -> None:
        async for event in engine.chat(request):
            if isinstance(event, Delta) and event.text.strip():
                seen.set()

    task = asyncio.ensure_future(consume())
    await seen.wait()
    await asyncio.sleep(0.05)  # well inside the answer
    start = time.perf_counter()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    finished = time.perf_counter() - start
    probe: Callable[[], None] = lambda: None  # noqa: E731
    await engine._run(probe)  # the next job on the worker thread
    return finished, time.perf_counter() - start


async def cancel_during_prompt(engine: EmbeddedEngine, model: str) -> tuple[float, float]:
    """(prompt evaluation time, cancel → task finished when cancelled 30% into it), seconds."""
    text = PROMPT * 4  # several hundred tokens
    options = {**SAMPLING, "num_ctx": 1024, "num_predict": 1}
    evaluation = 0.0
    async for event in engine.chat(ChatRequest(model, (ChatMessage("user", text),), options)):
        if isinstance(event, Done):
            evaluation = (event.stats.prompt_eval_duration or 0) / 1e9
    request = ChatRequest(model, (ChatMessage("user", text + "!"),), options)

    async def consume() -> None:
        async for _ in engine.chat(request):
            pass

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(evaluation * 0.3)
    start = time.perf_counter()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return evaluation, time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


async def main_async(gguf: Path, reps: int, n_predict: int, threads: int) -> dict[str, float]:
    # the settings kodesk loads models with
    llama = llama_cpp.Llama(
        str(gguf),
        n_ctx=1024,
        n_batch=512,
        n_threads=threads,
        n_threads_batch=threads,
        swa_full=False,
        verbose=False,
    )
    engine = EmbeddedEngine(
        GGUFCatalog(gguf.parent, files=(gguf,)), n_threads=threads, keep_alive=-1
    )
    model = model_name(gguf)
    direct: list[Run] = []
    ours: list[Run] = []
    counts: list[int] = []
    try:
        await kodesk_run(engine, model, "warm-up " + PROMPT, 4)  # loads the model
        direct_run(llama, "warm-up " + PROMPT, 4)
        for i in range(reps):
            text = f"({i + 1}) {PROMPT}"
            if i % 2:
                run, count = await kodesk_run(engine, model, text, n_predict)
                direct.append(direct_run(llama, text, n_predict))
            else:
                direct.append(direct_run(llama, text, n_predict))
                run, count = await kodesk_run(engine, model, text, n_predict)
            ours.append(run)
            counts.append(count)
        same = sum(a.text == b.text for a, b in zip(direct, ours, strict=True))
        cancels = [await cancel_latency(engine, model) for _ in range(5)]
        prompt_cancels = [await cancel_during_prompt(engine, model) for _ in range(3)]
    finally:
        await engine.aclose()
        llama.close()

    d_first = median([r.first_token for r in direct])
    o_first = median([r.first_token for r in ours])
    # Identical greedy answers have the same token count: kodesk's eval_count serves both.
    d_tps = median([(n - 1) / r.after_first for r, n in zip(direct, counts, strict=True)])
    o_tps = median([(n - 1) / r.after_first for r, n in zip(ours, counts, strict=True)])
    print(
        f"model {gguf.name}, {reps} repetitions, {n_predict} tokens, {threads} threads, "
        f"greedy; identical answers: {same}/{reps}"
    )
    print(
        f"{'metric (median)':<28}{'llama-cpp-python':>18}{'kodesk embedded':>18}"
        f"{'kodesk/direct':>15}"
    )
    print(
        f"{'first token (ms)':<28}{d_first * 1e3:>18.1f}{o_first * 1e3:>18.1f}"
        f"{o_first / d_first:>15.3f}"
    )
    print(
        f"{'decode (tokens/s)':<28}{d_tps:>18.1f}{o_tps:>18.1f}"
        f"{'time ' + format(d_tps / o_tps, '.3f'):>15}"
    )
    finished = median([c[0] for c in cancels])
    free = median([c[1] for c in cancels])
    print(f"{'cancel → task finished (ms)':<28}{'':>18}{finished * 1e3:>18.1f}")
    print(f"{'cancel → worker free (ms)':<28}{'':>18}{free * 1e3:>18.1f}")
    print(f"{'one token at this speed (ms)':<28}{'':>18}{1e3 / o_tps:>18.1f}")
    evaluation = median([c[0] for c in prompt_cancels])
    aborted = median([c[1] for c in prompt_cancels])
    print(
        f"{'cancel in prompt eval (ms)':<28}{'':>18}{aborted * 1e3:>18.1f}"
        f"   (evaluating that prompt takes {evaluation * 1e3:.0f} ms)"
    )
    return {
        "first_token_ms_direct": d_first * 1e3,
        "first_token_ms_kodesk": o_first * 1e3,
        "decode_tps_direct": d_tps,
        "decode_tps_kodesk": o_tps,
        "cancel_finished_ms": finished * 1e3,
        "cancel_worker_free_ms": free * 1e3,
        "cancel_in_prompt_ms": aborted * 1e3,
        "identical_answers": same / reps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gguf", type=Path, help="model file (default: the built-in model)")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=2)
    add_output_options(parser)
    args = parser.parse_args()
    if args.short:
        args.reps, args.tokens = min(args.reps, 2), min(args.tokens, 16)
    with tempfile.TemporaryDirectory(prefix="kodesk-bench-") as temp:
        gguf = args.gguf or asyncio.run(ensure_default_model(Path(temp)))
        figures = asyncio.run(main_async(gguf, args.reps, args.tokens, args.threads))
    write_json(args.json, "embedded", {"reps": args.reps, "tokens": args.tokens, **figures})


if __name__ == "__main__":
    main()
