"""Long texts at a CPU's speed: time to a one-line summary, and reloads over a mixed sequence.

    python benchmarks/bench_long_texts.py [--short] [--json FILE] [--time-scale S]

Against the speed-faithful fake Ollama (`tests.fake_ollama`: prompt reading at 150
tokens/s, decoding at 10 tokens/s, 2.5 s to (re)load the runner on a num_ctx change, a
prompt longer than num_ctx cut to its first 4 tokens and its tail, as a 2-core CPU and
a small model on Ollama 0.12.11, issue 11). The fake waits `--time-scale` × the real
durations; every figure is in *simulated* seconds: the durations the server reports
(load + prompt evaluation + decoding, summed over the requests), so kodesk's own CPU
time (planning, HTTP) does not count; `wall_s` in the JSON is the real time.

1. A one-line summary (the `summary` task) of the 40,000-character article
   `tests/core/data/webpages/naver_long_feature.txt`, each plan on a fresh server
   (model not loaded, speeds not yet measured):
   - baseline: one request at the model's full trained context (32,768; num_ctx sent);
   - kodesk: `run_job` through a `TaskRunner`, as the app runs a job;
   - kodesk after a short text (the model loaded at 4,096 and its speed measured);
   - kodesk with `context.max_num_ctx` raised to the trained context (default 16,384);
   - one request at the server's default context (no num_ctx: 4,096), which the server
     cuts: the tokens it dropped are read from its log.
   The one-request plans send the prompt kodesk would send as one request (the page
   cleaned of clutter, the task's messages and options) with a plain client (no
   `truncate: false`).
2. Reloads over a fixed, seeded sequence of 20 Korean texts of 5 to 320 sentences
   (`tests.core.planning_helpers.korean_text`; every one fits one request at 16,384),
   one summary after another on one server:
   - baseline: num_ctx = the tokens the request needs, rounded up to 1,024 (the old
     behaviour);
   - the largest num_ctx needed so far (never shrinks), rounded up to 1,024;
   - the largest num_ctx needed by any text of the sequence, known in advance;
   - kodesk: one `TaskRunner` running `run_job` for each text (it reuses the loaded
     context and picks sizes from a short ladder).
   A reload is "avoidable" when the text would have fitted in the context loaded before.

`--short` (CI): the first 10 texts of the sequence and a smaller time scale.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import re
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.report import add_output_options, write_json  # noqa: E402
from kodesk.core.context_planner import (  # noqa: E402
    MAP_SUMMARY_TEMPLATE,
    REDUCE_INTRO,
    ContextPlanner,
    ContextPolicy,
)
from kodesk.core.job import run_job  # noqa: E402
from kodesk.core.job_events import JobFinished  # noqa: E402
from kodesk.core.runner import TaskRunner, merged_options  # noqa: E402
from kodesk.core.settings import Settings  # noqa: E402
from kodesk.core.tasks import BUILTIN_TASKS, find_task  # noqa: E402
from kodesk.core.tokenizer import EstimateTokenizer  # noqa: E402
from kodesk.core.types import ChatRequest, ChatStats, Done, StreamEvent  # noqa: E402
from kodesk.core.web_cleanup import clean_web_text  # noqa: E402
from kodesk.engines.ollama_engine import OllamaEngine  # noqa: E402
from tests.core.planning_helpers import korean_text  # noqa: E402
from tests.fake_ollama import ChatScript, FakeOllama, Recorded, ServerSpeed  # noqa: E402

MODEL = "exaone3.5:2.4b"
TRAINED = 32768
SUMMARY = find_task(BUILTIN_TASKS, "summary")
PAGE = ROOT / "tests" / "core" / "data" / "webpages" / "naver_long_feature.txt"
#: A 2-core CPU and a small model (issue 11: prompt tens to hundreds of tokens/s, decoding
#: 7-15 tokens/s, a reload 2-2.5 s).
PROMPT_RATE, DECODE_RATE, LOAD_SECONDS = 150.0, 10.0, 2.5
TIME_SCALE, SHORT_TIME_SCALE = 0.005, 0.001
SEED = 11
TEXTS, SHORT_TEXTS = 20, 10
#: Sentences per text: (share of the sequence, fewest, most).
LENGTHS = ((0.5, 5, 30), (0.3, 40, 120), (0.2, 150, 320))
ROUND_TO = 1024

_MAP_MARK = MAP_SUMMARY_TEMPLATE.split("{total}")[1][:12]
#: The answers, one character per streamed token: a partial summary of 3-5 sentences, a
#: one-sentence summary.
PARTIAL = korean_text(4, start=500)
ONE_LINE = "주민들이 소멸 위기의 마을을 지키려고 새로운 일자리와 공동체를 만들고 있다."


def answer(body: dict[str, Any]) -> ChatScript:
    """The fake's answer: a partial summary to a chunk, else one sentence."""
    prompt = str(body["messages"][-1]["content"])
    reply = PARTIAL if _MAP_MARK in prompt and REDUCE_INTRO.strip() not in prompt else ONE_LINE
    return ChatScript(reply=reply, piece_size=1)


