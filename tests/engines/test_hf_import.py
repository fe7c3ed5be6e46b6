"""Hugging Face listing, remote header check, resumable checksum-verified download and the
Ollama create request, against the fake hub (real HTTP on 127.0.0.1, real GGUF files)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from kodesk.core.chat_templates import ollama_template
from kodesk.core.types import Progress
from kodesk.engines.hf_download import DownloadChecksumError, partial_path
from kodesk.engines.hf_import import (
    BaseModelRefused,
    check_instruction_model,
    download_group,
    ollama_spec,
    pull_name,
)
from kodesk.engines.hf_repo import (
    HubError,
    find_group,
    group_gguf_files,
    list_gguf,
    quantization_of,
)
from tests.fake_hf import FakeHub
from tests.gguf_factory import LLAMA3_TEMPLATE, preset, write_gguf

BASE_REPO = "kodesk-test/Llama-3-Open-Ko-8B-gguf"
CHAT_REPO = "kodesk-test/Llama-3-Ko-Instruct-GGUF"
BIG_HEADER = 10 << 20  # longer than the first 8 MiB the header check fetches


@pytest.fixture(scope="module")
def ggufs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("hf-ggufs")
    base = write_gguf(
        folder / "base.gguf",
        preset(
            "llama3",
            chat_template=None,
            extra_metadata={"general.description": "x" * BIG_HEADER},
        ),
    )
    chat = write_gguf(folder / "chat.gguf", preset("llama3", chat_template=LLAMA3_TEMPLATE))
    return {"base": base.read_bytes(), "chat": chat.read_bytes()}


@pytest.fixture
def hub(ggufs: dict[str, bytes]) -> Iterator[FakeHub]:
    with FakeHub() as fake:
        base = fake.repo(BASE_REPO)
        for quant in ("Q4_K_M", "Q5_K_M", "Q8_0"):
            base.add(f"Llama-3-Open-Ko-8B-{quant}.gguf", ggufs["base"])
        chat = fake.repo(CHAT_REPO)
        chat.add("README.md", b"# model card\n")
        chat.add("Llama-3-Ko-Instruct-Q4_K_M.gguf", ggufs["chat"])
        for index in (1, 2, 3):
            chat.add(f"Q8_0/Llama-3-Ko-Instruct-Q8_0-0000{index}-of-00003.gguf", ggufs["chat"])
        chat.add("broken/Llama-3-Ko-Instruct-F16-00001-of-00002.gguf", ggufs["chat"])
        chat.add("mmproj-Llama-3-Ko-Instruct-f16.gguf", b"GGUF projector")
        yield fake


async def drain(stream: AsyncIterator[Progress]) -> list[Progress]:
    return [p async for p in stream]


def test_quantization_from_file_names() -> None:
    assert quantization_of("EXAONE-3.5-2.4B-Instruct-Q4_K_M.gguf") == "Q4_K_M"
    assert quantization_of("qwen2.5-1.5b-instruct-q4_k_m.gguf") == "Q4_K_M"
    assert quantization_of("model-IQ4_XS.gguf") == "IQ4_XS"
    assert quantization_of("Q8_0/model-Q8_0-00001-of-00003.gguf") == "Q8_0"
    assert quantization_of("ggml-model-f16.gguf") == "F16"
    assert quantization_of("model.gguf") is None


def test_listing_groups_split_files_and_drops_incomplete_ones(
    hub: FakeHub, ggufs: dict[str, bytes]
) -> None:
    groups = asyncio.run(list_gguf(CHAT_REPO, endpoint=hub.url))
    by_quant = {g.quantization: g for g in groups}
    # README, the half-present F16 and the vision projector are left out
    assert set(by_quant) == {"Q4_K_M", "Q8_0"}
    split = by_quant["Q8_0"]
    assert split.split
    assert [p.path.rsplit("-", 3)[-3] for p in split.parts] == ["00001", "00002", "00003"]
    assert split.size == 3 * by_quant["Q4_K_M"].size
    assert all(p.sha256 == hashlib.sha256(ggufs["chat"]).hexdigest() for p in split.parts)
    explanation = by_quant["Q4_K_M"].explanation()
    assert explanation is not None and "Q4_K_M" in explanation.en
    assert groups[0].quantization == "Q4_K_M"  # smallest first


def test_unknown_repository_is_one_clear_error(hub: FakeHub) -> None:
    with pytest.raises(HubError) as caught:
        asyncio.run(list_gguf("nobody/nothing", endpoint=hub.url))
    assert "nobody/nothing" in caught.value.message("en")
    with pytest.raises(HubError):
        find_group(asyncio.run(list_gguf(CHAT_REPO, endpoint=hub.url)), "Q2_K", CHAT_REPO)


def test_base_model_is_refused_before_any_download(hub: FakeHub, tmp_path: Path) -> None:
    groups = asyncio.run(list_gguf(BASE_REPO, endpoint=hub.url))
    assert [g.quantization for g in groups] == ["Q4_K_M", "Q5_K_M", "Q8_0"]
    group = find_group(groups, "q8_0", BASE_REPO)
    with pytest.raises(BaseModelRefused) as caught:
        asyncio.run(check_instruction_model(BASE_REPO, group, endpoint=hub.url))
    assert "base model" in caught.value.message("en")
    assert "기본(base) 모델" in caught.value.message("ko")
    assert "exaone3.5" in caught.value.hint_text("en")
    blob_reads = hub.bytes_served("/lfs/")
    # Only ranged reads of the beginning: 8 MiB first, then more for this long header.
    assert [r.range for r in blob_reads] == [
        f"bytes=0-{(8 << 20) - 1}",
        f"bytes=0-{group.first.size - 1}",
    ]
    assert list(tmp_path.iterdir()) == []


def test_instruction_model_passes_the_check(hub: FakeHub) -> None:
    group = find_group(asyncio.run(list_gguf(CHAT_REPO, endpoint=hub.url)), "Q4_K_M", CHAT_REPO)
    header = asyncio.run(check_instruction_model(CHAT_REPO, group, endpoint=hub.url))
    assert header.template_family == "llama3"
    assert pull_name(CHAT_REPO, group) == f"hf.co/{CHAT_REPO}:Q4_K_M"


def test_download_resumes_after_an_interruption(
    hub: FakeHub, ggufs: dict[str, bytes], tmp_path: Path
) -> None:
    group = find_group(asyncio.run(list_gguf(CHAT_REPO, endpoint=hub.url)), "Q4_K_M", CHAT_REPO)
    hub.cut_after[group.first.path] = 1000
    with pytest.raises(HubError):
        asyncio.run(drain(download_group(CHAT_REPO, group, tmp_path, endpoint=hub.url)))
    target = tmp_path / "Llama-3-Ko-Instruct-Q4_K_M.gguf"
    assert not target.exists()
    assert partial_path(target).stat().st_size == 1000
    progress = asyncio.run(drain(download_group(CHAT_REPO, group, tmp_path, endpoint=hub.url)))
    assert progress[0].status == "resuming" and progress[0].completed == 1000
    assert progress[-1].status == "success"
    assert hub.bytes_served("/lfs/")[-1].range == "bytes=1000-"
    assert target.read_bytes() == ggufs["chat"]
    assert not partial_path(target).exists()


def test_checksum_mismatch_is_refused_and_the_file_removed(hub: FakeHub, tmp_path: Path) -> None:
    group = find_group(asyncio.run(list_gguf(CHAT_REPO, endpoint=hub.url)), "Q4_K_M", CHAT_REPO)
    hub.corrupt.add(group.first.path)
    with pytest.raises(DownloadChecksumError) as caught:
        asyncio.run(drain(download_group(CHAT_REPO, group, tmp_path, endpoint=hub.url)))
    assert "sha256" in caught.value.message("en")
    assert "removed" in caught.value.message("en")
    assert list(tmp_path.iterdir()) == []


def test_split_file_is_not_downloaded_into_the_models_folder(hub: FakeHub, tmp_path: Path) -> None:
    group = find_group(asyncio.run(list_gguf(CHAT_REPO, endpoint=hub.url)), "Q8_0", CHAT_REPO)
    with pytest.raises(HubError) as caught:
        asyncio.run(drain(download_group(CHAT_REPO, group, tmp_path, endpoint=hub.url)))
    assert "split into 3 files" in caught.value.message("en")
    assert hub.bytes_served("/lfs/") == []


def test_ollama_create_request_uses_the_doctors_template(hub: FakeHub, tmp_path: Path) -> None:
    group = find_group(asyncio.run(list_gguf(CHAT_REPO, endpoint=hub.url)), "Q4_K_M", CHAT_REPO)
    asyncio.run(drain(download_group(CHAT_REPO, group, tmp_path, endpoint=hub.url)))
    path = tmp_path / "Llama-3-Ko-Instruct-Q4_K_M.gguf"
    spec = asyncio.run(ollama_spec(path, "llama-3-ko"))
    llama3 = ollama_template("llama3")
    assert llama3 is not None
    assert spec.from_gguf == str(path)
    assert spec.template == llama3.template
    assert spec.parameters["stop"] == list(llama3.stop)
    assert spec.parameters["num_ctx"] == 8192  # the doctor's fix for a Korean article


def test_group_of_nothing_is_empty() -> None:
    assert group_gguf_files([]) == []
