"""The small set of errors kodesk explains to people.

Each error carries a short message and a hint in Korean and English. Engines turn
every failure (HTTP, socket, malformed stream, timeouts) into one of these, so the
UI and the CLI never show a raw traceback or an httpx class name.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import ClassVar, Literal

Language = Literal["ko", "en"]


@dataclass(frozen=True)
class Text:
    """A sentence in both languages."""

    ko: str
    en: str

    def get(self, lang: Language) -> str:
        return self.ko if lang == "ko" else self.en


Fix = Literal["instruction_model"]
"""A fix a front end offers as one button: "instruction_model" gets a recommended
instruction model (the tray opens the download or the recommended list)."""


class KodeskError(Exception):
    """Base of every error kodesk shows. `code` is stable and safe to match on.

    `partial` is the answer text that had arrived when a stream failed midway (set by
    the engine; empty when nothing arrived): show it, with the error under it.
    """

    code = "error"
    partial: str = ""
    #: A fix a front end can offer in one click (see `Fix`), or None.
    fix: ClassVar[Fix | None] = None

    def __init__(self, message: Text, hint: Text | None = None) -> None:
        super().__init__(message.en)
        self.text = message
        self.hint = hint

    def message(self, lang: Language = "en") -> str:
        return self.text.get(lang)

    def hint_text(self, lang: Language = "en") -> str:
        return self.hint.get(lang) if self.hint else ""

    def explain(self, lang: Language = "en") -> str:
        """Message and hint as one or two lines."""
        hint = self.hint_text(lang)
        return f"{self.message(lang)}\n{hint}" if hint else self.message(lang)


def unreachable_hint(platform: str | None = None) -> Text:
    """What to try when Ollama does not answer, for `platform` (default: `sys.platform`).

    WSL is mentioned only on Windows, where Ollama may run inside it.
    """
    common_ko = (
        "Ollama가 실행 중인지 확인하세요(`ollama serve` 또는 Ollama 앱). 설치되어 있지 "
        "않다면 https://ollama.com 에서 설치하거나, Ollama 없이 내장 엔진을 쓰세요 "
        "(설정 → 일반 → 엔진)."
    )
    common_en = (
        "Check that Ollama is running (`ollama serve` or the Ollama app). If it is not "
        "installed, install it from https://ollama.com, or use the embedded engine without "
        "Ollama (Settings → General → Engine)."
    )
    if (platform or sys.platform) != "win32":
        return Text(
            ko=f"{common_ko} `kodesk doctor`가 자세히 알려 줍니다.",
            en=f"{common_en} `kodesk doctor` shows the details.",
        )
    return Text(
        ko=f"{common_ko} WSL 안에서 실행 중이면 `wsl --shutdown` 후 다시 시작하거나, WSL에서 "
        "OLLAMA_HOST=0.0.0.0 으로 실행하고 WSL의 IP 주소를 설정에 입력하세요. "
        "`kodesk doctor`가 자세히 알려 줍니다.",
        en=f"{common_en} If it runs inside WSL, try `wsl --shutdown` and start it again, or "
        "run it with OLLAMA_HOST=0.0.0.0 in WSL and enter the WSL IP address in the "
        "settings. `kodesk doctor` shows the details.",
    )


class EngineUnreachable(KodeskError):
    """Nothing answers at `host`. The hint suits `platform` (default: `sys.platform`).

    `detail`: what went wrong, as a `Text` when kodesk words it, else a library's message.
    """

    code = "unreachable"

    def __init__(self, host: str, detail: str | Text = "", *, platform: str | None = None) -> None:
        said = detail if isinstance(detail, Text) else Text(ko=detail, en=detail)
        super().__init__(
            Text(
                ko=f"Ollama에 연결할 수 없습니다: {host}" + (f" ({said.ko})" if said.ko else ""),
                en=f"Ollama is not reachable at {host}" + (f" ({said.en})" if said.en else ""),
            ),
            unreachable_hint(platform),
        )
        self.host = host


class HostNotFound(EngineUnreachable):
    """The server's host name does not resolve (a typo, or a name only another machine knows)."""

    code = "host_not_found"

    def __init__(self, host: str, name: str) -> None:
        KodeskError.__init__(
            self,
            Text(
                ko=f"서버 이름 '{name}'을(를) 찾을 수 없습니다 (주소: {host}).",
                en=f"Cannot resolve the host name '{name}' (endpoint {host}).",
            ),
            Text(
                ko="설정의 Ollama 주소에 오타가 없는지 확인하세요. 같은 컴퓨터라면 "
                "http://127.0.0.1:11434 를 쓰세요.",
                en="Check the Ollama address in the settings for a typo. On this computer, "
                "use http://127.0.0.1:11434.",
            ),
        )
        self.host = host
        self.name = name


