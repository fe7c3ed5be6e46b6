"""No English left in the Korean UI (issue 12): every user-facing window is built in Korean,
every text a user can read or hover is collected (labels, buttons, group and tab titles,
table headers, list and combo items, menus, window titles, placeholders, tooltips), and no
English word may appear outside a short list of names, units and identifiers.

The answer window is checked with texts given to it here: its plan and details lines are
written by the controller (`kodesk/desktop/controller.py`), which this file does not drive.
The last test checks that the hints' "설정 → 일반 → 엔진" paths name what the dialog shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QIcon, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QSpinBox,
    QTableWidget,
    QTabWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from kodesk.core.modelfile import INSTRUCTIONS
from kodesk.core.modelfile_params import PARAMETER_TYPES
from kodesk.core.settings import Settings
from kodesk.core.token_report import build_report
from kodesk.core.tokenizer import EstimateTokenizer
from kodesk.core.types import ChatStats
from kodesk.desktop.answer_window import AnswerWindow
from kodesk.desktop.connection_doctor_dialog import ConnectionDoctorDialog, connection_doctor
from kodesk.desktop.i18n import KO, install_qt_translations
from kodesk.desktop.plain_text import tooltip
from kodesk.desktop.token_view import TokenChipsView
from kodesk.desktop.tray import Tray
from kodesk.engines.connection_doctor import ConnectionReport, diagnose
from kodesk.engines.discovery import Discovery
from kodesk.engines.ollama_engine import OllamaEngine
from tests.desktop.conftest import AsyncLoop
from tests.desktop.settings.conftest import DialogHarness
from tests.desktop.settings.conftest import collect_qt_garbage as collect_qt_garbage
from tests.desktop.settings.conftest import harness as harness
from tests.desktop.test_connection_doctor_dialog import no_start
from tests.desktop.test_first_run import Make, finish
from tests.desktop.test_first_run import make as make
from tests.desktop.test_first_run import tray_app as tray_app
from tests.desktop.test_tray import make_tray
from tests.fake_hf import CHAT_REPO, korean_llama3_hub
from tests.fake_ollama import FakeOllama
from tests.fake_wsl.harness import FakeWindows, free_port
from tests.gguf_factory import preset, write_gguf

#: Names, units and terms that stay as they are in Korean text.
ALLOWED = frozenset(
    {
        # names of things
        "kodesk",
        "Ollama",
        "GGUF",
        "Modelfile",
        "Hugging",
        "Face",
        "WSL",
        "Windows",
        "macOS",
        "Linux",
        "Gemma",
        "EXAONE",
        "exaone",
        "Instruct",
        "Llama",
        "llama",
        "cpp",
        "SQLite",
        "PowerShell",
        "systemd",
        "VPN",
        "Ubuntu",  # the WSL distro of the doctor's test
        "localhost",
        "English",  # the language's own name in the language choice
        # units and hardware
        "GB",
        "MB",
        "KB",
        "GiB",
        "MiB",
        "ms",
        "KV",
        "VRAM",
        "RAM",
        "CPU",
        "GPU",
        "PC",
        # keys
        "Ctrl",
        "Alt",
        "Shift",
        "Super",
        "Esc",
        "Backspace",
    }
)
#: Modelfile words: instructions (FROM, TEMPLATE, …) and parameter names (num_ctx, stop, …).
MODELFILE_WORDS = frozenset(
    {i.upper() for i in INSTRUCTIONS} | set(PARAMETER_TYPES) | {"keep_alive"}
)

_UNCHECKED = re.compile(
    r"`[^`]*`"  # a command or code
    r"|https?://\S+"  # a URL
    r"|(?:^|(?<=[\s('\"]))/[^\s'\")]+"  # an absolute path
    r"|\{\w+\}"  # a template's placeholder: {text}
    r"|(?<=[가-힣])\([A-Za-z][A-Za-z -]*\)"  # a gloss right after a Korean word: 기본(base)
    r'|(?<=라이선스 )"[^"]*"',  # a licence's own name: 라이선스 "EXAONE AI Model License 1.1 - NC"
    re.MULTILINE,
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.:+/-]*[A-Za-z0-9_]|[A-Za-z]")


def english_words(text: str) -> list[str]:
    """The English words in `text`, outside commands, URLs, paths and the lists above.

    A token with a digit, `_`, `:` or `.` is an identifier (exaone3.5:2.4b, num_ctx,
    Q4_K_M, llama.cpp, sha256), and so is a long hex string (a digest); single letters
    are mnemonics, units or keys.
    """
    text = _UNCHECKED.sub(" ", text.replace("&", ""))
    found = []
    for token in _TOKEN.findall(text):
        if any(ch.isdigit() or ch in "_:." for ch in token) or re.fullmatch("[0-9a-f]{8,}", token):
            continue
        for word in re.split(r"[-+/]", token):
            if len(word) > 1 and word not in ALLOWED and word not in MODELFILE_WORDS:
                found.append(word)
    return found


def plain(text: str) -> str:
    """A tooltip's text as shown (tooltips may be HTML)."""
    if not QtGui.Qt.mightBeRichText(text):
        return text
    return QTextDocumentFragment.fromHtml(text).toPlainText()


