"""The Modelfile editor's colours: instructions, parameter names, quoted blocks, comments."""

from __future__ import annotations

from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from kodesk.desktop.settings.modelfile_editor import ModelfileEditor

TEXT = (
    '# 주석입니다\nFROM ./model.gguf\nTEMPLATE """{{ .System }}\n{{ .Prompt }}"""\n'
    'PARAMETER stop "<|eot_id|>"\n'
)


def _colours(editor: ModelfileEditor, line: int) -> dict[int, str]:
    """Start offset → colour name of each formatted range on a line."""
    block = editor.document().findBlockByNumber(line)
    return {r.start: QColor(r.format.foreground().color()).name() for r in block.layout().formats()}


def test_highlighting(qtbot: QtBot) -> None:
    editor = ModelfileEditor()
    qtbot.addWidget(editor)
    editor.setPlainText(TEXT)
    highlighter = editor.highlighter
    keyword = highlighter.keyword.foreground().color().name()
    quoted = highlighter.quoted.foreground().color().name()
    assert _colours(editor, 0) == {0: highlighter.comment.foreground().color().name()}
    assert _colours(editor, 1) == {0: keyword}
    assert _colours(editor, 2) == {0: keyword, 9: quoted}
    assert _colours(editor, 3) == {0: quoted}  # still inside the """ block
    assert _colours(editor, 4) == {
        0: keyword,
        10: highlighter.parameter.foreground().color().name(),
        15: quoted,
    }
