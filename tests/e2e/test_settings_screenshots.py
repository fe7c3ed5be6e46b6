"""Screenshots of every settings page under a real X server, filled from a fake Ollama.

The test starts Xvfb on a free display and runs this file as a script there (the
pytest process itself is bound to the offscreen platform). The script fills the
dialog — Korean model names, overrides, custom tasks, a GGUF with a mismatched
community Modelfile — and saves `dialog.grab()` of each page to
`test-artifacts/settings-<page>.png` for a person to look at.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.core.modelfile_fixtures import COMMUNITY_PATH

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
COMMUNITY_MODELFILE = COMMUNITY_PATH
SHOTS = (
    "connection",
    "models",
    "models-details",
    "create",
    "parameters",
    "context",
    "tasks",
    "general",
)


@pytest.mark.e2e
def test_every_settings_page_is_captured(xvfb_display: str, tmp_path: Path) -> None:
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    for path in ARTIFACTS.glob("settings-*.png"):
        path.unlink()
    result = subprocess.run(
        [sys.executable, __file__, str(ARTIFACTS), str(tmp_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in SHOTS:
        shot = ARTIFACTS / f"settings-{name}.png"
        assert shot.stat().st_size > 10_000, f"{shot} is missing or blank"


# -- the script run under Xvfb -----------------------------------------------------------
WAIT_SECONDS = 20.0


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Let the loop run until `condition()` holds; fail (no screenshot of a half-filled
    page) if it does not within WAIT_SECONDS."""
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not condition():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out after {WAIT_SECONDS:g} s waiting for {what}") from None


async def _shoot(out: Path, work: Path) -> None:
    from kodesk.core.settings import Settings, SettingsStore
    from kodesk.desktop.settings import SettingsDialog
    from kodesk.engines.ollama_engine import OllamaEngine
    from tests.fake_ollama import FakeOllama, PullScript
    from tests.gguf_factory import preset, write_gguf

    fake = FakeOllama().start()
    fake.add_model(
        "exaone3.5:7.8b",
        size=4_790_000_000,
        parameter_size="7.8B",
        verbose_info={
            "exaone.block_count": 32,
            "exaone.attention.head_count": 32,
            "exaone.attention.head_count_kv": 8,
            "exaone.embedding_length": 4096,
        },
        system="당신은 LG AI Research의 EXAONE입니다.",
        parameters='stop "[|endofturn|]"\ntemperature 0.7',
        license="EXAONE AI Model License Agreement 1.1 - NC",
    )
    fake.add_model(
        "llama-3-korean-bllossom:8b",
        family="llama",
        size=4_920_000_000,
        parameter_size="8.0B",
        architecture="llama",
        context_length=8192,
        template="<s>Human: {{ .Prompt }}</s><s>Assistant:",
        parameters='stop "<s>"\nstop "</s>"\ntemperature 0',
    )
    fake.add_model(
        "eeve-korean-instruct:10.8b",
        family="llama",
        size=6_500_000_000,
        parameter_size="10.8B",
        quantization_level="Q4_K_S",
    )
    fake.loaded["exaone3.5:7.8b"] = 8192
    fake.pullable.add("exaone3.5:32b")
    fake.pull_script = PullScript(total=19_300_000_000, steps=400, delay=0.05)
    settings = Settings(
        {
            "ollama.endpoint": fake.url,
            "ui.language": "ko",
            "model.default": "exaone3.5:7.8b",
            "models.overrides": {
                "exaone3.5:7.8b": {
                    "temperature": 0.3,
                    "num_ctx": 8192,
                    "system": "한국어로 간결하게 답하세요.",
                }
            },
            "tasks.custom": [
                {
                    "name": "polite",
                    "title": "존댓말로 고치기",
                    "system": "당신은 한국어 교정 전문가입니다.",
                    "template": "다음 글을 정중한 존댓말로 고쳐 쓰세요.\n\n{text}",
                    "model": "exaone3.5:7.8b",
                    "options": {"temperature": 0.2},
                    "hotkey": "ctrl+alt+j",
                    "cleanup": True,
                }
            ],
        }
    )
    engine = OllamaEngine(fake.url)
    dialog = SettingsDialog(settings, SettingsStore(work / "settings.toml"), lambda: engine)
    dialog.show()

    async def settle() -> None:
        await asyncio.sleep(0)  # work started by a queued signal is running from here on
        await _until(lambda: not any(p.jobs.running for p in dialog.pages.values()), "pages idle")

    def grab(name: str, widget: object = dialog) -> None:
        assert widget.grab().save(str(out / f"settings-{name}.png"))  # type: ignore[attr-defined]

    await settle()
    connection = dialog.connection_page
    connection.test_connection()
    await settle()
    grab("connection")

    models = dialog.show_page("models")
    dialog.models_page.pull_name.setText("exaone3.5:32b")
    dialog.models_page.start_pull()
    await _until(lambda: dialog.models_page.pull_bar.value() >= 3, "pull progress")
    dialog.models_page.select_model("llama-3-korean-bllossom:8b")
    grab("models")
    dialog.models_page.cancel_pull()
    details = dialog.models_page.open_details()
    assert details is not None and models is dialog.models_page
    await _until(lambda: details.details is not None, "model details")
    grab("models-details", details)
    details.close()

    dialog.show_page("create")
    gguf = write_gguf(
        work / "Llama-3-Open-Ko-8B-Q8_0.gguf", preset("llama3", chat_template=None, file_type=7)
    )
    dialog.create_page.set_gguf_path(gguf)
    dialog.create_page.load_modelfile(COMMUNITY_MODELFILE)
    dialog.create_page.name.setText("llama3-open-ko")
    await settle()
    grab("create")

    dialog.show_page("parameters")
    dialog.parameters_page.select_model("exaone3.5:7.8b")
    await settle()
    grab("parameters")

    dialog.show_page("context")
    await _until(lambda: "GiB" in dialog.context_page.memory.text(), "memory estimate")
    grab("context")

    dialog.show_page("tasks")
    dialog.tasks_page.list.setCurrentRow(3)
    grab("tasks")

    dialog.show_page("general")
    grab("general")
    dialog.close()
    await engine.aclose()
    fake.stop()


def main() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    out, work = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_shoot(out, work))


if __name__ == "__main__":
    main()