def texts_of(top: QWidget) -> list[str]:
    """Every text a user can read or hover in `top` and its visible children.

    Table cells and editor contents are server or user data: add the ones that are
    kodesk's words with `cells` (and an editor's text).
    """
    found = [top.windowTitle()]
    for widget in [top, *top.findChildren(QWidget)]:
        if widget is not top and not widget.isVisibleTo(top):
            continue
        found.append(plain(widget.toolTip()))
        if isinstance(widget, QLabel | QAbstractButton):
            found.append(widget.text())
        elif isinstance(widget, QGroupBox):
            found.append(widget.title())
        elif isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                found += [widget.tabText(i), plain(widget.tabToolTip(i))]
        elif isinstance(widget, QHeaderView):
            model = widget.model()
            if model is not None:
                for section in range(widget.count()):
                    found.append(str(model.headerData(section, widget.orientation()) or ""))
        elif isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
            found.append(widget.placeholderText())
        elif isinstance(widget, QComboBox):
            found += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QListWidget):
            # (not the items' tooltips: a doctor finding's tooltip is its stable code)
            found += [widget.item(i).text() for i in range(widget.count())]
        elif isinstance(widget, QSpinBox | QDoubleSpinBox):
            found += [widget.specialValueText(), widget.prefix(), widget.suffix()]
        elif isinstance(widget, QProgressBar) and widget.isTextVisible():
            found.append(widget.text())
    return [t for t in found if t]


def cells(table: QTableWidget, columns: list[int]) -> list[str]:
    texts = []
    for row in range(table.rowCount()):
        for column in columns:
            item = table.item(row, column)
            if item is not None:  # (its tooltip repeats it, or cites the catalog's sources)
                texts.append(item.text())
    return [t for t in texts if t]


def menu_texts(menu: QMenu) -> list[str]:
    texts = [menu.title()]
    for action in menu.actions():
        texts += [action.text(), action.toolTip() if action.toolTip() != action.text() else ""]
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            texts += menu_texts(submenu)
    return [t for t in texts if t]


def assert_korean(texts: list[str], at_least: int = 1) -> None:
    assert len(texts) >= at_least, texts
    leaks = [f"{english_words(text)} in {text!r}" for text in texts if english_words(text)]
    assert not leaks, "English in the Korean UI:\n" + "\n".join(dict.fromkeys(leaks))


@pytest.fixture
def korean_qt(qapp: QApplication) -> Iterator[QTranslator]:
    """Qt's own strings (standard buttons) in Korean, as the app installs them."""
    translator = install_qt_translations(qapp, "ko")
    assert translator is not None
    try:
        yield translator
    finally:
        qapp.removeTranslator(translator)


