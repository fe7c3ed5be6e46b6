"""Markdown rendered into a QTextDocument while it streams in, at a cost per call that
does not grow with the answer.

The text is cut into paragraphs at blank lines outside code fences. A finished
paragraph is rendered once as markdown and never touched again; the paragraph still
growing is shown as plain text, and new characters are only appended to it. Two things
depend on later text and are handled: a paragraph's own markdown (a `===` under a line
makes it a heading, a `|---|` row makes a table) is rendered when the paragraph ends,
and a paragraph using a reference link (`[text][id]`) is rendered again when the
definition (`[id]: url`) arrives later. The result depends only on the text, not on how
it was cut into pieces (`render_markdown` is the same result in one go).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtGui import (
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
)

#: The growing paragraph is shown in blocks of about this many characters (cut after a
#: space): Qt lays out a whole block again when text is added to it, so one endless
#: line would make each flush cost as much as the paragraph. It shows as an early wrap.
RAW_BLOCK_CHARS = 800
_FENCE = re.compile(r"(`{3,}|~{3,})")
_DEFINITION = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*\S.*$", re.MULTILINE)
_REFERENCE = re.compile(r"\[([^\]]+)\](?!\()")


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class _Rendered:
    """A finished paragraph that uses reference links, kept to render it again."""

    text: str
    labels: set[str]
    start: int  # document positions, before the block separator (if any)
    end: int
    separated: bool


class StreamedMarkdown:
    """Appends streamed markdown to `document` (which it owns from `clear()` on)."""

    def __init__(self, document: QTextDocument) -> None:
        self._doc = document
        self._doc.setUndoRedoEnabled(False)  # nobody undoes an answer; it would only grow
        self.clear()

    def clear(self) -> None:
        self._doc.clear()
        self._lines: list[str] = []  # complete lines of the growing paragraph
        self._partial: list[str] = []  # pieces of its unfinished last line
        self._unshown: list[str] = []  # raw text not yet in the document
        self._raw_started = False  # the growing paragraph is on screen
        self._run = 0  # characters in the last block of the growing paragraph
        self._fence = ""
        self._end = 0  # document position after the last rendered paragraph
        self._has_blocks = False
        self._definitions: dict[str, str] = {}
        self._waiting: list[_Rendered] = []  # paragraphs whose references may resolve later

    def feed(self, text: str) -> None:
        """Add streamed text: finished paragraphs as markdown, the rest as plain text."""
        pos = 0
        while (newline := text.find("\n", pos)) != -1:
            piece = text[pos : newline + 1]
            pos = newline + 1
            self._partial.append(piece)
            line = "".join(self._partial)
            self._partial.clear()
            self._take_line(line, piece)
        if pos < len(text):
            self._partial.append(text[pos:])
            self._add_raw(text[pos:])
        self._show_raw()

    def finish(self) -> None:
        """The answer is complete: render its last paragraph as markdown too."""
        if self._partial:
            self._lines.append("".join(self._partial))
            self._partial.clear()
        if "".join(self._lines).strip():
            self._render_paragraph()
        self._lines.clear()

    # -- internals ------------------------------------------------------------------
    def _take_line(self, line: str, piece: str) -> None:
        stripped = line.strip()
        if self._fence:
            if stripped.startswith(self._fence) and not stripped.strip(self._fence[0]):
                self._fence = ""
        elif not stripped:
            if self._lines:
                self._render_paragraph()
            self._unshown.clear()  # blank lines between paragraphs are not shown
            return
        elif fence := _FENCE.match(stripped):
            self._fence = fence.group(1)
        self._lines.append(line)
        self._add_raw(piece)

    def _add_raw(self, piece: str) -> None:
        self._unshown.append(piece)
        if not self._raw_started and piece.strip():
            self._raw_started = True

    def _show_raw(self) -> None:
        if not self._raw_started or not self._unshown:
            return
        cursor = QTextCursor(self._doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if cursor.position() == self._end and self._has_blocks:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        for part in self._raw_blocks("".join(self._unshown)):
            if part:
                cursor.insertText(part, QTextCharFormat())
            else:
                cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        self._unshown.clear()

    def _raw_blocks(self, text: str) -> list[str]:
        """`text` cut after the first space once a block holds RAW_BLOCK_CHARS ("" = cut)."""
        parts: list[str] = []
        start = 0
        while start < len(text):
            newline = text.find("\n", start)
            end = len(text) if newline == -1 else newline + 1
            space = text.find(" ", start + max(0, RAW_BLOCK_CHARS - self._run), end)
            if space == -1:
                parts.append(text[start:end])
                self._run = 0 if newline != -1 else self._run + end - start
                start = end
            else:
                parts += [text[start : space + 1], ""]
                self._run = 0
                start = space + 1
        return parts

    def _render_paragraph(self) -> None:
        text = "".join(self._lines)
        self._lines.clear()
        self._unshown.clear()
        self._raw_started = False
        self._run = 0
        defined = {_label(m.group(1)): m.group(0) for m in _DEFINITION.finditer(text)}
        labels = {_label(m.group(1)) for m in _REFERENCE.finditer(text)} - set(defined)
        fragment = self._fragment(text, labels)
        start, separated = self._end, self._has_blocks
        end = self._replace(start, self._doc.characterCount() - 1, separated, fragment)
        if fragment is not None:
            self._has_blocks = True
            if labels - set(self._definitions):
                self._waiting.append(_Rendered(text, labels, start, end, separated))
        if defined:
            self._resolve(defined)
        self._end = self._doc.characterCount() - 1

    def _replace(
        self, start: int, end: int, separated: bool, fragment: QTextDocumentFragment | None
    ) -> int:
        """Put `fragment` (or nothing) where [start, end) was; the new end.

        The block that receives a fragment is always a fresh one (default formats), as
        it is when the fragment is appended, so the result does not depend on what the
        range held before.
        """
        cursor = QTextCursor(self._doc)
        if separated and fragment is not None and end > start:
            cursor.setPosition(start + 1)  # keep the block separator, clear the block
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            cursor.setBlockFormat(QTextBlockFormat())
            cursor.setBlockCharFormat(QTextCharFormat())
        else:
            cursor.setPosition(start)
            kept = (cursor.blockFormat(), cursor.blockCharFormat()) if separated else None
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            block_format, char_format = kept or (QTextBlockFormat(), QTextCharFormat())
            cursor.setBlockFormat(block_format)
            cursor.setBlockCharFormat(char_format)
            if separated and fragment is not None:
                cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        if fragment is not None:
            cursor.insertFragment(fragment)
        return cursor.position()

    def _fragment(self, text: str, labels: set[str]) -> QTextDocumentFragment | None:
        known = [self._definitions[label] for label in sorted(labels) if label in self._definitions]
        source = "\n\n".join([text.strip("\n"), *known])
        fragment = QTextDocumentFragment.fromMarkdown(source)
        return None if fragment.isEmpty() else fragment

    def _resolve(self, defined: dict[str, str]) -> None:
        """New link definitions: render the paragraphs that use them again."""
        for label, line in defined.items():
            self._definitions.setdefault(label, line.strip())
        shift = 0
        for paragraph in list(self._waiting):
            paragraph.start += shift
            paragraph.end += shift
            if not paragraph.labels & set(defined):
                continue
            fragment = self._fragment(paragraph.text, paragraph.labels)
            end = self._replace(paragraph.start, paragraph.end, paragraph.separated, fragment)
            shift += end - paragraph.end
            paragraph.end = end
            if not paragraph.labels - set(self._definitions):
                self._waiting.remove(paragraph)


def render_markdown(document: QTextDocument, text: str, *, finished: bool = True) -> None:
    """The whole of `text` rendered in one go (what streaming it piece by piece gives)."""
    stream = StreamedMarkdown(document)
    stream.feed(text)
    if finished:
        stream.finish()
