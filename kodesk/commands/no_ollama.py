"""`kodesk run` on a machine without Ollama: the first-run choices, as commands.

The tray shows them in a dialog (`desktop/first_run.py`); on the command line the "not
reachable" error gets them as its hint when Ollama is not installed here: install Ollama,
download the recommended Korean instruction GGUF for the embedded engine, or use the
built-in test model (which cannot follow instructions).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from urllib.parse import urlsplit

from kodesk.core.errors import Text
from kodesk.core.human_format import human_size
from kodesk.core.model_catalog import (
    Machine,
    ModelCatalog,
    embedded_recommendation,
    this_machine,
)
from kodesk.engines.connection_doctor import install_ollama, ollama_installed

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def ollama_missing_here(host: str, platform: str | None = None) -> bool:
    """True when `host` is this machine and no `ollama` program is installed. Not on
    Windows, where Ollama often runs inside WSL, out of sight of PATH."""
    if (platform or sys.platform) == "win32":
        return False
    return urlsplit(host).hostname in _LOOPBACK and not ollama_installed()


def without_ollama_hint(
    task: str,
    catalog: ModelCatalog,
    machine: Machine,
    *,
    platform: str | None = None,
    embedded_available: bool | None = None,
) -> Text:
    """The three ways to an answer, each as the command that takes it."""
    if embedded_available is None:
        embedded_available = importlib.util.find_spec("llama_cpp") is not None
    steps = install_ollama(platform)
    install = f"`{steps.command}`" if steps.command else steps.url
    ko = ["Ollama가 이 컴퓨터에 설치되어 있지 않습니다. 답을 받는 세 가지 방법:"]
    en = ["Ollama is not installed on this machine. Three ways to an answer:"]
    ko.append(f"  1. Ollama 설치: {install}")
    en.append(f"  1. install Ollama: {install}")
    if not embedded_available:
        extra = '`pip install "kodesk[embedded]"`'
        ko.append(f"  2·3번은 내장 엔진이 필요합니다: 먼저 {extra}")
        en.append(f"  2 and 3 need the embedded engine: first {extra}")
    entry = embedded_recommendation(catalog, machine)
    if entry is not None and entry.repo and entry.file:
        get = f"`kodesk hf {entry.repo} --download {entry.quantization}`"
        use = f"`kodesk run {task} --engine embedded -m {Path(entry.file).stem}`"
        size = human_size(entry.size)
        terms_ko, terms_en = ("", "") if entry.commercial else (", 비상업용", ", non-commercial")
        ko.append(f"  2. 추천 한국어 지시 모델 ({size}, {entry.licence}{terms_ko}):")
        ko.append(f"     {get}, 그다음 {use}")
        en.append(
            f"  2. a recommended Korean instruction model ({size}, {entry.licence}{terms_en}):"
        )
        en.append(f"     {get}, then {use}")
    builtin = f"`kodesk run {task} --engine embedded`"
    ko.append(f"  3. 내장 시험용 모델 (지시를 따르지 못함): {builtin}")
    en.append(f"  3. the built-in test model (it cannot follow instructions): {builtin}")
    return Text(ko="\n".join(ko), en="\n".join(en))


def hint_for_this_machine(task: str) -> Text:
    """`without_ollama_hint` for this machine and the shipped catalog."""
    from kodesk.core.model_catalog import load_catalog

    return without_ollama_hint(task, load_catalog(), this_machine())