def record_texts(label: QLabel) -> list[str]:
    """Every text `label` is given from now on (progress lines pass quickly)."""
    seen: list[str] = []
    set_text = label.setText

    def record(text: str) -> None:
        seen.append(text)
        set_text(text)

    label.setText = record  # type: ignore[method-assign]
    return seen


# -- the checker ---------------------------------------------------------------------


def test_the_check_finds_english() -> None:
    assert english_words("닫기(&C) Close `ollama serve` https://ollama.com Ollama") == ["Close"]
    assert english_words("OK") == ["OK"]  # two letters are a word too
    assert english_words("~12 tok/s") == ["tok"]
    assert english_words(plain(tooltip("<b>Stop</b> 중지"))) == ["Stop"]
    allowed = "exaone3.5:2.4b Q4_K_M num_ctx llama.cpp 1.6 GB · 12 ms /tmp/a/models 기본(base)"
    assert english_words(allowed) == []
    assert english_words("PARAMETER stop Ctrl+Alt+K") == []


# -- the settings dialog --------------------------------------------------------------


def show_page(harness: DialogHarness, name: str) -> list[str]:
    harness.dialog.show_page(name)
    harness.settle()
    return texts_of(harness.dialog)


def test_every_settings_page_is_korean(harness: DialogHarness) -> None:
    texts = []
    for name in ("connection", "models", "create", "parameters", "context", "tasks", "general"):
        texts += show_page(harness, name)
    page = harness.dialog.models_page
    texts += cells(page.recommended.table, [1, 2, 3, 4, 6])
    assert_korean(texts, at_least=120)


def test_settings_results_and_errors_are_korean(harness: DialogHarness) -> None:
    connection = harness.dialog.connection_page
    harness.dialog.show_page("connection")
    connection.test_button.click()
    harness.aloop.until(connection.test_button.isEnabled)
    texts = [connection.result.text()]
    line = connection.form.fields["ollama.endpoint"].editor
    assert isinstance(line, QLineEdit)
    line.setText(f"127.0.0.1:{free_port()}")
    connection.test_connection()
    harness.aloop.until(connection.test_button.isEnabled)
    texts.append(connection.result.text())
    line.setText("http://127.0.0.1:99999")
    line.editingFinished.emit()
    texts.append(connection.form.fields["ollama.endpoint"].error.text())
    assert_korean(texts, at_least=3)


def test_pull_create_and_details_are_korean(
    harness: DialogHarness, tmp_path: Path, qtbot: QtBot
) -> None:
    models = harness.dialog.models_page
    harness.dialog.show_page("models")
    harness.fake.pullable.add("qwen2.5:1.5b")
    statuses = record_texts(models.pull_status)
    models.start_pull("qwen2.5:1.5b")
    harness.aloop.until(lambda: "qwen2.5:1.5b" in harness.fake.models)
    harness.settle()
    assert "매니페스트 받는 중" in statuses and statuses[-1] == "qwen2.5:1.5b 받기 완료"
    models.select_model("exaone3.5:2.4b")
    details = models.open_details()
    assert details is not None
    harness.aloop.until(lambda: details.tabs.count() > 0)
    assert details.details is not None
    data = {details.model, *map(str, details.details.details.values())}  # the server's words
    texts = [text for text in texts_of(details) if text not in data]
    details.close()
    create = harness.dialog.create_page
    harness.dialog.show_page("create")
    create.set_gguf_path(write_gguf(tmp_path / "ko.gguf", preset("llama3")))
    create.name.setText("ko:1")
    with qtbot.waitSignal(harness.dialog.modelsChanged, timeout=10_000):
        create.create_button.click()
        harness.settle()
    texts += texts_of(harness.dialog)
    texts += create.log.toPlainText().splitlines()
    assert_korean(texts + statuses, at_least=20)


