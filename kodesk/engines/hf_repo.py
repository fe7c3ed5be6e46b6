"""The GGUF files of a Hugging Face repository, grouped by quantization, via `huggingface_hub`.

`list_gguf` asks the hub (its `HF_ENDPOINT`, or the endpoint given) for the repository's
file tree and groups the `.gguf` files: one group per model file, where the parts of a
split file (`…-00001-of-00003.gguf`) form one group. Each group knows its quantization
(from the file name), its size, the LFS sha256 of every part, and the first part (the
one whose header holds the metadata).
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from typing import Any

from kodesk.core.errors import KodeskError, Text
from kodesk.core.quantization import APPROX_BITS_PER_WEIGHT, describe_quantization

DEFAULT_ENDPOINT = "https://huggingface.co"
_SPLIT = re.compile(r"^(?P<stem>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)
#: Longest names first, so that "Q4_K_M" wins over "Q4_K" and "IQ4_XS" over "Q4".
_QUANT_NAMES = sorted(APPROX_BITS_PER_WEIGHT, key=len, reverse=True)
_QUANT = re.compile(
    r"(?<![A-Za-z0-9])(" + "|".join(re.escape(n) for n in _QUANT_NAMES) + r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class HubError(KodeskError):
    """The Hugging Face hub could not answer, or the repository is not there."""

    code = "hub"


def hub_endpoint(endpoint: str | None = None) -> str:
    """The hub to talk to: `endpoint`, else `HF_ENDPOINT`, else huggingface.co."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


@dataclass(frozen=True)
class RepoFilePart:
    path: str
    size: int
    sha256: str | None  # the LFS oid; None for a file stored in git itself


@dataclass(frozen=True)
class GGUFGroup:
    """One model file of a repository, possibly split into parts."""

    name: str  # the file name, or the stem shared by the parts of a split file
    quantization: str | None
    parts: tuple[RepoFilePart, ...]

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)

    @property
    def split(self) -> bool:
        return len(self.parts) > 1

    @property
    def first(self) -> RepoFilePart:
        return self.parts[0]

    def explanation(self) -> Text | None:
        if self.quantization is None:
            return None
        return describe_quantization(self.quantization, file_size=self.size).explanation

    def to_json(self) -> dict[str, Any]:
        explanation = self.explanation()
        return {
            "name": self.name,
            "quantization": self.quantization,
            "size": self.size,
            "split": self.split,
            "parts": [{"path": p.path, "size": p.size, "sha256": p.sha256} for p in self.parts],
            "quantization_explanation": None
            if explanation is None
            else {"ko": explanation.ko, "en": explanation.en},
        }


def quantization_of(file_name: str) -> str | None:
    """The quantization named in a GGUF file name (`…-Q4_K_M.gguf` → "Q4_K_M")."""
    matches = _QUANT.findall(file_name.rsplit("/", 1)[-1])
    if not matches:
        return None
    wanted = matches[-1].upper()
    return next(n for n in _QUANT_NAMES if n.upper() == wanted)


def group_gguf_files(files: list[RepoFilePart]) -> list[GGUFGroup]:
    """The `.gguf` model files as groups, split parts together and in order. Left out: a
    split file with a missing part (it could not be loaded) and vision projectors
    (`mmproj-….gguf`), which are not models of their own."""
    singles: list[GGUFGroup] = []
    splits: dict[tuple[str, int], dict[int, RepoFilePart]] = {}
    for part in files:
        name = part.path.rsplit("/", 1)[-1].lower()
        if not name.endswith(".gguf") or "mmproj" in name:
            continue
        match = _SPLIT.match(part.path)
        if match is None:
            singles.append(GGUFGroup(part.path, quantization_of(part.path), (part,)))
            continue
        key = (match["stem"], int(match["count"]))
        splits.setdefault(key, {})[int(match["index"])] = part
    for (stem, count), parts in splits.items():
        if sorted(parts) == list(range(1, count + 1)):
            ordered = tuple(parts[i] for i in range(1, count + 1))
            singles.append(GGUFGroup(stem, quantization_of(stem), ordered))
    return sorted(singles, key=lambda g: (g.size, g.name))


def check_repo_id(repo: str) -> str:
    repo = repo.strip().removeprefix("hf.co/").removeprefix("https://huggingface.co/")
    if not _REPO_ID.match(repo):
        raise HubError(
            Text(
                ko=f"'{repo}'은(는) Hugging Face 저장소 이름이 아닙니다.",
                en=f"'{repo}' is not a Hugging Face repository name.",
            ),
            Text(ko="'소유자/이름' 형식으로 쓰세요.", en="Write it as 'owner/name'."),
        )
    return repo


def _tree(repo: str, endpoint: str, revision: str) -> list[RepoFilePart]:
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile

    api = HfApi(endpoint=endpoint)
    return [
        RepoFilePart(item.path, item.size, item.lfs.sha256 if item.lfs else None)
        for item in api.list_repo_tree(repo, recursive=True, revision=revision)
        if isinstance(item, RepoFile)
    ]


def hub_failure(repo: str, endpoint: str, exc: Exception) -> HubError:
    """The one message for a failed hub request."""
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    if isinstance(exc, GatedRepoError):
        return HubError(
            Text(
                ko=f"{repo} 저장소는 사용 동의가 필요합니다.",
                en=f"The repository {repo} is gated.",
            ),
            Text(
                ko="Hugging Face에서 조건에 동의하고 HF_TOKEN을 설정하세요.",
                en="Accept its conditions on Hugging Face and set HF_TOKEN.",
            ),
        )
    if isinstance(exc, RepositoryNotFoundError):
        return HubError(
            Text(
                ko=f"Hugging Face에 {repo} 저장소가 없습니다.",
                en=f"There is no repository {repo} on {endpoint}.",
            ),
            Text(ko="저장소 이름의 철자를 확인하세요.", en="Check the spelling of the name."),
        )
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return HubError(
        Text(
            ko=f"Hugging Face({endpoint})에 연결할 수 없습니다: {detail}",
            en=f"Cannot reach Hugging Face at {endpoint}: {detail}",
        ),
        Text(
            ko="인터넷 연결과 HF_ENDPOINT 설정을 확인하세요.",
            en="Check the internet connection and the HF_ENDPOINT setting.",
        ),
    )


async def list_gguf(
    repo: str, *, endpoint: str | None = None, revision: str = "main"
) -> list[GGUFGroup]:
    """The repository's GGUF groups, smallest first. Raises `HubError`."""
    repo = check_repo_id(repo)
    where = hub_endpoint(endpoint)
    try:
        files = await asyncio.to_thread(_tree, repo, where, revision)
    except Exception as exc:
        raise hub_failure(repo, where, exc) from exc
    return group_gguf_files(files)


def find_group(groups: list[GGUFGroup], quant: str, repo: str) -> GGUFGroup:
    """The group whose quantization is `quant` (case-insensitive); `HubError` listing the
    ones there are when none matches."""
    for group in groups:
        if group.quantization and group.quantization.upper() == quant.strip().upper():
            return group
    have = ", ".join(g.quantization or g.name for g in groups) or "-"
    raise HubError(
        Text(
            ko=f"{repo}에 {quant} GGUF 파일이 없습니다 (있는 것: {have}).",
            en=f"{repo} has no {quant} GGUF file (it has: {have}).",
        )
    )