class MeteredEngine(OllamaEngine):
    """kodesk's Ollama engine keeping every response's statistics; `guard=False` makes
    it a plain client (no `truncate: false`: the server cuts an over-long prompt)."""

    def __init__(self, host: str, *, guard: bool = True) -> None:
        super().__init__(host)
        self.guard = guard
        self.stats: list[ChatStats] = []

    async def guards_truncation(self) -> bool:
        return self.guard and await super().guards_truncation()

    async def chat(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        # OllamaEngine.chat is an async generator (it says AsyncIterator, the protocol's).
        stream = cast(AsyncGenerator[StreamEvent, None], super().chat(request))
        async with contextlib.aclosing(stream) as events:
            async for event in events:
                if isinstance(event, Done):
                    self.stats.append(event.stats)
                yield event


@dataclass
class Server:
    """A fresh fake Ollama at CPU speed with the model (not loaded)."""

    time_scale: float
    fake: FakeOllama = field(init=False)

    def __enter__(self) -> FakeOllama:
        self.fake = FakeOllama().start()
        server = self.fake._server
        report = server.handle_error

        def handle_error(request: Any, client_address: Any) -> None:
            # The engine closes a finished stream before its last chunk is read, so the
            # socket is reset while the server waits for a next request: not an error.
            if not isinstance(sys.exc_info()[1], ConnectionResetError):
                report(request, client_address)

        server.handle_error = handle_error  # type: ignore[method-assign]
        self.fake.add_model(MODEL, context_length=TRAINED)
        self.fake.speed = ServerSpeed(PROMPT_RATE, DECODE_RATE, LOAD_SECONDS, self.time_scale)
        self.fake.count_tokens = EstimateTokenizer().count  # the server counts as kodesk
        self.fake.chat_handler = answer
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.fake.stop()


@dataclass
class Outcome:
    """What one plan cost on the server."""

    key: str
    name: str
    requests: int
    num_ctx: list[int]
    reloads: int
    simulated_s: float
    wall_s: float
    truncated: int
    refused: int
    dropped_tokens: int
    #: The num_ctx the model was loaded with when the plan started (None: not loaded).
    loaded_before: int | None
    avoidable_reloads: int = 0

    @property
    def whole_text(self) -> bool:
        return not self.truncated and not self.refused

    def as_dict(self, base: Outcome) -> dict[str, Any]:
        return {
            "name": self.name,
            "requests": self.requests,
            "num_ctx": sorted(set(self.num_ctx)),
            "reloads": self.reloads,
            "avoidable_reloads": self.avoidable_reloads,
            "simulated_s": round(self.simulated_s, 2),
            "vs_baseline": round(self.simulated_s / base.simulated_s, 3),
            "reloads_vs_baseline": round(self.reloads / base.reloads, 3) if base.reloads else None,
            "wall_s": round(self.wall_s, 3),
            "truncated_requests": self.truncated,
            "refused_requests": self.refused,
            "dropped_tokens": self.dropped_tokens,
            "whole_text": self.whole_text,
            "loaded_before": self.loaded_before,
        }


_CUT = re.compile(r"truncating input prompt limit=\d+ prompt=(\d+) keep=\d+ new=(\d+)")


def outcome(
    key: str,
    name: str,
    fake: FakeOllama,
    engine: MeteredEngine,
    wall: float,
    since: tuple[int, int],
    loaded_before: int | None,
) -> Outcome:
    """The chat requests and responses from the `since`-th ones on, as the server saw them."""
    chats = fake.chat_requests()[since[0] :]
    cuts = [m for line in fake.log if (m := _CUT.fullmatch(line))]
    return Outcome(
        key,
        name,
        requests=len(chats),
        num_ctx=[r.num_ctx or 0 for r in chats],
        reloads=sum(r.reloaded for r in chats),
        simulated_s=sum((s.total_duration or 0) for s in engine.stats[since[1] :]) / 1e9,
        wall_s=wall,
        truncated=sum(r.truncated for r in chats),
        refused=sum(r.refused for r in chats),
        dropped_tokens=sum(int(m[1]) - int(m[2]) for m in cuts),
        loaded_before=loaded_before,
    )


# -- running plans ------------------------------------------------------------------------
Plan = Callable[[FakeOllama, MeteredEngine], Awaitable[None]]


class Kodesk:
    """kodesk's jobs, one after another on one `TaskRunner` per engine, as the app runs
    them (`settings` on top of the defaults)."""

    def __init__(self, **settings: Any) -> None:
        self.settings = Settings({"model.default": MODEL, **settings})
        self.plans: list[str] = []
        self._runner: TaskRunner | None = None

    def runner(self, engine: MeteredEngine) -> TaskRunner:
        if self._runner is None or self._runner.engine is not engine:
            policy = lambda: ContextPolicy.from_settings(self.settings)  # noqa: E731
            self._runner = TaskRunner(engine, policy=policy)
        return self._runner

    async def job(self, engine: MeteredEngine, text: str) -> None:
        events = [e async for e in run_job(self.runner(engine), self.settings, SUMMARY, text)]
        finished = events[-1]
        if not isinstance(finished, JobFinished) or finished.plan is None:
            raise RuntimeError(f"the job did not finish: {finished}")
        self.plans.append(finished.plan.describe().en)

    def summarising(self, text: str) -> Plan:
        async def run(fake: FakeOllama, engine: MeteredEngine) -> None:
            await self.job(engine, text)

        return run


async def one_request(engine: MeteredEngine, text: str, num_ctx: int | None) -> None:
    """The summary of `text` as one request (num_ctx None: the server's default)."""
    options = merged_options(SUMMARY, {"num_ctx": num_ctx})
    request = ChatRequest(MODEL, SUMMARY.messages(text), options=options)
    async with contextlib.aclosing(engine.chat(request)) as events:
        async for _ in events:
            pass


def timed(
    key: str, name: str, time_scale: float, run: Plan, *, warm_up: Plan | None = None
) -> tuple[Outcome, FakeOllama]:
    """Run `run(fake, engine)` on a fresh server; only what it sends counts, not what
    `warm_up` sent before. kodesk's plans (`key` "kodesk…") send `truncate: false`,
    the others are a plain client."""

    async def go() -> tuple[Outcome, FakeOllama]:
        with Server(time_scale) as fake:
            engine = MeteredEngine(fake.url, guard=key.startswith("kodesk"))
            try:
                if warm_up is not None:
                    await warm_up(fake, engine)
                since = len(fake.chat_requests()), len(engine.stats)
                loaded = fake.loaded.get(MODEL)
                fake.log.clear()
                start = time.perf_counter()
                await run(fake, engine)
                wall = time.perf_counter() - start
                return outcome(key, name, fake, engine, wall, since, loaded), fake
            finally:
                await engine.aclose()

    return asyncio.run(go())


# -- 1. the long article ----------------------------------------------------------------
def article(time_scale: float) -> tuple[list[Outcome], dict[str, Any]]:
    page = PAGE.read_text(encoding="utf-8")
    cleaned = clean_web_text(page).text
    fresh, after_short, larger = Kodesk(), Kodesk(), Kodesk(**{"context.max_num_ctx": TRAINED})

    async def trained(fake: FakeOllama, engine: MeteredEngine) -> None:
        await one_request(engine, cleaned, TRAINED)

    async def default(fake: FakeOllama, engine: MeteredEngine) -> None:
        await one_request(engine, cleaned, None)

    rows = [
        timed("trained", "one request at the trained context (baseline)", time_scale, trained),
        timed("kodesk", "kodesk (model not loaded)", time_scale, fresh.summarising(page)),
        timed(
            "kodesk_after_short",
            "kodesk after a short text (loaded at 4,096)",
            time_scale,
            after_short.summarising(page),
            warm_up=after_short.summarising(korean_text(20)),
        ),
        timed(
            "kodesk_max_ctx_trained",
            f"kodesk, context.max_num_ctx {TRAINED:,}",
            time_scale,
            larger.summarising(page),
        ),
        timed("default", "one request at the default context", time_scale, default),
    ]
    info = {
        "page_chars": len(page),
        "cleaned_chars": len(cleaned),
        "prompt_tokens": EstimateTokenizer().count(cleaned),
        "kodesk_plans": [k.plans[-1] for k in (fresh, after_short, larger)],
    }
    return [row for row, _ in rows], info


# -- 2. a mixed sequence ----------------------------------------------------------------
def sequence(count: int) -> list[str]:
    """The fixed, seeded sequence of texts (its first `count`)."""
    rng = random.Random(SEED)
    texts = []
    for i in range(TEXTS):
        [(_, low, high)] = rng.choices(LENGTHS, weights=[share for share, *_ in LENGTHS])
        texts.append(korean_text(rng.randint(low, high), start=1000 * i))
    return texts[:count]


async def needed_tokens(texts: Sequence[str], engine: MeteredEngine) -> list[int]:
    """Tokens each text's one request needs (prompt + answer reserve), counted as kodesk."""
    profile = await Kodesk().runner(engine).profiles.get(MODEL)
    planner = ContextPlanner(profile, ContextPolicy())
    reserve = SUMMARY.output_reserve
    return [
        planner.count_messages(SUMMARY.messages(clean_web_text(t).text)) + reserve for t in texts
    ]


def rounded(tokens: int) -> int:
    return math.ceil(tokens / ROUND_TO) * ROUND_TO


def avoidable(chats: Sequence[Recorded], needed: Sequence[int]) -> int:
    """Reloads for a text that fitted in the context loaded before (one request each)."""
    loaded: int | None = None
    count = 0
    for rec, need in zip(chats, needed, strict=True):
        count += rec.reloaded and loaded is not None and need <= loaded
        loaded = rec.num_ctx
    return count


def mixed(count: int, time_scale: float) -> tuple[list[Outcome], dict[str, Any]]:
    texts = sequence(count)
    cleaned = [clean_web_text(t).text for t in texts]
    with Server(time_scale) as fake:
        engine = MeteredEngine(fake.url)

        async def count_all() -> list[int]:
            try:
                return await needed_tokens(texts, engine)
            finally:
                await engine.aclose()

        needed = asyncio.run(count_all())
    largest = rounded(max(needed))

    def sending(sizes: Callable[[int, int], int]) -> Plan:
        async def run(fake: FakeOllama, engine: MeteredEngine) -> None:
            most = 0
            for text, need in zip(cleaned, needed, strict=True):
                most = max(most, need)
                await one_request(engine, text, sizes(need, most))

        return run

    async def kodesk(fake: FakeOllama, engine: MeteredEngine) -> None:
        jobs = Kodesk()
        for text in texts:
            before = len(fake.chat_requests())
            await jobs.job(engine, text)
            if len(fake.chat_requests()) != before + 1:
                raise RuntimeError("a text of the sequence was not sent as one request")

    plans = [
        ("needed", "needed, rounded up to 1,024 (old; baseline)", sending(lambda n, _: rounded(n))),
        ("largest_so_far", "largest needed so far, rounded up", sending(lambda _, m: rounded(m))),
        (
            "largest_known",
            "largest of the sequence (known in advance)",
            sending(lambda *_: largest),
        ),
        ("kodesk", "kodesk (ladder, loaded context reused)", kodesk),
    ]
    rows = []
    for key, name, run in plans:
        row, fake = timed(key, name, time_scale, run)
        row.avoidable_reloads = avoidable(fake.chat_requests(), needed)
        rows.append(row)
    info = {
        "texts": count,
        "seed": SEED,
        "chars": [len(t) for t in texts],
        "needed_tokens": needed,
        "kodesk_num_ctx": rows[-1].num_ctx,
    }
    return rows, info


# -- output -----------------------------------------------------------------------------
def print_article(rows: list[Outcome], info: dict[str, Any]) -> None:
    base = rows[0]
    print(
        f"1. One-line summary of the {info['page_chars']:,}-character article (cleaned: "
        f"{info['cleaned_chars']:,} characters, ~{info['prompt_tokens']:,} tokens)"
    )
    print(
        f"{'plan':46s} {'requests':>8s} {'num_ctx':>12s} {'reloads':>7s} "
        f"{'simulated':>10s} {'vs base':>8s}  whole text?"
    )
    for row in rows:
        sizes = "/".join(f"{n}" for n in sorted(set(row.num_ctx)))
        whole = "yes" if row.whole_text else f"no: {row.dropped_tokens:,} tokens dropped"
        print(
            f"{row.name:46s} {row.requests:8d} {sizes:>12s} {row.reloads:7d} "
            f"{row.simulated_s:9.1f}s {row.simulated_s / base.simulated_s:7.2f}×  {whole}"
        )
    for plan in info["kodesk_plans"]:
        print(f"   kodesk's plan: {plan}")


def print_mixed(rows: list[Outcome], info: dict[str, Any]) -> None:
    base = rows[0]
    chars = info["chars"]
    print(
        f"\n2. {info['texts']} texts of {min(chars):,}-{max(chars):,} characters one after "
        f"another (seed {info['seed']}; needed {min(info['needed_tokens']):,}-"
        f"{max(info['needed_tokens']):,} tokens)"
    )
    print(
        f"{'num_ctx sent':46s} {'reloads':>7s} {'vs base':>8s} {'avoidable':>9s} "
        f"{'simulated':>10s} {'vs base':>8s}"
    )
    for row in rows:
        ratio = f"{row.reloads / base.reloads:7.2f}×" if base.reloads else "      -"
        print(
            f"{row.name:46s} {row.reloads:7d} {ratio:>8s} {row.avoidable_reloads:9d} "
            f"{row.simulated_s:9.1f}s {row.simulated_s / base.simulated_s:7.2f}×"
        )
    print(f"   kodesk's num_ctx per text: {' '.join(str(n) for n in info['kodesk_num_ctx'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, help="real seconds per simulated second")
    add_output_options(parser)
    args = parser.parse_args()
    scale = args.time_scale or (SHORT_TIME_SCALE if args.short else TIME_SCALE)
    print(
        f"fake Ollama: prompt {PROMPT_RATE:.0f} tokens/s, decoding {DECODE_RATE:.0f} tokens/s, "
        f"reload {LOAD_SECONDS} s; time scale {scale}; figures in simulated seconds\n"
    )
    article_rows, article_info = article(scale)
    print_article(article_rows, article_info)
    mixed_rows, mixed_info = mixed(SHORT_TEXTS if args.short else TEXTS, scale)
    print_mixed(mixed_rows, mixed_info)
    figures = {
        "time_scale": scale,
        "speed": {"prompt_rate": PROMPT_RATE, "decode_rate": DECODE_RATE, "load_s": LOAD_SECONDS},
        "article": {
            **article_info,
            "baseline": article_rows[0].key,
            "plans": {r.key: r.as_dict(article_rows[0]) for r in article_rows},
        },
        "mixed": {
            **mixed_info,
            "baseline": mixed_rows[0].key,
            "plans": {r.key: r.as_dict(mixed_rows[0]) for r in mixed_rows},
        },
    }
    write_json(args.json, "long_texts", figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
