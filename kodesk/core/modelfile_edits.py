"""Modelfile edits the Create page offers: start one for a GGUF, repoint FROM, own template."""

from __future__ import annotations

from kodesk.core.chat_templates import ollama_template
from kodesk.core.gguf_info import GGUFInfo
from kodesk.core.modelfile import Command, Modelfile, render_modelfile
from kodesk.core.modelfile_doctor import ModelFacts


def initial_modelfile(gguf_path: str) -> str:
    """The smallest Modelfile for a GGUF: Ollama then picks the template from the file."""
    return render_modelfile(Modelfile((Command("from", gguf_path),)))


def with_from(modelfile: Modelfile, gguf_path: str) -> Modelfile:
    """`modelfile` with its FROM line(s) replaced by one FROM naming `gguf_path`."""
    return modelfile.replacing("from", None, (Command("from", gguf_path),))


def own_template(modelfile: Modelfile, info: GGUFInfo) -> Modelfile:
    """The chat format the model itself uses, and nothing else.

    TEMPLATE and stop lines are dropped. If the GGUF carries a chat template Ollama
    recognises, that is all (Ollama autodetects it). If it carries none but its
    vocabulary shows a known format, Ollama's template and stops for it are written.
    """
    kept = modelfile.replacing("template", None, ()).replacing("parameter", "stop", ())
    facts = ModelFacts.from_gguf(info)
    if info.chat_template_family not in ("none", "other"):
        return kept
    builtin = ollama_template(facts.format_family) if facts.format_family else None
    if builtin is None:
        return kept
    return Modelfile(
        (
            *kept.commands,
            Command("template", builtin.template),
            *(Command("parameter", stop, "stop") for stop in builtin.stop),
        )
    )