def test_the_delete_question_is_korean(korean_qt: QTranslator, harness: DialogHarness) -> None:
    models = harness.dialog.models_page
    models.select_model("exaone3.5:2.4b")
    box = models.ask_delete()
    assert isinstance(box, QMessageBox)
    texts = texts_of(box)
    assert {b.text() for b in box.buttons()} == {"예(&Y)", "아니요(&N)"}
    box.reject()
    assert_korean(texts, at_least=3)


def test_the_hugging_face_dialog_is_korean(
    harness: DialogHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.settings.set("embedded.models_dir", str(tmp_path / "models"))
    with korean_llama3_hub(tmp_path, monkeypatch):
        dialog = harness.dialog.models_page.open_hf_dialog(CHAT_REPO, "Q4_K_M")
        harness.aloop.until(lambda: not dialog.jobs.running, timeout=60)
        texts = texts_of(dialog) + cells(dialog.files, [0, 1, 3, 4, 5])
        dialog.download_button.click()
        harness.aloop.until(lambda: not dialog.jobs.running, timeout=60)
        texts.append(dialog.status.text())
        harness.settle()
        dialog.close()
    assert_korean(texts, at_least=15)


# -- the connection doctor -------------------------------------------------------------


def doctor_texts(dialog: ConnectionDoctorDialog) -> list[str]:
    columns = list(range(dialog.table.columnCount()))
    return [
        *texts_of(dialog),
        *cells(dialog.table, columns),
        *dialog.details.toPlainText().splitlines(),
    ]


@pytest.mark.parametrize("server", ["fake", "unreachable", "embedded"])
def test_the_connection_doctor_is_korean(
    qtbot: QtBot, aloop: AsyncLoop, fake_ollama: FakeOllama, tmp_path: Path, server: str
) -> None:
    settings = Settings({"ui.language": "ko"})
    url = fake_ollama.url if server == "fake" else f"http://127.0.0.1:{free_port()}"
    settings.set("ollama.endpoint", url)
    if server == "embedded":
        settings.set("engine.kind", "embedded")
    dialog = connection_doctor(settings, "", "ko", aloop.loop, tmp_path / "models")
    qtbot.addWidget(dialog)
    dialog.show()
    finish(aloop, dialog.recheck())
    assert dialog.table.rowCount() >= 1
    assert_korean(doctor_texts(dialog), at_least=10)


def test_the_connection_doctor_with_wsl_is_korean(
    qtbot: QtBot, aloop: AsyncLoop, fake_windows: FakeWindows
) -> None:
    """Windows with a WSL distro whose Ollama is off: real discovery through fake wsl.exe."""
    fake_windows.update(
        distros=[{"name": "Ubuntu", "running": True, "ips": "127.0.0.2", "ollama": True}]
    )
    discovery = Discovery(environ={}, windows=True, port=free_port())

    async def run_diagnosis() -> ConnectionReport:
        return await diagnose(discovery)

    dialog = ConnectionDoctorDialog(run_diagnosis, no_start, Settings(), aloop.loop, "ko")
    qtbot.addWidget(dialog)
    dialog.show()
    finish(aloop, dialog.recheck())
    assert dialog.start_button.isVisible()
    assert_korean(doctor_texts(dialog), at_least=10)


# -- the token view, the answer window, the first run, the tray -----------------------------


def test_the_token_view_is_korean(qtbot: QtBot) -> None:
    view = TokenChipsView(KO)
    qtbot.addWidget(view)
    view.show()
    view.show_report(build_report("서울에서 회의가 열렸다. " * 20, EstimateTokenizer(), 64))
    texts = [*texts_of(view), view.chips.toPlainText()]
    assert view.context_bar.isVisible()
    assert_korean(texts, at_least=3)


def test_the_answer_window_is_korean(qtbot: QtBot) -> None:
    window = AnswerWindow(KO)
    qtbot.addWidget(window)
    window.begin("한 줄 요약", "exaone3.5:2.4b")
    window.show()
    texts = texts_of(window)
    window.append("서울시는 내년부터 저상버스를 도입한다.")
    stats = ChatStats(
        prompt_eval_count=1234, eval_count=56, eval_duration=2 * 10**9, load_duration=15 * 10**8
    )
    window.finish(stats)
    window.set_details("계획: 한 번에 보냄")
    window.details_button.setChecked(True)
    texts += texts_of(window)
    assert_korean(texts, at_least=8)


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_the_first_run_dialog_is_korean(make: Make, aloop: AsyncLoop, platform: str) -> None:
    dialog, _, _, _ = make(platform=platform, lang="ko")
    finish(aloop, dialog.check_again())
    assert_korean(texts_of(dialog), at_least=10)


def test_the_tray_menu_is_korean(aloop: AsyncLoop, fake_ollama: FakeOllama) -> None:
    engine = OllamaEngine(fake_ollama.url)
    tray = make_tray(engine)
    tray.set_hotkey_problem("단축키를 등록할 수 없습니다")
    tray.refresh_models()
    aloop.until(lambda: any(a.data() for a in tray.models_menu.actions()))
    texts = [*menu_texts(tray.menu), tray.icon.toolTip()]
    unreachable = Tray(
        labels=KO,
        icon=QIcon(),
        paused_icon=QIcon(),
        list_models=OllamaEngine(f"http://127.0.0.1:{free_port()}").list_models,
    )
    unreachable.refresh_models()
    aloop.until(lambda: len(unreachable.models_menu.actions()) > 1)
    texts += menu_texts(unreachable.models_menu)
    aloop.run(engine.aclose())
    assert_korean(texts, at_least=12)


# -- hints name the settings where they are -------------------------------------------------

KODESK = Path(__file__).resolve().parents[2] / "kodesk"
HINT_PATHS = {"ko": re.compile(r"설정 → ([^`\"]+)"), "en": re.compile(r"Settings → ([^`\"]+)")}


def unmnemonic(text: str) -> str:
    return re.sub(r"\(&\w\)$", "", text).replace("&", "")


def test_hints_name_the_settings_where_they_are(harness: DialogHarness) -> None:
    """Every "설정 → 일반 → 엔진" / "Settings → General → Engine" in kodesk's texts names a
    page of the settings dialog, and what follows the page is on that page (no "Settings →
    Engine" while the engine is a setting on the General page)."""
    # Adjacent string literals are one text: join them across lines.
    sources = [
        re.sub(r"[\"']\s*\n\s*f?[\"']", "", path.read_text(encoding="utf-8"))
        for path in sorted(KODESK.rglob("*.py"))
    ]
    checked = 0
    for lang in ("ko", "en"):
        harness.settings.set("ui.language", lang)

        def relabelled(lang: str = lang) -> bool:
            return harness.dialog.general_page.labels.lang == lang

        harness.aloop.until(relabelled)
        harness.settle()
        pages = {}
        for name, page in harness.dialog.pages.items():
            harness.dialog.show_page(name)
            pages[page.labels.text(page.title)] = [unmnemonic(t) for t in texts_of(page)]
        titles = sorted(pages, key=len, reverse=True)  # "GGUF로 모델 만들기" before "모델"
        for source in sources:
            for match in HINT_PATHS[lang].finditer(source):
                path = match.group(1)
                title = next((t for t in titles if path.startswith(t)), None)
                assert title is not None, f"no such settings page: {match.group(0)!r}"
                rest = path[len(title) :]
                if rest.startswith(" → "):
                    item = re.split(r"[,.()]| or | 또는|이나", rest[3:])[0].strip()
                    assert item and any(text.startswith(item) for text in pages[title]), (
                        f"not on the {title} page: {match.group(0)!r}"
                    )
                checked += 1
    assert checked > 20
