"""The embedded engine's model management: listing, show, create/delete/pull/unload, and the
factory — on small generated GGUFs (nothing is loaded into llama.cpp here)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from kodesk.core.engine import Engine
from kodesk.core.errors import InputRejected, KodeskError, ModelNotFound
from kodesk.core.gguf_header import GGUFError
from kodesk.core.types import ModelSpec, Progress
from kodesk.engines import embedded
from kodesk.engines.default_model import BuiltinModel
from kodesk.engines.embedded import EmbeddedEngine, create_embedded_engine
from kodesk.engines.embedded_errors import (
    EmbeddedModelNotFound,
    EmbeddedUnavailable,
    UnsupportedByEmbedded,
)
from kodesk.engines.gguf_catalog import GGUFCatalog
from tests.conftest import run_async
from tests.gguf_factory import preset, write_gguf


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    write_gguf(folder / "exaone-like.gguf", preset("chatml", size_label="2.4B"))
    write_gguf(folder / "base.gguf", preset("llama3", chat_template=None))
    (folder / "notes.txt").write_text("not a model", encoding="utf-8")
    return folder


def with_engine(
    engine: EmbeddedEngine, body: Callable[[EmbeddedEngine], Coroutine[Any, Any, Any]]
) -> Any:
    async def run() -> Any:
        try:
            return await body(engine)
        finally:
            await engine.aclose()

    return run_async(run())


async def drain(stream: Any) -> list[Progress]:
    return [item async for item in stream]


def test_implements_the_engine_protocol(models_dir: Path) -> None:
    engine = EmbeddedEngine(GGUFCatalog(models_dir))
    assert isinstance(engine, Engine)
    assert engine.kind == "embedded" and engine.location == str(models_dir)
    with_engine(engine, lambda e: e.list_loaded())


@pytest.mark.inference  # needs the embedded extra: the built-in GGUF package
def test_lists_folder_files_explicit_files_and_builtin(models_dir: Path, tmp_path: Path) -> None:
    extra = write_gguf(tmp_path / "mine.gguf", preset("gemma"))
    builtin = BuiltinModel(tmp_path / "cache")
    engine = EmbeddedEngine(GGUFCatalog(models_dir, files=(extra,), builtin=builtin))
    models = {m.name: m for m in with_engine(engine, lambda e: e.list_models())}
    assert list(models) == ["mine", "gemma-3-270m-q4_k_m", "base", "exaone-like"]
    chatml = models["exaone-like"]
    assert (chatml.family, chatml.parameter_size, chatml.format) == ("qwen2", "2.4B", "gguf")
    assert chatml.size == (models_dir / "exaone-like.gguf").stat().st_size
    assert chatml.quantization_level and chatml.modified_at
    # the built-in model is listed before it is assembled, with its real size
    assert models["gemma-3-270m-q4_k_m"].size > 200_000_000
    assert not (tmp_path / "cache").exists()


def test_show_describes_the_gguf(models_dir: Path) -> None:
    engine = EmbeddedEngine(GGUFCatalog(models_dir))
    details = with_engine(engine, lambda e: e.show("exaone-like"))
    assert "<|im_start|>" in details.template
    assert details.model_info["general.architecture"] == "qwen2"
    assert details.context_length == 32768
    assert details.details["family"] == "qwen2"
    assert details.modelfile.startswith("FROM ")
    base = with_engine(
        EmbeddedEngine(GGUFCatalog(models_dir)), lambda e: e.show("base.gguf", verbose=True)
    )
    assert base.template == ""
    assert "tokenizer.ggml.tokens" in base.model_info  # verbose adds the arrays


def test_unknown_model_is_not_found_with_a_folder_hint(models_dir: Path) -> None:
    engine = EmbeddedEngine(GGUFCatalog(models_dir))
    with pytest.raises(ModelNotFound) as caught:
        with_engine(engine, lambda e: e.show("nope"))
    assert str(models_dir) in caught.value.hint_text("en")
    assert "ollama pull" not in caught.value.explain("en")


def test_default_model_is_the_explicit_file(models_dir: Path, tmp_path: Path) -> None:
    extra = write_gguf(tmp_path / "mine.gguf", preset("gemma"))
    engine = EmbeddedEngine(GGUFCatalog(models_dir, files=(extra,)))
    assert with_engine(engine, lambda e: e.show("")).name == "mine"


def test_pull_is_refused_with_a_hint() -> None:
    engine = EmbeddedEngine(GGUFCatalog(Path("unused")))
    with pytest.raises(UnsupportedByEmbedded) as caught:
        engine.pull("exaone3.5:2.4b")
    assert "Ollama" in caught.value.hint_text("en")
    with_engine(engine, lambda e: e.list_loaded())


def test_create_imports_a_gguf_into_the_models_folder(models_dir: Path, tmp_path: Path) -> None:
    source = write_gguf(tmp_path / "download.gguf", preset("mistral"))
    engine = EmbeddedEngine(GGUFCatalog(models_dir))

    async def body(e: EmbeddedEngine) -> tuple[list[Progress], list[str]]:
        progress = await drain(e.create(ModelSpec("my-mistral", from_gguf=str(source))))
        return progress, [m.name for m in await e.list_models()]

    progress, names = with_engine(engine, body)
    assert progress[0].status == "parsing GGUF" and progress[-1].status == "success"
    copying = [p for p in progress if p.status == "copying model file"]
    assert copying and copying[-1].completed == source.stat().st_size
    assert "my-mistral" in names
    assert (models_dir / "my-mistral.gguf").read_bytes() == source.read_bytes()


@pytest.mark.parametrize(
    "spec",
    [
        ModelSpec("x", from_gguf="a.gguf", template="{{ .Prompt }}"),
        ModelSpec("x", from_gguf="a.gguf", system="be nice", parameters={"temperature": 0}),
        ModelSpec("x", from_model="llama3"),
    ],
)
def test_create_refuses_what_needs_ollama(spec: ModelSpec, models_dir: Path) -> None:
    engine = EmbeddedEngine(GGUFCatalog(models_dir))
    with pytest.raises(UnsupportedByEmbedded):
        with_engine(engine, lambda e: drain(e.create(spec)))


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "name:tag", ""])
def test_create_refuses_names_that_are_not_file_names(name: str, models_dir: Path) -> None:
    engine = EmbeddedEngine(GGUFCatalog(models_dir))
    with pytest.raises(InputRejected):
        with_engine(engine, lambda e: drain(e.create(ModelSpec(name, from_gguf="a.gguf"))))


def test_create_refuses_a_file_that_is_not_gguf(models_dir: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"<html>not found</html>")
    engine = EmbeddedEngine(GGUFCatalog(models_dir))
    with pytest.raises(GGUFError):
        with_engine(engine, lambda e: drain(e.create(ModelSpec("b", from_gguf=str(bogus)))))
    assert not (models_dir / "b.gguf").exists()


@pytest.mark.inference  # needs the embedded extra: the built-in GGUF package
def test_delete_removes_only_files_in_the_models_folder(models_dir: Path, tmp_path: Path) -> None:
    extra = write_gguf(tmp_path / "mine.gguf", preset("gemma"))
    engine = EmbeddedEngine(
        GGUFCatalog(models_dir, files=(extra,), builtin=BuiltinModel(tmp_path / "cache"))
    )

    async def body(e: EmbeddedEngine) -> list[type[KodeskError]]:
        await e.delete("base")
        refused = []
        for name in ("mine", "gemma-3-270m-q4_k_m", "base"):
            try:
                await e.delete(name)
            except KodeskError as exc:
                refused.append(type(exc))
        return refused

    refused = with_engine(engine, body)
    assert refused == [UnsupportedByEmbedded, UnsupportedByEmbedded, EmbeddedModelNotFound]
    assert not (models_dir / "base.gguf").exists()
    assert extra.exists()


@pytest.mark.inference  # needs the embedded extra: llama-cpp-python and the built-in GGUF
def test_factory_offers_the_given_gguf_and_the_builtin(models_dir: Path, tmp_path: Path) -> None:
    extra = write_gguf(tmp_path / "mine.gguf", preset("gemma"))
    seen: list[Progress] = []
    engine = create_embedded_engine(
        gguf=extra, models_dir=models_dir, cache_dir=tmp_path / "cache", progress=seen.append
    )
    names = [m.name for m in with_engine(engine, lambda e: e.list_models())]
    assert names == ["mine", "gemma-3-270m-q4_k_m", "base", "exaone-like"]
    assert engine.catalog.default_name() == "mine"
    assert seen == []  # listing does not assemble the built-in model


@pytest.mark.inference  # needs the embedded extra: llama-cpp-python
def test_version_names_llama_cpp_python() -> None:
    engine = EmbeddedEngine(GGUFCatalog(Path("unused")))
    assert with_engine(engine, lambda e: e.version()).startswith("llama-cpp-python 0.")


def test_invalid_default_keep_alive_is_rejected_at_construction() -> None:
    with pytest.raises(InputRejected):
        EmbeddedEngine(GGUFCatalog(Path("unused")), keep_alive="soon")


@pytest.mark.inference  # needs the embedded extra: the built-in GGUF package
def test_first_listed_model_is_the_default(models_dir: Path, tmp_path: Path) -> None:
    with_builtin = GGUFCatalog(models_dir, builtin=BuiltinModel(tmp_path / "cache"))
    folder_only = GGUFCatalog(models_dir)
    for catalog in (with_builtin, folder_only):
        assert catalog.scan()[0].name == catalog.default_name()
    assert with_builtin.default_name() == "gemma-3-270m-q4_k_m"
    assert folder_only.default_name() == "base"


def test_importing_the_engine_does_not_import_llama_cpp() -> None:
    code = (
        "import sys, kodesk.engines.embedded, kodesk.engines.factory; "
        "print('llama_cpp' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_missing_extra_is_explained(
    models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    engine = EmbeddedEngine(GGUFCatalog(models_dir))
    with pytest.raises(EmbeddedUnavailable) as caught:
        with_engine(engine, lambda e: e.version())
    assert 'pip install "kodesk[embedded]"' in caught.value.hint_text("en")
    assert 'pip install "kodesk[embedded]"' in caught.value.hint_text("ko")
    monkeypatch.setattr(embedded, "find_spec", lambda name: None)
    with pytest.raises(EmbeddedUnavailable, match="llama-cpp-python"):
        create_embedded_engine(gguf=None, models_dir=models_dir, cache_dir=tmp_path)
