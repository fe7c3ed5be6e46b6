"""Which GGUF models the embedded engine offers, by name, and what each one is.

A model's name is its file's stem (`gemma-3-270m-q4_k_m` for
`gemma-3-270m-q4_k_m.gguf`). Models come, in this order of precedence, from files given
explicitly (`--gguf FILE`), the built-in model, and the user's models folder. The empty
name means the default, which is also the first one listed. Descriptions come from
`inspect_gguf` (header only) and are cached per file size and modification time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kodesk.core.gguf_info import GGUFError, GGUFInfo, inspect_gguf, read_metadata
from kodesk.core.types import ModelDetails, ModelInfo
from kodesk.engines.default_model import BuiltinModel, default_model_source_size
from kodesk.engines.embedded_errors import EmbeddedModelNotFound

SUFFIX = ".gguf"


@dataclass(frozen=True)
class Entry:
    """One offered model. `path` is None for a built-in model not assembled yet."""

    name: str
    path: Path | None
    builtin: bool = False


def model_name(path: Path) -> str:
    return path.stem


class GGUFCatalog:
    """The models on offer. `scan` and `describe` touch the disk: call them off the loop."""

    def __init__(
        self, models_dir: Path, *, files: Sequence[Path] = (), builtin: BuiltinModel | None = None
    ) -> None:
        self.models_dir = models_dir
        self.files = tuple(files)
        self.builtin = builtin
        self._described: dict[tuple[Path, int, int], GGUFInfo] = {}

    def folder_files(self) -> list[Path]:
        if not self.models_dir.is_dir():
            return []
        return sorted(
            p for p in self.models_dir.iterdir() if p.suffix.lower() == SUFFIX and p.is_file()
        )

    def scan(self) -> list[Entry]:
        """Explicit files, the built-in model, then the folder's files: the default first."""
        entries: dict[str, Entry] = {}
        for path in self.files:
            entries.setdefault(model_name(path), Entry(model_name(path), path))
        if self.builtin is not None:
            cached = self.builtin.cached_path
            entries.setdefault(
                self.builtin.name,
                Entry(self.builtin.name, cached if cached.is_file() else None, builtin=True),
            )
        for path in self.folder_files():
            entries.setdefault(model_name(path), Entry(model_name(path), path))
        return list(entries.values())

    def default_name(self) -> str | None:
        if self.files:
            return model_name(self.files[0])
        if self.builtin is not None:
            return self.builtin.name
        folder = self.folder_files()
        return model_name(folder[0]) if folder else None

    def find(self, name: str) -> Entry:
        """The entry called `name` ("" = the default; a trailing ".gguf" is accepted)."""
        wanted = name or self.default_name() or ""
        if wanted.lower().endswith(SUFFIX):
            wanted = wanted[: -len(SUFFIX)]
        for entry in self.scan():
            if entry.name == wanted:
                return entry
        raise EmbeddedModelNotFound(name or "(default)", str(self.models_dir))

    async def path_of(self, entry: Entry) -> Path:
        """The file behind `entry`, assembling the built-in model on first use."""
        if entry.path is not None and not entry.builtin:
            return entry.path
        if self.builtin is None:
            raise EmbeddedModelNotFound(entry.name, str(self.models_dir))
        return await self.builtin.path()

    def is_removable(self, path: Path) -> bool:
        """Only files directly inside the user's models folder may be deleted."""
        return path.parent.resolve() == self.models_dir.resolve()

    def describe(self, path: Path) -> GGUFInfo:
        """`inspect_gguf` of `path`, cached; `GGUFError` when it cannot be read."""
        try:
            stat = path.stat()
        except OSError as exc:
            raise GGUFError(path, exc.strerror or str(exc)) from exc
        key = (path.resolve(), stat.st_size, stat.st_mtime_ns)
        info = self._described.get(key)
        if info is None:
            info = self._described[key] = inspect_gguf(path)
        return info

    def model_info(self, entry: Entry) -> ModelInfo:
        if entry.path is None:  # built-in, not assembled yet: only its size is known
            return ModelInfo(name=entry.name, size=default_model_source_size(), format="gguf")
        info = self.describe(entry.path)
        modified = datetime.fromtimestamp(entry.path.stat().st_mtime).astimezone()
        return ModelInfo(
            name=entry.name,
            size=info.file_size,
            modified_at=modified.isoformat(),
            family=info.architecture or "",
            parameter_size=info.size_label or _parameter_label(info.parameter_count),
            quantization_level=info.quantization or "",
            format="gguf",
        )

    def details(self, name: str, path: Path, *, verbose: bool = False) -> ModelDetails:
        info = self.describe(path)
        model_info = dict(read_metadata(path)) if verbose else dict(info.metadata)
        arch = info.architecture or ""
        return ModelDetails(
            name=name,
            modelfile=f"FROM {path}\n",
            template=info.chat_template or "",
            license=str(info.metadata.get("general.license", "")),
            details={
                "format": "gguf",
                "family": arch,
                "families": [arch] if arch else [],
                "parameter_size": info.size_label or _parameter_label(info.parameter_count),
                "quantization_level": info.quantization or "",
            },
            model_info=model_info,
            capabilities=("completion",),
        )


def _parameter_label(count: int) -> str:
    if count >= 1_000_000_000:
        return f"{count / 1e9:.1f}B"
    return f"{count / 1e6:.0f}M" if count else ""
