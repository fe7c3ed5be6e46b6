from __future__ import annotations

import uuid

from pytestqt.qtbot import QtBot

from kodesk.desktop.single_instance import SingleInstance, server_name


def test_second_instance_asks_the_first_to_show(qtbot: QtBot) -> None:
    name = f"kodesk-test-{uuid.uuid4().hex[:8]}"
    first = SingleInstance(name)
    assert first.claim()
    second = SingleInstance(name)
    with qtbot.waitSignal(first.showRequested, timeout=3000):
        assert not second.claim()
    first.release()
    third = SingleInstance(name)
    assert third.claim()
    third.release()


def test_server_name_is_safe() -> None:
    assert server_name("홍 길동/x") == "kodesk-_____x"
    assert server_name("alice") == "kodesk-alice"
