"""The one protocol every model server implements (Ollama over HTTP, embedded llama.cpp).

It lives in `core` so that job logic (planning, map-reduce) can be written and tested
against it without importing any engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from kodesk.core.types import (
    ChatRequest,
    LoadedModel,
    ModelDetails,
    ModelInfo,
    ModelSpec,
    Progress,
    StreamEvent,
)


@runtime_checkable
class Engine(Protocol):
    """A model server. Every method may raise a `KodeskError`; none blocks the event loop.

    `chat`, `pull` and `create` are async generators: closing them (or cancelling the
    task iterating them) stops the work and closes the underlying stream.
    """

    #: Short engine identifier, e.g. "ollama" or "embedded".
    kind: str

    @property
    def location(self) -> str:
        """Where the engine runs, for messages: a URL or a folder."""
        ...

    async def version(self) -> str: ...

    async def list_models(self) -> list[ModelInfo]: ...

    async def list_loaded(self) -> list[LoadedModel]: ...

    def chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...

    async def show(self, model: str, *, verbose: bool = False) -> ModelDetails: ...

    def pull(self, model: str) -> AsyncIterator[Progress]: ...

    def create(self, spec: ModelSpec) -> AsyncIterator[Progress]: ...

    async def delete(self, model: str) -> None: ...

    async def unload(self, model: str) -> None: ...

    async def aclose(self) -> None: ...
