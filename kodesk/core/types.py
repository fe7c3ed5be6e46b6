"""Plain data passed between the layers: requests, stream events, model descriptions.

Everything here is immutable and engine-neutral. Option names follow Ollama's
(`num_ctx`, `num_predict`, `temperature`, …); the embedded engine maps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """One chat call. `options` holds Ollama option names; `None` values are not sent."""

    model: str
    messages: tuple[ChatMessage, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    keep_alive: str | int | None = None
    think: bool | str | None = None
    #: Seconds the first token may take for this request (its prompt is long and the
    #: model reads it slowly); the engine waits at least its configured timeout.
    first_token_timeout: float | None = None

    def sent_options(self) -> dict[str, Any]:
        return {k: v for k, v in self.options.items() if v is not None}


@dataclass(frozen=True)
class Delta:
    """A piece of answer text."""

    text: str


@dataclass(frozen=True)
class Thinking:
    """A piece of reasoning text from a thinking model (never shown as the answer)."""

    text: str


@dataclass(frozen=True)
class ChatStats:
    """The final statistics of one chat call. Durations are nanoseconds; any may be missing."""

    done_reason: str | None = None
    prompt_eval_count: int | None = None
    eval_count: int | None = None
    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_duration: int | None = None
    eval_duration: int | None = None

    @property
    def tokens_per_second(self) -> float | None:
        if not self.eval_count or not self.eval_duration:
            return None
        return self.eval_count / self.eval_duration * 1e9

    @property
    def load_seconds(self) -> float | None:
        return None if self.load_duration is None else self.load_duration / 1e9

    @property
    def truncated_by_length(self) -> bool:
        return self.done_reason == "length"


@dataclass(frozen=True)
class Done:
    """The end of a stream, with its statistics."""

    stats: ChatStats


@dataclass(frozen=True)
class PromptUsed:
    """How an engine that formats prompts itself (embedded llama.cpp) formatted this one:
    `format` names the chat template (or "plain completion"), `text` is what it sent."""

    format: str
    text: str


StreamEvent = Delta | Thinking | PromptUsed | Done


@dataclass(frozen=True)
class ModelInfo:
    """One installed model, as `/api/tags` lists it."""

    name: str
    size: int = 0
    modified_at: str = ""
    digest: str = ""
    family: str = ""
    parameter_size: str = ""
    quantization_level: str = ""
    format: str = ""


@dataclass(frozen=True)
class LoadedModel:
    """One model loaded in memory, as `/api/ps` lists it."""

    name: str
    size: int = 0
    size_vram: int = 0
    context_length: int | None = None
    expires_at: str = ""


@dataclass(frozen=True)
class ModelDetails:
    """What `/api/show` tells about a model (or the embedded engine about a GGUF)."""

    name: str
    modelfile: str = ""
    parameters: str = ""
    template: str = ""
    system: str = ""
    license: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    model_info: Mapping[str, Any] = field(default_factory=dict)
    capabilities: tuple[str, ...] = ()

    @property
    def context_length(self) -> int | None:
        """The trained context length from the GGUF keys (`<arch>.context_length`)."""
        arch = self.model_info.get("general.architecture")
        value = self.model_info.get(f"{arch}.context_length") if arch else None
        return value if isinstance(value, int) else None

    def parameter_values(self) -> dict[str, list[str]]:
        """The `parameters` text (`name value` lines) as name → values."""
        out: dict[str, list[str]] = {}
        for line in self.parameters.splitlines():
            name, _, value = line.strip().partition(" ")
            if name:
                out.setdefault(name, []).append(value.strip().strip('"'))
        return out


@dataclass(frozen=True)
class Progress:
    """One status line of a pull or create. `total`/`completed` are bytes when known."""

    status: str
    digest: str | None = None
    total: int | None = None
    completed: int | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total or self.completed is None:
            return None
        return min(1.0, self.completed / self.total)


@dataclass(frozen=True)
class ModelSpec:
    """A model to create: the JSON `/api/create` request, before any blob upload.

    `from_gguf` names a local GGUF file to upload (its digest fills `files`);
    `from_model` names an existing model to derive from. Exactly one is set.
    """

    name: str
    from_model: str | None = None
    from_gguf: str | None = None
    template: str | None = None
    system: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    messages: tuple[ChatMessage, ...] = ()
    license: tuple[str, ...] = ()
    adapters: tuple[str, ...] = ()
    quantize: str | None = None
