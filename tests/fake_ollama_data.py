"""What the fake Ollama server serves and records: models, scripts, speeds, faults.

Separate from the server (`tests.fake_ollama`, which re-exports every name here) so
each file stays small. The behaviour follows a real Ollama 0.12.11 (see issue 11):

- a model's runner is keyed by its blob: two names over one blob share it; a request
  whose num_ctx differs from the loaded runner's reloads it (`ServerSpeed.load_seconds`);
- a prompt longer than num_ctx is cut (first `KEEP` tokens and the tail, HTTP 200,
  prompt_eval_count == num_ctx, a "truncating input prompt" log line), or refused
  with HTTP 400 when the request says `"truncate": false`;
- prompt evaluation and decoding take time at `ServerSpeed`'s rates, scaled by its
  `time_scale` so tests stay fast; the reported durations are the unscaled ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

#: Tokens Ollama keeps from the start of a cut prompt (num_keep; the log says keep=4).
KEEP = 4
#: The body of Ollama's refusal of an over-long prompt under `"truncate": false`.
TOO_LONG = "the input length exceeds the context length"
#: Ollama's error line when the runner dies mid-answer (HTTP 200, then no done line).
RUNNER_EOF = "an error was encountered while running the model: unexpected EOF"


def rough_token_count(text: str) -> int:
    """Default prompt size estimate: ~1 token per Hangul syllable, ~4 bytes otherwise."""
    hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")
    other = len(text.encode("utf-8")) - 3 * hangul
    return hangul + max(0, other) // 4 + 1


EXAONE_TEMPLATE = (
    "{{- range $i, $_ := .Messages }}\n"
    "{{- $last := eq (len (slice $.Messages $i)) 1 -}}\n"
    '{{ if eq .Role "system" }}[|system|]{{ .Content }}[|endofturn|]\n'
    '{{ else if eq .Role "user" }}[|user|]{{ .Content }}\n'
    '{{ else if eq .Role "assistant" }}[|assistant|]{{ .Content }}[|endofturn|]\n'
    "{{ end }}\n"
    '{{- if and (ne .Role "assistant") $last }}[|assistant|]{{ end }}\n'
    "{{- end -}}"
)


@dataclass
class FakeModel:
    name: str
    size: int = 1_600_000_000
    family: str = "exaone"
    parameter_size: str = "2.7B"
    quantization_level: str = "Q4_K_M"
    #: The manifest digest /api/tags lists; by default derived from what a manifest holds
    #: (the weights, template, system, parameters, licence), so two names differ in digest
    #: when their Modelfiles differ, as on a real server (an `ollama cp` copy shares it).
    digest: str = ""
    modified_at: str = "2026-11-01T10:00:00.000000+09:00"
    #: An instruction model's chat template (EXAONE 3.5's, as the Ollama library ships it);
    #: a base model created from a GGUF without one has "{{ .Prompt }}".
    template: str = EXAONE_TEMPLATE
    system: str = ""
    parameters: str = ""
    license: str = "LICENSE TEXT"
    context_length: int = 32768
    architecture: str = "exaone"
    capabilities: list[str] = field(default_factory=lambda: ["completion"])
    #: Extra `model_info` keys, e.g. the tokenizer arrays served with verbose=true.
    verbose_info: dict[str, Any] = field(default_factory=dict)
    #: The GGUF blob the runner loads; names over the same blob share one runner.
    blob: str = ""
    #: Keys replaced in the /api/show answer as given (e.g. nulls a broken server sends).
    show_override: dict[str, Any] = field(default_factory=dict)

    def manifest_digest(self) -> str:
        if self.digest:
            return self.digest
        manifest = "\0".join(
            (self.blob or self.name, self.template, self.system, self.parameters, self.license)
        )
        return hashlib.sha256(manifest.encode()).hexdigest()

    @property
    def runner_key(self) -> str:
        return self.blob or self.name

    def default_num_ctx(self, server_default: int) -> int:
        """num_ctx without options: the Modelfile's PARAMETER num_ctx, else the server's."""
        for line in self.parameters.splitlines():
            name, _, value = line.strip().partition(" ")
            if name == "num_ctx" and value.strip().isdigit():
                return int(value)
        return server_default

    def tag(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.name,
            "modified_at": self.modified_at,
            "size": self.size,
            "digest": self.manifest_digest(),
            "details": {
                "format": "gguf",
                "family": self.family,
                "families": [self.family],
                "parameter_size": self.parameter_size,
                "quantization_level": self.quantization_level,
            },
        }

    def show(self, verbose: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "general.architecture": self.architecture,
            f"{self.architecture}.context_length": self.context_length,
        }
        for key, value in self.verbose_info.items():
            # Without verbose Ollama sends the token arrays as null.
            info[key] = value if verbose or not isinstance(value, list) else None
        modelfile = f'FROM {self.name}\nTEMPLATE """{self.template}"""\n'
        shown: dict[str, Any] = {
            "modelfile": modelfile,
            "template": self.template,
            "system": self.system,
            "license": self.license,
            "details": self.tag()["details"],
            "model_info": info,
            "tensors": [{"name": "token_embd.weight", "type": "Q4_K", "shape": [640, 262144]}],
            "capabilities": self.capabilities,
            "modified_at": self.modified_at,
        }
        if self.parameters:  # Ollama leaves the key out when there are none
            shown["parameters"] = self.parameters
        return {**shown, **self.show_override}


@dataclass
class ChatScript:
    reply: str = "테스트 답변입니다."
    #: Pieces streamed; default: the reply split into pieces of `piece_size` characters.
    pieces: list[str] | None = None
    piece_size: int = 3
    first_delay: float = 0.0
    delay: float = 0.0
    thinking: str = ""
    done_reason: str = "stop"
    #: Before streaming: an HTTP error status with {"error": message}.
    status: int = 200
    error: str = ""
    #: Instead of the usual `{"error": …}`: this exact JSON body (e.g. {"error": None}).
    error_json: Any = None
    #: After n pieces: an error line (then the stream ends, no done line) / a dropped
    #: connection / silence / a garbage line / one line of `oversized_bytes` bytes
    #: (None: a line that never ends).
    error_after: int | None = None
    error_line: Any = RUNNER_EOF
    disconnect_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 30.0
    malformed_after: int | None = None
    oversized_after: int | None = None
    oversized_bytes: int | None = None
    #: Stream every piece even past the request's num_predict (a broken server).
    ignore_num_predict: bool = False
    load_duration: int = 1_500_000

    def stream_pieces(self) -> list[str]:
        if self.pieces is not None:
            return list(self.pieces)
        n = max(1, self.piece_size)
        return [self.reply[i : i + n] for i in range(0, len(self.reply), n)] or [""]


@dataclass
class PullScript:
    total: int = 50_000_000
    steps: int = 5
    delay: float = 0.0
    error_after: int | None = None
    error: str = "pull model manifest: file does not exist"


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    #: For chat: the counted prompt size, the num_ctx used and whether it was cut.
    prompt_tokens: int | None = None
    num_ctx: int | None = None
    truncated: bool = False
    #: The client went away before the stream ended (a cancelled request).
    aborted: bool = False
    #: The server sent the whole response.
    finished: bool = False
    #: The runner was (re)loaded for this request (a first load or a num_ctx change).
    reloaded: bool = False
    #: Refused with HTTP 400 because it did not fit and said `"truncate": false`.
    refused: bool = False


@dataclass
class ServerSpeed:
    """How fast the fake server works; rates are tokens per second (None: instant).

    Waits last `time_scale` × the simulated time; reported durations are unscaled.
    """

    prompt_rate: float | None = None
    decode_rate: float | None = None
    load_seconds: float = 0.0
    time_scale: float = 1.0

    def prompt_seconds(self, tokens: int) -> float | None:
        return tokens / self.prompt_rate if self.prompt_rate else None

    def token_seconds(self) -> float | None:
        return 1 / self.decode_rate if self.decode_rate else None


@dataclass
class Fault:
    """A scripted answer to the next request to a path, before any routing.

    `status` with `body` (JSON, sent as is); `hang`: accept and never send headers
    (until the client goes away or the server stops).
    """

    status: int = 503
    body: Any = field(default_factory=lambda: {"error": "server busy, please try again."})
    hang: bool = False
