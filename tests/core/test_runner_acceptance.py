"""Issue 4's acceptance test: a 40,000-character Korean page is summarized in one
sentence on a 4096-context server, and no request is ever cut.

The fake server counts prompt tokens with the same tokenizer the planner uses, which
makes its `truncated` flag and the `prompt_tokens + reserve <= num_ctx` check
meaningful: once for a model that exposes no vocabulary (both sides estimate), once
for one that serves a Korean byte-level BPE vocabulary (both sides count exactly).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kodesk.core.context_planner import MAP_SUMMARY_TEMPLATE, REDUCE_INTRO, ContextPolicy
from kodesk.core.gguf_info import read_metadata
from kodesk.core.sentences import split_sentences
from kodesk.core.tokenizer import TOKENIZER_KEYS, EstimateTokenizer, tokenizer_from_gguf
from tests.core.runner_helpers import (
    MODEL,
    SUMMARY,
    answer,
    by_content,
    finished,
    notes,
    run_job,
    statuses,
    warnings,
)
from tests.core.tokenizer_ggufs import train_bpe, write_bpe_gguf
from tests.fake_ollama import FakeOllama

PAGE = Path(__file__).parent / "data" / "webpages" / "naver_long_feature.txt"
MAP_MARK = MAP_SUMMARY_TEMPLATE.split("{total}")[1][:12]
PARTIAL = (
    "이 부분은 인구 감소 지역의 학교와 교통, 의료 공백을 다룬다. 주민들은 기본 서비스를 "
    "요구한다. 일부 마을은 주민 참여로 변화를 만들고 있다."
)
FINAL = (
    "학교와 버스, 병원이 사라진 소멸위험 마을에서도 주민과 청년들이 공동체를 지키고 있으며, "
    "전문가들은 기본 서비스 보장과 지역 주도의 재설계가 필요하다고 말한다."
)


@pytest.fixture(scope="module")
def bpe_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bpe_gguf(tmp_path_factory.mktemp("bpe") / "ko-bpe.gguf", train_bpe(), "llama-bpe")


@pytest.mark.parametrize("vocabulary", ["none (estimate)", "exact BPE"])
def test_a_long_korean_page_becomes_one_sentence_without_any_truncation(
    fake_ollama: FakeOllama, vocabulary: str, request: pytest.FixtureRequest
) -> None:
    fake = fake_ollama
    fake.default_num_ctx = 4096
    fake.models[MODEL].context_length = 8192
    if vocabulary == "exact BPE":
        gguf: Path = request.getfixturevalue("bpe_gguf")
        meta: dict[str, Any] = json.loads(json.dumps(read_metadata(gguf, TOKENIZER_KEYS)))
        fake.models[MODEL].verbose_info = meta
        fake.count_tokens = tokenizer_from_gguf(gguf).count
    else:
        fake.count_tokens = EstimateTokenizer().count
    fake.chat_handler = by_content(
        [(lambda p: MAP_MARK in p, PARTIAL), (lambda p: REDUCE_INTRO.strip() in p, FINAL)],
        "예상하지 못한 요청입니다.",
    )
    page = PAGE.read_text(encoding="utf-8")
    assert len(page) >= 40_000

    events = run_job(fake, page, task=SUMMARY, policy=ContextPolicy())

    plan = finished(events).plan
    assert plan is not None and plan.decision == "map_reduce"
    assert plan.estimate is (vocabulary != "exact BPE")
    chats = fake.chat_requests()
    maps = [r for r in chats if MAP_MARK in r.body["messages"][-1]["content"]]
    assert len(maps) == len(plan.chunks) >= 2
    assert len(chats) == len(maps) + 1
    for rec in chats:
        assert rec.prompt_tokens is not None and rec.num_ctx is not None
        assert rec.prompt_tokens + plan.output_reserve <= rec.num_ctx
        assert rec.truncated is False
        assert rec.body["options"]["num_ctx"] == rec.num_ctx <= 8192

    final = answer(events)
    assert final == FINAL
    assert len(split_sentences(final)) == 1 and final.endswith("다.")
    assert not warnings(events)

    shown = statuses(events)
    cleaned = [s for s in notes(events) if s.startswith("정리됨:")]
    assert len(cleaned) == 1
    assert re.fullmatch(r"정리됨: 40,\d{3} → \d{2},\d{3}자", cleaned[0])
    assert [s.split(" · ")[0] for s in shown if s.startswith("조각")] == [
        f"조각 {i}/{len(maps)}" for i in range(1, len(maps) + 1)
    ]
    # The map requests carry the cleaned article, not the comments under it.
    sent = "".join(r.body["messages"][-1]["content"] for r in maps)
    assert "기사 잘 읽었습니다" not in sent and "무단 전재" not in sent
    assert "경북 의성군 안계면의 오전 7시" in sent and "관심을 기울여 주기를 바란다" in sent
