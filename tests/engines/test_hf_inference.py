"""Real inference after a Hugging Face import: a real instruction GGUF is listed, checked and
downloaded through the fake hub into a models folder, and the embedded engine answers.

Models: `tests.instruction_ggufs` (the `testmodels` extra).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from kodesk.core.types import ChatMessage, ChatRequest, Delta
from kodesk.engines.embedded import EmbeddedEngine
from kodesk.engines.gguf_catalog import GGUFCatalog
from kodesk.engines.hf_import import check_instruction_model, download_group, local_name
from kodesk.engines.hf_repo import find_group, list_gguf
from tests.fake_hf import FakeHub
from tests.instruction_ggufs import QWEN_CODER_REPO, smollm2_gguf

pytestmark = pytest.mark.inference

ARTICLE = (
    "서울시는 내년 1월부터 시내버스 기본요금을 1500원에서 1700원으로 200원 인상한다고 29일 "
    "밝혔다. 시는 연료비와 인건비가 크게 오르면서 버스 회사들의 적자가 지난해 8000억 원을 넘어 "
    "요금 조정이 불가피하다고 설명했다. 다만 청소년과 어르신 요금은 동결하고, 환승 할인 제도는 "
    "그대로 유지한다. 시민단체는 물가 부담이 커진 상황에서 서민의 교통비 부담이 늘어난다며 "
    "반발했다. 서울시는 인상분을 배차 간격 단축과 노후 차량 교체에 쓰겠다고 덧붙였다."
)
INSTRUCTION = (
    "Summarize the following Korean news article in ONE short Korean sentence "
    "(under 30 words). Do not copy sentences.\n\n"
)
HANGUL = re.compile(r"[가-힣]")


async def import_and_ask(
    hub: FakeHub, repo: str, models: Path, messages: tuple[ChatMessage, ...]
) -> tuple[str, str]:
    """List, check and download the repo's Q-file, then ask the embedded engine."""
    groups = await list_gguf(repo, endpoint=hub.url)
    group = groups[0] if len(groups) == 1 else find_group(groups, "Q4_K_M", repo)
    header = await check_instruction_model(repo, group, endpoint=hub.url)
    assert header.template_family == "chatml"
    statuses = [p.status async for p in download_group(repo, group, models, endpoint=hub.url)]
    assert statuses[-1] == "success"
    engine = EmbeddedEngine(GGUFCatalog(models), n_threads=2, keep_alive=0)
    try:
        names = [m.name for m in await engine.list_models()]
        name = local_name(group).removesuffix(".gguf")
        assert name in names
        options = {"temperature": 0, "seed": 7, "num_predict": 80, "num_ctx": 1024}
        request = ChatRequest(name, messages, options=options)
        answer = "".join([e.text async for e in engine.chat(request) if isinstance(e, Delta)])
    finally:
        await engine.aclose()
    return name, answer.strip()


def test_smollm2_imported_from_the_hub_follows_an_instruction(tmp_path: Path) -> None:
    repo = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
    with FakeHub() as hub:
        hub.repo(repo).add("SmolLM2-135M-Instruct.Q4_1.gguf", smollm2_gguf())
        question = "What is the capital city of France? Answer with the city name."
        _, answer = asyncio.run(
            import_and_ask(hub, repo, tmp_path / "models", (ChatMessage("user", question),))
        )
    assert "Paris" in answer
    assert question not in answer


def test_qwen_imported_from_the_hub_summarizes_korean(qwen_coder: Path, tmp_path: Path) -> None:
    repo = QWEN_CODER_REPO
    with FakeHub() as hub:
        hub.repo(repo).add(qwen_coder.name, qwen_coder)
        messages = (ChatMessage("user", INSTRUCTION + ARTICLE),)
        _, answer = asyncio.run(import_and_ask(hub, repo, tmp_path / "models", messages))
    assert answer, "no answer"
    assert HANGUL.search(answer), answer
    assert answer not in ARTICLE, f"an echo of the article: {answer}"
    assert "Summarize" not in answer and "30 words" not in answer, answer
    assert len(answer) < len(ARTICLE) / 2, answer
    assert answer.count(".") <= 2, answer  # one sentence (maybe a trailing period or two)
    assert "버스" in answer and ("200" in answer or "1700" in answer), answer
