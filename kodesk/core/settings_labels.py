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

    def choice(self, key: str, value: Any) -> str:
        label = BY_KEY[key].choice_label(value)
        return self.text(label) if label else str(value)
