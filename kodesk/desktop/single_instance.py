"""One kodesk per user: a second launch asks the first to show itself, then exits."""

from __future__ import annotations

import getpass
import re

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

SHOW = b"show\n"


def server_name(user: str | None = None) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", user or getpass.getuser())
    return f"kodesk-{name}"


class SingleInstance(QObject):
    """Claims a per-user local socket name.

    Signals:
        showRequested: another launch asked this instance to show itself.
    """

    showRequested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._server: QLocalServer | None = None
        self._clients: set[QLocalSocket] = set()

    def claim(self, timeout_ms: int = 500) -> bool:
        """True when this process is now the only instance; False after telling the other."""
        socket = QLocalSocket()
        socket.connectToServer(self._name)
        if socket.waitForConnected(timeout_ms):
            socket.write(SHOW)
            socket.waitForBytesWritten(timeout_ms)
            socket.disconnectFromServer()
            return False
        QLocalServer.removeServer(self._name)  # a stale name left by a crash
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self._name):
            return True  # cannot guard; run anyway rather than refuse to start
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def release(self) -> None:
        for client in list(self._clients):
            self._drop(client)
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None

    def _on_connection(self) -> None:
        assert self._server is not None
        while (client := self._server.nextPendingConnection()) is not None:
            self._clients.add(client)
            client.readyRead.connect(self._on_read)
            client.disconnected.connect(self._on_disconnected)

    def _on_read(self) -> None:
        client = self.sender()
        if isinstance(client, QLocalSocket) and bytes(client.readAll().data()).startswith(
            SHOW.strip()
        ):
            self.showRequested.emit()

    def _on_disconnected(self) -> None:
        client = self.sender()
        if isinstance(client, QLocalSocket):
            self._drop(client)

    def _drop(self, client: QLocalSocket) -> None:
        self._clients.discard(client)
        client.readyRead.disconnect(self._on_read)
        client.disconnected.disconnect(self._on_disconnected)
        client.abort()
        client.deleteLater()
