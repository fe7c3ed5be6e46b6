"""The running tray app's wiring: settings ↔ tray ↔ hotkeys ↔ controller ↔ engine.

Built right after the tray icon is shown (see app.py), so the heavy imports here do
not delay the icon.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from kodesk.core.engine import Engine
from kodesk.core.engine_owner import BackgroundTasks, EngineOwner
from kodesk.core.errors import EngineUnreachable, KodeskError, Text
from kodesk.core.history import HistoryStore
from kodesk.core.hotkey_rules import MAIN, hotkey_owners
from kodesk.core.hotkey_spec import Hotkey, HotkeyError, parse_hotkey
from kodesk.core.settings import LoadResult, SettingsStore, SettingsUnwritable, default_model_key
from kodesk.core.tasks import Task, all_tasks
from kodesk.core.types import Progress
from kodesk.desktop.answer_window import AnswerWindow
from kodesk.desktop.clipboard import ClipboardCapture
from kodesk.desktop.controller import JobController
from kodesk.desktop.hotkeys import HotkeyService
from kodesk.desktop.i18n import Labels, install_qt_translations, labels_for, pick_language
from kodesk.desktop.single_instance import SingleInstance
from kodesk.desktop.tray import Tray
from kodesk.engines.endpoint import endpoint_warnings, resolve_host, server_version
from kodesk.engines.factory import engine_from_settings, task_runner
from kodesk.paths import AppPaths

if TYPE_CHECKING:
    from kodesk.core.model_catalog import CatalogEntry, Machine, ModelCatalog
    from kodesk.core.runner import TaskRunner
    from kodesk.desktop.first_run import FirstRunDialog, FirstRunOffer, ModelDownload

log = logging.getLogger("kodesk")
SAVE_DELAY_MS = 300
_ENGINE_KEYS = {
    "engine.kind",
    "ollama.endpoint",
    "ollama.connect_timeout",
    "ollama.first_token_timeout",
    "ollama.stall_timeout",
    "embedded.models_dir",
    "embedded.model",
}


class Shell:
    """Owns the app's long-lived objects and applies setting changes without a restart."""

    def __init__(
        self,
        *,
        app: QApplication,
        args: argparse.Namespace,
        paths: AppPaths,
        loaded: LoadResult,
        labels: Labels,
        tray: Tray,
        single: SingleInstance,
        quit_event: asyncio.Event,
        catalog: ModelCatalog | None = None,
    ) -> None:
        self.app = app
        #: The recommended models (the shipped catalog unless one is passed in).
        self._catalog = catalog
        self.args = args
        self.paths = paths
        self.settings = loaded.settings
        self.store = SettingsStore(paths.settings)
        self.notices = loaded.notices
        self.labels = labels
        self.tray = tray
        self.single = single
        self.quit_event = quit_event
        self.background = BackgroundTasks()
        self.engines = EngineOwner(
            self._build_engine,
            lambda engine: task_runner(engine, self.settings, self.paths),
            self.background,
        )
        self.tasks: list[Task] = []
        self.hotkeys = HotkeyService()
        self.controller = JobController(
            settings=self.settings,
            runner=self._runner,
            tasks=lambda: self.tasks,
            capture=ClipboardCapture(QApplication.clipboard()),
            window=lambda: AnswerWindow(self.labels),
            language=labels.lang,
            history=HistoryStore(paths.history),
        )
        self._save_timer = QTimer()
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save)
        self._settings_dialog: Any = None
        self._doctor: Any = None
        #: The first-run choices (install Ollama, a recommended GGUF, the test model),
        #: owed while Ollama was not found and nothing was chosen.
        self.first_run: FirstRunOffer | None = None  # built when first needed (import cost)
        self._first_run_dialog: FirstRunDialog | None = None
        self._qt_translator: QTranslator | None = None
        self._import_dialog: QWidget | None = None

    def engine(self) -> Engine:
        """The engine, built on first use (a menu, a hotkey), so an idle tray does not load
        it; when the configured one cannot be built, the user is told and Ollama is used."""
        try:
            return self.engines.get()
        except KodeskError as exc:  # e.g. the embedded extra is not installed
            if self.settings.get("engine.kind") == "ollama":
                raise  # e.g. a malformed endpoint: the job shows why
            self.tray.notify("kodesk", exc.explain(self.labels.lang))
            log.warning("engine not available: %s", exc.text.en)
            # Observed by _on_setting, which switches the owner to the Ollama engine.
            self.settings.set("engine.kind", "ollama")
            return self.engines.get()

    def _runner(self) -> TaskRunner:
        self.engine()  # builds it, or falls back to Ollama with a notice
        return self.engines.runner()

    # -- start and stop -------------------------------------------------------------
    def finish_startup(self) -> None:
        self._load_tasks()
        self.tray.set_model(self._default_model())
        self.tray.set_engine(self.settings.get("engine.kind"))
        engine = self.engines.current
        if engine is not None and engine.kind == "ollama":
            self._warn_about_endpoint(engine.location)
        self.tray.taskChosen.connect(lambda name: self.settings.set("task.default", name))
        self.tray.modelChosen.connect(self._choose_model)
        self.tray.engineChosen.connect(lambda kind: self.settings.set("engine.kind", kind))
        self.tray.pauseToggled.connect(self.hotkeys.set_paused)
        self.tray.settingsRequested.connect(self.open_settings)
        self.tray.doctorRequested.connect(self.open_connection_doctor)
        self.tray.quitRequested.connect(self.quit_event.set)
        self.tray.activated.connect(self.show_window)
        self.single.showRequested.connect(self.show_window)
        self.hotkeys.triggered.connect(self._on_hotkey)
        self.controller.busyChanged.connect(self.tray.set_busy)
        self.controller.fixRequested.connect(self.offer_fix)
        self.hotkeys.unavailable.connect(self.tray.set_hotkey_problem)
        self.settings.observe(self._on_setting)
        self._apply_hotkeys()
        self._qt_translator = install_qt_translations(self.app, self.labels.lang)
        for notice in self.notices:
            self.tray.notify("kodesk", notice.get(self.labels.lang))
            log.warning("%s", notice.en)
        self.background.spawn(self._check_engine(), "check the engine")
        log.info("ready")

    async def shutdown(self) -> None:
        """Stop the job, the hotkeys and every background task, save, close the engine."""
        await self.controller.aclose()
        self.hotkeys.stop()
        if self._save_timer.isActive():
            self._save()
        await self.background.aclose()
        await self.engines.aclose()

    # -- reactions --------------------------------------------------------------------
    def _on_hotkey(self, binding: str) -> None:
        log.info("hotkey %s", binding)
        if self.first_run is not None and self.first_run.should_offer():
            # A job could only fail: offer the choices again.
            self.show_first_run()
            return
        self.controller.trigger(binding)

    def show_first_run(self) -> None:
        """The choices for a machine without Ollama (non-modal; closing it is not final:
        the next hotkey press shows them again)."""
        from kodesk.desktop.first_run import (
            FirstRunDialog,
            FirstRunOffer,
            ollama_probe,
        )
        from kodesk.engines.connection_doctor import ollama_installed

        if self.first_run is None:
            self.first_run = FirstRunOffer()
        if self._first_run_dialog is None:
            self._first_run_dialog = FirstRunDialog(
                offer=self.first_run,
                settings=self.settings,
                recheck=ollama_probe(self.settings, self.args.host),
                loop=asyncio.get_event_loop(),
                lang=self.labels.lang,
                download=self._recommended_download(),
                embedded_available=importlib.util.find_spec("llama_cpp") is not None,
                installed=ollama_installed(),
                open_doctor=self.open_connection_doctor,
            )
        self._first_run_dialog.show()
        self._first_run_dialog.raise_()
        self._first_run_dialog.activateWindow()

    def offer_fix(self, fix: str) -> None:
        """The answer window's one-click fix ("instruction_model"): on the embedded engine,
        the import of the recommended GGUF that fits this machine; on Ollama (or without
        a GGUF to offer), Settings → Models with its recommended Korean models."""
        if fix != "instruction_model":
            log.warning("unknown fix %r", fix)
            return
        download = None
        if self.settings.get("engine.kind") == "embedded":
            download = self._recommended_download()
        if download is not None:
            download.start()
            return
        self.open_settings()
        self._settings_dialog.show_page("models")

    def show_window(self) -> None:
        window = self.controller.window
        if window is not None:
            window.show()
            window.raise_()
            window.activateWindow()

    def _recommended_download(self) -> ModelDownload | None:
        """The catalog's best Korean instruction GGUF that fits this machine, for the
        embedded engine, offered on a machine without Ollama (None without the embedded
        extra)."""
        from kodesk.core.model_catalog import embedded_recommendation, load_catalog
        from kodesk.desktop.first_run import ModelDownload

        if importlib.util.find_spec("llama_cpp") is None:
            return None
        if self._catalog is None:
            self._catalog = load_catalog()
        entry = embedded_recommendation(self._catalog, self._machine())
        if entry is None:
            return None
        return ModelDownload(
            Path(entry.file).stem if entry.file else entry.name,
            entry.size,
            lambda: self._import_gguf(entry),
            licence=entry.licence,
            commercial=entry.commercial,
        )

    @staticmethod
    def _machine() -> Machine:
        """RAM and cores (GPU memory is not read here: `nvidia-smi` would block the loop,
        and the embedded engine runs on the CPU)."""
        from kodesk.core.model_catalog import Machine, total_ram

        return Machine(ram=total_ram(), cores=os.cpu_count() or 1)

    def _import_gguf(self, entry: CatalogEntry) -> None:
        """The Hugging Face import dialog on `entry`'s file: one click downloads it into
        the embedded models folder, and the embedded engine then uses it."""
        from kodesk.core.settings_labels import Labels as DialogLabels
        from kodesk.desktop.settings.hf_dialog import HFImportDialog

        folder = self.settings.get("embedded.models_dir")
        dialog = HFImportDialog(
            DialogLabels(self.labels.lang),
            self.engine,
            Path(folder) if folder else self.paths.models,
            self._machine(),
            ollama_active=False,
        )
        dialog.imported.connect(self._use_downloaded_model)
        dialog.show()
        dialog.open_repo(entry.repo or "", entry.quantization)
        self._import_dialog = dialog

    def _use_downloaded_model(self, name: str) -> None:
        if self.first_run is not None:
            self.first_run.settle()  # the first-run choice is done
        self.settings.set("embedded.default_model", name)
        self.settings.set("engine.kind", "embedded")

    def open_settings(self) -> None:
        from kodesk.desktop.settings import SettingsDialog

        if self._settings_dialog is None:
            self._settings_dialog = SettingsDialog(self.settings, self.store, self.engine)
            self._settings_dialog.modelsChanged.connect(self.tray.refresh_models)
        self._settings_dialog.show()
        self._settings_dialog.raise_()
        self._settings_dialog.activateWindow()

    def open_connection_doctor(self) -> None:
        from kodesk.desktop.connection_doctor_dialog import connection_doctor

        if self._doctor is None:
            self._doctor = connection_doctor(
                self.settings,
                self.args.host or "",
                self.labels.lang,
                asyncio.get_event_loop(),
                models_dir=self.paths.models,
            )
        self._doctor.show()
        self._doctor.raise_()
        self._doctor.recheck()

    def _on_setting(self, key: str) -> None:
        """Every change is saved (after a short delay); `SETTING_REACTIONS` says the rest."""
        self._save_timer.start()
        for reaction in setting_reactions(key):
            reaction(self)

    def _apply_language(self) -> None:
        self.labels = labels_for(pick_language(self.settings.get("ui.language")))
        self.tray.set_labels(self.labels)
        self.controller.set_language(self.labels.lang)
        self._qt_translator = install_qt_translations(
            self.app, self.labels.lang, self._qt_translator
        )
        if self._first_run_dialog is not None:  # rebuilt in the new language when needed
            self._first_run_dialog.close()
            self._first_run_dialog.deleteLater()
            self._first_run_dialog = None

    def _show_default_model(self) -> None:
        self.tray.set_model(self._default_model())

    # -- helpers ----------------------------------------------------------------------
    def _default_model(self) -> str:
        return str(self.settings.get(default_model_key(self.settings.get("engine.kind"))))

    def _choose_model(self, name: str) -> None:
        self.settings.set(default_model_key(self.settings.get("engine.kind")), name)

    def _build_engine(self) -> Engine:
        return engine_from_settings(
            self.settings, self.paths, host=self.args.host, progress=self._model_progress
        )

    def _switch_engine(self) -> None:
        """An engine setting changed: build the new engine now (so a problem is told at
        once), and close the old one."""
        try:
            self.engines.switch()
        except KodeskError as exc:
            self.tray.notify("kodesk", exc.explain(self.labels.lang))
            if self.settings.get("engine.kind") != "ollama":
                self.settings.set("engine.kind", "ollama")  # observed: switches again
            return
        self.tray.set_engine(self.settings.get("engine.kind"))

    def _model_progress(self, progress: Progress) -> None:
        """Preparing the built-in model (first use of the embedded engine)."""
        window = self.controller.window
        if window is None or not window.streaming:
            return
        if progress.total and progress.completed is not None:
            window.set_status(
                f"{self.labels.preparing_model} "
                f"{progress.completed / 1e6:,.0f} / {progress.total / 1e6:,.0f} MB"
            )
        else:
            window.set_status(f"{self.labels.preparing_model} {progress.status}")

    def _load_tasks(self) -> None:
        self.tasks, problems = all_tasks(self.settings.get("tasks.custom"))
        for problem in problems:
            log.warning("custom task skipped: %s", problem)
        labels = {name: hotkey.label() for name, hotkey in self._task_bindings().items()}
        self.tray.set_tasks(self.tasks, self.settings.get("task.default"), labels)

    def _task_bindings(self) -> dict[str, Hotkey]:
        """Per-task hotkeys, as `hotkey_owners` decides; unparsable ones are logged, left out."""
        owners = hotkey_owners(
            self.settings.get("hotkey.main"),
            self.settings.get("hotkey.tasks"),
            ((t.name, t.hotkey) for t in self.tasks if not t.builtin),
        )
        owners.pop(MAIN, None)
        bindings = {}
        for name, text in owners.items():
            try:
                bindings[name] = parse_hotkey(text)
            except HotkeyError:
                log.warning("hotkey for %s ignored: %r", name, text)
        return bindings

    def _apply_hotkeys(self) -> None:
        bindings = self._task_bindings()
        main = self.settings.get("hotkey.main")
        if main:
            bindings[MAIN] = parse_hotkey(main)
            self.tray.set_hotkey(bindings[MAIN].label())
        self.hotkeys.apply(bindings)
        if self.hotkeys.active:
            self.tray.set_hotkey_problem("")
            log.info("hotkeys active: %s", ", ".join(str(h) for h in bindings.values()))

    def _save(self) -> None:
        try:
            self.store.save(self.settings)
        except SettingsUnwritable as exc:
            self.tray.notify("kodesk", exc.explain(self.labels.lang))
        except OSError as exc:
            where = exc.filename or self.paths.settings
            self.tray.notify(
                "kodesk",
                Text(
                    ko=f"설정을 저장하지 못했습니다: {where} (오류 번호 {exc.errno})",
                    en=f"Could not save the settings: {where} ({exc.strerror or exc})",
                ).get(self.labels.lang),
            )

    async def _check_engine(self) -> None:
        """At start: is Ollama there? If not, offer the first-run choices; if it is off
        this machine, say that copied text will leave it."""
        if self.settings.get("engine.kind") != "ollama":
            return
        try:
            host = resolve_host(self.args.host, self.settings.get("ollama.endpoint"))
            version = await server_version(host)
        except EngineUnreachable:
            self.show_first_run()
            assert self.first_run is not None
            self.first_run.start()
            return
        except KodeskError as exc:  # a malformed endpoint, a server that is not Ollama
            self.tray.notify("kodesk", exc.explain(self.labels.lang))
            return
        log.info("ollama %s at %s", version, host)
        self._warn_about_endpoint(host)

    def _warn_about_endpoint(self, host: str) -> None:
        for warning in endpoint_warnings(host):
            self.tray.notify("kodesk", warning.get(self.labels.lang))
            log.warning("%s", warning.en)


Reaction = Callable[[Shell], None]
#: What the shell does when a setting changes, beyond saving it: (keys, reactions) in
#: order. A key ending in "." stands for every setting of that table.
SETTING_REACTIONS: tuple[tuple[Collection[str], tuple[Reaction, ...]], ...] = (
    (_ENGINE_KEYS, (Shell._switch_engine,)),
    (("hotkey.", "tasks.custom"), (Shell._load_tasks, Shell._apply_hotkeys)),
    (("task.default",), (Shell._load_tasks,)),
    (("ui.language",), (Shell._apply_language, Shell._load_tasks)),
    (
        ("model.default", "embedded.default_model", "engine.kind"),
        (Shell._show_default_model,),
    ),
)


def setting_reactions(key: str) -> list[Reaction]:
    """The reactions to a change of `key`, in the order they run."""
    return [
        reaction
        for keys, reactions in SETTING_REACTIONS
        if key in keys or any(k.endswith(".") and key.startswith(k) for k in keys)
        for reaction in reactions
    ]