class ModelNotFound(KodeskError):
    code = "model_not_found"

    def __init__(self, model: str) -> None:
        super().__init__(
            Text(
                ko=f"모델 '{model}'이(가) 설치되어 있지 않습니다.",
                en=f"Model '{model}' is not installed.",
            ),
            Text(
                ko=f"설정 → 모델에서 받거나 터미널에서 `ollama pull {model}`을 실행하세요.",
                en=f"Pull it in Settings → Models, or run `ollama pull {model}`.",
            ),
        )
        self.model = model


class EngineHTTPError(KodeskError):
    code = "http_error"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(
            Text(
                ko=f"서버 오류 (HTTP {status}): {detail}",
                en=f"Server error (HTTP {status}): {detail}",
            ),
            Text(
                ko="Ollama 로그를 확인하세요. 모델 설정(Modelfile)이 잘못되었을 수 있습니다.",
                en="Check the Ollama log; the model's Modelfile may be wrong.",
            ),
        )
        self.status = status
        self.detail = detail


class ServerBusy(EngineHTTPError):
    """HTTP 503 (the server is loading a model or its queue is full), still after retries."""

    code = "server_busy"

    def __init__(self, detail: str, attempts: int) -> None:
        KodeskError.__init__(
            self,
            Text(
                ko=f"서버가 바빠서 요청을 받지 못했습니다 ({attempts}번 시도): {detail}",
                en=f"The server was busy and did not take the request ({attempts} tries): {detail}",
            ),
            Text(
                ko="모델을 불러오는 중이거나 밀린 요청이 많습니다. 잠시 뒤 다시 시도하세요.",
                en="It may be loading a model or have too many queued requests. Retry in a moment.",
            ),
        )
        self.status = 503
        self.detail = detail
        self.attempts = attempts


class PromptTooLong(KodeskError):
    """The server refused a prompt longer than the context instead of cutting it
    (the request carried `truncate: false`). Re-plan with smaller chunks."""

    code = "prompt_too_long"

    def __init__(self, model: str, num_ctx: int | None) -> None:
        ctx = f" (num_ctx {num_ctx:,})" if num_ctx else ""
        super().__init__(
            Text(
                ko=f"글이 모델 '{model}'의 컨텍스트{ctx}보다 길어 서버가 거절했습니다.",
                en=f"The text is longer than the context of '{model}'{ctx}; the server "
                "refused it rather than cut it.",
            ),
            Text(
                ko="더 작은 조각으로 나누어 보내거나, 설정 → 긴 글에서 컨텍스트 크기를 늘리세요.",
                en="Send it in smaller parts, or raise the context size in Settings → Long texts.",
            ),
        )
        self.model = model
        self.num_ctx = num_ctx


class StreamError(KodeskError):
    """The server reported an error after the answer had started."""

    code = "stream_error"

    def __init__(self, detail: str) -> None:
        super().__init__(
            Text(
                ko=f"답변 도중 서버가 오류를 보냈습니다: {detail}",
                en=f"The server reported an error mid-answer: {detail}",
            ),
            Text(
                ko="다시 시도하세요. 반복되면 메모리 부족이나 모델 파일 손상일 수 있습니다.",
                en="Retry. If it repeats, the machine may be out of memory or the model "
                "file may be damaged.",
            ),
        )
        self.detail = detail


