"""`kodesk.engines.wsl` against a fake `wsl.exe` first on PATH (real subprocesses)."""

from __future__ import annotations

import asyncio
import time

import pytest

from kodesk.engines.wsl import (
    CommandTimeout,
    Wsl,
    WslUnavailable,
    decode_wsl_output,
    parse_distro_list,
    parse_ip_list,
)
from tests.fake_wsl.harness import FakeWindows, process_exists

UBUNTU = {"name": "Ubuntu-22.04", "running": True, "ips": "172.28.144.7 10.8.0.2", "ollama": True}
DEBIAN = {"name": "Debian", "running": False, "ips": "172.28.150.9", "ollama": False}
DOCKER = {"name": "docker-desktop", "running": True, "ips": "172.28.144.8", "ollama": False}


@pytest.fixture
def fake(fake_windows: FakeWindows) -> FakeWindows:
    return fake_windows


def test_decodes_utf16_with_bom_and_crlf() -> None:
    raw = b"\xff\xfe" + "Ubuntu\r\nDebian\r\n".encode("utf-16-le")
    assert decode_wsl_output(raw) == "Ubuntu\nDebian\n"


def test_decodes_utf16_without_bom_and_utf8() -> None:
    assert decode_wsl_output("Ubuntu\r\n".encode("utf-16-le")) == "Ubuntu\n"
    assert decode_wsl_output("Ubuntu\r\n우분투\n".encode()) == "Ubuntu\n우분투\n"


def test_parse_distro_list_drops_blank_lines() -> None:
    raw = b"\xff\xfe" + "Ubuntu\r\n\r\nkali-linux\r\n\r\n".encode("utf-16-le")
    assert parse_distro_list(raw) == ["Ubuntu", "kali-linux"]


def test_parse_ip_list_keeps_ipv4_in_order() -> None:
    text = "172.28.144.7 10.255.255.254 fe80::215:5dff:fe8b:1 172.28.144.7 junk \n"
    assert parse_ip_list(text) == ["172.28.144.7", "10.255.255.254"]


def test_lists_installed_and_running_distros(fake: FakeWindows) -> None:
    fake.update(distros=[UBUNTU, DEBIAN, DOCKER])
    wsl = Wsl()
    assert asyncio.run(wsl.list_distros()) == ["Ubuntu-22.04", "Debian", "docker-desktop"]
    assert asyncio.run(wsl.list_distros(running_only=True)) == ["Ubuntu-22.04", "docker-desktop"]


def test_list_without_bom(fake: FakeWindows) -> None:
    fake.update(distros=[UBUNTU], bom=False)
    assert asyncio.run(Wsl().list_distros()) == ["Ubuntu-22.04"]


def test_no_distros_is_an_empty_list(fake: FakeWindows) -> None:
    assert asyncio.run(Wsl().list_distros()) == []
    fake.update(distros=[DEBIAN])
    assert asyncio.run(Wsl().list_distros(running_only=True)) == []


def test_distros_inspects_running_ones_only(fake: FakeWindows) -> None:
    fake.update(distros=[UBUNTU, DEBIAN, DOCKER])
    found = {d.name: d for d in asyncio.run(Wsl().distros())}
    assert found["Ubuntu-22.04"].addresses == ("172.28.144.7", "10.8.0.2")
    assert found["Ubuntu-22.04"].ip == "172.28.144.7"
    assert found["Ubuntu-22.04"].has_ollama is True
    assert found["Debian"].running is False
    assert found["Debian"].has_ollama is None
    assert found["docker-desktop"].internal
    woken = [c for c in fake.calls() if "-d" in c and c[c.index("-d") + 1] == "Debian"]
    assert woken == [], "a stopped distro must not be started by discovery"


def test_unknown_distro_and_failing_hostname_give_no_address(fake: FakeWindows) -> None:
    fake.update(distros=[{**UBUNTU, "hostname_error": "hostname: invalid option -- 'I'"}])
    wsl = Wsl()
    assert asyncio.run(wsl.addresses("Nope")) == []
    assert asyncio.run(wsl.addresses("Ubuntu-22.04")) == []


def test_hung_wsl_is_killed_after_the_timeout(fake: FakeWindows) -> None:
    fake.update(distros=[UBUNTU], hang=["list"])
    started = time.monotonic()
    with pytest.raises(CommandTimeout, match=r"took over 0\.5 s"):
        asyncio.run(Wsl(timeout=0.5).list_distros())
    assert time.monotonic() - started < 5
    [pid] = fake.hung_pids()
    assert not process_exists(pid), "the hung wsl.exe is still running"


def test_hung_hostname_marks_the_distro(fake: FakeWindows) -> None:
    fake.update(distros=[UBUNTU], hang=["hostname"])
    [distro] = asyncio.run(Wsl(timeout=2).distros())
    assert distro.running and distro.ip is None
    assert "hostname -I took over 2 s" in distro.error


def test_cancelling_a_command_kills_it(fake: FakeWindows) -> None:
    fake.update(distros=[UBUNTU], hang=["list"])

    async def cancel_once_it_hangs() -> None:
        task = asyncio.create_task(Wsl(timeout=60).list_distros())
        async with asyncio.timeout(10):
            while not fake.hung_pids():
                await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    started = time.monotonic()
    asyncio.run(cancel_once_it_hangs())
    assert time.monotonic() - started < 5
    [pid] = fake.hung_pids()
    assert not process_exists(pid), "the cancelled wsl.exe is still running"


def test_missing_wsl_exe(fake: FakeWindows) -> None:
    wsl = Wsl("no-such-wsl.exe")
    assert wsl.path() is None
    with pytest.raises(WslUnavailable):
        asyncio.run(wsl.list_distros())


def test_read_log_tail(fake: FakeWindows) -> None:
    fake.update(distros=[UBUNTU])
    log = fake.root / "tmp" / "kodesk-ollama.log"
    log.parent.mkdir(parents=True)
    log.write_text("".join(f"line {i}\n" for i in range(50)), encoding="utf-8")
    wsl = Wsl()
    assert asyncio.run(wsl.read_log("Ubuntu-22.04", lines=3)) == "line 47\nline 48\nline 49\n"
    assert asyncio.run(wsl.read_log("Ubuntu-22.04", path="/tmp/missing.log")) == ""


def test_commands_are_argument_lists(fake: FakeWindows) -> None:
    fake.update(distros=[UBUNTU])
    asyncio.run(Wsl().addresses("Ubuntu-22.04"))
    assert fake.calls() == [["-d", "Ubuntu-22.04", "-e", "hostname", "-I"]]
