"""The settings dialog's words in Korean or English, picked once for the UI language.

The words of a setting (its label, its choices) are declared with the setting in
`settings_schema`; everything else the dialog says is written where it is said, as a
Korean/English pair passed to `Labels`.
"""

from __future__ import annotations

import re
from typing import Any

from kodesk.core.errors import Language, Text
from kodesk.core.settings_schema import BY_KEY

#: The progress lines of Ollama's pull and create, and of kodesk's own uploads and
#: downloads, in Korean (`\1`: the digest, file or name the line is about).
_PROGRESS_KO: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), korean)
    for pattern, korean in (
        (r"pulling manifest", "매니페스트 받는 중"),
        (r"pulling (\S+)", r"\1 받는 중"),
        (r"verifying sha256 digest", "sha256 확인 중"),
        (r"writing manifest", "매니페스트 쓰는 중"),
        (r"removing (?:any )?unused layers", "쓰지 않는 레이어 지우는 중"),
        (r"success", "완료"),
        (r"gathering model components", "모델 구성 요소 모으는 중"),
        (r"parsing GGUF", "GGUF 읽는 중"),
        (r"converting model", "모델 변환 중"),
        (r"copying file (.+)", r"파일 복사 중: \1"),
        (r"using existing layer (\S+)", r"기존 레이어 사용: \1"),
        (r"creating new layer (\S+)", r"새 레이어 만드는 중: \1"),
        (r"using autodetected template (\S+)", r"자동으로 찾은 템플릿 사용: \1"),
        (r"quantizing (\S+) model to (\S+)", r"\1 모델을 \2(으)로 양자화하는 중"),
        (r"hashing", "sha256 계산 중"),
        (r"uploading", "올리는 중"),
        (r"uploaded", "올림"),
        (r"blob already on the server", "서버에 이미 있음"),
        (r"downloading", "내려받는 중"),
        (r"resuming", "이어받는 중"),
    )
)


class Labels:
    """Picks the Korean or English text of a label."""

    def __init__(self, lang: Language) -> None:
        self.lang: Language = lang

    def __call__(self, ko: str, en: str) -> str:
        return en if self.lang == "en" else ko

    def text(self, text: Text) -> str:
        return text.get(self.lang)

    def mnemonic(self, ko: str, en: str) -> str:
        """A button/label text with a keyboard mnemonic.

        `en` marks the mnemonic with `&` ("&Test"); Korean text gets the same letter
        in parentheses ("테스트(&T)"), as Korean Windows programs do.
        """
        if self.lang == "en":
            return en
        match = re.search(r"&(\w)", en)
        return f"{ko}(&{match.group(1).upper()})" if match else ko

    def setting(self, key: str) -> str:
        """The label of a setting (from its schema entry), with its mnemonic."""
        label = BY_KEY[key].label
        return self.mnemonic(label.ko, label.en)

    def description(self, key: str) -> str:
        """What a setting does (its schema entry's description): the field's tooltip."""
        return self.text(BY_KEY[key].description)

    def progress(self, status: str) -> str:
        """A pull, create or download progress line (`Progress.status`) in this language;
        a line kodesk does not know is shown as the server wrote it."""
        if self.lang == "en":
            return status
        for pattern, korean in _PROGRESS_KO:
            match = pattern.fullmatch(status.strip())
            if match:
                return match.expand(korean)
        return status

    def choice(self, key: str, value: Any) -> str:
        label = BY_KEY[key].choice_label(value)
        return self.text(label) if label else str(value)
