"""Build the engine the settings ask for (shared by the tray app and the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kodesk.core.engine import Engine
from kodesk.core.errors import InputRejected, Text
from kodesk.core.settings import Settings
from kodesk.core.types import Progress
from kodesk.engines.endpoint import resolve_host
from kodesk.paths import AppPaths

if TYPE_CHECKING:
    from kodesk.core.runner import TaskRunner
    from kodesk.engines.ollama_engine import OllamaEngine


def ollama_engine(settings: Settings, host: str | None = None) -> OllamaEngine:
    """The Ollama engine at `host` (`--host`), else the endpoint setting, else OLLAMA_HOST.

    Raises EndpointError (a KodeskError naming the bad value and its source) for a
    malformed endpoint; `endpoint_warnings(engine.location)` says whether text would
    leave the machine."""
    # Imported here: the Ollama client (with pydantic) costs ~20 MB and ~0.3 s.
    from kodesk.engines.ollama_engine import OllamaEngine

    return OllamaEngine(
        resolve_host(host, settings.get("ollama.endpoint")),
        connect_timeout=settings.get("ollama.connect_timeout"),
        first_token_timeout=settings.get("ollama.first_token_timeout"),
        stall_timeout=settings.get("ollama.stall_timeout"),
    )


def embedded_engine(
    settings: Settings,
    paths: AppPaths,
    gguf: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Engine:
    from kodesk.engines.embedded import create_embedded_engine

    models_dir = settings.get("embedded.models_dir")
    chosen = gguf or (
        Path(settings.get("embedded.model")) if settings.get("embedded.model") else None
    )
    return create_embedded_engine(
        gguf=chosen,
        models_dir=Path(models_dir) if models_dir else paths.models,
        cache_dir=paths.cache,
        progress=progress,
        keep_alive=settings.get("ollama.keep_alive"),
    )


def engine_kind(settings: Settings, kind: str | None = None, gguf: Path | None = None) -> str:
    """The engine a command uses: `kind` (`--engine`), else "embedded" when a GGUF file is
    given (`--gguf` only means something to the embedded engine), else `engine.kind`.

    Raises InputRejected for `--engine ollama` together with `--gguf`."""
    if gguf is not None:
        if kind == "ollama":
            raise InputRejected(
                Text(
                    ko="--gguf 파일은 내장 엔진만 씁니다 (--engine ollama와 함께 쓸 수 없음).",
                    en="--gguf is a file for the embedded engine; it cannot go with "
                    "--engine ollama.",
                ),
                Text(
                    ko="--engine ollama 또는 --gguf 중 하나만 쓰세요.",
                    en="Drop --engine ollama, or drop --gguf.",
                ),
            )
        return "embedded"
    return kind or str(settings.get("engine.kind"))


def engine_from_settings(
    settings: Settings,
    paths: AppPaths,
    *,
    kind: str | None = None,
    host: str | None = None,
    gguf: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Engine:
    """The engine `engine_kind` picks. `progress` reports preparing the embedded engine's
    built-in model (first use). Raises KodeskError: a malformed endpoint (EndpointError),
    the embedded extra missing, `--engine ollama` with `--gguf`."""
    if engine_kind(settings, kind, gguf) == "embedded":
        return embedded_engine(settings, paths, gguf, progress)
    return ollama_engine(settings, host)


def task_runner(engine: Engine, settings: Settings, paths: AppPaths) -> TaskRunner:
    """A runner for `engine` that plans with the current `context.*` settings and keeps
    tokenizers and measured model speeds in the user cache (imported here, on first use:
    planning is heavy)."""
    from kodesk.core.context_planner import ContextPolicy
    from kodesk.core.model_profile import ModelProfiles
    from kodesk.core.runner import TaskRunner
    from kodesk.core.speed import SpeedBook

    return TaskRunner(
        engine,
        policy=lambda: ContextPolicy.from_settings(settings),
        profiles=ModelProfiles(engine, cache_dir=paths.cache / "tokenizers"),
        speeds=SpeedBook(paths.cache / f"speeds-{engine.kind}.json"),
    )