class MalformedResponse(KodeskError):
    code = "malformed"

    def __init__(self, detail: str) -> None:
        super().__init__(
            Text(
                ko=f"서버 응답을 해석할 수 없습니다: {detail}",
                en=f"The server's answer could not be read: {detail}",
            ),
            Text(
                ko="주소가 Ollama 서버를 가리키는지 확인하세요 (프록시나 다른 서비스일 수 있음).",
                en="Check that the endpoint is an Ollama server, not a proxy or another service.",
            ),
        )


class OversizedLine(MalformedResponse):
    """One line of a stream grew past the size kodesk reads (it is not read further)."""

    code = "oversized_line"

    def __init__(self, limit: int) -> None:
        KodeskError.__init__(
            self,
            Text(
                ko=f"서버가 너무 긴 줄을 보냈습니다 ({limit:,}바이트 초과). 읽기를 멈췄습니다.",
                en=f"The server sent an oversized line (over {limit:,} bytes); reading stopped.",
            ),
            Text(
                ko="주소가 Ollama 서버를 가리키는지 확인하세요 (프록시나 다른 서비스일 수 있음).",
                en="Check that the endpoint is an Ollama server, not a proxy or another service.",
            ),
        )
        self.limit = limit


class StreamDisconnected(KodeskError):
    code = "disconnected"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            Text(
                ko="답변 도중 연결이 끊겼습니다." + (f" ({detail})" if detail else ""),
                en="The connection closed mid-answer." + (f" ({detail})" if detail else ""),
            ),
            Text(
                ko="Ollama가 종료되었거나 모델이 메모리 부족으로 중단되었을 수 있습니다. "
                "다시 시도하세요.",
                en="Ollama may have stopped, or the model ran out of memory. Retry.",
            ),
        )


TimeoutKind = Literal["connect", "response", "first_token", "stall"]


class EngineTimeout(KodeskError):
    code = "timeout"

    _WHAT: ClassVar[dict[str, Text]] = {
        "connect": Text(ko="연결 시간이 초과되었습니다", en="Connecting timed out"),
        "response": Text(
            ko="서버가 연결은 받았지만 응답하지 않았습니다",
            en="The server took the connection but did not answer",
        ),
        "first_token": Text(
            ko="첫 응답을 기다리다 시간이 초과되었습니다",
            en="Timed out waiting for the first token",
        ),
        "stall": Text(ko="답변이 중간에 멈췄습니다", en="The answer stalled"),
    }

    def __init__(self, kind: TimeoutKind, seconds: float) -> None:
        what = self._WHAT[kind]
        super().__init__(
            Text(ko=f"{what.ko} ({seconds:g}초).", en=f"{what.en} ({seconds:g} s)."),
            Text(
                ko="큰 모델은 처음 불러올 때 오래 걸립니다. 설정에서 시간 제한을 늘리거나 "
                "더 작은 모델을 쓰세요.",
                en="Large models take long to load the first time. Raise the timeout in "
                "the settings or use a smaller model.",
            ),
        )
        self.kind = kind
        self.seconds = seconds


class InputRejected(KodeskError):
    """The captured input cannot be sent (empty, not text, …)."""

    code = "input"

    def __init__(self, message: Text, hint: Text | None = None) -> None:
        super().__init__(message, hint)


class ContextTooSmall(KodeskError):
    """The prompt does not fit and the user disabled both raising num_ctx and splitting."""

    code = "context"

    def __init__(self, message: Text, hint: Text | None = None) -> None:
        super().__init__(message, hint)


class InternalError(KodeskError):
    """An unexpected exception (a bug in kodesk), shown as one message with a hint to report
    it; whoever raises it has logged the traceback."""

    code = "internal"

    def __init__(self, exc: BaseException) -> None:
        super().__init__(
            Text(
                ko=f"kodesk 내부 오류로 작업이 멈췄습니다 ({type(exc).__name__}).",
                en=f"kodesk stopped because of an internal error ({type(exc).__name__}).",
            ),
            Text(
                ko="다시 시도해 보세요. 계속되면 로그 파일과 함께 문제를 알려 주세요.",
                en="Try again. If it keeps happening, please report it with the log file.",
            ),
        )
