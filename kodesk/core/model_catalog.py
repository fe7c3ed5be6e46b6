"""Recommended Korean-capable models (data in `data/model_catalog.toml`) and whether a
model of a given download size fits this machine, and how fast it will answer.

The rules, stated once (they are estimates, shown as such):

- **Memory needed** = download size × 1.2 + 0.5 GB: the weights, the KV cache of a
  few thousand tokens and the runtime's own buffers.
- **Fits** "gpu" when that is at most the GPU memory (when it can be read: `nvidia-smi`);
  "ram" when it is at most 80% of the installed RAM (the rest is the system's and the
  apps'); otherwise "no".
- **Speed** on the CPU is bound by memory bandwidth: every generated token reads all the
  weights once. kodesk assumes 2.5 GB/s of usable bandwidth per core (at most 8 cores),
  so tokens/s ≈ cores × 2.5 GB/s ÷ download size. Classes: "fast" ≥ 15 tokens/s,
  "usable" ≥ 5, "slow" ≥ 1.5, "very-slow" below. A model that fits the GPU is "fast".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from kodesk.core.errors import Text

Fit = Literal["gpu", "ram", "no"]
Speed = Literal["fast", "usable", "slow", "very-slow"]

OVERHEAD_FACTOR = 1.2
OVERHEAD_BYTES = 500_000_000
RAM_SHARE = 0.8
BANDWIDTH_PER_CORE = 2.5e9
MAX_BANDWIDTH_CORES = 8
SPEED_CLASSES: tuple[tuple[float, Speed], ...] = ((15.0, "fast"), (5.0, "usable"), (1.5, "slow"))
RULE = Text(
    ko="필요 메모리 = 내려받기 크기 × 1.2 + 0.5 GB; GPU 메모리 이하면 gpu, RAM의 80% 이하면 ram. "
    "속도 = 코어 수(최대 8) × 2.5 GB/s ÷ 크기 (토큰/초): 15 이상 fast, 5 이상 usable, "
    "1.5 이상 slow, 그 아래 very-slow.",
    en="memory needed = download size × 1.2 + 0.5 GB; gpu if within GPU memory, ram if within "
    "80% of RAM. Speed = cores (at most 8) × 2.5 GB/s ÷ size (tokens/s): ≥ 15 fast, "
    "≥ 5 usable, ≥ 1.5 slow, below that very-slow.",
)
SPEED_TEXT: dict[Speed, Text] = {
    "fast": Text("빠름", "fast"),
    "usable": Text("쓸 만함", "usable"),
    "slow": Text("느림", "slow"),
    "very-slow": Text("매우 느림", "very slow"),
}
FIT_TEXT: dict[Fit, Text] = {
    "gpu": Text("GPU 메모리에 맞음", "fits the GPU"),
    "ram": Text("RAM에 맞음 (CPU로 실행)", "fits in RAM (runs on the CPU)"),
    "no": Text("이 PC에는 너무 큼", "too big for this PC"),
}


@dataclass(frozen=True)
class Machine:
    """What this computer offers a model. `vram` is None when it cannot be read."""

    ram: int | None
    cores: int
    vram: int | None = None


@dataclass(frozen=True)
class Assessment:
    needed: int
    fit: Fit
    tokens_per_second: float
    speed: Speed

    def to_json(self) -> dict[str, Any]:
        return {
            "memory_needed": self.needed,
            "fits": self.fit,
            "tokens_per_second": round(self.tokens_per_second, 1),
            "speed": self.speed,
        }


def assess(size: int, machine: Machine) -> Assessment:
    """Whether a model with a download of `size` bytes fits `machine`, and how fast."""
    needed = int(size * OVERHEAD_FACTOR) + OVERHEAD_BYTES
    fit: Fit
    if machine.vram is not None and needed <= machine.vram:
        fit = "gpu"
    elif machine.ram is None or needed <= machine.ram * RAM_SHARE:
        fit = "ram"
    else:
        fit = "no"
    rate = min(machine.cores, MAX_BANDWIDTH_CORES) * BANDWIDTH_PER_CORE / max(size, 1)
    speed: Speed = "fast" if fit == "gpu" else "very-slow"
    if fit != "gpu":
        speed = next((name for floor, name in SPEED_CLASSES if rate >= floor), "very-slow")
    return Assessment(needed, fit, rate, speed)


def total_ram() -> int | None:
    """Installed RAM in bytes, or None where it cannot be read without extra packages."""
    if sys.platform == "win32":
        return _windows_ram()
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _windows_ram() -> int | None:  # pragma: no cover - Windows only
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [
            ("length", ctypes.c_ulong),
            ("load", ctypes.c_ulong),
            ("total_phys", ctypes.c_ulonglong),
            ("avail_phys", ctypes.c_ulonglong),
            ("total_page", ctypes.c_ulonglong),
            ("avail_page", ctypes.c_ulonglong),
            ("total_virtual", ctypes.c_ulonglong),
            ("avail_virtual", ctypes.c_ulonglong),
            ("avail_extended", ctypes.c_ulonglong),
        ]

    status = MemoryStatus()
    status.length = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
        return None
    return int(status.total_phys)


def nvidia_vram(timeout: float = 3.0) -> int | None:
    """Total memory of the largest NVIDIA GPU (`nvidia-smi`), or None (no tool, no GPU)."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        result = subprocess.run(
            [tool, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sizes = [int(line) for line in result.stdout.split() if line.strip().isdigit()]
    return max(sizes) * 1024 * 1024 if result.returncode == 0 and sizes else None


def this_machine() -> Machine:
    """RAM, CPU cores and (NVIDIA) GPU memory of this computer. Runs `nvidia-smi` when
    installed: call it off the event loop."""
    return Machine(ram=total_ram(), cores=os.cpu_count() or 1, vram=nvidia_vram())


@dataclass(frozen=True)
class CatalogEntry:
    """One recommended model. `kind` "ollama": `name` is a library tag to pull;
    "gguf": `repo`/`file` name a Hugging Face GGUF for the embedded engine."""

    kind: Literal["ollama", "gguf"]
    name: str
    parameters: str
    quantization: str
    size: int
    context: int
    licence: str
    commercial: bool
    good_at: Text
    confirmed: bool
    unconfirmed: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    repo: str | None = None
    file: str | None = None
    chat_format: str | None = None

    def to_json(self, machine: Machine | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "parameters": self.parameters,
            "quantization": self.quantization,
            "size": self.size,
            "context": self.context,
            "licence": self.licence,
            "commercial_use": self.commercial,
            "good_at": {"ko": self.good_at.ko, "en": self.good_at.en},
            "confirmed": self.confirmed,
            "unconfirmed": list(self.unconfirmed),
            "sources": list(self.sources),
        }
        if self.kind == "gguf":
            data |= {"repo": self.repo, "file": self.file, "chat_format": self.chat_format}
        if machine is not None:
            data |= assess(self.size, machine).to_json()
        return data


@dataclass(frozen=True)
class ModelCatalog:
    checked: str
    entries: tuple[CatalogEntry, ...] = field(default=())


def _entry(kind: Literal["ollama", "gguf"], raw: dict[str, Any]) -> CatalogEntry:
    good = raw["good_at"]
    name = raw["name"] if kind == "ollama" else f"{raw['repo']}/{raw['file']}"
    return CatalogEntry(
        kind=kind,
        name=name,
        parameters=raw["parameters"],
        quantization=raw["quantization"],
        size=int(raw["size"]),
        context=int(raw["context"]),
        licence=raw["licence"],
        commercial=bool(raw["commercial"]),
        good_at=Text(ko=good["ko"], en=good["en"]),
        confirmed=bool(raw["confirmed"]),
        unconfirmed=tuple(raw.get("unconfirmed", ())),
        sources=tuple(raw.get("sources", ())),
        repo=raw.get("repo"),
        file=raw.get("file"),
        chat_format=raw.get("chat_format"),
    )


def parse_catalog(text: str) -> ModelCatalog:
    """The catalog from TOML text; KeyError/ValueError/TypeError for a malformed file."""
    data = tomllib.loads(text)
    entries = [_entry("ollama", raw) for raw in data.get("ollama", [])]
    entries += [_entry("gguf", raw) for raw in data.get("gguf", [])]
    return ModelCatalog(checked=str(data["checked"]), entries=tuple(entries))


def embedded_recommendation(catalog: ModelCatalog, machine: Machine) -> CatalogEntry | None:
    """The GGUF to offer first for the embedded engine: the catalog's first (best) one
    that fits `machine`, else its smallest; None when the catalog has no GGUF."""
    ggufs = [e for e in catalog.entries if e.kind == "gguf"]
    fitting = [e for e in ggufs if assess(e.size, machine).fit != "no"]
    if fitting:
        return fitting[0]
    return min(ggufs, key=lambda e: e.size, default=None)


def load_catalog() -> ModelCatalog:
    """The catalog shipped with kodesk."""
    text = resources.files("kodesk.core").joinpath("data/model_catalog.toml").read_text("utf-8")
    return parse_catalog(text)
