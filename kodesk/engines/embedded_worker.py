"""The thread side of the embedded engine: one `llama_cpp.Llama` and what runs on it.

Every method of `LlamaRunner` runs in the engine's single worker thread, never on the
event loop: loading, prompt rendering and tokenizing, and generation. `llama_cpp` is
imported on the first load, so kodesk works without the `embedded` extra until then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kodesk.core.types import ChatMessage
from kodesk.engines.chat_prompt import ChatTemplate, RenderedPrompt, render_plain
from kodesk.engines.embedded_errors import EmbeddedUnavailable, ModelLoadFailed
from kodesk.engines.token_text import AnswerText

#: llama.cpp's "pick a random seed" value (LLAMA_DEFAULT_SEED).
RANDOM_SEED = 0xFFFFFFFF


@dataclass(frozen=True)
class LoadSpec:
    """What identifies a loaded model: changing any field means loading again."""

    path: Path
    n_ctx: int
    n_threads: int | None = None
    #: The GGUF's `tokenizer.chat_template` (from `inspect_gguf`); None for base models.
    chat_template: str | None = None


@dataclass(frozen=True)
class Sampling:
    """Sampler settings, already mapped from Ollama option names (Ollama's defaults)."""

    max_tokens: int
    temperature: float = 0.8
    top_p: float = 0.9
    top_k: int = 40
    min_p: float = 0.0
    typical_p: float = 1.0
    repeat_penalty: float = 1.1
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    seed: int = RANDOM_SEED
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedPrompt:
    rendered: RenderedPrompt
    tokens: tuple[int, ...]
    #: The context size of the loaded model (llama.cpp may round the requested one).
    n_ctx: int


@dataclass(frozen=True)
class Generation:
    """How a generation ended. Durations are nanoseconds."""

    done_reason: str
    eval_count: int
    prompt_eval_duration: int
    eval_duration: int
    cancelled: bool = False


def import_llama_cpp() -> Any:
    """The `llama_cpp` module, or `EmbeddedUnavailable` explaining how to install it."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise EmbeddedUnavailable("llama-cpp-python") from exc
    return llama_cpp


class LlamaRunner:
    """Owns at most one loaded model. Not thread-safe: use from one thread only."""

    def __init__(self) -> None:
        self.loaded: LoadSpec | None = None
        self.n_ctx: int | None = None
        self._llama: Any = None
        self._lib: Any = None
        self._template: ChatTemplate | None = None
        self._abort_check: Callable[[], bool] | None = None
        self._abort_callback: Any = None

    def load(self, spec: LoadSpec) -> int:
        """Load `spec` unless it is already loaded; the load time in nanoseconds (0 if not)."""
        if self.loaded == spec and self._llama is not None:
            return 0
        self.unload()
        lib = import_llama_cpp()
        # An unusable template fails here, before spending time and memory on the weights.
        template = ChatTemplate(spec.chat_template) if spec.chat_template else None
        start = time.perf_counter_ns()
        try:
            llama = lib.Llama(
                model_path=str(spec.path),
                n_ctx=spec.n_ctx,
                n_batch=min(512, spec.n_ctx),
                n_threads=spec.n_threads,
                n_threads_batch=spec.n_threads,
                # Sliding-window layers keep only their window (less memory); safe because
                # every request starts from an empty cache (see `generate`).
                swa_full=False,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelLoadFailed(str(spec.path), str(exc) or type(exc).__name__) from exc
        self._template = template
        self._lib, self._llama, self.loaded = lib, llama, spec
        # kept referenced here: llama.cpp holds only a raw pointer to it
        self._abort_callback = lib.ggml_abort_callback(self._should_abort)
        self.n_ctx = int(llama.n_ctx())
        return time.perf_counter_ns() - start

    def unload(self) -> None:
        if self._llama is not None:
            self._llama.close()
        self._llama = self._template = None
        self.loaded = self.n_ctx = None

    def _set_abort(self, check: Callable[[], bool] | None) -> None:
        """Let llama.cpp ask `check` between the steps of a computation (None: never)."""
        self._abort_check = check
        callback = self._abort_callback if check else self._lib.ggml_abort_callback()
        self._lib.llama_set_abort_callback(self._llama.ctx, callback, None)

    def _should_abort(self, _data: Any) -> bool:
        check = self._abort_check
        return bool(check and check())

    def _special_text(self, token: int) -> str:
        if token < 0:
            return ""
        data: bytes = self._llama.detokenize([token], special=True)
        return data.decode("utf-8", errors="replace")

    def prepare(self, messages: Sequence[ChatMessage]) -> PreparedPrompt:
        """Render the prompt (the GGUF's chat template, or plain text) and tokenize it."""
        llama = self._llama
        if self._template is not None:
            rendered = self._template.render(
                messages,
                bos_token=self._special_text(llama.token_bos()),
                eos_token=self._special_text(llama.token_eos()),
            )
        else:
            rendered = render_plain(messages)
        # Template text holds control tokens (<start_of_turn>); plain user text must not.
        tokens = list(
            llama.tokenize(
                rendered.text.encode("utf-8"), add_bos=False, special=self._template is not None
            )
        )
        bos = llama.token_bos()
        vocab = self._lib.llama_model_get_vocab(llama.model)
        if bos >= 0 and self._lib.llama_vocab_get_add_bos(vocab) and tokens[:1] != [bos]:
            tokens.insert(0, bos)  # unless the template already wrote {{ bos_token }}
        return PreparedPrompt(rendered, tuple(tokens), int(llama.n_ctx()))

    def generate(
        self,
        tokens: Sequence[int],
        sampling: Sampling,
        emit: Callable[[str], None],
        is_cancelled: Callable[[], bool],
    ) -> Generation:
        """Generate after `tokens`, passing text pieces to `emit`.

        `is_cancelled` is checked before every token, and inside llama.cpp while the prompt
        is evaluated (a long prompt takes seconds on a CPU), so a cancel stops the work
        within one token or one step of the prompt's computation.
        """
        llama, lib = self._llama, self._lib
        if sampling.max_tokens <= 0:
            return Generation("length", 0, 0, 0)
        vocab = lib.llama_model_get_vocab(llama.model)
        answer = AnswerText(sampling.stop)
        llama.set_seed(sampling.seed)
        # Start from an empty KV cache. llama-cpp-python would reuse a matching prompt
        # prefix, but single-token and batched evaluation differ numerically, so a cached
        # prompt can change even a greedy answer: the same request must give the same answer.
        llama.reset()
        start = time.perf_counter_ns()
        first = start
        count = 0
        reason = "length"
        cancelled = by_stop_sequence = False
        stream = llama.generate(
            list(tokens),
            top_k=sampling.top_k,
            top_p=sampling.top_p,
            min_p=sampling.min_p,
            typical_p=sampling.typical_p,
            temp=sampling.temperature,
            repeat_penalty=sampling.repeat_penalty,
            presence_penalty=sampling.presence_penalty,
            frequency_penalty=sampling.frequency_penalty,
        )
        self._set_abort(is_cancelled)
        try:
            for token in stream:
                if count == 0:
                    first = time.perf_counter_ns()
                    self._set_abort(None)  # per token, the check above is enough and cheaper
                if is_cancelled():
                    cancelled = True
                    break
                if lib.llama_vocab_is_eog(vocab, token):
                    reason = "stop"
                    break
                count += 1
                piece = answer.feed(llama.detokenize([token]))
                if piece.text:
                    emit(piece.text)
                if piece.stopped:
                    reason, by_stop_sequence = "stop", True
                    break
                if count >= sampling.max_tokens:
                    break
        except RuntimeError:  # llama_decode aborted by the callback
            if not is_cancelled():
                raise
            cancelled = True
        finally:
            self._set_abort(None)
            stream.close()
        if not (cancelled or by_stop_sequence):
            rest = answer.finish().text
            if rest:
                emit(rest)
        end = time.perf_counter_ns()
        return Generation(reason, count, first - start, end - first, cancelled)
