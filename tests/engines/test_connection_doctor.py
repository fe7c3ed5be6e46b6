"""The connection doctor's diagnosis, from real discovery (fake wsl.exe, real servers)
and from hand-made discovery results for the cases a test machine cannot produce."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import get_args

import pytest

from kodesk.core.errors import EngineUnreachable
from kodesk.engines.connection_doctor import (
    STATUS_LABELS,
    ConnectionReport,
    diagnose,
    install_ollama,
    parse_version,
    status_label,
)
from kodesk.engines.discovery import (
    SOURCE_CONFIGURED,
    SOURCE_DEFAULT,
    SOURCE_ENV,
    Candidate,
    Discovery,
    DiscoveryResult,
    Probe,
    ProbeStatus,
)
from kodesk.engines.wsl import WslDistro
from tests.fake_wsl.harness import FakeWindows, free_port, version_servers

UBUNTU = {"name": "Ubuntu", "running": True, "ips": "127.0.0.2", "ollama": True}


class Given:
    """A discoverer that returns a prepared result."""

    def __init__(self, result: DiscoveryResult) -> None:
        self.result = result

    async def discover(self) -> DiscoveryResult:
        return self.result


@pytest.fixture
def fake(fake_windows: FakeWindows) -> FakeWindows:
    return fake_windows


def codes(report: ConnectionReport) -> list[str]:
    return [f.code for f in report.findings]


def ok_probe(url: str, version: str, *sources: str, served_by: str = "local") -> Probe:
    return Probe(Candidate(url, sources or (SOURCE_DEFAULT,)), "ok", version, served_by=served_by)


def test_forwarding_broken(fake: FakeWindows) -> None:
    port = free_port()
    fake.update(distros=[UBUNTU])
    with version_servers(("127.0.0.2", port, "0.9.6")):
        report = asyncio.run(diagnose(Discovery(environ={}, windows=True, port=port)))
    assert report.best_url == f"http://127.0.0.2:{port}"
    assert codes(report) == ["forwarding_broken"]
    localhost = report.candidates[0]
    assert localhost.probe.status == "unreachable"
    assert localhost.fix is not None and "wsl --shutdown" in localhost.fix.en
    assert "wsl --shutdown" in localhost.fix.ko
    data = json.loads(json.dumps(report.to_json()))
    assert [c["status"] for c in data["candidates"]] == ["unreachable", "ok"]
    assert data["candidates"][1]["served_by"] == "wsl:Ubuntu"
    assert data["wsl"]["distros"][0]["addresses"] == ["127.0.0.2"]


def test_shadowing_windows_ollama(fake: FakeWindows) -> None:
    port = free_port()
    fake.update(distros=[UBUNTU], windows_ollama=True)
    with version_servers(("127.0.0.1", port, "0.12.0"), ("127.0.0.2", port, "0.9.6")):
        report = asyncio.run(diagnose(Discovery(environ={}, windows=True, port=port)))
    assert "windows_shadows_wsl" in codes(report)
    shadow = next(f for f in report.findings if f.code == "windows_shadows_wsl")
    assert shadow.fix is not None and f"http://127.0.0.2:{port}" in shadow.fix.en
    assert report.candidates[0].fix is not None
    assert "hides the one in WSL" in report.candidates[0].fix.en


def test_nothing_answers_offers_start_in_wsl(fake: FakeWindows) -> None:
    port = free_port()
    fake.update(distros=[UBUNTU])
    report = asyncio.run(diagnose(Discovery(environ={}, windows=True, port=port)))
    assert not report.ok and report.best_url is None
    assert codes(report) == ["no_server"]
    assert report.start_offers == ["Ubuntu"]
    assert "Start Ollama in WSL" in (report.findings[0].fix.en if report.findings[0].fix else "")
    wsl_row = report.candidates[1]
    assert wsl_row.fix is not None and "OLLAMA_HOST=0.0.0.0:11434" in wsl_row.fix.en


def test_nothing_anywhere_on_linux() -> None:
    report = asyncio.run(diagnose(Discovery(environ={}, windows=False, port=free_port())))
    assert codes(report) == ["no_server"]
    fix = report.findings[0].fix
    assert fix is not None and "ollama.com" in fix.en and "내장 엔진" in fix.ko
    assert report.candidates[0].fix is not None
    assert "not running here" in report.candidates[0].fix.en


def test_wsl_timeout_points_at_the_firewall() -> None:
    probe = Probe(
        Candidate("http://172.28.1.2:11434", ("wsl",), distro="Ubuntu"),
        "timeout",
        detail="no answer within 2 s",
    )
    result = DiscoveryResult(
        (probe,), windows=True, distros=(WslDistro("Ubuntu", True, ("172.28.1.2",), True),)
    )
    report = asyncio.run(diagnose(Given(result)))
    fix = report.candidates[0].fix
    assert fix is not None and "ufw allow 11434" in fix.en
    assert "New-NetFirewallHyperVRule" in fix.en and "-LocalPorts 11434" in fix.en


def test_mirrored_networking_is_explained() -> None:
    result = DiscoveryResult(
        (ok_probe("http://127.0.0.1:11434", "0.9.6"),),
        windows=True,
        networking_mode="mirrored",
        checked_wsl=True,
    )
    report = asyncio.run(diagnose(Given(result)))
    assert codes(report) == ["mirrored"]
    assert report.ok


def test_configured_fails_but_another_works() -> None:
    bad = Probe(
        Candidate("http://10.0.0.9:11434", (SOURCE_CONFIGURED,), raw="10.0.0.9"),
        "unreachable",
        detail="All connection attempts failed",
    )
    result = DiscoveryResult((bad, ok_probe("http://127.0.0.1:11434", "0.9.6")), windows=False)
    report = asyncio.run(diagnose(Given(result)))
    assert codes(report) == ["configured_unreachable"]
    assert report.findings[0].fix is not None
    assert "http://127.0.0.1:11434" in report.findings[0].fix.en
    assert report.candidates[0].fix is not None
    assert "Empty the setting" in report.candidates[0].fix.en


def test_env_wildcard_is_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    with version_servers(("127.0.0.1", port, "0.9.6")):
        report = asyncio.run(
            diagnose(
                Discovery(environ={"OLLAMA_HOST": f"0.0.0.0:{port}"}, windows=False, port=port)
            )
        )
    assert codes(report) == ["env_wildcard"]
    assert report.candidates[0].probe.candidate.sources == (SOURCE_ENV, SOURCE_DEFAULT)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.5.4", ["too_old_create_json", "too_old_thinking"]),
        ("0.8.0", ["too_old_thinking"]),
        ("0.9.0", []),
        ("0.12.3-rc1", []),
        ("0.0.0", ["version_unknown"]),
    ],
)
def test_version_checks(version: str, expected: list[str]) -> None:
    result = DiscoveryResult((ok_probe("http://127.0.0.1:11434", version),), windows=False)
    assert codes(asyncio.run(diagnose(Given(result)))) == expected


def test_invalid_values_get_fixes() -> None:
    result = DiscoveryResult(
        (
            Probe(Candidate("", (SOURCE_CONFIGURED,), raw="ftp://x"), "invalid", detail="bad"),
            Probe(Candidate("", (SOURCE_ENV,), raw="h:0"), "invalid", detail="bad port"),
        ),
        windows=False,
    )
    report = asyncio.run(diagnose(Given(result)))
    fixes = [row.fix.en if row.fix else "" for row in report.candidates]
    assert "Ollama URL in the settings" in fixes[0]
    assert "OLLAMA_HOST environment variable" in fixes[1]


def test_text_rendering_in_both_languages(fake: FakeWindows) -> None:
    port = free_port()
    fake.update(distros=[UBUNTU])
    with version_servers(("127.0.0.2", port, "0.5.4")):
        report = asyncio.run(diagnose(Discovery(environ={}, windows=True, port=port)))
    english = report.render_text("en")
    korean = report.render_text("ko")
    assert english.splitlines()[0] == "Ollama connection candidates"
    assert f"✓ http://127.0.0.2:{port}  [WSL Ubuntu]  Ollama 0.5.4 — WSL (Ubuntu)" in english
    assert f"✗ http://127.0.0.1:{port}  [default]" in english
    assert "needs 0.5.5 or newer" in english
    assert f"사용할 주소: http://127.0.0.2:{port}" in korean
    assert "[기본값]" in korean


def test_parse_version() -> None:
    assert parse_version("0.9.6") == (0, 9, 6)
    assert parse_version("v0.12") == (0, 12, 0)
    assert parse_version("0.0.0") is None
    assert parse_version("dev") is None


def test_kodesk_doctor_json_lists_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kodesk.cli import main

    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    port = free_port()
    with version_servers(("127.0.0.1", port, "0.9.6")):
        main(
            [
                "doctor",
                "--json",
                "--settings",
                str(tmp_path / "s.toml"),
                "--host",
                f"http://127.0.0.1:{port}",
            ]
        )
    report = json.loads(capsys.readouterr().out)
    first = report["candidates"][0]
    assert first["url"] == f"http://127.0.0.1:{port}"
    assert first["sources"] == ["configured"]
    assert first["status"] == "ok" and first["version"] == "0.9.6"
    assert report["candidates"][1]["sources"] == ["default"]
    assert report["connection"]["best"] == f"http://127.0.0.1:{port}"
    assert report["version"] == "0.9.6"


@pytest.mark.parametrize(
    ("platform", "expected", "absent"),
    [
        ("linux", "curl -fsSL https://ollama.com/install.sh | sh", "wsl"),
        ("darwin", "https://ollama.com/download/mac", "install.sh"),
        ("win32", "https://ollama.com/download/windows", "install.sh"),
    ],
)
def test_no_server_tells_how_to_install_for_the_platform(
    platform: str, expected: str, absent: str
) -> None:
    result = DiscoveryResult(
        (Probe(Candidate("http://127.0.0.1:11434", (SOURCE_DEFAULT,)), "unreachable"),),
        windows=platform == "win32",
    )
    report = asyncio.run(diagnose(Given(result), platform=platform))
    fix = report.findings[0].fix
    assert fix is not None
    assert expected in fix.en and expected in fix.ko
    assert absent not in fix.en.lower()
    assert "Settings → General → Engine" in fix.en and "설정 → 일반 → 엔진" in fix.ko
    steps = install_ollama(platform)
    assert (steps.command is not None) == (platform == "linux")


def test_embedded_engine_needs_no_server_and_names_its_folder(tmp_path: Path) -> None:
    result = DiscoveryResult(
        (Probe(Candidate("http://127.0.0.1:11434", (SOURCE_DEFAULT,)), "unreachable"),),
        windows=False,
    )
    report = asyncio.run(diagnose(Given(result), embedded_models=str(tmp_path)))
    assert codes(report) == ["embedded_engine", "no_server"]
    assert str(tmp_path) in report.findings[0].message.en
    assert str(tmp_path) in report.findings[0].message.ko
    assert [f.severity for f in report.findings] == ["info", "info"]
    assert str(tmp_path) in report.render_text("ko")


def test_every_probe_status_has_words() -> None:
    assert set(STATUS_LABELS) == set(get_args(ProbeStatus))
    probe = Probe(Candidate("http://127.0.0.1:11434", (SOURCE_DEFAULT,)), "timeout")
    assert status_label(probe, "ko") == "응답 없음"
    assert status_label(probe, "en") == "no answer"


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_unreachable_hint_mentions_wsl_only_on_windows(
    platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = EngineUnreachable("http://127.0.0.1:11434", platform=platform)
    hint = error.hint_text("en") + error.hint_text("ko")
    assert ("wsl --shutdown" in hint) == (platform == "win32")
    assert "ollama serve" in hint and "https://ollama.com" in hint
    assert "Settings → General → Engine" in error.hint_text("en")
    monkeypatch.setattr(sys, "platform", platform)  # read when the error is made
    assert EngineUnreachable("http://x:1").hint == error.hint
