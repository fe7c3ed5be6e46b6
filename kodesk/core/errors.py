"""The small set of errors kodesk explains to people.

Each error carries a short message and a hint in Korean and English. Engines turn
every failure (HTTP, socket, malformed stream, timeouts) into one of these, so the
UI and the CLI never show a raw traceback or an httpx class name.
"""

from __future__ import annotations

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


class KodeskError(Exception):
    """Base of every error kodesk shows. `code` is stable and safe to match on."""

    code = "error"

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


_WSL_HINT = Text(
    ko="Ollama가 실행 중인지 확인하세요(`ollama serve`). WSL 안에서 실행 중이면 "
    "`wsl --shutdown` 후 다시 시작하거나, WSL에서 OLLAMA_HOST=0.0.0.0 으로 실행하고 "
    "WSL의 IP 주소를 설정에 입력하세요. `kodesk doctor`가 자세히 알려 줍니다.",
    en="Check that Ollama is running (`ollama serve`). If it runs inside WSL, try "
    "`wsl --shutdown` and start it again, or run it with OLLAMA_HOST=0.0.0.0 in WSL and "
    "enter the WSL IP address in the settings. `kodesk doctor` shows the details.",
)


class EngineUnreachable(KodeskError):
    code = "unreachable"

    def __init__(self, host: str, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(
            Text(
                ko=f"Ollama에 연결할 수 없습니다: {host}{suffix}",
                en=f"Ollama is not reachable at {host}{suffix}",
            ),
            _WSL_HINT,
        )
        self.host = host


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


TimeoutKind = Literal["connect", "first_token", "stall"]


class EngineTimeout(KodeskError):
    code = "timeout"

    _WHAT: ClassVar[dict[str, Text]] = {
        "connect": Text(ko="연결 시간이 초과되었습니다", en="Connecting timed out"),
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
