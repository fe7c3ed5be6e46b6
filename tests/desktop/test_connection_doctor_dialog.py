"""The connection doctor dialog, offscreen, on the qasync loop: with prepared reports, and
end to end with real discovery, a fake wsl.exe and a server "started in WSL"."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from kodesk.core.errors import Text
from kodesk.core.settings import Settings
from kodesk.desktop.connection_doctor_dialog import ConnectionDoctorDialog, embedded_models_dir
from kodesk.engines.connection_doctor import ConnectionReport, diagnose
from kodesk.engines.discovery import SOURCE_DEFAULT, Candidate, Discovery, DiscoveryResult, Probe
from kodesk.engines.wsl import OllamaStarter, StartStatus, Wsl, WslDistro
from tests.desktop.conftest import AsyncLoop
from tests.desktop.test_first_run import english_words
from tests.fake_wsl.harness import FakeWindows, free_port

UBUNTU = WslDistro("Ubuntu", True, ("172.28.1.2",), True)


class Reports:
    """Hands out prepared discovery results, one per diagnosis (the last one repeats)."""

    def __init__(self, *results: DiscoveryResult) -> None:
        self.results = list(results)
        self.calls = 0

    async def discover(self) -> DiscoveryResult:
        self.calls += 1
        return self.results.pop(0) if len(self.results) > 1 else self.results[0]

    async def diagnose(self) -> ConnectionReport:
        return await diagnose(self)


def down(url: str, distro: str | None = None) -> Probe:
    sources = ("wsl",) if distro else (SOURCE_DEFAULT,)
    return Probe(Candidate(url, sources, distro=distro), "unreachable", detail="refused")


def up(url: str, distro: str | None = None) -> Probe:
    sources = ("wsl",) if distro else (SOURCE_DEFAULT,)
    served = f"wsl:{distro}" if distro else "local"
    return Probe(Candidate(url, sources, distro=distro), "ok", "0.9.6", served_by=served)


NOTHING = DiscoveryResult(
    (down("http://127.0.0.1:11434"), down("http://172.28.1.2:11434", "Ubuntu")),
    windows=True,
    distros=(UBUNTU,),
    checked_wsl=True,
)
BROKEN_FORWARDING = DiscoveryResult(
    (down("http://127.0.0.1:11434"), up("http://172.28.1.2:11434", "Ubuntu")),
    windows=True,
    distros=(UBUNTU,),
    checked_wsl=True,
)


async def no_start(distro: str) -> AsyncIterator[StartStatus]:
    raise AssertionError(f"nobody asked to start {distro}")
    yield  # pragma: no cover - makes this an async generator


@pytest.fixture
def settings() -> Settings:
    return Settings()


def make_dialog(
    qtbot: QtBot,
    aloop: AsyncLoop,
    reports: Reports,
    settings: Settings,
    start: object = no_start,
    lang: str = "en",
) -> ConnectionDoctorDialog:
    dialog = ConnectionDoctorDialog(
        reports.diagnose,
        start,
        settings,  # type: ignore[arg-type]
        aloop.loop,
        lang,
    )  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_table_and_use_this_endpoint(qtbot: QtBot, aloop: AsyncLoop, settings: Settings) -> None:
    dialog = make_dialog(qtbot, aloop, Reports(BROKEN_FORWARDING), settings)
    aloop.run(dialog.recheck())
    assert dialog.table.rowCount() == 2
    assert [dialog.table.item(r, 0).text() for r in range(2)] == ["unreachable", "answers"]
    assert not dialog.table.item(1, 0).icon().isNull()
    assert "wsl --shutdown" in dialog.table.item(0, 4).text()
    assert "Working endpoint: http://172.28.1.2:11434" in dialog.status.text()
    assert "answers on the WSL address but not on 127.0.0.1" in dialog.details.toPlainText()
    assert dialog.selected_url() == "http://172.28.1.2:11434"
    assert dialog.use_button.isEnabled() and not dialog.start_button.isVisible()
    with qtbot.waitSignal(dialog.endpointChosen) as signal:
        dialog.use_button.click()
    assert signal.args == ["http://172.28.1.2:11434"]
    assert settings.get("ollama.endpoint") == "http://172.28.1.2:11434"
    dialog.table.selectRow(0)
    assert not dialog.use_button.isEnabled()


def test_korean_labels(qtbot: QtBot, aloop: AsyncLoop, settings: Settings) -> None:
    dialog = make_dialog(qtbot, aloop, Reports(BROKEN_FORWARDING), settings, lang="ko")
    aloop.run(dialog.recheck())
    assert dialog.table.horizontalHeaderItem(4).text() == "해결 방법"
    assert dialog.table.item(0, 2).text() == "기본값"
    assert [dialog.table.item(r, 0).text() for r in range(2)] == ["연결 안 됨", "응답함"]
    assert "사용할 수 있는 주소" in dialog.status.text()


LINUX_NOTHING = DiscoveryResult((down("http://127.0.0.1:11434"),), windows=False)


def test_the_embedded_engine_s_models_folder_is_reported(
    qtbot: QtBot, aloop: AsyncLoop, settings: Settings, tmp_path: Path
) -> None:
    """With the embedded engine chosen, the doctor says Ollama is not needed and names the
    real models folder (the setting, else the default)."""
    settings.set("engine.kind", "embedded")
    models = tmp_path / "my-models"
    settings.set("embedded.models_dir", str(models))
    assert embedded_models_dir(settings, tmp_path / "default") == str(models)
    reports = Reports(LINUX_NOTHING)

    async def report() -> ConnectionReport:
        return await diagnose(reports, embedded_models=embedded_models_dir(settings, tmp_path))

    dialog = ConnectionDoctorDialog(report, no_start, settings, aloop.loop, "ko")
    qtbot.addWidget(dialog)
    dialog.show()
    aloop.run(dialog.recheck())
    assert str(models) in dialog.status.text() and "내장 엔진" in dialog.status.text()
    assert "필요 없습니다" in dialog.details.toPlainText()
    assert dialog.report is not None and dialog.report.ok is False
    assert all(f.severity != "error" for f in dialog.report.findings)
    settings.set("embedded.models_dir", "")
    assert embedded_models_dir(settings, tmp_path / "default") == str(tmp_path / "default")
    settings.set("engine.kind", "ollama")
    assert embedded_models_dir(settings, tmp_path / "default") is None


def test_start_in_wsl_then_recheck(qtbot: QtBot, aloop: AsyncLoop, settings: Settings) -> None:
    reports = Reports(NOTHING, BROKEN_FORWARDING)
    seen: list[int] = []

    async def start(distro: str) -> AsyncIterator[StartStatus]:
        assert distro == "Ubuntu"
        yield StartStatus("starting", Text(ko="시작", en="Starting"))
        for fraction in (0.25, 0.5):
            yield StartStatus("waiting", Text(ko="대기", en="Waiting"), fraction)
            seen.append(dialog.progress.value())
        yield StartStatus("ready", Text(ko="준비", en="Ready"), 1.0, "http://172.28.1.2:11434")

    dialog = make_dialog(qtbot, aloop, reports, settings, start)
    aloop.run(dialog.recheck())
    assert dialog.start_button.isVisible() and not dialog.distro.isVisible()
    assert not dialog.use_button.isEnabled()
    dialog.start_button.click()
    assert dialog.task is not None
    aloop.run(dialog.task)
    assert seen == [25, 50]
    assert reports.calls == 2
    assert dialog.progress.value() == 100
    assert dialog.selected_url() == "http://172.28.1.2:11434"
    assert not dialog.start_button.isVisible()


def test_start_failure_shows_log(qtbot: QtBot, aloop: AsyncLoop, settings: Settings) -> None:
    async def start(distro: str) -> AsyncIterator[StartStatus]:
        yield StartStatus(
            "failed",
            Text(ko="실패", en="ollama serve exited (code 1)."),
            log_tail="Error: listen tcp 0.0.0.0:11434: bind: address already in use\n",
        )

    dialog = make_dialog(qtbot, aloop, Reports(NOTHING), settings, start)
    aloop.run(dialog.recheck())
    aloop.run(dialog.start_selected_distro())
    text = dialog.details.toPlainText()
    assert "ollama serve exited (code 1)." in text
    assert "address already in use" in text
    assert dialog.progress.isHidden()
    assert dialog.recheck_button.isEnabled()


@pytest.fixture
def fake(fake_windows: FakeWindows) -> FakeWindows:
    return fake_windows


@pytest.fixture
def starter() -> Iterator[OllamaStarter]:
    made = OllamaStarter(Wsl(), port=free_port(), ready_timeout=15, poll_interval=0.1)
    yield made
    if made.process is not None:
        made.process.terminate()
        made.process.wait(timeout=10)


def test_end_to_end_with_fake_wsl(
    qtbot: QtBot, aloop: AsyncLoop, settings: Settings, fake: FakeWindows, starter: OllamaStarter
) -> None:
    fake.update(
        distros=[{"name": "Ubuntu", "running": True, "ips": "127.0.0.2", "ollama": True}],
        serve={"host": "127.0.0.2", "port": starter.port, "delay": 0.3},
    )
    discovery = Discovery(environ={}, windows=True, port=starter.port)

    async def run_diagnosis() -> ConnectionReport:
        return await diagnose(discovery)

    dialog = ConnectionDoctorDialog(run_diagnosis, starter.start, settings, aloop.loop)
    qtbot.addWidget(dialog)
    dialog.show()
    aloop.run(dialog.recheck(), timeout=20)
    assert dialog.start_button.isVisible()
    dialog.start_button.click()
    assert dialog.task is not None
    aloop.run(dialog.task, timeout=30)
    url = f"http://127.0.0.2:{starter.port}"
    assert dialog.selected_url() == url
    dialog.use_button.click()
    assert settings.get("ollama.endpoint") == url


@pytest.mark.slow
def test_kodesk_connection_opens_the_window(tmp_path: Path) -> None:
    """`kodesk connection` (the installer's shortcut) starts and stays open."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OLLAMA_HOST": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kodesk", "connection", "--settings", str(tmp_path / "s.toml")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=4)
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=10)
    assert "Traceback" not in err


def test_no_english_in_the_korean_statuses_and_buttons(
    qtbot: QtBot, aloop: AsyncLoop, settings: Settings
) -> None:
    dialog = make_dialog(qtbot, aloop, Reports(NOTHING), settings, lang="ko")
    aloop.run(dialog.recheck())
    texts = [dialog.windowTitle(), dialog.status.text()]
    texts += [b.text() for b in dialog.findChildren(QPushButton) if b.isVisibleTo(dialog)]
    texts += [
        dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())
    ]
    texts += [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert len(texts) > 8
    assert [w for t in texts for w in english_words(t)] == []
