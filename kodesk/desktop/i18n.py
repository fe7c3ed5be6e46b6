"""UI labels in Korean and English, chosen once from the `ui.language` setting, and
Qt's own strings (standard buttons) in the same language (`install_qt_translations`)."""

from __future__ import annotations

import locale
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kodesk.core.errors import Language

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication, QTranslator

    from kodesk.core.token_report import TokenReport  # loads the tokenizers (numpy)
    from kodesk.core.types import ChatStats


def pick_language(setting: str) -> Language:
    """`ko`/`en` as set, or from the environment for `auto` (Korean locale → ko)."""
    if setting in ("ko", "en"):
        return "ko" if setting == "ko" else "en"
    for value in (os.environ.get("LC_ALL"), os.environ.get("LANG"), locale.getlocale()[0]):
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "ko"


#: The tokenizer line of an estimate in Korean (the estimator's own name is English).
ESTIMATE_TOKENIZER_KO = "글자 종류별 추정"


@dataclass(frozen=True)
class Labels:
    lang: Language
    stop: str
    copy: str
    retry: str
    paste_back: str
    details: str
    close: str
    drag_to_move: str
    starting: str
    stopped: str
    copied: str
    tasks: str
    models: str
    models_loading: str
    no_models: str
    unreachable_retry: str
    pause_hotkeys: str
    settings: str
    quit: str
    hotkeys_unavailable: str
    engine: str
    use_embedded: str
    tokens_in: str
    tokens_out: str
    tokens_per_s: str
    load_time: str
    preparing_model: str
    connection_doctor: str
    answering: str
    get_instruction_model: str
    plan: str
    prompt_format: str
    estimated: str
    token_unit: str
    chunks: str
    #: The token explainer's header; `{n}`/`{x}` are the numbers.
    characters_count: str
    tokens_count: str
    per_syllable: str
    per_word: str
    over_context: str
    more_chips: str

    def token_header(self, report: TokenReport) -> str:
        """The counts line(s) above the token chips, in this language only."""
        tokens = self.tokens_count.format(n=report.tokens)
        parts = [
            self.characters_count.format(n=report.characters),
            f"{tokens} ({self.estimated})" if report.estimate else tokens,
        ]
        if report.tokens_per_syllable is not None:
            parts.append(self.per_syllable.format(x=report.tokens_per_syllable))
        if report.tokens_per_word is not None:
            parts.append(self.per_word.format(x=report.tokens_per_word))
        head = " · ".join(parts)
        if report.over_context and report.num_ctx is not None:
            head += "\n" + self.over_context.format(n=report.num_ctx)
        estimate_ko = report.estimate and self.lang == "ko"
        name = ESTIMATE_TOKENIZER_KO if estimate_ko else report.tokenizer_name
        return f"{head}\n{name}"

    def stats_line(self, stats: ChatStats) -> str:
        parts = []
        if stats.prompt_eval_count is not None:
            parts.append(f"{self.tokens_in} {stats.prompt_eval_count:,}")
        if stats.eval_count is not None:
            parts.append(f"{self.tokens_out} {stats.eval_count:,}")
        if stats.tokens_per_second is not None:
            parts.append(f"{stats.tokens_per_second:.1f} {self.tokens_per_s}")
        if stats.load_seconds is not None and stats.load_seconds >= 0.05:
            parts.append(f"{self.load_time} {stats.load_seconds:.1f}s")
        return " · ".join(parts)


KO = Labels(
    lang="ko",
    stop="중지 (Esc)",
    copy="복사",
    retry="다시",
    paste_back="붙여넣기",
    details="세부 정보",
    close="닫기",
    drag_to_move="끌어서 옮기기",
    starting="준비 중…",
    stopped="중지했습니다.",
    copied="복사했습니다.",
    tasks="작업",
    models="모델",
    models_loading="모델 목록을 불러오는 중…",
    no_models="설치된 모델이 없습니다",
    unreachable_retry="Ollama에 연결할 수 없음 — 다시 시도",
    pause_hotkeys="단축키 일시 중지",
    settings="설정…",
    quit="끝내기",
    hotkeys_unavailable="전역 단축키를 쓸 수 없습니다",
    engine="엔진",
    use_embedded="내장 엔진 사용 (Ollama 없이)",
    tokens_in="입력",
    tokens_out="출력",
    tokens_per_s="토큰/초",
    load_time="로드",
    preparing_model="내장 모델 준비 중…",
    connection_doctor="연결 진단…",
    answering="답변 중…",
    get_instruction_model="추천 한국어 지시 모델 받기…",
    plan="계획",
    prompt_format="프롬프트 형식",
    estimated="추정",
    token_unit="토큰",
    chunks="조각",
    characters_count="문자 {n:,}",
    tokens_count="토큰 {n:,}",
    per_syllable="한글 음절당 토큰 {x:.2f}",
    per_word="영어 단어당 토큰 {x:.2f}",
    over_context="num_ctx {n:,}을(를) 넘습니다 — Ollama는 중간을 잘라 버립니다.",
    more_chips="… 외 {n:,}개",
)
EN = Labels(
    lang="en",
    stop="Stop (Esc)",
    copy="Copy",
    retry="Retry",
    paste_back="Paste back",
    details="Details",
    close="Close",
    drag_to_move="Drag to move",
    starting="Starting…",
    stopped="Stopped.",
    copied="Copied.",
    tasks="Tasks",
    models="Models",
    models_loading="Loading models…",
    no_models="No models installed",
    unreachable_retry="Ollama not reachable — retry",
    pause_hotkeys="Pause hotkeys",
    settings="Settings…",
    quit="Quit",
    hotkeys_unavailable="Global hotkeys are not available",
    engine="Engine",
    use_embedded="Use the embedded engine (no Ollama)",
    tokens_in="in",
    tokens_out="out",
    tokens_per_s="tok/s",
    load_time="load",
    preparing_model="Preparing the built-in model…",
    connection_doctor="Connection doctor…",
    answering="Answering…",
    get_instruction_model="Get a recommended Korean instruction model…",
    plan="Plan",
    prompt_format="Prompt format",
    estimated="estimated",
    token_unit="tokens",
    chunks="chunks",
    characters_count="{n:,} characters",
    tokens_count="{n:,} tokens",
    per_syllable="{x:.2f} tokens per Hangul syllable",
    per_word="{x:.2f} tokens per English word",
    over_context="Over num_ctx {n:,}: Ollama would drop the middle.",
    more_chips="… {n:,} more",
)


def labels_for(lang: Language) -> Labels:
    return KO if lang == "ko" else EN


def install_qt_translations(
    app: QCoreApplication, lang: Language, previous: QTranslator | None = None
) -> QTranslator | None:
    """Show Qt's own strings (message-box buttons such as Close, Yes, Cancel) in `lang`.

    Loads `qtbase_ko.qm` from PySide6's translations folder. `previous`: the translator
    an earlier call returned (removed first, for a language change). Returns the
    installed translator, to keep and pass back; None for English or when the file is
    missing (Qt then stays English).
    """
    from PySide6.QtCore import QLibraryInfo, QTranslator

    if previous is not None:
        app.removeTranslator(previous)
    if lang != "ko":
        return None
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load("qtbase_ko", folder):
        return None
    app.installTranslator(translator)
    return translator
