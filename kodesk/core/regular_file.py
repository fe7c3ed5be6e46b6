"""Opening a file a user named, only when it is a regular file, without ever blocking.

`open(path)` on a FIFO waits for a writer forever, and reading `/dev/zero` never ends.
So the path is `stat`ed first and anything but a regular file is refused with a name
for what it is; the open itself is non-blocking (a FIFO swapped in after the `stat`
still cannot block) and the opened file is checked again with `fstat`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from kodesk.core.errors import Text

_KINDS: tuple[tuple[int, Text], ...] = (
    (stat.S_IFDIR, Text(ko="폴더", en="a directory")),
    (stat.S_IFIFO, Text(ko="FIFO(이름 있는 파이프)", en="a FIFO (named pipe)")),
    (stat.S_IFCHR, Text(ko="문자 장치", en="a character device")),
    (stat.S_IFBLK, Text(ko="블록 장치", en="a block device")),
    (stat.S_IFSOCK, Text(ko="소켓", en="a socket")),
)
_OTHER = Text(ko="일반 파일이 아닌 것", en="not a regular file")
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotRegularFile(Exception):
    """The path names a directory, FIFO, device or socket. `kind` says which."""

    def __init__(self, path: str | Path, kind: Text) -> None:
        super().__init__(f"{path} is {kind.en}")
        self.kind = kind


def irregular_kind(mode: int) -> Text | None:
    """What a `st_mode` is when it is not a regular file (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    file_type = stat.S_IFMT(mode)
    return next((text for kind, text in _KINDS if kind == file_type), _OTHER)


def open_regular_file(path: str | Path) -> BinaryIO:
    """`path` opened for binary reading. Raises `NotRegularFile`, or `OSError` (missing,
    no permission, name too long, …) or `ValueError` (a NUL in the name) from the OS."""
    kind = irregular_kind(Path(path).stat().st_mode)
    if kind is not None:
        raise NotRegularFile(path, kind)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        kind = irregular_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotRegularFile(path, kind)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
