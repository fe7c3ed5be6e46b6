"""Bringing a GGUF from Hugging Face to a model that answers: check, then pull or download.

Every path starts with `check_instruction_model`: the first bytes of the chosen file are
read (see `hf_download.remote_header`) and a GGUF without a chat template — a base model,
such as beomi/Llama-3-Open-Ko-8B, which continues text instead of following "summarise
this" — is refused with `BaseModelRefused` before anything big is downloaded.

Then one of:
- `pull_name`: the name Ollama pulls it by (`hf.co/REPO:QUANT`; Ollama reads the GGUF's
  own template), for `Engine.pull`;
- `download_group`: the file into the embedded engine's models folder (resumable, sha256
  checked);
- `ollama_spec`: after a download, the `/api/create` request that imports the file into
  Ollama with the template the Modelfile doctor derives from the GGUF.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

from kodesk.core.chat_templates import ollama_template
from kodesk.core.errors import KodeskError, Text
from kodesk.core.gguf_info import inspect_gguf
from kodesk.core.modelfile import Command, Modelfile
from kodesk.core.modelfile_create import to_model_spec
from kodesk.core.modelfile_doctor import ModelFacts, diagnose, fixed_modelfile
from kodesk.core.types import ModelSpec, Progress
from kodesk.engines.hf_download import RemoteHeader, download_file, remote_header
from kodesk.engines.hf_repo import GGUFGroup, HubError, hub_endpoint

RECOMMENDATION = Text(
    ko="지시(instruct) 모델을 쓰세요: 설정 → 모델의 추천 한국어 모델, 또는 "
    "`kodesk models --recommended` (예: `ollama pull exaone3.5:2.4b`).",
    en="Use an instruction-tuned model: the recommended Korean models in Settings → Models, "
    "or `kodesk models --recommended` (e.g. `ollama pull exaone3.5:2.4b`).",
)


class BaseModelRefused(KodeskError):
    """The GGUF has no chat template: a base model that cannot follow instructions."""

    code = "base-model"

    def __init__(self, repo: str, file: str) -> None:
        super().__init__(
            Text(
                ko=f"{repo}의 {file}은(는) 기본(base) 모델입니다: GGUF에 채팅 템플릿이 없어 "
                '"요약해 줘" 같은 지시를 따르지 않고 글을 이어 쓰기만 합니다. 내려받지 않았습니다.',
                en=f"{file} in {repo} is a base model: its GGUF has no chat template, so it "
                'continues text instead of following instructions like "summarise this". '
                "Nothing was downloaded.",
            ),
            RECOMMENDATION,
        )


def file_url(repo: str, path: str, *, endpoint: str | None = None, revision: str = "main") -> str:
    from huggingface_hub import hf_hub_url

    return hf_hub_url(repo, path, revision=revision, endpoint=hub_endpoint(endpoint))


async def check_header(repo: str, group: GGUFGroup, *, endpoint: str | None = None) -> RemoteHeader:
    """The header of `group`'s first part, read from its first bytes."""
    url = file_url(repo, group.first.path, endpoint=endpoint)
    return await remote_header(url, group.first.size)


async def check_instruction_model(
    repo: str, group: GGUFGroup, *, endpoint: str | None = None
) -> RemoteHeader:
    """The header of `group`'s first part; `BaseModelRefused` for a base model."""
    header = await check_header(repo, group, endpoint=endpoint)
    if header.is_base_model:
        raise BaseModelRefused(repo, group.name)
    return header


def pull_name(repo: str, group: GGUFGroup) -> str:
    """What Ollama pulls: `hf.co/REPO:QUANT` (refused for a file without a quantization
    in its name, which Ollama could not pick)."""
    if group.quantization is None:
        raise HubError(
            Text(
                ko=f"{group.name}의 파일 이름에 양자화 형식이 없어 Ollama가 고를 수 없습니다.",
                en=f"{group.name} names no quantization, so Ollama cannot pick it.",
            ),
            Text(ko="--download를 쓰세요.", en="Use --download instead."),
        )
    return f"hf.co/{repo}:{group.quantization}"


def local_name(group: GGUFGroup) -> str:
    """The file name in the models folder (and so the embedded engine's model name)."""
    return Path(group.first.path).name


async def download_group(
    repo: str, group: GGUFGroup, models_dir: Path, *, endpoint: str | None = None
) -> AsyncIterator[Progress]:
    """Download `group` into `models_dir` (its last progress is "success"). A split file
    is refused: the models folder offers single files only."""
    if group.split:
        raise HubError(
            Text(
                ko=f"{group.name}은(는) {len(group.parts)}개 파일로 나뉘어 있어 내장 엔진의 "
                "모델 폴더에 넣을 수 없습니다.",
                en=f"{group.name} is split into {len(group.parts)} files, which the embedded "
                "engine's models folder cannot offer.",
            ),
            Text(
                ko="나뉘지 않은 양자화(더 작은 것)를 고르세요.",
                en="Choose a quantization that is a single file (a smaller one).",
            ),
        )
    part = group.first
    url = file_url(repo, part.path, endpoint=endpoint)
    async for progress in download_file(
        url, models_dir / local_name(group), size=part.size, sha256=part.sha256
    ):
        yield progress


_NAME_CHARS = re.compile(r"[^a-z0-9._-]+")


def ollama_model_name(group: GGUFGroup) -> str:
    """A model name for Ollama from the file name (`X-Q4_K_M.gguf` → `x-q4_k_m`)."""
    stem = Path(group.first.path).name.removesuffix(".gguf")
    return _NAME_CHARS.sub("-", stem.lower()).strip("-") or "hf-model"


def _modelfile_for(path: Path) -> tuple[Modelfile, ModelFacts]:
    info = inspect_gguf(path)
    facts = ModelFacts.from_gguf(info)
    family = facts.format_family
    builtin = ollama_template(family) if family else None
    if builtin is None:
        raise HubError(
            Text(
                ko=f"{path.name}의 채팅 형식({info.chat_template_family})은 Ollama가 알아보지 "
                "못해 Ollama에서는 지시를 따르지 않습니다.",
                en=f"Ollama does not know the chat format of {path.name} "
                f"({info.chat_template_family}), so it would not follow instructions there.",
            ),
            Text(
                ko="--pull로 받거나 (Hugging Face가 템플릿을 바꿔 줍니다) 내장 엔진으로 쓰세요.",
                en="Use --pull (Hugging Face converts the template) or the embedded engine.",
            ),
        )
    commands = [
        Command("from", str(path)),
        Command("template", builtin.template),
        *(Command("parameter", stop, "stop") for stop in builtin.stop),
    ]
    return Modelfile(tuple(commands)), facts


async def ollama_spec(path: Path, name: str) -> ModelSpec:
    """The create request for a downloaded GGUF: FROM the file, Ollama's template and
    stop tokens for the GGUF's chat format, and the doctor's num_ctx fix."""
    modelfile, facts = await asyncio.to_thread(_modelfile_for, path)
    fixed = fixed_modelfile(modelfile, facts, diagnose(modelfile, facts))
    return to_model_spec(fixed, name, path.parent)
