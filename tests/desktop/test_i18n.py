"""No English left in the Korean UI: Qt's standard buttons through Qt's own Korean
translation, and the token explainer's header in one language at a time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from kodesk.core.token_report import TokenReport
from kodesk.desktop.i18n import EN, KO, install_qt_translations
from tests.desktop.test_first_run import english_words

BUTTONS = {
    QMessageBox.StandardButton.Close: ("닫기", "Close"),
    QMessageBox.StandardButton.Cancel: ("취소", "Cancel"),
    QMessageBox.StandardButton.Ok: ("확인", "OK"),
}


@pytest.fixture
def restore_english(qapp: QApplication) -> Iterator[list[QTranslator]]:
    """Installed translators, removed again after the test (the app is shared)."""
    installed: list[QTranslator] = []
    try:
        yield installed
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)


def button_texts() -> dict[QMessageBox.StandardButton, str]:
    box = QMessageBox()
    try:
        return {which: box.addButton(which).text() for which in BUTTONS}
    finally:
        box.deleteLater()


def test_standard_buttons_follow_the_language(
    qapp: QApplication, restore_english: list[QTranslator]
) -> None:
    assert button_texts() == {which: en for which, (_, en) in BUTTONS.items()}
    korean = install_qt_translations(qapp, "ko")
    assert korean is not None
    restore_english.append(korean)
    assert button_texts() == {which: ko for which, (ko, _) in BUTTONS.items()}
    # A language change removes the Korean translator again.
    assert install_qt_translations(qapp, "en", korean) is None
    assert button_texts() == {which: en for which, (_, en) in BUTTONS.items()}


def report(*, estimate: bool = False, num_ctx: int | None = 4096) -> TokenReport:
    return TokenReport(
        tokenizer_name="gemma3 (GGUF)",
        estimate=estimate,
        characters=12_345,
        tokens=5_000,
        hangul_syllables=1_000,
        english_words=100,
        hangul_tokens=1_500,
        english_tokens=130,
        num_ctx=num_ctx,
        chips=(),
        hidden_chips=0,
    )


def test_token_header_in_korean_has_no_english() -> None:
    header = KO.token_header(report())
    assert header.startswith(
        "문자 12,345 · 토큰 5,000 · 한글 음절당 토큰 1.50 · 영어 단어당 토큰 1.30"
    )
    assert "num_ctx 4,096을(를) 넘습니다" in header
    first_lines = header.rsplit("\n", 1)[0]  # the last line is the tokenizer's name
    assert english_words(first_lines.replace("num_ctx", "")) == []


def test_token_header_in_english() -> None:
    header = EN.token_header(report(estimate=True, num_ctx=None))
    assert header == "12,345 characters · 5,000 tokens (estimated)\ngemma3 (GGUF)"
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in header)
    assert EN.more_chips.format(n=12_000) == "… 12,000 more"
    assert KO.more_chips.format(n=12_000) == "… 외 12,000개"
