"""Modelfiles used by several test modules.

`COMMUNITY_LLAMA3_KO` is the popular Korean-community Modelfile
(`tests/data/community-llama3-ko.Modelfile`, a copy of the shared fixture): a template
written for EEVE (`<s>Human: … <s>Assistant:`, `stop <s>`) put on a Llama-3 base model
GGUF with a 4096 context.
"""

from pathlib import Path

COMMUNITY_PATH = Path(__file__).resolve().parents[1] / "data" / "community-llama3-ko.Modelfile"
COMMUNITY_LLAMA3_KO = COMMUNITY_PATH.read_text(encoding="utf-8")
