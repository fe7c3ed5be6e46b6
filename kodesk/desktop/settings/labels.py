"""The settings dialog's words in Korean and English, and the language choice.

Korean is the default; English is used when `ui.language` is "en". Labels for
settings are keyed by setting key so the schema stays the single declaration of
type, default, range and choices.
"""

from __future__ import annotations

import re
from typing import Any

from kodesk.core.errors import Language, Text
from kodesk.desktop.i18n import pick_language


class Labels:
    """Picks the Korean or English text of a label."""

    def __init__(self, lang: Language) -> None:
        self.lang: Language = lang

    @classmethod
    def for_setting(cls, value: str) -> Labels:
        """`ui.language` → labels; "auto" follows the system (Korean unless it says otherwise),
        the same rule as the tray and answer window."""
        return cls(pick_language(value))

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
        """The label of a setting, with its mnemonic."""
        text = SETTING_LABELS[key]
        return self.mnemonic(text.ko, text.en)

    def choice(self, key: str, value: Any) -> str:
        text = CHOICE_LABELS.get((key, value))
        return self.text(text) if text else str(value)


SETTING_LABELS: dict[str, Text] = {
    "engine.kind": Text("엔진", "&Engine"),
    "ollama.endpoint": Text("주소", "&Endpoint"),
    "ollama.keep_alive": Text("모델 유지 시간", "&Keep alive"),
    "ollama.connect_timeout": Text("연결 시간 제한(초)", "&Connect timeout (s)"),
    "ollama.first_token_timeout": Text("첫 응답 시간 제한(초)", "&First token timeout (s)"),
    "ollama.stall_timeout": Text("멈춤 시간 제한(초)", "&Stall timeout (s)"),
    "hotkey.main": Text("주 단축키", "Main &hotkey"),
    "capture.mode": Text("텍스트 가져오기", "&Capture"),
    "history.enabled": Text("답변 기록 남기기 (이 컴퓨터에만)", "Keep a local hi&story of answers"),
    "ui.language": Text("언어", "&Language"),
    "startup.at_login": Text("로그인할 때 kodesk 시작", "Start kodesk at log&in"),
    "model.default": Text("기본 모델", "Default &model"),
    "task.default": Text("주 단축키 작업", "Main hotkey &task"),
    "context.max_num_ctx": Text("num_ctx 최대값", "Largest &num_ctx"),
    "context.allow_raise": Text("긴 글은 num_ctx를 늘려 보내기", "&Raise num_ctx for long texts"),
    "context.allow_split": Text(
        "그래도 긴 글은 나누어 처리하기", "&Split texts that still do not fit"
    ),
    "context.split_concurrency": Text("동시에 처리할 조각 수", "Chunks at &once"),
}

CHOICE_LABELS: dict[tuple[str, Any], Text] = {
    ("engine.kind", "ollama"): Text("Ollama (서버)", "Ollama (server)"),
    ("engine.kind", "embedded"): Text("내장 엔진 (llama.cpp)", "Embedded (llama.cpp)"),
    ("ui.language", "auto"): Text("자동 (시스템 언어)", "Automatic (system language)"),
    ("ui.language", "ko"): Text("한국어", "Korean (한국어)"),
    ("ui.language", "en"): Text("English", "English"),
    ("capture.mode", "clipboard"): Text("복사한 내용 사용", "Use what was copied"),
    ("capture.mode", "selection"): Text("선택한 내용 자동 복사", "Copy the selection"),
}
